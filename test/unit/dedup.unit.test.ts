/**
 * Near-duplicates (src/core/dedup, `vlm-lens dedup`): a constructed dataset with planted
 * exact copies (case, spacing, punctuation changed), planted near copies (one word changed),
 * templated prompts that differ in the object named with different answers (not
 * duplicates), and distinct records; precision and recall are measured against the plan.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import sharp from 'sharp';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findNearDuplicates, jaccard, normalizeText, shingles } from '../../src/core/dedup/nearDuplicates';
import { runCli } from './runCli';
import { dhash, dhashOfPixels } from '../../src/imaging/perceptualHash';
import { findImageDuplicates, hamming } from '../../src/core/dedup/imageDuplicates';

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

/** A picture drawn from shapes (SVG through sharp), distinct per `seed`. */
async function picture(path: string, seed: number, opts: { width?: number; format?: 'png' | 'jpeg'; quality?: number } = {}): Promise<void> {
  const r = rng(seed);
  const shapes = Array.from({ length: 6 }, () => {
    const [x, y, s] = [r() * 640, r() * 480, 40 + r() * 160];
    const c = `rgb(${Math.floor(r() * 255)},${Math.floor(r() * 255)},${Math.floor(r() * 255)})`;
    return r() < 0.5 ? `<circle cx="${x}" cy="${y}" r="${s / 2}" fill="${c}"/>` : `<rect x="${x}" y="${y}" width="${s}" height="${s * 0.7}" fill="${c}"/>`;
  }).join('');
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="640" height="480"><rect width="640" height="480" fill="rgb(${Math.floor(r() * 255)},120,90)"/>${shapes}</svg>`;
  let img = sharp(Buffer.from(svg));
  if (opts.width) img = img.resize({ width: opts.width });
  await (opts.format === 'jpeg' ? img.jpeg({ quality: opts.quality ?? 60 }) : img.png()).toFile(path);
}

test('perceptual hashes: resized and re-encoded copies are within a few bits, other pictures far', async () => {
  assert.deepEqual(dhashOfPixels(Uint8Array.from([3, 2, 1, 0, 0, 1, 2, 3]), 4, 2), { hi: 0, lo: 0b000111 }, 'left brighter than right: bits 0–2 set, 3–5 clear');
  const imgs = join(dir, 'hash');
  mkdirSync(imgs, { recursive: true });
  await picture(join(imgs, 'a.png'), 1);
  await picture(join(imgs, 'a_small.jpg'), 1, { width: 200, format: 'jpeg', quality: 50 });
  await picture(join(imgs, 'a_copy.jpg'), 1, { format: 'jpeg', quality: 90 });
  for (const s of [2, 3, 4, 5, 6]) await picture(join(imgs, `other${s}.png`), s);
  const names = ['a.png', 'a_small.jpg', 'a_copy.jpg', 'other2.png', 'other3.png', 'other4.png', 'other5.png', 'other6.png'];
  const hashes = await Promise.all(names.map((n) => dhash(join(imgs, n))));
  assert.ok(hamming(hashes[0], hashes[1]) <= 4, `resized copy: ${hamming(hashes[0], hashes[1])} bits`);
  assert.ok(hamming(hashes[0], hashes[2]) <= 4, `re-encoded copy: ${hamming(hashes[0], hashes[2])} bits`);
  for (let i = 3; i < names.length; i++) assert.ok(hamming(hashes[0], hashes[i]) > 12, `${names[i]}: ${hamming(hashes[0], hashes[i])} bits`);
  const clusters = findImageDuplicates(hashes.map((h, key) => ({ key, ...h })));
  assert.deepEqual(clusters.map((c) => [c.kept, c.members.map((m) => m.key)]), [[0, [1, 2]]]);
});

test('vlm-lens dedup --images: copies of a picture under other names, and a picture in both train and test', async () => {
  const d = join(dir, 'imgset');
  mkdirSync(join(d, 'images'), { recursive: true });
  await picture(join(d, 'images/kitchen.png'), 11);
  await picture(join(d, 'images/kitchen_resized.jpg'), 11, { width: 320, format: 'jpeg', quality: 55 });
  await picture(join(d, 'images/shelf.png'), 12);
  await picture(join(d, 'images/drawer.png'), 13);
  const rec = (id: string, image: string, q: string) => JSON.stringify({ id, image, conversations: [{ from: 'human', value: `<image>\n${q}` }, { from: 'gpt', value: `answer for ${id}` }] });
  writeFileSync(join(d, 'train.jsonl'), [rec('t1', 'kitchen.png', 'Where is the cup?'), rec('t2', 'shelf.png', 'What is on the shelf?'), rec('t3', 'nowhere.png', 'Missing?')].join('\n') + '\n');
  writeFileSync(join(d, 'test.jsonl'), [rec('v1', 'kitchen_resized.jpg', 'Which drawer is open?'), rec('v2', 'shelf.png', 'How many books?'), rec('v3', 'drawer.png', 'Is it closed?')].join('\n') + '\n');
  const r = runCli(['dedup', join(d, 'train.jsonl'), join(d, 'test.jsonl'), '--images', '--image-root', join(d, 'images'), '--json']);
  assert.equal(r.code, 1, r.stderr);
  const out = JSON.parse(r.stdout) as { duplicates: number; images: { images: number; missing: number; clusters: Array<{ kept: { path: string; uses: Array<{ line: number }> }; members: Array<{ path: string; distance: number }> }>; sharedAcrossFiles: Array<{ path: string; uses: Array<{ file: string; line: number }> }> } };
  assert.equal(out.duplicates, 0, 'the texts differ');
  assert.equal(out.images.images, 4);
  assert.equal(out.images.missing, 1);
  assert.deepEqual(out.images.clusters.map((c) => [c.kept.path.endsWith('kitchen.png'), c.members.map((m) => m.path.split('/').pop())]), [[true, ['kitchen_resized.jpg']]]);
  assert.deepEqual(out.images.sharedAcrossFiles.map((s) => [s.path.split('/').pop(), s.uses.map((u) => `${u.file.split('/').pop()}:${u.line}`)]), [['shelf.png', ['train.jsonl:2', 'test.jsonl:2']]]);
  const text = runCli(['dedup', join(d, 'train.jsonl'), join(d, 'test.jsonl'), '--images', '--image-root', join(d, 'images')]);
  assert.match(text.stdout, /4 images, 1 not found: 1 pictures with near-identical copies \(dHash within 4 bits\), 1 used in more than one file/);
});
