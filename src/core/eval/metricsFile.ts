/**
 * Metrics in files users open directly: a HF Trainer `trainer_state.json` (loss, learning
 * rate and eval curves over steps), an lmms-eval `*_results.json`, any JSON of metrics, and
 * eval logs / generation.py output (read in chunks, so a log of any size streams). Pure:
 * reading from disk is in readMetricsFile.ts.
 */
import { FragmentSplitter, emptySummary, metricsFromJson, parseFragment, summarize, type LogSummary, type MetricReading } from './logParse';
import { FailureReader, TrainerStdout, stepListView, type LogFailure, type PdmSummary } from './trainingLogs';
import { bestPoint, curveDirection, downsample, groupOfMetric, type Curve, type CurvePoint } from './curves';

export { downsample };

export type MetricsFileKind = 'trainerState' | 'lmmsResults' | 'jsonMetrics' | 'log' | 'csv' | 'pdmScores' | 'stepList';

export type { Curve, CurvePoint };

export interface MetricsFileView {
  kind: MetricsFileKind;
  metrics: MetricReading[];
  /** facts about the file (steps, best checkpoint, model…), as text */
  facts: Array<{ name: string; value: string }>;
  curves: Curve[];
  /** what the reader assumed or left out, said plainly */
  notes: string[];
  errors: string[];
  /** the failure a log ended with, in plain words, with its line */
  failure?: LogFailure;
  /** NAVSIM PDM result CSVs: means, worst scenes, score distribution */
  pdm?: PdmSummary;
}

/** Whether a file of this name is read as JSON (else as a log). */
export function isJsonMetricsName(name: string): boolean {
  return /\.json$/i.test(name);
}

/**
 * JSON.parse that also takes Python's bare `NaN`, `Infinity` and `-Infinity` (json.dump
 * writes them: a diverged loss is `NaN`); they become null. Returns how many were replaced.
 */
export function parsePythonJson(text: string): { value: unknown; nonFinite: number } {
  try {
    return { value: JSON.parse(text) as unknown, nonFinite: 0 };
  } catch (e) {
    let nonFinite = 0;
    let out = '';
    let last = 0;
    let inString = false;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (inString) {
        if (c === 92 /* \ */) i++;
        else if (c === 34 /* " */) inString = false;
        continue;
      }
      if (c === 34) {
        inString = true;
        continue;
      }
      const m = /^(?:-?Infinity|NaN)/.exec(text.slice(i, i + 9));
      if (m && !/[\w.]/.test(text[i - 1] ?? '')) {
        out += text.slice(last, i) + 'null';
        i += m[0].length - 1;
        last = i + 1;
        nonFinite++;
      }
    }
    if (!nonFinite) throw e;
    return { value: JSON.parse(out + text.slice(last)) as unknown, nonFinite };
  }
}

/** Keys of `log_history` entries that are not curves. */
const NOT_CURVES = /^(?:step|epoch|total_flos|num_input_tokens_seen|eval_runtime|eval_samples_per_second|eval_steps_per_second|train_runtime|train_samples_per_second|train_steps_per_second)$/;

const groupOf = groupOfMetric;

