/**
 * Hostile and careless inputs (test/fixtures/hostile, large ones generated here): each one
 * gets a located message, the neighbouring records' problems survive, and no single record,
 * file or sample costs the rest or runs unbounded.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './runCli';
import { MemoryFile, type FileStat } from '../../src/core/io/randomAccessFile';
import { RecordIndex } from '../../src/core/index/recordIndex';
import { RecordValidator } from '../../src/core/validate/validator';
import { FileChangedError, validateFile } from '../../src/core/validate/validateFile';
import { SchemaSet } from '../../src/core/validate/schemaSet';
import { columnAt, ColumnCursor } from '../../src/core/dataset/loadRecords';
import { predictionMetrics } from '../../src/core/eval/predictionMetrics';
import { readPredictionText } from '../../src/core/eval/predictionFile';
import { dtw, frechet, hausdorff } from '../../src/core/geometry/metrics';
import { sniffImage } from '../../src/core/images/sniff';

const dir = join(__dirname, '..', 'fixtures', 'hostile');
const builtin = join(__dirname, '..', '..', 'src', 'core', 'schemas', 'builtin');

interface CliProblem {
  file: string;
  line: number;
  column: number;
  code: string;
  message: string;
}

function validateJson(files: string[], extra: string[] = []): { code: number | null; problems: CliProblem[]; stderr: string } {
  const r = runCli(['validate', ...files, '--json', ...extra], { cwd: dir });
  return { code: r.code, problems: JSON.parse(r.stdout) as CliProblem[], stderr: r.stderr };
}

/** The ordinary records on lines 1 and 3 keep their empty-answer problem. */
function neighboursIntact(problems: CliProblem[], file: string): void {
  const lines = problems.filter((p) => p.file === file && p.code === 'VLM032').map((p) => p.line);
  assert.ok(lines.includes(1) && lines.includes(3), `${file}: the neighbours' VLM032 problems survive (${lines.join(', ')})`);
}

test('a record nested 5000 deep with a schema error: the error is reported at that record, the others intact', () => {
  const r = validateJson(['deep.jsonl'], ['--no-images']);
  assert.equal(r.code, 1);
  const at2 = r.problems.filter((p) => p.line === 2);
  assert.ok(at2.some((p) => p.code === 'VLM004' && /image/.test(p.message) && p.column === 1), JSON.stringify(at2));
  neighboursIntact(r.problems, 'deep.jsonl');
});

test('VLM006: a record that breaks a check is reported at itself (validator level, any failure)', async () => {
  const schemas = await SchemaSet.create(builtin, []);
  const v = new RecordValidator({ schemas, jsonl: true, collectImages: true });
  // a getter-free way to make a check throw: a schema validate that throws
  const throwing = Object.create(schemas) as SchemaSet;
  throwing.validate = () => {
    throw new RangeError('Maximum call stack size exceeded');
  };
  const bad = new RecordValidator({ schemas: throwing, jsonl: true });
  const text = JSON.stringify({ id: 'x', conversations: [{ from: 'human', value: 'q' }, { from: 'gpt', value: '' }] });
  const r = bad.check({ index: 4, line: 4, column: 0, text });
  assert.deepEqual(r.problems.map((p) => [p.code, p.line, p.column, p.message]), [['VLM006', 4, 0, 'This record could not be checked completely: it is nested too deeply to be checked']]);
  assert.equal(v.check({ index: 0, line: 0, column: 0, text }).problems[0]?.code, 'VLM032');
});

test('a malformed file: URI is VLM020 at that image, not the end of the whole command', () => {
  const r = validateJson(['bad-uri.jsonl']);
  const p = r.problems.find((x) => x.line === 2 && x.code === 'VLM020');
  assert.ok(p, JSON.stringify(r.problems));
  assert.match(p.message, /%E0%A4%A\.png: malformed file: URI/);
  const text = readFileSync(join(dir, 'bad-uri.jsonl'), 'utf8').split('\n')[1];
  assert.equal(p.column, text.indexOf('"file:///') + 1, 'located at the reference');
  neighboursIntact(r.problems, 'bad-uri.jsonl');
});

