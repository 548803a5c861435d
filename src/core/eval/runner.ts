/**
 * One eval run from start to record, outside VS Code: the run plan (a profile's variables
 * expanded into an argument array for a checkpoint and a task), the process started through
 * a starter the caller passes (execa in the extension and the CLI, a stand-in in tests), its
 * output parsed as it streams and written to the run's log, and on exit the run record: exit
 * code, duration, a known failure said plainly, metrics from the output, from JSON metric
 * files and computed from prediction files, and whether the script evaluated anything at all
 * (a re-run that found its outputs and skipped is `skipped`, with the reason, never a second
 * "succeeded" with the old numbers). The extension (`EvalService`) and `vlm-lens eval` both
 * run this.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, resolve, sep } from 'node:path';
import picomatch from 'picomatch';
import { FragmentSplitter, diagnoseFailure, emptySummary, metricsFromJson, parseFragment, summarize, taskOfFile, type LogEvent, type LogSummary } from './logParse';
import { scorePredictionFile } from './scoreFile';
import { expandCommand, expandString, stepOf, type EvalProfile, type RunRecord, type RunVariables } from './runs';
import { bootId, procStat } from './procfs';
import type { ProcessStarter, RunningProcess } from './process';
import type { RunStore } from './runStore';

/** What the user chose for a run (besides the checkpoint). */
export interface RunInputs {
  dataset?: string;
  imageDir?: string;
  questionType?: string;
  tasks: Array<string | undefined>;
}

/** A planned run: its record (saved as queued) and the variables its profile expands with. */
export interface RunJob {
  run: RunRecord;
  profile: EvalProfile;
  vars: Partial<RunVariables>;
}

/** The user-visible sentences a run record can hold (the extension passes translated ones). */
export interface RunnerMessages {
  spawnFailed(error: string): string;
  metricsUnreadable(file: string, error: string): string;
  notScored(file: string, error: string): string;
  noPredictions(pattern: string): string;
  /** the script said it skipped (`line`), and its prediction files predate the run */
  skippedSaid(line: string): string;
  /** the prediction files were all written before the run started (newest at `when`) */
  skippedOlder(when: string): string;
}

export const ENGLISH_MESSAGES: RunnerMessages = {
  spawnFailed: (e) => `The program could not be started: ${e}`,
  metricsUnreadable: (f, e) => `Could not read metrics from ${f}: ${e}`,
  notScored: (f, e) => `Could not score ${f}: ${e}`,
  noPredictions: (p) => `No prediction file matched ${p}`,
  skippedSaid: (line) => `The script evaluated nothing: it said “${line}”. The results shown are those of the prediction files an earlier run wrote.`,
  skippedOlder: (when) => `The script evaluated nothing: every prediction file was written before this run started (the newest at ${when}). The results shown are those of an earlier run.`,
};

/**
 * The runs of one checkpoint: one per task, each with its id (its folder reserved in the
 * store), argument array and working folder; not saved (the caller creates them in its store).
 */
export async function planRuns(
  profile: EvalProfile,
  checkpoint: string,
  inputs: RunInputs,
  ctx: { workspaceFolder: string; store: RunStore; nextSalt(): number; now?: () => Date; hostPid?: number },
): Promise<RunJob[]> {
  const jobs: RunJob[] = [];
  for (const task of inputs.tasks) {
    const now = ctx.now?.() ?? new Date();
    // the run's folder is made now: its id (in ${outputDir} and the argument array) is this run's alone
    const id = await ctx.store.reserveId(now, ctx.nextSalt());
    const step = stepOf(checkpointStem(checkpoint));
    const vars: Partial<RunVariables> = {
      checkpoint,
      checkpointName: basename(checkpoint),
      step: step === undefined ? '' : String(step),
      workspaceFolder: ctx.workspaceFolder,
      imageDir: '',
      task: task ?? '',
      outputDir: join(ctx.store.dirOf(id), 'output'),
      questionType: inputs.questionType ?? profile.questionType ?? 'default',
    };
    vars.imageDir = inputs.imageDir ? expandString(inputs.imageDir, vars) : '';
    vars.dataset = inputs.dataset ? expandString(inputs.dataset, vars) : '';
    const { argv } = expandCommand(profile, vars);
    const cwd = profile.cwd ? resolve(ctx.workspaceFolder, expandString(profile.cwd, vars)) : ctx.workspaceFolder;
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
      queuedAt: now.toISOString(),
      logMetrics: [],
      results: [],
      log: 'run.log',
      hostPid: ctx.hostPid,
    };
    jobs.push({ run, profile, vars });
  }
  return jobs;
}

