/**
 * Headless eval runs: `vlm-lens eval` runs a profile from a workspace's settings exactly as
 * the extension does (the same core runner), with RoboInter's script stood in for by
 * test/fixtures/eval/fake_robointer_eval.py (same arguments, same output lines, same
 * "already exists, skip eval" on a second run). Also the pure pieces: when a run counts as
 * skipped, and profiles read from a settings.json with comments.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './runCli';
import { echoFilter, reuseOf } from '../../src/core/eval/runner';
import { profilesFromSettings } from '../../src/core/eval/profileSettings';
import { parseFragment } from '../../src/core/eval/logParse';
import type { RunRecord } from '../../src/core/eval/runs';

const SCRIPT = join(__dirname, '..', 'fixtures', 'eval', 'fake_robointer_eval.py');
const N = 12;

/** Box questions as RoboInter's eval input holds them (gt in the answer turn). */
function evalInput(): unknown[] {
  return Array.from({ length: N }, (_, i) => ({
    id: `s${i}`,
    conversations: [
      { from: 'human', value: '<image>\nPredict the bounding box of the gripper when it contacts the object.' },
      { from: 'gpt', value: JSON.stringify({ contact_bbox: [[40 + i, 50], [150 + i, 130]] }) },
    ],
    images: `img_${i}.jpg`,
  }));
}

function workspace(profiles: unknown[], settingsText?: string): string {
  const ws = mkdtempSync(join(tmpdir(), 'vlm-lens-eval-'));
  mkdirSync(join(ws, 'checkpoints', 'checkpoint-2000'), { recursive: true });
  mkdirSync(join(ws, 'eval'), { recursive: true });
  copyFileSync(SCRIPT, join(ws, 'eval', 'fake_robointer_eval.py'));
  writeFileSync(join(ws, 'eval', 'contact_box.json'), JSON.stringify(evalInput()));
  mkdirSync(join(ws, '.vscode'));
  writeFileSync(join(ws, '.vscode', 'settings.json'), settingsText ?? JSON.stringify({ 'vlmLens.evalProfiles': profiles }, null, 2));
  return ws;
}

const fake = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  command: ['python3', '${workspaceFolder}/eval/fake_robointer_eval.py', '--model_path', '${checkpoint}', '--json_path', '${dataset}', '--batch_size', '4'],
  dataset: '${workspaceFolder}/eval/${task}.json',
  tasks: ['contact_box'],
  predictions: '${checkpoint}/eval_details_${task}.json',
  env: { FAKE_EVAL_SLEEP: '0', FAKE_EVAL_NOISE: '3' },
  ...extra,
});

const records = (stdout: string) => JSON.parse(stdout) as RunRecord[];

