/**
 * What the LeRobot view shows, shaped from a dataset as plain data: the overview (episodes,
 * features, cameras, statistics), label balance over the dataset and per episode (one DuckDB
 * query over every data file), and a classifier's predictions laid over the episodes.
 */
import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { readPredictionText } from '../eval/predictionFile';
import { predictionMetrics } from '../eval/predictionMetrics';
import { prepareClassifierRecords } from '../eval/scoreFile';
import { confinedDuckDb, sqlString } from '../query/recordTable';
import type { ClassificationReport } from '../eval/classification';
import type { FramePrediction, LabelBalance, LeRobotDatasetView, LeRobotStatRow, PredictionsView } from './viewTypes';
import type { SampleResult } from '../eval/predictionMetrics';
import { cameraFeatures } from './meta';
import { labelFeature } from './frames';
import type { LeRobotDataset } from './dataset';

export type { FramePrediction, LabelBalance, LeRobotDatasetView, LeRobotEpisodeRow, LeRobotStatRow, PredictionsView } from './viewTypes';

export function datasetView(ds: LeRobotDataset): LeRobotDatasetView {
  const { info } = ds;
  return {
    name: ds.name,
    codebaseVersion: info.codebaseVersion,
    readable: info.version !== undefined,
    robotType: info.robotType,
    fps: info.fps,
    frames: ds.episodes.reduce((a, e) => a + e.length, 0),
    episodes: ds.episodes.map((e) => ({ index: e.index, length: e.length, duration: e.duration, tasks: e.tasks, problems: e.problems })),
    episodesNotRead: ds.episodesNotRead,
    tasks: ds.tasks,
    features: info.features.map((f) => ({ key: f.key, dtype: f.dtype, shape: f.shape, names: f.names })),
    cameras: cameraFeatures(info).map((c) => ({ key: c.key, codec: c.video?.codec, width: c.video?.width ?? c.shape[1], height: c.video?.height ?? c.shape[0] })),
    problems: ds.problems.map((p) => `${p.file}${p.line ? `:${p.line}` : ''}: ${p.message}`),
    stats: Object.entries(ds.stats).map(([key, s]) => {
      const names = info.features.find((f) => f.key === key)?.names;
      return { key, names: names?.length === s.min.length ? names : s.min.map((_, i) => (s.min.length === 1 ? key : `${key}[${i}]`)), min: s.min, max: s.max, mean: s.mean, count: s.count };
    }),
    statsSource: ds.statsSource,
    label: labelFeature(info),
  };
}

/** The dataset's data files that exist, each once (a v3.0 file holds many episodes). */
function dataFiles(ds: LeRobotDataset): string[] {
  return [...new Set(ds.episodes.filter((e) => e.dataExists && e.dataFile).map((e) => join(ds.root, e.dataFile as string)))];
}

/** Frames per label class, over the dataset and per episode: one query over every data file there is. */
export async function labelBalance(ds: LeRobotDataset): Promise<LabelBalance | undefined> {
  const label = labelFeature(ds.info);
  if (!label) return undefined;
  const files = dataFiles(ds);
  if (files.length === 0) return { key: label.key, classes: label.classes ?? 0, total: [], perEpisode: [], unlabelled: 0, filesRead: 0 };
  const { db, conn } = await confinedDuckDb(files, { memoryLimit: '256MB' });
  try {
    const col = `"${label.key.replace(/"/g, '""')}"`;
    const cls = label.rule === 'argmax' ? `list_position(${col}, list_max(${col})) - 1` : `${col}`;
    // files of one schema are read as they are; only when they differ are their columns matched by name (slower)
    const count = async (byName: boolean) =>
      (
        await conn.runAndReadAll(
          `SELECT CAST(episode_index AS INTEGER) AS e, CAST(${cls} AS INTEGER) AS c, CAST(count(*) AS INTEGER) AS n FROM read_parquet([${files.map(sqlString).join(', ')}]${byName ? ', union_by_name=true' : ''}) GROUP BY ALL ORDER BY e, c`,
        )
      ).getRowObjectsJson();
    const rows = await count(false).catch(() => count(true));
    const maxClass = rows.reduce((m, r) => Math.max(m, r.c === null ? 0 : Number(r.c)), label.classes ? label.classes - 1 : 0);
    const classes = maxClass + 1;
    const total = new Array<number>(classes).fill(0);
    const per = new Map<number, number[]>();
    let unlabelled = 0;
    for (const r of rows) {
      const n = Number(r.n);
      const c = r.c === null ? -1 : Number(r.c);
      if (c < 0) {
        unlabelled += n;
        continue;
      }
      total[c] += n;
      const counts = per.get(Number(r.e)) ?? new Array<number>(classes).fill(0);
      counts[c] += n;
      per.set(Number(r.e), counts);
    }
    return { key: label.key, classes, total, perEpisode: [...per].map(([episode, counts]) => ({ episode, counts })), unlabelled, filesRead: files.length };
  } finally {
    conn.closeSync();
    db.closeSync();
  }
}

