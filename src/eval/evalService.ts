import * as vscode from 'vscode';
import { userInfo } from 'node:os';
import { interruptedRuns, runLabel, type EvalProfile, type RunRecord } from '../core/eval/runs';
import { echoFilter, executeRun, formatSeconds, planRuns, type RunInputs, type RunJob, type RunnerMessages } from '../core/eval/runner';
import { emptySummary, type LogSummary } from '../core/eval/logParse';
import { headlineText } from '../core/eval/shaping';
import type { ProcessStarter, RunningProcess } from '../core/eval/process';
import { startProcess } from './process.apis';
import { allProcs, bootId, killAll } from '../core/eval/procfs';
import { survivingMembers } from '../core/eval/processGroup';
import { type RunStore } from '../core/eval/runStore';
import { SlurmClient, describeJob, slurmSettingsOf, type SlurmMessages, type SlurmSettings } from '../core/eval/slurm';
import { followSlurmRun, isSlurmRunOpen, submitSlurmRuns } from '../core/eval/slurmRunner';

export type { RunInputs };

/** A Slurm run this window follows (the job runs on the cluster; many at once). */
interface Followed {
  run: RunRecord;
  cancelled: boolean;
  summary: LogSummary;
}

/** The user-level defaults of Slurm profiles (`vlmLens.slurm`). */
export function slurmDefaults(): SlurmSettings {
  return vscode.workspace.getConfiguration('vlmLens').get<SlurmSettings>('slurm', {});
}

interface Active {
  job: RunJob;
  proc?: RunningProcess;
  summary: LogSummary;
  cancelled: boolean;
}

/**
 * Runs eval profiles on checkpoints, one at a time (they share the GPU), the rest queued:
 * a cancellable progress notification with percent and ETA from tqdm bars, live output in a
 * LogOutputChannel and in the run's log file, a status bar item while runs are active, and
 * on exit the run record: exit code, duration, stderr tail, a known failure said plainly,
 * metrics from the output, from JSON metric files and computed from prediction files.
 */
export class EvalService implements vscode.Disposable {
  private readonly queue: RunJob[] = [];
  private active: Active | undefined;
  private readonly output: vscode.LogOutputChannel;
  private readonly status: vscode.StatusBarItem;
  private readonly updated = new vscode.EventEmitter<RunRecord>();
  /** live state of the running run (throttled) and every saved change */
  readonly onDidUpdate = this.updated.event;
  private salt = 0;
  private disposed = false;

  /**
   * @param start starts a run's process (tests pass a stand-in); the process must be its own
   * group leader, as `startProcess` makes it, for the group to be recorded and stopped
   */
  constructor(
    readonly store: RunStore,
    private readonly start: ProcessStarter = startProcess,
  ) {
    this.output = vscode.window.createOutputChannel('VLM Lens Eval', { log: true });
    this.status = vscode.window.createStatusBarItem('vlmLens.evalRuns', vscode.StatusBarAlignment.Left, 50);
    this.status.name = vscode.l10n.t('VLM Lens eval runs');
    this.status.command = 'vlmLens.showRunQueue';
  }

  /**
   * Queues one run per checkpoint and task; returns the runs. A Slurm profile's runs are
   * submitted at once instead (one job array) and followed side by side: the cluster queues them.
   */
  async enqueue(profile: EvalProfile, checkpoints: string[], inputs: RunInputs): Promise<RunRecord[]> {
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? this.store.workspace ?? checkpoints[0];
    const jobs: RunJob[] = [];
    for (const checkpoint of checkpoints) jobs.push(...(await planRuns(profile, checkpoint, inputs, { workspaceFolder: folder, store: this.store, nextSalt: () => this.salt++, hostPid: process.pid })));
    for (const job of jobs) await this.store.create(job.run);
    const slurm = slurmSettingsOf(profile, slurmDefaults());
    if (slurm) {
      await this.submit(jobs, slurm);
      return jobs.map((j) => j.run);
    }
    this.queue.push(...jobs);
    this.showStatus();
    void this.pump();
    if (jobs.length > 1) void vscode.window.showInformationMessage(vscode.l10n.t('{0} eval runs queued: they run one after another.', jobs.length));
    return jobs.map((j) => j.run);
  }

  private readonly followed = new Map<string, Followed>();
  /** all of the user's jobs on the cluster (squeue -u), polled while Slurm runs are followed */
  private clusterJobs: { pending: number; running: number } | undefined;
  private clusterTimer: NodeJS.Timeout | undefined;

