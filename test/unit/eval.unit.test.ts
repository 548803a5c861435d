/**
 * The eval core: output split on \r and \n, tqdm progress, RoboInter / generation.py / lang
 * lines (the exact bytes in test/fixtures/samples/constructed), known failures, metrics
 * computed from prediction files, profiles and run records.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FragmentSplitter, diagnoseFailure, metricsFromJson, parseFragment, parseLogText, parseTqdm } from '../../src/core/eval/logParse';
import { inputFacts, normalizeAnswer, predictionMetrics, stripChatPrefix } from '../../src/core/eval/predictionMetrics';
import { checkProfile, checkRunRecord, expandCommand, interruptedRuns, isCheckpointFolder, orderCheckpoints, stepOf, usedVariables, type RunRecord } from '../../src/core/eval/runs';

const constructed = join(__dirname, '..', 'fixtures', 'samples', 'constructed');
const read = (name: string) => readFileSync(join(constructed, name), 'utf8');

test('fragments split on \\r, \\n and \\r\\n, also across chunk boundaries', () => {
  const s = new FragmentSplitter();
  assert.deepEqual(s.push('a\rb\r'), ['a', 'b']);
  assert.deepEqual(s.push('\nc'), [], 'the \\n of a \\r\\n split over two chunks is not an empty fragment');
  assert.deepEqual(s.push('d\r\ne\n'), ['cd', 'e']);
  assert.deepEqual(s.push('tail'), []);
  assert.deepEqual(s.flush(), ['tail']);
});

test('tqdm bars: percent, counts, elapsed and remaining; text glued after the bar is kept', () => {
  const p = parseTqdm('Evaluating:  67%|██████▋   | 2/3 [00:01<00:03, 19.86it/s]');
  assert.deepEqual(p && { d: p.desc, pc: p.percent, n: p.n, t: p.total, e: p.elapsed, r: p.remaining }, { d: 'Evaluating', pc: 67, n: 2, t: 3, e: 1, r: 3 });
  const glued = parseTqdm('Evaluating:   0%|          | 0/3 [00:00<?, ?it/s]Error: CUDA out of memory.');
  assert.equal(glued?.remaining, undefined);
  assert.equal(glued?.rest, 'Error: CUDA out of memory.');
  assert.equal(parseTqdm('Loading checkpoint shards: 100%|██████████| 4/4 [01:02<00:00, 15.5s/it]')?.total, 4);
  assert.equal(parseTqdm('Evaluating 40 samples...'), undefined);
});

test('the RoboInter success log: samples, the last bar, the glued Error, the results path', () => {
  const s = parseLogText(read('logs__model_name_contact_box.success_stub.log'));
  assert.equal(s.samples, 40);
  assert.equal(s.progress?.percent, 100);
  assert.equal(s.progress?.n, 3);
  assert.deepEqual(s.errors, ['CUDA out of memory. Tried to allocate 2.00 GiB']);
  assert.deepEqual(s.resultsSaved, ['/ckpt/model_name/eval_details_contact_box.json']);
  assert.equal(diagnoseFailure(s, 0), undefined);
});

test('known failures are named with their fix: argparse --type, the wrong working directory', () => {
  const argparse = parseLogText(read('logs__model_name_contact_box.argparse_error.log'));
  assert.equal(argparse.unrecognizedArguments, '--type contact_box');
  assert.deepEqual(argparse.errors, [], 'argparse’s "error:" is not a RoboInter Error: line');
  const d = diagnoseFailure(argparse, 2);
  assert.equal(d?.code, 'unrecognizedArguments');
  assert.match(d?.message ?? '', /--type/);
  const cwd = parseLogText(read('logs__model_name_contact_box.file_not_found.log'));
  assert.match(cwd.cannotOpenFile ?? '', /scripts\/evaluation_intermediate\.py$/);
  assert.equal(diagnoseFailure(cwd, 2)?.code, 'scriptNotFound');
  assert.deepEqual(parseFragment('Eval details for contact_box already exists, skip eval.'), [{ kind: 'skipped', name: 'contact_box', line: 'Eval details for contact_box already exists, skip eval.' }]);
});

test('generation.py stdout: per-task IoU, accuracy and DTW (note the " :Mean DTW" spacing), missing files', () => {
  const s = parseLogText(read('generation_py.stdout.constructed.txt'));
  const m = (task: string | undefined, name: string) => s.metrics.find((x) => x.task === task && x.name === name)?.value;
  assert.equal(m('contact_box', 'mean_iou'), 0.4231837261938);
  assert.equal(m('contact_box', 'acc@iou>0.1'), 0.7465);
  assert.equal(m('traj', 'mean_dtw'), 212.87340927);
  assert.equal(m('traj_wo_init_pos', 'mean_dtw'), 305.118273);
  assert.equal(m('grasppose_choice', 'accuracy'), 0.5873);
  assert.equal(m(undefined, 'average_score'), 74.3739);
  assert.deepEqual(s.missingFiles, ['/path/results/model_name/eval_details_contact_decide.json']);
  assert.equal(s.metrics.length, 12);
});

test('the lang script: the final score line is read, progress lines are not', () => {
  const s = parseLogText(read('eval_lang.stdout_stub.txt'));
  assert.deepEqual(
    s.metrics.map((x) => [x.name, x.value]),
    [['score', 0.5287], ['bleu1', 0.5125], ['bleu2', 0.4696], ['bleu3', 0.484], ['bleu4', 0.5052]],
  );
  assert.equal(s.samples, 200);
});

test('generic key: value / key=value lines only when asked; tqdm stats are not metrics', () => {
  assert.deepEqual(parseFragment('accuracy: 0.75', {}), []);
  const ev = parseFragment('accuracy: 0.75, mean_iou=0.5 step: 3', { generic: true });
  assert.deepEqual(ev.map((e) => (e.kind === 'metric' ? [e.metric.name, e.metric.value] : e.kind)), [['accuracy', 0.75], ['mean_iou', 0.5]]);
});

test('lmms-eval results.json: metric,filter keys, stderr left out', () => {
  const m = metricsFromJson({ results: { mme: { alias: 'mme', 'exact_match,none': 0.25, 'exact_match_stderr,none': 'N/A', 'acc,flexible': 0.5 } } }, 'r.json');
  assert.deepEqual(m.map((x) => [x.task, x.name, x.value]), [['mme', 'exact_match', 0.25], ['mme', 'acc (flexible)', 0.5]]);
});

test('RoboInter eval_details: the chat prefix is stripped; IoU in original pixels via the eval input', () => {
  const preds = JSON.parse(read('eval_details_contact_box.constructed.json')) as unknown[];
  const inputs = inputFacts(JSON.parse(read('robointer_generation_eval_input.constructed.json')) as unknown[]);
  assert.equal(stripChatPrefix('system\nx\nuser\nq\nassistant\n{"a":1}'), '{"a":1}');
  const r = predictionMetrics(preds, { task: 'contact_box', convention: 'resized', inputs }, [1, 7]);
  assert.equal(r.aggregate.kind, 'box');
  assert.equal(r.samples[0].predText, '{"contact_bbox": [[66, 90], [180, 165]]}');
  // record 1 is joined (w 320, h 180, new 308×168): both boxes scaled the same way
  const s0 = r.samples[0];
  assert.deepEqual((s0.gt as number[] | undefined)?.map((v) => Math.round(v)), [72, 102, 191, 179]);
  const x = 320 / 308;
  const y = 180 / 168;
  const expect = (Math.min(180, 184) - Math.max(66, 69)) * x * (Math.min(165, 167) - Math.max(90, 95)) * y;
  const union = (114 * x * 75 * y) + (115 * x * 72 * y) - expect;
  assert.ok(Math.abs((s0.score ?? 0) - expect / union) < 1e-9);
  assert.equal(s0.line, 1);
  // record 2 is not in the input: not scored, and said so
  assert.equal(r.samples[1].score, undefined);
  assert.match(r.samples[1].note ?? '', /no image size/);
  assert.equal(r.aggregate.unscored, 1);
  assert.match(r.aggregate.notes.join(' '), /--dataset/);
  // in pixel convention both are scored, the prose list read as a box
  const px = predictionMetrics(preds, { task: 'contact_box' });
  assert.deepEqual(px.samples[1].pred, [120, 40, 210, 130]);
  assert.equal(px.aggregate.samples, 2);
  assert.ok(px.aggregate.metrics['acc@iou>0.5'] === 1);
});

test('trajectories: DTW, Fréchet, Hausdorff, RMSE, endpoint; points; choices; text', () => {
  const traj = predictionMetrics(
    [{ id: 'a', pred: 'assistant\n{"future_traj": [[0,0],[10,0],[20,0]]}', gt: '{"future_traj": [[0,3],[10,3],[20,3]]}' }],
    { task: 'traj' },
  );
  const m = traj.samples[0].metrics;
  assert.deepEqual([m.dtw, m.frechet, m.hausdorff, m.rmse, m.endpoint], [9, 3, 3, 3, 3]);
  assert.equal(traj.aggregate.higherIsBetter, false);
  const pts = predictionMetrics([{ pred: '[(3, 4)]', gt: '[(0, 0)]' }], { task: 'contact_point' });
  assert.equal(pts.samples[0].score, 5);
  const choice = predictionMetrics(
    [
      { id: '1', pred: 'assistant\nB', gt: 'B' },
      { id: '2', pred: 'assistant\nThe answer is (C).', gt: 'C' },
      { id: '3', pred: 'assistant\n', gt: 'A' },
      { id: '4', pred: 'Yes.', gt: 'yes' },
    ],
    { task: 'grasppose_choice' },
  );
  assert.deepEqual(choice.samples.map((s) => s.score), [1, 1, 0, 1], 'an empty prediction is wrong');
  assert.equal(choice.aggregate.metrics.accuracy, 0.75);
  assert.equal(normalizeAnswer('(A) the cup'), 'a');
  const text = predictionMetrics([{ pred: 'Pick up  the cup', gt: 'pick up the cup' }, { pred: 'x', gt: 'y' }], { task: 'planning_qa' });
  assert.equal(text.aggregate.metrics.exact_match, 0.5);
  // no task name: the kind is guessed from the gt
  assert.equal(predictionMetrics([{ pred: '[1,1,5,5]', gt: '[0,0,4,4]' }]).aggregate.kind, 'box');
});

test('profiles: variables expand into an argument array, ${extraArgs} into several arguments', () => {
  const p = checkProfile({ name: 'p', command: ['python', 'eval.py', '--model_path', '${checkpoint}', '--json_path', '${dataset}', '${extraArgs}', '--x=${nope}'], extraArgs: ['--a', '${step}'] });
  assert.ok('profile' in p);
  const { argv, unknown } = expandCommand(p.profile, { checkpoint: '/ck/checkpoint-3000 copy', dataset: "/d/it's.json", step: '3000' });
  assert.deepEqual(argv, ['python', 'eval.py', '--model_path', '/ck/checkpoint-3000 copy', '--json_path', "/d/it's.json", '--a', '3000', '--x=${nope}']);
  assert.deepEqual(unknown, ['nope']);
  assert.deepEqual([...usedVariables(p.profile)].sort(), ['checkpoint', 'dataset', 'extraArgs', 'nope', 'step']);
  assert.ok('error' in checkProfile({ name: 'shell', command: 'python eval.py ${checkpoint}' }));
  assert.ok('error' in checkProfile({ name: 'c', command: ['x'], convention: 'inches' }));
});

test('checkpoints: recognised from names and files, ordered by step', () => {
  assert.equal(stepOf('checkpoint-3000'), 3000);
  assert.equal(stepOf('step_12k'), 12000);
  assert.equal(stepOf('final'), undefined);
  assert.ok(isCheckpointFolder('checkpoint-3000', []));
  assert.ok(isCheckpointFolder('final', ['config.json', 'model-00001-of-00002.safetensors']));
  assert.ok(isCheckpointFolder('lora', ['adapter_config.json']));
  assert.ok(!isCheckpointFolder('data', ['config.json', 'train.jsonl']));
  assert.deepEqual(orderCheckpoints(['checkpoint-10000', 'final', 'checkpoint-500', 'checkpoint-3000']), ['checkpoint-500', 'checkpoint-3000', 'checkpoint-10000', 'final']);
});

test('run records read back: a corrupt or half-written run.json is an error, not a crash', () => {
  assert.ok('error' in checkRunRecord(null));
  assert.match((checkRunRecord({ version: 1, id: 'x' }) as { error: string }).error, /profile/);
  const ok = checkRunRecord({ version: 1, id: 'r', profile: 'p', checkpoint: '/c', checkpointName: 'c', cwd: '/', status: 'succeeded', queuedAt: 't', log: 'run.log', argv: ['a'], results: [], logMetrics: [] });
  assert.ok('run' in ok);
});

test('interrupted runs: left running or queued by a window that is gone, not by one still going or by this one', () => {
  const r = (id: string, status: RunRecord['status'], hostPid?: number): RunRecord => ({ version: 1, id, profile: 'p', checkpoint: '/c', checkpointName: 'c', argv: [], cwd: '/', status, queuedAt: id, log: 'run.log', logMetrics: [], results: [], hostPid });
  const runs = [r('a', 'running', 111), r('b', 'queued', 222), r('c', 'running', 333), r('d', 'succeeded', 111), r('e', 'running'), r('f', 'queued', 999), r('g', 'running', 999)];
  const alive = (pid: number) => pid === 222 || pid === 999;
  assert.deepEqual(interruptedRuns(runs, (id) => id === 'g', alive, 999).map((x) => x.id), ['a', 'c', 'e', 'f']);
});
