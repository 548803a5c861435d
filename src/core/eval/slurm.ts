/**
 * Eval runs as Slurm jobs, outside VS Code: the batch script (fixed text: it reads the run's
 * argument array and environment from NUL-separated files, so no path or argument is ever
 * parsed by a shell), the `sbatch` argument array for one run or a job array, and what
 * `sbatch`, `scontrol show job -o`, `squeue` and `sacct` print, read into a job's state, its
 * reason, its node and its end said in plain words. The commands run through the caller's
 * process starter (execa in the extension and the CLI); `SlurmClient` only builds argument
 * arrays and reads their output.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import type { ProcessStarter } from './process';
import type { RunStatus } from './runs';
import type { SlurmJobRecord, SlurmSettings } from './slurmTypes';

export { checkSlurmSettings, type SlurmJobRecord, type SlurmSettings } from './slurmTypes';

/** Settings of a profile that runs on Slurm, with the user's defaults first (a later sbatch option wins). */
export function slurmSettingsOf(profile: { slurm?: SlurmSettings | boolean }, userDefault?: SlurmSettings): SlurmSettings | undefined {
  if (profile.slurm === undefined || profile.slurm === false) return undefined;
  const own = profile.slurm === true ? {} : profile.slurm;
  return { sbatch: [...(userDefault?.sbatch ?? []), ...(own.sbatch ?? [])], bin: own.bin ?? userDefault?.bin, array: own.array ?? userDefault?.array ?? true };
}

/**
 * The batch script, the same for every run: its first argument is the run folder (or, for a
 * job array, `--list FILE` naming a NUL-separated list of run folders, one per array task).
 * It appends its output to the run's `run.log`, exports the variables in `env0`, and executes
 * the argument array in `argv0`; the working folder is sbatch's `--chdir`.
 */
export const BATCH_SCRIPT = `#!/bin/bash
# Written by VLM Lens. Runs one eval run: the argument array in <run folder>/argv0 and the
# environment in <run folder>/env0 (both NUL-separated), with output appended to run.log.
if [ "$1" = "--list" ]; then
  mapfile -d '' -t run_dirs < "$2"
  run_dir="\${run_dirs[\${SLURM_ARRAY_TASK_ID:-0}]}"
else
  run_dir="$1"
fi
exec >> "$run_dir/run.log" 2>&1
echo "# slurm job \${SLURM_JOB_ID:-?} on $(hostname) in $(pwd)"
while IFS= read -r -d '' kv; do export "$kv"; done < "$run_dir/env0"
mapfile -d '' -t argv < "$run_dir/argv0"
exec "\${argv[@]}"
`;

/** Writes a run's `argv0`, `env0` and `job.sh` into its folder. */
export async function writeJobFiles(runDir: string, argv: string[], env: Record<string, string>): Promise<void> {
  await mkdir(runDir, { recursive: true });
  const nul = (xs: string[]) => xs.map((x) => `${x}\0`).join('');
  await writeFile(join(runDir, 'argv0'), nul(argv));
  await writeFile(join(runDir, 'env0'), nul(Object.entries(env).map(([k, v]) => `${k}=${v}`)));
  await writeFile(join(runDir, 'job.sh'), BATCH_SCRIPT, { mode: 0o755 });
}

/** A path in an sbatch file-name option: `%` is a pattern character there, so a literal one is `%%`. */
export function sbatchPath(p: string): string {
  return p.replace(/%/g, '%%');
}

/**
 * The argument array of `sbatch` for one run (`runDirs` of one) or a job array (several,
 * listed NUL-separated in `listFile`). The user's options come first; `--parsable`, the name,
 * the working folder, Slurm's own output file and the array range are VLM Lens's.
 */
export function sbatchArgs(o: { settings: SlurmSettings; runDirs: string[]; cwd: string; name: string; listFile?: string }): string[] {
  const array = o.runDirs.length > 1;
  if (array && !o.listFile) throw new Error('a job array needs the list of its run folders');
  const first = o.runDirs[0];
  const args = [...(o.settings.sbatch ?? []), '--parsable', `--job-name=${o.name.replace(/[\s\n]+/g, '_').slice(0, 100)}`, `--chdir=${o.cwd}`];
  if (array) args.push(`--array=0-${o.runDirs.length - 1}`, `--output=${sbatchPath(join(first, 'slurm-%a.out'))}`, join(first, 'job.sh'), '--list', o.listFile as string);
  else args.push(`--output=${sbatchPath(join(first, 'slurm.out'))}`, join(first, 'job.sh'), first);
  return args;
}

