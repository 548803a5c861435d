import * as vscode from 'vscode';
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, readFile, readdir, stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, resolve, sep } from 'node:path';
import picomatch from 'picomatch';
import { FragmentSplitter, diagnoseFailure, emptySummary, metricsFromJson, parseFragment, summarize, taskOfFile, type LogSummary } from '../core/eval/logParse';
import { scorePredictionFile } from '../core/eval/scoreFile';
import { expandCommand, expandString, interruptedRuns, newRunId, stepOf, type EvalProfile, type RunRecord, type RunVariables } from '../core/eval/runs';
import { startProcess, type ProcessHandlers, type ProcessSpec, type RunningProcess } from './process.apis';
import { allProcs, bootId, killAll, procStat } from './procfs';
import { survivingMembers } from '../core/eval/processGroup';
import { type RunStore } from './runStore';

/** What the user chose for a run (besides the checkpoint). */
export interface RunInputs {
  dataset?: string;
  imageDir?: string;
  questionType?: string;
  tasks: Array<string | undefined>;
}

interface Job {
  run: RunRecord;
  profile: EvalProfile;
  vars: Partial<RunVariables>;
}

interface Active {
  job: Job;
  proc?: RunningProcess;
  summary: LogSummary;
  cancelled: boolean;
}

const STDERR_TAIL = 30;

/**
 * Runs eval profiles on checkpoints, one at a time (they share the GPU), the rest queued:
 * a cancellable progress notification with percent and ETA from tqdm bars, live output in a
 * LogOutputChannel and in the run's log file, a status bar item while runs are active, and
 * on exit the run record: exit code, duration, stderr tail, a known failure said plainly,
 * metrics from the output, from JSON metric files and computed from prediction files.
 */
