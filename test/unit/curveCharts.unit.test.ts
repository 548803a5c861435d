/** The Eval panel's curve shaping (webview/evalPanel/curveCharts.ts), in Node. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { curveCharts, smooth } from '../../webview/evalPanel/curveCharts';

test('smoothing is TensorBoard’s debiased EMA: the first point is kept, gaps stay gaps, weight 0 is the raw line', () => {
  const pts = [
    { x: 1, y: 10 },
    { x: 2, y: 0 },
    { x: 3, y: null },
    { x: 4, y: 10 },
  ];
  const w = 0.6;
  // by hand: m1 = 0.4*10 = 4 → 4/(1-0.6) = 10; m2 = 0.6*4 + 0.4*0 = 2.4 → 2.4/(1-0.36) = 3.75; m3 = 0.6*2.4 + 0.4*10 = 5.44 → 5.44/(1-0.216)
  const s = smooth(pts, w);
  assert.equal(s[0].y, 10);
  assert.ok(Math.abs((s[1].y as number) - 3.75) < 1e-12);
  assert.equal(s[2].y, null);
  assert.ok(Math.abs((s[3].y as number) - 5.44 / 0.784) < 1e-12);
  assert.deepEqual(smooth(pts, 0), pts);
});

test('charts by group; overlaid files get a colour each and their curves a dash each', () => {
  const c = (name: string, group: 'loss' | 'reward' | 'learningRate', values: number[]) => ({ name, group, total: values.length, points: values.map((v, i) => ({ step: i + 1, value: v })) });
  const a = { name: 'run-a.log', curves: [c('loss', 'loss', [2, 0.01]), c('reward', 'reward', [0.1, 0.5]), c('rewards/format', 'reward', [0.1, 0.2])] };
  const b = { name: 'run-b.log', curves: [c('loss', 'loss', [3, 1]), c('learning_rate', 'learningRate', [1e-5, 1e-7])] };
  const alone = curveCharts(a);
  assert.deepEqual(alone.map((g) => g.group), ['loss', 'reward']);
  assert.deepEqual(alone[1].series.map((s) => [s.label, s.colour, s.dash]), [['reward', 0, 0], ['rewards/format', 1, 0]]);
  assert.equal(alone[0].logByDefault, true, '2 → 0.01 spans 200×');
  const both = curveCharts(a, [b]);
  assert.deepEqual(both.map((g) => g.group), ['loss', 'reward', 'learningRate']);
  assert.deepEqual(both[0].series.map((s) => [s.label, s.colour, s.dash]), [['run-a.log · loss', 0, 0], ['run-b.log · loss', 1, 0]]);
  assert.deepEqual(both[1].series.map((s) => [s.colour, s.dash]), [[0, 0], [0, 1]]);
  assert.equal(both[2].logByDefault, false, 'learning rates are never put on a log axis by default');
});