/** The environment a run's script gets on top of the inherited one: unbuffered Python output, and the profile's `env` expanded. */
export function runEnvironment(profile: EvalProfile, vars: Partial<RunVariables>): Record<string, string> {
  return { PYTHONUNBUFFERED: '1', ...Object.fromEntries(Object.entries(profile.env ?? {}).map(([k, v]) => [k, expandString(v, vars)])) };
}

/** The first lines of a run's log: what runs, and where. */
export function logHeader(run: Pick<RunRecord, 'argv' | 'cwd'>): string {
  return `# ${run.argv.join(' ')}\n# cwd ${run.cwd}\n`;
}

/** A checkpoint's name without a weights file's extension: `epoch=3-step=2000.ckpt` → `epoch=3-step=2000`. */
export function checkpointStem(path: string): string {
  return basename(path).replace(/\.(?:ckpt|safetensors|pt|pth|bin)$/i, '');
}

export interface RunHooks {
  start: ProcessStarter;
  /** true once the run was cancelled (checked before the process starts) */
  isCancelled(): boolean;
  /** true when the host went away mid-run and saved the record itself: nothing more is written */
  isAbandoned?(): boolean;
  /** the process was started (to stop it later) */
  onStarted?(proc: RunningProcess): void;
  /** each output fragment (a line, or one redraw of a progress bar), with what it said */
  onFragment?(fragment: string, stream: 'stdout' | 'stderr', events: LogEvent[]): void;
  /** after each chunk of output: what the output said so far */
  onOutput?(summary: LogSummary): void;
  messages?: RunnerMessages;
}

const STDERR_TAIL = 30;

/**
 * Which output fragments to echo to a person (the extension's output channel, the CLI's
 * stderr): every non-empty line, and of a progress bar that redraws many times a second, one
 * redraw per tenth of the way, or any redraw that carries text after the bar (an error).
 */
export function echoFilter(): (fragment: string, events: LogEvent[]) => boolean {
  let tenth = -1;
  return (fragment, events) => {
    const bar = events.find((e) => e.kind === 'progress');
    if (!bar) return fragment.trim() !== '';
    const t = Math.floor(bar.progress.percent / 10);
    if (t === tenth && !bar.progress.rest) return false;
    tenth = t;
    return true;
  };
}

/**
 * Runs a planned (and saved) job to its end and saves its record; returns the record and
 * what its output said. Never throws for what the script does (a missing program, a crash, a
 * bad prediction file are all in the record); only the run store failing throws.
 */
export async function executeRun(store: RunStore, job: RunJob, hooks: RunHooks): Promise<{ run: RunRecord; summary: LogSummary }> {
  const { run, profile, vars } = job;
  const m = hooks.messages ?? ENGLISH_MESSAGES;
  const summary = emptySummary();
  const dir = store.dirOf(run.id);
  await mkdir(join(dir, 'output'), { recursive: true });
  const log: WriteStream = createWriteStream(store.fileOf(run, run.log));
  run.status = 'running';
  run.startedAt = new Date().toISOString();
  await store.save(run);
  log.write(logHeader(run));

  const started = Date.now();
  const stderrTail: string[] = [];
  const split = { stdout: new FragmentSplitter(), stderr: new FragmentSplitter() };
  const onFragments = (fragments: string[], stream: 'stdout' | 'stderr') => {
    for (const f of fragments) {
      const events = parseFragment(f, { generic: profile.genericMetrics });
      summarize(summary, events);
      const bar = events.some((e) => e.kind === 'progress');
      if (stream === 'stderr' && !bar && f.trim()) {
        stderrTail.push(f);
        if (stderrTail.length > STDERR_TAIL) stderrTail.shift();
      }
      hooks.onFragment?.(f, stream, events);
    }
  };
  if (hooks.isCancelled()) {
    run.status = 'cancelled';
  } else {
    const [file, ...args] = run.argv;
    const chunk = (stream: 'stdout' | 'stderr') => (c: string) => {
      log.write(c);
      onFragments(split[stream].push(c), stream);
      hooks.onOutput?.(summary);
    };
    const proc = hooks.start({ file, args, cwd: run.cwd, env: runEnvironment(profile, vars) }, { stdout: chunk('stdout'), stderr: chunk('stderr') });
    hooks.onStarted?.(proc);
    if (proc.pid !== undefined) {
      // the group is recorded before anything else can happen, so a crash leaves it findable
      run.process = { pgid: proc.pid, startTicks: procStat(proc.pid)?.startTicks, bootId: bootId() };
      await store.save(run);
    }
    const exit = await proc.exited;
    onFragments(split.stdout.flush(), 'stdout');
    onFragments(split.stderr.flush(), 'stderr');
    run.exitCode = exit.exitCode;
    run.signal = exit.signal;
    run.status = exit.stopped || hooks.isCancelled() ? 'cancelled' : exit.exitCode === 0 && !exit.spawnError ? 'succeeded' : 'failed';
    if (exit.spawnError) run.failure = { code: 'spawn', message: m.spawnFailed(exit.spawnError) };
    else if (run.status === 'failed') run.failure = diagnoseFailure(summary, exit.exitCode);
  }
  await new Promise<void>((done) => log.end(done));
  if (hooks.isAbandoned?.()) return { run, summary };
  await finishRun(store, run, profile, vars, summary, { started, stderrTail, messages: m });
  return { run, summary };
}

