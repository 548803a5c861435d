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
