/**
 * Shaping run results for the eval panels: score histograms, a metric across checkpoint
 * steps, per-sample comparison of two runs, sample ordering and CSV. Pure.
 */
import type { SampleResult } from './predictionMetrics';
import type { RunRecord } from './runs';

export interface Bin {
  from: number;
  to: number;
  count: number;
}

/**
 * Equal-width bins over [min, max] (IoU: [0, 1] in `bins` steps); the last bin is closed
 * so the maximum is counted. Non-finite scores are left out (and counted in `skipped`).
 */
export function histogram(values: number[], opts: { bins?: number; min?: number; max?: number } = {}): { bins: Bin[]; skipped: number } {
  const finite = values.filter((v) => Number.isFinite(v));
  const skipped = values.length - finite.length;
  const n = Math.max(1, opts.bins ?? 10);
  // loops, not Math.min(...spread): 100k+ samples would overflow the call stack
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of finite) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  let min = opts.min ?? (finite.length ? lo : 0);
  let max = opts.max ?? (finite.length ? hi : 1);
  if (max <= min) max = min + 1; // a single value (or none): one visible bin, not a division by zero
  if (opts.min === undefined && opts.max === undefined && finite.length && lo === hi) min = finite[0] - 0.5;
  const width = (max - min) / n;
  const bins: Bin[] = Array.from({ length: n }, (_, i) => ({ from: min + i * width, to: min + (i + 1) * width, count: 0 }));
  for (const v of finite) {
    if (v < min || v > max) continue;
    bins[Math.min(n - 1, Math.floor((v - min) / width))].count++;
  }
  return { bins, skipped };
}

/** Checkpoints in order of step; those without a step last, by name. */
const byStep = (a: { step?: number; label: string }, b: { step?: number; label: string }) => (a.step ?? Infinity) - (b.step ?? Infinity) || a.label.localeCompare(b.label);

/** Runs newest first (by when they ended, else when they were queued). */
const newestFirst = (a: Pick<RunRecord, 'endedAt' | 'queuedAt'>, b: Pick<RunRecord, 'endedAt' | 'queuedAt'>) => (b.endedAt ?? b.queuedAt).localeCompare(a.endedAt ?? a.queuedAt);

export interface StepPoint {
  runId: string;
  step?: number;
  label: string;
  value: number;
  endedAt?: string;
}

/**
 * One metric of one profile and task across checkpoints: the newest successful run per
 * checkpoint, ordered by step (runs without a step after, by name).
 */
export function stepSeries(runs: RunRecord[], profile: string, task: string | undefined, metric: string): StepPoint[] {
  const newest = new Map<string, StepPoint>();
  const counted = runsWithResults(runs);
  for (const r of runs) {
    if (r.profile !== profile || r.task !== task || !counted.has(r.id)) continue;
    const value = metricOf(r, metric);
    if (value === undefined) continue;
    const prev = newest.get(r.checkpoint);
    if (prev && (prev.endedAt ?? '') >= (r.endedAt ?? '')) continue;
    newest.set(r.checkpoint, { runId: r.id, step: r.step, label: r.checkpointName, value, endedAt: r.endedAt });
  }
  return [...newest.values()].sort(byStep);
}

/** A metric of a run: from the computed results first, then from the output. */
export function metricOf(r: RunRecord, metric: string): number | undefined {
  for (const res of r.results) {
    const v = res.aggregate?.metrics[metric];
    if (v !== undefined && Number.isFinite(v)) return v;
  }
  const m = r.logMetrics.find((x) => x.name === metric && (x.task === undefined || x.task === r.task));
  return m && Number.isFinite(m.value) ? m.value : undefined;
}

export interface CompareRow {
  id: string;
  /** the sample's index in run B (to open it) and in run A */
  indexA?: number;
  indexB?: number;
  a?: number;
  b?: number;
  /** b - a */
  delta?: number;
  /** better / worse / same in the metric's direction; missing when either side is unscored */
  change?: 'better' | 'worse' | 'same';
}

/** How two scorings of the same items compare: counts in the metric's direction and the means over the items in both. */
export interface CompareCounts {
  better: number;
  worse: number;
  same: number;
  /** items in only one of the two */
  onlyA: number;
  onlyB: number;
  meanA: number;
  meanB: number;
}

