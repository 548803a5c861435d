/**
 * A cloned repository that plants run records: ids that climb out of the run history, a log
 * path outside its run folder, a run folder that is a symbolic link to a folder elsewhere.
 * Opened in code-server first in Restricted Mode, then trusted: nothing outside the
 * workspace is written or deleted, the planted records are listed as unreadable with the
 * reason, and Delete waits for trust. Also: an eval script that trapped SIGTERM and
 * survived a crashed window is killed on the next trusted start, and the run says so.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VsCodeSession } from './harness';
import { deadPid } from './fixtures';
import { bootId, procStat } from '../../src/core/eval/procfs';
import type { RunRecord } from '../../src/core/eval/runs';

const parent = mkdtempSync(join(tmpdir(), 'vlm-lens-hostile-'));
const ws = join(parent, 'ws');
const outside = join(parent, 'outside');
const runsDir = join(ws, '.vlm-lens', 'runs');
let survivor: number | undefined;

const base = { version: 1, profile: 'Planted', checkpoint: join(ws, 'ckpt'), checkpointName: 'ckpt', argv: ['python3', 'x.py'], cwd: ws, queuedAt: '2020-01-01T00:00:00.000Z', logMetrics: [], results: [] };

/** Every file below a folder with its size and mtime: any write or delete changes it. */
function snapshot(dir: string): string {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else {
        const s = statSync(p);
        out.push(`${p} ${s.size} ${s.mtimeMs}`);
      }
    }
  };
  walk(dir);
  return out.sort().join('\n');
}

function plant(folder: string, record: Record<string, unknown>): void {
  mkdirSync(join(runsDir, folder), { recursive: true });
  writeFileSync(join(runsDir, folder, 'run.json'), JSON.stringify(record));
}


function runJson(folder: string): RunRecord {
  return JSON.parse(readFileSync(join(runsDir, folder, 'run.json'), 'utf8')) as RunRecord;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !/\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

before(async () => {
  mkdirSync(join(ws, 'ckpt'), { recursive: true });
  // what the planted records aim at
  mkdirSync(join(outside, 'target'), { recursive: true });
  writeFileSync(join(outside, 'target', 'precious.txt'), 'keep me');
  writeFileSync(join(outside, 'secret.txt'), 'not for the log view');
  mkdirSync(join(outside, 'linked-run'), { recursive: true });
  writeFileSync(join(outside, 'linked-run', 'run.json'), JSON.stringify({ ...base, id: 'linked', status: 'running', log: 'run.log', hostPid: deadPid() }));
  // id climbing out of the history, left "running" by a dead window: recovery would save it at join(runs, id)
  plant('innocent', { ...base, id: '../../../outside/target', status: 'running', log: 'run.log', hostPid: deadPid() });
  // a log outside its run folder
  plant('evil-log', { ...base, id: 'evil-log', status: 'succeeded', log: '../../../../outside/secret.txt' });
  // a run folder that is a link to a folder elsewhere
  symlinkSync(join(outside, 'linked-run'), join(runsDir, 'linked'));
  // a genuine run of a crashed window whose script traps SIGTERM and is still running
  const child = spawn(process.execPath, ['-e', "process.on('SIGTERM',()=>{});setInterval(()=>{},1000)"], { detached: true, stdio: 'ignore' });
  child.unref();
  survivor = child.pid!;
  for (let i = 0; i < 100 && !procStat(survivor); i++) await new Promise((r) => setTimeout(r, 20));
  plant('20200101-000000-001', { ...base, id: '20200101-000000-001', profile: 'Crashed window', status: 'running', startedAt: '2020-01-01T00:00:01.000Z', log: 'run.log', hostPid: deadPid(), process: { pgid: survivor, startTicks: procStat(survivor)?.startTicks, bootId: bootId() } });
});

after(() => {
  if (survivor && alive(survivor)) process.kill(-survivor, 'SIGKILL');
});

test('Restricted Mode: planted runs are unreadable with the reason, nothing is written, Delete asks for trust', async () => {
  const before = snapshot(outside);
  const vs = await VsCodeSession.launch({ name: 'hostile-runs-restricted', workspace: ws, copyWorkspace: false, workspaceTrust: true });
  try {
    await vs.runCommand('VLM Lens: Focus on Eval Runs View');
    const rows = vs.page.locator('.pane-body .monaco-list-row');
    await rows.filter({ hasText: 'Unreadable run: innocent' }).first().waitFor({ timeout: 20_000 });
    const texts = (await rows.allInnerTexts()).join('\n');
    assert.match(texts, /Unreadable run: innocent[\s\S]*?id is "\.\.\/\.\.\/\.\.\/outside\/target" but it is in the folder "innocent"/);
    assert.match(texts, /Unreadable run: evil-log[\s\S]*?log outside its run folder/);
    assert.match(texts, /Unreadable run: linked[\s\S]*?symbolic link/);
    await vs.screenshot('eval-runs-unreadable');
    // the crashed window's run is not touched in Restricted Mode (recovery writes and signals)
    assert.equal(runJson('20200101-000000-001').status, 'running');
    assert.ok(survivor && alive(survivor), 'no signal sent in Restricted Mode');
    // Delete Run waits for trust
    await vs.runCommand('VLM Lens: Delete Run');
    await vs.pickQuickItem('ckpt');
    const msg = await vs.waitForNotification(/changes run history only in a trusted workspace/);
    assert.match(msg, /Restricted Mode/);
    assert.ok(existsSync(join(runsDir, '20200101-000000-001', 'run.json')), 'not deleted');
    assert.equal(snapshot(outside), before, 'nothing outside the workspace was written or deleted');
  } finally {
    await vs.close();
  }
});

test('trusted: the crashed run is ended and its surviving process group killed, the planted ones left alone', async () => {
  const before = snapshot(outside);
  const plantedBefore = ['innocent', 'evil-log'].map((f) => readFileSync(join(runsDir, f, 'run.json'), 'utf8'));
  const vs = await VsCodeSession.launch({ name: 'hostile-runs-trusted', workspace: ws, copyWorkspace: false });
  try {
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline && runJson('20200101-000000-001').status === 'running') await new Promise((r) => setTimeout(r, 200));
    const run = runJson('20200101-000000-001');
    assert.equal(run.status, 'cancelled');
    assert.match(run.failure?.message ?? '', /1 of its processes \(group \d+\) were still running and have been stopped/);
    for (let i = 0; i < 100 && survivor && alive(survivor); i++) await new Promise((r) => setTimeout(r, 50));
    assert.ok(survivor && !alive(survivor), 'the SIGTERM-trapping script is gone');
    assert.deepEqual(['innocent', 'evil-log'].map((f) => readFileSync(join(runsDir, f, 'run.json'), 'utf8')), plantedBefore, 'planted records untouched');
    assert.equal(snapshot(outside), before, 'nothing outside the workspace was written or deleted');
    await vs.runCommand('VLM Lens: Focus on Eval Runs View');
    await vs.page.locator('.pane-body .monaco-list-row', { hasText: 'cancelled' }).first().waitFor({ timeout: 15_000 });
    await vs.screenshot('eval-runs-recovered');
  } finally {
    await vs.close();
  }
});
