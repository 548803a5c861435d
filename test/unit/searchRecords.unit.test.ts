import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryFile } from '../../src/core/io/randomAccessFile';
import { RecordIndex } from '../../src/core/index/recordIndex';
import { searchRecords, SearchSyntaxError, type SearchUpdate } from '../../src/core/search/searchRecords';

const enc = new TextEncoder();
async function setup(text: string, name = 'x.jsonl') {
  const file = new MemoryFile(name, enc.encode(text));
  const index = await RecordIndex.build(file, { fileName: name });
  return { file, index };
}
const rows = [
  { id: 'a', text: 'The red cup' },
  { id: 'b', text: 'a blue block', note: 'say "hi"' },
  { id: 'c', text: '人物 on the left' },
  { id: 'd', text: 'RED cup again, red' },
];
const jsonl = rows.map((r) => JSON.stringify(r)).join('\n') + '\n';
// Python json.dumps(ensure_ascii=True) writes non-ASCII as \\uXXXX escapes.
const asciiJsonl = jsonl.replace(/[\u007f-\uffff]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));

async function all(text: string, q: { text: string; regex?: boolean; caseSensitive?: boolean }, maxMatches?: number, name?: string) {
  const { file, index } = await setup(text, name);
  const streamed: number[] = [];
  const final = await searchRecords(file, index, { text: q.text, regex: q.regex ?? false, caseSensitive: q.caseSensitive ?? true }, { maxMatches, updateIntervalMs: 0, onUpdate: (u: SearchUpdate) => streamed.push(...u.matches) });
  return { final, streamed };
}

test('literal, case-sensitive: each matching record once, in order', async () => {
  const { streamed, final } = await all(jsonl, { text: 'red' });
  assert.deepEqual(streamed, [0, 3]);
  assert.equal(final.totalMatches, 2);
  assert.equal(final.done, true);
});

test('case-insensitive and regex queries', async () => {
  assert.deepEqual((await all(jsonl, { text: 'RED', caseSensitive: false })).streamed, [0, 3]);
  assert.deepEqual((await all(jsonl, { text: 'bl(ue|ock) b', regex: true })).streamed, [1]);
  assert.deepEqual((await all(jsonl, { text: '^\\{"id":"[cd]"', regex: true })).streamed, [2, 3]);
  await assert.rejects(all(jsonl, { text: '(unclosed', regex: true }), SearchSyntaxError);
});

test('text with quotes or CJK is found in its JSON-escaped forms too', async () => {
  assert.deepEqual((await all(jsonl, { text: 'say "hi"' })).streamed, [1]);
  assert.deepEqual((await all(asciiJsonl, { text: '人物' })).streamed, [2]);
  assert.deepEqual((await all(asciiJsonl, { text: '人物', caseSensitive: false })).streamed, [2]);
  assert.deepEqual((await all(jsonl, { text: '人物' })).streamed, [2]);
});

test('JSON arrays spanning lines map text matches to the right element', async () => {
  const arr = JSON.stringify(rows, null, 2);
  assert.deepEqual((await all(arr, { text: 'cup', caseSensitive: false }, undefined, 'a.json')).streamed, [0, 3]);
  assert.deepEqual((await all(arr, { text: 'cup' }, undefined, 'a.json')).streamed, [0, 3]);
});

test('the match list is capped and says so, the total keeps counting', async () => {
  const many = Array.from({ length: 500 }, (_, i) => JSON.stringify({ i, t: 'needle' })).join('\n');
  const { final, streamed } = await all(many, { text: 'needle' }, 100);
  assert.equal(streamed.length, 100);
  assert.equal(final.totalMatches, 500);
  assert.equal(final.capped, true);
});

test('small batches cover the whole file exactly once', async () => {
  const many = Array.from({ length: 2000 }, (_, i) => JSON.stringify({ i, t: i % 7 === 0 ? 'seven' : 'other' })).join('\n');
  const { file, index } = await setup(many);
  const got: number[] = [];
  await searchRecords(file, index, { text: 'seven', regex: false, caseSensitive: true }, { batchBytes: 1000, onUpdate: (u) => got.push(...u.matches) });
  assert.deepEqual(got, Array.from({ length: 2000 }, (_, i) => i).filter((i) => i % 7 === 0));
  const got2: number[] = [];
  await searchRecords(file, index, { text: 'SEVEN', regex: false, caseSensitive: false }, { batchBytes: 1000, onUpdate: (u) => got2.push(...u.matches) });
  assert.deepEqual(got2, got);
});

test('an aborted search stops with an AbortError', async () => {
  const { file, index } = await setup(jsonl);
  const ac = new AbortController();
  ac.abort();
  await assert.rejects(searchRecords(file, index, { text: 'red', regex: false, caseSensitive: true }, { signal: ac.signal }), /aborted/);
});
