/**
 * A real one-node Slurm cluster for the tests (Debian's slurm-wlm and munge, as root; see
 * ../shared/notes/slurm-testing.md): its own slurm.conf, state and logs in a temp folder, its
 * own ports (so two clusters never meet), no accounting database (sacct then knows nothing
 * and `scontrol show job` is the record), small default memory per job so jobs run side by
 * side. Clients find it through SLURM_CONF in `env`.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface SlurmCluster {
  dir: string;
  conf: string;
  /** the environment a client needs (SLURM_CONF) */
  env: Record<string, string>;
  node: string;
  /** runs a Slurm command against this cluster; its stdout */
  run(cmd: string, args: string[]): string;
  stop(): void;
}

/** Why this machine cannot run the cluster (the packages are missing or we are not root), or nothing. */
export function slurmMissing(): string | undefined {
  if (typeof process.getuid === 'function' && process.getuid() !== 0) return 'the Slurm tests start daemons as root';
  for (const p of ['/usr/sbin/slurmctld', '/usr/sbin/slurmd', '/usr/bin/sbatch', '/usr/sbin/munged']) if (!existsSync(p)) return `${p} is missing: apt-get install slurm-wlm munge`;
  return undefined;
}

function startMunge(): void {
  const key = '/etc/munge/munge.key';
  if (!existsSync(key)) {
    mkdirSync('/etc/munge', { recursive: true });
    execFileSync('dd', ['if=/dev/urandom', 'bs=1', 'count=1024', `of=${key}`], { stdio: 'ignore' });
    execFileSync('chown', ['munge:munge', key]);
    execFileSync('chmod', ['400', key]);
  }
  mkdirSync('/run/munge', { recursive: true });
  execFileSync('chown', ['munge:munge', '/run/munge']);
  if (spawnSync('pgrep', ['-x', 'munged']).status === 0) return;
  execFileSync('runuser', ['-u', 'munge', '--', '/usr/sbin/munged']);
}

/** Starts the cluster and waits until its node is idle (a few seconds). */
export async function startSlurmCluster(): Promise<SlurmCluster> {
  const missing = slurmMissing();
  if (missing) throw new Error(`cannot start a Slurm cluster: ${missing}`);
  startMunge();
  const dir = mkdtempSync(join(tmpdir(), 'vlm-lens-slurm-'));
  const node = execFileSync('hostname', ['-s'], { encoding: 'utf8' }).trim();
  const cpus = Number(execFileSync('nproc', { encoding: 'utf8' }).trim()) || 1;
  const port = 20000 + Math.floor(Math.random() * 20000);
  for (const d of ['state', 'spool']) mkdirSync(join(dir, d));
  const conf = join(dir, 'slurm.conf');
  writeFileSync(
    conf,
    [
      'ClusterName=vlmlens',
      `SlurmctldHost=${node}`,
      `SlurmctldPort=${port}`,
      `SlurmdPort=${port + 1}`,
      'SlurmUser=root',
      'AuthType=auth/munge',
      'ProctrackType=proctrack/linuxproc',
      'TaskPlugin=task/none',
      'JobAcctGatherType=jobacct_gather/none',
      'AccountingStorageType=accounting_storage/none',
      'JobCompType=jobcomp/none',
      `StateSaveLocation=${dir}/state`,
      `SlurmdSpoolDir=${dir}/spool`,
      `SlurmctldPidFile=${dir}/slurmctld.pid`,
      `SlurmdPidFile=${dir}/slurmd.pid`,
      `SlurmctldLogFile=${dir}/slurmctld.log`,
      `SlurmdLogFile=${dir}/slurmd.log`,
      'ReturnToService=2',
      'SchedulerType=sched/backfill',
      'SelectType=select/cons_tres',
      'SelectTypeParameters=CR_Core_Memory',
      'DefMemPerCPU=50',
      // a job over its time limit is killed at once, not a minute later
      'KillWait=2',
      'OverTimeLimit=0',
      'InactiveLimit=0',
      'MinJobAge=600',
      `NodeName=${node} CPUs=${cpus} RealMemory=1000 State=UNKNOWN`,
      `PartitionName=debug Nodes=${node} Default=YES MaxTime=INFINITE State=UP`,
      '',
    ].join('\n'),
  );
  const env = { SLURM_CONF: conf };
  const run = (cmd: string, args: string[]) => execFileSync(cmd, args, { encoding: 'utf8', env: { ...process.env, ...env } });
  run('/usr/sbin/slurmctld', []);
  run('/usr/sbin/slurmd', []);
  const stop = () => {
    const pids: number[] = [];
    for (const pidFile of ['slurmd.pid', 'slurmctld.pid']) {
      try {
        const pid = Number(readFileSync(join(dir, pidFile), 'utf8').trim());
        process.kill(pid, 'SIGTERM');
        pids.push(pid);
      } catch {
        /* not running */
      }
    }
    // the controller saves its state as it stops: wait for both to be gone before removing it
    const alive = (pid: number) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    const deadline = Date.now() + 15_000;
    while (pids.some(alive) && Date.now() < deadline) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
    for (const pid of pids.filter(alive)) process.kill(pid, 'SIGKILL');
    try {
      rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
    } catch {
      /* a temp folder left behind is not a test failure */
    }
  };
  const deadline = Date.now() + 30_000;
  for (;;) {
    let state = '';
    try {
      state = run('sinfo', ['-h', '-o', '%T']).trim();
    } catch {
      /* the controller is not up yet */
    }
    if (state === 'idle') break;
    if (/down|drain/.test(state)) run('scontrol', ['update', `nodename=${node}`, 'state=resume']);
    if (Date.now() > deadline) {
      const logs = ['slurmctld.log', 'slurmd.log'].map((f) => (existsSync(join(dir, f)) ? readFileSync(join(dir, f), 'utf8').slice(-2000) : '')).join('\n');
      stop();
      throw new Error(`the Slurm node never became idle (last state “${state}”):\n${logs}`);
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  return { dir, conf, env, node, run, stop };
}
