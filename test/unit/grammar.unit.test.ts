/**
 * The grammars in syntaxes/, tokenized with vscode-textmate and vscode-oniguruma (the engine
 * VS Code uses) and compared with snapshots: the injection into JSON strings (placeholders,
 * grounding tags, reasoning tags, coordinate lists) and the eval-log language.
 * Set UPDATE_SNAPSHOTS=1 to write the snapshots again (then read the diff).
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { INITIAL, Registry, parseRawGrammar, type IGrammar, type IRawGrammar } from 'vscode-textmate';
import { createOnigScanner, createOnigString, loadWASM } from 'vscode-oniguruma';

const root = join(__dirname, '..', '..');
const fixtures = join(root, 'test/fixtures/grammar');
const OURS = /\.(vlm-lens|vlm-eval-log)$/;

/**
 * A minimal stand-in for VS Code's JSON grammars with the scopes the injection selector
 * relies on: keys are `string.json support.type.property-name.json`, values
 * `string.quoted.double.json` (`.lines` for JSON Lines, as in VS Code).
 */
function hostJson(scopeName: string, suffix: string): IRawGrammar {
  const g = {
    scopeName,
    patterns: [{ include: '#key' }, { include: '#string' }, { match: '-?\\d+(?:\\.\\d+)?', name: `constant.numeric.json${suffix}` }],
    repository: {
      key: { begin: '"(?=(?:[^"\\\\]|\\\\.)*"\\s*:)', end: '"', name: `string.json${suffix} support.type.property-name.json${suffix}`, patterns: [{ match: '\\\\.' }] },
      string: { begin: '"', end: '"', name: `string.quoted.double.json${suffix}`, patterns: [{ match: '\\\\.', name: `constant.character.escape.json${suffix}` }] },
    },
  };
  return parseRawGrammar(JSON.stringify(g), `${scopeName}.json`);
}

let registry: Registry;

before(async () => {
  const wasm = readFileSync(require.resolve('vscode-oniguruma/release/onig.wasm'));
  await loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
  const ours: Record<string, string> = {
    'vlm-lens.json-strings.injection': 'syntaxes/vlm-lens-strings.injection.tmLanguage.json',
    'source.vlm-eval-log': 'syntaxes/vlm-eval-log.tmLanguage.json',
  };
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { contributes: { grammars: Array<{ scopeName: string; injectTo?: string[] }> } };
  const injection = pkg.contributes.grammars.find((g) => g.scopeName === 'vlm-lens.json-strings.injection');
  registry = new Registry({
    onigLib: Promise.resolve({ createOnigScanner, createOnigString }),
    loadGrammar: (scope) => {
      if (scope === 'source.json') return Promise.resolve(hostJson(scope, ''));
      if (scope === 'source.json.lines') return Promise.resolve(hostJson(scope, '.lines'));
      const file = ours[scope];
      return Promise.resolve(file ? parseRawGrammar(readFileSync(join(root, file), 'utf8'), join(root, file)) : null);
    },
    // as package.json contributes it
    getInjections: (scope) => (injection?.injectTo?.includes(scope) ? [injection.scopeName] : undefined),
  });
});

/** Each token that carries one of our scopes: `line:column "text" scope`. */
async function tokens(scope: string, text: string): Promise<string[]> {
  const grammar = (await registry.loadGrammar(scope)) as IGrammar;
  assert.ok(grammar, `grammar ${scope} loads`);
  const out: string[] = [];
  let state = INITIAL;
  text.split('\n').forEach((line, n) => {
    const r = grammar.tokenizeLine(line, state);
    state = r.ruleStack;
    for (const t of r.tokens) {
      const mine = t.scopes.filter((s) => OURS.test(s) && s !== scope);
      if (mine.length > 0) out.push(`${n + 1}:${t.startIndex + 1} ${JSON.stringify(line.slice(t.startIndex, t.endIndex))} ${mine.join(' ')}`);
    }
  });
  return out;
}

function snapshot(name: string, actual: string[]): void {
  const file = join(fixtures, `${name}.snap`);
  const text = actual.join('\n') + '\n';
  if (process.env.UPDATE_SNAPSHOTS === '1' || !existsSync(file)) writeFileSync(file, text);
  assert.equal(text, readFileSync(file, 'utf8'), `${name}.snap differs (UPDATE_SNAPSHOTS=1 to rewrite it, then review the diff)`);
}

const scopeOf = (toks: string[], text: string) => toks.filter((t) => t.includes(` ${JSON.stringify(text)} `)).map((t) => t.split(' ').pop());

