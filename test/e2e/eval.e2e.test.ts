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
import { inkOf, panelShot } from './panel';
import { deadPid, mkdirSync, tempWorkspace, writeFileSync, writeImage } from './fixtures';
import { scorePredictionFile } from '../../src/core/eval/scoreFile';
import { formatMetricValue } from '../../src/core/eval/shaping';
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

/** Trajectory questions for the same images: 5 points each, in the resized frame like the boxes. */
function trajInput(): unknown[] {
  return Array.from({ length: N }, (_, i) => ({
    id: `droid_val_${String(i).padStart(4, '0')}`,
    task: 'traj',
    conversations: [
      { from: 'human', value: `<image>\nThe task is 'put the marker in the cup'. Predict the future trajectory of the gripper.` },
      { from: 'gpt', value: JSON.stringify({ future_traj: Array.from({ length: 5 }, (_, k) => [40 + (i % 7) * 10 + k * 20, 60 + (i % 5) * 8 + k * 12]) }) },
    ],
    images: `img_${i}.jpg`,
    h: 180,
    w: 320,
    new_h: 168,
    new_w: 308,
  }));
}

/** RoboInter-style details ({id, pred, gt}) in pixels, each corner off by up to `noise`. */
function earlierPredictions(noise: number): unknown[] {
  return Array.from({ length: 10 }, (_, i) => {
    const gt = [[40 + i * 5, 50], [150 + i * 5, 130]];
    const off = (v: number, k: number) => v + (((i * 7 + k * 3) % (2 * noise + 1)) - noise);
    const pred = gt.map(([x, y], k) => [off(x, k), off(y, k + 1)]);
    return { id: `droid_val_${String(i).padStart(4, '0')}`, pred: JSON.stringify(pred), gt: JSON.stringify(gt) };
  });
}

