/**
 * Record statistics (src/core/dataset/recordStats): turns, text per role, media per record,
 * and boxes placed on a 10 × 10 grid only when their coordinates say how: a normalised
 * convention, or pixels with the record's declared size. Counts are computed here from the
 * constructed records, not taken from the code.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GRID, RecordStatsAccumulator, normalisedBox } from '../../src/core/dataset/recordStats';
import type { NormalizedRecord } from '../../src/core/records/model';
import type { RawShape } from '../../src/core/geometry/types';
import { heatLevels } from '../../webview/datasetViewer/statsView';

function rec(turns: Array<[string, string]>, images: number, extra: Partial<NormalizedRecord> = {}): NormalizedRecord {
  return {
    format: 'llava',
    turns: turns.map(([rawRole, text]) => ({ role: rawRole === 'gpt' ? 'assistant' : 'user', rawRole, text, parts: [], segments: [] })),
    images: Array.from({ length: images }, (_, i) => ({ kind: 'image' as const, ref: `${i}.jpg`, path: [] })),
    videos: [],
    notes: [],
    ...extra,
  };
}

function box(values: number[], implied?: RawShape['implied']): RawShape {
  return { kind: 'box', role: 'gt', values, source: { text: '' }, parser: 'test', implied };
}

test('a box is placed from a normalised convention or the declared size, never guessed', () => {
  const r = rec([['human', 'q']], 1);
  assert.deepEqual(normalisedBox(box([100, 200, 300, 400], 'norm1000'), r), [0.1, 0.2, 0.3, 0.4]);
  assert.deepEqual(normalisedBox(box([0.5, 0.5, 0.25, 0.25], 'norm1'), r), [0.25, 0.25, 0.5, 0.5], 'corners in any order');
  assert.equal(normalisedBox(box([10, 10, 50, 50], 'pixel'), r), undefined, 'pixels without a size: not placed');
  assert.deepEqual(normalisedBox(box([64, 48, 128, 96], 'pixel'), rec([['human', 'q']], 1, { declaredSize: { width: 640, height: 480 } })), [0.1, 0.1, 0.2, 0.2]);
  assert.equal(normalisedBox(box([10, 10, 50, 50]), r), undefined, 'no convention: not placed');
  assert.equal(normalisedBox(box([100, 200, 1300, 400], 'norm1000'), r), undefined, 'outside the image: not placed');
  assert.deepEqual(normalisedBox({ ...box([100, 100, 200, 100], 'norm1000'), xywh: true }, r), [0.1, 0.1, 0.3, 0.2]);
});

test('turns, roles, images and boxes are counted as the records hold them', () => {
  const acc = new RecordStatsAccumulator();
  acc.add(rec([['human', 'abcd'], ['gpt', 'ab']], 1), { shapes: [box([0, 0, 50, 50], 'norm1000'), box([920, 920, 1000, 1000], 'norm1000')], ego: [] });
  acc.add(rec([['human', 'abcdef'], ['gpt', 'abcdef'], ['human', 'ab'], ['gpt', 'a']], 2), { shapes: [box([5, 5, 6, 6], 'pixel'), { kind: 'point', role: 'gt', values: [1, 2], source: { text: '' }, parser: 't' }], ego: [] });
  acc.add(rec([['human', 'x']], 0));
  acc.skip();
  const s = acc.result();
  assert.equal(s.records, 3);
  assert.equal(s.skipped, 1);
  assert.deepEqual(s.turns, { min: 1, max: 4, mean: 7 / 3, top: [{ value: 1, count: 1 }, { value: 2, count: 1 }, { value: 4, count: 1 }] });
  assert.deepEqual(s.images.top, [{ value: 0, count: 1 }, { value: 1, count: 1 }, { value: 2, count: 1 }]);
  const human = s.textLength.find((t) => t.role === 'human');
  assert.deepEqual(human, { role: 'human', turns: 4, min: 1, max: 6, mean: (4 + 6 + 2 + 1) / 4 });
  assert.equal(s.shapes.records, 2);
  assert.equal(s.shapes.boxes, 3);
  assert.equal(s.shapes.points, 1);
  assert.equal(s.shapes.placed, 2);
  assert.equal(s.shapes.notPlaced, 1, 'the pixel box of a record without a size');
  assert.equal(s.shapes.heat.length, GRID * GRID);
  assert.equal(s.shapes.heat[0], 1, 'centre (0.025, 0.025): top-left cell');
  assert.equal(s.shapes.heat[GRID * GRID - 1], 1, 'centre (0.96, 0.96): bottom-right cell');
  assert.equal(s.shapes.heat.reduce((a, b) => a + b, 0), 2);
  assert.deepEqual(s.shapes.area.map((b) => b.count), [2, 0, 0, 0, 0, 0], '0.25% and 0.64% of the image: both under 1%');
});

test('image sizes: declared in the record, read from the file, unknown or not read, each counted; the most common sizes first', () => {
  const acc = new RecordStatsAccumulator();
  acc.add(rec([['human', 'q']], 1, { declaredSize: { width: 640, height: 480 } }));
  acc.add(rec([['human', 'q']], 1, { declaredSize: { width: 640, height: 480 } }));
  acc.add(rec([['human', 'q']], 0, { declaredSize: { width: 999, height: 999 } })); // a size without an image: not an image size
  acc.add(rec([['human', 'q']], 1));
  acc.imageSize(1920, 1080, 'read');
  acc.imageSizeUnknown();
  acc.imageSizeNotRead();
  acc.imageSize(0, 10, 'read');
  const z = acc.result().imageSizes;
  assert.equal(z.declared, 2);
  assert.equal(z.read, 1);
  assert.equal(z.unknown, 2, 'an unreadable header, and a zero width');
  assert.equal(z.notRead, 1);
  assert.deepEqual(z.top, [{ width: 640, height: 480, count: 2 }, { width: 1920, height: 1080, count: 1 }]);
  assert.deepEqual([z.width.min, z.width.max, z.height.min, z.height.max], [640, 1920, 480, 1080]);
  assert.equal(z.width.mean, (640 * 2 + 1920) / 3);
});

test('heat map levels: the fullest cell is solid, a cell with one box still seen', () => {
  assert.deepEqual(heatLevels([0, 1, 50, 100]), [0, 0.08, 0.5, 1]);
  assert.deepEqual(heatLevels([0, 0]), [0, 0]);
});