test('injection into JSON Lines strings: placeholders, grounding and reasoning tags, coordinate lists; keys untouched', async () => {
  const toks = await tokens('source.json.lines', readFileSync(join(fixtures, 'dataset.jsonl'), 'utf8'));
  assert.deepEqual(scopeOf(toks, '<image>'), ['constant.language.placeholder.vlm-lens', 'constant.language.placeholder.vlm-lens']);
  assert.deepEqual(scopeOf(toks, '<video>'), ['constant.language.placeholder.vlm-lens']);
  assert.deepEqual(scopeOf(toks, '[[120, 300, 480, 700]]'), ['constant.numeric.coordinates.vlm-lens']);
  assert.deepEqual(scopeOf(toks, '<|box_start|>'), ['entity.name.tag.grounding.vlm-lens']);
  assert.deepEqual(scopeOf(toks, '(10,20)'), ['constant.numeric.coordinates.vlm-lens']);
  assert.deepEqual(scopeOf(toks, '<think>'), ['keyword.control.reasoning.vlm-lens']);
  assert.deepEqual(scopeOf(toks, '[(0.1, 0.2), (0.3, 0.4)]'), ['constant.numeric.coordinates.vlm-lens']);
  assert.deepEqual(scopeOf(toks, '[1, 2, 3, 4]'), ['constant.numeric.coordinates.vlm-lens']);
  console.log(toks.filter((t) => t.startsWith('4:')));
  assert.deepEqual(scopeOf(toks, String.raw`<point x=\"61.5\" y=\"40.2\" alt=\"cup\">`), ['entity.name.tag.grounding.vlm-lens']);
  assert.ok(!toks.some((t) => t.startsWith('1:2 ')), 'the key "id" is not a dataset string');
  assert.deepEqual(scopeOf(toks, '[3]'), [], 'a single number in brackets is not a coordinate list');
  assert.deepEqual(scopeOf(toks, '(1)'), []);
  snapshot('dataset.jsonl', toks);
});

test('the same injection applies to .json documents (source.json)', async () => {
  const toks = await tokens('source.json', '[\n  {"value": "<image>\\n<ref>cup</ref><box>[[1,2,3,4]]</box>"}\n]');
  assert.deepEqual(
    toks.map((t) => t.split(' ').slice(1).join(' ')),
    ['"<image>" constant.language.placeholder.vlm-lens', '"<ref>" entity.name.tag.grounding.vlm-lens', '"</ref>" entity.name.tag.grounding.vlm-lens', '"<box>" entity.name.tag.grounding.vlm-lens', '"[[1,2,3,4]]" constant.numeric.coordinates.vlm-lens', '"</box>" entity.name.tag.grounding.vlm-lens'],
  );
});

test('eval logs: metric names and values, task names, errors (also glued to a progress bar), progress, results', async () => {
  const toks = await tokens('source.vlm-eval-log', readFileSync(join(fixtures, 'eval.log'), 'utf8'));
  assert.deepEqual(scopeOf(toks, '0.4231837261938'), ['constant.numeric.metric.vlm-eval-log']);
  assert.deepEqual(scopeOf(toks, 'Accuracy (IOU > 0.1)'), ['keyword.other.metric.vlm-eval-log']);
  assert.deepEqual(scopeOf(toks, 'eval_details_contact_box.json'), ['entity.name.section.task.vlm-eval-log']);
  assert.deepEqual(scopeOf(toks, '212.87340927'), ['constant.numeric.metric.vlm-eval-log']);
  assert.deepEqual(scopeOf(toks, '74.3739'), ['constant.numeric.metric.vlm-eval-log']);
  assert.deepEqual(scopeOf(toks, 'Error: CUDA out of memory. Tried to allocate 2.00 GiB'), ['invalid.illegal.error.vlm-eval-log']);
  assert.deepEqual(scopeOf(toks, 'Evaluating:   0%|          | 0/3 [00:00<?, ?it/s]'), ['comment.line.progress.vlm-eval-log']);
  assert.deepEqual(scopeOf(toks, "ValueError: could not convert string to float: 'n/a'"), ['invalid.illegal.error.vlm-eval-log']);
  assert.deepEqual(scopeOf(toks, 'error: unrecognized arguments: --type contact_box'), ['invalid.illegal.error.vlm-eval-log']);
  assert.deepEqual(scopeOf(toks, 'Results saved to'), ['markup.inserted.result.vlm-eval-log']);
  snapshot('eval.log', toks);
});