/** The job id `sbatch --parsable` printed (`123` or `123;cluster`), or nothing. */
export function parseSbatch(stdout: string): string | undefined {
  return /^(\d+)(?:;\S+)?\s*$/m.exec(stdout.trim())?.[1];
}

/** sbatch's own words for a refused submission: its `sbatch: error:` lines without the prefix, the last first. */
export function sbatchError(stderr: string): string {
  const errors = stderr
    .split(/\r?\n/)
    .map((l) => /^sbatch: error: (.*)$/.exec(l.trim())?.[1])
    .filter((l): l is string => !!l);
  if (errors.length === 0) return stderr.trim().split(/\r?\n/).slice(-3).join(' ') || 'sbatch printed nothing';
  return [...errors].reverse().join('; ');
}

/** Whether sbatch refused a job array as such (then each run is submitted on its own). */
export function refusedArray(message: string): boolean {
  return /array/i.test(message);
}

/** A job's state as Slurm reports it. */
export interface SlurmJobState {
  jobId: string;
  state: string;
  reason?: string;
  /** `code:signal` */
  exitCode?: string;
  node?: string;
  partition?: string;
  /** when it started and ended, as Slurm prints them (local time, no zone) */
  startTime?: string;
  endTime?: string;
  priority?: number;
}

/** `Key=Value` fields of one `scontrol show job -o` line (a value may hold spaces up to the next ` Key=`). */
export function scontrolFields(line: string): Map<string, string> {
  const fields = new Map<string, string>();
  const re = /(?:^|\s)([A-Za-z][A-Za-z0-9_/:]*)=/g;
  const hits = [...line.matchAll(re)];
  for (const [i, m] of hits.entries()) {
    const start = (m.index ?? 0) + m[0].length;
    const end = i + 1 < hits.length ? (hits[i + 1].index ?? line.length) : line.length;
    if (!fields.has(m[1])) fields.set(m[1], line.slice(start, end).trim());
  }
  return fields;
}

const unset = (v: string | undefined) => (v === undefined || v === '' || v === '(null)' || v === 'None' || v === 'Unknown' || v === 'N/A' ? undefined : v);

/** `scontrol show job -o ID`: one line per job (an array's tasks, one each); the one asked for, or nothing. */
export function parseScontrolJob(text: string, jobId: string): SlurmJobState | undefined {
  for (const line of text.split(/\r?\n/)) {
    if (!line.trim()) continue;
    const f = scontrolFields(line);
    const id = f.get('JobId');
    const arrayId = f.get('ArrayJobId');
    const task = f.get('ArrayTaskId');
    const name = arrayId && task && /^\d+$/.test(task) ? `${arrayId}_${task}` : id;
    if (name !== jobId && id !== jobId) continue;
    const state = f.get('JobState');
    if (!state) continue;
    const priority = Number(f.get('Priority'));
    return {
      jobId,
      state,
      reason: unset(f.get('Reason')),
      exitCode: f.get('ExitCode'),
      node: unset(f.get('NodeList')),
      partition: unset(f.get('Partition')),
      startTime: unset(f.get('StartTime')),
      endTime: unset(f.get('EndTime')),
      priority: Number.isFinite(priority) ? priority : undefined,
    };
  }
  return undefined;
}

/** The squeue format VLM Lens asks for, and its reader. */
export const SQUEUE_FORMAT = '%i|%T|%r|%N|%P|%Q';

/** `squeue -h -o "%i|%T|%r|%N|%P|%Q"` lines. */
export function parseSqueue(text: string): SlurmJobState[] {
  const out: SlurmJobState[] = [];
  for (const line of text.split(/\r?\n/)) {
    const p = line.trim().split('|');
    if (p.length < 2 || !p[0]) continue;
    const priority = Number(p[5]);
    out.push({ jobId: p[0], state: p[1], reason: unset(p[2]), node: unset(p[3]), partition: unset(p[4]), priority: Number.isFinite(priority) ? priority : undefined });
  }
  return out;
}

