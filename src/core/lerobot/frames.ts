/**
 * An episode's frames, read from its Parquet file by DuckDB: the per-frame numeric signals
 * (each named component of `action`, `observation.state`, any other numeric column), the
 * timestamps that place each frame in the camera videos, and the frame label when the
 * dataset has one (`reward_bins`: its argmax, an all-zero vector being class 0).
 */
import { confinedDuckDb, sqlString } from '../query/recordTable';
import { confinedPath, type LeRobotInfo } from './meta';
import { rowAtTime as rowAtTimestamp } from './frameTime';
import { type LeRobotDataset, type LeRobotEpisode } from './dataset';

export interface SignalColumn {
  key: string;
  /** one per component */
  names: string[];
  /** values[component][frame] (NaN where missing) */
  values: number[][];
}

export interface FrameLabels {
  /** the feature the label comes from */
  key: string;
  /** how: the argmax of a bin vector, or the value of an integer column */
  rule: 'argmax' | 'value';
  /** per frame; -1 where the frame has none */
  values: number[];
  /** the classes (bins) the label ranges over */
  classes: number;
  /** for argmax labels: the bin vectors, bins[frame][bin] */
  bins?: number[][];
}

export interface EpisodeFrames {
  episode: number;
  rows: number;
  frameIndex: number[];
  /** seconds from the episode's start */
  timestamp: number[];
  signals: SignalColumn[];
  labels?: FrameLabels;
  problems: string[];
  /** frames past the cap, not read */
  framesNotRead: number;
}

/** The most frames of one episode read (a long episode at 30 fps is ~10k). */
export const FRAME_CAP = 200_000;

/** Columns every LeRobot frame has: shown as the timeline, not as signals. */
const INDEX_COLUMNS = new Set(['timestamp', 'frame_index', 'episode_index', 'index', 'task_index']);

const NUMERIC = '(?:TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|FLOAT|DOUBLE|REAL|DECIMAL\\(\\d+,\\s*\\d+\\)|BOOLEAN)';
const SCALAR = new RegExp(`^${NUMERIC}$`);
const VECTOR = new RegExp(`^${NUMERIC}\\[\\d*\\]$`);

/** The feature frames are labelled by: `reward_bins` (argmax), else an integer `label` column. */
export function labelFeature(info: LeRobotInfo): { key: string; rule: 'argmax' | 'value'; classes?: number } | undefined {
  const bins = info.features.find((f) => f.key === 'reward_bins' || f.key.endsWith('.reward_bins'));
  if (bins) return { key: bins.key, rule: 'argmax', classes: bins.shape[0] };
  const label = info.features.find((f) => f.key === 'label' && /int/.test(f.dtype));
  return label ? { key: label.key, rule: 'value' } : undefined;
}

/** The frame labels of some episodes, read in one query over their data files. */
export interface EpisodeLabels {
  key: string;
  rule: 'argmax' | 'value';
  /** episode → frame_index → class (-1: the frame has no label) */
  byEpisode: Map<number, Map<number, number>>;
  /** episodes whose frames could not be read, each with why */
  problems: string[];
}

/**
 * The labels (`reward_bins` argmax, or `label`) of every frame of `episodes`, in one DuckDB
 * query over their data files (not one per episode); episode by episode only when the files
 * cannot be read that way (no episode_index / frame_index column, a file refused), each
 * failure said in `problems`. Undefined when the dataset has no label feature. Episodes
 * without a data file are left out (the caller says so).
 */
