/**
 * Eval profiles and runs as plain data: a profile's variables expanded into an argument
 * array (never a shell string), checkpoint folders recognised from their file names, the
 * step read from a name, and run records (`.vlm-lens/runs/<id>/run.json`) checked when read
 * back, so a corrupt or half-written one is reported, not fatal. Pure.
 */
import type { Convention } from '../geometry/types';
import { CONVENTIONS } from '../geometry/types';
import type { MetricReading } from './logParse';
import type { MetricAggregate } from './predictionMetrics';
import { checkSlurmSettings, type SlurmJobRecord, type SlurmSettings } from './slurmTypes';

export interface EvalProfile {
  name: string;
  /** program and arguments, each a separate string: `["python", "evaluation_intermediate.py", "--model_path", "${checkpoint}"]` */
  command: string[];
  cwd?: string;
  env?: Record<string, string>;
  /** one run per task (RoboInter's type_list); `${task}` in the command */
  tasks?: string[];
  /** eval input file (`${dataset}`); asked for when absent and the command uses it */
  dataset?: string;
  imageDir?: string;
  questionType?: string;
  /** an argument that is exactly `${extraArgs}` expands into these */
  extraArgs?: string[];
  /** where the run's predictions appear (variables allowed), e.g. `${checkpoint}/eval_details_${task}.json` */
  predictions?: string;
  /** JSON metric files the script writes (variables allowed) */
  metricsFiles?: string[];
  /** convention of the model's coordinates, for metrics computed from predictions */
  convention?: Convention;
  gtConvention?: Convention;
  thresholds?: number[];
  /** read `key: value` / `key=value` metric lines from the output */
  genericMetrics?: boolean;
  /** submit the run as a Slurm job (`true`: with the options of `vlmLens.slurm`) */
  slurm?: SlurmSettings | boolean;
}

/** What a run needs of its profile to be scored when it ends, kept in the record of a Slurm run (which may end after a restart). */
export type ScoringSettings = Pick<EvalProfile, 'predictions' | 'metricsFiles' | 'convention' | 'gtConvention' | 'thresholds' | 'genericMetrics'>;

export type RunVariables = Record<'checkpoint' | 'checkpointName' | 'step' | 'workspaceFolder' | 'dataset' | 'imageDir' | 'task' | 'outputDir' | 'questionType', string>;

/** Replaces `${name}` in one string; unknown names are left as written and listed. */
export function expandString(s: string, vars: Partial<RunVariables>, unknown?: Set<string>): string {
  return s.replace(/\$\{(\w+)\}/g, (whole, name: string) => {
    const v = (vars as Record<string, string | undefined>)[name];
    if (v === undefined) {
      unknown?.add(name);
      return whole;
    }
    return v;
  });
}

/** The argument array of a run: `${extraArgs}` on its own expands into several arguments. */
export function expandCommand(profile: EvalProfile, vars: Partial<RunVariables>): { argv: string[]; unknown: string[] } {
  const unknown = new Set<string>();
  const argv: string[] = [];
  for (const a of profile.command) {
    if (a === '${extraArgs}') argv.push(...(profile.extraArgs ?? []).map((x) => expandString(x, vars, unknown)));
    else argv.push(expandString(a, vars, unknown));
  }
  return { argv, unknown: [...unknown] };
}

/** Variables a profile uses (to ask only for those). */
export function usedVariables(profile: EvalProfile): Set<string> {
  const all = [...profile.command, profile.cwd ?? '', profile.predictions ?? '', ...(profile.metricsFiles ?? []), ...Object.values(profile.env ?? {}), ...(profile.extraArgs ?? [])].join('\n');
  return new Set([...all.matchAll(/\$\{(\w+)\}/g)].map((m) => m[1]));
}

/** The training step in a checkpoint's name: `checkpoint-3000` → 3000, `step_12k` → 12000, Lightning's `epoch=3-step=20000` → 20000. */
export function stepOf(name: string): number | undefined {
  const m = /(?:checkpoint|ckpt|step|global_step|iter)[-_=]?(\d+)(k?)\b/i.exec(name) ?? /(?:^|[-_])(\d+)(k?)$/.exec(name);
  if (!m) return undefined;
  return Number(m[1]) * (m[2] ? 1000 : 1);
}

