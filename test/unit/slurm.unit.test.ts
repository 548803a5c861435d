/**
 * Eval runs as Slurm jobs. The readers are tested on what slurm-wlm 22.05.8 printed on a
 * one-node cluster (captured by hand, quoted below as printed; the sacct line is written in
 * the format sacct -P documents, as this cluster has no accounting database). The batch
 * script is run by bash with hostile arguments. Then a real cluster (Debian's slurm-wlm and
 * munge, started by test/slurmCluster.ts): `vlm-lens eval` with a Slurm profile submits a job
 * array of the RoboInter stand-in, follows it and scores it; a refused partition and a
 * missing sbatch are said in words; --no-wait leaves the job and `vlm-lens runs` collects
 * it; a cancelled job leaves no process; a job past its time limit is said to be so.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BATCH_SCRIPT,
  ENGLISH_SLURM_MESSAGES,
  describeJob,
  parseSacct,
  parseSbatch,
  parseScontrolJob,
  parseSqueue,
  queuePosition,
  sbatchArgs,
  sbatchError,
  slurmSettingsOf,
  writeJobFiles,
} from '../../src/core/eval/slurm';
import { checkRunRecord, interruptedRuns, type RunRecord } from '../../src/core/eval/runs';
import { startSlurmCluster, slurmMissing, type SlurmCluster } from '../slurmCluster';

const CLI = join(__dirname, '..', '..', 'dist', 'cli.js');
const SCRIPT = join(__dirname, '..', 'fixtures', 'eval', 'fake_robointer_eval.py');

// ---- captured output (slurm-wlm 22.05.8, one node "vm") ----

const SCONTROL_PENDING =
  'JobId=2 JobName=wrap UserId=root(0) GroupId=root(0) MCS_label=N/A Priority=4294901758 Nice=0 Account=(null) QOS=(null) JobState=PENDING Reason=Resources Dependency=(null) Requeue=1 Restarts=0 BatchFlag=1 Reboot=0 ExitCode=0:0 RunTime=00:00:00 TimeLimit=UNLIMITED TimeMin=N/A SubmitTime=2026-11-30T03:31:56 EligibleTime=2026-11-30T03:31:56 AccrueTime=2026-11-30T03:31:56 StartTime=Unknown EndTime=Unknown Deadline=N/A SuspendTime=None SecsPreSuspend=0 LastSchedEval=2026-11-30T03:31:56 Scheduler=Main Partition=debug AllocNode:Sid=localhost:27177 ReqNodeList=(null) ExcNodeList=(null) NodeList= NumNodes=1 NumCPUs=2 NumTasks=1 CPUs/Task=2 ReqB:S:C:T=0:0:*:* TRES=cpu=2,mem=1000M,node=1,billing=2 Socks/Node=* NtasksPerN:B:S:C=0:0:*:* CoreSpec=* MinCPUsNode=2 MinMemoryNode=0 MinTmpDiskNode=0 Features=(null) DelayBoot=00:00:00 OverSubscribe=OK Contiguous=0 Licenses=(null) Network=(null) Command=(null) WorkDir=/tmp/sl StdErr=/tmp/sl/j2.out StdIn=/dev/null StdOut=/tmp/sl/j2.out Power= ';
const SCONTROL_FAILED =
  'JobId=5 JobName=wrap UserId=root(0) GroupId=root(0) MCS_label=N/A Priority=4294901755 Nice=0 Account=(null) QOS=(null) JobState=FAILED Reason=NonZeroExitCode Dependency=(null) Requeue=1 Restarts=0 BatchFlag=1 Reboot=0 ExitCode=3:0 RunTime=00:00:00 TimeLimit=UNLIMITED TimeMin=N/A SubmitTime=2026-11-30T03:32:02 EligibleTime=2026-11-30T03:32:02 AccrueTime=2026-11-30T03:32:02 StartTime=2026-11-30T03:32:02 EndTime=2026-11-30T03:32:02 Deadline=N/A Partition=debug AllocNode:Sid=localhost:27177 ReqNodeList=(null) ExcNodeList=(null) NodeList=vm BatchHost=vm NumNodes=1 NumCPUs=1 NumTasks=1 CPUs/Task=1 WorkDir=/tmp/sl StdErr=/tmp/sl/a.out StdIn=/dev/null StdOut=/tmp/sl/a.out Power= ';
const SCONTROL_ARRAY = [
  'JobId=10 ArrayJobId=9 ArrayTaskId=1 JobName=vlm-lens:checkpoint-2000 UserId=root(0) Priority=4294901750 JobState=RUNNING Reason=None ExitCode=0:0 StartTime=2026-11-30T04:01:10 EndTime=Unknown Partition=debug ReqNodeList=(null) NodeList=vm',
  'JobId=9 ArrayJobId=9 ArrayTaskId=0 JobName=vlm-lens:checkpoint-2000 UserId=root(0) Priority=4294901751 JobState=COMPLETED Reason=None ExitCode=0:0 StartTime=2026-11-30T04:01:09 EndTime=2026-11-30T04:01:11 Partition=debug ReqNodeList=(null) NodeList=vm',
].join('\n');
const SQUEUE = `2|PENDING|Resources||debug|4294901758
3|PENDING|Priority||debug|4294901757
4_[0-2]|PENDING|None||debug|4294901756
1|RUNNING|None|vm|debug|4294901759
`;
const SBATCH_BAD_PARTITION = 'sbatch: error: invalid partition specified: nonexist\nsbatch: error: Batch job submission failed: Invalid partition name specified\n';

describe('reading what Slurm prints', () => {
  test('scontrol show job -o: state, reason, exit code and node, never another key’s NodeList', () => {
    const p = parseScontrolJob(SCONTROL_PENDING, '2');
    assert.deepEqual([p?.state, p?.reason, p?.node, p?.partition, p?.startTime], ['PENDING', 'Resources', undefined, 'debug', undefined]);
    const f = parseScontrolJob(SCONTROL_FAILED, '5');
    assert.deepEqual([f?.state, f?.reason, f?.exitCode, f?.node, f?.startTime], ['FAILED', 'NonZeroExitCode', '3:0', 'vm', '2026-11-30T03:32:02']);
    assert.equal(parseScontrolJob(SCONTROL_FAILED, '6'), undefined);
  });

  test('an array task is found by ARRAYID_TASK', () => {
    assert.equal(parseScontrolJob(SCONTROL_ARRAY, '9_1')?.state, 'RUNNING');
    assert.equal(parseScontrolJob(SCONTROL_ARRAY, '9_0')?.state, 'COMPLETED');
  });

  test('squeue: a pending job’s place in its partition is by priority', () => {
    const jobs = parseSqueue(SQUEUE);
    assert.equal(jobs.length, 4);
    assert.equal(queuePosition(jobs, '2'), 1);
    assert.equal(queuePosition(jobs, '3'), 2);
    assert.equal(queuePosition(jobs, '1'), undefined, 'a running job has no place in the queue');
  });

  test('sacct -P: CANCELLED by UID is CANCELLED', () => {
    const s = parseSacct('812|CANCELLED by 1000|0:15|None|gpu-07|gpu|2026-11-30T01:00:00|2026-11-30T01:05:00\n', '812');
    assert.deepEqual([s?.state, s?.exitCode, s?.node], ['CANCELLED', '0:15', 'gpu-07']);
  });

  test('sbatch: the job id of --parsable, and its refusal in its own words', () => {
    assert.equal(parseSbatch('4\n'), '4');
    assert.equal(parseSbatch('4;vlmlens\n'), '4');
    assert.equal(parseSbatch('Submitted batch job 4\n'), undefined);
    assert.equal(sbatchError(SBATCH_BAD_PARTITION), 'Batch job submission failed: Invalid partition name specified; invalid partition specified: nonexist');
  });

  test('states and reasons in plain words', () => {
    assert.match(describeJob({ state: 'PENDING', reason: 'QOSMaxGRESPerUser', position: 3 }), /position 3.*QOSMaxGRESPerUser, your quality of service allows no more GPUs/);
    assert.match(describeJob({ state: 'PENDING', reason: 'SomethingNew' }), /waiting in the queue: SomethingNew$/);
    assert.equal(describeJob({ state: 'RUNNING', node: 'gpu-07' }), 'running on gpu-07');
    assert.match(describeJob({ state: 'TIMEOUT', exitCode: '0:15' }), /time limit \(--time\)/);
    assert.match(describeJob({ state: 'OUT_OF_MEMORY', exitCode: '0:125' }), /more memory.*--mem/);
    assert.match(describeJob({ state: 'FAILED', exitCode: '3:0' }), /exited with code 3/);
    assert.ok(ENGLISH_SLURM_MESSAGES.reason('(Priority)'), 'squeue writes reasons in parentheses sometimes');
  });
});

describe('submitting without a shell', () => {
  test('sbatch arguments: the user’s options first, % in paths escaped, an array for several runs', () => {
    const settings = slurmSettingsOf({ slurm: { sbatch: ['--time=02:00:00'] } }, { sbatch: ['--partition=gpu', '--time=01:00:00'] });
    assert.deepEqual(settings?.sbatch, ['--partition=gpu', '--time=01:00:00', '--time=02:00:00'], 'the profile’s option comes last and wins');
    const one = sbatchArgs({ settings: settings ?? {}, runDirs: ['/w/100%/.vlm-lens/runs/a'], cwd: '/w/100%', name: 'vlm-lens:checkpoint 1' });
    assert.deepEqual(one.slice(0, 4), ['--partition=gpu', '--time=01:00:00', '--time=02:00:00', '--parsable']);
    assert.ok(one.includes('--output=/w/100%%/.vlm-lens/runs/a/slurm.out'), one.join(' '));
    assert.ok(one.includes('--chdir=/w/100%'), '--chdir is not a file-name pattern');
    assert.ok(one.includes('--job-name=vlm-lens:checkpoint_1'));
    assert.deepEqual(one.slice(-2), ['/w/100%/.vlm-lens/runs/a/job.sh', '/w/100%/.vlm-lens/runs/a']);
    const arr = sbatchArgs({ settings: {}, runDirs: ['/r/a', '/r/b', '/r/c'], cwd: '/w', name: 'x', listFile: '/r/a/array-runs0' });
    assert.ok(arr.includes('--array=0-2'));
    assert.deepEqual(arr.slice(-3), ['/r/a/job.sh', '--list', '/r/a/array-runs0']);
    assert.equal(slurmSettingsOf({}, { sbatch: ['--partition=gpu'] }), undefined, 'a profile without "slurm" runs locally');
  });

  test('the batch script runs the argument array exactly, with the environment, whatever the arguments hold', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vlm-lens-job-'));
    const hostile = ['a b', "it's", '$(touch pwned)', '`id`', 'line\nbreak', '*', '--x="y"', ''];
    const argv = ['python3', '-c', 'import json,os,sys; print(json.dumps({"args": sys.argv[1:], "env": os.environ.get("WEIRD")}))', ...hostile];
    await writeJobFiles(dir, argv, { WEIRD: 'x $(touch pwned2) "q" \n y' });
    writeFileSync(join(dir, 'run.log'), '');
    const r = spawnSync('bash', [join(dir, 'job.sh'), dir], { cwd: dir, encoding: 'utf8', env: { ...process.env, SLURM_JOB_ID: '77' } });
    assert.equal(r.status, 0, r.stderr);
    const log = readFileSync(join(dir, 'run.log'), 'utf8');
    assert.match(log, /^# slurm job 77 on /);
    const out = JSON.parse(log.split('\n').find((l) => l.startsWith('{')) ?? 'null') as { args: string[]; env: string };
    assert.deepEqual(out.args, hostile);
    assert.equal(out.env, 'x $(touch pwned2) "q" \n y');
    assert.ok(!existsSync(join(dir, 'pwned')) && !existsSync(join(dir, 'pwned2')), 'nothing in an argument was run by the shell');
    assert.ok(!BATCH_SCRIPT.includes(dir));
  });

  test('a cluster that refuses job arrays gets one job per run; a refusal of another kind fails the runs with sbatch’s words', async () => {
    const { RunStore } = await import('../../src/core/eval/runStore');
    const { planRuns } = await import('../../src/core/eval/runner');
    const { submitSlurmRuns } = await import('../../src/core/eval/slurmRunner');
    const { SlurmClient } = await import('../../src/core/eval/slurm');
    type Starter = ConstructorParameters<typeof SlurmClient>[0];
    // a stand-in sbatch (a Slurm with MaxArraySize=1 answers an array like this)
    const calls: string[][] = [];
    let next = 100;
    const starter =
      (refuse: RegExp): Starter =>
      (spec, on) => {
        calls.push(spec.args);
        const refused = spec.args.some((a) => refuse.test(a));
        if (refused) on.stderr('sbatch: error: Batch job submission failed: Invalid job array specification\n');
        else on.stdout(`${next++}\n`);
        return { pid: undefined, exited: Promise.resolve({ exitCode: refused ? 1 : 0, stopped: false }), stop: () => undefined, kill: () => undefined };
      };
    const ws = mkdtempSync(join(tmpdir(), 'vlm-lens-slurm-fake-'));
    const store = RunStore.forFolder(ws);
    const profile = { name: 'p', command: ['python3', 'eval.py', '${task}'], tasks: ['a', 'b', 'c'], slurm: true };
    let salt = 0;
    const plan = async () => planRuns(profile, join(ws, 'checkpoint-1'), { tasks: ['a', 'b', 'c'] }, { workspaceFolder: ws, store, nextSalt: () => salt++ });
    const jobs = await plan();
    for (const j of jobs) await store.create(j.run);
    const runs = await submitSlurmRuns(store, jobs, { sbatch: ['--partition=gpu'] }, new SlurmClient(starter(/^--array=/)));
    assert.ok(calls[0].some((a) => a.startsWith('--array=0-2')), 'an array was tried first');
    assert.deepEqual(runs.map((r) => r.slurm?.jobId), ['100', '101', '102'], 'then one job each');
    assert.ok(runs.every((r) => r.status === 'queued'));

    const again = await plan();
    for (const j of again) await store.create(j.run);
    const failed = await submitSlurmRuns(store, again, { sbatch: ['--partition=gpu'] }, new SlurmClient(starter(/^--partition=gpu$/)));
    assert.ok(failed.every((r) => r.status === 'failed' && /^sbatch refused the job: .*Invalid job array specification/.test(r.failure?.message ?? '')), JSON.stringify(failed.map((r) => r.failure)));
  });

  test('a run record’s Slurm job is checked when read back; a Slurm run is never ended as interrupted', () => {
    const base = { version: 1, id: 'r1', profile: 'p', checkpoint: '/c', checkpointName: 'c', cwd: '/w', status: 'running', queuedAt: '2026-11-30T00:00:00Z', log: 'run.log', argv: [], results: [], logMetrics: [] };
    const ok = checkRunRecord({ ...base, slurm: { jobId: '12_3', sbatch: [], output: 'r1/slurm.out', vars: {}, scoring: {} } }, 'r1');
    assert.ok('run' in ok, JSON.stringify(ok));
    assert.ok('error' in checkRunRecord({ ...base, slurm: { jobId: '12; rm -rf ~', sbatch: [], vars: {}, scoring: {} } }, 'r1'));
    assert.ok('error' in checkRunRecord({ ...base, slurm: { jobId: '12', sbatch: [], output: '../../x', vars: {}, scoring: {} } }, 'r1'));
    const run = (ok).run;
    assert.deepEqual(interruptedRuns([run], () => false, () => false, 1), []);
  });
});

// ---- a real cluster ----

const missing = slurmMissing();

describe('on a real one-node Slurm cluster', { skip: missing && !process.env.CI ? missing : false }, () => {
  let cluster: SlurmCluster;
  let ws: string;
  const N = 6;

  const cli = (args: string[]) => {
    const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, ...cluster.env }, timeout: 180_000 });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };
  /** the CLI started without waiting for it (to Ctrl+C it, or to let a long job run beside the other tests) */
  const cliAsync = (args: string[]) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...cluster.env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((res) => child.on('close', (code) => res({ code, stdout, stderr })));
    return { child, done };
  };
  let tooLong: ReturnType<typeof cliAsync>;
  const profile = (name: string, slurm: unknown, extra: Record<string, unknown> = {}) => ({
    name,
    command: ['python3', '${workspaceFolder}/eval/fake_robointer_eval.py', '--model_path', '${checkpoint}', '--json_path', '${dataset}', '--batch_size', '2'],
    dataset: '${workspaceFolder}/eval/${task}.json',
    tasks: ['contact_box', 'final_box'],
    predictions: '${checkpoint}/eval_details_${task}.json',
    env: { FAKE_EVAL_SLEEP: '0', FAKE_EVAL_NOISE: '3', FAKE_EVAL_PRINT_ENV: 'SLURM_JOB_ID,SLURM_ARRAY_TASK_ID' },
    slurm,
    ...extra,
  });
  const checkpoint = (name: string) => {
    mkdirSync(join(ws, 'checkpoints', name), { recursive: true });
    return join(ws, 'checkpoints', name);
  };

  before(async () => {
    cluster = await startSlurmCluster();
    ws = mkdtempSync(join(tmpdir(), 'vlm-lens-slurm-ws-'));
    mkdirSync(join(ws, 'eval'), { recursive: true });
    copyFileSync(SCRIPT, join(ws, 'eval', 'fake_robointer_eval.py'));
    for (const task of ['contact_box', 'final_box']) {
      const rows = Array.from({ length: N }, (_, i) => ({
        id: `${task}-${i}`,
        conversations: [
          { from: 'human', value: '<image>\nPredict the bounding box.' },
          { from: 'gpt', value: JSON.stringify({ [task === 'contact_box' ? 'contact_bbox' : 'final_bbox']: [[40 + i, 50], [150 + i, 130]] }) },
        ],
        images: `img_${i}.jpg`,
      }));
      writeFileSync(join(ws, 'eval', `${task}.json`), JSON.stringify(rows));
    }
    mkdirSync(join(ws, '.vscode'));
    writeFileSync(
      join(ws, '.vscode', 'settings.json'),
      `{
  // defaults for every Slurm profile
  "vlmLens.slurm": { "sbatch": ["--mem=50"] },
  "vlmLens.evalProfiles": ${JSON.stringify([
    profile('Cluster', true),
    profile('Slow', { sbatch: ['--time=10'] }, { tasks: ['contact_box'], env: { FAKE_EVAL_SLEEP: '30', FAKE_EVAL_PID_FILE: '${outputDir}/pid' } }),
    profile('Bad partition', { sbatch: ['--partition=nonexist'] }, { tasks: ['contact_box'] }),
    profile('No sbatch', { bin: '/nonexistent/slurm/bin' }, { tasks: ['contact_box'] }),
    profile('Too long', { sbatch: ['--time=1'] }, { tasks: ['contact_box'], env: { FAKE_EVAL_SLEEP: '200' } }),
  ])}
}`,
    );
    // a minute is the shortest time limit Slurm knows: this job runs beside the other tests
    tooLong = cliAsync(['eval', checkpoint('checkpoint-6000'), '--profile', 'Too long', '--workspace', ws, '--json']);
  });

  after(() => {
    tooLong?.child.kill('SIGKILL');
    cluster?.stop();
  });

  test('vlm-lens eval with a Slurm profile: two tasks as one job array, run inside Slurm, followed, scored', () => {
    const r = cli(['eval', checkpoint('checkpoint-2000'), '--profile', 'Cluster', '--workspace', ws, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const runs = JSON.parse(r.stdout) as RunRecord[];
    assert.equal(runs.length, 2);
    const [a, b] = runs;
    const arrayId = a.slurm?.jobId.split('_')[0];
    assert.deepEqual([a.slurm?.jobId, b.slurm?.jobId], [`${arrayId}_0`, `${arrayId}_1`], 'one array, one task per run');
    for (const run of runs) {
      assert.equal(run.status, 'succeeded', JSON.stringify(run));
      assert.equal(run.slurm?.state, 'COMPLETED');
      assert.deepEqual(run.slurm?.sbatch, ['--mem=50'], 'the user default of vlmLens.slurm');
      const agg = run.results[0]?.aggregate;
      assert.equal(agg?.samples, N, JSON.stringify(run.results));
      assert.ok(agg && agg.metrics.mean_iou > 0.5 && agg.metrics.mean_iou < 1, String(agg?.metrics.mean_iou));
      const log = readFileSync(join(ws, '.vlm-lens', 'runs', run.id, 'run.log'), 'utf8');
      // the script itself saw the job's variables: it ran inside the Slurm job
      assert.match(log, new RegExp(`^SLURM_ARRAY_TASK_ID=${run === a ? 0 : 1}$`, 'm'));
      assert.match(log, /^SLURM_JOB_ID=\d+$/m);
      assert.match(log, /Results saved to/);
    }
    assert.match(r.stderr, /submitted as Slurm job \d+_0/);
    assert.match(r.stderr, /job \d+_1: the job completed/);
  });

  test('a refused partition and a missing sbatch are said in words, and fail the run', () => {
    const bad = cli(['eval', checkpoint('checkpoint-3000'), '--profile', 'Bad partition', '--workspace', ws, '--json']);
    assert.equal(bad.code, 1, bad.stderr);
    const [run] = JSON.parse(bad.stdout) as RunRecord[];
    assert.equal(run.status, 'failed');
    assert.match(run.failure?.message ?? '', /^sbatch refused the job: .*invalid partition specified: nonexist/);
    const none = cli(['eval', checkpoint('checkpoint-3000'), '--profile', 'No sbatch', '--workspace', ws, '--json']);
    assert.equal(none.code, 1, none.stderr);
    const [run2] = JSON.parse(none.stdout) as RunRecord[];
    assert.match(run2.failure?.message ?? '', /^sbatch was not found \(looked in \/nonexistent\/slurm\/bin\)/);
  });

  test('--no-wait leaves the job queued; vlm-lens runs reports it, and collects it once it has ended', async () => {
    const r = cli(['eval', checkpoint('checkpoint-4000'), '--profile', 'Cluster', '--task', 'final_box', '--workspace', ws, '--no-wait', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const [run] = JSON.parse(r.stdout) as RunRecord[];
    assert.equal(run.status, 'queued');
    assert.match(run.slurm?.jobId ?? '', /^\d+$/);
    let listed: RunRecord | undefined;
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      const l = cli(['runs', '--workspace', ws, '--json']);
      assert.equal(l.code, 0, l.stderr);
      listed = (JSON.parse(l.stdout) as { runs: RunRecord[] }).runs.find((x) => x.id === run.id);
      if (listed?.status === 'succeeded') break;
      await new Promise((res) => setTimeout(res, 500));
    }
    assert.equal(listed?.status, 'succeeded', JSON.stringify(listed));
    assert.equal(listed?.results[0]?.aggregate?.samples, N);
    const text = cli(['runs', '--workspace', ws]);
    assert.match(text.stdout, new RegExp(`${run.id} .* checkpoint-4000 · final_box  succeeded`));
  });

  test('Ctrl+C on vlm-lens eval cancels the job with scancel; the run is cancelled and no process of it is left', async () => {
    const ckpt = checkpoint('checkpoint-5000');
    const { child, done } = cliAsync(['eval', ckpt, '--profile', 'Slow', '--workspace', ws, '--json']);
    const runsDir = join(ws, '.vlm-lens', 'runs');
    const deadline = Date.now() + 60_000;
    let pidFile: string | undefined;
    while (!pidFile && Date.now() < deadline) {
      pidFile = readdirSync(runsDir)
        .map((id) => join(runsDir, id, 'output', 'pid'))
        .find((f) => existsSync(f) && readFileSync(f, 'utf8').trim() !== '');
      if (!pidFile) await new Promise((res) => setTimeout(res, 200));
    }
    assert.ok(pidFile, 'the script started inside its job');
    const pid = Number(readFileSync(pidFile, 'utf8'));
    process.kill(pid, 0); // running now
    child.kill('SIGINT');
    const r = await done;
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /cancelling the Slurm jobs \(scancel\)/);
    const [run] = JSON.parse(r.stdout) as RunRecord[];
    assert.equal(run.status, 'cancelled');
    assert.equal(run.slurm?.state, 'CANCELLED');
    const gone = Date.now() + 10_000;
    let alive = true;
    while (alive && Date.now() < gone) {
      try {
        process.kill(pid, 0);
        await new Promise((res) => setTimeout(res, 200));
      } catch {
        alive = false;
      }
    }
    assert.equal(alive, false, `the script (pid ${pid}) outlived its cancelled job`);
  });

  test('a job past its time limit is TIMEOUT, said with what to change', { timeout: 240_000 }, async () => {
    const r = await tooLong.done;
    assert.equal(r.code, 1, r.stderr);
    const [run] = JSON.parse(r.stdout) as RunRecord[];
    assert.equal(run.status, 'failed');
    assert.equal(run.slurm?.state, 'TIMEOUT');
    assert.match(run.failure?.message ?? '', /time limit \(--time\)/);
    assert.match(readFileSync(join(ws, '.vlm-lens', 'runs', run.id, 'run.log'), 'utf8'), /DUE TO TIME LIMIT/, 'Slurm’s own line is in the log');
  });
});
