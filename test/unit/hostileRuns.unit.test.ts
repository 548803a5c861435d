/**
 * Run records from a hostile repository: identity from the folder, file names that would
 * leave the run folder, process groups told apart from reused numbers, and a real process
 * group that traps SIGTERM stopped by what recovery uses.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkRunRecord, isInsideName, isSafeRunId } from '../../src/core/eval/runs';
import { parseProcStat, survivingMembers } from '../../src/core/eval/processGroup';
import { allProcs, bootId, killAll, procStat } from '../../src/core/eval/procfs';

const base = { version: 1, profile: 'p', checkpoint: '/c', checkpointName: 'c', cwd: '/w', status: 'running', queuedAt: '2026-01-01T00:00:00Z', log: 'run.log', argv: ['python3'], results: [], logMetrics: [] };

test('a run is its folder: an id that differs from the folder name, or is a path, is unreadable with the reason', () => {
  assert.ok('run' in checkRunRecord({ ...base, id: '20260101-000000-001' }, '20260101-000000-001'));
  const planted = checkRunRecord({ ...base, id: '../../../somewhere' }, 'innocent');
  assert.ok('error' in planted);
  assert.match(planted.error, /"\.\.\/\.\.\/\.\.\/somewhere".*folder "innocent"/);
  // even where id and folder agree, a folder name must be plain
  const dotdot = checkRunRecord({ ...base, id: '..' }, '..');
  assert.ok('error' in dotdot && /cannot be a folder name/.test(dotdot.error));
});

test('log and samples files must stay inside the run folder', () => {
  for (const log of ['../../.bashrc', '/etc/passwd', 'a/../../b', 'C:\\x', '..\\x', '', 'a//b']) {
    const r = checkRunRecord({ ...base, id: 'r1', log }, 'r1');
    assert.ok('error' in r && /log outside/.test(r.error), `log ${JSON.stringify(log)} refused`);
  }
  const s = checkRunRecord({ ...base, id: 'r1', results: [{ samplesFile: '../other/samples.json' }] }, 'r1');
  assert.ok('error' in s && /samples file outside/.test(s.error));
  assert.ok('run' in checkRunRecord({ ...base, id: 'r1', log: 'logs/run.log', results: [{ samplesFile: 'samples-0.json' }] }, 'r1'));
  assert.equal(isInsideName('output/x.json'), true);
  assert.equal(isSafeRunId('a/b'), false);
  assert.equal(isSafeRunId('.hidden'), false);
});

test('a process group field that is not a process number is refused (pgid 0, 1, -1 would signal everything)', () => {
  for (const pgid of [0, 1, -1, 2.5, '7']) {
    const r = checkRunRecord({ ...base, id: 'r1', process: { pgid } }, 'r1');
    assert.ok('error' in r, `pgid ${JSON.stringify(pgid)}`);
  }
});

test('/proc stat lines: a command name with spaces and parentheses', () => {
  const line = '4242 (python3 (eval) x) S 1 4242 4242 0 -1 4194560 100 0 0 0 5 2 0 0 20 0 3 0 987654 1000 200 ...';
  assert.deepEqual(parseProcStat(line), { pid: 4242, pgrp: 4242, startTicks: 987654 });
  assert.equal(parseProcStat('garbage'), undefined);
});

test('surviving members: only the recorded group, started no earlier than its leader, in the same boot', () => {
  const procs = [
    { pid: 10, pgrp: 10, startTicks: 500 },
    { pid: 11, pgrp: 10, startTicks: 510 },
    { pid: 12, pgrp: 12, startTicks: 520 },
    { pid: 13, pgrp: 10, startTicks: 100 }, // older than the leader: not ours
  ];
  assert.deepEqual(survivingMembers({ pgid: 10, startTicks: 500, bootId: 'b' }, 'b', procs).pids, [10, 11]);
  assert.deepEqual(survivingMembers({ pgid: 10, startTicks: 500, bootId: 'b' }, 'other', procs).pids, []);
  const unknown = survivingMembers({ pgid: 10 }, 'b', procs);
  assert.deepEqual(unknown.pids, []);
  assert.match(unknown.reason ?? '', /cannot be told apart|cannot be told from/);
});

test('a real group whose leader traps SIGTERM and whose child outlives it is found and killed', { skip: process.platform !== 'linux' }, async () => {
  // leader and child ignore SIGTERM; each writes a file once its handler is in place
  const dir = mkdtempSync(join(tmpdir(), 'vlm-pg-'));
  const trap = (name: string) => `process.on('SIGTERM',()=>{});require('fs').writeFileSync(${JSON.stringify(join(dir, name))},'');setInterval(()=>{},1000);`;
  const script = `${trap('leader')}require('child_process').spawn(process.execPath,['-e',${JSON.stringify(trap('child'))}],{stdio:'ignore'});`;
  const child = spawn(process.execPath, ['-e', script], { detached: true, stdio: 'ignore' });
  child.unref();
  const pgid = child.pid!;
  try {
    const leader = procStat(pgid);
    assert.ok(leader, 'leader visible in /proc');
    const recorded = { pgid, startTicks: leader.startTicks, bootId: bootId() };
    assert.ok(recorded.bootId, 'boot id readable');
    const members = () => survivingMembers(recorded, bootId(), allProcs()).pids.filter((pid) => !/\) Z /.test(safeRead(`/proc/${pid}/stat`)));
    for (let i = 0; i < 200 && !(existsSync(join(dir, 'leader')) && existsSync(join(dir, 'child'))); i++) await new Promise((r) => setTimeout(r, 25));
    assert.equal(members().length, 2, 'leader and child in the group, both trapping SIGTERM');
    process.kill(-pgid, 'SIGTERM'); // trapped: nothing happens
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(members().length, 2, 'SIGTERM alone leaves the group running');
    assert.equal(killAll(members()), 2);
    for (let i = 0; i < 200 && members().length > 0; i++) await new Promise((r) => setTimeout(r, 25));
    assert.deepEqual(members(), [], 'nothing of the group is left (zombies awaiting their parent aside)');
  } finally {
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      /* gone */
    }
    rmSync(dir, { recursive: true, force: true });
  }
});

function safeRead(p: string): string {
  try {
    return readFileSync(p, 'utf8');
  } catch {
    return ') Z ';
  }
}

test('a new profile calls python3 where only python3 exists (stock Debian), python where only it does', async () => {
  const { choosePython } = await import('../../src/core/eval/runs');
  const has = (files: Record<string, string[]>) => (dir: string, name: string) => (files[dir] ?? []).includes(name);
  assert.equal(choosePython(['/usr/local/bin', '/usr/bin'], has({ '/usr/bin': ['python3'] })), 'python3');
  assert.equal(choosePython(['/opt/venv/bin', '/usr/bin'], has({ '/opt/venv/bin': ['python'] })), 'python');
  assert.equal(choosePython(['/opt/conda/bin'], has({ '/opt/conda/bin': ['python', 'python3'] })), 'python3');
  assert.equal(choosePython([], has({})), 'python3');
});
