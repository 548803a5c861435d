/**
 * Benchmark cases, each run in its own process by scripts/bench.mjs and printing one JSON
 * line: { name, value, unit, samples }. Times are medians after a warm-up run. bench.mjs
 * bundles this file with esbuild first, so the code measured is built as the extension is.
 */
import { NodeFile } from '../../src/core/io/randomAccessFile';
import { RecordIndex } from '../../src/core/index/recordIndex';
import { loadRecords } from '../../src/core/dataset/loadRecords';
import { searchRecords } from '../../src/core/search/searchRecords';
import { SchemaSet } from '../../src/core/validate/schemaSet';
import { RecordValidator } from '../../src/core/validate/validator';
import { validateFile } from '../../src/core/validate/validateFile';
import { join } from 'node:path';
import { availableParallelism } from 'node:os';
import { DatasetWorkerClient } from '../../src/workers/datasetWorkerClient';
import { validateInParallel } from '../../src/workers/parallelValidate';
import { RecordTable } from '../../src/core/query/recordTable';
import { exportParquet } from '../../src/core/query/parquetExport';
import { mkdtempSync, rmSync } from 'node:fs';
import { openLeRobot } from '../../src/core/lerobot/dataset';
import { readEpisodeFrames } from '../../src/core/lerobot/frames';
import { labelBalance } from '../../src/core/lerobot/views';
import { tmpdir } from 'node:os';

const [, , name, file, arg] = process.argv;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function timeIt(runs: number, fn: () => Promise<unknown>): Promise<number[]> {
  await fn(); // warm-up (JIT, page cache)
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await fn();
    out.push(performance.now() - t);
  }
  return out;
}

async function index(): Promise<void> {
  const samples = await timeIt(5, async () => {
    const f = await NodeFile.open(file);
    await RecordIndex.build(f, { fileName: file });
    await f.close();
  });
  print('index', median(samples), 'ms', samples);
}

/**
 * Open the file, index until 50 records are ready, parse and normalize them: the time until
 * that page is in hand (the index goes on in the background, as in the viewer).
 */
async function firstPage(): Promise<void> {
  const once = async (): Promise<number> => {
    const t0 = performance.now();
    const f = await NodeFile.open(file);
    const idx = new RecordIndex();
    const ac = new AbortController();
    let page: Promise<number> | undefined;
    const scan = idx
      .scan(f, {
        fileName: file,
        signal: ac.signal,
        onProgress: (p) => {
          if (!page && p.records >= 50) {
            page = loadRecords(f, idx, 0, 50).then((recs) => {
              if (recs.length !== 50 || !recs.every((r) => r.record)) throw new Error('first page incomplete');
              return performance.now() - t0;
            });
          }
        },
      })
      .catch((e: unknown) => {
        if (!(e instanceof Error && e.name === 'AbortError')) throw e;
      });
    while (!page) await new Promise((r) => setImmediate(r));
    const elapsed = await page;
    ac.abort();
    await scan;
    await f.close();
    return elapsed;
  };
  await once(); // warm-up
  const samples: number[] = [];
  for (let i = 0; i < 9; i++) samples.push(await once());
  print('firstPage', median(samples), 'ms', samples);
}

async function fetchRecord(): Promise<void> {
  const f = await NodeFile.open(file);
  const idx = await RecordIndex.build(f, { fileName: file });
  const k = arg === 'last' ? idx.count - 1 : Number(arg);
  const samples = await timeIt(25, async () => {
    const [r] = await loadRecords(f, idx, k, 1);
    if (!r.record) throw new Error('record did not load');
  });
  await f.close();
  print(`fetch#${k}`, median(samples), 'ms', samples);
}

async function indexMemory(): Promise<void> {
  if (typeof global.gc === 'function') global.gc();
  const before = process.memoryUsage().rss;
  let peak = before;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 2);
  const f = await NodeFile.open(file);
  await RecordIndex.build(f, {
    fileName: file,
    onProgress: () => {
      peak = Math.max(peak, process.memoryUsage().rss);
    },
  });
  peak = Math.max(peak, process.memoryUsage().rss);
  clearInterval(timer);
  await f.close();
  print('indexExtraRss', (peak - before) / 1024 / 1024, 'MB', []);
}

async function search(): Promise<void> {
  const f = await NodeFile.open(file);
  const idx = await RecordIndex.build(f, { fileName: file });
  let found = -1;
  const samples = await timeIt(5, async () => {
    const r = await searchRecords(f, idx, { text: arg, regex: false, caseSensitive: true });
    found = r.totalMatches;
  });
  await f.close();
  print('search', median(samples), 'ms', samples, { matches: found });
}

function print(n: string, value: number, unit: string, samples: number[], extra: Record<string, unknown> = {}): void {
  console.log(JSON.stringify({ name: n, value, unit, samples: samples.map((s) => Math.round(s * 100) / 100), ...extra }));
}

/** The baseline: read every record the same way and JSON.parse it, nothing else. */
/** Schema + VLM rules over every record (images not looked up), as the worker runs it. */
async function validateAll(): Promise<void> {
  const f = await NodeFile.open(file);
  const idx = await RecordIndex.build(f, { fileName: file });
  const schemas = await SchemaSet.create(join(process.env.VLM_LENS_ROOT ?? '.', 'src/core/schemas/builtin'));
  let problems = 0;
  const samples = await timeIt(3, async () => {
    const v = new RecordValidator({ schemas, jsonl: true });
    const res = await validateFile(f, idx, v, { maxProblems: 1000 });
    problems = res.totalProblems;
  });
  await f.close();
  print('validateAll', median(samples), 'ms', samples, { problems });
}