/** Whether a folder with these entries (file names) is a checkpoint. */
export function isCheckpointFolder(name: string, entries: string[]): boolean {
  if (/^(?:checkpoint|ckpt|global_step)[-_]?\d+/i.test(name)) return true;
  const has = (re: RegExp) => entries.some((e) => re.test(e));
  if (has(/^adapter_config\.json$/)) return true;
  return has(/^config\.json$/) && has(/\.safetensors$|^pytorch_model.*\.bin$|\.safetensors\.index\.json$/);
}

/** Checkpoint subfolders of a parent, in order of step (those without a step last, by name). */
export function orderCheckpoints(names: string[]): string[] {
  return [...names].sort((a, b) => {
    const sa = stepOf(a);
    const sb = stepOf(b);
    if (sa !== undefined && sb !== undefined && sa !== sb) return sa - sb;
    if (sa === undefined && sb !== undefined) return 1;
    if (sb === undefined && sa !== undefined) return -1;
    return a.localeCompare(b);
  });
}

/** Every status a run can have; `skipped`: the script exited 0 but evaluated nothing (its outputs were already there), see `reused`. */
export const RUN_STATUSES = ['queued', 'running', 'succeeded', 'skipped', 'failed', 'cancelled'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export interface RunTaskResult {
  task?: string;
  predictionsFile?: string;
  aggregate?: MetricAggregate;
  /** file with the per-sample results (JSON array of SampleResult), relative to the run folder */
  samplesFile?: string;
  error?: string;
}

export interface RunRecord {
  version: 1;
  id: string;
  profile: string;
  checkpoint: string;
  checkpointName: string;
  step?: number;
  task?: string;
  dataset?: string;
  /** the resolved program and arguments */
  argv: string[];
  cwd: string;
  status: RunStatus;
  queuedAt: string;
  startedAt?: string;
  endedAt?: string;
  durationMs?: number;
  exitCode?: number;
  signal?: string;
  /** a known failure, said plainly (RoboInter's --type, the wrong working directory…) */
  failure?: { code: string; message: string };
  stderrTail?: string[];
  /** a skipped run: why it is called so, and when the prediction files it was scored from were written */
  reused?: { reason: string; writtenAt?: string };
  samples?: number;
  errors?: string[];
  /** metric lines read from the output */
  logMetrics: MetricReading[];
  /** metrics computed from prediction files */
  results: RunTaskResult[];
  /** the log file, relative to the run folder */
  log: string;
  /** the extension host that queued the run (to tell a run of a closed window from one still going in another) */
  hostPid?: number;
  /**
   * The eval process's group (it is started as its own group leader), with what identifies
   * that process beyond its number: its start time in clock ticks after boot and the boot it
   * ran in (Linux `/proc`), so a later start kills a surviving group only when it is this one.
   */
  process?: { pgid: number; startTicks?: number; bootId?: string };
  /** a run submitted to Slurm: its job, and what scores it when it ends */
  slurm?: SlurmJobRecord & { vars: Partial<RunVariables>; scoring: ScoringSettings };
}

/** How a run is named to the user: its checkpoint, and its task when it has one. */
export function runLabel(run: Pick<RunRecord, 'checkpointName' | 'task'>): string {
  return run.task ? `${run.checkpointName} · ${run.task}` : run.checkpointName;
}

/** When a run started (or was queued), short: enough to tell two runs of one checkpoint apart. */
export function runTime(run: Pick<RunRecord, 'startedAt' | 'queuedAt'>): string {
  return shortDateTime(run.startedAt ?? run.queuedAt);
}

/** "11-30 14:02" this year, "2025-11-30 14:02" before (local time); the text itself when it is not a date. */
export function shortDateTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const p = (n: number) => String(n).padStart(2, '0');
  const day = `${p(d.getMonth() + 1)}-${p(d.getDate())}`;
  return `${d.getFullYear() === new Date().getFullYear() ? day : `${d.getFullYear()}-${day}`} ${p(d.getHours())}:${p(d.getMinutes())}`;
}

