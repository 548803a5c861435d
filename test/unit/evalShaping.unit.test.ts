/** Data shaping for the eval panels: histogram bins, step series, run comparison, order, CSV. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RecordScoreIndex, barCandidates, compareSamples, defaultBarRuns, runsWithResults, errorDistribution, histogram, orderSamples, percentile, runsForFile, stepSeries, taskBars, toCsv } from '../../src/core/eval/shaping';
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

test('a skipped (reused) run counts in charts only where its profile has no fresh result of that checkpoint and task, once', () => {
  const runs = [
    run('1', 'checkpoint-1000', 1000, 0.4),
    run('2', 'checkpoint-1000', 1000, 0.4, { status: 'skipped' }), // a re-run of the same: never drawn twice
    run('3', 'checkpoint-2000', 2000, 0.5, { status: 'skipped' }), // no fresh run of it: stands for it
    run('4', 'checkpoint-2000', 2000, 0.5, { status: 'skipped' }), // ... but only the newest of two
    run('5', 'checkpoint-3000', 3000, 0.6, { status: 'failed' }),
  ];
  assert.deepEqual([...runsWithResults(runs)].sort(), ['1', '4']);
  assert.deepEqual(stepSeries(runs, 'p', 't', 'mean_iou').map((p) => [p.label, p.runId]), [['checkpoint-1000', '1'], ['checkpoint-2000', '4']]);
  assert.deepEqual(barCandidates(runs, runs[0]).map((r) => r.id), ['4', '1']);
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

test('task bars: one series per checkpoint ordered by step, IoU and DTW never on one axis, missing bars null', () => {
  const traj = (id: string, checkpoint: string, step: number, dtw: number) =>
    run(id, checkpoint, step, 0, { task: 'traj', results: [{ task: 'traj', aggregate: { task: 'traj', kind: 'trajectory', samples: 1, unscored: 0, unparsed: 0, metrics: { mean_dtw: dtw }, primary: 'mean_dtw', higherIsBetter: false, notes: [] } }] });
  const runs = [
    run('1', 'checkpoint-2000', 2000, 0.6),
    traj('2', 'checkpoint-2000', 2000, 120),
    run('3', 'checkpoint-1000', 1000, 0.4),
    run('4', 'checkpoint-1000', 1000, 0.45, { endedAt: '9' }),
    run('5', 'checkpoint-3000', 3000, 0.9, { task: 'log_only', results: [], logMetrics: [{ task: 'grasp', name: 'accuracy', value: 0.7, source: 'generation.py' }, { name: 'average_score', value: 74, source: 'generation.py' }] }),
  ];
  const groups = taskBars(runs, ['1', '2', '3', '4', '5']);
  assert.deepEqual(groups.map((g) => g.scale), ['score', 'error']);
  const [score, error] = groups;
  assert.deepEqual(score.series.map((s) => s.label), ['checkpoint-1000', 'checkpoint-2000', 'checkpoint-3000']);
  assert.deepEqual(score.categories, [{ task: 'grasp', metric: 'accuracy' }, { task: 't', metric: 'mean_iou' }]);
  assert.deepEqual(score.series.map((s) => s.values), [[null, 0.45], [null, 0.6], [0.7, null]], 'the newest run of a checkpoint wins; average_score left out');
  assert.deepEqual(error.series.map((s) => s.values), [[null], [120], [null]]);
  assert.deepEqual(taskBars(runs, ['2']).map((g) => g.series.length), [1]);
});

test('default bar runs: the selected checkpoint and the most recently evaluated others, newest run per checkpoint and task', () => {
  const runs = [5, 4, 3, 2, 1].map((i) => run(`r${i}`, `checkpoint-${i}000`, i * 1000, 0.1 * i, { endedAt: `${i}` }));
  runs.push(run('r4b', 'checkpoint-4000', 4000, 0.5, { endedAt: '0' }), run('x', 'checkpoint-9000', 9000, 1, { profile: 'other', endedAt: '99' }));
  assert.deepEqual(defaultBarRuns(runs, runs[4], 3), ['r1', 'r5', 'r4']);
});

test('error distribution: cumulative share on a shared grid, nearest-rank percentiles, missing values skipped', () => {
  const s = [1, 2, 3, 4, 10].map((v, i): SampleResult => ({ index: i, kind: 'trajectory', metrics: { endpoint: v, frechet: v * 2 }, predText: '', gtText: '' }));
  s.push({ index: 9, kind: 'trajectory', metrics: {}, predText: '', gtText: '' });
  const [endpoint, frechet] = errorDistribution(s, ['endpoint', 'frechet', 'hausdorff'], 11);
  assert.equal(endpoint.n, 5);
  assert.deepEqual([endpoint.p50, endpoint.p90, endpoint.max], [3, 10, 10]);
  assert.equal(frechet.points.length, 11);
  assert.equal(frechet.points[10].x, 20, 'the grid runs to the largest error of any metric');
  assert.equal(endpoint.points.find((p) => p.x === 4)?.y, 0.8);
  assert.equal(frechet.points[10].y, 1);
  assert.equal(errorDistribution(s, ['hausdorff']).length, 0);
  assert.equal(percentile([], 0.5), NaN);
});

test('record scores: the prediction file matched by position, other runs of its task and its eval input by id, newest first', () => {
  const withSamples = (r: RunRecord, file: string, dataset?: string): RunRecord => ({ ...r, dataset, results: [{ ...r.results[0], predictionsFile: file, samplesFile: 'samples-0.json' }] });
  const a = withSamples(run('a', 'checkpoint-1000', 1000, 0.4, { endedAt: '1' }), '/c/1000/eval_details_t.json', '/data/input.json');
  const b = withSamples(run('b', 'checkpoint-2000', 2000, 0.6, { endedAt: '2' }), '/c/2000/eval_details_t.json', '/data/input.json');
  const other = withSamples(run('o', 'checkpoint-2000', 2000, 0.6, { task: 'other' }), '/c/2000/eval_details_other.json');
  const found = runsForFile([a, b, other], '/c/1000/eval_details_t.json');
  assert.deepEqual(found.map((f) => [f.run.id, f.via]), [['b', 'id'], ['a', 'file']]);
  const idx = new RecordScoreIndex();
  idx.add(b, [sample(0, 0.9, 'y'), sample(1, 0.1, 'x')], 'id');
  idx.add(a, [sample(0, 0.3, 'x'), sample(1, 0.5, 'y')], 'file');
  assert.deepEqual(idx.lookup(0, 'x').map((s) => [s.runId, s.score, s.via]), [['b', 0.1, 'id'], ['a', 0.3, 'file']]);
  assert.deepEqual(idx.lookup(7, undefined), []);
  assert.deepEqual(runsForFile([a, b, other], '/data/input.json').map((f) => f.run.id), ['b', 'a']);
});
