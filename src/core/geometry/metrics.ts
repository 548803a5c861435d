/**
 * Geometry metrics, as the RoboInter scripts compute them (generation.py, metric_utils.py):
 * IoU without +1, DTW as a sum of Euclidean costs, discrete Fréchet, Hausdorff, RMSE over
 * equal-length trajectories, and the endpoint distance. Pure; shared by the viewer and the
 * eval metrics.
 */
export type Box = [number, number, number, number];
export type Pt = [number, number];

export function iou(a: Box, b: Box): number {
  const ix = Math.max(0, Math.min(a[2], b[2]) - Math.max(a[0], b[0]));
  const iy = Math.max(0, Math.min(a[3], b[3]) - Math.max(a[1], b[1]));
  const inter = ix * iy;
  const area = (r: Box) => Math.max(0, r[2] - r[0]) * Math.max(0, r[3] - r[1]);
  const union = area(a) + area(b) - inter;
  return union > 0 ? inter / union : 0;
}

export function dist(p: Pt, q: Pt): number {
  return Math.hypot(p[0] - q[0], p[1] - q[1]);
}

/** Dynamic time warping: the minimum summed Euclidean cost of a monotone alignment. */
export function dtw(a: Pt[], b: Pt[]): number {
  if (a.length === 0 || b.length === 0) return Infinity;
  const m = b.length;
  let prev = new Float64Array(m + 1).fill(Infinity);
  prev[0] = 0;
  for (let i = 1; i <= a.length; i++) {
    const cur = new Float64Array(m + 1).fill(Infinity);
    for (let j = 1; j <= m; j++) cur[j] = dist(a[i - 1], b[j - 1]) + Math.min(prev[j], cur[j - 1], prev[j - 1]);
    prev = cur;
  }
  return prev[m];
}

/** Discrete Fréchet distance. */
export function frechet(a: Pt[], b: Pt[]): number {
  if (a.length === 0 || b.length === 0) return Infinity;
  const ca: number[][] = a.map(() => new Array<number>(b.length).fill(0));
  for (let i = 0; i < a.length; i++) {
    for (let j = 0; j < b.length; j++) {
      const d = dist(a[i], b[j]);
      if (i === 0 && j === 0) ca[i][j] = d;
      else if (i === 0) ca[i][j] = Math.max(ca[i][j - 1], d);
      else if (j === 0) ca[i][j] = Math.max(ca[i - 1][j], d);
      else ca[i][j] = Math.max(Math.min(ca[i - 1][j], ca[i - 1][j - 1], ca[i][j - 1]), d);
    }
  }
  return ca[a.length - 1][b.length - 1];
}

/** Symmetric Hausdorff distance. */
export function hausdorff(a: Pt[], b: Pt[]): number {
  if (a.length === 0 || b.length === 0) return Infinity;
  const directed = (x: Pt[], y: Pt[]) => Math.max(...x.map((p) => Math.min(...y.map((q) => dist(p, q)))));
  return Math.max(directed(a, b), directed(b, a));
}

/** Root mean squared point distance of two equal-length trajectories (undefined otherwise). */
export function rmse(a: Pt[], b: Pt[]): number | undefined {
  if (a.length !== b.length || a.length === 0) return undefined;
  let s = 0;
  for (let i = 0; i < a.length; i++) s += dist(a[i], b[i]) ** 2;
  return Math.sqrt(s / a.length);
}

/** Distance between the last points. */
export function endpointDistance(a: Pt[], b: Pt[]): number | undefined {
  if (a.length === 0 || b.length === 0) return undefined;
  return dist(a[a.length - 1], b[b.length - 1]);
}
