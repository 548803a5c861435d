/**
 * Near-duplicates (src/core/dedup, `vlm-lens dedup`): a constructed dataset with planted
 * exact copies (case, spacing, punctuation changed), planted near copies (one word changed),
 * templated prompts that differ in the object named with different answers (not
 * duplicates), and distinct records; precision and recall are measured against the plan.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findNearDuplicates, jaccard, normalizeText, shingles } from '../../src/core/dedup/nearDuplicates';
import { runCli } from './runCli';

const dir = mkdtempSync(join(tmpdir(), 'vlm-lens-dedup-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

/** A deterministic generator (the plan must not change between runs). */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const VOCAB = 'robot arm gripper cup block bowl table shelf drawer left right above below near far red blue green yellow small large open close pick place push pull rotate slide lift lower towards away from onto into the a of with and then after before while camera view frame scene object target goal position grasp release move stop wait check'.split(' ');

interface Plan {
  rows: Array<{ id: string; conversations: Array<{ from: string; value: string }> }>;
  /** index → the index it duplicates (planted) */
  dupOf: Map<number, number>;
  exact: Set<number>;
  templated: number[];
}

function plan(): Plan {
  const r = rng(7);
  const words = (n: number) => Array.from({ length: n }, () => VOCAB[Math.floor(r() * VOCAB.length)]).join(' ');
  const rows: Plan['rows'] = [];
  const dupOf = new Map<number, number>();
  const exact = new Set<number>();
  const templated: number[] = [];
  const rec = (id: string, q: string, a: string) => ({ id, conversations: [{ from: 'human', value: `<image>\n${q}` }, { from: 'gpt', value: a }] });
  for (let i = 0; i < 400; i++) rows.push(rec(`base-${i}`, `${words(45)}?`, `${words(40)}.`));
  // exact copies: the same text with other case, spacing and punctuation
  for (let i = 0; i < 25; i++) {
    const src = (i * 13) % 400;
    const [q, a] = rows[src].conversations.map((c) => c.value);
    rows.push(rec(`exact-${i}`, q.toUpperCase().replace(/ /g, '  ').replace('?', ' ?!'), a.replace('.', ' ...')));
    dupOf.set(rows.length - 1, src);
    exact.add(rows.length - 1);
  }
  // near copies: one word of the question and one of the answer changed
  for (let i = 0; i < 30; i++) {
    const src = (i * 29 + 5) % 400;
    const q = rows[src].conversations[0].value.split(' ');
    const a = rows[src].conversations[1].value.split(' ');
    q[10] = 'zebra';
    a[20] = 'giraffe';
    rows.push(rec(`near-${i}`, q.join(' '), a.join(' ')));
    dupOf.set(rows.length - 1, src);
  }
  // templated prompts: the same long instruction, another object, another answer
  const objects = ['red cup', 'blue bowl', 'green block', 'yellow drawer handle', 'small sponge', 'large box', 'white mug', 'black marker'];
  for (let i = 0; i < 40; i++) {
    const obj = objects[i % objects.length];
    const q = `Look at the image from the wrist camera and locate the ${obj} that the robot should grasp next; answer with its bounding box as four integers in the order x1 y1 x2 y2 in the resized frame`;
    rows.push(rec(`templ-${i}`, q, `[${(i * 37) % 500}, ${(i * 53) % 400}, ${(i * 37) % 500 + 60}, ${(i * 53) % 400 + 40}]`));
    templated.push(rows.length - 1);
  }
  return { rows, dupOf, exact, templated };
}

const P = plan();

test('normalisation and shingles: case, spacing, punctuation and placeholders do not count', () => {
  assert.equal(normalizeText('<image>\nWhere  is the RED cup?!'), 'where is the red cup');
  const a = shingles(normalizeText('pick the red cup and place it on the shelf'));
  const b = shingles(normalizeText('Pick the red cup, and place it on the shelf.'));
  assert.equal(jaccard(a, b), 1);
  const c = shingles(normalizeText('pick the blue cup and place it on the shelf'));
  assert.ok(jaccard(a, c) > 0.3 && jaccard(a, c) < 0.8, String(jaccard(a, c)));
  assert.equal(shingles('').length, 0);
  assert.equal(shingles('two words').length, 1, 'shorter than a shingle: one shingle of all of it');
});