test('images that exist but are not images: VLM020 says what the bytes are', () => {
  const r = validateJson(['not-images.jsonl']);
  const msgs = r.problems.filter((p) => p.code === 'VLM020').map((p) => [p.line, p.message]);
  assert.deepEqual(msgs.map((m) => m[0]), [2, 3]);
  assert.match(String(msgs[0][1]), /text\.png: not an image: the file is text \(starts with "<html>404 Not F/);
  assert.match(String(msgs[1][1]), /truncated\.png: corrupt PNG header \(the file has 10 bytes/);
  assert.equal(r.problems.filter((p) => p.code === 'VLM020' && p.line === 1).length, 0, 'a real PNG passes');
  // inspect no longer stops at sharp's "corrupt header:"
  const i = runCli(['inspect', 'not-images.jsonl', '--index', '2'], { cwd: dir });
  assert.match(i.stdout, /unreadable: Input file has corrupt header: corrupt PNG header \(the file has 10 bytes/);
});

test('sniffImage: magic numbers of the common formats', () => {
  const b = (...xs: number[]) => new Uint8Array(xs);
  assert.deepEqual(sniffImage(b(0xff, 0xd8, 0xff, 0xe0), 100), { format: 'jpeg' });
  assert.deepEqual(sniffImage(new TextEncoder().encode('GIF89a....'), 100), { format: 'gif' });
  assert.deepEqual(sniffImage(new TextEncoder().encode('RIFF\0\0\0\0WEBPVP8 '), 100), { format: 'webp' });
  assert.deepEqual(sniffImage(new Uint8Array(0), 0), { problem: 'the file is empty' });
  assert.ok('problem' in sniffImage(b(0, 1, 2, 3, 4, 5, 6, 7), 8));
});

test('duplicate keys (VLM007) and numbers beyond a double (VLM008) are said, at the key and the number', () => {
  const d = validateJson(['dup-keys.jsonl'], ['--no-images']);
  const dup = d.problems.find((p) => p.code === 'VLM007');
  const line2 = readFileSync(join(dir, 'dup-keys.jsonl'), 'utf8').split('\n')[1];
  assert.ok(dup && dup.line === 2 && dup.column === line2.indexOf('"id"', 5) + 1, JSON.stringify(dup));
  assert.match(dup.message, /Key “id” appears more than once/);
  neighboursIntact(d.problems, 'dup-keys.jsonl');
  const h = validateJson(['huge-number.jsonl'], ['--no-images']);
  const line = readFileSync(join(dir, 'huge-number.jsonl'), 'utf8').split('\n')[1];
  const huge = h.problems.filter((p) => p.code === 'VLM008');
  assert.deepEqual(huge.map((p) => p.column), [line.indexOf('1e400') + 1, line.lastIndexOf('1e400') + 1]);
  assert.equal(h.code, 1, 'VLM008 is an error');
  neighboursIntact(h.problems, 'huge-number.jsonl');
});

test('the CLI goes on past files it cannot read, and --json always prints what was found', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'vlm-hostile-'));
  try {
    const fifo = join(tmp, 'pipe.jsonl');
    execFileSync('mkfifo', [fifo]);
    const r = runCli(['validate', join(tmp, 'missing.jsonl'), fifo, 'utf16.jsonl', 'empty.jsonl', 'dup-keys.jsonl', '--json', '--no-images'], { cwd: dir });
    assert.equal(r.code, 2, 'unreadable files: exit 2');
    const problems = JSON.parse(r.stdout) as CliProblem[];
    assert.ok(problems.some((p) => p.file === 'dup-keys.jsonl' && p.code === 'VLM007'), 'the readable file was checked');
    assert.match(r.stderr, /missing\.jsonl: cannot open: no such file/);
    assert.match(r.stderr, /pipe\.jsonl: not a regular file \(a FIFO\)/);
    assert.match(r.stderr, /utf16\.jsonl: not a UTF-8 text file: it is UTF-16LE \(with a byte order mark\)/);
    assert.match(r.stderr, /empty\.jsonl: 0 records/);
    assert.match(r.stderr, /in 2 file\(s\), 3 record\(s\); 3 file\(s\) could not be read/);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});

test('the CLI honours the record size limit (VLM005) instead of reading any record whole', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'vlm-hostile-'));
  try {
    const ok = (id: string) => JSON.stringify({ id, conversations: [{ from: 'human', value: 'q' }, { from: 'gpt', value: '' }] });
    const big = JSON.stringify({ id: 'big', conversations: [{ from: 'human', value: 'x'.repeat(3 * 1024 * 1024) }, { from: 'gpt', value: 'a' }] });
    writeFileSync(join(tmp, 'big.jsonl'), [ok('a'), big, ok('c')].join('\n') + '\n');
    const r = runCli(['validate', 'big.jsonl', '--json', '--max-record-mb', '1'], { cwd: tmp });
    const problems = JSON.parse(r.stdout) as CliProblem[];
    assert.deepEqual(problems.map((p) => [p.line, p.code]), [[1, 'VLM032'], [2, 'VLM005'], [3, 'VLM032']]);
    assert.match(problems[1].message, /Record of 3\.0 MB is too large/);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});