export async function frameLabels(ds: LeRobotDataset, episodes: Iterable<number>): Promise<EpisodeLabels | undefined> {
  const label = labelFeature(ds.info);
  if (!label) return undefined;
  const wanted = new Set(episodes);
  const eps = ds.episodes.filter((e) => wanted.has(e.index) && e.dataExists && e.dataFile);
  const out: EpisodeLabels = { key: label.key, rule: label.rule, byEpisode: new Map(), problems: [] };
  if (eps.length === 0) return out;
  try {
    await labelsAtOnce(ds, eps, label, out.byEpisode);
  } catch {
    out.byEpisode.clear();
    for (const ep of eps) {
      try {
        const frames = await readEpisodeFrames(ds, ep);
        const values = frames.labels?.values;
        if (values) out.byEpisode.set(ep.index, new Map(frames.frameIndex.map((f, i) => [f, values[i]])));
      } catch (e) {
        out.problems.push(`episode ${ep.index}: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
  }
  return out;
}

/** `frameLabels`' one query over the episodes' data files, into `byEpisode`. */
async function labelsAtOnce(ds: LeRobotDataset, eps: LeRobotEpisode[], label: { key: string; rule: 'argmax' | 'value' }, byEpisode: Map<number, Map<number, number>>): Promise<void> {
  const files: string[] = [];
  for (const f of new Set(eps.map((e) => e.dataFile as string))) files.push(await confinedPath(ds.root, f));
  const { db, conn } = await confinedDuckDb(files, { memoryLimit: '256MB' });
  try {
    const col = `"${label.key.replace(/"/g, '""')}"`;
    // the first largest bin, as argmax() does
    const cls = label.rule === 'argmax' ? `list_position(${col}, list_max(${col})) - 1` : col;
    const ids = eps.map((e) => Math.trunc(e.index)).join(', ');
    const read = async (byName: boolean) =>
      (
        await conn.runAndReadAll(
          `SELECT CAST(episode_index AS INTEGER) AS e, CAST(frame_index AS INTEGER) AS f, CAST(${cls} AS INTEGER) AS c FROM read_parquet([${files.map(sqlString).join(', ')}]${byName ? ', union_by_name=true' : ''}) WHERE episode_index IN (${ids})`,
        )
      ).getColumnsObjectJson();
    const cols = await read(false).catch(() => read(true));
    const e = cols.e ?? [];
    for (let i = 0; i < e.length; i++) {
      const ep = Number(e[i]);
      let frames = byEpisode.get(ep);
      if (!frames) byEpisode.set(ep, (frames = new Map<number, number>()));
      const c = cols.c?.[i];
      frames.set(Number(cols.f?.[i]), c === null || c === undefined ? -1 : Number(c));
    }
  } finally {
    conn.closeSync();
    db.closeSync();
  }
}

/** The index of the largest value, the first on ties: an all-zero vector is class 0. -1 for an empty or non-numeric one. */
export function argmax(v: number[]): number {
  let best = -1;
  for (let i = 0; i < v.length; i++) if (Number.isFinite(v[i]) && (best < 0 || v[i] > v[best])) best = i;
  return best;
}

/** A float32 value as its shortest decimal that reads back as the same float32 (0.12, not 0.11999999731779099). */
export function float32Value(x: number): number {
  if (!Number.isFinite(x)) return x;
  for (let p = 6; p <= 9; p++) {
    const y = Number(x.toPrecision(p));
    if (Math.fround(y) === Math.fround(x)) return y;
  }
  return x;
}

function toNumber(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'string') return Number(v);
  return NaN;
}