test('vlm-lens eval runs the profile, saves the run where the extension keeps it, and scores its predictions', () => {
  const ws = workspace([fake('Fake RoboInter'), fake('Other')]);
  const r = runCli(['eval', join(ws, 'checkpoints', 'checkpoint-2000'), '--profile', 'Fake RoboInter', '--workspace', ws, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const [run] = records(r.stdout);
  assert.equal(run.status, 'succeeded');
  assert.equal(run.step, 2000);
  assert.equal(run.task, 'contact_box');
  assert.equal(run.exitCode, 0);
  assert.equal(run.samples, N, 'the script said "Evaluating N samples..."');
  const agg = run.results[0].aggregate;
  assert.ok(agg, JSON.stringify(run.results));
  assert.equal(agg.samples, N);
  assert.equal(agg.kind, 'box');
  // noisy boxes around the truth: overlapping, never exact
  assert.ok(agg.metrics.mean_iou > 0.5 && agg.metrics.mean_iou < 1, String(agg.metrics.mean_iou));
  const saved = JSON.parse(readFileSync(join(ws, '.vlm-lens', 'runs', run.id, 'run.json'), 'utf8')) as RunRecord;
  assert.equal(saved.status, 'succeeded');
  assert.match(readFileSync(join(ws, '.vlm-lens', 'runs', run.id, 'run.log'), 'utf8'), new RegExp(`Evaluating ${N} samples`));
  assert.ok(existsSync(join(ws, '.vlm-lens', 'runs', run.id, 'samples-0.json')));
  // progress and the script's lines on stderr, the record on stdout
  assert.match(r.stderr, /Results saved to/);
  assert.match(r.stderr, /contact_box: succeeded/);

  // the same checkpoint again: the script finds its output and skips; the run says so
  const again = runCli(['eval', join(ws, 'checkpoints', 'checkpoint-2000'), '--profile', 'Fake RoboInter', '--workspace', ws, '--json']);
  assert.equal(again.code, 3, again.stderr);
  const [second] = records(again.stdout);
  assert.equal(second.status, 'skipped');
  assert.match(second.reused?.reason ?? '', /Eval details for contact_box already exists, skip eval\./);
  assert.ok(second.reused?.writtenAt && Date.parse(second.reused.writtenAt) <= Date.parse(second.startedAt ?? ''), 'the reused file predates the run');
  assert.notEqual(second.id, run.id);
});

test('vlm-lens eval calls a run skipped when its prediction files are all older than it, though the script said nothing', () => {
  const ws = workspace([]);
  const pred = join(ws, 'checkpoints', 'checkpoint-2000', 'eval_details_contact_box.json');
  writeFileSync(pred, JSON.stringify([{ id: 's0', pred: '[[40, 50], [150, 130]]', gt: '[[40, 50], [150, 130]]' }]));
  const hourAgo = new Date(Date.now() - 3600_000);
  utimesSync(pred, hourAgo, hourAgo);
  writeFileSync(join(ws, '.vscode', 'settings.json'), JSON.stringify({ 'vlmLens.evalProfiles': [{ name: 'Quiet', command: ['python3', '-c', 'print("done")'], tasks: ['contact_box'], predictions: '${checkpoint}/eval_details_${task}.json' }] }));
  const r = runCli(['eval', join(ws, 'checkpoints', 'checkpoint-2000'), '--workspace', ws, '--json']);
  assert.equal(r.code, 3, r.stderr);
  const [run] = records(r.stdout);
  assert.equal(run.status, 'skipped');
  assert.match(run.reused?.reason ?? '', /written before this run started/);
  assert.ok(Math.abs(Date.parse(run.reused?.writtenAt ?? '') - hourAgo.getTime()) < 1000, run.reused?.writtenAt);
  // the earlier file is still scored (shown as reused), an exact box → IoU 1
  assert.equal(run.results[0].aggregate?.metrics.mean_iou, 1);
});

test('vlm-lens eval: a failing script exits 1 with the known cause; usage errors exit 2 and name what is there', () => {
  const ws = workspace([
    fake('As eval.sh ships it', { command: ['python3', '${workspaceFolder}/eval/fake_robointer_eval.py', '--model_path', '${checkpoint}', '--json_path', '${dataset}', '--type', '${task}'] }),
    fake('Needs data', { dataset: undefined }),
  ]);
  const ckpt = join(ws, 'checkpoints', 'checkpoint-2000');
  const r = runCli(['eval', ckpt, '--profile', 'As eval.sh ships it', '--workspace', ws]);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stdout, /failed \(exit 2\): The script rejected the argument --type contact_box/);
  assert.match(r.stdout, /\| .*error: unrecognized arguments: --type contact_box/);

  const noProfile = runCli(['eval', ckpt, '--workspace', ws]);
  assert.equal(noProfile.code, 2);
  assert.match(noProfile.stderr, /pass --profile NAME: .* holds 2 profiles \("As eval.sh ships it", "Needs data"\)/);
  const unknown = runCli(['eval', ckpt, '--profile', 'Nope', '--workspace', ws]);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /no profile named "Nope"/);
  const noData = runCli(['eval', ckpt, '--profile', 'Needs data', '--workspace', ws]);
  assert.equal(noData.code, 2);
  assert.match(noData.stderr, /uses \$\{dataset\} and names no eval input: pass --dataset FILE/);
  const badTask = runCli(['eval', ckpt, '--profile', 'Needs data', '--workspace', ws, '--task', 'traj', '--dataset', join(ws, 'eval', 'contact_box.json')]);
  assert.equal(badTask.code, 2);
  assert.match(badTask.stderr, /has no task 'traj' \(its tasks: contact_box\)/);
  const noCkpt = runCli(['eval', join(ws, 'nowhere'), '--workspace', ws]);
  assert.equal(noCkpt.code, 2);
  assert.match(noCkpt.stderr, /no checkpoint at/);
  // nothing was run for the usage errors: only the failed run is in the history
  assert.equal(runsIn(ws).length, 1);
});

