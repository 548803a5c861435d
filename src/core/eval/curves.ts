/**
 * Curves over steps, shared by every metrics reader: the point type, what a metric measures
 * (its chart, so scales never share an axis by accident), thinning for drawing that keeps
 * spikes, and a collector whose memory stays bounded however long the log. Pure.
 */

export interface CurvePoint {
  step: number;
  /** null: the file has NaN / Infinity here (a gap in the line) */
  value: number | null;
}

export interface Curve {
  name: string;
  /** curves in the same group share a chart (what they measure: scales never crush each other) */
  group: 'loss' | 'learningRate' | 'gradNorm' | 'reward' | 'kl' | 'length' | 'eval' | 'other';
  points: CurvePoint[];
  /** points in the file (more than `points` when downsampled for drawing) */
  total: number;
  /** the best point of the whole curve (lowest loss, highest reward…), when the name says which way is better */
  best?: { step: number; value: number; higherIsBetter: boolean };
}

/** Which way is better for a curve: lower for losses, errors, KL; higher for rewards and eval scores; undefined for rates, norms, lengths. */
export function curveDirection(name: string, group: Curve['group']): boolean | undefined {
  if (group === 'loss' || group === 'kl') return false;
  if (/loss|perplexity|error|\bwer\b|\bcer\b|dtw|distance|collision|fde|ade/i.test(name)) return false;
  if (group === 'reward' || group === 'eval') return !/_std$|\/std$|std$/i.test(name) ? true : undefined;
  return undefined;
}

/** The best finite point of a curve, in the given direction. */
export function bestPoint(points: CurvePoint[], higherIsBetter: boolean): { step: number; value: number } | undefined {
  let best: { step: number; value: number } | undefined;
  for (const p of points) {
    if (p.value === null) continue;
    if (!best || (higherIsBetter ? p.value > best.value : p.value < best.value)) best = { step: p.step, value: p.value };
  }
  return best;
}

/**
 * At most `max` points for drawing, keeping each bucket's first, lowest and highest point so
 * spikes (a loss blowing up) survive. Returns the points unchanged when there are few.
 */
export function downsample(points: CurvePoint[], max: number): CurvePoint[] {
  if (points.length <= max || max < 4) return points;
  const buckets = Math.floor(max / 3);
  const size = points.length / buckets;
  const out: CurvePoint[] = [];
  for (let b = 0; b < buckets; b++) {
    const slice = points.slice(Math.floor(b * size), Math.floor((b + 1) * size));
    if (!slice.length) continue;
    const finite = slice.filter((p) => p.value !== null);
    const keep = new Set<CurvePoint>([slice[0]]);
    if (finite.length) {
      keep.add(finite.reduce((a, p) => ((p.value as number) < (a.value as number) ? p : a)));
      keep.add(finite.reduce((a, p) => ((p.value as number) > (a.value as number) ? p : a)));
    }
    const gap = slice.find((p) => p.value === null);
    if (gap) keep.add(gap);
    out.push(...slice.filter((p) => keep.has(p)));
  }
  const lastPoint = points[points.length - 1];
  if (out[out.length - 1] !== lastPoint) out.push(lastPoint);
  return out;
}

export type CurveGroup = Curve['group'];

/** What a metric measures, from its name: its chart. */
export function groupOfMetric(name: string): CurveGroup {
  const n = name.toLowerCase();
  if (/(^|[/_.-])(lr|learning_rate|learning-rate)([/_.-]|$)|^lr-|^lr$/.test(n)) return 'learningRate';
  if (/grad_?norm/.test(n)) return 'gradNorm';
  if (/reward/.test(n)) return 'reward';
  if (/(^|[/_.-])kl([/_.-]|$)|kl_div|kl-div|^kl/.test(n)) return 'kl';
  if (/length|num_tokens|(^|[/_])tokens([/_]|$)/.test(n)) return 'length';
  if (/loss/.test(n)) return 'loss';
  if (/^(eval|val|valid|validation|test)([/_.-]|$)|acc|accuracy|f1|bleu|rouge|cider|score|iou|precision|recall|(^|[/_])map([/_]|$)|perplexity|pdm/.test(n)) return 'eval';
  return 'other';
}

/** Curves collected point by point, thinned as they grow so memory stays bounded. */
export class CurveSet {
  private readonly series = new Map<string, { points: CurvePoint[]; total: number; gaps: number }>();

  constructor(private readonly maxPoints = 2000) {}

  add(name: string, step: number, value: number | null): void {
    let s = this.series.get(name);
    if (!s) {
      s = { points: [], total: 0, gaps: 0 };
      this.series.set(name, s);
    }
    s.points.push({ step, value });
    s.total++;
    if (value === null) s.gaps++;
    // thin as it grows: never more than 4× the points drawn are held
    if (s.points.length > 4 * this.maxPoints) s.points = downsample(s.points, 2 * this.maxPoints);
  }

  get size(): number {
    return this.series.size;
  }

  /** Curves (ordered by group, then name), with a note per thinned or gappy curve. */
  finish(view: { curves: Curve[]; notes: string[] }, groupOf: (name: string) => CurveGroup = groupOfMetric): void {
    const order: CurveGroup[] = ['loss', 'reward', 'kl', 'length', 'eval', 'learningRate', 'gradNorm', 'other'];
    const entries = [...this.series].sort((a, b) => order.indexOf(groupOf(a[0])) - order.indexOf(groupOf(b[0])) || a[0].localeCompare(b[0]));
    for (const [name, s] of entries) {
      const points = downsample(s.points, this.maxPoints);
      const group = groupOf(name);
      const dir = curveDirection(name, group);
      // thinning keeps each stretch's lowest and highest point, so the best one survives it
      const best = dir === undefined ? undefined : bestPoint(s.points, dir);
      view.curves.push({ name, group, points, total: s.total, ...(best && dir !== undefined ? { best: { ...best, higherIsBetter: dir } } : {}) });
      if (points.length < s.total) view.notes.push(`${name}: ${s.total} points, ${points.length} drawn (each stretch keeps its lowest and highest value)`);
      if (s.gaps) view.notes.push(`${name}: ${s.gaps} value(s) are nan or inf (gaps in the line)`);
    }
  }
}