/** The production path: the built worker (dist/datasetWorker.js), one part per core, merged. */
async function validateWorkers(): Promise<void> {
  const root = process.env.VLM_LENS_ROOT ?? '.';
  const workers = Math.max(1, availableParallelism());
  const clients = Array.from({ length: workers }, () => new DatasetWorkerClient(join(root, 'dist/datasetWorker.js')));
  const f = await NodeFile.open(file);
  const idx = await RecordIndex.build(f, { fileName: file });
  const snapshot = idx.snapshot();
  let problems = 0;
  const samples = await timeIt(3, async () => {
    const res = await validateInParallel({
      path: file,
      snapshot,
      config: { builtinDir: join(root, 'dist/schemas'), userSchemas: [], relPath: file, severities: {}, maxProblems: 1000, maxRecordBytes: 16 << 20, jsonl: true },
      clients,
      idOf: async (k) => (JSON.parse((await loadRecords(f, idx, k, 1))[0]?.text ?? '{}') as { id?: string }).id,
    });
    problems = res.totalProblems;
  });
  for (const c of clients) c.dispose();
  await f.close();
  print('validateWorkers', median(samples), 'ms', samples, { problems, workers });
}

/** Scores the trajectory pair in `file` (a JSON array of one {id, pred, gt} record) as `vlm-lens metrics` does; time and peak RSS. */
async function trajectory(): Promise<void> {
  const { readFileSync } = await import('node:fs');
  const { predictionMetrics } = await import('../../src/core/eval/predictionMetrics');
  const text = readFileSync(file, 'utf8');
  const rssBefore = process.memoryUsage().rss;
  let note = '';
  const samples = await timeIt(5, () => {
    const m = predictionMetrics(JSON.parse(text) as unknown[], { task: 'traj' });
    note = m.samples[0]?.note ?? '';
    return Promise.resolve();
  });
  const peakMb = (process.resourceUsage().maxRSS * 1024 - rssBefore) / 1024 / 1024;
  print('trajectory', median(samples), 'ms', samples, { peakExtraMb: Math.max(0, peakMb), note });
}

/** A WHERE filter over the file as the viewer runs it once its table is open (the first query reads the schema). */
async function filter(): Promise<void> {
  const t = await RecordTable.open(file, 'jsonl');
  let matches = 0;
  const samples = await timeIt(5, async () => {
    matches = (await t.filter(arg)).records.length;
  });
  await t.close();
  console.log(JSON.stringify({ name: 'filter', value: median(samples), unit: 'ms', samples, matches }));
}

/** A Parquet dataset's first page in the viewer: its first rows converted, indexed, read and normalized (the rest not awaited). */
async function parquetFirstPage(): Promise<void> {
  const samples: number[] = [];
  for (let i = 0; i < 6; i++) {
    const out = mkdtempSync(join(tmpdir(), 'vlm-lens-bench-pq-'));
    const ac = new AbortController();
    const t = performance.now();
    const ex = await exportParquet(file, out, { signal: ac.signal });
    const f = await NodeFile.open(ex.jsonl);
    const idx = await RecordIndex.build(f, { fileName: 'records.jsonl' });
    await loadRecords(f, idx, 0, 50);
    const ms = performance.now() - t;
    ac.abort();
    await ex.done.catch(() => undefined);
    await f.close();
    rmSync(out, { recursive: true, force: true });
    if (i > 0) samples.push(ms); // the first run warms up
  }
  console.log(JSON.stringify({ name: 'parquetFirstPage', value: median(samples), unit: 'ms', samples }));
}

/** A LeRobot dataset's overview (meta read, every episode's files checked): `file` is the dataset folder. */
async function lerobotOpen(): Promise<void> {
  let episodes = 0;
  const samples = await timeIt(5, async () => {
    episodes = (await openLeRobot(file)).episodes.length;
  });
  console.log(JSON.stringify({ name: 'lerobotOpen', value: median(samples), unit: 'ms', samples, episodes }));
}

/** One episode's frames (signals, labels, timestamps) read from its Parquet file, the dataset already open. */
async function lerobotEpisode(): Promise<void> {
  const ds = await openLeRobot(file);
  const ep = ds.episodes[Number(arg) || 0];
  let rows = 0;
  const samples = await timeIt(7, async () => {
    rows = (await readEpisodeFrames(ds, ep)).rows;
  });
  console.log(JSON.stringify({ name: 'lerobotEpisode', value: median(samples), unit: 'ms', samples, rows }));
}

/** Frames per label over every data file, the dataset already open. */
async function lerobotBalance(): Promise<void> {
  const ds = await openLeRobot(file);
  let frames = 0;
  const samples = await timeIt(3, async () => {
    frames = (await labelBalance(ds))?.total.reduce((a, b) => a + b, 0) ?? 0;
  });
  console.log(JSON.stringify({ name: 'lerobotBalance', value: median(samples), unit: 'ms', samples, frames }));
}

const cases: Record<string, () => Promise<void>> = { index, firstPage, fetchRecord, indexMemory, search, validateAll, validateWorkers, trajectory, filter, parquetFirstPage, lerobotOpen, lerobotEpisode, lerobotBalance };
const run = cases[name];
if (!run) {
  console.error(`unknown case ${name}`);
  process.exit(2);
}
run().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