  /** Counts the user's jobs on the cluster now and every minute while this window follows Slurm runs. */
  private pollClusterJobs(): void {
    if (this.clusterTimer || this.disposed) return;
    const tick = async () => {
      this.clusterTimer = undefined;
      if (this.disposed || this.followed.size === 0) {
        this.clusterJobs = undefined;
        return;
      }
      const r = await this.slurmClient().mine(userInfo().username);
      this.clusterJobs = 'error' in r ? undefined : r;
      this.showStatus();
      if (!this.disposed) this.clusterTimer = setTimeout(() => void tick(), 60_000);
    };
    this.clusterTimer = setTimeout(() => void tick(), 0);
  }

  private slurmClient(settings?: SlurmSettings): SlurmClient {
    return new SlurmClient(this.start, { bin: settings?.bin ?? slurmDefaults().bin, cwd: this.store.workspace, messages: slurmMessages() });
  }

  /** Submits runs to Slurm, says so, and follows each submitted one. */
  private async submit(jobs: RunJob[], settings: SlurmSettings): Promise<void> {
    const client = this.slurmClient(settings);
    const runs = await submitSlurmRuns(this.store, jobs, settings, client);
    const ok = runs.filter((r) => r.slurm);
    for (const r of runs) {
      this.output.info(`[${r.id}] ${runLabel(r)}: ${r.slurm ? `submitted as Slurm job ${r.slurm.jobId}` : `not submitted: ${r.failure?.message ?? ''}`}`);
      this.updated.fire(r);
    }
    const failed = runs.find((r) => !r.slurm);
    if (failed) this.announce(failed);
    if (ok.length) {
      const ids = [...new Set(ok.map((r) => r.slurm?.jobId.split('_')[0]))].join(', ');
      void vscode.window.showInformationMessage(vscode.l10n.t('{0} eval run(s) submitted to Slurm (job {1}). The Eval Runs view shows where they stand.', ok.length, ids));
    }
    for (const r of ok) this.follow(r, client);
    this.pollClusterJobs();
    this.showStatus();
  }

  /** Follows a Slurm run to its end (a new one, or one a closed window left), then says how it ended. */
  private follow(run: RunRecord, client: SlurmClient): void {
    if (this.followed.has(run.id)) return;
    const f: Followed = { run, cancelled: false, summary: emptySummary() };
    this.followed.set(run.id, f);
    const echo = echoFilter();
    const due = every(500);
    void followSlurmRun(this.store, run, {
      client,
      messages: runnerMessages(),
      isCancelled: () => f.cancelled,
      isAbandoned: () => this.disposed,
      onFragment: (frag, events) => {
        if (echo(frag, events)) this.output.appendLine(`[${run.id}] ${frag}`);
      },
      onOutput: (summary) => {
        f.summary = summary;
        if (due()) this.fireLive(run, summary);
      },
      onState: (r) => {
        if (r.slurm) this.output.info(`[${r.id}] Slurm job ${r.slurm.jobId}: ${describeJob(r.slurm, client.messages)}`);
        this.updated.fire(r);
        this.showStatus();
      },
    })
      .then(({ run: ended }) => {
        if (this.disposed) return;
        this.followed.delete(run.id);
        this.showStatus();
        this.updated.fire(ended);
        this.announce(ended);
      })
      .catch((e: unknown) => {
        this.followed.delete(run.id);
        this.output.error(`[${run.id}] ${e instanceof Error ? e.message : String(e)}`);
      });
  }

