/** Data shaping for the eval panels: histogram bins, step series, run comparison, order, CSV. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareSamples, histogram, orderSamples, stepSeries, toCsv } from '../../src/core/eval/shaping';
import type { SampleResult } from '../../src/core/eval/predictionMetrics';
import type { RunRecord } from '../../src/core/eval/runs';

const sample = (index: number, score: number | undefined, id?: string): SampleResult => ({ index, id, score, kind: 'box', metrics: {}, predText: '', gtText: '' });

test('histogram: IoU in ten bins over [0, 1], the maximum counted in the last bin, NaN skipped', () => {
  const h = histogram([0, 0.05, 0.1, 0.55, 1, 1, NaN], { bins: 10, min: 0, max: 1 });
  assert.deepEqual(h.bins.map((b) => b.count), [2, 1, 0, 0, 0, 1, 0, 0, 0, 2]);
  assert.equal(h.skipped, 1);
  assert.ok(Math.abs(h.bins[1].from - 0.1) < 1e-12);
  const one = histogram([7]);
  assert.equal(one.bins.reduce((n, b) => n + b.count, 0), 1, 'a single value is counted, not divided by zero');
  assert.equal(histogram([]).bins.length, 10);
});

const run = (id: string, checkpoint: string, step: number | undefined, value: number, extra: Partial<RunRecord> = {}): RunRecord => ({
  version: 1, id, profile: 'p', checkpoint: `/c/${checkpoint}`, checkpointName: checkpoint, step, task: 't', argv: [], cwd: '/', status: 'succeeded', queuedAt: id, endedAt: id, log: 'run.log', logMetrics: [],
  results: [{ task: 't', aggregate: { task: 't', kind: 'box', samples: 1, unscored: 0, unparsed: 0, metrics: { mean_iou: value }, primary: 'mean_iou', higherIsBetter: true, notes: [] } }],
  ...extra,
});

test('step series: the newest successful run per checkpoint, ordered by step', () => {
  const s = stepSeries([
    run('3', 'checkpoint-3000', 3000, 0.6),
    run('1', 'checkpoint-1000', 1000, 0.4),
    run('2', 'checkpoint-1000', 1000, 0.45),
    run('4', 'final', undefined, 0.7),
    run('5', 'checkpoint-2000', 2000, 0.9, { status: 'failed' }),
    run('6', 'checkpoint-500', 500, 0.1, { task: 'other' }),
  ], 'p', 't', 'mean_iou');
  assert.deepEqual(s.map((p) => [p.label, p.value]), [['checkpoint-1000', 0.45], ['checkpoint-3000', 0.6], ['final', 0.7]]);
});

test('compare: joined by id, deltas in the metric’s direction, samples in one run only counted', () => {
  const a = [sample(0, 0.5, 'x'), sample(1, 0.2, 'y'), sample(2, 0.9, 'z'), sample(3, 0.1, 'only-a')];
  const b = [sample(0, 0.7, 'y'), sample(1, 0.5, 'x'), sample(2, 0.4, 'z'), sample(3, undefined, 'w')];
  const c = compareSamples(a, b, true);
  assert.deepEqual(c.rows.map((r) => [r.id, r.change]), [['y', 'better'], ['x', 'same'], ['z', 'worse'], ['w', undefined]]);
  assert.deepEqual([c.better, c.worse, c.same, c.onlyA, c.onlyB], [1, 1, 1, 1, 1]);
  assert.ok(Math.abs(c.meanDelta - (0.5 + 0 - 0.5) / 3) < 1e-12);
  assert.equal(compareSamples([sample(0, 10, 'x')], [sample(0, 5, 'x')], false).rows[0].change, 'better', 'a lower DTW is better');
});

test('order: worst first (lowest IoU, or highest DTW), unscored last, ties in file order', () => {
  const s = [sample(0, 0.5), sample(1, undefined), sample(2, 0.1), sample(3, 0.9), sample(4, 0.1)];
  assert.deepEqual(orderSamples(s, 'worst', true), [2, 4, 0, 3, 1]);
  assert.deepEqual(orderSamples(s, 'best', true), [3, 0, 2, 4, 1]);
  assert.deepEqual(orderSamples(s, 'worst', false), [3, 0, 2, 4, 1]);
  assert.deepEqual(orderSamples(s, 'file', true), [0, 1, 2, 3, 4]);
});

test('CSV: quotes, commas and line breaks escaped; non-finite numbers empty', () => {
  assert.equal(toCsv(['id', 'pred'], [['a,b', 'say "hi"\nthere'], ['c', NaN]]), 'id,pred\r\n"a,b","say ""hi""\nthere"\r\nc,\r\n');
});
