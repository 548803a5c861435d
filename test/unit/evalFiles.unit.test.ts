/**
 * Metrics files opened directly ("Show in VLM Lens"): the real HF trainer_state.json sample,
 * Python's NaN in JSON, downsampling that keeps spikes, lmms-eval results, generation.py
 * output read in chunks, and logs with only key: value lines.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LogMetricsReader, downsample, jsonMetricsView, parsePythonJson, trainerStateView } from '../../src/core/eval/metricsFile';

const samples = join(process.cwd(), 'test/fixtures/samples');

test('trainer_state.json (real sample): loss, eval_loss, learning rate and grad norm curves over steps, best checkpoint', () => {
  const { value } = parsePythonJson(readFileSync(join(samples, 'hf_trainer/trainer_state_smolvlm_kvasir.json'), 'utf8'));
  const v = trainerStateView(value);
  assert.equal(v.kind, 'trainerState');
  assert.deepEqual(v.errors, []);
  const curve = (n: string) => v.curves.find((c) => c.name === n);
  assert.deepEqual(v.curves.map((c) => c.name).slice(0, 4), ['loss', 'eval_loss', 'learning_rate', 'grad_norm']);
  assert.equal(curve('loss')?.points.length, 90, 'every 10 steps to 900');
  assert.deepEqual(curve('loss')?.points[0], { step: 10, value: 19.226181030273438 });
  assert.equal(curve('eval_loss')?.points.length, 18, 'every 50 steps');
  assert.equal(curve('eval_loss')?.group, 'loss');
  assert.equal(curve('learning_rate')?.group, 'learningRate');
  assert.ok(!curve('eval_runtime') && !curve('epoch'), 'runtime and epoch are not curves');
  const fact = (n: string) => v.facts.find((f) => f.name === n)?.value;
  assert.equal(fact('best_global_step'), '900');
  assert.match(fact('best_model_checkpoint') ?? '', /checkpoint-900$/);
  const lowest = v.metrics.find((m) => m.name === 'lowest eval_loss');
  assert.equal(lowest?.value, 0.0021693608723580837);
  assert.equal(lowest?.source, 'step 900');
});

test('Python JSON: bare NaN / Infinity become gaps and are counted; strings that contain them are untouched', () => {
  const text = '{"log_history": [{"loss": 1.5, "step": 1}, {"loss": NaN, "step": 2}, {"loss": -Infinity, "step": 3}, {"loss": 0.5, "note": "NaN, Infinity", "step": 4}], "global_step": 4}';
  const { value, nonFinite } = parsePythonJson(text);
  assert.equal(nonFinite, 2);
  const v = trainerStateView(value, { nonFinite });
  assert.deepEqual(v.curves[0].points.map((p) => p.value), [1.5, null, null, 0.5]);
  assert.ok(v.notes.some((n) => /2 value\(s\) are NaN/.test(n)));
  assert.ok(v.notes.some((n) => /bare NaN/.test(n)));
  assert.throws(() => parsePythonJson('{"a": }'), SyntaxError, 'a real syntax error is still one');
});

test('downsampling keeps each stretch’s lowest and highest value and the last point, and says so', () => {
  const points = Array.from({ length: 10_000 }, (_, i) => ({ step: i, value: i === 5_000 ? 1e6 : 1 }));
  const d = downsample(points, 300);
  assert.ok(d.length <= 310, `${d.length}`);
  assert.ok(d.some((p) => p.value === 1e6), 'the spike survives');
  assert.equal(d[d.length - 1].step, 9_999);
  const history = points.map((p) => ({ loss: p.value, step: p.step }));
  const v = trainerStateView({ log_history: history }, { maxPoints: 300 });
  assert.equal(v.curves[0].total, 10_000);
  assert.ok(v.notes.some((n) => /10000 points, \d+ drawn/.test(n)));
  assert.equal(downsample(points.slice(0, 5), 300).length, 5);
});

test('lmms-eval results.json: metrics per task, stderr left out, model and sample counts as facts, --limit said', () => {
  const v = jsonMetricsView({
    results: { mmmu_val: { alias: 'mmmu_val', 'mmmu_acc,none': 0.41, 'mmmu_acc_stderr,none': 'N/A' }, chartqa: { 'relaxed_overall,none': 0.72 } },
    'n-samples': { mmmu_val: { original: 900, effective: 100 } },
    config: { model: 'qwen2_5_vl', limit: 100 },
    date: '20251120_101010',
  }, 'results.json');
  assert.equal(v.kind, 'lmmsResults');
  assert.deepEqual(v.metrics.map((m) => [m.task, m.name, m.value]), [['mmmu_val', 'mmmu_acc', 0.41], ['chartqa', 'relaxed_overall', 0.72]]);
  assert.ok(v.facts.some((f) => f.name === 'mmmu_val samples' && f.value === '100 of 900'));
  assert.ok(v.notes.some((n) => /--limit 100/.test(n)));
  assert.match(jsonMetricsView([{ id: 1 }], 'x.json').errors[0], /dataset viewer/);
});

test('generation.py output read in chunks of 7 bytes: per-task metrics, the missing file and the mixed-scale average said', () => {
  const text = readFileSync(join(samples, 'constructed/generation_py.stdout.constructed.txt'), 'utf8');
  const r = new LogMetricsReader();
  for (let i = 0; i < text.length; i += 7) r.push(text.slice(i, i + 7));
  const v = r.finish();
  const get = (task: string, name: string) => v.metrics.find((m) => m.task === task && m.name === name)?.value;
  assert.equal(get('contact_box', 'mean_iou'), 0.4231837261938);
  assert.equal(get('traj', 'mean_dtw'), 212.87340927);
  assert.equal(get('grasppose_choice', 'accuracy'), 0.5873);
  assert.ok(v.notes.some((n) => /not found: .*contact_decide/.test(n)));
  assert.ok(v.notes.some((n) => /mixes scales/.test(n)));
});

test('a log with only key: value lines: the last reading of each name, with a note; an empty log says so', () => {
  const r = new LogMetricsReader();
  r.push('epoch 1 accuracy: 0.5\r100%|###| 10/10\nval_loss=0.9\naccuracy: 0.75\n');
  const v = r.finish();
  assert.deepEqual(v.metrics.map((m) => [m.name, m.value]), [['accuracy', 0.75], ['val_loss', 0.9]]);
  assert.ok(v.notes.some((n) => /key: value/.test(n)));
  assert.ok(new LogMetricsReader().finish().notes.includes('the file is empty'));
});
