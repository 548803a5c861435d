/**
 * Pairs predicted shapes with ground-truth shapes of the same kind and scores each pair:
 * boxes by IoU, trajectories by DTW and endpoint distance, points by distance (pixels).
 * Pairing: by label when both have one, else in order, else best match.
 */
import { dist, dtw, endpointDistance, iou, type Box, type Pt } from './metrics';
import type { PixelShape } from './types';

export type Comparison =
  | { kind: 'box'; pred: number; gt: number; iou: number }
  | { kind: 'trajectory'; pred: number; gt: number; dtw: number; endpoint?: number }
  | { kind: 'point'; pred: number; gt: number; distance: number };

/** `shapes` indices of pairs (pred, gt) and their scores. */
export function compareShapes(shapes: PixelShape[]): Comparison[] {
  const out: Comparison[] = [];
  for (const kind of ['box', 'trajectory', 'point'] as const) {
    const preds = shapes.map((s, i) => ({ s, i })).filter((x) => x.s.kind === kind && x.s.role === 'pred');
    const gts = shapes.map((s, i) => ({ s, i })).filter((x) => x.s.kind === kind && x.s.role === 'gt');
    if (preds.length === 0 || gts.length === 0) continue;
    const score = (p: PixelShape, g: PixelShape): Comparison => {
      if (kind === 'box') return { kind, pred: -1, gt: -1, iou: iou(p.pixels as Box, g.pixels as Box) };
      if (kind === 'trajectory') return { kind, pred: -1, gt: -1, dtw: dtw(p.pixels as Pt[], g.pixels as Pt[]), endpoint: endpointDistance(p.pixels as Pt[], g.pixels as Pt[]) };
      return { kind, pred: -1, gt: -1, distance: dist(p.pixels as Pt, g.pixels as Pt) };
    };
    const used = new Set<number>();
    preds.forEach((p, order) => {
      let match = p.s.label ? gts.find((g) => !used.has(g.i) && g.s.label === p.s.label) : undefined;
      if (!match && preds.length === gts.length) match = gts[order];
      if (!match) {
        // best remaining match: highest IoU / smallest distance
        const better = (a: Comparison, b: Comparison) => (a.kind === 'box' && b.kind === 'box' ? a.iou > b.iou : a.kind === 'trajectory' && b.kind === 'trajectory' ? a.dtw < b.dtw : a.kind === 'point' && b.kind === 'point' ? a.distance < b.distance : false);
        let best: Comparison | undefined;
        for (const g of gts) {
          if (used.has(g.i)) continue;
          const c = score(p.s, g.s);
          if (!best || better(c, best)) {
            best = c;
            match = g;
          }
        }
      }
      if (!match) return;
      used.add(match.i);
      out.push({ ...score(p.s, match.s), pred: p.i, gt: match.i });
    });
  }
  return out;
}