test('a checkpoint that is a weights file is evaluable, its step read from the name', () => {
  const ws = workspace([{ name: 'Echo', command: ['python3', '-c', 'import sys; print("accuracy: 0.75"); print(sys.argv[1])', '${checkpoint}'], genericMetrics: true }]);
  const ckpt = join(ws, 'checkpoints', 'epoch=3-step=20000.ckpt');
  writeFileSync(ckpt, '');
  const r = runCli(['eval', ckpt, '--workspace', ws, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const [run] = records(r.stdout);
  assert.equal(run.step, 20000);
  assert.equal(run.checkpointName, 'epoch=3-step=20000.ckpt');
  assert.deepEqual(run.logMetrics.map((m) => [m.name, m.value]), [['accuracy', 0.75]]);
});

test('profiles are read from a settings.json with comments and trailing commas; a bad one is named, the others kept', () => {
  const text = `{
    // eval profiles
    "vlmLens.evalProfiles": [
      { "name": "A", "command": ["python3", "eval.py"], },
      { "name": "B", "command": "python3 eval.py" },
    ],
  }`;
  const { profiles, problems } = profilesFromSettings(text);
  assert.deepEqual(profiles.map((p) => p.name), ['A']);
  assert.equal(problems.length, 1);
  assert.match(problems[0], /profile “B”: "command" must be a non-empty list of strings/);
  assert.match(profilesFromSettings('{ "vlmLens.evalProfiles": [ }').problems[0], /line 1: ValueExpected/);
});

test('a run is skipped when its outputs predate it: old files, or no file and no metric but a "skip" line', () => {
  const start = Date.parse('2026-11-30T10:00:00Z');
  const line = 'Eval details for x already exists, skip eval.';
  // files written during the run: evaluated, whatever the output said
  assert.equal(reuseOf({ skipLines: [line], predictionTimes: [start + 500], startedMs: start, logMetrics: 0 }), undefined);
  // an hour old: skipped, with the newest time
  assert.deepEqual(reuseOf({ skipLines: [], predictionTimes: [start - 3600_000, start - 7200_000], startedMs: start, logMetrics: 0 }), { said: undefined, newest: start - 3600_000 });
  // one file new, one old: evaluated
  assert.equal(reuseOf({ skipLines: [], predictionTimes: [start - 3600_000, start + 10], startedMs: start, logMetrics: 0 }), undefined);
  // a second old without a skip line: within what a coarse clock rounds, not called skipped
  assert.equal(reuseOf({ skipLines: [], predictionTimes: [start - 1000], startedMs: start, logMetrics: 0 }), undefined);
  // ... but with one, it is
  assert.deepEqual(reuseOf({ skipLines: [line], predictionTimes: [start - 1000], startedMs: start, logMetrics: 0 }), { said: line, newest: start - 1000 });
  // no prediction file: skipped only when it said so and printed no metric
  assert.deepEqual(reuseOf({ skipLines: [line], predictionTimes: [], startedMs: start, logMetrics: 0 }), { said: line });
  assert.equal(reuseOf({ skipLines: [line], predictionTimes: [], startedMs: start, logMetrics: 2 }), undefined);
  assert.equal(reuseOf({ skipLines: [], predictionTimes: [], startedMs: start, logMetrics: 0 }), undefined);
});

test('echoed output: every line, a progress bar once per tenth of the way, and any redraw with an error glued on', () => {
  const echo = echoFilter();
  const bar = (pct: number, rest = '') => `Evaluating: ${String(pct).padStart(3)}%|${'█'.repeat(Math.floor(pct / 10)).padEnd(10)}| ${pct}/100 [00:01<00:02, 2.00it/s]${rest}`;
  const fragments = ['Evaluating 100 samples...', bar(5), bar(7), bar(12), bar(15, 'Error: CUDA out of memory'), bar(18), '', bar(100)];
  const shown = fragments.filter((f) => echo(f, parseFragment(f)));
  assert.deepEqual(shown, ['Evaluating 100 samples...', bar(5), bar(12), bar(15, 'Error: CUDA out of memory'), bar(100)]);
});

test('other scripts\' "nothing to do" lines are read as skip lines; ordinary lines are not', () => {
  const said = (t: string) => parseFragment(t).some((e) => e.kind === 'skipped');
  assert.ok(said('Results for checkpoint-100 already exist, skipping.'));
  assert.ok(said('[eval] skipping mmbench: already evaluated'));
  assert.ok(!said('Evaluating 200 samples...'));
  assert.ok(!said('Skipping 3 samples with missing images'));
});

function runsIn(ws: string): string[] {
  const dir = join(ws, '.vlm-lens', 'runs');
  return existsSync(dir) ? readdirSync(dir) : [];
}

test('two writers queueing runs in the same second never get the same run id (the folder is taken when the id is)', async () => {
  const { RunStore } = await import('../../src/core/eval/runStore');
  const ws = mkdtempSync(join(tmpdir(), 'vlm-lens-ids-'));
  // two stores on one folder: another `vlm-lens eval`, the extension
  const a = RunStore.forFolder(ws);
  const b = RunStore.forFolder(ws);
  const now = new Date(2026, 10, 30, 5, 12, 2);
  const ids = await Promise.all([a.reserveId(now, 0), b.reserveId(now, 0), a.reserveId(now, 0), b.reserveId(now, 0)]);
  assert.equal(new Set(ids).size, 4, ids.join(' '));
  assert.ok(ids.every((id) => existsSync(join(ws, '.vlm-lens', 'runs', id))), 'each folder is made with its id');
});
