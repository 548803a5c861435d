/**
 * Validation: each rule fires on its bad case and stays silent on the real samples in
 * ../shared/samples; schemas (built-in, user, $ref between local files, broken ones);
 * streaming over a file with the cap and image lookups.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SchemaSet } from '../../src/core/validate/schemaSet';
import { RecordValidator, type Problem } from '../../src/core/validate/validator';
import { FileRules } from '../../src/core/validate/fileRules';
import { validateFile } from '../../src/core/validate/validateFile';
import { DocumentValidator, jsonRecords, jsonlRecords } from '../../src/core/validate/documentValidator';
import { codesOf } from '../../src/core/validate/flags';
import { RULES, RULE_CODES, worstSeverity } from '../../src/core/validate/rules';
import { MemoryFile } from '../../src/core/io/randomAccessFile';
import { RecordIndex } from '../../src/core/index/recordIndex';

const root = join(__dirname, '..', '..');
const builtin = join(root, 'src/core/schemas/builtin');
const samples = join(root, 'test/fixtures/samples');
let schemas: SchemaSet;

before(async () => {
  schemas = await SchemaSet.create(builtin);
});

function validator(extra: Partial<ConstructorParameters<typeof RecordValidator>[0]> = {}) {
  return new RecordValidator({ schemas, jsonl: true, ...extra });
}

/** Codes of the problems of one record given as an object or text. */
function codes(rec: unknown, v = validator()): string[] {
  const text = typeof rec === 'string' ? rec : JSON.stringify(rec);
  return v.check({ index: 0, line: 0, column: 0, text }).problems.map((p) => p.code);
}

/** Runs records through check + FileRules, as a file. */
function fileCodes(recs: unknown[], v = validator()): Problem[] {
  const rules = new FileRules(v);
  const out: Problem[] = [];
  recs.forEach((r, i) => {
    const { problems, facts } = v.check({ index: i, line: i, column: 0, text: JSON.stringify(r) });
    out.push(...problems, ...rules.add(facts));
  });
  return [...out, ...rules.finish()];
}

const llava = (extra: Record<string, unknown> = {}) => ({ id: 'a', image: 'x.jpg', conversations: [{ from: 'human', value: '<image>\nWhat is this?' }, { from: 'gpt', value: 'A cup.' }], ...extra });

test('every rule has a stable code, a default severity and a summary', () => {
  assert.ok(RULE_CODES.length >= 20);
  for (const c of RULE_CODES) {
    assert.match(c, /^VLM\d{3}$/);
    assert.ok(['error', 'warning', 'info', 'hint'].includes(RULES[c].severity));
    assert.ok(RULES[c].summary.length > 10);
  }
});

test('silent on the real samples (LLaMA-Factory, Qwen, InternVL meta, HumanOmniV2, RoboInter constructed)', () => {
  const files: Array<[string, unknown[]]> = [];
  for (const dir of readdirSync(samples)) {
    const d = join(samples, dir);
    if (dir === 'README.md') continue;
    for (const f of readdirSync(d)) {
      const p = join(d, f);
      if (f.endsWith('.jsonl')) files.push([f, readFileSync(p, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as unknown)]);
      else if (f.endsWith('.json') && !f.startsWith('dataset_info') && !f.startsWith('trainer_state')) {
        const v = JSON.parse(readFileSync(p, 'utf8')) as unknown;
        files.push([f, Array.isArray(v) ? v : [v]]);
      }
    }
  }
  assert.ok(files.length >= 10);
  for (const [name, recs] of files) {
    const problems = fileCodes(recs);
    assert.deepEqual(problems.map((p) => `${p.code} ${p.message}`), [], name);
  }
});

test('VLM001 invalid JSON at the exact column, with a trailing-comma fix; VLM002 trailing data; VLM003 array on a JSONL line', () => {
  const v = validator();
  const [p] = v.check({ index: 4, line: 10, column: 0, text: '{"id": "x", "conversations": [],}' }).problems;
  assert.deepEqual([p.code, p.line, p.column], ['VLM001', 10, 32]);
  assert.deepEqual(p.fix, { kind: 'remove', line: 10, column: 31, length: 1 });
  assert.deepEqual(codes('{"id": 1} {"id": 2}'), ['VLM002']);
  assert.deepEqual(codes('[{"id": 1}]'), ['VLM003']);
  assert.deepEqual(codes('[{"id": 1}]', validator({ jsonl: false })), []);
});

