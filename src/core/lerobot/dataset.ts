/**
 * A LeRobot dataset folder opened for viewing: its info, episodes, tasks and per-episode
 * statistics, and where each episode's data and videos are. Bad parts are listed, located,
 * and cost only themselves: a broken line of `episodes.jsonl` loses that episode, a missing
 * video loses that camera of that episode, an unknown codebase version is refused by name.
 */
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { basename, dirname, join } from 'node:path';
import { confinedDuckDb, sqlString } from '../query/recordTable';
import { cameraFeatures, DatasetFiles, fillTemplate, inBatches, META_CAP, parseInfo, type LeRobotInfo, type LeRobotProblem } from './meta';

export interface FeatureStats {
  min: number[];
  max: number[];
  mean: number[];
  std?: number[];
  count: number;
}

export interface LeRobotVideoRef {
  key: string;
  /** relative to the dataset folder */
  file: string;
  /** the episode's first frame in that file, seconds (v3.0 files hold many episodes) */
  from: number;
  exists: boolean;
}

export interface LeRobotEpisode {
  index: number;
  length: number;
  tasks: string[];
  /** seconds, from its length and the fps */
  duration: number;
  /** the Parquet file of its frames, relative to the dataset folder */
  dataFile?: string;
  dataExists: boolean;
  videos: LeRobotVideoRef[];
  /** from `episodes_stats.jsonl` (v2.1), numeric features only */
  stats?: Record<string, FeatureStats>;
  /** why part of it cannot be shown */
  problems: string[];
}

export interface LeRobotDataset {
  root: string;
  name: string;
  info: LeRobotInfo;
  episodes: LeRobotEpisode[];
  tasks: { index: number; task: string }[];
  /** over the dataset: from `meta/stats.json` or combined from the episodes' */
  stats: Record<string, FeatureStats>;
  statsSource: 'episodes_stats.jsonl' | 'stats.json' | 'none';
  problems: LeRobotProblem[];
  /** episodes listed beyond the cap, not read */
  episodesNotRead: number;
}

/** The most episodes an overview reads (each a line of meta and a few file checks). */
export const EPISODE_CAP = 200_000;

/** The dataset folder of `path`: the folder itself, or the dataset holding `meta/info.json`. */
export async function leRobotRootOf(path: string): Promise<string | undefined> {
  const st = await stat(path).catch(() => undefined);
  if (!st) return undefined;
  if (st.isDirectory()) return (await stat(join(path, 'meta', 'info.json')).catch(() => undefined))?.isFile() ? path : undefined;
  if (basename(path) === 'info.json' && basename(dirname(path)) === 'meta') return dirname(dirname(path));
  return undefined;
}

async function readCapped(path: string, what: string): Promise<string> {
  const st = await stat(path);
  if (st.size > META_CAP) throw new Error(`${what} is ${st.size} bytes, more than the ${META_CAP} read`);
  return readFile(path, 'utf8');
}

async function exists(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isFile() ?? false;
}

/** Reads `meta/info.json` of the dataset at `root`; throws with the reason when it cannot. */
export async function readInfo(root: string): Promise<LeRobotInfo> {
  const path = join(root, 'meta', 'info.json');
  let text: string;
  try {
    text = await readCapped(path, 'meta/info.json');
  } catch (e) {
    throw new Error(`cannot read meta/info.json: ${e instanceof Error ? e.message : String(e)}`);
  }
  return parseInfo(text);
}

/** Lines of a meta file that are not JSON objects, listed one by one; past these, counted. */
const BAD_LINES_LISTED = 100;

/**
 * JSON Lines of a meta file, each record with its 1-based line; bad lines as problems. Records
 * past `cap` are not read: counted in `notRead` (the caller says so).
 */