/** The most predicted frames sent to the view (the matrix counts them all). */
export const PREDICTION_FRAME_CAP = 500_000;

/** A scored classifier file laid over the dataset: per frame its prediction and label. */
export function predictionsView(file: string, records: unknown[], samples: SampleResult[], aggregate: { metrics: Record<string, number>; samples: number; unscored: number; notes: string[]; classification?: ClassificationReport }): PredictionsView {
  const frames: FramePrediction[] = [];
  let notShown = 0;
  for (const s of samples) {
    const r = records[s.index] as Record<string, unknown> | undefined;
    if (!r || typeof r.episode_index !== 'number' || typeof r.frame_index !== 'number') continue;
    if (frames.length >= PREDICTION_FRAME_CAP) {
      notShown++;
      continue;
    }
    frames.push({ episode: r.episode_index, frame: r.frame_index, pred: s.predClass, label: s.gtClass });
  }
  return { file, report: aggregate.classification, metrics: aggregate.metrics, samples: aggregate.samples, unscored: aggregate.unscored, notes: aggregate.notes, frames, framesNotShown: notShown };
}

/**
 * Reads and scores a classifier's prediction file against the dataset at `ds.root` (labels the
 * file lacks are the frames' labels there), for the view: the report and every frame's pair.
 */
export async function scoreClassifierFile(file: string, ds: LeRobotDataset): Promise<PredictionsView> {
  const preds = readPredictionText(await readFile(file, 'utf8'));
  const prepared = await prepareClassifierRecords(preds.records, ds);
  const m = predictionMetrics(preds.records, { kind: 'class', ordinal: prepared.ordinal, task: basename(file) }, preds.lines);
  const notes = [...preds.problems, ...prepared.problems, ...m.aggregate.notes, ...prepared.notes];
  if (preds.unparsable > 0) notes.push(`${preds.unparsable} line(s) of the file could not be parsed and are not in the samples`);
  return predictionsView(file, preds.records, m.samples, { ...m.aggregate, notes });
}

/** Columns every frame has, not worth statistics of their own. */
const BOOKKEEPING = new Set(['episode_index', 'index', 'task_index', 'frame_index']);

/**
 * Per-feature statistics computed from the data files, for a dataset that ships none (no
 * `stats.json`, no `episodes_stats.jsonl`): min / mean / max and the count per component of
 * every numeric feature, in one DuckDB instance that may read those files only.
 */
export async function computeStats(ds: LeRobotDataset): Promise<{ rows: LeRobotStatRow[]; filesRead: number }> {
  const files = dataFiles(ds);
  if (files.length === 0) return { rows: [], filesRead: 0 };
  const { db, conn } = await confinedDuckDb(files, { memoryLimit: '256MB' });
  try {
    const src = `read_parquet([${files.map(sqlString).join(', ')}], union_by_name=true)`;
    const described = (await conn.runAndReadAll(`DESCRIBE SELECT * FROM ${src}`)).getRowObjectsJson();
    const types = new Map(described.map((c) => [c.column_name as string, c.column_type as string]));
    const rows: LeRobotStatRow[] = [];
    for (const f of ds.info.features) {
      const type = types.get(f.key);
      if (!type || BOOKKEEPING.has(f.key) || f.dtype === 'video' || f.dtype === 'image' || f.dtype === 'string') continue;
      const col = `"${f.key.replace(/"/g, '""')}"`;
      const numeric = /^(TINYINT|SMALLINT|INTEGER|BIGINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|FLOAT|DOUBLE|REAL|DECIMAL.*|BOOLEAN)(\[\d*\])?$/.exec(type);
      if (!numeric) continue;
      const vector = numeric[2] !== undefined;
      const sql = vector
        ? `SELECT i, min(v) AS lo, max(v) AS hi, avg(v) AS mean, count(v) AS n FROM (SELECT CAST(unnest(${col}) AS DOUBLE) AS v, generate_subscripts(${col}, 1) AS i FROM ${src}) GROUP BY i ORDER BY i`
        : `SELECT 1 AS i, min(CAST(${col} AS DOUBLE)) AS lo, max(CAST(${col} AS DOUBLE)) AS hi, avg(CAST(${col} AS DOUBLE)) AS mean, count(${col}) AS n FROM ${src}`;
      const res = (await conn.runAndReadAll(sql)).getRowObjectsJson();
      const width = res.length;
      const names = f.names?.length === width ? f.names : Array.from({ length: width }, (_, i) => (vector ? `${f.key}[${i}]` : f.key));
      rows.push({ key: f.key, names, min: res.map((r) => Number(r.lo)), max: res.map((r) => Number(r.hi)), mean: res.map((r) => Number(r.mean)), count: Math.max(0, ...res.map((r) => Number(r.n))) });
    }
    return { rows, filesRead: files.length };
  } finally {
    conn.closeSync();
    db.closeSync();
  }
}