test('VLM004 schema problems point at the value at fault', () => {
  const text = JSON.stringify(llava({ conversations: [{ from: 'human', value: 3 }] }));
  const [p] = validator().check({ index: 0, line: 0, column: 0, text }).problems;
  assert.equal(p.code, 'VLM004');
  assert.match(p.message, /\/conversations\/0\/value: must be string/);
  assert.equal(text.slice(p.column, p.endColumn), '3');
  // localized by ajv-i18n
  const [zh] = validator({ language: 'zh-cn' }).check({ index: 0, line: 0, column: 0, text }).problems;
  assert.match(zh.message, /应当是 string 类型/);
});

test('VLM010/011/012 placeholders vs media, with a fix that adds the missing <image>', () => {
  const two = llava({ image: ['a.jpg', 'b.jpg'] });
  const v = validator();
  const [p] = v.check({ index: 0, line: 0, column: 0, text: JSON.stringify(two) }).problems;
  assert.equal(p.code, 'VLM010');
  assert.equal(p.message, '1 <image> placeholder(s) but 2 image(s)');
  assert.deepEqual(p.fix, { kind: 'add-placeholder', placeholder: '<image>', count: 1, valuePath: ['conversations', 0, 'value'] });
  assert.deepEqual(codes({ messages: [{ role: 'user', content: '<image><image>Both?' }, { role: 'assistant', content: 'Yes' }], images: ['a.jpg'] }), ['VLM010']);
  assert.deepEqual(codes({ messages: [{ role: 'user', content: 'Look' }, { role: 'assistant', content: 'ok' }], images: ['a.jpg'] }), ['VLM010'], 'LLaMA-Factory needs one <image> per image');
  assert.deepEqual(codes({ video: 'v.mp4', conversations: [{ from: 'human', value: '<video><video>\nWhat happens?' }, { from: 'gpt', value: 'x' }] }), ['VLM011']);
  assert.deepEqual(codes(llava({ conversations: [{ from: 'human', value: '<image>\nq' }, { from: 'gpt', value: 'see <image>' }], image: ['a.jpg', 'b.jpg'] })), ['VLM012']);
});

test('VLM013 image vs images: RoboInter records with `image`, and files that mix the keys', () => {
  const ri = { id: 'r', task: 'contact_box', h: 180, w: 320, new_h: 168, new_w: 308, image: 'a.jpg', conversations: [{ from: 'human', value: '<image>\nq' }, { from: 'gpt', value: '{"contact_bbox": [[1, 2], [30, 40]]}' }] };
  const v = validator();
  const text = JSON.stringify(ri);
  const [p] = v.check({ index: 0, line: 0, column: 0, text }).problems;
  assert.equal(p.code, 'VLM013');
  assert.equal(text.slice(p.column, p.endColumn), '"image"');
  assert.deepEqual(p.fix, { kind: 'rename-key', to: 'images' });
  const mixed = fileCodes([llava({ id: '1', image: undefined, images: ['a.jpg'] }), llava({ id: '2', image: undefined, images: ['b.jpg'] }), llava({ id: '3' })]);
  assert.deepEqual(mixed.map((x) => [x.code, x.record]), [['VLM013', 2]]);
});

test('VLM030-033 roles: first turn, consecutive assistants, empty answer, unknown role', () => {
  assert.deepEqual(codes(llava({ conversations: [{ from: 'gpt', value: 'Hi' }, { from: 'human', value: '<image>\nq' }] })), ['VLM030']);
  assert.deepEqual(codes(llava({ conversations: [{ from: 'system', value: 'S' }, { from: 'human', value: '<image>\nq' }, { from: 'gpt', value: 'a' }] })), []);
  assert.deepEqual(codes(llava({ conversations: [{ from: 'human', value: '<image>\nq' }, { from: 'gpt', value: 'a' }, { from: 'gpt', value: 'b' }] })), ['VLM031']);
  assert.deepEqual(codes(llava({ conversations: [{ from: 'human', value: '<image>\nq' }, { from: 'gpt', value: '  ' }] })), ['VLM032']);
  assert.deepEqual(codes(llava({ conversations: [{ from: 'human', value: '<image>\nq' }, { from: 'robot', value: 'a' }] })), ['VLM033']);
});

