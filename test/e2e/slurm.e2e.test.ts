/**
 * Evaluate Checkpoint with a Slurm profile, in code-server against a real one-node Slurm
 * cluster (Debian's slurm-wlm, started by test/slurmCluster.ts; the extension host finds it
 * through SLURM_CONF). The node is first kept busy by another job, so the run waits in the
 * queue: the Eval Runs view says so with the reason; then it runs, completes, and its
 * predictions are scored into the Eval panel. A run whose window closes goes on as a job and
 * is followed again by the next window.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { VsCodeSession } from './harness';
import { mkdirSync, tempWorkspace, writeFileSync } from './fixtures';
import { startSlurmCluster, type SlurmCluster } from '../slurmCluster';
import type { RunRecord } from '../../src/core/eval/runs';

const SCRIPT = join(__dirname, '..', 'fixtures', 'eval', 'fake_robointer_eval.py');
const N = 12;

let cluster: SlurmCluster;
let vs: VsCodeSession | undefined;
let ws: string;

function runs(): RunRecord[] {
  const dir = join(ws, '.vlm-lens/runs');
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((id) => {
    const f = join(dir, id, 'run.json');
    try {
      return existsSync(f) ? [JSON.parse(readFileSync(f, 'utf8')) as RunRecord] : [];
    } catch {
      return []; // being written
    }
  });
}

async function waitForRun(ok: (r: RunRecord) => boolean, what: string, timeoutMs = 90_000): Promise<RunRecord> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const r = runs().find(ok);
    if (r) return r;
    await new Promise((res) => setTimeout(res, 250));
  }
  throw new Error(`no run ${what}; runs: ${JSON.stringify(runs().map((r) => ({ c: r.checkpointName, s: r.status, j: r.slurm })))}`);
}

/** A job holding every CPU of the node, so the next job waits for Resources. */
function blocker(): string {
  const cpus = cluster.run('sinfo', ['-h', '-o', '%c']).trim();
  return cluster.run('sbatch', ['--parsable', `--cpus-per-task=${cpus}`, '--mem=50', '--job-name=blocker', '--output=/dev/null', '--wrap', 'sleep 300']).trim();
}

async function waitForJobState(jobId: string, state: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (new RegExp(`JobState=${state}\\b`).test(cluster.run('scontrol', ['show', 'job', '-o', jobId]))) return;
    await new Promise((res) => setTimeout(res, 200));
  }
  throw new Error(`job ${jobId} never became ${state}`);
}

before(async () => {
  cluster = await startSlurmCluster();
  ws = tempWorkspace('slurm');
  for (const step of [1000, 2000]) {
    mkdirSync(join(ws, `checkpoints/checkpoint-${step}`), { recursive: true });
    writeFileSync(join(ws, `checkpoints/checkpoint-${step}/config.json`), '{"model_type": "qwen2_5_vl"}');
    writeFileSync(join(ws, `checkpoints/checkpoint-${step}/model.safetensors`), '');
  }
  mkdirSync(join(ws, 'eval'), { recursive: true });
  copyFileSync(SCRIPT, join(ws, 'eval/fake_robointer_eval.py'));
  const rows = Array.from({ length: N }, (_, i) => ({
    id: `s${i}`,
    conversations: [
      { from: 'human', value: '<image>\nPredict the bounding box of the gripper when it contacts the object.' },
      { from: 'gpt', value: JSON.stringify({ contact_bbox: [[40 + i, 50], [150 + i, 130]] }) },
    ],
    images: `img_${i}.jpg`,
  }));
  writeFileSync(join(ws, 'eval/contact_box.json'), JSON.stringify(rows));
  mkdirSync(join(ws, '.vscode'), { recursive: true });
  writeFileSync(
    join(ws, '.vscode/settings.json'),
    JSON.stringify({
      'vlmLens.slurm': { sbatch: ['--mem=50'] },
      'vlmLens.evalProfiles': [
        {
          name: 'On the cluster',
          command: ['python3', '${workspaceFolder}/eval/fake_robointer_eval.py', '--model_path', '${checkpoint}', '--json_path', '${dataset}', '--batch_size', '2'],
          dataset: '${workspaceFolder}/eval/${task}.json',
          tasks: ['contact_box'],
          predictions: '${checkpoint}/eval_details_${task}.json',
          env: { FAKE_EVAL_SLEEP: '0.5', FAKE_EVAL_NOISE: '3', FAKE_EVAL_PRINT_ENV: 'SLURM_JOB_ID' },
          slurm: { sbatch: ['--time=10'] },
        },
      ],
    }),
  );
  vs = await VsCodeSession.launch({ name: 'slurm', workspace: ws, copyWorkspace: false, env: cluster.env });
});

after(async () => {
  await vs?.close();
  cluster?.stop();
});