test('columns are exact at any offset of a one-line JSON array (not looked up 4 KB back)', async () => {
  const recs = Array.from({ length: 3000 }, (_, i) => ({ id: `r${i}`, conversations: [{ from: 'human', value: 'q é 人' }, { from: 'gpt', value: i === 2500 ? '' : 'a' }] }));
  const text = JSON.stringify(recs);
  const tmp = mkdtempSync(join(tmpdir(), 'vlm-hostile-'));
  try {
    writeFileSync(join(tmp, 'one.json'), text);
    const r = runCli(['validate', 'one.json', '--json', '--no-images'], { cwd: tmp });
    const p = (JSON.parse(r.stdout) as CliProblem[]).find((x) => x.code === 'VLM032');
    const expected = text.indexOf('""', text.indexOf('"r2500"')) + 1;
    assert.equal(p?.column, expected, 'the empty answer of record 2500, in UTF-16 columns');
    assert.ok(expected > 200_000);
    // the cursor agrees with the stateless look-up everywhere
    const file = new MemoryFile('one.json', new TextEncoder().encode(text));
    const cursor = new ColumnCursor(file);
    const bytes = new TextEncoder().encode(text);
    for (const k of [1, 7000, 150_000, bytes.length - 2]) assert.equal(await cursor.columnAt(k, 0), await columnAt(file, k));
    assert.equal(await columnAt(file, bytes.length - 2), text.length - 2);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});

test('a file truncated while it is validated: one clear error, not phantom empty records', async () => {
  const lines = Array.from({ length: 5000 }, (_, i) => JSON.stringify({ id: `r${i}`, conversations: [{ from: 'human', value: 'q' }, { from: 'gpt', value: 'a' }] }));
  const bytes = new TextEncoder().encode(lines.join('\n') + '\n');
  const file = new MemoryFile('t.jsonl', bytes, 1000);
  const index = await RecordIndex.build(file, { fileName: 't.jsonl' });
  assert.equal(index.readyCount, 5000);
  // after the first batch is read, the file is cut to a tenth
  let reads = 0;
  const shrinking = {
    path: file.path,
    stat: async (): Promise<FileStat> => (reads > 0 ? { size: bytes.length / 10, mtimeMs: 2000 } : file.stat()),
    readInto: (t: Uint8Array, o: number, l: number, p: number) => {
      reads++;
      return file.readInto(t, o, l, p);
    },
    close: () => file.close(),
  };
  const v = new RecordValidator({ schemas: await SchemaSet.create(builtin, []), jsonl: true });
  await assert.rejects(validateFile(shrinking, index, v, { maxProblems: 1000 }), (e: unknown) => e instanceof FileChangedError && /changed during validation/.test(e.message));
});

test('metrics count every unparsable line, in the summary and --json', () => {
  const p = readPredictionText(readFileSync(join(dir, 'broken-preds.jsonl'), 'utf8'));
  assert.equal(p.unparsable, 50);
  assert.equal(p.records.length, 10);
  assert.match(p.problems.at(-1) ?? '', /30 more unparsable line\(s\) not listed \(50 in all\)/);
  const r = runCli(['metrics', 'broken-preds.jsonl', '--task', 'box', '--json'], { cwd: dir });
  const out = JSON.parse(r.stdout) as { aggregate: { samples: number; unparsableLines: number; notes: string[] } };
  assert.equal(out.aggregate.samples, 10);
  assert.equal(out.aggregate.unparsableLines, 50);
  assert.ok(out.aggregate.notes.some((n) => /50 line\(s\) of the file could not be parsed/.test(n)));
});

test('inverted and zero-area boxes: the prediction scores 0 with the reason; a degenerate gt is unscorable', () => {
  const recs = JSON.parse(readFileSync(join(dir, 'degenerate-boxes.json'), 'utf8')) as unknown[];
  const m = predictionMetrics(recs, { task: 'box' });
  const by = new Map(m.samples.map((s) => [s.id, s]));
  assert.equal(by.get('ok')?.score, 1);
  assert.equal(by.get('pred-inverted')?.score, 0);
  assert.match(by.get('pred-inverted')?.note ?? '', /inverted/);
  assert.match(by.get('pred-zero')?.note ?? '', /zero area/);
  assert.equal(by.get('gt-inverted')?.score, undefined, 'no number for what cannot be scored');
  assert.match(by.get('gt-inverted')?.note ?? '', /gt box cannot be scored: is inverted/);
  assert.equal(m.aggregate.unscored, 1);
  assert.equal(m.aggregate.metrics.mean_iou, 1 / 3, 'mean over the three scorable samples');
});

test('bounded trajectory scoring: 10k-point pairs and a 300k-point one against 2 points, each well under a second', () => {
  const pts = (n: number, off: number) => Array.from({ length: n }, (_, i) => [i * 0.01 + off, 100 + 50 * Math.sin(i / 100)]);
  const recs = [
    { id: 'a', pred: JSON.stringify(pts(10_000, 1)), gt: JSON.stringify(pts(10_000, 0)) },
    { id: 'b', pred: JSON.stringify(pts(300_000, 1)), gt: JSON.stringify(pts(2, 0)) },
  ];
  for (const r of recs) {
    const t = performance.now();
    const m = predictionMetrics([r], { task: 'traj' });
    const ms = performance.now() - t;
    assert.ok(ms < 1000, `${r.id}: ${ms.toFixed(0)} ms`);
    assert.match(m.samples[0].note ?? '', /resampled to 2000 points/);
    assert.ok(Number.isFinite(m.samples[0].score));
  }
  // the two-row forms agree with the definition on small inputs (computed here by full tables)
  const a: Array<[number, number]> = [[0, 0], [1, 0], [2, 1], [4, 1]];
  const b: Array<[number, number]> = [[0, 1], [2, 2], [4, 0]];
  const d = (p: number[], q: number[]) => Math.hypot(p[0] - q[0], p[1] - q[1]);
  const full = (comb: (c: number, prev: number[]) => number) => {
    const t: number[][] = a.map(() => b.map(() => Infinity));
    for (let i = 0; i < a.length; i++)
      for (let j = 0; j < b.length; j++) {
        const prev = [i > 0 ? t[i - 1][j] : Infinity, j > 0 ? t[i][j - 1] : Infinity, i > 0 && j > 0 ? t[i - 1][j - 1] : Infinity];
        t[i][j] = i === 0 && j === 0 ? d(a[0], b[0]) : comb(d(a[i], b[j]), prev);
      }
    return t[a.length - 1][b.length - 1];
  };
  assert.ok(Math.abs(dtw(a, b) - full((c, p) => c + Math.min(...p))) < 1e-9);
  assert.ok(Math.abs(frechet(a, b) - full((c, p) => Math.max(c, Math.min(...p)))) < 1e-9);
  const directed = (x: number[][], y: number[][]) => Math.max(...x.map((p) => Math.min(...y.map((q) => d(p, q)))));
  assert.ok(Math.abs(hausdorff(a, b) - Math.max(directed(a, b), directed(b, a))) < 1e-9);
});

test('a schema error about a key written twice is placed on the value JSON.parse keeps (the last)', async () => {
  const v = new RecordValidator({ schemas: await SchemaSet.create(builtin, []), jsonl: true });
  const text = '{"id":"a","image":"ok.png","conversations":[{"from":"human","value":"<image>q"},{"from":"gpt","value":"a"}],"image":5}';
  const { problems } = v.check({ index: 0, line: 0, column: 0, text });
  const schema = problems.find((p) => p.code === 'VLM004');
  assert.equal(schema?.column, text.lastIndexOf('5'), JSON.stringify(problems));
  assert.equal(problems.find((p) => p.code === 'VLM007')?.column, text.lastIndexOf('"image"'));
});