/** The sacct fields VLM Lens asks for (`-n -P -X -o …`), and its reader. */
export const SACCT_FIELDS = 'JobID,State,ExitCode,Reason,NodeList,Partition,Start,End';

/** `sacct -n -P -X -o JobID,State,ExitCode,Reason,NodeList,Partition,Start,End -j ID`; `CANCELLED by 1000` is CANCELLED. */
export function parseSacct(text: string, jobId: string): SlurmJobState | undefined {
  for (const line of text.split(/\r?\n/)) {
    const p = line.trim().split('|');
    if (p.length < 3 || p[0] !== jobId) continue;
    return { jobId, state: p[1].split(/\s+/)[0], exitCode: p[2], reason: unset(p[3]), node: unset(p[4]), partition: unset(p[5]), startTime: unset(p[6]), endTime: unset(p[7]) };
  }
  return undefined;
}

/**
 * A pending job's place in its partition's queue: pending jobs there ordered by priority
 * (highest first), then by id. 1 is next; nothing when it is not pending.
 */
export function queuePosition(jobs: SlurmJobState[], jobId: string): number | undefined {
  const me = jobs.find((j) => j.jobId === jobId);
  if (!me || me.state !== 'PENDING') return undefined;
  const num = (id: string) => Number(/^\d+/.exec(id)?.[0] ?? 0);
  const ahead = jobs.filter((j) => j.state === 'PENDING' && (me.partition === undefined || j.partition === me.partition));
  ahead.sort((a, b) => (b.priority ?? 0) - (a.priority ?? 0) || num(a.jobId) - num(b.jobId) || a.jobId.localeCompare(b.jobId));
  return ahead.findIndex((j) => j.jobId === jobId) + 1;
}

const WAITING = new Set(['PENDING', 'CONFIGURING', 'REQUEUED', 'REQUEUE_HOLD', 'REQUEUE_FED', 'RESV_DEL_HOLD', 'SUSPENDED', 'STOPPED', 'RESIZING', 'SIGNALING', 'STAGE_OUT']);
const RUNNING = new Set(['RUNNING', 'COMPLETING']);
const FAILED = new Set(['FAILED', 'TIMEOUT', 'OUT_OF_MEMORY', 'NODE_FAIL', 'BOOT_FAIL', 'DEADLINE', 'PREEMPTED', 'SPECIAL_EXIT', 'REVOKED']);

/** Whether a job in this state has ended. */
export function isEnded(state: string): boolean {
  return state === 'COMPLETED' || state === 'CANCELLED' || FAILED.has(state);
}

/** A run's status for its job's state (`COMPLETED` is `succeeded` until its predictions say otherwise). */
export function runStatusOf(state: string): RunStatus {
  if (state === 'COMPLETED') return 'succeeded';
  if (state === 'CANCELLED') return 'cancelled';
  if (FAILED.has(state)) return 'failed';
  if (RUNNING.has(state)) return 'running';
  if (WAITING.has(state)) return 'queued';
  return 'running';
}

/** The sentences of the Slurm states, reasons and errors (the extension passes translated ones). */
export interface SlurmMessages {
  pending(position: number | undefined, reason: string | undefined): string;
  running(node: string | undefined): string;
  /** why a job waits, for the reasons users meet most; undefined for the rest (shown as Slurm says it) */
  reason(reason: string): string | undefined;
  ended(state: string, exitCode: string | undefined): string;
  notFound(program: string, lookedIn: string): string;
  refused(program: string, message: string): string;
  lost(jobId: string, error: string): string;
}