/** Curves, facts and final numbers of a HF Trainer `trainer_state.json`. */
export function trainerStateView(value: unknown, opts: { maxPoints?: number; nonFinite?: number } = {}): MetricsFileView {
  const view: MetricsFileView = { kind: 'trainerState', metrics: [], facts: [], curves: [], notes: [], errors: [] };
  if (!value || typeof value !== 'object' || Array.isArray(value) || !Array.isArray((value as Record<string, unknown>).log_history)) {
    view.errors.push('not a trainer_state.json: there is no "log_history" list');
    return view;
  }
  const o = value as Record<string, unknown>;
  const text = (v: unknown) => (typeof v === 'number' ? String(v) : typeof v === 'string' ? v : undefined);
  for (const k of ['global_step', 'max_steps', 'epoch', 'num_train_epochs', 'best_global_step', 'best_metric', 'best_model_checkpoint', 'logging_steps', 'eval_steps', 'save_steps', 'train_batch_size']) {
    const v = text(o[k]);
    if (v !== undefined) view.facts.push({ name: k, value: v });
  }
  const series = new Map<string, CurvePoint[]>();
  let noStep = 0;
  const history = o.log_history as unknown[];
  for (const entry of history) {
    if (!entry || typeof entry !== 'object') continue;
    const e = entry as Record<string, unknown>;
    if (typeof e.step !== 'number') {
      noStep++;
      continue;
    }
    // the summary Trainer.train() appends at the end (train_runtime, train_loss…) is not a curve
    if ('train_runtime' in e) {
      for (const [k, v] of Object.entries(e)) if (typeof v === 'number' && k !== 'step' && k !== 'epoch') view.metrics.push({ name: k, value: v, source: 'trainer_state.json' });
      continue;
    }
    for (const [k, v] of Object.entries(e)) {
      if (NOT_CURVES.test(k) || (typeof v !== 'number' && v !== null)) continue;
      const list = series.get(k) ?? [];
      list.push({ step: e.step, value: typeof v === 'number' && Number.isFinite(v) ? v : null });
      series.set(k, list);
    }
  }
  const max = opts.maxPoints ?? 2000;
  const rank = (k: string) => ['loss', 'eval_loss', 'learning_rate', 'grad_norm'].indexOf(k) >>> 0;
  for (const [name, points] of [...series].sort((a, b) => rank(a[0]) - rank(b[0]) || a[0].localeCompare(b[0]))) {
    const drawn = downsample(points, max);
    const group = groupOf(name);
    const dir = curveDirection(name, group);
    const best = dir === undefined ? undefined : bestPoint(points, dir);
    view.curves.push({ name, group, points: drawn, total: points.length, ...(best && dir !== undefined ? { best: { ...best, higherIsBetter: dir } } : {}) });
    if (drawn.length < points.length) view.notes.push(`${name}: ${points.length} points, ${drawn.length} drawn (each stretch keeps its lowest and highest value)`);
    const finite = points.filter((p) => p.value !== null);
    const lastPoint = finite[finite.length - 1];
    if (lastPoint && name !== 'learning_rate' && name !== 'grad_norm') view.metrics.push({ name: `last ${name}`, value: lastPoint.value as number, source: `step ${lastPoint.step}` });
    if (name.endsWith('loss') && finite.length) {
      const best = finite.reduce((a, p) => ((p.value as number) < (a.value as number) ? p : a));
      view.metrics.push({ name: `lowest ${name}`, value: best.value as number, source: `step ${best.step}` });
    }
    const gaps = points.length - finite.length;
    if (gaps) view.notes.push(`${name}: ${gaps} value(s) are NaN or Infinity (gaps in the line)`);
  }
  if (noStep) view.notes.push(`${noStep} log_history entr${noStep === 1 ? 'y has' : 'ies have'} no step and are left out`);
  if (opts.nonFinite) view.notes.push(`the file has ${opts.nonFinite} bare NaN / Infinity value(s) (Python's json writes them; they are not JSON)`);
  if (!history.length) view.notes.push('log_history is empty: the Trainer has not logged yet (logging_steps)');
  return view;
}

/** What a JSON file of metrics holds: trainer state, lmms-eval results, or plain metrics. */
export function jsonMetricsView(value: unknown, source: string, opts: { maxPoints?: number; nonFinite?: number } = {}): MetricsFileView {
  if (value && typeof value === 'object' && !Array.isArray(value) && Array.isArray((value as Record<string, unknown>).log_history)) return trainerStateView(value, opts);
  if (Array.isArray(value)) {
    const steps = stepListView(value, opts);
    if (steps) {
      if (opts.nonFinite) steps.notes.push(`the file has ${opts.nonFinite} bare NaN / Infinity value(s), read as gaps`);
      return steps;
    }
  }
  const o = value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  const isLmms = !!o && !!o.results && typeof o.results === 'object';
  const view: MetricsFileView = { kind: isLmms ? 'lmmsResults' : 'jsonMetrics', metrics: metricsFromJson(value, source), facts: [], curves: [], notes: [], errors: [] };
  if (o && isLmms) {
    const config = o.config && typeof o.config === 'object' ? (o.config as Record<string, unknown>) : {};
    for (const [name, v] of [['model', o.model_name ?? config.model], ['model_args', config.model_args], ['date', o.date], ['lmms_eval_version', o.lmms_eval_version], ['limit', config.limit], ['total_evaluation_time_seconds', o.total_evaluation_time_seconds]] as const)
      if (typeof v === 'string' || typeof v === 'number') view.facts.push({ name, value: String(v) });
    const n = o['n-samples'];
    if (n && typeof n === 'object')
      for (const [task, c] of Object.entries(n as Record<string, unknown>)) {
        const e = c && typeof c === 'object' ? (c as Record<string, unknown>) : {};
        if (typeof e.effective === 'number') view.facts.push({ name: `${task} samples`, value: typeof e.original === 'number' && e.original !== e.effective ? `${e.effective} of ${e.original}` : String(e.effective) });
      }
    if (typeof config.limit === 'number' || typeof config.limit === 'string') view.notes.push(`run with --limit ${config.limit}: not the full benchmark`);
  }
  if (!view.metrics.length) view.errors.push(Array.isArray(value) ? 'the file is a list (a dataset or predictions?), not a metrics object: open it in the dataset viewer' : 'no numeric metrics found in this file');
  if (opts.nonFinite) view.notes.push(`the file has ${opts.nonFinite} bare NaN / Infinity value(s), read as missing`);
  return view;
}