/** Reads episode `ep`'s frames. Throws only when its Parquet file cannot be read at all. */
export async function readEpisodeFrames(ds: LeRobotDataset, ep: LeRobotEpisode): Promise<EpisodeFrames> {
  if (!ep.dataFile) throw new Error(`episode ${ep.index} has no data file`);
  const path = await confinedPath(ds.root, ep.dataFile);
  const { db, conn } = await confinedDuckDb(path, { memoryLimit: '256MB' });
  try {
    const src = `read_parquet(${sqlString(path)})`;
    const described = (await conn.runAndReadAll(`DESCRIBE SELECT * FROM ${src}`)).getRowObjectsJson();
    const types = new Map(described.map((c) => [c.column_name as string, c.column_type as string]));
    const q = (n: string) => `"${n.replace(/"/g, '""')}"`;
    // v3.0 files hold many episodes: its rows are picked by episode_index
    const where = ds.info.version === 'v3.0' && types.has('episode_index') ? `WHERE episode_index = ${Math.trunc(ep.index)}` : '';
    const order = types.has('frame_index') ? 'ORDER BY frame_index' : types.has('index') ? 'ORDER BY "index"' : '';
    const total = Number((await conn.runAndReadAll(`SELECT count(*) AS n FROM ${src} ${where}`)).getRowObjectsJson()[0].n);
    const signalCols = [...types].filter(([n, t]) => !INDEX_COLUMNS.has(n) && (SCALAR.test(t) || VECTOR.test(t))).map(([n]) => n);
    const select = [
      types.has('frame_index') ? 'CAST(frame_index AS DOUBLE) AS "frame_index"' : 'NULL AS "frame_index"',
      types.has('timestamp') ? 'CAST(timestamp AS DOUBLE) AS "timestamp"' : 'NULL AS "timestamp"',
      ...signalCols.map((n) => (VECTOR.test(types.get(n) ?? '') ? `CAST(${q(n)} AS DOUBLE[]) AS ${q(n)}` : `CAST(${q(n)} AS DOUBLE) AS ${q(n)}`)),
    ];
    const cols = (await conn.runAndReadAll(`SELECT ${select.join(', ')} FROM ${src} ${where} ${order} LIMIT ${FRAME_CAP}`)).getColumnsObjectJson();
    const rows = (cols.frame_index ?? []).length;
    const problems: string[] = [];
    const fps = ds.info.fps;
    const frameIndex = (cols.frame_index ?? []).map((v, i) => (v === null ? i : toNumber(v)));
    const tsFloat32 = /^(FLOAT|REAL)$/.test(types.get('timestamp') ?? '');
    const timestamp = (cols.timestamp ?? []).map((v, i) => (v === null ? frameIndex[i] / fps : tsFloat32 ? float32Value(toNumber(v)) : toNumber(v)));
    if (!types.has('timestamp')) problems.push('no timestamp column: frames are placed at frame_index / fps');
    if (total !== ep.length) problems.push(`episodes list says ${ep.length} frames, its Parquet file has ${total}`);
    const signals: SignalColumn[] = [];
    const label = labelFeature(ds.info);
    let labels: FrameLabels | undefined;
    const isFloat32 = (n: string) => /^(FLOAT|REAL)(\[\d*\])?$/.test(types.get(n) ?? '');
    for (const n of signalCols) {
      const raw0 = cols[n] ?? [];
      // float32 columns come back widened to double: shown as the float32 they are
      const raw = isFloat32(n) ? raw0.map((v) => (Array.isArray(v) ? v.map((x) => float32Value(toNumber(x))) : v === null ? v : float32Value(toNumber(v)))) : raw0;
      const feature = ds.info.features.find((f) => f.key === n);
      if (VECTOR.test(types.get(n) ?? '')) {
        const width = raw.reduce<number>((m, v) => Math.max(m, Array.isArray(v) ? v.length : 0), 0);
        const values = Array.from({ length: width }, (_, c) => raw.map((v) => (Array.isArray(v) && c < v.length ? toNumber(v[c]) : NaN)));
        const names = feature?.names?.length === width ? feature.names : Array.from({ length: width }, (_, c) => `${n}[${c}]`);
        signals.push({ key: n, names, values });
        if (label?.key === n && label.rule === 'argmax') {
          const bins = raw.map((v) => (Array.isArray(v) ? v.map(toNumber) : []));
          labels = { key: n, rule: 'argmax', values: bins.map(argmax), classes: label.classes ?? width, bins };
        }
      } else {
        const values = raw.map(toNumber);
        signals.push({ key: n, names: [n], values: [values] });
        if (label?.key === n && label.rule === 'value') {
          const ints = values.map((v) => (Number.isInteger(v) && v >= 0 ? v : -1));
          labels = { key: n, rule: 'value', values: ints, classes: ints.reduce((m, v) => Math.max(m, v), 0) + 1 };
        }
      }
    }
    return { episode: ep.index, rows, frameIndex, timestamp, signals, labels, problems, framesNotRead: Math.max(0, total - rows) };
  } finally {
    conn.closeSync();
    db.closeSync();
  }
}

/** The row of frame `frame` (its frame_index), or undefined. */
export function rowOfFrame(frames: EpisodeFrames, frame: number): number | undefined {
  const direct = frames.frameIndex[frame] === frame ? frame : frames.frameIndex.indexOf(frame);
  return direct >= 0 ? direct : undefined;
}

/** The row shown at `seconds` into the episode: the last frame whose timestamp is at or before it. */
export function rowAtTime(frames: EpisodeFrames, seconds: number): number {
  return rowAtTimestamp(frames.timestamp, seconds);
}

export interface FrameAt {
  episode: number;
  frame: number;
  timestamp: number;
  task?: string;
  label?: number;
  values: Record<string, number | Record<string, number>>;
  /** each camera's video file (relative to the dataset) and the time in it that shows this frame */
  cameras: { key: string; file: string; time: number; exists: boolean }[];
}

/** Everything about one frame: its values by named component, its label, and where each camera shows it. */
export function frameAt(ep: LeRobotEpisode, frames: EpisodeFrames, row: number): FrameAt {
  const values: FrameAt['values'] = {};
  for (const s of frames.signals) {
    if (s.names.length === 1 && s.names[0] === s.key) values[s.key] = s.values[0][row];
    else values[s.key] = Object.fromEntries(s.names.map((n, c) => [n, s.values[c][row]]));
  }
  const timestamp = frames.timestamp[row];
  return {
    episode: ep.index,
    frame: frames.frameIndex[row],
    timestamp,
    task: ep.tasks[0],
    label: frames.labels ? frames.labels.values[row] : undefined,
    values,
    cameras: ep.videos.map((v) => ({ key: v.key, file: v.file, time: v.from + timestamp, exists: v.exists })),
  };
}