async function readJsonl(root: string, rel: string, problems: LeRobotProblem[], cap: number): Promise<{ rows: { line: number; value: Record<string, unknown> }[]; notRead: number } | undefined> {
  const path = join(root, rel);
  if (!(await exists(path))) return undefined;
  // episodes_stats.jsonl of a large dataset runs to hundreds of MB: read line by line, not whole
  const rows: { line: number; value: Record<string, unknown> }[] = [];
  const rl = createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity });
  let n = 0;
  let notRead = 0;
  let bad = 0;
  const badLine = (line: number, message: string) => {
    if (++bad <= BAD_LINES_LISTED) problems.push({ file: rel, line, message });
  };
  for await (const line of rl) {
    n++;
    if (!line.trim()) continue;
    if (rows.length >= cap) {
      notRead++;
      continue;
    }
    try {
      const v = JSON.parse(line) as unknown;
      if (v && typeof v === 'object' && !Array.isArray(v)) rows.push({ line: n, value: v as Record<string, unknown> });
      else badLine(n, 'not a JSON object');
    } catch (e) {
      badLine(n, `not JSON: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  if (bad > BAD_LINES_LISTED) problems.push({ file: rel, message: `${bad - BAD_LINES_LISTED} more lines are not JSON objects (the first ${BAD_LINES_LISTED} are listed)` });
  return { rows, notRead };
}

function numbers(v: unknown): number[] | undefined {
  if (typeof v === 'number') return [v];
  if (!Array.isArray(v)) return undefined;
  const flat = v.flat(3) as unknown[];
  return flat.every((x) => typeof x === 'number') ? (flat) : undefined;
}

/** A feature's stats object (`{min, max, mean, std, count}`), numeric parts only. */
function featureStats(v: unknown): FeatureStats | undefined {
  if (!v || typeof v !== 'object') return undefined;
  const o = v as Record<string, unknown>;
  const min = numbers(o.min);
  const max = numbers(o.max);
  const mean = numbers(o.mean);
  if (!min || !max || !mean) return undefined;
  const count = numbers(o.count)?.[0] ?? 0;
  return { min, max, mean, std: numbers(o.std), count };
}

/** Dataset-wide statistics from each episode's: extremes of extremes, means weighted by frame count. */
export function combineStats(per: Record<string, FeatureStats>[]): Record<string, FeatureStats> {
  const out: Record<string, FeatureStats> = {};
  for (const stats of per) {
    for (const [key, s] of Object.entries(stats)) {
      const o = out[key];
      if (!o) {
        out[key] = { min: [...s.min], max: [...s.max], mean: s.mean.map((m) => m * s.count), count: s.count };
        continue;
      }
      if (o.min.length !== s.min.length) continue;
      for (let i = 0; i < o.min.length; i++) {
        o.min[i] = Math.min(o.min[i], s.min[i]);
        o.max[i] = Math.max(o.max[i], s.max[i]);
        o.mean[i] += (s.mean[i] ?? 0) * s.count;
      }
      o.count += s.count;
    }
  }
  for (const s of Object.values(out)) s.mean = s.mean.map((m) => (s.count > 0 ? m / s.count : NaN));
  return out;
}

/** Opens the dataset at `root` (its folder). Throws only when `meta/info.json` cannot be read. */
export async function openLeRobot(root: string): Promise<LeRobotDataset> {
  const info = await readInfo(root);
  const problems: LeRobotProblem[] = [];
  const ds: LeRobotDataset = { root, name: basename(root), info, episodes: [], tasks: [], stats: {}, statsSource: 'none', problems, episodesNotRead: 0 };
  if (!info.version) {
    problems.push({ file: 'meta/info.json', message: `codebase_version "${info.codebaseVersion}" is not a layout VLM Lens reads (it reads v2.0, v2.1 and v3.0): its episodes are not listed` });
    return ds;
  }
  const numericKeys = new Set(info.features.filter((f) => f.dtype !== 'video' && f.dtype !== 'image' && f.dtype !== 'string').map((f) => f.key));
  const keepNumeric = (s: Record<string, FeatureStats>) => Object.fromEntries(Object.entries(s).filter(([k]) => numericKeys.has(k)));
  if (info.version === 'v3.0') await readV3(ds, keepNumeric);
  else await readV2(ds, keepNumeric);
  // dataset statistics: meta/stats.json when there, else combined from the episodes'
  const statsJson = join(root, 'meta', 'stats.json');
  if (await exists(statsJson)) {
    try {
      const raw = JSON.parse(await readCapped(statsJson, 'meta/stats.json')) as Record<string, unknown>;
      const stats: Record<string, FeatureStats> = {};
      for (const [k, v] of Object.entries(raw)) {
        const s = featureStats(v);
        if (s) stats[k] = s;
      }
      ds.stats = keepNumeric(stats);
      ds.statsSource = 'stats.json';
    } catch (e) {
      problems.push({ file: 'meta/stats.json', message: e instanceof Error ? e.message : String(e) });
    }
  }
  if (ds.statsSource === 'none') {
    const per = ds.episodes.map((e) => e.stats).filter((s): s is Record<string, FeatureStats> => !!s);
    if (per.length) {
      ds.stats = combineStats(per);
      ds.statsSource = 'episodes_stats.jsonl';
    }
  }
  if (info.totalEpisodes !== undefined && info.totalEpisodes !== ds.episodes.length + ds.episodesNotRead && ds.episodes.length > 0)
    problems.push({ file: 'meta/info.json', message: `total_episodes is ${info.totalEpisodes}, the episode list has ${ds.episodes.length + ds.episodesNotRead}` });
  return ds;
}

async function readV2(ds: LeRobotDataset, keepNumeric: (s: Record<string, FeatureStats>) => Record<string, FeatureStats>): Promise<void> {
  const { root, info, problems } = ds;
  const tasks = await readJsonl(root, 'meta/tasks.jsonl', problems, EPISODE_CAP);
  if (tasks?.notRead) problems.push({ file: 'meta/tasks.jsonl', message: `${tasks.notRead} tasks past the first ${EPISODE_CAP} are not read` });
  for (const t of tasks?.rows ?? []) {
    if (typeof t.value.task_index === 'number' && typeof t.value.task === 'string') ds.tasks.push({ index: t.value.task_index, task: t.value.task });
    else problems.push({ file: 'meta/tasks.jsonl', line: t.line, message: 'expected {"task_index": <int>, "task": <text>}' });
  }
  const episodes = await readJsonl(root, 'meta/episodes.jsonl', problems, EPISODE_CAP);
  if (!episodes) {
    problems.push({ file: 'meta/episodes.jsonl', message: 'missing: the dataset has no episode list' });
    return;
  }
  const statsLines = await readJsonl(root, 'meta/episodes_stats.jsonl', problems, EPISODE_CAP);
  if (statsLines?.notRead) problems.push({ file: 'meta/episodes_stats.jsonl', message: `${statsLines.notRead} episodes' statistics past the first ${EPISODE_CAP} are not read` });
  const statsOf = new Map<number, Record<string, FeatureStats>>();
  for (const s of statsLines?.rows ?? []) {
    if (typeof s.value.episode_index !== 'number' || !s.value.stats || typeof s.value.stats !== 'object') {
      problems.push({ file: 'meta/episodes_stats.jsonl', line: s.line, message: 'expected {"episode_index": <int>, "stats": {...}}' });
      continue;
    }
    const stats: Record<string, FeatureStats> = {};
    for (const [k, v] of Object.entries(s.value.stats as Record<string, unknown>)) {
      const fs = featureStats(v);
      if (fs) stats[k] = fs;
    }
    statsOf.set(s.value.episode_index, keepNumeric(stats));
  }
  const cameras = cameraFeatures(info);
  const files = new DatasetFiles(root);
  const checks: Array<() => Promise<void>> = [];
  const seen = new Set<number>();
  ds.episodesNotRead = episodes.notRead;
  for (const { line, value } of episodes.rows) {
    const index = value.episode_index;
    const length = value.length;
    if (typeof index !== 'number' || !Number.isInteger(index) || index < 0 || typeof length !== 'number') {
      problems.push({ file: 'meta/episodes.jsonl', line, message: 'expected {"episode_index": <int>, "tasks": [...], "length": <int>}' });
      continue;
    }
    if (seen.has(index)) {
      problems.push({ file: 'meta/episodes.jsonl', line, episode: index, message: `episode ${index} is listed twice; the first is kept` });
      continue;
    }
    seen.add(index);
    const ep: LeRobotEpisode = {
      index,
      length,
      tasks: Array.isArray(value.tasks) ? value.tasks.filter((t): t is string => typeof t === 'string') : [],
      duration: length / info.fps,
      dataExists: false,
      videos: [],
      stats: statsOf.get(index),
      problems: [],
    };
    const chunk = Math.floor(index / info.chunksSize);
    // the files are checked below, many at a time
    checks.push(async () => {
      try {
        ep.dataFile = fillTemplate(info.dataPath, { episode_chunk: chunk, episode_index: index });
        ep.dataExists = await files.exists(ep.dataFile);
        if (!ep.dataExists) ep.problems.push(`its data file ${ep.dataFile} is missing`);
      } catch (e) {
        ep.problems.push(e instanceof Error ? e.message : String(e));
      }
      for (const cam of cameras) {
        if (!info.videoPath) {
          ep.problems.push(`meta/info.json has no video_path for camera ${cam.key}`);
          continue;
        }
        try {
          const file = fillTemplate(info.videoPath, { episode_chunk: chunk, episode_index: index, video_key: cam.key });
          const ok = await files.exists(file);
          ep.videos.push({ key: cam.key, file, from: 0, exists: ok });
          if (!ok) ep.problems.push(`its ${cam.key} video ${file} is missing`);
        } catch (e) {
          ep.problems.push(e instanceof Error ? e.message : String(e));
        }
      }
    });
    ds.episodes.push(ep);
  }
  await inBatches(checks);
  ds.episodes.sort((a, b) => a.index - b.index);
}

/** v3.0: episodes are rows of `meta/episodes/chunk-*\/file-*.parquet`, tasks rows of `meta/tasks.parquet`. */
async function readV3(ds: LeRobotDataset, keepNumeric: (s: Record<string, FeatureStats>) => Record<string, FeatureStats>): Promise<void> {
  const { root, info, problems } = ds;
  const episodesDir = join(root, 'meta', 'episodes');
  if (!(await stat(episodesDir).catch(() => undefined))?.isDirectory()) {
    problems.push({ file: 'meta/episodes/', message: 'missing: the dataset has no episode list' });
    return;
  }
  let db: Awaited<ReturnType<typeof confinedDuckDb>> | undefined;
  try {
    db = await confinedDuckDb([], { directories: [join(root, 'meta')] });
    const conn = db.conn;
    const tasksFile = join(root, 'meta', 'tasks.parquet');
    if (await exists(tasksFile)) {
      try {
        const cols = (await conn.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet(${sqlString(tasksFile)})`)).getRowObjectsJson();
        const text = cols.find((c) => (c.column_type as string) === 'VARCHAR')?.column_name as string | undefined;
        if (text) {
          const rows = (await conn.runAndReadAll(`SELECT CAST(task_index AS INTEGER) AS i, "${text.replace(/"/g, '""')}" AS t FROM read_parquet(${sqlString(tasksFile)}) LIMIT ${EPISODE_CAP}`)).getRowObjectsJson();
          for (const r of rows) ds.tasks.push({ index: Number(r.i), task: typeof r.t === 'string' ? r.t : JSON.stringify(r.t) });
        }
      } catch (e) {
        problems.push({ file: 'meta/tasks.parquet', message: e instanceof Error ? e.message : String(e) });
      }
    }
    const glob = sqlString(join(episodesDir, '*', '*.parquet'));
    const described = (await conn.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet(${glob}, union_by_name=true)`)).getRowObjectsJson();
    const names = new Set(described.map((c) => c.column_name as string));
    for (const need of ['episode_index', 'length']) if (!names.has(need)) throw new Error(`meta/episodes has no "${need}" column`);
    const q = (n: string) => `"${n.replace(/"/g, '""')}"`;
    const cameras = cameraFeatures(info);
    const pick = ['episode_index', 'length', 'tasks', 'data/chunk_index', 'data/file_index', ...cameras.flatMap((c) => [`videos/${c.key}/chunk_index`, `videos/${c.key}/file_index`, `videos/${c.key}/from_timestamp`])].filter((n) => names.has(n));
    const statsCols = [...names].filter((n) => n.startsWith('stats/'));
    const rows = (await conn.runAndReadAll(`SELECT ${[...pick, ...statsCols].map(q).join(', ')} FROM read_parquet(${glob}, union_by_name=true) ORDER BY episode_index LIMIT ${EPISODE_CAP}`)).getRowObjectsJson();
    const total = Number((await conn.runAndReadAll(`SELECT count(*) AS n FROM read_parquet(${glob}, union_by_name=true)`)).getRowObjectsJson()[0].n);
    ds.episodesNotRead = Math.max(0, total - rows.length);
    const files = new DatasetFiles(root);
    for (const r of rows) {
      const index = Number(r.episode_index);
      const length = Number(r.length);
      const ep: LeRobotEpisode = { index, length, tasks: Array.isArray(r.tasks) ? r.tasks.map(String) : [], duration: length / info.fps, dataExists: false, videos: [], problems: [] };
      const stats: Record<string, Partial<Record<keyof FeatureStats, unknown>>> = {};
      for (const c of statsCols) {
        const m = /^stats\/(.+)\/(min|max|mean|std|count)$/.exec(c);
        if (m) (stats[m[1]] ??= {})[m[2] as keyof FeatureStats] = r[c];
      }
      const parsed: Record<string, FeatureStats> = {};
      for (const [k, v] of Object.entries(stats)) {
        const s = featureStats(v);
        if (s) parsed[k] = s;
      }
      if (Object.keys(parsed).length) ep.stats = keepNumeric(parsed);
      try {
        ep.dataFile = fillTemplate(info.dataPath, { chunk_index: Number(r['data/chunk_index'] ?? 0), file_index: Number(r['data/file_index'] ?? 0) });
        ep.dataExists = await files.exists(ep.dataFile);
        if (!ep.dataExists) ep.problems.push(`its data file ${ep.dataFile} is missing`);
      } catch (e) {
        ep.problems.push(e instanceof Error ? e.message : String(e));
      }
      for (const cam of cameras) {
        if (!info.videoPath) continue;
        try {
          const file = fillTemplate(info.videoPath, { video_key: cam.key, chunk_index: Number(r[`videos/${cam.key}/chunk_index`] ?? 0), file_index: Number(r[`videos/${cam.key}/file_index`] ?? 0) });
          const ok = await files.exists(file);
          ep.videos.push({ key: cam.key, file, from: Number(r[`videos/${cam.key}/from_timestamp`] ?? 0), exists: ok });
          if (!ok) ep.problems.push(`its ${cam.key} video ${file} is missing`);
        } catch (e) {
          ep.problems.push(e instanceof Error ? e.message : String(e));
        }
      }
      ds.episodes.push(ep);
    }
  } catch (e) {
    problems.push({ file: 'meta/episodes/', message: `cannot read the episode list: ${e instanceof Error ? e.message : String(e)}` });
  } finally {
    db?.conn.closeSync();
    db?.db.closeSync();
  }
}

/** The task text of a task index, when the dataset lists it. */
export function taskText(ds: LeRobotDataset, index: number): string | undefined {
  return ds.tasks.find((t) => t.index === index)?.task;
}
