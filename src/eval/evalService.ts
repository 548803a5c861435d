import * as vscode from 'vscode';
import { interruptedRuns, runLabel, type EvalProfile, type RunRecord } from '../core/eval/runs';
import { echoFilter, executeRun, formatSeconds, planRuns, type RunInputs, type RunJob, type RunnerMessages } from '../core/eval/runner';
import { emptySummary, type LogSummary } from '../core/eval/logParse';
import { headlineText } from '../core/eval/shaping';
import type { ProcessStarter, RunningProcess } from '../core/eval/process';
import { startProcess } from './process.apis';
import { allProcs, bootId, killAll } from '../core/eval/procfs';
import { survivingMembers } from '../core/eval/processGroup';
import { type RunStore } from '../core/eval/runStore';

export type { RunInputs };

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

  /** Queues one run per task; returns the runs. */
  async enqueue(profile: EvalProfile, checkpoint: string, inputs: RunInputs): Promise<RunRecord[]> {
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? this.store.workspace ?? checkpoint;
    const jobs = planRuns(profile, checkpoint, inputs, { workspaceFolder: folder, store: this.store, nextSalt: () => this.salt++, hostPid: process.pid });
    for (const job of jobs) {
      await this.store.create(job.run);
      this.queue.push(job);
    }
    this.showStatus();
    void this.pump();
    return jobs.map((j) => j.run);
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

  /** Running first, then queued. */
  runs(): RunRecord[] {
    return [...(this.active ? [this.active.job.run] : []), ...this.queue.map((j) => j.run)];
  }

  /** The live tqdm progress of the running run. */
  progressOf(id: string): { percent: number; n: number; total: number } | undefined {
    const p = this.active?.job.run.id === id ? this.active.summary.progress : undefined;
    return p ? { percent: p.percent, n: p.n, total: p.total } : undefined;
  }

  isActive(id: string): boolean {
    return this.active?.job.run.id === id || this.queue.some((j) => j.run.id === id);
  }

  async cancel(id: string): Promise<void> {
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
      this.status.hide();
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
        let lastUpdate = 0;
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
            const now = Date.now();
            if (now - lastUpdate < 500) return;
            lastUpdate = now;
            const p = summary.progress;
            if (p) {
              const eta = p.remaining === undefined ? '' : vscode.l10n.t(', about {0} left', formatSeconds(p.remaining));
              progress.report({ increment: Math.max(0, p.percent - reported), message: `${p.percent}% (${p.n}/${p.total})${eta}` });
              reported = Math.max(reported, p.percent);
            } else if (summary.samples !== undefined) progress.report({ message: vscode.l10n.t('{0} samples', summary.samples) });
            this.showStatus();
            this.updated.fire({ ...run, samples: summary.samples, logMetrics: summary.metrics, errors: summary.errors });
          },
        });
      },
    );
    if (this.disposed) return; // saved as cancelled by dispose()
    this.updated.fire(run);
    this.announce(run);
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