  /**
   * Ends runs a closed window left "running" or "queued" (VS Code quit or crashed mid-run):
   * a surviving process group of such a run (an eval script that ignored SIGTERM) is killed
   * first, and said; then the run is saved as cancelled with the reason, so the history does
   * not show it going forever. Writes and signals, so only in a trusted workspace: a cloned
   * repository's planted run records are left as they are until the folder is trusted.
   */
  async recoverInterrupted(): Promise<void> {
    if (!vscode.workspace.isTrusted) return;
    const { runs } = await this.store.list();
    // Slurm jobs went on without the window: follow them again by job id
    for (const r of runs) if (isSlurmRunOpen(r.run) && !this.followed.has(r.run.id)) this.follow(r.run, this.slurmClient());
    if (this.followed.size) this.pollClusterJobs();
    this.showStatus();
    const alive = (pid: number) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch (e) {
        return (e as NodeJS.ErrnoException).code === 'EPERM';
      }
    };
    for (const run of interruptedRuns(runs.map((r) => r.run), (id) => this.isActive(id), alive, process.pid)) {
      let killed = '';
      if (run.process) {
        const { pids } = survivingMembers(run.process, bootId(), allProcs());
        const n = killAll(pids);
        if (n > 0) {
          killed = ' ' + vscode.l10n.t('{0} of its processes (group {1}) were still running and have been stopped.', n, run.process.pgid);
          this.output.warn(`[${run.id}] stopped ${n} surviving process(es) of group ${run.process.pgid}: ${pids.join(', ')}`);
        }
      }
      run.status = 'cancelled';
      run.endedAt ??= new Date().toISOString();
      run.failure = interrupted(run.startedAt !== undefined, killed);
      await this.store.save(run);
    }
  }

  /** Running first, then queued, then the Slurm runs this window follows. */
  runs(): RunRecord[] {
    return [...(this.active ? [this.active.job.run] : []), ...this.queue.map((j) => j.run), ...[...this.followed.values()].map((f) => f.run)];
  }

  /** The live tqdm progress of the running run. */
  progressOf(id: string): { percent: number; n: number; total: number } | undefined {
    const p = this.active?.job.run.id === id ? this.active.summary.progress : this.followed.get(id)?.summary.progress;
    return p ? { percent: p.percent, n: p.n, total: p.total } : undefined;
  }

  isActive(id: string): boolean {
    return this.active?.job.run.id === id || this.queue.some((j) => j.run.id === id) || this.followed.has(id);
  }

  async cancel(id: string): Promise<void> {
    const f = this.followed.get(id);
    if (f) {
      // scancel, then followed to CANCELLED
      f.cancelled = true;
      return;
    }
    if (this.active?.job.run.id === id) {
      this.active.cancelled = true;
      this.active.proc?.stop();
      return;
    }
    const i = this.queue.findIndex((j) => j.run.id === id);
    if (i < 0) return;
    const [job] = this.queue.splice(i, 1);
    job.run.status = 'cancelled';
    job.run.endedAt = new Date().toISOString();
    await this.store.save(job.run);
    this.showStatus();
  }

  private showStatus(): void {
    const running = this.active ? 1 : 0;
    const queued = this.queue.length;
    if (!running && !queued) {
      // the Slurm runs: how many wait in the cluster's queue, how many run
      const slurm = [...this.followed.values()].map((f) => f.run);
      if (slurm.length === 0) {
        this.status.hide();
        return;
      }
      const pending = slurm.filter((r) => r.status === 'queued').length;
      this.status.text = `$(server) ${vscode.l10n.t('Slurm: {0} running, {1} pending', slurm.length - pending, pending)}`;
      const mine = this.clusterJobs ? [vscode.l10n.t('All your jobs on the cluster: {0} running, {1} pending', this.clusterJobs.running, this.clusterJobs.pending)] : [];
      this.status.tooltip = [...slurm.map((r) => `${runLabel(r)}: ${r.slurm ? describeJob(r.slurm, slurmMessages()) : r.status}`), ...mine].join('\n');
      this.status.show();
      return;
    }
    const p = this.active?.summary.progress;
    const pct = p ? ` ${p.percent}%` : '';
    this.status.text = queued ? `$(loading~spin) ${vscode.l10n.t('Eval{0}: {1} queued', pct, queued)}` : `$(loading~spin) ${vscode.l10n.t('Eval{0}', pct)}`;
    this.status.tooltip = this.active ? vscode.l10n.t('Evaluating {0}. Click to see the queue or cancel.', runLabel(this.active.job.run)) : undefined;
    this.status.show();
  }

  private async pump(): Promise<void> {
    if (this.active || this.disposed) return;
    const job = this.queue.shift();
    if (!job) {
      this.showStatus();
      return;
    }
    this.active = { job, summary: emptySummary(), cancelled: false };
    try {
      await this.execute(this.active);
    } catch (e) {
      this.output.error(`${job.run.id}: ${e instanceof Error ? e.message : String(e)}`);
    } finally {
      this.active = undefined;
      void this.pump();
    }
  }

  private async execute(a: Active): Promise<void> {
    const { run } = a.job;
    this.output.info(`[${run.id}] ${runLabel(run)}: ${run.argv.map((x) => (/[\s'"]/.test(x) ? JSON.stringify(x) : x)).join(' ')}  (cwd ${run.cwd})`);
    const echo = echoFilter();
    await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Evaluating {0}', runLabel(run)), cancellable: true },
      async (progress, token) => {
        token.onCancellationRequested(() => void this.cancel(run.id));
        let reported = 0;
        const due = every(500);
        await executeRun(this.store, a.job, {
          start: this.start,
          messages: runnerMessages(),
          isCancelled: () => a.cancelled,
          isAbandoned: () => this.disposed,
          onStarted: (proc: RunningProcess) => {
            a.proc = proc;
            this.showStatus();
            this.output.info(`[${run.id}] started, pid ${proc.pid ?? '?'}`);
          },
          onFragment: (f, _stream, events) => {
            if (echo(f, events)) this.output.appendLine(`[${run.id}] ${f}`);
          },
          onOutput: (summary: LogSummary) => {
            a.summary = summary;
            if (!due()) return;
            const p = summary.progress;
            if (p) {
              const eta = p.remaining === undefined ? '' : vscode.l10n.t(', about {0} left', formatSeconds(p.remaining));
              progress.report({ increment: Math.max(0, p.percent - reported), message: `${p.percent}% (${p.n}/${p.total})${eta}` });
              reported = Math.max(reported, p.percent);
            } else if (summary.samples !== undefined) progress.report({ message: vscode.l10n.t('{0} samples', summary.samples) });
            this.showStatus();
            this.fireLive(run, summary);
          },
        });
      },
    );
    if (this.disposed) return; // saved as cancelled by dispose()
    this.updated.fire(run);
    this.announce(run);
  }

  /** A running run as its output stands so far (throttled by the caller). */
  private fireLive(run: RunRecord, summary: LogSummary): void {
    this.updated.fire({ ...run, samples: summary.samples, logMetrics: summary.metrics, errors: summary.errors });
  }

  /**
   * Says how a run ended: a notification with the headline metric and Show Results when it
   * succeeded (or was skipped, with why), an error with the reason and Open Log when it failed.
   */
  private announce(run: RunRecord): void {
    const what = runLabel(run);
    const showResults = vscode.l10n.t('Show Results');
    const openLog = vscode.l10n.t('Open Log');
    const act = (pick: string | undefined) => {
      if (pick === showResults) void vscode.commands.executeCommand('vlmLens.showRun', run.id);
      else if (pick === openLog) void vscode.commands.executeCommand('vlmLens.openRunLog', run.id);
    };
    const more = this.queue.length ? ' ' + vscode.l10n.t('{0} more queued.', this.queue.length) : '';
    if (run.status === 'cancelled' && run.failure && run.slurm) {
      void vscode.window.showWarningMessage(vscode.l10n.t('{0}: {1}', what, run.failure.message), openLog).then(act);
      return;
    }
    if (run.status === 'succeeded') {
      const took = formatSeconds((run.durationMs ?? 0) / 1000);
      this.output.info(`[${run.id}] ${what}: succeeded in ${took}`);
      void vscode.window.showInformationMessage(vscode.l10n.t('Evaluated {0}: {1} (in {2}).', what, headlineText(run) ?? vscode.l10n.t('no metric'), took) + more, showResults).then(act);
    } else if (run.status === 'skipped') {
      this.output.warn(`[${run.id}] ${what}: skipped: ${run.reused?.reason ?? ''}`);
      void vscode.window.showWarningMessage(vscode.l10n.t('{0} was not evaluated again: {1}', what, run.reused?.reason ?? '') + more, showResults, openLog).then(act);
    } else if (run.status === 'cancelled') this.output.warn(`[${run.id}] ${what}: cancelled`);
    else {
      this.output.error(`[${run.id}] ${what}: failed (exit ${run.exitCode ?? run.signal ?? '?'})${run.failure ? `: ${run.failure.message}` : ''}`);
      void vscode.window.showErrorMessage(vscode.l10n.t('Evaluation of {0} failed (exit {1}). {2}', what, String(run.exitCode ?? run.signal ?? '?'), run.failure?.message ?? run.stderrTail?.slice(-1)[0] ?? '') + more, openLog).then(act);
    }
  }

  /**
   * The window is closing: queued runs are saved as cancelled, and the running one's whole
   * process group is killed synchronously (an eval script that traps SIGTERM, or its
   * dataloader workers, never outlive VS Code) and saved as cancelled with the reason.
   */
  dispose(): void {
    this.disposed = true;
    // Slurm jobs go on without the window; the next start follows them again
    this.followed.clear();
    if (this.clusterTimer) clearTimeout(this.clusterTimer);
    const now = new Date().toISOString();
    for (const j of this.queue.splice(0)) {
      j.run.status = 'cancelled';
      j.run.endedAt = now;
      this.store.saveSync(j.run);
    }
    if (this.active) {
      const { run } = this.active.job;
      this.active.cancelled = true;
      this.active.proc?.kill();
      run.status = 'cancelled';
      run.endedAt = now;
      run.failure = interrupted(true);
      this.store.saveSync(run);
    }
    this.output.dispose();
    this.status.dispose();
    this.updated.dispose();
  }
}

