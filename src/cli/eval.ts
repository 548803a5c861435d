import { readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { EXIT_FINDINGS, EXIT_OK, UsageError, type CliCommand, type CliIO } from './main';
import { profilesFromSettings } from '../core/eval/profileSettings';
import { runLabel, usedVariables, type EvalProfile, type RunRecord } from '../core/eval/runs';
import { echoFilter, executeRun, formatSeconds, planRuns } from '../core/eval/runner';
import { RunStore } from '../core/eval/runStore';
import { formatMetricValue, headlineText } from '../core/eval/shaping';
import type { RunningProcess } from '../core/eval/process';
import { startProcess } from '../eval/process.apis';
import { SlurmClient, describeJob, slurmSettingsOf, type SlurmSettings } from '../core/eval/slurm';
import { followSlurmRun, submitSlurmRuns } from '../core/eval/slurmRunner';

/** Exit code of `eval` when every run ended but at least one evaluated nothing (its outputs were there). */
export const EXIT_SKIPPED = 3;

export const evalCommand: CliCommand = {
  name: 'eval',
  summary: 'run an eval profile on a checkpoint, as the extension does, and score its predictions',
  usage: `Usage: vlm-lens eval <checkpoint> --profile NAME [--workspace DIR] [--task T]… [--dataset FILE] [--image-dir DIR] [--no-wait] [--json]

Runs the eval profile NAME (from DIR/.vscode/settings.json, "vlmLens.evalProfiles") on a
checkpoint folder or file, exactly as "Evaluate Checkpoint" does: the same argument array
(never a shell), one run per task, each saved under DIR/.vlm-lens/runs/<id>/ (run.json, the
log, per-sample results), metrics read from the output and computed from the prediction
files the profile names. The Eval panel lists these runs beside the extension's own.
The script's output goes to stderr as it comes (progress bars every tenth of the way); the
run records are printed on stdout when all runs have ended. Ctrl+C stops the script (its
whole process group) and saves the run as cancelled.

A profile with "slurm" ({"sbatch": ["--partition=gpu", "--time=02:00:00"]}, after the
defaults of "vlmLens.slurm" in the same settings) submits its runs with sbatch instead, one
job array for several tasks, and follows them: state changes and the job's output go to
stderr, the records to stdout when every job has ended. Ctrl+C then cancels the jobs
(scancel). With --no-wait it prints the records as submitted and leaves the jobs running;
"vlm-lens runs" follows them up later.

A run whose script exited 0 but evaluated nothing (every prediction file predates the run,
or the output said it skipped) is "skipped": its results are those of the earlier files.

Options:
  --profile NAME    the profile's "name" (may be left out when the settings hold one profile)
  --workspace DIR   the workspace folder (default: the current folder)
  --task T          run only this task of the profile's "tasks" (repeatable; default: all)
  --dataset FILE    the eval input (\${dataset}) when the profile does not name one
  --image-dir DIR   the image folder (\${imageDir}) when the profile does not name one
  --no-wait         Slurm profiles: submit, print the records, and return
  --json            print the run records as a JSON list
Exit codes: 0 every run succeeded (or, with --no-wait, was submitted), 1 a run failed or was cancelled, 2 usage or I/O error,
3 no run failed but one or more evaluated nothing (skipped).`,
  options: {
    profile: { type: 'string' },
    workspace: { type: 'string' },
    task: { type: 'string', multiple: true },
    dataset: { type: 'string' },
    'image-dir': { type: 'string' },
    'no-wait': { type: 'boolean' },
    json: { type: 'boolean' },
  },
  async run({ values, positionals }, io) {
    if (positionals.length !== 1) throw new UsageError('expected one checkpoint (a folder or a weights file; see vlm-lens eval --help)');
    const workspace = resolve((values.workspace as string | undefined) ?? '.');
    const checkpoint = resolve(positionals[0]);
    try {
      await stat(checkpoint);
    } catch {
      throw new UsageError(`no checkpoint at ${checkpoint}`);
    }
    const { profile, slurmDefault } = await pickProfile(workspace, values.profile as string | undefined, io);
    const used = usedVariables(profile);
    const dataset = (values.dataset as string | undefined) ? resolve(values.dataset as string) : profile.dataset;
    if (!dataset && used.has('dataset')) throw new UsageError(`profile “${profile.name}” uses \${dataset} and names no eval input: pass --dataset FILE`);
    const imageDir = (values['image-dir'] as string | undefined) ? resolve(values['image-dir'] as string) : profile.imageDir;
    if (imageDir === undefined && used.has('imageDir')) throw new UsageError(`profile “${profile.name}” uses \${imageDir} and names no image folder: pass --image-dir DIR`);
    const asked = values.task as string[] | undefined;
    for (const t of asked ?? []) if (!profile.tasks?.includes(t)) throw new UsageError(`profile “${profile.name}” has no task '${t}' (its tasks: ${profile.tasks?.join(', ') || 'none'})`);
    const tasks: Array<string | undefined> = asked?.length ? asked : profile.tasks?.length ? profile.tasks : [undefined];

    const store = RunStore.forFolder(workspace);
    const outside = await store.outsideWorkspace();
    if (outside) throw new UsageError(outside);
    let salt = 0;
    const jobs = await planRuns(profile, checkpoint, { dataset, imageDir, questionType: profile.questionType, tasks }, { workspaceFolder: workspace, store, nextSalt: () => salt++, hostPid: process.pid });
    for (const j of jobs) await store.create(j.run);
    const slurm = slurmSettingsOf(profile, slurmDefault);
    if (slurm) return runOnSlurm(store, jobs, slurm, { wait: !values['no-wait'], json: !!values.json }, io);

    // Ctrl+C: the running script's group is stopped, the rest are saved as cancelled
    let cancelled = false;
    let current: RunningProcess | undefined;
    const done: RunRecord[] = [];
    await onInterrupt(
      () => {
        cancelled = true;
        io.stderr.write('vlm-lens eval: stopping the script…\n');
        current?.stop();
      },
      async () => {
        for (const job of jobs) {
          const name = runLabel(job.run);
          io.stderr.write(`vlm-lens eval: ${name}: ${job.run.argv.join(' ')}  (cwd ${job.run.cwd}, run ${job.run.id})\n`);
          const echo = echoFilter();
          const { run } = await executeRun(store, job, {
            start: startProcess,
            isCancelled: () => cancelled,
            onStarted: (p) => (current = p),
            onFragment: (f, _stream, events) => {
              if (echo(f, events)) io.stderr.write(`  ${f}\n`);
            },
          });
          current = undefined;
          done.push(run);
          io.stderr.write(`vlm-lens eval: ${name}: ${outcome(run)}\n`);
        }
      },
    );
    return printRuns(done, store, !!values.json, io);
  },
};

/** Runs `body` with `onSignal` called on Ctrl+C (SIGINT) and SIGTERM instead of exiting. */
async function onInterrupt(onSignal: () => void, body: () => Promise<void>): Promise<void> {
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    await body();
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** Prints the run records (JSON or a summary each) and returns the exit code they make. */
function printRuns(runs: RunRecord[], store: RunStore, json: boolean, io: CliIO): number {
  if (json) io.stdout.write(`${JSON.stringify(runs, null, 2)}\n`);
  else for (const r of runs) io.stdout.write(summaryOf(r, store));
  if (runs.some((r) => r.status === 'failed' || r.status === 'cancelled')) return EXIT_FINDINGS;
  return runs.some((r) => r.status === 'skipped') ? EXIT_SKIPPED : EXIT_OK;
}

/**
 * Runs planned jobs on Slurm: submitted (one array for several), then, unless `wait` is off,
 * followed together to their ends; Ctrl+C cancels them. Prints the records.
 */
async function runOnSlurm(store: RunStore, jobs: Parameters<typeof submitSlurmRuns>[1], settings: SlurmSettings, o: { wait: boolean; json: boolean }, io: CliIO): Promise<number> {
  const client = new SlurmClient(startProcess, { bin: settings.bin, cwd: store.workspace });
  const runs = await submitSlurmRuns(store, jobs, settings, client);
  for (const r of runs) io.stderr.write(`vlm-lens eval: ${runLabel(r)}: ${r.slurm ? `submitted as Slurm job ${r.slurm.jobId} (run ${r.id})` : `not submitted: ${r.failure?.message ?? ''}`}\n`);
  if (o.wait) {
    let cancelled = false;
    const onSignal = () => {
      cancelled = true;
      io.stderr.write('vlm-lens eval: cancelling the Slurm jobs (scancel)…\n');
    };
    await onInterrupt(onSignal, async () => {
      await Promise.all(
        runs
          .filter((r) => r.slurm)
          .map((r) => {
            const echo = echoFilter();
            return followSlurmRun(store, r, {
              client,
              isCancelled: () => cancelled,
              onFragment: (f, events) => {
                if (echo(f, events)) io.stderr.write(`  ${runs.length > 1 ? `[${r.task ?? r.id}] ` : ''}${f}\n`);
              },
              onState: (run) => io.stderr.write(`vlm-lens eval: ${runLabel(run)}: job ${run.slurm?.jobId}: ${run.slurm ? describeJob(run.slurm, client.messages) : ''}\n`),
            });
          }),
      );
    });
  }
  return printRuns(runs, store, o.json, io);
}

async function pickProfile(workspace: string, name: string | undefined, io: CliIO): Promise<{ profile: EvalProfile; slurmDefault?: SlurmSettings }> {
  const file = join(workspace, '.vscode', 'settings.json');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new UsageError(`no ${file}: eval profiles live in the workspace settings ("vlmLens.evalProfiles"); pass --workspace DIR`);
  }
  const { profiles, problems, slurm: slurmDefault } = profilesFromSettings(text);
  for (const p of problems) io.stderr.write(`vlm-lens eval: ${file}: ${p} (ignored)\n`);
  if (profiles.length === 0) throw new UsageError(`${file} holds no usable eval profile ("vlmLens.evalProfiles")`);
  if (name === undefined) {
    if (profiles.length === 1) return { profile: profiles[0], slurmDefault };
    throw new UsageError(`pass --profile NAME: ${file} holds ${profiles.length} profiles (${profiles.map((p) => JSON.stringify(p.name)).join(', ')})`);
  }
  const found = profiles.find((p) => p.name === name);
  if (!found) throw new UsageError(`no profile named ${JSON.stringify(name)} in ${file} (there: ${profiles.map((p) => JSON.stringify(p.name)).join(', ')})`);
  return { profile: found, slurmDefault };
}

export function outcome(r: RunRecord): string {
  if (r.slurm && (r.status === 'queued' || r.status === 'running')) return `Slurm job ${r.slurm.jobId}: ${describeJob(r.slurm)}`;
  const took = r.durationMs === undefined ? '' : ` in ${formatSeconds(r.durationMs / 1000)}`;
  if (r.status === 'succeeded') return `succeeded${took}`;
  if (r.status === 'skipped') return `skipped: ${r.reused?.reason ?? ''}`;
  if (r.status === 'cancelled') return 'cancelled';
  if (r.status === 'queued' || r.status === 'running') return r.status;
  return `failed (exit ${r.exitCode ?? r.signal ?? '?'})${r.failure ? `: ${r.failure.message}` : ''}`;
}

export function summaryOf(r: RunRecord, store: RunStore): string {
  const lines = [`${r.id}  ${runLabel(r)}  ${outcome(r)}`];
  const headline = headlineText(r);
  if (headline) lines.push(`  ${headline}`);
  for (const res of r.results) {
    if (res.aggregate) lines.push(`  ${res.aggregate.task || res.task || ''}: ${res.aggregate.samples} samples, ${res.aggregate.samples - res.aggregate.unscored} scored${res.aggregate.unscored ? `, ${res.aggregate.unscored} not scorable` : ''}`);
    if (res.error) lines.push(`  ${res.error}`);
  }
  for (const m of r.logMetrics) lines.push(`  ${m.task ? `${m.task} ` : ''}${m.name} ${formatMetricValue(m.value)} (${m.source})`);
  if (r.status === 'failed') for (const l of r.stderrTail ?? []) lines.push(`  | ${l}`);
  lines.push(`  run record: ${store.fileOf(r, 'run.json')}`);
  return lines.join('\n') + '\n';
}