test('Evaluate Checkpoint with a Slurm profile: pending with its reason, running on the node, completed and scored', async () => {
  const session = vs as VsCodeSession;
  const busy = blocker();
  await waitForJobState(busy, 'RUNNING');

  let items: string[] = [];
  for (let i = 0; i < 20 && items[0] !== 'Evaluate Checkpoint'; i++) {
    if (i) await session.page.waitForTimeout(500);
    items = await session.explorerContextMenuItems('checkpoints/checkpoint-1000');
  }
  await session.explorerContextMenu('checkpoints/checkpoint-1000', 'Evaluate Checkpoint');
  await session.waitForNotification(/1 eval run\(s\) submitted to Slurm \(job \d+\)/);

  // waiting behind the busy node, said with the reason, in the view and the status bar
  const queued = await waitForRun((r) => r.checkpointName === 'checkpoint-1000' && r.slurm?.reason === 'Resources', 'pending for Resources');
  assert.equal(queued.status, 'queued');
  assert.deepEqual(queued.slurm?.sbatch, ['--mem=50', '--time=10'], 'the user default, then the profile’s own');
  await session.runCommand('VLM Lens: Focus on Eval Runs View');
  const row = session.page.locator('.pane-body .monaco-list-row', { hasText: 'contact_box' }).first();
  await row.filter({ hasText: new RegExp(`Slurm ${queued.slurm?.jobId} · pending #1 · Resources`) }).waitFor({ timeout: 30_000 });
  assert.match(await session.statusBarText(), /Slurm: 0 running, 1 pending/);
  // its tooltip counts all the user's jobs on the cluster too (the busy one included)
  await session.page.locator('.statusbar-item', { hasText: 'Slurm: 0 running, 1 pending' }).first().hover();
  await session.page.locator('.monaco-hover, .workbench-hover', { hasText: 'All your jobs on the cluster: 1 running, 1 pending' }).first().waitFor({ timeout: 15_000 });
  await session.dismissHover();
  await session.screenshot('slurm-pending');

  // the node is free: it runs there, then completes
  cluster.run('scancel', [busy]);
  await row.filter({ hasText: new RegExp(`running on ${cluster.node}`) }).waitFor({ timeout: 30_000 });
  await session.screenshot('slurm-running');
  const done = await waitForRun((r) => r.checkpointName === 'checkpoint-1000' && r.status === 'succeeded', 'succeeded');
  assert.equal(done.slurm?.state, 'COMPLETED');
  assert.equal(done.results[0]?.aggregate?.samples, N);
  const iou = done.results[0]?.aggregate?.metrics.mean_iou ?? NaN;
  assert.ok(iou > 0.5 && iou < 1, String(iou));
  assert.match(readFileSync(join(ws, '.vlm-lens/runs', done.id, 'run.log'), 'utf8'), /^SLURM_JOB_ID=\d+$/m, 'the script ran inside the job');

  // the end is announced as a local run's is, and Show Results opens the Eval panel on it
  const toast = session.page.locator('.notifications-toasts .notification-toast', { hasText: 'Evaluated checkpoint-1000 · contact_box' }).first();
  await toast.waitFor({ timeout: 30_000 });
  assert.match(await toast.innerText(), new RegExp(`mean_iou ${iou.toFixed(4)}`));
  await toast.hover();
  await toast.locator('.monaco-button', { hasText: 'Show Results' }).click();
  const panel = await session.webviewFrame('VLM Lens Eval', { selector: '.status', hasText: /succeeded/ });
  assert.match(await panel.locator('table.metrics tr.primary').first().innerText(), new RegExp(iou.toFixed(4)));
  assert.equal(await panel.locator('.slurm').innerText(), `Slurm job ${done.slurm?.jobId} · ${cluster.node}: the job completed · sbatch --mem=50 --time=10`);
  await session.screenshot('slurm-completed-panel');
});

test('a Slurm run goes on when the window closes, and the next window follows it to its end', async () => {
  const busy = blocker();
  await waitForJobState(busy, 'RUNNING');
  const session = vs as VsCodeSession;
  await session.clearNotifications();
  await session.explorerContextMenu('checkpoints/checkpoint-2000', 'Evaluate Checkpoint');
  const queued = await waitForRun((r) => r.checkpointName === 'checkpoint-2000' && r.slurm?.state === 'PENDING', 'pending');
  await session.close();
  vs = undefined;
  // the window is gone; the job is not
  const jobId = queued.slurm?.jobId ?? '';
  assert.match(cluster.run('scontrol', ['show', 'job', '-o', jobId]), /JobState=PENDING/);
  assert.equal(runs().find((r) => r.id === queued.id)?.status, 'queued', 'closing the window did not end the run');
  cluster.run('scancel', [busy]);

  vs = await VsCodeSession.launch({ name: 'slurm-reopened', workspace: ws, copyWorkspace: false, env: cluster.env });
  const done = await waitForRun((r) => r.id === queued.id && r.status === 'succeeded', 'followed to its end by the new window');
  assert.equal(done.slurm?.state, 'COMPLETED');
  assert.equal(done.results[0]?.aggregate?.samples, N);
  await vs.waitForNotification(/Evaluated checkpoint-2000 · contact_box/, 60_000);
  await vs.screenshot('slurm-reattached');
});