/** A gate that opens at most once every `ms` milliseconds (live updates of a run's output). */
function every(ms: number): () => boolean {
  let last = 0;
  return () => {
    const now = Date.now();
    if (now - last < ms) return false;
    last = now;
    return true;
  };
}

/** The failure of a run VS Code closed under (said once, whether found at dispose or at the next start). */
function interrupted(started: boolean, killed = ''): NonNullable<RunRecord['failure']> {
  return { code: 'interrupted', message: vscode.l10n.t('VS Code closed while this run was {0}; the log holds its output up to then. Run it again to get results.', started ? vscode.l10n.t('running') : vscode.l10n.t('queued')) + killed };
}

/** The run record's sentences, translated. */
export const runnerMessages = (): RunnerMessages => ({
  spawnFailed: (e) => vscode.l10n.t('The program could not be started: {0}', e),
  metricsUnreadable: (f, e) => vscode.l10n.t('Could not read metrics from {0}: {1}', f, e),
  notScored: (f, e) => vscode.l10n.t('Could not score {0}: {1}', f, e),
  noPredictions: (p) => vscode.l10n.t('No prediction file matched {0}', p),
  skippedSaid: (line) => vscode.l10n.t('The script evaluated nothing: it said “{0}”. The results shown are those of the prediction files an earlier run wrote.', line),
  skippedOlder: (when) => vscode.l10n.t('The script evaluated nothing: every prediction file was written before this run started (the newest at {0}). The results shown are those of an earlier run.', when),
});

