/**
 * Overlay labels never cover each other and stay on the image (webview/datasetViewer/labelLayout.ts,
 * run in Node): the case users met was a gt and a pred box sharing a corner at the top of a
 * small image, whose labels were drawn over one another ("gt ntact_bbox").
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { boxLabelCandidates, placeLabels, pointLabelCandidates } from '../../webview/datasetViewer/labelLayout';

type R = { x: number; y: number; w: number; h: number };
const overlaps = (a: R, b: R) => a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;

test('two boxes at the top edge of the image: both labels inside the image, neither over the other', () => {
  const bounds = { width: 320, height: 180 };
  const gt = [10, 2, 150, 90] as [number, number, number, number];
  const pred = [12, 3, 152, 92] as [number, number, number, number];
  const reqs = [
    { w: 100, h: 15, candidates: boxLabelCandidates(gt, 100, 15, false) },
    { w: 110, h: 15, candidates: boxLabelCandidates(pred, 110, 15, true) },
    { w: 90, h: 15, candidates: boxLabelCandidates([12, 2, 150, 91], 90, 15, false) },
  ];
  const at = placeLabels(reqs, bounds);
  const rects = at.map(([x, y], i) => ({ x, y, w: reqs[i].w, h: reqs[i].h }));
  for (const r of rects) assert.ok(r.x >= 0 && r.y >= 0 && r.x + r.w <= bounds.width && r.y + r.h <= bounds.height, JSON.stringify(r));
  for (let i = 0; i < rects.length; i++) for (let j = i + 1; j < rects.length; j++) assert.ok(!overlaps(rects[i], rects[j]), `labels ${i} and ${j} overlap: ${JSON.stringify([rects[i], rects[j]])}`);
  // a gt label with room above its box sits above it; a pred label below its box
  const roomy = placeLabels([{ w: 60, h: 15, candidates: boxLabelCandidates([50, 60, 120, 100], 60, 15, false) }, { w: 60, h: 15, candidates: boxLabelCandidates([52, 62, 122, 102], 60, 15, true) }], bounds);
  assert.deepEqual(roomy, [
    [50, 45],
    [52, 102],
  ]);
});

test('a point’s label goes right of it, or left when the right is taken or off the image', () => {
  const at = placeLabels([{ w: 40, h: 15, candidates: pointLabelCandidates(300, 90, 40, 15) }], { width: 320, height: 180 });
  assert.deepEqual(at, [[253, 73]], 'no room on the right: on the left');
  const two = placeLabels(
    [
      { w: 40, h: 15, candidates: pointLabelCandidates(100, 90, 40, 15) },
      { w: 40, h: 15, candidates: pointLabelCandidates(102, 92, 40, 15) },
    ],
    { width: 320, height: 180 },
  );
  assert.notDeepEqual(two[0], two[1]);
  assert.ok(!overlaps({ x: two[0][0], y: two[0][1], w: 40, h: 15 }, { x: two[1][0], y: two[1][1], w: 40, h: 15 }));
});
