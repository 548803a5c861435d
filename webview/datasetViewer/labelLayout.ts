/**
 * Where the overlay's labels go: each label has places it may take, in order of preference
 * (a ground-truth box's label above its top edge, a prediction's below its bottom edge, then
 * inside, then at the other corner); each is put at the first place that stays inside the
 * image and overlaps no label placed before it, else where it overlaps least. Pure (Node-tested).
 */

export interface LabelRequest {
  w: number;
  h: number;
  /** top-left corners to try, best first */
  candidates: Array<[number, number]>;
}

interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

const overlap = (a: Rect, b: Rect) => Math.max(0, Math.min(a.x + a.w, b.x + b.w) - Math.max(a.x, b.x)) * Math.max(0, Math.min(a.y + a.h, b.y + b.h) - Math.max(a.y, b.y));

/** Top-left corners for the labels, in the order asked, inside `bounds` where they fit. */
export function placeLabels(requests: LabelRequest[], bounds: { width: number; height: number }): Array<[number, number]> {
  const placed: Rect[] = [];
  return requests.map((r) => {
    let best: Rect | undefined;
    let bestCost = Infinity;
    // the places asked for, then each moved by one to three label heights (a stack of labels)
    const tries = [...r.candidates];
    for (let k = 1; k <= 3; k++) for (const [cx, cy] of r.candidates) tries.push([cx, cy + k * (r.h + 1)], [cx, cy - k * (r.h + 1)]);
    for (const [cx, cy] of tries) {
      const x = Math.max(0, Math.min(cx, bounds.width - r.w));
      const y = Math.max(0, Math.min(cy, bounds.height - r.h));
      const rect = { x, y, w: r.w, h: r.h };
      // moved to stay inside: allowed, but a place that needed no move is better
      const moved = x !== cx || y !== cy ? 0.5 : 0;
      const cost = placed.reduce((n, p) => n + overlap(rect, p), 0) + moved;
      if (cost < bestCost) {
        best = rect;
        bestCost = cost;
        if (cost === 0) break;
      }
    }
    const chosen = best ?? { x: 0, y: 0, w: r.w, h: r.h };
    placed.push(chosen);
    return [chosen.x, chosen.y];
  });
}

/** Places for a box's label of size w×h: outside its top (ground truth) or bottom (prediction) edge first, then inside, then the right corner. */
export function boxLabelCandidates(box: [number, number, number, number], w: number, h: number, below: boolean): Array<[number, number]> {
  const [x1, y1, x2, y2] = box;
  const above: Array<[number, number]> = [
    [x1, y1 - h],
    [x2 - w, y1 - h],
  ];
  const under: Array<[number, number]> = [
    [x1, y2],
    [x2 - w, y2],
  ];
  const inside: Array<[number, number]> = below
    ? [
        [x1, y2 - h],
        [x2 - w, y2 - h],
      ]
    : [
        [x1, y1],
        [x2 - w, y1],
      ];
  return below ? [under[0], ...inside, ...above, under[1]] : [above[0], ...inside, ...under, above[1]];
}

/** Places for a point's label: right of it, left, above, below. */
export function pointLabelCandidates(x: number, y: number, w: number, h: number): Array<[number, number]> {
  return [
    [x + 7, y - h - 2],
    [x - 7 - w, y - h - 2],
    [x + 7, y + 4],
    [x - 7 - w, y + 4],
  ];
}