export class EvalService implements vscode.Disposable {
  private readonly queue: Job[] = [];
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
    private readonly start: (spec: ProcessSpec, on: ProcessHandlers) => RunningProcess = startProcess,
  ) {
    this.output = vscode.window.createOutputChannel('VLM Lens Eval', { log: true });
    this.status = vscode.window.createStatusBarItem('vlmLens.evalRuns', vscode.StatusBarAlignment.Left, 50);
    this.status.name = vscode.l10n.t('VLM Lens eval runs');
    this.status.command = 'vlmLens.showRunQueue';
  }

  /** Queues one run per task; returns the runs. */
  async enqueue(profile: EvalProfile, checkpoint: string, inputs: RunInputs): Promise<RunRecord[]> {
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? dirname(checkpoint);
    const created: RunRecord[] = [];
    for (const task of inputs.tasks) {
      const id = newRunId(new Date(), this.salt++);
      const step = stepOf(basename(checkpoint));
      const vars: Partial<RunVariables> = {
        checkpoint,
        checkpointName: basename(checkpoint),
        step: step === undefined ? '' : String(step),
        workspaceFolder: folder,
        imageDir: '',
        task: task ?? '',
        outputDir: join(this.store.dirOf(id), 'output'),
        questionType: inputs.questionType ?? profile.questionType ?? 'default',
      };
      vars.imageDir = inputs.imageDir ? expandString(inputs.imageDir, vars) : '';
      vars.dataset = inputs.dataset ? expandString(inputs.dataset, vars) : '';
      const { argv } = expandCommand(profile, vars);
      const cwd = profile.cwd ? resolve(folder, expandString(profile.cwd, vars)) : folder;
      const run: RunRecord = {
        version: 1,
        id,
        profile: profile.name,
        checkpoint,
        checkpointName: basename(checkpoint),
        step,
        task,
        dataset: vars.dataset || undefined,
        argv,
        cwd,
        status: 'queued',
        queuedAt: new Date().toISOString(),
        logMetrics: [],
        results: [],
        log: 'run.log',
        hostPid: process.pid,
      };
      await this.store.create(run);
      this.queue.push({ run, profile, vars });
      created.push(run);
    }
    this.showStatus();
    void this.pump();
    return created;
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
    this.status.tooltip = this.active ? vscode.l10n.t('Evaluating {0}. Click to see the queue or cancel.', this.label(this.active.job.run)) : undefined;
    this.status.show();
  }

  label(run: RunRecord): string {
    return run.task ? `${run.checkpointName} · ${run.task}` : run.checkpointName;
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
    const { run, profile, vars } = a.job;
    const dir = this.store.dirOf(run.id);
    await mkdir(join(dir, 'output'), { recursive: true });
    const log: WriteStream = createWriteStream(this.store.fileOf(run, run.log));
    run.status = 'running';
    run.startedAt = new Date().toISOString();
    await this.store.save(run);
    this.showStatus();
    this.output.info(`[${run.id}] ${this.label(run)}: ${run.argv.map((x) => (/[\s'"]/.test(x) ? JSON.stringify(x) : x)).join(' ')}  (cwd ${run.cwd})`);
    log.write(`# ${run.argv.join(' ')}\n# cwd ${run.cwd}\n`);

    const started = Date.now();
    const stderrTail: string[] = [];
    let lastBarShown = -1;
    const split = { out: new FragmentSplitter(), err: new FragmentSplitter() };
    const onFragments = (fragments: string[], isErr: boolean) => {
      for (const f of fragments) {
        const events = parseFragment(f, { generic: profile.genericMetrics });
        summarize(a.summary, events);
        const bar = events.find((e) => e.kind === 'progress');
        if (isErr && !bar && f.trim()) {
          stderrTail.push(f);
          if (stderrTail.length > STDERR_TAIL) stderrTail.shift();
        }
        if (bar && bar.kind === 'progress') {
          // a bar redraws many times a second: the channel gets every tenth of the way
          const tenth = Math.floor(bar.progress.percent / 10);
          if (tenth !== lastBarShown || bar.progress.rest) {
            lastBarShown = tenth;
            this.output.appendLine(`[${run.id}] ${f}`);
          }
        } else if (f.trim()) this.output.appendLine(`[${run.id}] ${f}`);
      }
    };

    await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Evaluating {0}', this.label(run)), cancellable: true },
      async (progress, token) => {
        token.onCancellationRequested(() => void this.cancel(run.id));
        let reported = 0;
        let lastUpdate = 0;
        const tick = () => {
          const now = Date.now();
          if (now - lastUpdate < 500) return;
          lastUpdate = now;
          const p = a.summary.progress;
          if (p) {
            const eta = p.remaining === undefined ? '' : vscode.l10n.t(', about {0} left', formatSeconds(p.remaining));
            progress.report({ increment: Math.max(0, p.percent - reported), message: `${p.percent}% (${p.n}/${p.total})${eta}` });
            reported = Math.max(reported, p.percent);
          } else if (a.summary.samples !== undefined) progress.report({ message: vscode.l10n.t('{0} samples', a.summary.samples) });
          this.showStatus();
          this.updated.fire({ ...run, samples: a.summary.samples, logMetrics: a.summary.metrics, errors: a.summary.errors });
        };
        if (a.cancelled) return;
        const [file, ...args] = run.argv;
        const env = Object.fromEntries(Object.entries(profile.env ?? {}).map(([k, v]) => [k, expandString(v, vars)]));
        const proc = this.start(
          { file, args, cwd: run.cwd, env: { PYTHONUNBUFFERED: '1', ...env } },
          {
            stdout: (c) => {
              log.write(c);
              onFragments(split.out.push(c), false);
              tick();
            },
            stderr: (c) => {
              log.write(c);
              onFragments(split.err.push(c), true);
              tick();
            },
          },
        );
        a.proc = proc;
        if (proc.pid !== undefined) {
          // the group is recorded before anything else can happen, so a crash leaves it findable
          run.process = { pgid: proc.pid, startTicks: procStat(proc.pid)?.startTicks, bootId: bootId() };
          await this.store.save(run);
        }
        this.output.info(`[${run.id}] started, pid ${proc.pid ?? '?'}`);
        const exit = await proc.exited;
        onFragments(split.out.flush(), false);
        onFragments(split.err.flush(), true);
        run.exitCode = exit.exitCode;
        run.signal = exit.signal;
        run.status = exit.stopped || a.cancelled ? 'cancelled' : exit.exitCode === 0 && !exit.spawnError ? 'succeeded' : 'failed';
        if (exit.spawnError) run.failure = { code: 'spawn', message: vscode.l10n.t('The program could not be started: {0}', exit.spawnError) };
        else if (run.status === 'failed') run.failure = diagnoseFailure(a.summary, exit.exitCode);
      },
    );
    await new Promise<void>((done) => log.end(done));
    if (this.disposed) return; // saved as cancelled by dispose()
    // set inside the progress callback (TypeScript still sees 'running' here)
    const status = run.status as RunRecord['status'];
    run.endedAt = new Date().toISOString();
    run.durationMs = Date.now() - started;
    run.stderrTail = status === 'failed' ? stderrTail.slice(-15) : undefined;
    run.samples = a.summary.samples;
    run.errors = a.summary.errors.length ? a.summary.errors : undefined;
    run.logMetrics = a.summary.metrics;
    if (status === 'succeeded') await this.collectResults(run, profile, vars, a.summary.resultsSaved);
    await this.store.save(run);
    this.updated.fire(run);
    const what = this.label(run);
    if (status === 'succeeded') this.output.info(`[${run.id}] ${what}: succeeded in ${formatSeconds(run.durationMs / 1000)}`);
    else if (status === 'cancelled') this.output.warn(`[${run.id}] ${what}: cancelled`);
    else {
      this.output.error(`[${run.id}] ${what}: failed (exit ${run.exitCode ?? run.signal ?? '?'})${run.failure ? `: ${run.failure.message}` : ''}`);
      const open = vscode.l10n.t('Open Log');
      void vscode.window.showErrorMessage(vscode.l10n.t('Evaluation of {0} failed (exit {1}). {2}', what, String(run.exitCode ?? run.signal ?? '?'), run.failure?.message ?? stderrTail.slice(-1)[0] ?? ''), open).then((pick) => {
        if (pick === open) void vscode.commands.executeCommand('vlmLens.openRunLog', run.id);
      });
    }
  }

  /**
   * Metric files and prediction files named by the profile, scored; without `predictions` in
   * the profile, the JSON files the output said it saved (RoboInter's `Results saved to`).
   */
  private async collectResults(run: RunRecord, profile: EvalProfile, vars: Partial<RunVariables>, saved: string[]): Promise<void> {
    for (const pattern of profile.metricsFiles ?? []) {
      for (const file of await findFiles(resolve(run.cwd, expandString(pattern, vars)))) {
        try {
          run.logMetrics.push(...metricsFromJson(JSON.parse(await readFile(file, 'utf8')), basename(file)));
        } catch (e) {
          run.results.push({ predictionsFile: file, error: vscode.l10n.t('Could not read metrics from {0}: {1}', file, e instanceof Error ? e.message : String(e)) });
        }
      }
    }
    const predictionFiles = profile.predictions ? await findFiles(resolve(run.cwd, expandString(profile.predictions, vars))) : run.logMetrics.length === 0 ? saved.filter((p) => /\.jsonl?$/.test(p)) : [];
    for (const [i, file] of predictionFiles.entries()) {
      const task = run.task ?? taskOfFile(file);
      try {
        const scored = await scorePredictionFile(isAbsolute(file) ? file : resolve(run.cwd, file), {
          task,
          convention: profile.convention,
          gtConvention: profile.gtConvention,
          thresholds: profile.thresholds,
          dataset: run.dataset,
        });
        const samplesFile = `samples-${i}.json`;
        await this.store.writeJson(run, samplesFile, scored.samples);
        run.results.push({ task, predictionsFile: file, aggregate: scored.aggregate, samplesFile, error: scored.problems.length ? scored.problems.join('; ') : undefined });
      } catch (e) {
        run.results.push({ task, predictionsFile: file, error: vscode.l10n.t('Could not score {0}: {1}', file, e instanceof Error ? e.message : String(e)) });
      }
    }
    if (profile.predictions && predictionFiles.length === 0) run.results.push({ error: vscode.l10n.t('No prediction file matched {0}', expandString(profile.predictions, vars)) });
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

export function formatSeconds(s: number): string {
  const t = Math.round(s);
  const h = Math.floor(t / 3600);
  const m = Math.floor((t % 3600) / 60);
  const sec = t % 60;
  return h ? `${h}h ${m}m` : m ? `${m}m ${sec}s` : `${sec}s`;
}

/** Files matching a path that may hold glob characters (`*`, `**`, `{a,b}`), at most 1000. */
export async function findFiles(pattern: string): Promise<string[]> {
  const parts = pattern.split(/[\\/]/);
  const firstGlob = parts.findIndex((p) => /[*?{[]/.test(p));
  if (firstGlob < 0) {
    try {
      return (await stat(pattern)).isFile() ? [pattern] : [];
    } catch {
      return [];
    }
  }
  const base = parts.slice(0, firstGlob).join(sep) || sep;
  const match = picomatch(pattern.replace(/\\/g, '/'), { dot: true });
  const out: string[] = [];
  const walk = async (dir: string, depth: number): Promise<void> => {
    if (depth > 6 || out.length >= 1000) return;
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = join(dir, e.name);
      if (e.isDirectory()) await walk(p, depth + 1);
      else if (match(p.replace(/\\/g, '/'))) out.push(p);
    }
  };
  await walk(base, 0);
  return out.sort();
}

/** The failure of a run VS Code closed under (said once, whether found at dispose or at the next start). */
function interrupted(started: boolean, killed = ''): NonNullable<RunRecord['failure']> {
  return { code: 'interrupted', message: vscode.l10n.t('VS Code closed while this run was {0}; the log holds its output up to then. Run it again to get results.', started ? vscode.l10n.t('running') : vscode.l10n.t('queued')) + killed };
}