test('planted duplicates are all found, nothing else is: precision and recall 1; templated prompts stay apart', () => {
  const inputs = P.rows.map((r, index) => ({ index, prompt: r.conversations[0].value, answer: r.conversations[1].value }));
  const res = findNearDuplicates(inputs);
  const found = new Map<number, number>();
  for (const c of res.clusters) for (const m of c.members) found.set(m.index, c.kept);
  // every planted copy is in its source's cluster (the source comes first: it is kept)
  const missed = [...P.dupOf.entries()].filter(([copy, src]) => found.get(copy) !== src);
  assert.deepEqual(missed, [], 'recall');
  const wrong = [...found.keys()].filter((k) => !P.dupOf.has(k));
  assert.deepEqual(wrong, [], 'precision');
  assert.equal(res.duplicates, P.dupOf.size);
  assert.equal(res.exactDuplicates, P.exact.size);
  for (const c of res.clusters)
    for (const m of c.members) {
      assert.equal(m.exact, P.exact.has(m.index), `record ${m.index}`);
      if (!m.exact) assert.ok(m.similarity >= 0.8 && m.similarity < 1, `near copy ${m.index}: ${m.similarity}`);
    }
  for (const t of P.templated) assert.ok(!found.has(t), `templated record ${t} is not a duplicate`);
  // the templated prompts alone are near-identical: only their answers keep them apart
  const q0 = shingles(normalizeText(P.rows[P.templated[0]].conversations[0].value));
  const q1 = shingles(normalizeText(P.rows[P.templated[1]].conversations[0].value));
  assert.ok(jaccard(q0, q1) >= 0.8, `templated prompts' similarity ${jaccard(q0, q1)}`);
});

test('a higher threshold keeps the exact copies and drops the near ones', () => {
  const inputs = P.rows.map((r, index) => ({ index, prompt: r.conversations[0].value, answer: r.conversations[1].value }));
  const res = findNearDuplicates(inputs, { threshold: 0.99 });
  assert.equal(res.duplicates, P.exact.size);
});

test('vlm-lens dedup: clusters as lines with ids, exit 1, --write a copy without the duplicates; train vs test across files', () => {
  const path = join(dir, 'train.jsonl');
  writeFileSync(path, P.rows.map((r) => JSON.stringify(r)).join('\n') + '\n{"id": "broken", \n');
  const r = runCli(['dedup', path, '--json']);
  assert.equal(r.code, 1, r.stderr);
  const out = JSON.parse(r.stdout) as { records: number; skipped: number; duplicates: number; clusters: Array<{ kept: { line: number; id: string }; members: Array<{ line: number; id: string; similarity: number; exact: boolean }> }> };
  assert.equal(out.records, P.rows.length + 1);
  assert.equal(out.skipped, 1, 'the broken line is skipped and counted');
  assert.equal(out.duplicates, P.dupOf.size);
  const c = out.clusters.find((x) => x.members.some((m) => m.id === 'near-0'));
  assert.equal(c?.kept.id, P.rows[P.dupOf.get(P.rows.findIndex((x) => x.id === 'near-0'))!].id);
  assert.equal(c?.kept.line, P.dupOf.get(P.rows.findIndex((x) => x.id === 'near-0'))! + 1, 'lines are 1-based');

  const copy = join(dir, 'train.dedup.jsonl');
  const w = runCli(['dedup', path, '--write', copy]);
  assert.equal(w.code, 1, w.stderr);
  assert.match(w.stdout, new RegExp(`^${P.rows.length + 1} records \\(1 that do not parse skipped\\): ${P.dupOf.size} duplicates in \\d+ clusters \\(${P.exact.size} exact\\)`));
  const kept = readFileSync(copy, 'utf8').split('\n').filter((l) => l.trim());
  assert.equal(kept.length, P.rows.length + 1 - P.dupOf.size, 'the broken line is kept as it was; only duplicates go');
  assert.ok(!kept.some((l) => l.includes('"exact-') || l.includes('"near-')));
  assert.equal(runCli(['dedup', path, '--write', path]).code, 2, 'the input is never overwritten');
  assert.equal(readFileSync(path, 'utf8').split('\n').filter((l) => l.trim()).length, P.rows.length + 1);

  // a test file sharing records with train: found across the files
  const testFile = join(dir, 'test.json');
  writeFileSync(testFile, JSON.stringify([P.rows[3], { id: 'new', conversations: [{ from: 'human', value: 'something else entirely' }, { from: 'gpt', value: 'yes' }] }], null, 2));
  const x = runCli(['dedup', copy, testFile]);
  assert.equal(x.code, 1, x.stderr);
  assert.match(x.stdout, new RegExp(`keep .*train\\.dedup\\.jsonl:L4 \\(base-3\\) ← .*test\\.json:L2 \\(base-3\\) exact`));
});
