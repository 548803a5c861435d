/**
 * Eval runs as Slurm jobs, from submission to record: planned runs (the same plan as a local
 * run's) are submitted with `sbatch`, several at once as one job array; each run is then
 * followed from its record alone (so a window that closed, or `vlm-lens runs`, can pick it up
 * again by job id): its state polled with back-off (pending with its place and reason,
 * running on which node, its end in plain words), its log read as it grows and parsed as a
 * local run's output is, and when the job ends the run is scored exactly as a local run.
 */
import { appendFile, mkdir, open, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { FragmentSplitter, diagnoseFailure, emptySummary, parseFragment, summarize, type LogEvent, type LogSummary } from './logParse';
import { ENGLISH_MESSAGES, finishRun, logHeader, runEnvironment, type RunJob, type RunnerMessages } from './runner';
import { type EvalProfile, type RunRecord, type ScoringSettings } from './runs';
import type { RunStore } from './runStore';
import { describeJob, isEnded, refusedArray, runStatusOf, sbatchArgs, slurmTime, writeJobFiles, type SlurmClient, type SlurmSettings } from './slurm';

const scoringOf = (p: EvalProfile): ScoringSettings => ({
  predictions: p.predictions,
  metricsFiles: p.metricsFiles,
  convention: p.convention,
  gtConvention: p.gtConvention,
  thresholds: p.thresholds,
  genericMetrics: p.genericMetrics,
});

/**
 * Submits planned (and created) runs: one job array per working folder when there are several
 * and arrays are allowed (each run one task of it), else one job each; a cluster that refuses
 * arrays gets one job each. A refused submission fails its runs with sbatch's own words.
 * Saves every run; returns them.
 */
export async function submitSlurmRuns(store: RunStore, jobs: RunJob[], settings: SlurmSettings, client: SlurmClient): Promise<RunRecord[]> {
  for (const { run, profile, vars } of jobs) {
    const dir = store.dirOf(run.id);
    await writeJobFiles(dir, run.argv, runEnvironment(profile, vars));
    await mkdir(join(dir, 'output'), { recursive: true });
    await writeFile(join(dir, run.log), `${logHeader(run)}# sbatch ${(settings.sbatch ?? []).join(' ')}\n`);
  }
  const groups = new Map<string, RunJob[]>();
  for (const j of jobs) groups.set(j.run.cwd, [...(groups.get(j.run.cwd) ?? []), j]);
  for (const group of groups.values()) {
    if (group.length > 1 && settings.array !== false) {
      const first = group[0].run;
      const listFile = join(store.dirOf(first.id), 'array-runs0');
      await writeFile(listFile, group.map((j) => `${store.dirOf(j.run.id)}\0`).join(''));
      const args = sbatchArgs({ settings, runDirs: group.map((j) => store.dirOf(j.run.id)), cwd: first.cwd, name: `vlm-lens:${first.checkpointName}`, listFile });
      const r = await client.submit(args);
      if ('jobId' in r) {
        for (const [i, j] of group.entries()) await submitted(store, j, settings, `${r.jobId}_${i}`, `${first.id}/slurm-${i}.out`);
        continue;
      }
      if (!refusedArray(r.error)) {
        for (const j of group) await refused(store, j.run, r.error);
        continue;
      }
    }
    for (const j of group) {
      const args = sbatchArgs({ settings, runDirs: [store.dirOf(j.run.id)], cwd: j.run.cwd, name: `vlm-lens:${j.run.checkpointName}${j.run.task ? `:${j.run.task}` : ''}` });
      const r = await client.submit(args);
      if ('jobId' in r) await submitted(store, j, settings, r.jobId, `${j.run.id}/slurm.out`);
      else await refused(store, j.run, r.error);
    }
  }
  return jobs.map((j) => j.run);
}

async function submitted(store: RunStore, j: RunJob, settings: SlurmSettings, jobId: string, output: string): Promise<void> {
  j.run.slurm = { jobId, state: 'PENDING', sbatch: settings.sbatch ?? [], output, vars: j.vars, scoring: scoringOf(j.profile) };
  j.run.status = 'queued';
  await store.save(j.run);
}

async function refused(store: RunStore, run: RunRecord, message: string): Promise<void> {
  run.status = 'failed';
  run.failure = { code: 'slurmSubmit', message };
  run.endedAt = new Date().toISOString();
  await store.save(run);
  await appendFile(store.fileOf(run, run.log), `# ${message}\n`);
}

export interface SlurmFollowHooks {
  client: SlurmClient;
  /** true once the user cancelled: the job is cancelled with scancel, and followed to its end */
  isCancelled(): boolean;
  /** true when the follower should stop without writing (the window closes: the job goes on) */
  isAbandoned?(): boolean;
  onFragment?(fragment: string, events: LogEvent[]): void;
  onOutput?(summary: LogSummary): void;
  /** the job's state changed (the record is saved) */
  onState?(run: RunRecord): void;
  messages?: RunnerMessages;
  /** look once: a job still going is saved as it is now and left to run (`vlm-lens runs`) */
  once?: boolean;
  /** how often the log is read, and the state polled at first and at most (ms) */
  poll?: { logMs: number; minMs: number; maxMs: number };
}

const DEFAULT_POLL = { logMs: 1000, minMs: 2000, maxMs: 30_000 };
/** polls in a row without Slurm knowing the job before the run is ended as lost */
const LOST_AFTER = 5;

/**
 * Follows a submitted run to its end and scores it; the record alone is enough (its job id,
 * variables and scoring settings), so a run is picked up again after a restart. Never throws
 * for what Slurm or the script does; returns the record and what its output said.
 */
export async function followSlurmRun(store: RunStore, run: RunRecord, hooks: SlurmFollowHooks): Promise<{ run: RunRecord; summary: LogSummary }> {
  const slurm = run.slurm;
  const summary = emptySummary();
  if (!slurm) throw new Error(`run ${run.id} is not a Slurm run`);
  const m = hooks.messages ?? ENGLISH_MESSAGES;
  const poll = hooks.poll ?? DEFAULT_POLL;
  const log = store.fileOf(run, run.log);
  const splitter = new FragmentSplitter();
  const decoder = new StringDecoder('utf8');
  const errorTail: string[] = [];
  let offset = 0;
  const feed = (fragments: string[]) => {
    for (const f of fragments) {
      const events = parseFragment(f, { generic: slurm.scoring.genericMetrics });
      summarize(summary, events);
      if (/error|exception|traceback|killed/i.test(f) && !events.some((e) => e.kind === 'progress')) {
        errorTail.push(f);
        if (errorTail.length > 30) errorTail.shift();
      }
      hooks.onFragment?.(f, events);
    }
  };
  const readLog = async () => {
    let fh;
    try {
      fh = await open(log, 'r');
      const { size } = await fh.stat();
      while (offset < size) {
        const want = Math.min(size - offset, 1 << 20);
        const buf = Buffer.alloc(want);
        const { bytesRead } = await fh.read(buf, 0, want, offset);
        if (bytesRead <= 0) break;
        offset += bytesRead;
        // a UTF-8 character split between two reads is held by the decoder
        feed(splitter.push(decoder.write(buf.subarray(0, bytesRead))));
        hooks.onOutput?.(summary);
      }
    } catch {
      /* not there yet */
    } finally {
      await fh?.close();
    }
  };

  let cancelSent = false;
  let delay = poll.minMs;
  let nextState = 0;
  let unknown = 0;
  let lostWhy = '';
  let ended = false;
  while (!ended) {
    if (hooks.isAbandoned?.()) return { run, summary };
    if (hooks.isCancelled() && !cancelSent) {
      cancelSent = true;
      const problem = await hooks.client.cancel(slurm.jobId);
      if (problem) errorTail.push(problem);
      nextState = 0;
    }
    await readLog();
    if (Date.now() >= nextState) {
      const s = await hooks.client.state(slurm.jobId);
      if ('unknown' in s) {
        unknown++;
        lostWhy = s.unknown;
        if (unknown >= LOST_AFTER) break;
        nextState = Date.now() + delay;
      } else {
        unknown = 0;
        const position = runStatusOf(s.state) === 'queued' ? await hooks.client.position(s) : undefined;
        const changed = s.state !== slurm.state || s.reason !== slurm.reason || s.node !== slurm.node || position !== slurm.position;
        Object.assign(slurm, { state: s.state, reason: s.reason, node: s.node, partition: s.partition ?? slurm.partition, position, exitCode: s.exitCode });
        if (isEnded(s.state)) {
          ended = true;
          const start = slurmTime(s.startTime);
          const end = slurmTime(s.endTime);
          if (start !== undefined) run.startedAt = new Date(start).toISOString();
          if (end !== undefined) run.endedAt = new Date(end).toISOString();
          break;
        }
        if (runStatusOf(s.state) === 'running' && run.status !== 'running') {
          run.status = 'running';
          const start = slurmTime(s.startTime);
          run.startedAt = new Date(start ?? Date.now()).toISOString();
        }
        if (changed) {
          await store.save(run);
          hooks.onState?.(run);
          delay = poll.minMs;
        } else delay = Math.min(poll.maxMs, Math.round(delay * 1.5));
        nextState = Date.now() + delay;
      }
    }
    if (hooks.once && nextState > 0) break;
    await sleepUnless(poll.logMs, () => (hooks.isCancelled() && !cancelSent) || !!hooks.isAbandoned?.());
  }
  if (hooks.isAbandoned?.() || (hooks.once && !ended && unknown < LOST_AFTER)) return { run, summary };

  // Slurm's own words for the job (a time limit, a node failure) go into the log too
  if (slurm.output) {
    try {
      const own = (await readFile(join(store.root, slurm.output), 'utf8')).trim();
      if (own) await appendFile(log, `\n# Slurm:\n${own}\n`);
    } catch {
      /* none */
    }
  }
  await readLog();
  feed(splitter.flush());

  const state = slurm.state ?? 'PENDING';
  const code = Number(slurm.exitCode?.split(':')[0]);
  const signal = Number(slurm.exitCode?.split(':')[1]);
  if (!ended) {
    run.status = 'failed';
    run.failure = { code: 'slurmLost', message: hooks.client.messages.lost(slurm.jobId, lostWhy) };
  } else {
    run.status = cancelSent || hooks.isCancelled() ? 'cancelled' : runStatusOf(state);
    run.exitCode = Number.isFinite(code) ? code : undefined;
    run.signal = Number.isFinite(signal) && signal > 0 ? `signal ${signal}` : undefined;
    if (run.status === 'failed') {
      const own = state === 'FAILED' ? diagnoseFailure(summary, run.exitCode) : undefined;
      run.failure = own ?? { code: `slurm${state}`, message: describeJob(slurm, hooks.client.messages) };
    } else if (run.status === 'cancelled' && !cancelSent) run.failure = { code: 'slurmCANCELLED', message: describeJob(slurm, hooks.client.messages) };
  }
  const startedMs = Date.parse(run.startedAt ?? run.queuedAt);
  const endedMs = run.endedAt ? Date.parse(run.endedAt) : Date.now();
  const profile: EvalProfile = { name: run.profile, command: run.argv, ...slurm.scoring };
  await finishRun(store, run, profile, slurm.vars, summary, { started: startedMs, ended: endedMs, stderrTail: errorTail, messages: m });
  hooks.onState?.(run);
  return { run, summary };
}

/** Waits `ms`, or less when `wake` says so (checked every 100 ms). */
async function sleepUnless(ms: number, wake: () => boolean): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (wake()) return;
    await new Promise((r) => setTimeout(r, Math.min(100, until - Date.now())));
  }
}

/** Whether a run's job may still be going (it should be followed). */
export function isSlurmRunOpen(run: RunRecord): boolean {
  return !!run.slurm && (run.status === 'queued' || run.status === 'running');
}