export interface Comparison extends CompareCounts {
  rows: CompareRow[];
  meanDelta: number;
}

/** Per-sample comparison of two runs of the same task, joined by id (by index when ids are missing). */
export function compareSamples(a: SampleResult[], b: SampleResult[], higherIsBetter: boolean, eps = 1e-9): Comparison {
  const key = (s: SampleResult) => s.id ?? `#${s.index}`;
  const byA = new Map(a.map((s) => [key(s), s]));
  const rows: CompareRow[] = [];
  const seen = new Set<string>();
  let better = 0;
  let worse = 0;
  let same = 0;
  const deltas: number[] = [];
  const as: number[] = [];
  const bs: number[] = [];
  for (const sb of b) {
    const id = key(sb);
    seen.add(id);
    const sa = byA.get(id);
    const row: CompareRow = { id, indexA: sa?.index, indexB: sb.index, a: sa?.score, b: sb.score };
    if (row.a !== undefined && Number.isFinite(row.a)) as.push(row.a);
    if (row.b !== undefined && Number.isFinite(row.b)) bs.push(row.b);
    if (row.a !== undefined && row.b !== undefined && Number.isFinite(row.a) && Number.isFinite(row.b)) {
      row.delta = row.b - row.a;
      deltas.push(row.delta);
      const gain = higherIsBetter ? row.delta : -row.delta;
      row.change = Math.abs(row.delta) <= eps ? 'same' : gain > 0 ? 'better' : 'worse';
      if (row.change === 'better') better++;
      else if (row.change === 'worse') worse++;
      else same++;
    }
    rows.push(row);
  }
  const onlyA = a.filter((s) => !seen.has(key(s))).length;
  const mean = (xs: number[]) => (xs.length ? xs.reduce((x, y) => x + y, 0) / xs.length : NaN);
  return { rows, better, worse, same, onlyA, onlyB: rows.filter((r) => r.indexA === undefined).length, meanA: mean(as), meanB: mean(bs), meanDelta: mean(deltas) };
}

export type SampleOrder = 'worst' | 'best' | 'file';

/** Sample positions in display order: worst first means lowest IoU / highest DTW first; unscored last. */
export function orderSamples(samples: SampleResult[], order: SampleOrder, higherIsBetter: boolean): number[] {
  const idx = samples.map((_, i) => i);
  if (order === 'file') return idx;
  const sign = (order === 'worst') === higherIsBetter ? 1 : -1;
  return idx.sort((i, j) => {
    const a = samples[i].score;
    const b = samples[j].score;
    const fa = a !== undefined && Number.isFinite(a);
    const fb = b !== undefined && Number.isFinite(b);
    if (!fa || !fb) return fa === fb ? i - j : fa ? -1 : 1;
    return sign * (a - b) || i - j;
  });
}