/**
 * What every run does when its script has ended (locally or as a Slurm job), and saves: the
 * times, what the output said, and for a run that succeeded its metric and prediction files
 * scored, or `skipped` when every prediction file predates it.
 */
export async function finishRun(
  store: RunStore,
  run: RunRecord,
  profile: EvalProfile,
  vars: Partial<RunVariables>,
  summary: LogSummary,
  o: { started: number; ended?: number; stderrTail: string[]; messages: RunnerMessages },
): Promise<void> {
  const ended = o.ended ?? Date.now();
  run.endedAt = new Date(ended).toISOString();
  run.durationMs = Math.max(0, ended - o.started);
  run.stderrTail = run.status === 'failed' ? o.stderrTail.slice(-15) : undefined;
  run.samples = summary.samples;
  run.errors = summary.errors.length ? summary.errors : undefined;
  run.logMetrics = summary.metrics;
  if (run.status === 'succeeded') {
    const files = await collectResults(store, run, profile, vars, summary.resultsSaved, o.messages);
    const reused = reuseOf({ skipLines: summary.skipLines, predictionTimes: files.map((f) => f.mtimeMs), startedMs: o.started, logMetrics: run.logMetrics.length });
    if (reused) {
      const writtenAt = reused.newest === undefined ? undefined : new Date(reused.newest).toISOString();
      run.status = 'skipped';
      // without the script's own line, the reason is the files' time (reuseOf always has it then)
      run.reused = { reason: reused.said ? o.messages.skippedSaid(reused.said) : o.messages.skippedOlder(writtenAt ?? ''), writtenAt };
    }
  }
  await store.save(run);
}

/**
 * Whether a run that exited 0 evaluated nothing. With prediction files: when every one
 * predates the run's start, by more than the 2 s a coarse file system may round a time down
 * by, or at all when the output said it skipped. Without any: when it printed no metric and
 * said it skipped. A "skip" line alone is not enough (model loading prints "already exists,
 * skipping" too), nor an old file alone within those 2 s.
 */
export function reuseOf(o: { skipLines: string[]; predictionTimes: number[]; startedMs: number; logMetrics: number }): { said?: string; newest?: number } | undefined {
  const said = o.skipLines[0];
  if (o.predictionTimes.length > 0) {
    const newest = Math.max(...o.predictionTimes);
    return newest < o.startedMs - 2000 || (said !== undefined && newest < o.startedMs) ? { said, newest } : undefined;
  }
  return said !== undefined && o.logMetrics === 0 ? { said } : undefined;
}

/**
 * Metric files and prediction files named by the profile, scored into the run's results;
 * without `predictions` in the profile, the JSON files the output said it saved (RoboInter's
 * `Results saved to`). Returns the prediction files with their modification times.
 */