/**
 * Reads an eval log or a generation.py output chunk by chunk. RoboInter / generation.py /
 * lang lines are read first; when a log has none, its `key: value` lines are the metrics
 * (said in a note, because such lines can be anything).
 */
export class LogMetricsReader {
  private readonly split = new FragmentSplitter();
  private readonly summary: LogSummary = emptySummary();
  /** the last `key: value` reading of each name (a map: a 2 GB log of such lines stays small) */
  private readonly generic = new Map<string, MetricReading>();
  private fragments = 0;
  private readonly trainer: TrainerStdout;
  private readonly failures = new FailureReader();

  constructor(maxPoints = 2000) {
    this.trainer = new TrainerStdout(maxPoints);
  }

  /** the part of the last line not yet ended by a newline (failures are located by line, not by \r fragment) */
  private partialLine = '';

  push(chunk: string): void {
    for (const f of this.split.push(chunk)) this.read(f);
    const lines = (this.partialLine + chunk).split('\n');
    this.partialLine = lines.pop() ?? '';
    // a line of progress bars can be megabytes long: only its end can hold the failure
    if (this.partialLine.length > 1 << 20) this.partialLine = this.partialLine.slice(-65536);
    for (const l of lines) this.failures.line(l.slice(-65536));
  }

  private read(f: string): void {
    this.fragments++;
    // HF / TRL dict lines and run_pdm_score's summary are curves and facts, not key: value lines
    if (this.trainer.fragment(f)) return;
    const events = parseFragment(f, { generic: true });
    for (const e of events) if (e.kind === 'metric' && e.metric.source === 'key: value' && (this.generic.size < 1000 || this.generic.has(e.metric.name))) this.generic.set(e.metric.name, e.metric);
    summarize(this.summary, events.filter((e) => !(e.kind === 'metric' && e.metric.source === 'key: value')));
  }

  finish(): MetricsFileView {
    for (const f of this.split.flush()) this.read(f);
    if (this.partialLine) this.failures.line(this.partialLine);
    const s = this.summary;
    const view: MetricsFileView = { kind: 'log', metrics: [...s.metrics], facts: [], curves: [], notes: [], errors: [...s.errors] };
    this.trainer.finish(view);
    const failure = this.failures.failure;
    if (failure) {
      view.failure = failure;
      view.errors.unshift(`line ${failure.lineNo}: ${failure.message}`);
    }
    if (!view.metrics.length && this.generic.size) {
      // the last reading of each name wins, as in a run's summary
      view.metrics.push(...this.generic.values());
      view.notes.push('no RoboInter / generation.py metric lines: these numbers are the log’s "key: value" lines (the last of each name)');
    }
    if (s.samples !== undefined) view.facts.push({ name: 'samples', value: String(s.samples) });
    if (s.progress) view.facts.push({ name: 'progress', value: `${s.progress.n}/${s.progress.total} (${s.progress.percent}%)` });
    for (const p of s.resultsSaved) view.facts.push({ name: 'results saved to', value: p });
    for (const n of s.skipped) view.notes.push(`skipped (already evaluated): ${n}`);
    for (const p of s.missingFiles) view.notes.push(`not found: ${p}`);
    if (s.moreErrors) view.notes.push(`${s.moreErrors} more error line(s) not listed`);
    if (view.metrics.some((m) => m.name === 'average_score')) view.notes.push('generation.py’s "Average Score" averages IoUs, DTWs (pixels) and accuracies together: it mixes scales');
    if (!view.metrics.length && !view.curves.length) view.notes.push(this.fragments ? 'no metric lines in this log (yet)' : 'the file is empty');
    return view;
  }
}

