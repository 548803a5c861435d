/**
 * "Evaluate checkpoint" in code-server, as a user does it: right-click a checkpoint folder
 * in the Explorer, pick a profile, watch the progress notification, find the run in the
 * Eval Runs view with metrics computed from the predictions. Also: the shipped RoboInter
 * `--type` argument explained, a cancelled run whose process is gone, and an untrusted
 * workspace that refuses to run anything. The eval script is a python3 stand-in for
 * RoboInter's (test/fixtures/eval/fake_robointer_eval.py).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { VsCodeSession } from './harness';
import { mkdirSync, tempWorkspace, writeFileSync, writeImage } from './fixtures';
import { scorePredictionFile } from '../../src/core/eval/scoreFile';
import type { RunRecord } from '../../src/core/eval/runs';

let vs: VsCodeSession;

const SCRIPT = join(__dirname, '..', 'fixtures', 'eval', 'fake_robointer_eval.py');
const N = 40;

function evalInput(): unknown[] {
  return Array.from({ length: N }, (_, i) => ({
    id: `droid_val_${String(i).padStart(4, '0')}`,
    task: 'contact_box',
    conversations: [
      { from: 'human', value: `<image>\nThe task is 'put the marker in the cup'. Predict the bounding box of the gripper when it contacts the object.` },
      { from: 'gpt', value: JSON.stringify({ contact_bbox: [[40 + (i % 7) * 10, 50 + (i % 5) * 8], [150 + (i % 7) * 10, 130 + (i % 5) * 8]] }) },
    ],
    images: `img_${i}.jpg`,
    h: 180,
    w: 320,
    new_h: 168,
    new_w: 308,
  }));
}

function profile(name: string, extra: { env?: Record<string, string>; command?: string[] } = {}) {
  return {
    name,
    command: extra.command ?? ['python3', '${workspaceFolder}/eval/fake_robointer_eval.py', '--model_path', '${checkpoint}', '--json_path', '${dataset}', '--image_dir', '${imageDir}', '--batch_size', '4'],
    dataset: '${workspaceFolder}/eval/${task}.json',
    imageDir: '${workspaceFolder}/eval/images',
    tasks: ['contact_box'],
    predictions: '${checkpoint}/eval_details_${task}.json',
    convention: 'resized',
    env: { FAKE_EVAL_SLEEP: '0.1', FAKE_EVAL_NOISE: '15', ...extra.env },
  };
}

async function workspace(name: string): Promise<string> {
  const src = tempWorkspace(name);
  for (const step of [1000, 3000]) {
    mkdirSync(join(src, `checkpoints/checkpoint-${step}`), { recursive: true });
    writeFileSync(join(src, `checkpoints/checkpoint-${step}/config.json`), '{"model_type": "qwen2_5_vl"}');
    writeFileSync(join(src, `checkpoints/checkpoint-${step}/model.safetensors`), '');
  }
  mkdirSync(join(src, 'eval/images'), { recursive: true });
  for (let i = 0; i < N; i++) await writeImage(join(src, `eval/images/img_${i}.jpg`), 320, 180, { rect: [40 + (i % 7) * 10, 50 + (i % 5) * 8, 150 + (i % 7) * 10, 130 + (i % 5) * 8] });
  copyFileSync(SCRIPT, join(src, 'eval/fake_robointer_eval.py'));
  writeFileSync(join(src, 'eval/contact_box.json'), JSON.stringify(evalInput(), null, 2));
  mkdirSync(join(src, '.vscode'), { recursive: true });
  writeFileSync(
    join(src, '.vscode/settings.json'),
    JSON.stringify({
      'vlmLens.evalProfiles': [
        profile('Fake RoboInter'),
        profile('Slow eval', { env: { FAKE_EVAL_SLEEP: '3', FAKE_EVAL_PID_FILE: '${workspaceFolder}/slow.pid' } }),
        profile('As eval.sh ships it', { command: ['python3', '${workspaceFolder}/eval/fake_robointer_eval.py', '--model_path', '${checkpoint}', '--json_path', '${dataset}', '--type', '${task}'] }),
      ],
    }),
  );
  return src;
}

function runs(ws: string): RunRecord[] {
  const dir = join(ws, '.vlm-lens/runs');
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((id) => {
    const f = join(dir, id, 'run.json');
    return existsSync(f) ? [JSON.parse(readFileSync(f, 'utf8')) as RunRecord] : [];
  });
}

async function waitForRun(ws: string, ok: (r: RunRecord) => boolean, what: string, timeoutMs = 60_000): Promise<RunRecord> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const r = runs(ws).find(ok);
    if (r) return r;
    await new Promise((res) => setTimeout(res, 250));
  }
  throw new Error(`no run ${what}; runs: ${JSON.stringify(runs(ws).map((r) => ({ p: r.profile, s: r.status, c: r.checkpointName })))}`);
}

before(async () => {
  vs = await VsCodeSession.launch({ name: 'eval', workspace: await workspace('eval') });
});

after(async () => {
  await vs?.close();
});

test('right-click a checkpoint → Evaluate Checkpoint: progress, then the run with IoU computed from its predictions', async () => {
  const items = await vs.explorerContextMenuItems('checkpoints/checkpoint-1000');
  assert.equal(items[0], 'Evaluate Checkpoint', `first item of the menu: ${items.join(' | ')}`);
  const dataItems = await vs.explorerContextMenuItems('eval');
  assert.ok(!dataItems.slice(0, 3).includes('Evaluate Checkpoint'), 'an ordinary folder does not show it first');
  // the parent is recognised from its children's files once the extension has looked (after start-up)
  let parentItems: string[] = [];
  for (let i = 0; i < 20 && !parentItems.includes('Evaluate All Checkpoints'); i++) {
    if (i) await vs.page.waitForTimeout(500);
    parentItems = await vs.explorerContextMenuItems('checkpoints');
  }
  assert.ok(parentItems.includes('Evaluate All Checkpoints'), `the parent of checkpoints offers them all: ${parentItems.join(' | ')}`);

  await vs.explorerContextMenu('checkpoints/checkpoint-1000', 'Evaluate Checkpoint');
  await vs.pickQuickItem('Fake RoboInter');
  const note = await vs.waitForNotification(/Evaluating checkpoint-1000 · contact_box/);
  assert.match(note, /checkpoint-1000/);
  await vs.page.locator('.notifications-toasts .notification-toast', { hasText: /\d+% \(\d+\/10\)/ }).first().waitFor({ timeout: 30_000 });
  await vs.screenshot('eval-progress');
  const run = await waitForRun(vs.workspace, (r) => r.profile === 'Fake RoboInter' && r.status === 'succeeded', 'succeeded');

  // what the record says
  assert.equal(run.exitCode, 0);
  assert.equal(run.samples, N);
  assert.equal(run.step, 1000);
  assert.deepEqual(run.errors, ['CUDA out of memory. Tried to allocate 2.00 GiB'], 'the Error: glued onto the bar is found');
  assert.ok(run.argv.includes(join(vs.workspace, 'checkpoints/checkpoint-1000')), 'the checkpoint is one argument, not split');
  const result = run.results[0];
  assert.ok(result.aggregate, JSON.stringify(run.results));
  assert.equal(result.aggregate.samples, N);
  // the same numbers as scoring the prediction file directly (core, joined to the eval input)
  const expected = await scorePredictionFile(join(vs.workspace, 'checkpoints/checkpoint-1000/eval_details_contact_box.json'), { task: 'contact_box', convention: 'resized', dataset: join(vs.workspace, 'eval/contact_box.json') });
  assert.equal(result.aggregate.metrics.mean_iou, expected.aggregate.metrics.mean_iou);
  assert.ok(result.aggregate.metrics.mean_iou > 0.3 && result.aggregate.metrics.mean_iou < 1, `mean IoU ${result.aggregate.metrics.mean_iou}`);
  const samples = JSON.parse(readFileSync(join(vs.workspace, '.vlm-lens/runs', run.id, result.samplesFile ?? ''), 'utf8')) as Array<{ id: string; line: number; score: number }>;
  assert.equal(samples.length, N);
  assert.equal(samples[0].id, 'droid_val_0000');
  const log = readFileSync(join(vs.workspace, '.vlm-lens/runs', run.id, 'run.log'), 'utf8');
  assert.match(log, /Evaluating 40 samples\.\.\./);
  assert.match(log, /Results saved to /);

  // the Eval Runs view lists it under its checkpoint, with the headline metric
  await vs.runCommand('VLM Lens: Focus on Eval Runs View');
  const row = vs.page.locator('.pane-body .monaco-list-row', { hasText: 'contact_box' }).first();
  await row.waitFor({ timeout: 15_000 });
  const text = await row.innerText();
  assert.match(text, /succeeded/);
  assert.match(text, new RegExp(`mean_iou ${result.aggregate.metrics.mean_iou.toFixed(3)}`));
  await vs.screenshot('eval-runs-view');
});

test('the shipped eval.sh argument --type: the run fails and says why and how to fix it', async () => {
  await vs.explorerContextMenu('checkpoints/checkpoint-1000', 'Evaluate Checkpoint');
  await vs.pickQuickItem('As eval.sh ships it');
  const msg = await vs.waitForNotification(/failed \(exit 2\)/);
  assert.match(msg, /--type contact_box/);
  await vs.screenshot('eval-argparse-failure');
  const run = await waitForRun(vs.workspace, (r) => r.profile === 'As eval.sh ships it' && r.status === 'failed', 'failed');
  assert.equal(run.exitCode, 2);
  assert.equal(run.failure?.code, 'unrecognizedArguments');
  assert.ok(run.stderrTail?.some((l) => l.includes('unrecognized arguments')), JSON.stringify(run.stderrTail));
});

test('cancelling a run stops its process', async () => {
  await vs.explorerContextMenu('checkpoints/checkpoint-3000', 'Evaluate Checkpoint');
  await vs.pickQuickItem('Slow eval');
  const pidFile = join(vs.workspace, 'slow.pid');
  const deadline = Date.now() + 30_000;
  while (!existsSync(pidFile) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
  const pid = Number(readFileSync(pidFile, 'utf8'));
  assert.ok(pid > 0);
  const toast = vs.page.locator('.notifications-toasts .notification-toast', { hasText: 'Evaluating checkpoint-3000' }).first();
  await toast.waitFor();
  await toast.hover();
  await toast.locator('.monaco-button', { hasText: 'Cancel' }).click();
  const run = await waitForRun(vs.workspace, (r) => r.profile === 'Slow eval' && r.status === 'cancelled', 'cancelled', 30_000);
  assert.ok(run.durationMs !== undefined && run.durationMs < 20_000, 'stopped long before the script would have finished');
  assert.throws(() => process.kill(pid, 0), /ESRCH/, 'the eval process is gone');
});

test('the Eval panel: metrics, histogram and step chart (dark and light); the worst sample opens in the viewer with pred over gt; two runs compared', async () => {
  // a second checkpoint, so the step chart has two points and there is something to compare
  await vs.explorerContextMenu('checkpoints/checkpoint-3000', 'Evaluate Checkpoint');
  await vs.pickQuickItem('Fake RoboInter');
  const run = await waitForRun(vs.workspace, (r) => r.profile === 'Fake RoboInter' && r.checkpointName === 'checkpoint-3000' && r.status === 'succeeded', 'succeeded on checkpoint-3000');
  const first = await waitForRun(vs.workspace, (r) => r.profile === 'Fake RoboInter' && r.checkpointName === 'checkpoint-1000' && r.status === 'succeeded', 'on checkpoint-1000');
  const iou = run.results[0].aggregate?.metrics.mean_iou ?? NaN;

  // click the run in the Eval Runs view: the panel shows it
  await vs.runCommand('VLM Lens: Focus on Eval Runs View');
  await vs.page.locator('.pane-body .monaco-list-row', { hasText: `mean_iou ${iou.toFixed(3)}` }).first().click();
  const f = await vs.webviewFrame('VLM Lens Eval', { selector: 'table.metrics', hasText: iou.toFixed(4) });
  const primary = await f.locator('table.metrics tr.primary').first().innerText();
  assert.match(primary, /mean_iou/);
  assert.match(primary, new RegExp(iou.toFixed(4)));
  // both charts are drawn: pixels on the canvases, not blank
  const inked = (key: string) =>
    f.evaluate((k) => {
      const c = document.querySelector<HTMLCanvasElement>(`.chart[data-chart="${k}"] canvas`);
      if (!c || c.width === 0) return 0;
      const d = c.getContext('2d')?.getImageData(0, 0, c.width, c.height).data ?? new Uint8ClampedArray();
      let n = 0;
      for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++;
      return n;
    }, key);
  await f.locator('.chart[data-chart="steps"]').waitFor();
  assert.ok((await inked('histogram')) > 500, 'the histogram has ink');
  assert.ok((await inked('steps')) > 200, 'the step chart has ink');
  assert.equal(await f.locator('.note', { hasText: 'Only one checkpoint' }).count(), 0, 'two checkpoints: a trend, not the one-point note');
  await vs.screenshot('eval-panel-dark');

  // the compare section: checkpoint-1000 → checkpoint-3000, per-sample deltas
  const summary = await f.locator('.compare-summary').innerText();
  assert.match(summary, /checkpoint-1000 → checkpoint-3000/);
  const rows = await f.locator('.compare-list .vlist-layer .sample-row').count();
  assert.ok(rows > 0, 'per-sample rows are listed');
  const comparison = await f.locator('.compare-list .vlist-layer .sample-row').first().innerText();
  assert.match(comparison, /droid_val_\d{4}/);
  const firstIou = first.results[0].aggregate?.metrics.mean_iou ?? NaN;
  assert.match(summary, new RegExp(`mean ${firstIou.toFixed(4)} → ${iou.toFixed(4)}`));

  // the samples, worst first: the first row has the lowest score of the run
  const samples = JSON.parse(readFileSync(join(vs.workspace, '.vlm-lens/runs', run.id, run.results[0].samplesFile ?? ''), 'utf8')) as Array<{ id: string; index: number; score: number }>;
  const worst = samples.reduce((a, b) => (b.score < a.score ? b : a));
  const top = f.locator('.samples .vlist-layer .sample-row').first();
  await top.waitFor();
  assert.match(await top.locator('.c-id').innerText(), new RegExp(worst.id));
  assert.equal(await top.locator('.c-score').innerText(), worst.score.toFixed(4));

  // light theme: the panel follows
  await vs.setColorTheme('Light Modern');
  await f.waitForFunction(() => document.body.classList.contains('vscode-light'));
  await vs.page.waitForTimeout(1500); // the workbench repaints after the theme switch
  assert.ok((await inked('histogram')) > 500, 'the histogram is redrawn in the light theme');
  await vs.screenshot('eval-panel-light');
  await vs.setColorTheme('Dark Modern');

  // click the worst sample: the prediction file opens in the viewer on that record, pred and gt drawn
  await top.click();
  const viewer = await vs.webviewFrame('VLM Lens Dataset', { selector: '.detail-id', hasText: worst.id });
  const canvas = viewer.locator('.detail canvas.overlay');
  await canvas.waitFor();
  await viewer.waitForFunction(() => (JSON.parse(document.querySelector<HTMLCanvasElement>('.detail canvas.overlay')?.dataset.drawn ?? '[]') as unknown[]).length === 2);
  const drawn = JSON.parse((await canvas.getAttribute('data-drawn')) ?? '[]') as Array<{ role: string }>;
  assert.deepEqual(drawn.map((d) => d.role).sort(), ['gt', 'pred']);
  await vs.screenshot('eval-sample-in-viewer');
});

test('an untrusted workspace refuses to run an eval script, and says why', async () => {
  const untrusted = await VsCodeSession.launch({ name: 'eval-untrusted', workspace: await workspace('eval-untrusted'), workspaceTrust: true });
  try {
    await untrusted.runCommand('VLM Lens: Evaluate Checkpoint');
    const msg = await untrusted.waitForNotification(/trusted workspace/);
    assert.match(msg, /Restricted Mode/);
    await untrusted.screenshot('eval-untrusted');
    assert.equal(runs(untrusted.workspace).length, 0, 'nothing ran');
  } finally {
    await untrusted.close();
  }
});