async function collectResults(store: RunStore, run: RunRecord, profile: EvalProfile, vars: Partial<RunVariables>, saved: string[], m: RunnerMessages): Promise<Array<{ path: string; mtimeMs: number }>> {
  for (const pattern of profile.metricsFiles ?? []) {
    for (const file of await findFiles(resolve(run.cwd, expandString(pattern, vars)))) {
      try {
        run.logMetrics.push(...metricsFromJson(JSON.parse(await readFile(file, 'utf8')), basename(file)));
      } catch (e) {
        run.results.push({ predictionsFile: file, error: m.metricsUnreadable(file, e instanceof Error ? e.message : String(e)) });
      }
    }
  }
  const predictionFiles = profile.predictions ? await findFiles(resolve(run.cwd, expandString(profile.predictions, vars))) : run.logMetrics.length === 0 ? saved.filter((p) => /\.jsonl?$/.test(p)) : [];
  const files: Array<{ path: string; mtimeMs: number }> = [];
  for (const [i, file] of predictionFiles.entries()) {
    const path = isAbsolute(file) ? file : resolve(run.cwd, file);
    try {
      files.push({ path, mtimeMs: (await stat(path)).mtimeMs });
    } catch {
      /* said by scoreInto */
    }
    await scoreInto(store, run, file, path, i, profile, m);
  }
  if (profile.predictions && predictionFiles.length === 0) run.results.push({ error: m.noPredictions(expandString(profile.predictions, vars)) });
  return files;
}

/**
 * Scores one prediction file (`file` as the profile or output named it, read at `path`) into a
 * run's results, its per-sample results saved as `samples-<i>.json`.
 */
async function scoreInto(store: RunStore, run: RunRecord, file: string, path: string, i: number, how: Pick<EvalProfile, 'convention' | 'gtConvention' | 'thresholds'>, m: RunnerMessages): Promise<void> {
  const task = run.task ?? taskOfFile(file);
  try {
    const scored = await scorePredictionFile(path, { task, convention: how.convention, gtConvention: how.gtConvention, thresholds: how.thresholds, dataset: run.dataset });
    const samplesFile = `samples-${i}.json`;
    await store.writeJson(run, samplesFile, scored.samples);
    run.results.push({ task, predictionsFile: file, aggregate: scored.aggregate, samplesFile, error: scored.problems.length ? scored.problems.join('; ') : undefined });
  } catch (e) {
    run.results.push({ task, predictionsFile: file, error: m.notScored(file, e instanceof Error ? e.message : String(e)) });
  }
}

/** The profile name of runs that scored a file the user already had (no process ran). */
export const SCORED_PROFILE = 'Score Predictions';

/**
 * A prediction file the user already has (written by an earlier eval.sh, copied from a
 * cluster) scored as a run without a process: the same metrics, per-sample results and run
 * record as an evaluated checkpoint's, so the Eval panel, its charts and comparisons treat it
 * alike. The step is read from the folder (`checkpoint-1000/eval_details_x.json`) or the name.
 */
export async function scoreAsRun(
  store: RunStore,
  file: string,
  opts: { task?: string; dataset?: string; convention?: EvalProfile['convention']; gtConvention?: EvalProfile['convention']; thresholds?: number[]; hostPid?: number; messages?: RunnerMessages },
): Promise<RunRecord> {
  const now = new Date();
  const folder = dirname(file);
  const folderStep = stepOf(basename(folder));
  const step = folderStep ?? stepOf(checkpointStem(file));
  const name = folderStep !== undefined ? `${basename(folder)}/${basename(file)}` : basename(file);
  const run: RunRecord = {
    version: 1,
    id: await store.reserveId(now, 0),
    profile: SCORED_PROFILE,
    checkpoint: file,
    checkpointName: name,
    step,
    task: opts.task ?? taskOfFile(file),
    dataset: opts.dataset,
    argv: [],
    cwd: folder,
    status: 'running',
    queuedAt: now.toISOString(),
    startedAt: now.toISOString(),
    logMetrics: [],
    results: [],
    log: 'run.log',
    hostPid: opts.hostPid,
  };
  await store.create(run);
  await scoreInto(store, run, file, file, 0, opts, opts.messages ?? ENGLISH_MESSAGES);
  await writeFile(store.fileOf(run, run.log), `# scored ${file} (no process: the file was already there)\n${run.results.map((r) => (r.error ? `# ${r.error}\n` : '')).join('')}`);
  run.status = run.results.some((r) => r.aggregate) ? 'succeeded' : 'failed';
  if (run.status === 'failed') run.failure = { code: 'notScored', message: run.results.find((r) => r.error)?.error ?? file };
  run.endedAt = new Date().toISOString();
  run.durationMs = Date.now() - now.getTime();
  run.samples = run.results[0]?.aggregate?.samples;
  await store.save(run);
  return run;
}

export function formatSeconds(s: number): string {
  const t = Math.round(s);
  const h = Math.floor(t / 3600);
  const min = Math.floor((t % 3600) / 60);
  const sec = t % 60;
  return h ? `${h}h ${min}m` : min ? `${min}m ${sec}s` : `${sec}s`;
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
