/** The dataset worker thread, as built (dist/datasetWorker.js: npm test builds before this tier). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NodeFile } from '../../src/core/io/randomAccessFile';
import { RecordIndex } from '../../src/core/index/recordIndex';
import { DatasetWorkerClient, JobCancelledError, JobFailedError } from '../../src/workers/datasetWorkerClient';
import { type ScanStatus } from '../../src/core/dataset/types';

const script = join(__dirname, '..', '..', 'dist', 'datasetWorker.js');

async function fixture(lines: string[]) {
  const dir = mkdtempSync(join(tmpdir(), 'vlm-worker-'));
  const path = join(dir, 'd.jsonl');
  writeFileSync(path, lines.join('\n') + '\n');
  const file = await NodeFile.open(path);
  const index = await RecordIndex.build(file, { fileName: path });
  await file.close();
  return { dir, path, snapshot: index.snapshot() };
}

test('scan and search run in the worker thread and stream their results', async () => {
  const { dir, path, snapshot } = await fixture([JSON.stringify({ conversations: [{ from: 'human', value: 'find me' }] }), '{"broken":', JSON.stringify({ messages: [{ role: 'user', content: 'x' }] })]);
  const client = new DatasetWorkerClient(script);
  try {
    let last: ScanStatus | undefined;
    await client.scan(path, snapshot, { maxRecordBytes: 1 << 20, onProgress: (s) => (last = s) });
    assert.deepEqual(last?.formats, { llava: 1, sharegpt: 1 });
    assert.equal(last?.parseErrors, 1);
    const found: number[] = [];
    await client.search(path, snapshot, { text: 'find me', regex: false, caseSensitive: true }, { maxMatches: 10, onUpdate: (u) => found.push(...u.matches) });
    assert.deepEqual(found, [0]);
    await assert.rejects(client.search(path, snapshot, { text: '(', regex: true, caseSensitive: true }, { maxMatches: 10, onUpdate: () => undefined }), (e: unknown) => e instanceof JobFailedError && e.syntax);
  } finally {
    client.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a runaway regex is stopped: the worker is replaced after the grace period and works again', async () => {
  const { dir, path, snapshot } = await fixture([JSON.stringify({ t: 'a'.repeat(34) + 'b' })]);
  const client = new DatasetWorkerClient(script, 300);
  try {
    const ac = new AbortController();
    const started = Date.now();
    // catastrophic backtracking: minutes of CPU in one synchronous exec()
    const runaway = client.search(path, snapshot, { text: '"(a+)+$', regex: true, caseSensitive: true }, { maxMatches: 10, signal: ac.signal, onUpdate: () => undefined });
    setTimeout(() => ac.abort(), 200);
    await assert.rejects(runaway, JobCancelledError);
    assert.ok(Date.now() - started < 3000, `cancelled in ${Date.now() - started} ms`);
    const found: number[] = [];
    await client.search(path, snapshot, { text: 'aab', regex: false, caseSensitive: true }, { maxMatches: 10, onUpdate: (u) => found.push(...u.matches) });
    assert.deepEqual(found, [0], 'a fresh worker answers');
  } finally {
    client.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('validation in parallel parts (worker threads) finds exactly what one pass finds, across the split too', async () => {
  const { validateInParallel, validateConfig, recordIdReader, MIN_RECORDS_PER_PART } = await import('../../src/workers/parallelValidate');
  const { validateFile } = await import('../../src/core/validate/validateFile');
  const { SchemaSet } = await import('../../src/core/validate/schemaSet');
  const { RecordValidator } = await import('../../src/core/validate/validator');
  const { loadRecords } = await import('../../src/core/dataset/loadRecords');
  const n = MIN_RECORDS_PER_PART * 2 + 10;
  const lines = Array.from({ length: n }, (_, i) => {
    const id = i === n - 5 ? 'rec-7' : i === 25 ? 'rec-26' : `rec-${i}`; // a duplicate across the split, one within part 1
    const key = i === n - 3 ? 'image' : 'images'; // the minority key, in the last part
    const answer = i % 3 === 0 ? 'plain answer' : '<think>t</think><answer>a</answer>';
    return JSON.stringify({ id, [key]: 'x.jpg', conversations: [{ from: 'human', value: '<image>\nq' }, { from: 'gpt', value: i === 40 ? '<answer>a</answer><think>t</think>' : answer }] });
  });
  lines[30] = '{"broken": ';
  const { dir, path, snapshot } = await fixture(lines);
  const clients = [new DatasetWorkerClient(script), new DatasetWorkerClient(script)];
  try {
    // made as the CLI and the editor make it
    const config = validateConfig({ builtinDir: join(__dirname, '..', '..', 'dist', 'schemas'), userSchemas: [], relPath: 'd.jsonl', severities: {}, maxProblems: 1000, maxRecordBytes: 1 << 20, indexKind: 'jsonl' });
    assert.equal(config.jsonl, true);
    assert.equal(validateConfig({ ...config, indexKind: 'json-array' }).jsonl, false);
    const file = await NodeFile.open(path);
    const index = await RecordIndex.build(file, { fileName: path });
    const idOf = recordIdReader(async (k) => JSON.parse((await loadRecords(file, index, k, 1))[0].text ?? 'null') as unknown);
    assert.equal(await idOf(30), undefined, 'a broken record has no id, and does not throw');
    const parallel = await validateInParallel({ path, snapshot, config, clients, idOf });
    const schemas = await SchemaSet.create(config.builtinDir);
    const single = await validateFile(file, index, new RecordValidator({ schemas, jsonl: true }), { maxProblems: 1000 });
    await file.close();
    const key = (p: { code: string; line: number; column: number; message: string }) => `${p.line}:${p.column} ${p.code} ${p.message}`;
    assert.deepEqual(parallel.problems.map(key).sort(), single.all.map(key).sort());
    assert.equal(parallel.totalProblems, single.totalProblems);
    const codes = parallel.problems.map((p) => `${p.code}@${p.line}`);
    assert.ok(codes.includes(`VLM050@${n - 5}`), 'the duplicate across parts');
    assert.ok(codes.includes('VLM050@26'), 'the duplicate within a part (line 25 holds the first use)');
    assert.ok(codes.includes(`VLM013@${n - 3}`), 'the minority image key');
    assert.ok(codes.includes('VLM070@40'), 'reasoning tags out of order, most records use them');
    assert.ok(codes.includes('VLM001@30'));
  } finally {
    for (const c of clients) c.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
});
