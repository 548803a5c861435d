import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryFile, NodeFile } from '../../src/core/io/randomAccessFile';
import { RecordIndex } from '../../src/core/index/recordIndex';
import { readRecords } from '../../src/core/index/recordReader';

const enc = new TextEncoder();
const mem = (text: string | Uint8Array, name = 'data.jsonl') => new MemoryFile(name, typeof text === 'string' ? enc.encode(text) : text);

async function texts(file: MemoryFile | NodeFile, index: RecordIndex): Promise<string[]> {
  return (await readRecords(file, index, 0, index.count)).map((r) => r.text ?? '<too large>');
}

test('JSONL: records, their lines and texts, with CRLF, blank lines and no final newline', async () => {
  const f = mem('{"a":1}\r\n\r\n  \n{"a":2}\r\n{"a":3}');
  const idx = await RecordIndex.build(f, { fileName: 'x.jsonl' });
  assert.equal(idx.kind, 'jsonl');
  assert.equal(idx.count, 3);
  assert.deepEqual(await texts(f, idx), ['{"a":1}', '{"a":2}', '{"a":3}']);
  assert.deepEqual([0, 1, 2].map((k) => idx.lineOf(k)), [0, 3, 4]);
  assert.equal(idx.recordAtLine(3), 1);
  assert.equal(idx.recordAtLine(2), 0);
});

test('JSONL with a UTF-8 BOM: the first record starts after it', async () => {
  const f = mem(new Uint8Array([0xef, 0xbb, 0xbf, ...enc.encode('{"id":"x"}\n{"id":"y"}\n')]));
  const idx = await RecordIndex.build(f, { fileName: 'x.jsonl' });
  assert.ok(idx.hasBom);
  assert.deepEqual(await texts(f, idx), ['{"id":"x"}', '{"id":"y"}']);
  assert.equal(idx.range(0).start, 3);
});

test('JSON array, pretty-printed: element boundaries honour strings, escapes and nesting', async () => {
  const data = [{ s: 'a, b ] } [ {', q: 'say \\"hi\\", ok', n: [1, [2, 3]] }, 'plain string, with comma', 42, { nested: { deep: [{}] } }];
  const text = JSON.stringify(data, null, 2);
  const f = mem(text, 'eval_details_x.json');
  const idx = await RecordIndex.build(f, { fileName: 'eval_details_x.json' });
  assert.equal(idx.kind, 'json-array');
  assert.equal(idx.count, 4);
  const got = (await texts(f, idx)).map((t) => JSON.parse(t) as unknown);
  assert.deepEqual(got, data);
  // lines: the first element starts on line 1 (after "[")
  assert.equal(idx.lineOf(0), 1);
  assert.equal(idx.lineOf(1), text.split('\n').findIndex((l) => l.includes('plain string')));
});

test('JSON array edge cases: empty, compact, truncated, trailing data', async () => {
  for (const empty of ['[]', '[ ]', '[\n]\n']) {
    const idx = await RecordIndex.build(mem(empty, 'a.json'), { fileName: 'a.json' });
    assert.equal(idx.kind, 'json-array');
    assert.equal(idx.count, 0, empty);
    assert.equal(idx.truncated, false);
  }
  const compact = mem('[{"a":1},{"a":2}]', 'a.json');
  const c = await RecordIndex.build(compact, { fileName: 'a.json' });
  assert.deepEqual(await texts(compact, c), ['{"a":1}', '{"a":2}']);

  const cut = mem('[\n  {"a": 1},\n  {"a": 2', 'a.json');
  const t = await RecordIndex.build(cut, { fileName: 'a.json' });
  assert.equal(t.truncated, true);
  assert.equal(t.count, 2);
  assert.deepEqual(await texts(cut, t), ['{"a": 1}', '{"a": 2']);

  const trailing = mem('[{"a":1}]\n{"b":2}\n', 'a.json');
  const tr = await RecordIndex.build(trailing, { fileName: 'a.json' });
  assert.equal(tr.count, 1);
  assert.equal(tr.trailingDataAt, 10);
});

test('kind detection: object, JSONL named .json, empty, binary', async () => {
  const obj = await RecordIndex.build(mem('{\n  "dvqa": {"root": "data/", "annotation": "a.jsonl"}\n}\n', 'meta.json'), { fileName: 'meta.json' });
  assert.equal(obj.kind, 'json-object');
  assert.equal(obj.count, 1);
  const linesInJson = await RecordIndex.build(mem('{"a":1}\n{"a":2}\n', 'train.json'), { fileName: 'train.json' });
  assert.equal(linesInJson.kind, 'jsonl');
  assert.equal(linesInJson.count, 2);
  const empty = await RecordIndex.build(mem('', 'e.jsonl'), { fileName: 'e.jsonl' });
  assert.equal(empty.kind, 'empty');
  assert.equal(empty.count, 0);
  const blankOnly = await RecordIndex.build(mem('\n\n  \n', 'e.jsonl'), { fileName: 'e.jsonl' });
  assert.equal(blankOnly.count, 0);
  const bin = await RecordIndex.build(mem(new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0, 0, 1, 2]), 'x.jsonl'), { fileName: 'x.jsonl' });
  assert.equal(bin.kind, 'binary');
  assert.equal(bin.count, 0);
});