function profile(name: string, extra: { env?: Record<string, string>; command?: string[]; tasks?: string[] } = {}) {
  return {
    name,
    command: extra.command ?? ['python3', '${workspaceFolder}/eval/fake_robointer_eval.py', '--model_path', '${checkpoint}', '--json_path', '${dataset}', '--image_dir', '${imageDir}', '--batch_size', '4'],
    dataset: '${workspaceFolder}/eval/${task}.json',
    imageDir: '${workspaceFolder}/eval/images',
    tasks: extra.tasks ?? ['contact_box'],
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
  writeFileSync(join(src, 'eval/traj.json'), JSON.stringify(trajInput(), null, 2));
  // files a user opens directly: the real HF trainer_state.json sample and a generation.py output
  writeFileSync(join(src, 'checkpoints/checkpoint-3000/trainer_state.json'), readFileSync(join(__dirname, '..', 'fixtures', 'samples', 'hf_trainer', 'trainer_state_smolvlm_kvasir.json')));
  writeFileSync(join(src, 'generation_stdout.txt'), readFileSync(join(__dirname, '..', 'fixtures', 'samples', 'constructed', 'generation_py.stdout.constructed.txt')));
  // a run a closed window left "running" (its extension host is gone)
  const old = { version: 1, id: '20200101-000000-001', profile: 'Old session', checkpoint: join(src, 'checkpoints/checkpoint-1000'), checkpointName: 'checkpoint-1000', argv: ['python3', 'x.py'], cwd: src, status: 'running', queuedAt: '2020-01-01T00:00:00.000Z', startedAt: '2020-01-01T00:00:01.000Z', log: 'run.log', logMetrics: [], results: [], hostPid: deadPid() };
  mkdirSync(join(src, '.vlm-lens/runs', old.id), { recursive: true });
  writeFileSync(join(src, '.vlm-lens/runs', old.id, 'run.json'), JSON.stringify(old));
  // prediction files an earlier eval.sh left (no run record), and a Lightning weights file
  // (names found nowhere else in the tree: the explorer is searched by name)
  for (const [step, name, noise] of [[500, 'eval_details_gripper_det.json', 12], [800, 'gripper_det_preds.json', 4]] as const) {
    mkdirSync(join(src, `earlier/checkpoint-${step}`), { recursive: true });
    writeFileSync(join(src, `earlier/checkpoint-${step}`, name), JSON.stringify(earlierPredictions(noise), null, 1));
  }
  mkdirSync(join(src, 'lightning'), { recursive: true });
  writeFileSync(join(src, 'lightning/last.ckpt'), '');
  mkdirSync(join(src, '.vscode'), { recursive: true });
  writeFileSync(
    join(src, '.vscode/settings.json'),
    JSON.stringify({
      'vlmLens.evalProfiles': [
        profile('Fake RoboInter'),
        profile('Fake RoboInter, two tasks', { tasks: ['contact_box', 'traj'] }),
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

/**
 * Right-click → Evaluate Checkpoint → the profile, until its run is recorded. Once (CI, after a
 * cancelled run) the profile pick closed and no run was made; what the window showed then is
 * logged and shot, and the pick is made once more, so that the tests after it test what they say.
 */
async function evaluateCheckpoint(ckpt: string, profileName: string): Promise<void> {
  const count = () => runs(vs.workspace).filter((r) => r.profile === profileName && r.checkpointName === ckpt).length;
  const before = count();
  for (let attempt = 1; ; attempt++) {
    await vs.explorerContextMenu(`checkpoints/${ckpt}`, 'Evaluate Checkpoint');
    await vs.pickQuickItem(profileName);
    // CI once recorded the run of a pick more than 15 s late (and the retry made a second one): a
    // pick is only made again when a minute has gone by without its run
    const started = Date.now();
    while (count() === before && Date.now() < started + 60_000) await new Promise((r) => setTimeout(r, 200));
    if (count() > before) {
      if (Date.now() - started > 5000) console.log(`[e2e] ${profileName} on ${ckpt}: the run was recorded ${Date.now() - started} ms after the pick`);
      return;
    }
    const focused = await vs.page.evaluate(() => `${document.activeElement?.tagName ?? '?'}.${document.activeElement?.className ?? ''}`);
    console.log(`[e2e] ${profileName} on ${ckpt}: no run recorded 60 s after the pick (attempt ${attempt}); focus on ${focused}; notifications: ${(await vs.notifications()).join(' / ')}`);
    await vs.screenshot(`eval-pick-without-run-${attempt}`);
    if (attempt === 2) throw new Error(`${profileName} on ${ckpt}: no run recorded after two picks`);
  }
}

before(async () => {
  vs = await VsCodeSession.launch({ name: 'eval', workspace: await workspace('eval') });
});

after(async () => {
  await vs?.close();
});

test('right-click a checkpoint → Evaluate Checkpoint: progress, then the run with IoU computed from its predictions', async () => {
  // the checkpoint context keys are set once the extension has looked at the workspace (after start-up)
  let items: string[] = [];
  for (let i = 0; i < 20 && items[0] !== 'Evaluate Checkpoint'; i++) {
    if (i) await vs.page.waitForTimeout(500);
    items = await vs.explorerContextMenuItems('checkpoints/checkpoint-1000');
  }
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

  // it ends with a notification holding the headline metric, not silently
  const done = await vs.waitForNotification(/Evaluated checkpoint-1000 · contact_box/);
  assert.match(done, new RegExp(`mean_iou ${result.aggregate.metrics.mean_iou.toFixed(4)}`));
  assert.doesNotMatch((await vs.notifications()).join('\n'), /Evaluating checkpoint-1000/, 'the progress toast is gone');
  // Show Results opens the Eval panel on this run
  const toastDone = vs.page.locator('.notifications-toasts .notification-toast', { hasText: 'Evaluated checkpoint-1000' }).first();
  await toastDone.hover();
  await toastDone.locator('.monaco-button', { hasText: 'Show Results' }).click();
  const panel = await vs.webviewFrame('VLM Lens Eval', { selector: '.status', hasText: /succeeded/ });
  assert.match(await panel.locator('.status').first().innerText(), /succeeded · \d{2}-\d{2} \d{2}:\d{2}/, 'the date and time tell runs of one checkpoint apart');
  assert.match(await panel.locator('table.metrics tr.primary').first().innerText(), new RegExp(result.aggregate.metrics.mean_iou.toFixed(4)));
  // one task: said once above the table, not repeated per row; one checkpoint: said, not drawn as a lone dot
  assert.equal(await panel.locator('table.metrics caption').first().innerText(), 'Task: contact_box');
  assert.equal(await panel.locator('table.metrics th', { hasText: /^Task$/ }).count(), 0);
  await panel.locator('.note', { hasText: 'Only one checkpoint' }).waitFor();
  assert.equal(await panel.locator('.chart[data-chart="steps"]').count(), 0);
  assert.equal(await panel.locator('.chart[data-chart^="bars-"]').count(), 0, 'one task of one checkpoint: no one-bar chart');

  // the Eval Runs view lists it under its checkpoint, the headline metric first (the view cuts the end)
  await vs.runCommand('VLM Lens: Focus on Eval Runs View');
  const row = vs.page.locator('.pane-body .monaco-list-row', { hasText: 'contact_box' }).first();
  await row.waitFor({ timeout: 15_000 });
  const text = await row.innerText();
  assert.match(text, new RegExp(`contact_box\\s*mean_iou ${result.aggregate.metrics.mean_iou.toFixed(4)} · \\d{2}-\\d{2} \\d{2}:\\d{2}`));
  await vs.screenshot('eval-runs-view');
});

test('re-running an evaluated checkpoint: the script skips, the run says "skipped (reused)" and why, and the panel follows it', async () => {
  await vs.clearNotifications();
  const before = runs(vs.workspace).filter((r) => r.profile === 'Fake RoboInter' && r.checkpointName === 'checkpoint-1000');
  assert.equal(before.length, 1);

  await vs.explorerContextMenu('checkpoints/checkpoint-1000', 'Evaluate Checkpoint');
  await vs.pickQuickItem('Fake RoboInter');
  const msg = await vs.waitForNotification(/checkpoint-1000 · contact_box was not evaluated again/);
  assert.match(msg, /it said “Eval details for contact_box already exists, skip eval\.”/);
  const skipped = await waitForRun(vs.workspace, (r) => r.profile === 'Fake RoboInter' && r.checkpointName === 'checkpoint-1000' && r.status === 'skipped', 'skipped');
  assert.ok(skipped.reused?.writtenAt && Date.parse(skipped.reused.writtenAt) < Date.parse(skipped.startedAt ?? ''), 'the reused file predates the re-run');
  // the old predictions are still scored: the same number, shown as reused
  assert.equal(skipped.results[0].aggregate?.metrics.mean_iou, before[0].results[0].aggregate?.metrics.mean_iou);

  // the panel (not pinned) moved to the new run and says why it is not a new result
  const f = await vs.webviewFrame('VLM Lens Eval', { selector: '.status', hasText: /skipped \(reused\)/ });
  assert.match(await f.locator('.reused').innerText(), /evaluated nothing/);
  const options = await f.locator('.run-picker vscode-option').allInnerTexts();
  const ofCkpt = options.filter((o) => o.startsWith('checkpoint-1000 · contact_box'));
  assert.equal(ofCkpt.length, 2, options.join(' | '));
  assert.notEqual(ofCkpt[0], ofCkpt[1], 'two runs of one checkpoint are told apart in the picker');
  await vs.screenshot('eval-rerun-skipped');
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
  // the progress toast (which the click focused) is gone before the next test opens a menu
  await toast.waitFor({ state: 'detached', timeout: 15_000 });
});

test('the Eval panel: metrics, histogram and step chart (dark and light); the worst sample opens in the viewer with pred over gt; two runs compared', async () => {
  // a second checkpoint, so the step chart has two points and there is something to compare
  await evaluateCheckpoint('checkpoint-3000', 'Fake RoboInter');
  const run = await waitForRun(vs.workspace, (r) => r.profile === 'Fake RoboInter' && r.checkpointName === 'checkpoint-3000' && r.status === 'succeeded', 'succeeded on checkpoint-3000');
  const first = await waitForRun(vs.workspace, (r) => r.profile === 'Fake RoboInter' && r.checkpointName === 'checkpoint-1000' && r.status === 'succeeded', 'on checkpoint-1000');
  const iou = run.results[0].aggregate?.metrics.mean_iou ?? NaN;

  // click the run in the Eval Runs view: the panel shows it
  await vs.runCommand('VLM Lens: Focus on Eval Runs View');
  await vs.page.locator('.pane-body .monaco-list-row', { hasText: `mean_iou ${iou.toFixed(4)}` }).first().click();
  const f = await vs.webviewFrame('VLM Lens Eval', { selector: 'table.metrics', hasText: iou.toFixed(4) });
  const primary = await f.locator('table.metrics tr.primary').first().innerText();
  assert.match(primary, /mean_iou/);
  assert.match(primary, new RegExp(iou.toFixed(4)));
  assert.equal(await f.locator('.header vscode-button', { hasText: 'Open Predictions' }).count(), 1, 'the prediction file is one click away');
  // both charts are drawn: pixels on the canvases, not blank
  const inked = (key: string) => inkOf(f, key);
  await f.locator('.chart[data-chart="steps"]').waitFor();
  assert.ok((await inked('histogram')) > 500, 'the histogram has ink');
  assert.ok((await inked('steps')) > 200, 'the step chart has ink');
  assert.equal(await f.locator('.note', { hasText: 'Only one checkpoint' }).count(), 0, 'two checkpoints: a trend, not the one-point note');
  await panelShot(vs, 'eval-panel-dark', f.locator('.chart[data-chart="histogram"]'));

  // the compare section: checkpoint-1000 → checkpoint-3000, per-sample deltas
  const summary = await f.locator('.compare-summary').innerText();
  assert.match(summary, /checkpoint-1000 → checkpoint-3000/);
  const rows = await f.locator('.compare-list .vlist-layer .sample-row').count();
  assert.ok(rows > 0, 'per-sample rows are listed');
  const comparison = await f.locator('.compare-list .vlist-layer .sample-row').first().innerText();
  assert.match(comparison, /droid_val_\d{4}/);
  const firstIou = first.results[0].aggregate?.metrics.mean_iou ?? NaN;
  assert.match(summary, new RegExp(`mean ${firstIou.toFixed(4)} → ${iou.toFixed(4)}`));

  // the per-task bars start with both checkpoints ticked; unticking one leaves a single series
  await f.locator('.chart[data-chart="bars-0"]').waitFor();
  assert.ok((await inked('bars-0')) > 200, 'the bar chart has ink');
  const ticks = f.locator('.bar-runs vscode-checkbox');
  // every successful run of this profile can be ticked (two, unless a pick above was made twice);
  // the chart starts with the newest of each of the two checkpoints
  const succeeded = runs(vs.workspace).filter((r) => r.profile === 'Fake RoboInter' && r.status === 'succeeded');
  assert.ok(succeeded.length >= 2);
  assert.equal(await ticks.count(), succeeded.length, 'the successful runs of this profile can be ticked');
  assert.equal(await f.locator('.bar-runs vscode-checkbox[checked]').count(), 2, 'one run per checkpoint is ticked');
  await vs.clearNotifications();
  const tick = async () => {
    const cb = f.locator('.bar-runs vscode-checkbox', { hasText: 'checkpoint-1000' });
    // mid-panel, not under the sticky run picker
    await cb.evaluate((el) => el.scrollIntoView({ block: 'center' }));
    await cb.click();
  };
  await tick();
  await f.locator('.note', { hasText: 'Tick runs of other checkpoints' }).waitFor({ timeout: 10_000 });
  await tick();
  await f.locator('.note', { hasText: 'Tick runs of other checkpoints' }).waitFor({ state: 'detached', timeout: 10_000 });

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
  await panelShot(vs, 'eval-panel-light', f.locator('.chart[data-chart="bars-0"]'));
  await vs.setColorTheme('Dark Modern');

  // click the worst sample: the prediction file opens in the viewer on that record, pred and gt drawn
  await top.click();
  const viewer = await vs.webviewFrame('VLM Lens Dataset', { selector: '.detail-id', hasText: worst.id });
  const canvas = viewer.locator('.detail canvas.overlay');
  await canvas.waitFor();
  await viewer.waitForFunction(() => (JSON.parse(document.querySelector<HTMLCanvasElement>('.detail canvas.overlay')?.dataset.drawn ?? '[]') as unknown[]).length === 2);
  const drawn = JSON.parse((await canvas.getAttribute('data-drawn')) ?? '[]') as Array<{ role: string }>;
  assert.deepEqual(drawn.map((d) => d.role).sort(), ['gt', 'pred']);
  // read as the run scored it (the profile's "resized"), not detected; no training-data notices
  assert.match(await viewer.locator('.convention-reason').innerText(), /read as resized: as the eval run that scored this file read it, checkpoint-3000 · contact_box \(Fake RoboInter\)/);
  assert.equal(await viewer.locator('.mixed-conventions').count(), 0);

  // the record's scores: this run (its prediction file) and the other checkpoint's run (same id)
  const own = viewer.locator('.record-score.this-file');
  await own.waitFor();
  assert.match(await own.innerText(), new RegExp(`checkpoint-3000[\\s\\S]*${worst.score.toFixed(3)}`));
  const firstSamples = JSON.parse(readFileSync(join(vs.workspace, '.vlm-lens/runs', first.id, first.results[0].samplesFile ?? ''), 'utf8')) as Array<{ id: string; score: number }>;
  const before = firstSamples.find((x) => x.id === worst.id)?.score ?? NaN;
  const other = viewer.locator('.record-score:not(.this-file)', { hasText: 'checkpoint-1000' });
  assert.match(await other.innerText(), new RegExp(`${before.toFixed(3)}[\\s\\S]*same id`));
  await vs.screenshot('eval-sample-in-viewer');
  // a score opens its run in the Eval panel
  await other.click();
  await vs.webviewFrame('VLM Lens Eval', { selector: 'table.metrics tr.primary', hasText: firstIou.toFixed(4) });
});

test('two tasks on two checkpoints: per-task bars keep IoU and DTW apart; a trajectory run shows how its errors are distributed', async () => {
  for (const ckpt of ['checkpoint-1000', 'checkpoint-3000']) {
    await vs.explorerContextMenu(`checkpoints/${ckpt}`, 'Evaluate Checkpoint');
    // the profile, then the tasks picker (the same widget stays open), where both are ticked: accept
    await vs.page.locator('.quick-input-widget input').fill('Fake RoboInter, two tasks');
    await vs.page.locator('.quick-input-list .monaco-list-row.focused', { hasText: 'Fake RoboInter, two tasks' }).waitFor();
    await vs.page.keyboard.press('Enter');
    await vs.page.locator('.quick-input-widget', { hasText: 'Tasks to evaluate' }).waitFor();
    await vs.page.keyboard.press('Enter');
    await vs.page.locator('.quick-input-widget').waitFor({ state: 'hidden' });
  }
  const done = (ckpt: string, task: string, status = 'succeeded') => waitForRun(vs.workspace, (r) => r.profile === 'Fake RoboInter, two tasks' && r.checkpointName === ckpt && r.task === task && r.status === status, `${task} on ${ckpt}`, 90_000);
  const traj = await done('checkpoint-3000', 'traj');
  await done('checkpoint-1000', 'traj');
  // contact_box was evaluated on both checkpoints by the other profile: the script skips, and the run says so
  for (const ckpt of ['checkpoint-3000', 'checkpoint-1000']) {
    const reused = await done(ckpt, 'contact_box', 'skipped');
    assert.match(reused.reused?.reason ?? '', /already exists, skip eval/);
    assert.ok(reused.results[0].aggregate, 'the earlier predictions are still scored');
  }
  const agg = traj.results[0].aggregate;
  assert.equal(agg?.kind, 'trajectory', JSON.stringify(traj.results));
  assert.ok(agg.unparsed === 0 && agg.metrics.mean_dtw > 0, JSON.stringify(agg));

  await vs.runCommand('VLM Lens: Focus on Eval Runs View');
  await vs.page.locator('.pane-body .monaco-list-row', { hasText: `mean_dtw ${formatMetricValue(agg.metrics.mean_dtw)}` }).first().click();
  const f = await vs.webviewFrame('VLM Lens Eval', { selector: 'table.metrics tr.primary', hasText: 'mean_dtw' });
  await f.locator('.chart[data-chart="trajectory"]').waitFor();
  const inked = (key: string) => inkOf(f, key);
  assert.ok((await inked('trajectory')) > 500, 'the error distribution has ink');
  assert.match(await f.locator('.chart[data-chart="trajectory"] .chart-head > span').innerText(), /Error distribution \(px\)/);
  // IoU bars and DTW bars on separate charts, each with both checkpoints
  const heads = await f.locator('.chart[data-chart^="bars-"] .chart-head > span').allInnerTexts();
  assert.deepEqual(heads.map((t) => t.trim()), ['By task: score (higher is better)', 'By task: error (lower is better)']);
  assert.ok((await inked('bars-0')) > 200 && (await inked('bars-1')) > 200, 'both bar charts have ink');
  // a reused result stands for its checkpoint and task in this profile (it has no fresh one), once
  assert.equal(await f.locator('.bar-runs vscode-checkbox[checked]').count(), 4, 'both tasks of both checkpoints are in the bars');
  await panelShot(vs, 'eval-panel-trajectory-and-bars', f.locator('.chart[data-chart="trajectory"]'));
});

test('files users already have: Score Predictions makes a run without a process; Compare With… compares two files; a .ckpt is evaluable', async () => {
  assert.equal((await vs.explorerContextMenuItems('lightning/last.ckpt'))[0], 'Evaluate Checkpoint', 'a Lightning weights file is a checkpoint');
  await vs.clearNotifications();
  await vs.runCommand('File: Focus on Files Explorer');
  const a = 'earlier/checkpoint-500/eval_details_gripper_det.json';
  const b = 'earlier/checkpoint-800/gripper_det_preds.json';
  await vs.explorerContextMenu(a, 'Score Predictions');
  await vs.pickQuickItem('pixel');
  const expectedA = await scorePredictionFile(join(vs.workspace, a), { task: 'gripper_det', convention: 'pixel' });
  const iouA = expectedA.aggregate.metrics.mean_iou;
  assert.ok(iouA > 0.3 && iouA < 1, String(iouA));
  const scored = await waitForRun(vs.workspace, (r) => r.profile === 'Score Predictions' && r.checkpoint === join(vs.workspace, a) && r.status !== 'running', 'scored', 15_000).catch(async (e: Error) => {
    throw new Error(`${e.message}; notifications: ${(await vs.notifications()).join(' | ')}`);
  });
  let f = await vs.webviewFrame('VLM Lens Eval', { selector: 'table.metrics tr.primary', hasText: iouA.toFixed(4) }).catch(async (e: Error) => {
    await vs.screenshot('score-predictions-failure');
    throw new Error(`${e.message}; the run: ${JSON.stringify(scored.results)}`);
  });
  assert.equal(scored.status, 'succeeded');
  assert.deepEqual(scored.argv, [], 'no process ran');
  assert.equal(scored.step, 500, 'the step from the folder name');
  assert.equal(scored.results[0].aggregate?.samples, 10);

  // Compare With…: the second file from the file dialog, both scored as one task and compared sample by sample
  await vs.runCommand('File: Focus on Files Explorer');
  await vs.explorerContextMenu(a, 'Compare Predictions With…');
  const path = vs.page.locator('.quick-input-widget input');
  await path.waitFor({ state: 'visible' });
  // the dialog has opened in the first file's folder (typing before that is overwritten)
  await vs.page.locator('.quick-input-list .monaco-list-row', { hasText: 'eval_details_gripper_det.json' }).waitFor();
  await path.fill(join(vs.workspace, b));
  // the dialog has listed the typed file (Enter before that would accept the folder being typed)
  await vs.page.locator('.quick-input-list .monaco-list-row', { hasText: 'gripper_det_preds.json' }).waitFor();
  // OK accepts the typed path (Enter would pick the focused row, which may still be "..")
  await vs.page.locator('.quick-input-widget .monaco-button', { hasText: /^OK$/ }).click();
  await vs.page.locator('.quick-input-widget', { hasText: 'the convention of its coordinates' }).waitFor().catch(async (e: Error) => {
    throw new Error(`${e.message} (screen: ${await vs.screenshot('compare-with-dialog-failure')})`);
  });
  await vs.pickQuickItem('pixel');
  const expectedB = await scorePredictionFile(join(vs.workspace, b), { task: 'gripper_det', convention: 'pixel' });
  f = await vs.webviewFrame('VLM Lens Eval', { selector: '.compare-summary', hasText: 'gripper_det_preds.json' });
  const summary = await f.locator('.compare-summary').innerText();
  assert.match(summary, /checkpoint-500\/eval_details_gripper_det\.json → checkpoint-800\/gripper_det_preds\.json/);
  assert.match(summary, new RegExp(`mean ${iouA.toFixed(4)} → ${expectedB.aggregate.metrics.mean_iou.toFixed(4)}`));
  const second = runs(vs.workspace).filter((r) => r.profile === 'Score Predictions');
  assert.equal(second.length, 3, 'the first file scored again, and the second');
  assert.ok(second.every((r) => r.task === 'gripper_det'), 'one task for both files, whatever their names');
  await panelShot(vs, 'eval-panel-scored-files-compared', f.locator('.compare-summary'));
});

test('Show Metrics in VLM Lens: a trainer_state.json draws loss, eval loss and learning rate over steps, and follows the file as training writes it', async () => {
  await vs.openFile('checkpoints/checkpoint-3000/trainer_state.json');
  await vs.editorTitleAction('Show Metrics in VLM Lens');
  const f = await vs.webviewFrame('VLM Lens Eval', { selector: '.summary .status', hasText: 'HF Trainer state: trainer_state.json' });
  await f.locator('.chart[data-chart="curve-loss"]').waitFor();
  await f.locator('.chart[data-chart="curve-learningRate"]').waitFor();
  const inked = (key: string) => inkOf(f, key);
  assert.ok((await inked('curve-loss')) > 500, 'the loss chart has ink');
  assert.ok((await inked('curve-learningRate')) > 500, 'the learning-rate chart has ink');
  const lowest = await f.locator('table.metrics tr', { hasText: 'lowest eval_loss' }).innerText();
  assert.match(lowest, /0\.0022[\s\S]*step 900/);
  assert.match(await f.locator('.summary .facts').innerText(), /best_model_checkpoint .*checkpoint-900/);
  await panelShot(vs, 'eval-panel-trainer-state', f.locator('.chart[data-chart="curve-loss"]'));

  // training goes on: a new eval entry is written; the panel reads the file again
  const path = join(vs.workspace, 'checkpoints/checkpoint-3000/trainer_state.json');
  const state = JSON.parse(readFileSync(path, 'utf8')) as { log_history: unknown[]; global_step: number };
  state.log_history.push({ epoch: 3.2, eval_loss: 0.0011, eval_runtime: 100, step: 950 });
  state.global_step = 950;
  writeFileSync(path, JSON.stringify(state, null, 2));
  await f.locator('table.metrics tr', { hasText: /lowest eval_loss.*0\.0011/ }).waitFor({ timeout: 20_000 });
  assert.match(await f.locator('.summary .facts').innerText(), /global_step 950/);
});

test('Show Metrics in VLM Lens on a generation.py output: per-task metrics as bars, the missing file and the mixed-scale average said', async () => {
  await vs.openFile('generation_stdout.txt');
  await vs.runCommand('VLM Lens: Show Metrics in VLM Lens');
  const f = await vs.webviewFrame('VLM Lens Eval', { selector: '.summary .status', hasText: 'eval log: generation_stdout.txt' });
  const row = await f.locator('table.metrics tr', { hasText: 'contact_box' }).first().innerText();
  assert.match(row, /mean_iou[\s\S]*0\.4232/);
  assert.match(await f.locator('table.metrics tr', { hasText: 'traj_wo_init_pos' }).innerText(), /mean_dtw[\s\S]*305\.1183/);
  await f.locator('.note', { hasText: 'mixes scales' }).waitFor();
  await f.locator('.note', { hasText: /not found: .*contact_decide/ }).waitFor();
  const heads = await f.locator('.chart[data-chart^="file-bars-"] .chart-head > span').allInnerTexts();
  assert.deepEqual(heads.map((t) => t.trim()), ['By task: score (higher is better)', 'By task: error (lower is better)']);
  await panelShot(vs, 'eval-panel-generation-output', f.locator('.chart[data-chart="file-bars-0"]'));
  // the run picker lists both files; closing one goes back
  assert.equal(await f.locator('.run-picker vscode-option', { hasText: /^Files: / }).count(), 2);
});

test('a run a closed window left "running" is ended as cancelled, with the reason', async () => {
  const run = await waitForRun(vs.workspace, (r) => r.profile === 'Old session' && r.status === 'cancelled', 'ended', 10_000);
  assert.equal(run.failure?.code, 'interrupted');
  assert.match(run.failure?.message ?? '', /VS Code closed while this run was running/);
});

test('an untrusted workspace refuses to run an eval script, and says why', async () => {
  const untrusted = await VsCodeSession.launch({ name: 'eval-untrusted', workspace: await workspace('eval-untrusted'), workspaceTrust: true });
  try {
    await untrusted.runCommand('VLM Lens: Evaluate Checkpoint');
    const msg = await untrusted.waitForNotification(/trusted workspace/);
    assert.match(msg, /Restricted Mode/);
    await untrusted.screenshot('eval-untrusted');
    assert.equal(runs(untrusted.workspace).filter((r) => r.profile !== 'Old session').length, 0, 'nothing ran');
  } finally {
    await untrusted.close();
  }
});