/** The Slurm states, reasons and errors, translated. */
export const slurmMessages = (): SlurmMessages => ({
  pending: (position, reason) =>
    position ? (reason ? vscode.l10n.t('waiting in the queue (position {0}): {1}', position, reason) : vscode.l10n.t('waiting in the queue (position {0})', position)) : reason ? vscode.l10n.t('waiting in the queue: {0}', reason) : vscode.l10n.t('waiting in the queue'),
  running: (node) => (node ? vscode.l10n.t('running on {0}', node) : vscode.l10n.t('running')),
  reason: (r) => {
    const why: Record<string, string> = {
      Priority: vscode.l10n.t('jobs with a higher priority are ahead of it'),
      Resources: vscode.l10n.t('waiting for the nodes, GPUs or memory it asked for to be free'),
      Dependency: vscode.l10n.t('waiting for the job it depends on'),
      ReqNodeNotAvail: vscode.l10n.t('a node it needs is not available (down, drained or reserved)'),
      PartitionTimeLimit: vscode.l10n.t('its --time is longer than the partition allows'),
      QOSMaxGRESPerUser: vscode.l10n.t('your quality of service allows no more GPUs at once (your other jobs hold them)'),
      AssocGrpGRES: vscode.l10n.t('your account’s GPU limit is reached'),
      JobHeldUser: vscode.l10n.t('held by you (scontrol release to let it run)'),
      JobHeldAdmin: vscode.l10n.t('held by an administrator'),
    };
    return why[r.replace(/^\((.*)\)$/, '$1')];
  },
  ended: (state, exitCode) => {
    const code = exitCode?.split(':')[0] ?? '?';
    switch (state) {
      case 'COMPLETED':
        return vscode.l10n.t('the job completed');
      case 'FAILED':
        return vscode.l10n.t('the job failed: the script exited with code {0}', code);
      case 'CANCELLED':
        return vscode.l10n.t('the job was cancelled (scancel)');
      case 'TIMEOUT':
        return vscode.l10n.t('the job ran past its time limit (--time) and Slurm stopped it: ask for more time in the profile’s "slurm.sbatch"');
      case 'OUT_OF_MEMORY':
        return vscode.l10n.t('the job used more memory than it asked for and was killed: ask for more with --mem in the profile’s "slurm.sbatch"');
      case 'NODE_FAIL':
        return vscode.l10n.t('the node it ran on failed; run it again');
      case 'PREEMPTED':
        return vscode.l10n.t('the job was preempted by a higher-priority job');
      default:
        return vscode.l10n.t('the job ended as {0} (exit code {1})', state, code);
    }
  },
  notFound: (program, lookedIn) => vscode.l10n.t('{0} was not found (looked in {1}); set "slurm.bin" in the profile or vlmLens.slurm to the folder that holds the Slurm commands', program, lookedIn),
  refused: (program, message) => vscode.l10n.t('{0} refused the job: {1}', program, message),
  lost: (jobId, error) => vscode.l10n.t('Slurm no longer knows job {0} and its end could not be read ({1}); its log holds its output up to then', jobId, error),
});