export const ENGLISH_SLURM_MESSAGES: SlurmMessages = {
  pending: (position, reason) => `waiting in the queue${position ? ` (position ${position})` : ''}${reason ? `: ${reason}` : ''}`,
  running: (node) => (node ? `running on ${node}` : 'running'),
  reason: (r) =>
    ({
      Priority: 'jobs with a higher priority are ahead of it',
      Resources: 'waiting for the nodes, GPUs or memory it asked for to be free',
      Dependency: 'waiting for the job it depends on',
      DependencyNeverSatisfied: 'the job it depends on ended in a way that can never satisfy the dependency',
      BeginTime: 'its start time has not come yet',
      JobHeldUser: 'held by you (scontrol release to let it run)',
      JobHeldAdmin: 'held by an administrator',
      ReqNodeNotAvail: 'a node it needs is not available (down, drained or reserved)',
      PartitionTimeLimit: 'its --time is longer than the partition allows',
      PartitionNodeLimit: 'it asks for more nodes than the partition allows',
      PartitionDown: 'the partition is down',
      QOSMaxGRESPerUser: 'your quality of service allows no more GPUs at once (your other jobs hold them)',
      QOSMaxJobsPerUserLimit: 'your quality of service allows no more running jobs at once',
      AssocGrpGRES: 'your account’s GPU limit is reached',
      AssocMaxJobsLimit: 'your account allows no more running jobs at once',
      AssocGrpCPULimit: 'your account’s CPU limit is reached',
      NodeDown: 'a node it was given is down',
      launch_failed_requeued_held: 'the launch failed and the job is held',
    })[r.replace(/^\((.*)\)$/, '$1')],
  ended: (state, exitCode) => {
    const code = exitCode?.split(':')[0];
    switch (state) {
      case 'COMPLETED':
        return 'the job completed';
      case 'FAILED':
        return `the job failed: the script exited with code ${code ?? '?'}`;
      case 'CANCELLED':
        return 'the job was cancelled (scancel)';
      case 'TIMEOUT':
        return 'the job ran past its time limit (--time) and Slurm stopped it: ask for more time in the profile’s "slurm.sbatch"';
      case 'OUT_OF_MEMORY':
        return 'the job used more memory than it asked for and was killed: ask for more with --mem in the profile’s "slurm.sbatch"';
      case 'NODE_FAIL':
        return 'the node it ran on failed; run it again';
      case 'BOOT_FAIL':
        return 'the node it was given failed to boot; run it again';
      case 'PREEMPTED':
        return 'the job was preempted by a higher-priority job';
      case 'DEADLINE':
        return 'the job reached its deadline before it could end';
      default:
        return `the job ended as ${state}${code ? ` (exit code ${code})` : ''}`;
    }
  },
  notFound: (program, lookedIn) => `${program} was not found (looked in ${lookedIn}); set "slurm.bin" in the profile or vlmLens.slurm to the folder that holds the Slurm commands`,
  refused: (program, message) => `${program} refused the job: ${message}`,
  lost: (jobId, error) => `Slurm no longer knows job ${jobId} and its end could not be read (${error}); its log holds its output up to then`,
};

/** A job's state said in plain words: waiting (with its place and why), running where, or how it ended. */
export function describeJob(job: Pick<SlurmJobRecord, 'state' | 'reason' | 'position' | 'node' | 'exitCode'>, m: SlurmMessages = ENGLISH_SLURM_MESSAGES): string {
  const state = job.state ?? 'PENDING';
  if (runStatusOf(state) === 'queued') {
    const why = job.reason ? (m.reason(job.reason) ? `${job.reason}, ${m.reason(job.reason)}` : job.reason) : undefined;
    return m.pending(job.position, why);
  }
  if (runStatusOf(state) === 'running') return m.running(job.node);
  return m.ended(state, job.exitCode);
}

/** The outcome of one Slurm command. */
export interface CommandResult {
  exitCode?: number;
  stdout: string;
  stderr: string;
  /** the program could not be started (not found, not executable) */
  spawnError?: string;
}

/**
 * The Slurm commands, each an argument array through the caller's starter. `bin` is the
 * folder of the commands (else PATH); `env` is added to the environment (SLURM_CONF in tests).
 */
export class SlurmClient {
  constructor(
    private readonly start: ProcessStarter,
    private readonly opts: { bin?: string; env?: Record<string, string>; cwd?: string; messages?: SlurmMessages } = {},
  ) {}

  get messages(): SlurmMessages {
    return this.opts.messages ?? ENGLISH_SLURM_MESSAGES;
  }