test('chunk boundaries: 20k JSONL records and a 20k-element JSON array index exactly', async () => {
  const rows = Array.from({ length: 20_000 }, (_, i) => ({ id: i, text: `record ${i} ${'x'.repeat(i % 97)} "quoted" , ] }` }));
  const jsonl = rows.map((r) => JSON.stringify(r)).join('\n') + '\n';
  const f1 = mem(jsonl);
  const i1 = await RecordIndex.build(f1, { fileName: 'big.jsonl' });
  assert.equal(i1.count, rows.length);
  const got1 = (await texts(f1, i1)).map((t) => (JSON.parse(t) as { id: number }).id);
  assert.deepEqual(got1, rows.map((r) => r.id));
  assert.ok(i1.memoryBytes <= 8 * 32768 + 64, `offset table ${i1.memoryBytes} bytes`);

  const arr = JSON.stringify(rows, null, 1);
  const f2 = mem(arr, 'big.json');
  const i2 = await RecordIndex.build(f2, { fileName: 'big.json' });
  assert.equal(i2.count, rows.length);
  const sample = await readRecords(f2, i2, 12_345, 2);
  assert.deepEqual(sample.map((r) => JSON.parse(r.text ?? '') as unknown), rows.slice(12_345, 12_347));
  assert.equal(i2.recordAtOffset(sample[0].start + 3), 12_345);
});

test('the first records are readable while indexing, before the index is complete', async () => {
  const jsonl = Array.from({ length: 50_000 }, (_, i) => JSON.stringify({ id: i, pad: 'y'.repeat(40) })).join('\n') + '\n';
  const f = mem(jsonl);
  const idx = new RecordIndex();
  let firstPage: Promise<number[]> | undefined;
  let pageRequestedAt: number | undefined;
  await idx.scan(f, {
    fileName: 'x.jsonl',
    onProgress: (p) => {
      if (!p.done && !firstPage && p.records >= 50) {
        pageRequestedAt = p.scannedBytes;
        firstPage = readRecords(f, idx, 0, 50).then((rs) => rs.map((r) => (JSON.parse(r.text ?? '') as { id: number }).id));
      }
    },
  });
  assert.ok(firstPage, 'a page of 50 records was ready before the scan finished');
  assert.ok((pageRequestedAt ?? Infinity) < jsonl.length / 2, 'requested early in the scan');
  assert.deepEqual(await firstPage, Array.from({ length: 50 }, (_, i) => i));
  assert.equal(idx.count, 50_000);
});

test('too-large records are not decoded; invalid UTF-8 is located', async () => {
  const big = '{"blob":"' + 'z'.repeat(5000) + '"}\n{"ok":1}\n';
  const f = mem(big);
  const idx = await RecordIndex.build(f, { fileName: 'x.jsonl' });
  const recs = await readRecords(f, idx, 0, 2, { maxRecordBytes: 1000 });
  assert.equal(recs[0].tooLarge, true);
  assert.equal(recs[0].text, undefined);
  assert.match(recs[0].preview ?? '', /^\{"blob":"zzz/);
  assert.equal(recs[1].text, '{"ok":1}');

  const bad = new Uint8Array([...enc.encode('{"a":"ok"}\n{"a":"'), 0xff, 0xfe, ...enc.encode('"}\n')]);
  const f2 = mem(bad);
  const i2 = await RecordIndex.build(f2, { fileName: 'x.jsonl' });
  const r2 = await readRecords(f2, i2, 0, 2);
  assert.equal(r2[0].invalidUtf8At, undefined);
  assert.equal(r2[1].invalidUtf8At, 17);
  assert.match(r2[1].text ?? '', /\uFFFD/);
});

test('files that change on disk: append extends, truncate/rewrite/replace ask for a re-index', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vlm-index-'));
  try {
    const p = join(dir, 'live.jsonl');
    writeFileSync(p, '{"n":1}\n{"n":2');
    const f = await NodeFile.open(p);
    const idx = await RecordIndex.build(f, { fileName: 'live.jsonl' });
    assert.equal(idx.count, 2);
    assert.equal(await idx.refresh(f), 'unchanged');

    // The writer had written half a line: the append completes it and adds one more.
    appendFileSync(p, '}\n{"n":3}\n');
    assert.equal(await idx.refresh(f), 'appended');
    assert.deepEqual(await texts(f, idx), ['{"n":1}', '{"n":2}', '{"n":3}']);

    writeFileSync(p, '{"n":1}\n');
    assert.equal(await idx.refresh(f), 'rewritten', 'truncated');

    const f2 = await NodeFile.open(p);
    const idx2 = await RecordIndex.build(f2, { fileName: 'live.jsonl' });
    writeFileSync(p, '{"n":9}\n');
    assert.equal(await idx2.refresh(f2), 'rewritten', 'same size, other bytes');

    const f3 = await NodeFile.open(p);
    const idx3 = await RecordIndex.build(f3, { fileName: 'live.jsonl' });
    writeFileSync(join(dir, 'next.jsonl'), '{"n":9}\n{"n":10}\n');
    renameSync(join(dir, 'next.jsonl'), p);
    assert.equal(await idx3.refresh(f3), 'rewritten', 'replaced by rename');
    await Promise.all([f.close(), f2.close(), f3.close()]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
