/**
 * Reading an eval script's output as it streams: fragments split on both `\r` and `\n`
 * (tqdm redraws with `\r`, and RoboInter glues `Error: …` onto a bar fragment), tqdm
 * progress, and the lines that say what happened (samples, errors, results saved, metric
 * lines of generation.py, the lang script and generic `key: value` / `key=value` output).
 * Pure: strings in, plain data out (see ../shared/notes/formats.md §1.5–1.6).
 */

/** Splits a stream into fragments at `\r`, `\n` and `\r\n`, across chunk boundaries. */
export class FragmentSplitter {
  private rest = '';
  private lastWasCr = false;

  /** Returns the complete fragments in `chunk` (without their terminators). */
  push(chunk: string): string[] {
    const out: string[] = [];
    let start = 0;
    let i = 0;
    // a \n right after a \r that ended the previous chunk belongs to that \r
    if (this.lastWasCr && chunk.startsWith('\n')) start = i = 1;
    this.lastWasCr = false;
    for (; i < chunk.length; i++) {
      const c = chunk.charCodeAt(i);
      if (c !== 10 && c !== 13) continue;
      out.push(this.rest + chunk.slice(start, i));
      this.rest = '';
      if (c === 13) {
        if (i + 1 < chunk.length && chunk.charCodeAt(i + 1) === 10) i++;
        else if (i + 1 === chunk.length) this.lastWasCr = true;
      }
      start = i + 1;
    }
    this.rest += chunk.slice(start);
    return out;
  }

  /** The unterminated tail, at the end of the stream. */
  flush(): string[] {
    const r = this.rest;
    this.rest = '';
    return r ? [r] : [];
  }
}

export interface TqdmProgress {
  desc: string;
  percent: number;
  n: number;
  total: number;
  /** seconds elapsed and remaining (remaining undefined while tqdm shows `?`) */
  elapsed?: number;
  remaining?: number;
  /** text glued after the bar (e.g. `Error: …`) */
  rest: string;
}

const TQDM = /^(.*?):?\s*(\d{1,3})%\|[^|]*\|\s*(\d+)\/(\d+)\s*(?:\[([\d:]+|\?)<([\d:]+|\?)(?:,[^\]]*)?\])?/;

function clock(s: string | undefined): number | undefined {
  if (!s || s === '?') return undefined;
  return s.split(':').reduce((acc, part) => acc * 60 + Number(part), 0);
}

/** A tqdm bar fragment (`Evaluating:  67%|██▋ | 2/3 [00:01<00:00, 1.9it/s]`), or undefined. */
export function parseTqdm(fragment: string): TqdmProgress | undefined {
  const m = TQDM.exec(fragment);
  if (!m) return undefined;
  return {
    desc: m[1].trim(),
    percent: Number(m[2]),
    n: Number(m[3]),
    total: Number(m[4]),
    elapsed: clock(m[5]),
    remaining: clock(m[6]),
    rest: fragment.slice(m[0].length).trim(),
  };
}

/** One metric read from output: `task` is the file / task it belongs to, when the line says. */
export interface MetricReading {
  task?: string;
  name: string;
  value: number;
  /** where it came from, e.g. "generation.py", "lang", "key: value" */
  source: string;
}

export type LogEvent =
  | { kind: 'samples'; count: number }
  | { kind: 'progress'; progress: TqdmProgress }
  | { kind: 'error'; message: string }
  | { kind: 'resultsSaved'; path: string }
  | { kind: 'skipped'; name: string; line: string }
  | { kind: 'missingFile'; path: string }
  | { kind: 'unrecognizedArguments'; args: string }
  | { kind: 'cannotOpenFile'; path: string }
  | { kind: 'metric'; metric: MetricReading };

const NUMBER = String.raw`[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|nan|inf`;
const toNum = (s: string) => (s === 'nan' ? NaN : s === 'inf' ? Infinity : Number(s));

/** The task a RoboInter file name stands for: `eval_details_contact_box.json` → `contact_box`. */
export function taskOfFile(name: string): string {
  const base = name.replace(/\\/g, '/').split('/').pop() ?? name;
  return base.replace(/^(?:lang_)?eval_details_/, '').replace(/\.jsonl?$/, '');
}

const GEN_BOX = new RegExp(String.raw`^(\S+)\s*:\s*Mean IOU:\s*(${NUMBER})\s+Accuracy \(IOU > ([\d.]+)\):\s*(${NUMBER})\s*$`);
const GEN_DTW = new RegExp(String.raw`^(\S+)\s*:\s*Mean DTW:\s*(${NUMBER})\s*$`);
const GEN_ACC = new RegExp(String.raw`^(\S+)\s*:\s*Accuracy:\s*(${NUMBER})\s*$`);
const GEN_AVG = new RegExp(String.raw`^Average Score:\s*(${NUMBER})\s*$`);
/**
 * Another script's "nothing to do" line (`results already exist, skipping`, `skip: already
 * evaluated`). A hint only: a run is called skipped when its prediction files are also older
 * than the run, or when it wrote none and printed no metric (see `reuseOf`).
 */