  /** Runs one command to its end, its output collected (at most 4 MB each). */
  async call(program: string, args: string[]): Promise<CommandResult> {
    let stdout = '';
    let stderr = '';
    const cap = 4 << 20;
    const file = this.opts.bin ? join(this.opts.bin, program) : program;
    const proc = this.start(
      { file, args, cwd: this.opts.cwd ?? process.cwd(), env: this.opts.env },
      { stdout: (c) => void (stdout.length < cap && (stdout += c)), stderr: (c) => void (stderr.length < cap && (stderr += c)) },
    );
    const exit = await proc.exited;
    return { exitCode: exit.exitCode, stdout, stderr, spawnError: exit.spawnError };
  }

  /** Why a command could not be used, in words (not found: where it looked). */
  problemOf(program: string, r: CommandResult): string | undefined {
    if (r.spawnError) {
      if (/ENOENT|not found/i.test(r.spawnError)) return this.messages.notFound(program, this.opts.bin ?? `PATH: ${(process.env.PATH ?? '').split(delimiter).filter(Boolean).join(', ')}`);
      return this.messages.refused(program, r.spawnError);
    }
    if (r.exitCode !== 0) return this.messages.refused(program, program === 'sbatch' ? sbatchError(r.stderr) : r.stderr.trim().split(/\r?\n/).slice(-2).join(' ') || `exit code ${r.exitCode}`);
    return undefined;
  }

  /** Submits; returns the job id or why not. */
  async submit(args: string[]): Promise<{ jobId: string } | { error: string }> {
    const r = await this.call('sbatch', args);
    const problem = this.problemOf('sbatch', r);
    if (problem) return { error: problem };
    const jobId = parseSbatch(r.stdout);
    return jobId ? { jobId } : { error: this.messages.refused('sbatch', `no job id in its output: ${r.stdout.trim().slice(0, 200)}`) };
  }

  /**
   * A job's state: `scontrol show job` while the controller remembers it (MinJobAge, 5 min by
   * default), else `sacct` (accounting); a pending job's place from `squeue`. `unknown` when
   * neither knows the job.
   */
  async state(jobId: string): Promise<SlurmJobState | { unknown: string }> {
    const sc = await this.call('scontrol', ['show', 'job', '-o', jobId]);
    let state = sc.exitCode === 0 ? parseScontrolJob(sc.stdout, jobId) : undefined;
    let why = this.problemOf('scontrol', sc) ?? 'not in scontrol show job';
    if (!state) {
      const sa = await this.call('sacct', ['-n', '-P', '-X', '-o', SACCT_FIELDS, '-j', jobId]);
      state = sa.exitCode === 0 ? parseSacct(sa.stdout, jobId) : undefined;
      if (!state) why = `${why}; ${this.problemOf('sacct', sa) ?? 'not in sacct'}`;
    }
    return state ?? { unknown: why };
  }

  /** Where a pending job stands in its partition's queue. */
  async position(job: SlurmJobState): Promise<number | undefined> {
    if (job.state !== 'PENDING') return undefined;
    const args = ['-h', '-t', 'PENDING', '-r', '-o', SQUEUE_FORMAT];
    if (job.partition) args.push('-p', job.partition);
    const r = await this.call('squeue', args);
    if (r.exitCode !== 0) return undefined;
    const jobs = parseSqueue(r.stdout);
    if (!jobs.some((j) => j.jobId === job.jobId)) jobs.push(job);
    return queuePosition(jobs, job.jobId);
  }

  async cancel(jobId: string): Promise<string | undefined> {
    return this.problemOf('scancel', await this.call('scancel', [jobId]));
  }

  /** The user's jobs by state (for the status bar), or why they could not be listed. */
  async mine(user: string): Promise<{ pending: number; running: number } | { error: string }> {
    const r = await this.call('squeue', ['-h', '-r', '-u', user, '-o', SQUEUE_FORMAT]);
    const problem = this.problemOf('squeue', r);
    if (problem) return { error: problem };
    const jobs = parseSqueue(r.stdout);
    return { pending: jobs.filter((j) => runStatusOf(j.state) === 'queued').length, running: jobs.filter((j) => runStatusOf(j.state) === 'running').length };
  }
}

/** Slurm's local time (`2026-11-30T03:31:56`) as epoch ms, or nothing. */
export function slurmTime(s: string | undefined): number | undefined {
  if (!s || !/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/.test(s)) return undefined;
  const t = new Date(s).getTime();
  return Number.isNaN(t) ? undefined : t;
}