/** A run id: sortable by time, unique enough for one workspace. */
export function newRunId(now: Date, salt: number): string {
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${now.getFullYear()}${p(now.getMonth() + 1)}${p(now.getDate())}-${p(now.getHours())}${p(now.getMinutes())}${p(now.getSeconds())}-${p(salt % 1000, 3)}`;
}

/**
 * Whether a string can be a run's folder name: letters, digits, `.`, `_`, `-`, starting with a
 * letter or digit (so never `.`, `..`, a path or an absolute name), at most 128 characters.
 */
export function isSafeRunId(id: unknown): id is string {
  return typeof id === 'string' && id.length <= 128 && /^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(id);
}

/**
 * Whether `name` is a relative path that stays inside the folder it is joined to: no empty,
 * `.` or `..` segment, not absolute, no drive letter, no NUL. Pure (no file system: links are
 * the caller's to refuse).
 */
export function isInsideName(name: unknown): name is string {
  if (typeof name !== 'string' || name === '' || name.length > 1024 || name.includes('\0') || /^[A-Za-z]:/.test(name) || /^[\\/]/.test(name)) return false;
  return name.split(/[\\/]/).every((seg) => seg !== '' && seg !== '.' && seg !== '..');
}

/**
 * Checks a parsed run.json read from the folder `folderName` (the run's identity: a field
 * of the file never is); returns the record or what is wrong with it. Every file name the
 * record holds (the log, per-sample results) must stay inside that folder.
 */
export function checkRunRecord(v: unknown, folderName?: string): { run: RunRecord } | { error: string } {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return { error: 'run.json is not an object' };
  const o = v as Record<string, unknown>;
  if (o.version !== 1) return { error: `unknown run.json version ${JSON.stringify(o.version)}` };
  for (const k of ['id', 'profile', 'checkpoint', 'checkpointName', 'cwd', 'status', 'queuedAt', 'log'] as const) if (typeof o[k] !== 'string') return { error: `run.json has no "${k}"` };
  if (folderName !== undefined && o.id !== folderName) return { error: `run.json says its id is ${JSON.stringify(o.id)} but it is in the folder "${folderName}": a run's id is its folder's name` };
  if (!isSafeRunId(o.id)) return { error: `run.json has an id that cannot be a folder name: ${JSON.stringify(o.id)}` };
  if (!isInsideName(o.log)) return { error: `run.json names a log outside its run folder: ${JSON.stringify(o.log)}` };
  if (!Array.isArray(o.argv) || !o.argv.every((a) => typeof a === 'string')) return { error: 'run.json "argv" is not a list of strings' };
  if (!(RUN_STATUSES as readonly string[]).includes(o.status as string)) return { error: `run.json has an unknown status ${JSON.stringify(o.status)}` };
  if (!Array.isArray(o.results) || !Array.isArray(o.logMetrics)) return { error: 'run.json has no "results" / "logMetrics" lists' };
  for (const r of o.results as unknown[]) {
    if (!r || typeof r !== 'object') return { error: 'run.json "results" holds something that is not an object' };
    const f = (r as { samplesFile?: unknown }).samplesFile;
    if (f !== undefined && !isInsideName(f)) return { error: `run.json names a samples file outside its run folder: ${JSON.stringify(f)}` };
    const pf = (r as { predictionsFile?: unknown }).predictionsFile;
    if (pf !== undefined && typeof pf !== 'string') return { error: 'run.json "predictionsFile" is not a string' };
  }
  const proc = o.process as { pgid?: unknown } | undefined;
  if (proc !== undefined && (typeof proc !== 'object' || proc === null || !Number.isInteger(proc.pgid) || (proc.pgid as number) <= 1)) return { error: `run.json has a process group that is not a process number: ${JSON.stringify(o.process)}` };
  const sl = o.slurm as { jobId?: unknown; output?: unknown; vars?: unknown; scoring?: unknown } | undefined;
  if (sl !== undefined) {
    if (typeof sl !== 'object' || sl === null || typeof sl.jobId !== 'string' || !/^\d+(?:_\d+)?$/.test(sl.jobId)) return { error: `run.json has a Slurm job that is not a job id: ${JSON.stringify(sl?.jobId)}` };
    if (sl.output !== undefined && !isInsideName(sl.output)) return { error: `run.json names a Slurm output file outside the runs folder: ${JSON.stringify(sl.output)}` };
    if (!sl.vars || typeof sl.vars !== 'object' || !Object.values(sl.vars).every((x) => typeof x === 'string')) return { error: 'run.json "slurm.vars" is not a map of strings' };
    if (!sl.scoring || typeof sl.scoring !== 'object') return { error: 'run.json "slurm.scoring" is not an object' };
  }
  if (o.hostPid !== undefined && (!Number.isInteger(o.hostPid) || (o.hostPid as number) <= 0)) return { error: `run.json has a host pid that is not a process number: ${JSON.stringify(o.hostPid)}` };
  return { run: o as unknown as RunRecord };
}

/**
 * Runs left "queued" or "running" by a window that is gone: not in this host's queue, and
 * queued by a host that is this one (an earlier session that reused the pid), or no longer
 * alive, or unknown. They are ended as cancelled with the reason.
 */
export function interruptedRuns(runs: RunRecord[], ours: (id: string) => boolean, hostAlive: (pid: number) => boolean, ownPid: number): RunRecord[] {
  // a Slurm run goes on without the window: it is followed again, never ended here
  return runs.filter((r) => (r.status === 'queued' || r.status === 'running') && !r.slurm && !ours(r.id) && (r.hostPid === undefined || r.hostPid === ownPid || !hostAlive(r.hostPid)));
}

/** Checks a profile from settings (the user's JSON); returns it or what is wrong. */
export function checkProfile(v: unknown): { profile: EvalProfile } | { error: string } {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return { error: 'a profile must be an object' };
  const o = v as Record<string, unknown>;
  if (typeof o.name !== 'string' || !o.name) return { error: 'a profile needs a "name"' };
  if (!Array.isArray(o.command) || o.command.length === 0 || !o.command.every((a) => typeof a === 'string'))
    return { error: `profile “${o.name}”: "command" must be a non-empty list of strings (program, then each argument; not a shell string)` };
  if (o.convention !== undefined && !CONVENTIONS.includes(o.convention as Convention)) return { error: `profile “${o.name}”: unknown convention ${JSON.stringify(o.convention)}` };
  if (o.tasks !== undefined && (!Array.isArray(o.tasks) || !o.tasks.every((t) => typeof t === 'string'))) return { error: `profile “${o.name}”: "tasks" must be a list of strings` };
  const slurm = checkSlurmSettings(o.slurm, `profile “${o.name}”`);
  if (slurm) return { error: slurm };
  return { profile: o as unknown as EvalProfile };
}

/** The last `n` non-empty lines of a text. */
export function lastLines(text: string, n: number): string[] {
  return text.split(/\r\n|\r|\n/).filter((l) => l.trim()).slice(-n);
}

/**
 * The Python a new profile should call: `python3` when a folder on PATH has it (stock Debian
 * and Ubuntu have no `python`; conda and venv environments have both), else `python` when
 * that exists, else `python3`.
 */
export function choosePython(pathDirs: string[], isExecutable: (dir: string, name: string) => boolean): 'python3' | 'python' {
  for (const d of pathDirs) if (d && isExecutable(d, 'python3')) return 'python3';
  for (const d of pathDirs) if (d && isExecutable(d, 'python')) return 'python';
  return 'python3';
}

/** Templates for the guided setup (the user picks one; the script path is asked for). */
export const PROFILE_TEMPLATES: Array<{ id: string; profile: EvalProfile }> = [
  {
    id: 'robointer',
    profile: {
      name: 'RoboInter evaluation_intermediate.py',
      command: ['python', '${script}', '--model_path', '${checkpoint}', '--json_path', '${dataset}', '--image_dir', '${imageDir}', '--question_type', '${questionType}', '--batch_size', '16', '--max_new_tokens', '512'],
      questionType: 'default',
      tasks: ['contact_box', 'current_box', 'final_box', 'gripper_det', 'traj', 'traj_wo_init_pos'],
      predictions: '${checkpoint}/eval_details_${task}.json',
      convention: 'resized',
      gtConvention: 'resized',
    },
  },
  {
    id: 'lmms-eval',
    profile: {
      name: 'lmms-eval',
      command: ['python', '-m', 'lmms_eval', '--model', 'qwen2_5_vl', '--model_args', 'pretrained=${checkpoint}', '--tasks', '${task}', '--batch_size', '1', '--output_path', '${outputDir}', '--log_samples'],
      tasks: ['mme'],
      metricsFiles: ['${outputDir}/**/*_results.json'],
    },
  },
  {
    id: 'generic',
    profile: { name: 'Script that prints metrics', command: ['python', '${script}', '${checkpoint}'], genericMetrics: true },
  },
];