/** RFC 4180 CSV: fields with a comma, quote or line break are quoted. */
export function toCsv(header: string[], rows: Array<Array<string | number | undefined>>): string {
  const cell = (v: string | number | undefined) => {
    const s = v === undefined ? '' : typeof v === 'number' ? (Number.isFinite(v) ? String(v) : '') : v;
    return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return [header, ...rows].map((r) => r.map(cell).join(',')).join('\r\n') + '\r\n';
}

/** Whether a higher value of a metric named like this is better (losses and distances are not). */
export function higherIsBetterByName(name: string): boolean {
  return !/dtw|distance|loss|error|rmse|mae|mse|frechet|hausdorff|endpoint|perplexity|\bwer\b|\bcer\b|runtime/i.test(name);
}

/** One task's headline number, from a run or a results file. */
export interface TaskReading {
  task: string;
  metric: string;
  value: number;
  higherIsBetter: boolean;
}

/** The metric read from a log for a task when nothing was computed: these first, else the first one. */
const HEADLINE = ['mean_iou', 'mean_dtw', 'accuracy', 'exact_match', 'score'];

/**
 * A run's headline number per task: the computed primary metric, and for tasks only the
 * output reports, the first of mean IoU / mean DTW / accuracy it printed.
 */
export function taskReadings(r: Pick<RunRecord, 'task' | 'results' | 'logMetrics'>): TaskReading[] {
  const out: TaskReading[] = [];
  for (const res of r.results) {
    const a = res.aggregate;
    if (!a) continue;
    const value = a.metrics[a.primary];
    if (value !== undefined && Number.isFinite(value)) out.push({ task: a.task || r.task || '', metric: a.primary, value, higherIsBetter: a.higherIsBetter });
  }
  return [...out, ...headlineReadings(barReadings(r.logMetrics, r.task ?? '')).filter((x) => !out.some((o) => o.task === x.task))];
}

/**
 * Metric readings (a log, a results file) as bar readings, the direction read from the
 * name. Non-finite values are left out, and so is generation.py's "Average Score": it
 * averages IoUs, pixel distances and accuracies together.
 */
export function barReadings(readings: Array<{ task?: string; name: string; value: number }>, defaultTask = ''): TaskReading[] {
  return readings.filter((m) => m.name !== 'average_score' && Number.isFinite(m.value)).map((m) => ({ task: m.task ?? defaultTask, metric: m.name, value: m.value, higherIsBetter: higherIsBetterByName(m.name) }));
}

/** The headline reading per task: the first of HEADLINE that is there, else the task's first reading. */
function headlineReadings(readings: TaskReading[]): TaskReading[] {
  const byTask = new Map<string, TaskReading[]>();
  for (const m of readings) byTask.set(m.task, [...(byTask.get(m.task) ?? []), m]);
  return [...byTask.values()].map((ms) => HEADLINE.map((n) => ms.find((x) => x.metric === n)).find((x) => x !== undefined) ?? ms[0]);
}

export interface BarSeries {
  key: string;
  label: string;
  step?: number;
  runIds: string[];
  /** one per category; null where the series has no value */
  values: Array<number | null>;
}

/** Bars on one axis: "score" (higher is better, all in [0, 1]), "error" (lower is better) or "other". */
export interface BarGroup {
  scale: 'score' | 'error' | 'other';
  categories: Array<{ task: string; metric: string }>;
  series: BarSeries[];
}

/**
 * Per-task bars: one series per source (a checkpoint, a file), one bar per task's headline
 * metric, grouped so that a chart never mixes IoUs with pixel distances.
 */
export function barGroups(sources: Array<{ key: string; label: string; step?: number; runIds: string[]; readings: TaskReading[] }>): BarGroup[] {
  const cats = new Map<string, { task: string; metric: string; higherIsBetter: boolean; values: number[] }>();
  for (const s of sources)
    for (const r of s.readings) {
      const k = `${r.task}\u0000${r.metric}`;
      const c = cats.get(k) ?? { task: r.task, metric: r.metric, higherIsBetter: r.higherIsBetter, values: [] };
      c.values.push(r.value);
      cats.set(k, c);
    }
  const scaleOf = (c: { higherIsBetter: boolean; values: number[] }): BarGroup['scale'] => (!c.higherIsBetter ? 'error' : c.values.every((v) => v >= 0 && v <= 1) ? 'score' : 'other');
  const groups: BarGroup[] = [];
  for (const scale of ['score', 'error', 'other'] as const) {
    const categories = [...cats.values()].filter((c) => scaleOf(c) === scale).sort((a, b) => a.task.localeCompare(b.task) || a.metric.localeCompare(b.metric));
    if (!categories.length) continue;
    groups.push({
      scale,
      categories: categories.map((c) => ({ task: c.task, metric: c.metric })),
      series: sources.map((s) => ({
        key: s.key,
        label: s.label,
        step: s.step,
        runIds: s.runIds,
        values: categories.map((c) => s.readings.find((r) => r.task === c.task && r.metric === c.metric)?.value ?? null),
      })),
    });
  }
  return groups;
}

/** The chosen runs as per-task bars, one series per checkpoint (newest run per checkpoint and task), ordered by step. */
export function taskBars(runs: RunRecord[], ids: string[]): BarGroup[] {
  const chosen = new Set(ids);
  const byCheckpoint = new Map<string, { label: string; step?: number; runs: RunRecord[] }>();
  for (const r of runs) {
    if (!chosen.has(r.id)) continue;
    const e = byCheckpoint.get(r.checkpoint) ?? { label: r.checkpointName, step: r.step, runs: [] };
    e.runs.push(r);
    byCheckpoint.set(r.checkpoint, e);
  }
  const sources = [...byCheckpoint].map(([key, e]) => {
    const readings: TaskReading[] = [];
    // newest first, so the first reading of a task is the newest run's
    for (const r of [...e.runs].sort(newestFirst))
      for (const x of taskReadings(r)) if (!readings.some((y) => y.task === x.task && y.metric === x.metric)) readings.push(x);
    return { key, label: e.label, step: e.step, runIds: e.runs.map((r) => r.id), readings };
  });
  sources.sort(byStep);
  return barGroups(sources);
}

/** The runs the bar chart can show for a selected run: its profile's runs that hold a result (and itself), newest first. */
export function barCandidates(runs: RunRecord[], selected: RunRecord): RunRecord[] {
  const counted = runsWithResults(runs);
  return runs.filter((r) => r.profile === selected.profile && (counted.has(r.id) || r.id === selected.id)).sort(newestFirst);
}

/**
 * The runs whose results count in charts: every successful run; a skipped run (its script
 * found its outputs and evaluated nothing) stands for its checkpoint and task only when its
 * profile has no successful run of them, and only the newest such, so a re-run never draws
 * the same result twice. Linear in the runs.
 */
export function runsWithResults(runs: RunRecord[]): Set<string> {
  const key = (r: RunRecord) => `${r.profile}\u0000${r.checkpoint}\u0000${r.task ?? ''}`;
  const succeeded = new Set<string>();
  const newestSkipped = new Map<string, RunRecord>();
  const ids = new Set<string>();
  for (const r of runs) {
    if (r.status === 'succeeded') {
      succeeded.add(key(r));
      ids.add(r.id);
    } else if (r.status === 'skipped') {
      const prev = newestSkipped.get(key(r));
      if (!prev || prev.queuedAt < r.queuedAt) newestSkipped.set(key(r), r);
    }
  }
  for (const [k, r] of newestSkipped) if (!succeeded.has(k)) ids.add(r.id);
  return ids;
}

/**
 * The runs the bar chart starts with: of the selected run's profile, the newest successful
 * run per checkpoint and task, for the selected checkpoint and the `checkpoints - 1` other
 * checkpoints evaluated most recently.
 */
export function defaultBarRuns(runs: RunRecord[], selected: RunRecord, checkpoints = 4): string[] {
  const ok = barCandidates(runs, selected);
  const order = [selected.checkpoint, ...ok.map((r) => r.checkpoint)].filter((c, i, all) => all.indexOf(c) === i).slice(0, checkpoints);
  const seen = new Set<string>();
  const ids: string[] = [];
  for (const r of [selected, ...ok]) {
    const k = `${r.checkpoint}\u0000${r.task ?? ''}`;
    if (!order.includes(r.checkpoint) || seen.has(k)) continue;
    seen.add(k);
    ids.push(r.id);
  }
  return ids;
}

export interface ErrorCurve {
  metric: string;
  /** samples with a value */
  n: number;
  p50: number;
  p90: number;
  max: number;
  /** share of samples (0–1) whose error is at most x */
  points: Array<{ x: number; y: number }>;
}

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: number[], q: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

/**
 * How per-sample errors are distributed (a cumulative curve per metric on a shared x grid
 * from 0 to the largest error, so curves of different metrics read against each other).
 */
export function errorDistribution(samples: SampleResult[], metrics: string[], gridPoints = 101): ErrorCurve[] {
  const sorted = metrics.map((m) => samples.flatMap((s) => (s.metrics[m] !== undefined && Number.isFinite(s.metrics[m]) ? [s.metrics[m]] : [])).sort((a, b) => a - b));
  const top = Math.max(0, ...sorted.map((v) => v[v.length - 1] ?? 0));
  const n = Math.max(2, gridPoints);
  const grid = Array.from({ length: n }, (_, i) => (top * i) / (n - 1));
  const atMost = (v: number[], x: number) => {
    let lo = 0;
    let hi = v.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (v[mid] <= x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  return metrics.flatMap((metric, i) => {
    const v = sorted[i];
    if (!v.length) return [];
    return [{ metric, n: v.length, p50: percentile(v, 0.5), p90: percentile(v, 0.9), max: v[v.length - 1], points: grid.map((x) => ({ x, y: atMost(v, x) / v.length })) }];
  });
}

/** A score a record got in one run. */
export interface RecordScore {
  runId: string;
  checkpointName: string;
  step?: number;
  task?: string;
  profile: string;
  metric: string;
  score?: number;
  higherIsBetter: boolean;
  endedAt?: string;
  note?: string;
  /** "file": this file is the run's prediction file (matched by position); "id": matched by the record's id */
  via: 'file' | 'id';
}

/** The runs that can have scored the records of `file`, newest first: it is their prediction file or eval input, or they share a task with such a run. */
export function runsForFile(runs: RunRecord[], file: string): Array<{ run: RunRecord; via: 'file' | 'id' }> {
  const direct = runs.filter((r) => r.results.some((x) => x.predictionsFile === file));
  const related = new Set(direct.map((r) => `${r.profile}\u0000${r.task ?? ''}`));
  const out: Array<{ run: RunRecord; via: 'file' | 'id' }> = [];
  // a re-run that reused an earlier run's predictions is not a second score
  const counted = runsWithResults(runs);
  for (const r of runs) {
    if (!r.results.some((x) => x.samplesFile) || (r.status === 'skipped' && !counted.has(r.id))) continue;
    if (direct.includes(r)) out.push({ run: r, via: 'file' });
    else if (r.dataset === file || related.has(`${r.profile}\u0000${r.task ?? ''}`)) out.push({ run: r, via: 'id' });
  }
  return out.sort((a, b) => newestFirst(a.run, b.run));
}

/** Scores of one file's records across runs, looked up by record position or id; built one run at a time. */
export class RecordScoreIndex {
  private readonly byIndex = new Map<number, RecordScore[]>();
  private readonly byId = new Map<string, RecordScore[]>();

  add(run: RunRecord, samples: SampleResult[], via: 'file' | 'id'): void {
    const agg = run.results.find((r) => r.aggregate)?.aggregate;
    for (const s of samples) {
      const score: RecordScore = { runId: run.id, checkpointName: run.checkpointName, step: run.step, task: run.task ?? agg?.task, profile: run.profile, metric: agg?.primary ?? 'score', score: s.score, higherIsBetter: agg?.higherIsBetter ?? true, endedAt: run.endedAt, note: s.note, via };
      if (via === 'file') this.byIndex.set(s.index, [...(this.byIndex.get(s.index) ?? []), score]);
      else if (s.id !== undefined) this.byId.set(s.id, [...(this.byId.get(s.id) ?? []), score]);
    }
  }

  /** The record's scores (by position and by id), newest run first. */
  lookup(index: number, id: string | undefined): RecordScore[] {
    const direct = this.byIndex.get(index) ?? [];
    const byId = id === undefined ? [] : (this.byId.get(id) ?? []);
    return [...direct, ...byId].sort((a, b) => (b.endedAt ?? '').localeCompare(a.endedAt ?? ''));
  }
}

/** A run's headline metric (its first task's), for a one-line summary; undefined when nothing was scored. */
export function headlineOf(r: Pick<RunRecord, 'task' | 'results' | 'logMetrics'>): { name: string; value: number } | undefined {
  const t = taskReadings(r)[0];
  return t ? { name: t.metric, value: t.value } : undefined;
}

/** A run's headline metric as one short text ("mean_iou 0.6120"); undefined when nothing was scored. */
export function headlineText(r: Pick<RunRecord, 'task' | 'results' | 'logMetrics'>): string | undefined {
  const h = headlineOf(r);
  return h ? `${h.name} ${formatMetricValue(h.value)}` : undefined;
}

/** A metric value as the summaries print it: 4 decimals below 1, 3 below 100, 1 above. */
export function formatMetricValue(v: number): string {
  if (!Number.isFinite(v)) return '–';
  if (Number.isInteger(v)) return String(v);
  return Math.abs(v) >= 100 ? v.toFixed(1) : Math.abs(v) >= 1 ? v.toFixed(3) : v.toFixed(4);
}
