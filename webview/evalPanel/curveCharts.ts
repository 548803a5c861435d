/**
 * What the Eval panel draws for a file's curves, as plain data (no DOM, no chart.js), so it
 * is tested in Node: one chart per group (what the curves measure), the selected file's
 * curves and those of the files overlaid on it (one colour per file when files are overlaid,
 * one per curve otherwise), a TensorBoard-style smoothing (a debiased exponential moving
 * average; the raw line is kept, faint), and the best point of each curve.
 */
import type { MetricsFileView } from '../../src/protocol/evalPanel';

type Curve = MetricsFileView['curves'][number];
export type CurveGroup = Curve['group'];
export type XY = { x: number; y: number | null };

/** The order of the charts. */
export const GROUP_ORDER: CurveGroup[] = ['loss', 'reward', 'kl', 'length', 'eval', 'learningRate', 'gradNorm', 'other'];

/**
 * TensorBoard's smoothing: an exponential moving average with weight `w` in [0, 1), debiased
 * so the first points are not pulled towards 0. Gaps (null) stay gaps and do not reset it.
 */
export function smooth(points: XY[], w: number): XY[] {
  if (!(w > 0)) return points;
  const weight = Math.min(w, 0.999);
  let last = 0;
  let n = 0;
  return points.map((p) => {
    if (p.y === null || !Number.isFinite(p.y)) return p;
    last = last * weight + (1 - weight) * p.y;
    n++;
    return { x: p.x, y: last / (1 - weight ** n) };
  });
}

export interface SeriesSpec {
  /** legend label: the curve, or `file · curve` when files are overlaid */
  label: string;
  points: XY[];
  /** palette index */
  colour: number;
  /** dash pattern index (0: solid): tells curves of one file apart when colours mean files */
  dash: number;
  /** the curve's best point, said under the chart */
  best?: Curve['best'];
}

export interface ChartSpec {
  group: CurveGroup;
  series: SeriesSpec[];
  /** every value is positive and they span more than 100×: a log axis is offered by default */
  logByDefault: boolean;
}

/** One chart per group present, with the selected file's curves and the overlaid files'. */
export function curveCharts(file: { name: string; curves: Curve[] }, overlays: Array<{ name: string; curves: Curve[] }> = []): ChartSpec[] {
  const sources = [file, ...overlays];
  const byFile = overlays.length > 0;
  const out: ChartSpec[] = [];
  for (const group of GROUP_ORDER) {
    const series: SeriesSpec[] = [];
    sources.forEach((src, fi) => {
      src.curves
        .filter((c) => c.group === group)
        .forEach((c, ci) => {
          series.push({
            label: byFile ? `${src.name} · ${c.name}` : c.name,
            points: c.points.map((p) => ({ x: p.step, y: p.value })),
            colour: byFile ? fi : ci,
            dash: byFile ? ci : 0,
            best: c.best,
          });
        });
    });
    if (!series.length) continue;
    let lo = Infinity;
    let hi = -Infinity;
    let positive = true;
    for (const s of series)
      for (const p of s.points) {
        if (p.y === null) continue;
        if (p.y <= 0) positive = false;
        lo = Math.min(lo, p.y);
        hi = Math.max(hi, p.y);
      }
    out.push({ group, series, logByDefault: group !== 'learningRate' && positive && lo < Infinity && hi / lo > 100 });
  }
  return out;
}