test('VLM040-043 geometry: outside the image, inverted box, trajectory outside, mixed conventions', () => {
  const ri = (answer: string) => ({ id: 'g', images: 'a.jpg', h: 180, w: 320, new_h: 168, new_w: 308, task: 'contact_box', conversations: [{ from: 'human', value: '<image>\nq' }, { from: 'gpt', value: answer }] });
  assert.deepEqual(codes(ri('{"contact_bbox": [[10, 10], [100, 60]]}')), []);
  assert.deepEqual(codes(ri('{"contact_bbox": [[10, 10], [400, 60]]}')), ['VLM040']);
  assert.deepEqual(codes(ri('{"contact_bbox": [[100, 10], [10, 60]]}')), ['VLM041']);
  assert.deepEqual(codes(ri('{"future_traj": [[10, 10], [20, 20], [900, 30]]}')), ['VLM042']);
  const internvl = (box: string, i: number) => ({ id: `i${i}`, image: 'a.jpg', width: 640, height: 480, conversations: [{ from: 'human', value: '<image>\nwhere?' }, { from: 'gpt', value: box }] });
  const recs = [...Array.from({ length: 12 }, (_, i) => internvl(`[${0.1 + i / 100}, 0.2, 0.5, 0.6]`, i)), internvl('[64, 48, 320, 240]', 99)];
  const problems = fileCodes(recs);
  assert.deepEqual(problems.map((p) => [p.code, p.record]), [['VLM043', 12]]);
  assert.match(problems[0].message, /norm1 12, pixel 1; this record looks like pixel/);
});

test('a model’s answers are scored, not validated: an inverted or out-of-image predicted box is no VLM040/041', () => {
  // RoboInter eval_details: {id, pred, gt}; the pred is the model's answer with its chat prefix
  const details = (pred: string, gt: string) => ({ id: 'd', pred: `system\nuser\nassistant\n${pred}`, gt });
  assert.deepEqual(codes(details('[[100, 10], [10, 60]]', '[[10, 10], [100, 60]]')), [], 'the inverted box is the prediction');
  assert.deepEqual(codes(details('[[10, 10], [100, 60]]', '[[100, 10], [10, 60]]')), ['VLM041'], 'the reference is data: still checked');
});

test('VLM050 duplicate ids point at the first use', () => {
  const problems = fileCodes([llava({ id: 'same' }), llava({ id: 'other' }), llava({ id: 'same' })]);
  assert.deepEqual(problems.map((p) => [p.code, p.line, p.message]), [['VLM050', 2, 'Duplicate id “same” (first used on line 1)']]);
  assert.deepEqual(problems[0].related?.[0].line, 0);
});

test('VLM060 mojibake with a fix; VLM061 replacement characters', () => {
  const v = validator();
  const [p] = v.check({ index: 0, line: 0, column: 0, text: JSON.stringify(llava({ conversations: [{ from: 'human', value: '<image>\nlabel äººç‰©' }, { from: 'gpt', value: 'ok' }] })) }).problems;
  assert.equal(p.code, 'VLM060');
  assert.deepEqual(p.fix, { kind: 'replace-value', replacement: JSON.stringify('<image>\nlabel 人物') });
  assert.deepEqual(codes(llava({ conversations: [{ from: 'human', value: '<image>\nbad \uFFFD text' }, { from: 'gpt', value: 'ok' }] })), ['VLM061']);
});

test('VLM070 reasoning tags: reported only in files where most records use them', () => {
  const r = (answer: string, id: string) => llava({ id, conversations: [{ from: 'human', value: '<image>\nq' }, { from: 'gpt', value: answer }] });
  const good = '<think>t</think><answer>a</answer>';
  const bad = '<answer>a</answer><think>t</think>';
  assert.deepEqual(fileCodes([r(good, '1'), r(good, '2'), r(bad, '3')]).map((p) => [p.code, p.record]), [['VLM070', 2]]);
  assert.deepEqual(fileCodes([r('plain', '1'), r('plain', '2'), r('<think>unclosed', '3')]).map((p) => p.code), [], 'a file that does not use them');
});

