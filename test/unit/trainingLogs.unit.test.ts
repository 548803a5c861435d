/**
 * Training and eval logs as the pipelines write them: a real PyTorch Lightning metrics.csv,
 * constructed GRPO / HF Trainer stdout, NAVSIM PDM result CSVs, resumed and ragged CSVs, a
 * JSON list of per-step dicts. Expected values are computed here from the files themselves
 * (a plain split of the text), never copied from the readers' output.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readMetricsFile } from '../../src/core/eval/readMetricsFile';
import { CurveSet, FailureReader, comparePdm, groupOfMetric, parsePythonDict } from '../../src/core/eval/trainingLogs';
import { runCli } from './runCli';

const fx = (p: string) => join(__dirname, '..', 'fixtures', p);
const text = (p: string) => readFileSync(fx(p), 'utf8');
const curve = (v: Awaited<ReturnType<typeof readMetricsFile>>, name: string) => v?.curves.find((c) => c.name === name);

test('a real Lightning CSVLogger metrics.csv: sparse columns become curves over step, each with its own points', async () => {
  const file = 'real/lightning/slm_training.version_0.metrics.first3epochs.csv';
  const v = await readMetricsFile(fx(file));
  assert.equal(v?.kind, 'csv');
  const [head, ...rows] = text(file).trim().split('\n').map((l) => l.split(','));
  const col = (name: string) => head.indexOf(name);
  for (const name of ['train_loss_step', 'val_loss', 'train_loss_epoch', 'val_perplexity']) {
    const expected = rows.filter((r) => r[col(name)] !== '').map((r) => ({ step: Number(r[col('step')]), value: Number(r[col(name)]) }));
    assert.deepEqual(curve(v, name)?.points, expected, name);
  }
  assert.equal(curve(v, 'train_loss_step')?.group, 'loss');
  assert.equal(curve(v, 'val_perplexity')?.group, 'eval');
  assert.equal(curve(v, 'epoch'), undefined, 'epoch is an axis, not a curve');
  const val = rows.filter((r) => r[col('val_loss')] !== '').map((r) => [Number(r[col('step')]), Number(r[col('val_loss')])]);
  const lowest = val.reduce((a, b) => (b[1] < a[1] ? b : a));
  assert.deepEqual(curve(v, 'val_loss')?.best, { step: lowest[0], value: lowest[1], higherIsBetter: false });
});

test('a GRPO train.log: dict lines between tqdm bars become reward / kl / length / loss curves; the OOM is named with its line', async () => {
  const file = 'logs/grpo_train.constructed.log';
  const v = await readMetricsFile(fx(file));
  const dicts = text(file).split('\n').filter((l) => l.startsWith("{'loss'"));
  const field = (l: string, k: string) => Number(new RegExp(`'${k.replace('/', '\\/')}': ([^,}]+)`).exec(l)?.[1]);
  assert.equal(curve(v, 'reward')?.points.length, dicts.length);
  assert.deepEqual(curve(v, 'reward')?.points.map((p) => p.value), dicts.map((l) => field(l, 'reward')));
  assert.deepEqual(curve(v, 'rewards/format_reward')?.points.map((p) => p.value), dicts.map((l) => field(l, 'rewards/format_reward')));
  assert.deepEqual(
    ['reward', 'rewards/accuracy_reward', 'reward_std', 'kl', 'completion_length', 'loss', 'learning_rate', 'grad_norm'].map((n) => curve(v, n)?.group),
    ['reward', 'reward', 'reward', 'kl', 'length', 'loss', 'learningRate', 'gradNorm'],
  );
  const nanAt = dicts.findIndex((l) => /'grad_norm': nan/.test(l));
  assert.ok(nanAt >= 0);
  assert.equal(curve(v, 'grad_norm')?.points[nanAt].value, null, 'nan is a gap');
  const lines = text(file).split('\n');
  const oomLine = lines.findIndex((l) => l.includes('OutOfMemoryError')) + 1;
  assert.equal(v?.failure?.code, 'oom');
  assert.equal(v?.failure?.lineNo, oomLine);
  assert.match(v?.failure?.message ?? '', /tried to allocate 2\.31 GiB, 1\.02 GiB free of 79\.14 GiB/);
  assert.match(v?.errors[0] ?? '', new RegExp(`^line ${oomLine}: Out of GPU memory`));
  const best = dicts.map((l, i) => [i + 1, field(l, 'reward')]).reduce((a, b) => (b[1] > a[1] ? b : a));
  assert.deepEqual(curve(v, 'reward')?.best, { step: best[0], value: best[1], higherIsBetter: true });
});

test('HF Trainer stdout: eval entries sit at the training entry before them; speed and the closing summary are not curves', async () => {
  const v = await readMetricsFile(fx('logs/hf_trainer_stdout.constructed.log'));
  assert.deepEqual(curve(v, 'eval_loss')?.points.map((p) => p.step), [10, 20]);
  assert.equal(curve(v, 'loss')?.points.length, 20);
  assert.equal(curve(v, 'eval_runtime'), undefined);
  assert.equal(curve(v, 'train_runtime'), undefined);
  assert.equal(v?.metrics.find((m) => m.name === 'train_loss')?.value, 0.77);
  assert.equal(v?.failure, undefined, 'a run that finished has no failure');
});

test('NAVSIM PDM scores: means over valid scenes agree with the average row; worst scenes; two files scene by scene', async () => {
  const parse = (p: string) => {
    const [head, ...rows] = text(p).trim().split('\n').map((l) => l.split(','));
    return rows.map((r) => Object.fromEntries(head.map((h, i) => [h, r[i]])));
  };
  const il = parse('logs/pdm_scores_il.constructed.csv');
  const valid = il.filter((r) => r.token !== 'average' && r.valid === 'True');
  const meanOf = (k: string) => valid.reduce((a, r) => a + Number(r[k]), 0) / valid.length;
  const v = await readMetricsFile(fx('logs/pdm_scores_il.constructed.csv'));
  assert.equal(v?.kind, 'pdmScores');
  assert.ok(Math.abs((v?.metrics.find((m) => m.name === 'pdm_score')?.value ?? NaN) - meanOf('score')) < 1e-12);
  assert.ok(Math.abs((v?.metrics.find((m) => m.name === 'ego_progress')?.value ?? NaN) - meanOf('ego_progress')) < 1e-12);
  assert.deepEqual([v?.pdm?.scenes, v?.pdm?.valid], [il.length - 1, valid.length]);
  assert.ok(v?.notes.includes('the means agree with the file’s own average row'));
  const worst = [...valid].sort((a, b) => Number(a.score) - Number(b.score))[0];
  assert.equal(v?.pdm?.worst[0].score, Number(worst.score));
  assert.equal(v?.pdm?.histogram.reduce((a, b) => a + b.count, 0), valid.length);
  // scene by scene against the RL file
  const rl = new Map(parse('logs/pdm_scores_rl.constructed.csv').filter((r) => r.valid === 'True' && r.token !== 'average').map((r) => [r.token, Number(r.score)]));
  let better = 0;
  let worse = 0;
  for (const r of valid) {
    const d = (rl.get(r.token) as number) - Number(r.score);
    if (d > 1e-9) better++;
    else if (d < -1e-9) worse++;
  }
  const w = await readMetricsFile(fx('logs/pdm_scores_rl.constructed.csv'));
  const c = comparePdm(v?.pdm?.sceneList ?? [], w?.pdm?.sceneList ?? []);
  assert.deepEqual([c.better, c.worse, c.common], [better, worse, valid.length]);
  const cli = runCli(['read', fx('logs/pdm_scores_il.constructed.csv'), '--compare', fx('logs/pdm_scores_rl.constructed.csv'), '--json']);
  assert.equal(cli.code, 0);
  assert.equal((JSON.parse(cli.stdout) as { better: number }).better, better);
});

test('a resumed Lightning CSV: the repeated header, ragged rows, nan and a partial last line are said, the curves continue', async () => {
  const v = await readMetricsFile(fx('logs/lightning_resumed.constructed.csv'));
  const lines = text('logs/lightning_resumed.constructed.csv').split('\n');
  const repeated = lines.findIndex((l, i) => i > 0 && l === lines[0]) + 1;
  assert.ok(v?.notes.some((n) => n.includes(`the header is repeated at line ${repeated}`)), JSON.stringify(v?.notes));
  assert.ok(v?.notes.some((n) => /^3 row\(s\) have a different number of cells/.test(n)));
  assert.ok(v?.notes.some((n) => /last line has no line break/.test(n)));
  const steps = curve(v, 'train/loss_step')?.points.map((p) => p.step) ?? [];
  assert.deepEqual(steps.slice(9, 12), [100, 110, 120], 'the rows after the repeated header continue');
  assert.equal(curve(v, 'train/loss_step')?.points.find((p) => p.step === 130)?.value, null);
  assert.equal(curve(v, 'lr-AdamW')?.group, 'learningRate');
  assert.equal(curve(v, 'val/loss')?.group, 'loss');
});

test('rewards.csv without a step column: the row is the x axis, said; a JSON list of per-step dicts', async () => {
  const r = await readMetricsFile(fx('logs/rewards.constructed.csv'));
  assert.deepEqual(curve(r, 'reward')?.points.slice(0, 2), [{ step: 1, value: 0.3 }, { step: 2, value: 0.31 }]);
  assert.ok(r?.notes.some((n) => /x axis is the row number/.test(n)));
  const j = await readMetricsFile(fx('logs/metrics_list.constructed.json'));
  assert.equal(j?.kind, 'stepList');
  const list = JSON.parse(text('logs/metrics_list.constructed.json').replace('NaN', 'null')) as Array<{ step: number; loss: number | null; acc: number }>;
  assert.deepEqual(curve(j, 'acc')?.points, list.map((e) => ({ step: e.step, value: e.acc })));
  assert.deepEqual(curve(j, 'loss')?.points, list.map((e) => ({ step: e.step, value: e.loss })));
  // curves without metrics are found: text and --json exit alike
  assert.equal(runCli(['read', fx('logs/metrics_list.constructed.json')]).code, 0);
  assert.equal(runCli(['read', fx('logs/metrics_list.constructed.json'), '--json']).code, 0);
});

test('Python dict lines: quotes, nan / inf, tensor(…), booleans, nested values; not a dict → undefined', () => {
  const d = parsePythonDict("{'loss': 0.5, \"kl\": nan, 'lr': 1e-05, 'r': -inf, 't': tensor(0.25, device='cuda:0'), 'ok': True, 'x': None, 'l': [1, 2], 'name': 'a, b'}");
  assert.deepEqual([...(d ?? new Map())], [['loss', 0.5], ['kl', null], ['lr', 1e-5], ['r', null], ['t', 0.25]]);
  assert.equal(parsePythonDict('{not a dict}'), undefined);
  assert.equal(parsePythonDict("{'a': 1"), undefined);
});

test('failures: argparse, a missing file, an NCCL timeout, a traceback’s last frame, [rank0] prefixes', () => {
  const read = (lines: string[]) => {
    const f = new FailureReader();
    for (const l of lines) f.line(l);
    return f.failure;
  };
  assert.equal(read(['usage: x.py [-h]', 'x.py: error: unrecognized arguments: --type contact_box'])?.code, 'argparse');
  const missing = read(["python3: can't open file '/w/evaluation_intermediate.py': [Errno 2] No such file or directory"]);
  assert.deepEqual([missing?.code, missing?.lineNo], ['missingFile', 1]);
  assert.match(missing?.message ?? '', /working directory/);
  assert.equal(read(['[rank1]:[E ProcessGroupNCCL.cpp:607] [Rank 1] Watchdog caught collective operation timeout: WorkNCCL(SeqNum=5, OpType=ALLREDUCE, Timeout(ms)=1800000) ran for 1800123 milliseconds before timing out.'])?.code, 'ncclTimeout');
  const tb = read(['Traceback (most recent call last):', '  File "/a/train.py", line 10, in <module>', '    main()', '  File "/a/model.py", line 42, in forward', '    x = y @ z', 'RuntimeError: mat1 and mat2 shapes cannot be multiplied (4x3 and 5x6)']);
  assert.equal(tb?.code, 'traceback');
  assert.match(tb?.message ?? '', /^RuntimeError: mat1 and mat2 .* \(raised at \/a\/model\.py:42 in forward\)$/);
  assert.equal(read(['[rank0]: Traceback (most recent call last):', '[rank0]:   File "/a/b.py", line 3, in f', '[rank0]: ValueError: bad'])?.message, 'ValueError: bad (raised at /a/b.py:3 in f)');
  // an OOM outranks the traceback that carries it
  assert.equal(read(['Traceback (most recent call last):', '  File "/a.py", line 1, in f', 'torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 20.00 MiB.'])?.code, 'oom');
});

test('what a metric measures decides its chart', () => {
  const cases: Array<[string, string]> = [
    ['loss', 'loss'], ['val/loss', 'loss'], ['train_loss_step', 'loss'], ['eval_loss', 'loss'],
    ['lr-AdamW', 'learningRate'], ['learning_rate', 'learningRate'], ['grad_norm', 'gradNorm'],
    ['reward', 'reward'], ['rewards/format_reward', 'reward'], ['reward_std', 'reward'],
    ['kl', 'kl'], ['objective/kl', 'kl'], ['completion_length', 'length'], ['completions/mean_length', 'length'],
    ['eval_accuracy', 'eval'], ['val_perplexity', 'eval'], ['epoch_time', 'other'],
  ];
  assert.deepEqual(cases.map(([n]) => [n, groupOfMetric(n)]), cases);
});

test('curves stay bounded in memory however long the log, and the best point survives thinning', () => {
  const set = new CurveSet(1000);
  for (let i = 1; i <= 1_000_000; i++) set.add('loss', i, i === 654_321 ? 0.001 : 2 + Math.sin(i / 1000));
  const view = { curves: [] as Array<{ name: string; points: unknown[]; total: number; best?: { step: number; value: number } }>, notes: [] as string[] };
  set.finish(view as never);
  assert.equal(view.curves[0].total, 1_000_000);
  assert.ok(view.curves[0].points.length <= 1000);
  assert.deepEqual(view.curves[0].best, { step: 654_321, value: 0.001, higherIsBetter: false });
  assert.match(view.notes[0], /1000000 points, \d+ drawn/);
});