const SAYS_SKIPPED = /\b(?:already (?:exists?|evaluated|done|computed|scored)|exists already)\b.*\bskip|\bskip(?:ping|ped|s)?\b.*\b(?:already|exists?)\b/i;
const LANG_PROGRESS = /^\d+\/\d+\s*▶/;
const KEY_VALUE = new RegExp(String.raw`(?:^|[\s,{(])([A-Za-z][\w./@-]*(?:\s[A-Za-z][\w./@-]*){0,3}?)\s*[:=]\s*(${NUMBER})(?=$|[\s,;})%])`, 'gi');

/** Words that look like `key: value` but are not metrics (tqdm stats, sizes, ids). */
const NOT_METRICS = /^(?:it\/s|s\/it|step|steps|epoch|line|lines|batch|batch_size|pid|port|rank|seed|gpu|cuda|device|n|samples?|total|id|index|max_new_tokens|num_workers|world_size|local_rank)$/i;

/**
 * Parses one fragment (a line, or a `\r`-separated piece) of eval output. `generic` turns on
 * the `key: value` / `key=value` reader (the profile's "any script that prints metrics").
 */
export function parseFragment(fragment: string, opts: { generic?: boolean } = {}): LogEvent[] {
  const out: LogEvent[] = [];
  let line = fragment;
  const bar = parseTqdm(line);
  if (bar) {
    out.push({ kind: 'progress', progress: bar });
    line = bar.rest;
    if (!line) return out;
  }
  const t = line.trim();
  let m: RegExpExecArray | null;
  if ((m = /^Evaluating (\d+) samples\.\.\.$/.exec(t))) out.push({ kind: 'samples', count: Number(m[1]) });
  else if ((m = /^Results saved to (.+)$/.exec(t))) out.push({ kind: 'resultsSaved', path: m[1].trim() });
  else if ((m = /^Eval details for (.+) already exists, skip eval\.$/.exec(t))) out.push({ kind: 'skipped', name: m[1], line: t });
  else if (SAYS_SKIPPED.test(t)) out.push({ kind: 'skipped', name: t, line: t });
  else if ((m = /^(.+) not exists!$/.exec(t))) out.push({ kind: 'missingFile', path: m[1] });
  else if ((m = /error: unrecognized arguments: (.+)$/.exec(t))) out.push({ kind: 'unrecognizedArguments', args: m[1] });
  else if ((m = /can't open file '(.+?)': \[Errno 2\]/.exec(t))) out.push({ kind: 'cannotOpenFile', path: m[1] });
  else if ((m = GEN_BOX.exec(t))) {
    const task = taskOfFile(m[1]);
    out.push({ kind: 'metric', metric: { task, name: 'mean_iou', value: toNum(m[2]), source: 'generation.py' } });
    out.push({ kind: 'metric', metric: { task, name: `acc@iou>${m[3]}`, value: toNum(m[4]), source: 'generation.py' } });
  } else if ((m = GEN_DTW.exec(t))) out.push({ kind: 'metric', metric: { task: taskOfFile(m[1]), name: 'mean_dtw', value: toNum(m[2]), source: 'generation.py' } });
  else if ((m = GEN_ACC.exec(t))) out.push({ kind: 'metric', metric: { task: taskOfFile(m[1]), name: 'accuracy', value: toNum(m[2]), source: 'generation.py' } });
  else if ((m = GEN_AVG.exec(t))) out.push({ kind: 'metric', metric: { name: 'average_score', value: toNum(m[1]), source: 'generation.py' } });
  else if (/^score=/.test(t)) {
    // the lang script's final line: `score=0.5287, bleu1=0.5125, …, ` (progress lines start with `16/200 ▶`)
    for (const kv of t.matchAll(new RegExp(String.raw`(\w+)=(${NUMBER})`, 'g'))) out.push({ kind: 'metric', metric: { name: kv[1], value: toNum(kv[2]), source: 'lang' } });
  } else if (!LANG_PROGRESS.test(t) && opts.generic) {
    for (const kv of t.matchAll(KEY_VALUE)) {
      const name = kv[1].trim();
      if (NOT_METRICS.test(name)) continue;
      out.push({ kind: 'metric', metric: { name, value: toNum(kv[2]), source: 'key: value' } });
    }
  }
  // `Error: …` can follow anything on the same fragment (RoboInter prints it after a bar)
  const err = /(?:^|[^\w])Error: (.*)$/.exec(line);
  if (err && !out.some((e) => e.kind === 'unrecognizedArguments')) out.push({ kind: 'error', message: err[1].trim() });
  return out;
}

/** What a run's output said, accumulated over its fragments. */
export interface LogSummary {
  samples?: number;
  progress?: TqdmProgress;
  errors: string[];
  /** errors beyond the ones kept (`errors` keeps the first 100) */
  moreErrors: number;
  resultsSaved: string[];
  skipped: string[];
  /** the lines that said so, as printed (the first 5) */
  skipLines: string[];
  missingFiles: string[];
  metrics: MetricReading[];
  unrecognizedArguments?: string;
  cannotOpenFile?: string;
}

export function emptySummary(): LogSummary {
  return { errors: [], moreErrors: 0, resultsSaved: [], skipped: [], skipLines: [], missingFiles: [], metrics: [] };
}

/** Folds events into a summary (mutates and returns it). */
export function summarize(s: LogSummary, events: LogEvent[]): LogSummary {
  for (const e of events) {
    switch (e.kind) {
      case 'samples':
        s.samples = e.count;
        break;
      case 'progress':
        s.progress = e.progress;
        break;
      case 'error':
        if (s.errors.length < 100) s.errors.push(e.message);
        else s.moreErrors++;
        break;
      case 'resultsSaved':
        s.resultsSaved.push(e.path);
        break;
      case 'skipped':
        s.skipped.push(e.name);
        if (s.skipLines.length < 5) s.skipLines.push(e.line);
        break;
      case 'missingFile':
        s.missingFiles.push(e.path);
        break;
      case 'unrecognizedArguments':
        s.unrecognizedArguments = e.args;
        break;
      case 'cannotOpenFile':
        s.cannotOpenFile = e.path;
        break;
      case 'metric': {
        // a later reading of the same metric replaces the earlier one
        const i = s.metrics.findIndex((x) => x.task === e.metric.task && x.name === e.metric.name);
        if (i >= 0) s.metrics[i] = e.metric;
        else s.metrics.push(e.metric);
        break;
      }
    }
  }
  return s;
}

/** Parses a whole log text (a saved run log, a RoboInter `logs/*.log`, a generation.py output). */
export function parseLogText(text: string, opts: { generic?: boolean } = {}): LogSummary {
  const split = new FragmentSplitter();
  const s = emptySummary();
  for (const f of [...split.push(text), ...split.flush()]) summarize(s, parseFragment(f, opts));
  return s;
}

/**
 * Why a failed run failed, when the output shows a known cause (null when it does not). The
 * message names the fix.
 */
export function diagnoseFailure(s: LogSummary, exitCode: number | undefined): { code: string; message: string } | undefined {
  if (s.unrecognizedArguments) {
    const flag = s.unrecognizedArguments.split(/\s+/)[0];
    return {
      code: 'unrecognizedArguments',
      message: `The script rejected the argument ${s.unrecognizedArguments}. RoboInter's shipped eval.sh passes ${flag}, which evaluation_intermediate.py does not define: remove it from the profile's command (or add it to the script's argparse).`,
    };
  }
  if (s.cannotOpenFile)
    return {
      code: 'scriptNotFound',
      message: `Python could not open ${s.cannotOpenFile}: the working directory is wrong. RoboInter's scripts must run from eval_manip/, not from eval_manip/scripts/: set the profile's "cwd".`,
    };
  if (exitCode !== 0 && s.missingFiles.length > 0) return { code: 'missingPredictions', message: `Prediction files not found: ${s.missingFiles.join(', ')}` };
  return undefined;
}

/**
 * Metrics in a JSON results file: lmms-eval `*_results.json` (`results.{task}."metric,filter"`,
 * stderr entries left out), or any object whose numeric leaves (two levels deep) are metrics.
 */
export function metricsFromJson(value: unknown, source: string): MetricReading[] {
  const out: MetricReading[] = [];
  if (!value || typeof value !== 'object' || Array.isArray(value)) return out;
  const o = value as Record<string, unknown>;
  const results = o.results;
  if (results && typeof results === 'object' && !Array.isArray(results)) {
    for (const [task, metrics] of Object.entries(results as Record<string, unknown>)) {
      if (!metrics || typeof metrics !== 'object') continue;
      for (const [key, v] of Object.entries(metrics as Record<string, unknown>)) {
        if (typeof v !== 'number' || key.includes('_stderr')) continue;
        const [name, filter] = key.split(',');
        out.push({ task, name: filter && filter !== 'none' ? `${name} (${filter})` : name, value: v, source });
      }
    }
    return out;
  }
  for (const [k, v] of Object.entries(o)) {
    if (typeof v === 'number') out.push({ name: k, value: v, source });
    else if (v && typeof v === 'object' && !Array.isArray(v))
      for (const [k2, v2] of Object.entries(v as Record<string, unknown>)) if (typeof v2 === 'number') out.push({ task: k, name: k2, value: v2, source });
  }
  return out;
}