test('VLM070 also reads R1 `solution` fields (the real HumanOmniV2 layout)', () => {
  const r = (solution: string, i: number) => ({ problem: `q${i}`, solution, path: `v${i}.mp4` });
  const good = '<context>c</context><think>t</think><answer>a</answer>';
  const found = fileCodes([r(good, 1), r(good, 2), r('<answer>a</answer><think>t</think>', 3)]);
  assert.deepEqual(found.map((p) => [p.code, p.record]), [['VLM070', 2]]);
  const real = JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'samples', 'humanomniv2', 'emer_rewrite.first3.json'), 'utf8')) as unknown[];
  assert.deepEqual(fileCodes(real).filter((p) => p.code === 'VLM070'), [], 'the real solutions are well formed');
});

test('VLM020 covers videos and images given as content parts', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vlm-media-'));
  try {
    writeFileSync(join(dir, 'here.jpg'), Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 16, 0x4a, 0x46, 0x49, 0x46, 0]));
    const recs = [
      { messages: [{ role: 'user', content: '<video>What happens?' }, { role: 'assistant', content: 'x' }], videos: ['clips/gone.mp4'] },
      { messages: [{ role: 'user', content: [{ type: 'image', image: 'missing_part.png' }, { type: 'image_url', image_url: { url: 'here.jpg' } }, { type: 'text', text: 'q' }] }, { role: 'assistant', content: 'a' }] },
    ];
    const text = recs.map((r) => JSON.stringify(r)).join('\n') + '\n';
    const file = new MemoryFile('m.jsonl', new TextEncoder().encode(text));
    const index = await RecordIndex.build(file, { fileName: 'm.jsonl' });
    const v = validator({ collectImages: true });
    const exists = (p: string) => Promise.resolve(p === join(dir, 'here.jpg'));
    const r = await validateFile(file, index, v, { maxProblems: 100, images: { ctx: { datasetDir: dir, imageRoots: [] }, exists } });
    const vlm020 = r.all.filter((p) => p.code === 'VLM020').map((p) => [p.line, p.message.replace(dir, 'DIR')]);
    assert.deepEqual(vlm020, [
      [0, `Video not found: clips/gone.mp4 (looked in: DIR/clips/gone.mp4)`],
      [1, `Image not found: missing_part.png (looked in: DIR/missing_part.png)`],
    ]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('VLM020 when the images\' folder is not on this machine: one look at the folder, not one per image; the same problems', async () => {
  const dir = '/data/ds';
  // 300 records: 200 in a folder that is not there, 100 in one that is (half of those files missing)
  const recs = Array.from({ length: 300 }, (_, i) => llava({ id: `r${i}`, image: i < 200 ? `coco/train2017/${i}.jpg` : `local/${i}.jpg` }));
  const text = recs.map((r) => JSON.stringify(r)).join('\n') + '\n';
  const file = new MemoryFile('f.jsonl', new TextEncoder().encode(text));
  const index = await RecordIndex.build(file, { fileName: 'f.jsonl' });
  const looked: string[] = [];
  const exists = (p: string) => {
    looked.push(p);
    return Promise.resolve(p.startsWith(`${dir}/local/`) && Number(/(\d+)\.jpg$/.exec(p)?.[1]) % 2 === 0);
  };
  const folders: string[] = [];
  const folderExists = (d: string) => {
    folders.push(d);
    return Promise.resolve(d === `${dir}/local`);
  };
  const run = async (withFolders: boolean) => {
    looked.length = 0;
    const r = await validateFile(file, index, validator({ collectImages: true }), { maxProblems: 1000, images: { ctx: { datasetDir: dir, imageRoots: [] }, exists, folderExists: withFolders ? folderExists : undefined } });
    return { problems: r.all.filter((p) => p.code === 'VLM020').map((p) => `${p.line}: ${p.message}`), looked: looked.length };
  };
  const plain = await run(false);
  const through = await run(true);
  assert.equal(plain.problems.length, 250, '200 in the missing folder, 50 of the local ones');
  assert.deepEqual(through.problems, plain.problems, 'the same problems, the same words');
  assert.equal(plain.looked, 300);
  assert.equal(through.looked, 100, 'only the files of the folder that is there are looked at');
  assert.deepEqual([...new Set(folders)].sort(), [`${dir}/coco/train2017`, `${dir}/local`]);
  assert.equal(folders.length, 2, 'each folder looked at once');
});

test('VLM040 without an image size: a coordinate beyond its convention\'s own range (1200 in 0–1000)', () => {
  const rec = (box: string) => ({ id: 'a', image: 'x.jpg', conversations: [{ from: 'human', value: '<image>\nWhere is the cup?' }, { from: 'gpt', value: `<ref>cup</ref><box>${box}</box>` }] });
  const v = validator();
  const p = v.check({ index: 0, line: 0, column: 0, text: JSON.stringify(rec('[[100, 200, 1200, 400]]')) }).problems.filter((x) => x.code === 'VLM040');
  assert.equal(p.length, 1);
  assert.equal(p[0].message, 'gt box “cup” has the coordinate 1200, outside the 0–1000 range of norm1000');
  assert.deepEqual(codes(rec('[[100, 200, 900, 400]]')), [], 'inside the range: nothing');
});

test('VLM021: a declared size that is not the image file\'s (either orientation accepted)', async () => {
  const { imageHeaderSize } = await import('../../src/core/images/sniff');
  const dir = mkdtempSync(join(tmpdir(), 'vlm-size-'));
  try {
    const png = (w: number, h: number) => {
      const b = new Uint8Array(33);
      b.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]);
      new DataView(b.buffer).setUint32(16, w);
      new DataView(b.buffer).setUint32(20, h);
      return b;
    };
    writeFileSync(join(dir, 'a.png'), png(640, 480));
    const recs = [
      { id: '1', image: 'a.png', width: 640, height: 480, conversations: [{ from: 'human', value: '<image>\nq' }, { from: 'gpt', value: 'a' }] },
      { id: '2', image: 'a.png', width: 480, height: 640, conversations: [{ from: 'human', value: '<image>\nq' }, { from: 'gpt', value: 'a' }] },
      { id: '3', image: 'a.png', w: 1280, h: 720, conversations: [{ from: 'human', value: '<image>\nq' }, { from: 'gpt', value: 'a' }] },
    ];
    const text = recs.map((r) => JSON.stringify(r)).join('\n') + '\n';
    const file = new MemoryFile('s.jsonl', new TextEncoder().encode(text));
    const index = await RecordIndex.build(file, { fileName: 's.jsonl' });
    const r = await validateFile(file, index, validator({ collectImages: true }), { maxProblems: 100, images: { ctx: { datasetDir: dir, imageRoots: [] }, exists: () => Promise.resolve(true), size: imageHeaderSize } });
    const found = r.all.filter((p) => p.code === 'VLM021');
    assert.deepEqual(found.map((p) => [p.line, p.message]), [[2, 'The record declares 1280×720 (w/h) but its image a.png is 640×480']]);
    assert.equal(text.split('\n')[2].slice(found[0].column, found[0].endColumn), '"w"', 'located at the size key');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('VLM010 placeholder policies: exact, inserted (the default for LLaVA), shared (multi-view); chosen per file by glob', async () => {
  const { placeholderPolicyFor } = await import('../../src/core/validate/placeholders');
  const rec = (value: string, images: string[]) => ({ id: 'a', images, conversations: [{ from: 'human', value }, { from: 'gpt', value: 'ok' }] });
  const none = rec('What changed?', ['a.jpg', 'b.jpg']);
  const one = rec('<image>\nWhat changed?', ['front.jpg', 'wrist.jpg', 'side.jpg']);
  const two = rec('<image><image>\nWhat changed?', ['a.jpg', 'b.jpg']);
  const by = (policy?: 'exact' | 'inserted' | 'shared') => [none, one, two].map((r) => codes(r, validator({ placeholders: policy })).includes('VLM010'));
  assert.deepEqual(by(), [false, true, false], 'default for LLaVA: none is fine (inserted by the loader), one for three is not');
  assert.deepEqual(by('exact'), [true, true, false]);
  assert.deepEqual(by('shared'), [false, false, false]);
  assert.deepEqual(codes(rec('<image><image>\nq', ['a.jpg']), validator({ placeholders: 'shared' })), ['VLM010'], 'more placeholders than images is wrong under any policy');
  assert.equal(placeholderPolicyFor({ 'data/multiview/**': 'shared', '*.jsonl': 'exact' }, 'data/multiview/train.jsonl'), 'shared');
  assert.equal(placeholderPolicyFor({ 'data/multiview/**': 'shared', '*.jsonl': 'exact' }, 'other/x.jsonl'), 'exact');
  assert.equal(placeholderPolicyFor({ '**': 'sometimes' }, 'x.jsonl'), undefined, 'an unknown policy is ignored');
});

test('VLM060 for mojibake that lost bytes: said, without a quick fix (the round trip is not exact)', () => {
  const bytes = new TextEncoder().encode('他说话了');
  const cp1252: Record<number, string> = { 0x96: '\u2013', 0x86: '\u2020' };
  const shown = [...bytes].filter((b) => b !== 0x9d).map((b) => cp1252[b] ?? String.fromCharCode(b)).join('');
  const p = validator().check({ index: 0, line: 0, column: 0, text: JSON.stringify(llava({ conversations: [{ from: 'human', value: `<image>\n${shown}` }, { from: 'gpt', value: 'ok' }] })) }).problems.find((x) => x.code === 'VLM060');
  assert.match(p?.message ?? '', /bytes lost on the way: “他说\uFFFD了”/);
  assert.equal(p?.fix, undefined);
});

test('severities can be changed and rules turned off', () => {
  const v = validator({ severities: { VLM030: 'error', VLM031: 'off' } });
  const problems = v.check({ index: 0, line: 0, column: 0, text: JSON.stringify(llava({ conversations: [{ from: 'gpt', value: 'a' }, { from: 'gpt', value: 'b' }] })) }).problems;
  assert.deepEqual(problems.map((p) => [p.code, p.severity]), [['VLM030', 'error']]);
});

test('user schemas: fileMatch, $ref between local files, draft-07; broken and networked schemas are reported', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vlm-schema-'));
  try {
    mkdirSync(join(dir, 'schemas'));
    writeFileSync(join(dir, 'schemas/common.schema.json'), JSON.stringify({ $defs: { split: { enum: ['train', 'val'] } } }));
    writeFileSync(join(dir, 'schemas/train.schema.json'), JSON.stringify({ $schema: 'http://json-schema.org/draft-07/schema#', type: 'object', required: ['split'], properties: { split: { $ref: './common.schema.json#/$defs/split' } } }));
    writeFileSync(join(dir, 'schemas/broken.schema.json'), '{ "type": "object", }');
    writeFileSync(join(dir, 'schemas/remote.schema.json'), JSON.stringify({ $ref: 'https://example.com/schema.json' }));
    const set = await SchemaSet.create(builtin, [
      { path: join(dir, 'schemas/train.schema.json'), fileMatch: ['data/train/*.jsonl'] },
      { path: join(dir, 'schemas/broken.schema.json'), fileMatch: ['x'] },
      { path: join(dir, 'schemas/remote.schema.json'), fileMatch: ['y'] },
    ]);
    const id = set.userSchemaFor('data/train/a.jsonl', '/abs/data/train/a.jsonl');
    assert.ok(id);
    assert.equal(set.userSchemaFor('data/val/a.jsonl', '/abs/data/val/a.jsonl'), undefined);
    const v = new RecordValidator({ schemas: set, fileSchema: id, jsonl: true });
    const [p] = v.check({ index: 0, line: 0, column: 0, text: '{"split": "test"}' }).problems;
    assert.equal(p.code, 'VLM004');
    assert.match(p.message, /\/split: must be equal to one of the allowed values/);
    assert.deepEqual(set.problems.map((x) => [x.file.split('/').pop(), x.line, x.column]), [['broken.schema.json', 0, 20], ['remote.schema.json', 0, 1]]);
    assert.match(set.problems[1].message, /not fetched from the network/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('validateFile: streams problems, caps the list but not the count, finds missing images', async () => {
  const lines = Array.from({ length: 30 }, (_, i) => JSON.stringify(llava({ id: `r${i}`, image: i % 10 === 0 ? 'missing.jpg' : 'there.jpg', conversations: [{ from: 'gpt', value: 'starts wrong' }] })));
  const file = new MemoryFile('d.jsonl', new TextEncoder().encode(lines.join('\n') + '\n'));
  const index = await RecordIndex.build(file, { fileName: 'd.jsonl' });
  const updates: number[] = [];
  const res = await validateFile(file, index, validator({ collectImages: true }), {
    maxProblems: 20,
    intervalMs: 0,
    onProgress: (u) => updates.push(u.problems.length),
    images: { ctx: { datasetDir: '/data', imageRoots: ['/imgs'] }, exists: (p) => Promise.resolve(p === '/imgs/there.jpg') },
  });
  // 30 × VLM030 (first turn is the assistant's) + 3 × VLM020
  assert.equal(res.totalProblems, 33);
  assert.equal(res.all.length, 20);
  assert.equal(res.capped, true);
  const missing = (await validateFile(file, index, validator({ collectImages: true, severities: { VLM030: 'off' } }), { maxProblems: 100, images: { ctx: { datasetDir: '/data', imageRoots: ['/imgs'] }, exists: (p) => Promise.resolve(p === '/imgs/there.jpg') } })).all;
  assert.deepEqual(missing.map((p) => [p.code, p.line]), [['VLM020', 0], ['VLM020', 10], ['VLM020', 20]]);
  assert.equal(missing[0].message, 'Image not found: missing.jpg (looked in: /data/missing.jpg, /imgs/missing.jpg)');
  assert.equal(lines[0].slice(missing[0].column, missing[0].endColumn), '"missing.jpg"');
});

test('DocumentValidator: re-checks only edited records, shifts cached results to their lines, keeps file rules current', () => {
  const dv = new DocumentValidator(validator());
  const lines = Array.from({ length: 50 }, (_, i) => JSON.stringify(llava({ id: `r${i}` })));
  lines[7] = JSON.stringify(llava({ id: 'r7', image: ['a.jpg', 'b.jpg'] })); // VLM010: 1 placeholder, 2 images
  const first = dv.validate(jsonlRecords(lines.join('\n')), { maxProblems: 100 });
  assert.equal(first.checked, 50);
  assert.deepEqual(first.problems.map((p) => [p.code, p.line]), [['VLM010', 7]]);
  // insert two lines at the top: nothing is checked again but the new lines; problems move down
  const edited = [JSON.stringify(llava({ id: 'new' })), '', ...lines];
  edited[3 + 2] = JSON.stringify(llava({ id: 'r0' })); // duplicate of r0 (line 2)
  const second = dv.validate(jsonlRecords(edited.join('\r\n')), { maxProblems: 100 });
  assert.equal(second.checked, 1, 'only the new line is checked; the edited line equals a cached one');
  assert.deepEqual(second.problems.map((p) => [p.code, p.line, p.record]), [['VLM050', 5, 4], ['VLM010', 9, 8]]);
  assert.equal(second.problems[0].related?.[0].line, 2);
  assert.deepEqual(codesOf(second.flags.masks[Array.from(second.flags.records).indexOf(8)]), ['VLM010']);
});

test('DocumentValidator over a JSON array: elements located at their line and column; cap with the total counted', async () => {
  const text = '[\n  {"id": "a", "conversations": [{"from": "gpt", "value": "x"}]},\n  {"id": "a", "conversations": [{"from": "human", "value": "hi"}, {"from": "gpt", "value": ""}]}\n]\n';
  const recs = await jsonRecords(text, 'x_qa.json');
  assert.deepEqual(recs.map((r) => [r.line, r.column]), [[1, 2], [2, 2]]);
  const res = new DocumentValidator(validator({ jsonl: false })).validate(recs, { maxProblems: 2 });
  assert.equal(res.totalProblems, 3); // VLM030 first turn, VLM032 empty answer, VLM050 duplicate id
  assert.equal(res.problems.length, 2);
  assert.equal(res.capped, true);
  const lineOf = text.split('\n');
  const p = res.problems.find((x) => x.code === 'VLM030');
  assert.ok(p);
  assert.equal(lineOf[p.line].slice(p.column, p.endColumn), '"gpt"');
});

test('a list row is marked with the worst severity in force among its codes (settings may lower or turn off a rule)', () => {
  assert.equal(worstSeverity(['VLM050', 'VLM010'], {}), 'error', 'VLM010 is an error by default');
  assert.equal(worstSeverity(['VLM010'], { VLM010: 'warning' }), 'warning');
  assert.equal(worstSeverity(['VLM010'], { VLM010: 'off' }), undefined);
  assert.equal(worstSeverity(['VLM010'], { VLM010: 'hint' }), 'info');
  assert.equal(worstSeverity(['NOPE'], {}), undefined);
});
