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
  let min = opts.min ?? (finite.length ? Math.min(...finite) : 0);
  let max = opts.max ?? (finite.length ? Math.max(...finite) : 1);
  if (max <= min) max = min + 1; // a single value (or none): one visible bin, not a division by zero
  if (opts.min === undefined && opts.max === undefined && finite.length && Math.min(...finite) === Math.max(...finite)) min = finite[0] - 0.5;
  const width = (max - min) / n;
  const bins: Bin[] = Array.from({ length: n }, (_, i) => ({ from: min + i * width, to: min + (i + 1) * width, count: 0 }));
  for (const v of finite) {
    if (v < min || v > max) continue;
    bins[Math.min(n - 1, Math.floor((v - min) / width))].count++;
  }
  return { bins, skipped };
}

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
  for (const r of runs) {
    if (r.profile !== profile || r.task !== task || r.status !== 'succeeded') continue;
    const value = metricOf(r, metric);
    if (value === undefined) continue;
    const prev = newest.get(r.checkpoint);
    if (prev && (prev.endedAt ?? '') >= (r.endedAt ?? '')) continue;
    newest.set(r.checkpoint, { runId: r.id, step: r.step, label: r.checkpointName, value, endedAt: r.endedAt });
  }
  return [...newest.values()].sort((a, b) => (a.step ?? Infinity) - (b.step ?? Infinity) || a.label.localeCompare(b.label));
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

export interface Comparison {
  rows: CompareRow[];
  better: number;
  worse: number;
  same: number;
  /** samples in only one of the runs */
  onlyA: number;
  onlyB: number;
  meanA: number;
  meanB: number;
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
