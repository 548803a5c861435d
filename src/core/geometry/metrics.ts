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

/**
 * Trajectories longer than this are resampled before the O(n·m) metrics (DTW, Fréchet,
 * Hausdorff): 2,000 × 2,000 points is 4 million steps, well under a second; 10,000 × 10,000
 * would be 100 million per metric.
 */
export const MAX_TRAJECTORY_POINTS = 2000;

/**
 * At most `max` points, chosen evenly along the trajectory's points with both ends kept;
 * `from` is the original length when it was resampled.
 */
export function boundTrajectory(pts: Pt[], max = MAX_TRAJECTORY_POINTS): { points: Pt[]; from?: number } {
  if (pts.length <= max) return { points: pts };
  const out: Pt[] = new Array<Pt>(max);
  const step = (pts.length - 1) / (max - 1);
  for (let i = 0; i < max; i++) out[i] = pts[Math.round(i * step)];
  return { points: out, from: pts.length };
}

/** Why a box cannot be compared: inverted, zero-area or not finite; undefined when it can. */
export function boxProblem(b: Box): string | undefined {
  if (!b.every((v) => Number.isFinite(v))) return 'has a coordinate that is not a finite number';
  if (b[2] < b[0] || b[3] < b[1]) return `is inverted (x2 < x1 or y2 < y1: [${b.join(', ')}])`;
  if (b[2] === b[0] || b[3] === b[1]) return `has zero area ([${b.join(', ')}])`;
  return undefined;
}

/** Dynamic time warping: the minimum summed Euclidean cost of a monotone alignment (two rows). */
export function dtw(a: Pt[], b: Pt[]): number {
  if (a.length === 0 || b.length === 0) return Infinity;
  const m = b.length;
  let prev = new Float64Array(m + 1).fill(Infinity);
  let cur = new Float64Array(m + 1);
  prev[0] = 0;
  for (let i = 1; i <= a.length; i++) {
    cur[0] = Infinity;
    const p = a[i - 1];
    for (let j = 1; j <= m; j++) {
      const q = b[j - 1];
      const dx = p[0] - q[0];
      const dy = p[1] - q[1];
      cur[j] = Math.sqrt(dx * dx + dy * dy) + Math.min(prev[j], cur[j - 1], prev[j - 1]);
    }
    [prev, cur] = [cur, prev];
  }
  return prev[m];
}

/** Discrete Fréchet distance (two rows). */
export function frechet(a: Pt[], b: Pt[]): number {
  if (a.length === 0 || b.length === 0) return Infinity;
  const m = b.length;
  let prev = new Float64Array(m);
  let cur = new Float64Array(m);
  for (let i = 0; i < a.length; i++) {
    const p = a[i];
    for (let j = 0; j < m; j++) {
      const dx = p[0] - b[j][0];
      const dy = p[1] - b[j][1];
      const d = Math.sqrt(dx * dx + dy * dy);
      if (i === 0 && j === 0) cur[j] = d;
      else if (i === 0) cur[j] = Math.max(cur[j - 1], d);
      else if (j === 0) cur[j] = Math.max(prev[j], d);
      else cur[j] = Math.max(Math.min(prev[j], prev[j - 1], cur[j - 1]), d);
    }
    [prev, cur] = [cur, prev];
  }
  return prev[m - 1];
}

/** Symmetric Hausdorff distance (loops: no argument spreading of unbounded arrays). */
export function hausdorff(a: Pt[], b: Pt[]): number {
  if (a.length === 0 || b.length === 0) return Infinity;
  const directed = (x: Pt[], y: Pt[]) => {
    let worst = 0;
    for (const p of x) {
      let best = Infinity;
      for (const q of y) {
        const dx = p[0] - q[0];
        const dy = p[1] - q[1];
        const d = Math.sqrt(dx * dx + dy * dy);
        if (d < best) best = d;
        if (best <= worst) break; // cannot raise the maximum any more
      }
      if (best > worst) worst = best;
    }
    return worst;
  };
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

/**
 * Average and final displacement errors (ADE / FDE) of two trajectories sampled at the same
 * times: the mean and the last of the pointwise distances. Undefined when the lengths differ
 * (the waypoints would not be at the same times).
 */
export function displacement(a: Pt[], b: Pt[]): { ade: number; fde: number } | undefined {
  if (a.length === 0 || a.length !== b.length) return undefined;
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += dist(a[i], b[i]);
  return { ade: sum / a.length, fde: dist(a[a.length - 1], b[b.length - 1]) };
}
