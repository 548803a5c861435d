/**
 * Training and eval logs as the pipelines write them, beyond HF's trainer_state.json:
 * CSV files of metrics per step (PyTorch Lightning's CSVLogger with its sparse columns,
 * `rewards.csv`-style files, anything with a step / epoch column), NAVSIM `run_pdm_score`
 * result CSVs (one row per scene token plus an `average` row), lists of per-step dicts in
 * JSON, the Python-dict lines HF Trainer / TRL / open-r1 print to stdout (`{'loss': 0.55,
 * 'rewards/format_reward': …}` with `nan` / `inf`), and the failure a log ended with (OOM,
 * argparse, a missing file, an NCCL timeout, a Python traceback's last frame).
 *
 * Pure: rows and text come in (the CSV parser and the file reading live in
 * readMetricsFile.ts); curves come out grouped by what they measure, so scales never share
 * an axis by accident. Memory is bounded: a curve past a few thousand points is thinned as
 * it grows (each stretch keeps its first, lowest and highest point), and the count is said.
 */
import type { MetricsFileView } from './metricsFile';
import type { CompareCounts } from './shaping';
import { CurveSet, groupOfMetric, type CurveGroup } from './curves';

export { groupOfMetric, CurveSet, type CurveGroup };
import type { MetricReading } from './logParse';

/** The x-axis names a CSV may have, in order of preference. */
const STEP_COLUMNS = ['step', 'global_step', 'steps', 'iteration', 'iter', 'trainer/global_step', 'epoch'];

/** The last value of each curve that is a result (not a learning rate or gradient norm), where `x` names the axis. */
function lastReadings(curves: MetricsFileView['curves'], x: string): MetricReading[] {
  const out: MetricReading[] = [];
  for (const c of curves) {
    if (c.group === 'learningRate' || c.group === 'gradNorm') continue;
    const finite = c.points.filter((p) => p.value !== null);
    const last = finite[finite.length - 1];
    if (last) out.push({ name: `last ${c.name}`, value: last.value as number, source: `${x} ${last.step}` });
  }
  return out;
}

/** A cell as a number: `''` is missing (a sparse column), nan / inf are gaps (null), anything else is not numeric. */
function cellValue(cell: string): number | null | undefined | 'text' {
  const t = cell.trim();
  if (t === '') return undefined;
  if (/^[-+]?(nan|inf|infinity)$/i.test(t)) return null;
  const v = Number(t);
  return Number.isFinite(v) ? v : 'text';
}

/** The NAVSIM PDM sub-scores (PDMResults), in the order the CSV writes them. */
export const PDM_COLUMNS = ['no_at_fault_collisions', 'drivable_area_compliance', 'driving_direction_compliance', 'ego_progress', 'time_to_collision_within_bound', 'comfort', 'score'];

export interface PdmScene {
  token: string;
  /** 1-based line in the file */
  line: number;
  valid: boolean;
  values: Record<string, number | null>;
}

export interface PdmSummary {
  /** mean of each sub-score over the valid scenes */
  means: Record<string, number>;
  /** the file's own `average` row, when it has one */
  averageRow?: Record<string, number | null>;
  scenes: number;
  valid: number;
  /** the lowest-scoring valid scenes, worst first (at most 20) */
  worst: Array<{ token: string; line: number; score: number }>;
  /** scores of the valid scenes in 10 bins over [0, 1] */
  histogram: Array<{ from: number; to: number; count: number }>;
  /** every scene (to compare two files scene by scene) */
  sceneList: PdmScene[];
}

const LISTED = 5;

/**
 * Rows of a metrics CSV, fed one at a time (the first is the header). Decides what the file
 * is from its header: NAVSIM PDM scores (a `token` column and PDM sub-scores) or curves over
 * a step / epoch column (or the row number when there is neither).
 */
export class CsvMetrics {
  private header: string[] | undefined;
  private pdm = false;
  private stepCol = -1;
  private xLabel = 'row';
  private readonly curves: CurveSet;
  private readonly textColumns = new Set<number>();
  private rows = 0;
  private repeatedHeaders: number[] = [];
  private ragged: Array<{ line: number; cells: number }> = [];
  private raggedCount = 0;
  private noStep = 0;
  private readonly scenes: PdmScene[] = [];
  private averageRow: Record<string, number | null> | undefined;
  private headerless = false;

  constructor(maxPoints = 2000) {
    this.curves = new CurveSet(maxPoints);
  }

  /** One parsed row and its 1-based line in the file. */
  row(cells: string[], line: number): void {
    if (!this.header) {
      this.start(cells);
      if (!this.headerless) return;
    }
    const header = this.header as string[];
    if (cells.length === header.length && cells.every((c, i) => c.trim() === header[i]) && !this.headerless) {
      // a resumed run appends a new header: the rows after it continue the curves
      this.repeatedHeaders.push(line);
      return;
    }
    if (cells.length !== header.length) {
      this.raggedCount++;
      if (this.ragged.length < LISTED) this.ragged.push({ line, cells: cells.length });
    }
    this.rows++;
    if (this.pdm) this.pdmRow(cells, line);
    else this.curveRow(cells);
  }

  private start(cells: string[]): void {
    const names = cells.map((c) => c.trim());
    // a first row of numbers is data, not a header
    if (names.length && names.every((n) => typeof cellValue(n) === 'number' || cellValue(n) === null)) {
      this.headerless = true;
      this.header = names.map((_, i) => `column ${i + 1}`);
      return;
    }
    this.header = names.map((n, i) => n || (i === 0 ? 'index' : `column ${i + 1}`));
    const lower = this.header.map((n) => n.toLowerCase());
    this.pdm = lower.includes('token') && PDM_COLUMNS.filter((c) => lower.includes(c)).length >= 3;
    if (this.pdm) return;
    for (const s of STEP_COLUMNS) {
      const i = lower.indexOf(s);
      if (i >= 0) {
        this.stepCol = i;
        this.xLabel = this.header[i];
        break;
      }
    }
  }

  private curveRow(cells: string[]): void {
    const header = this.header as string[];
    let x: number = this.rows;
    if (this.stepCol >= 0) {
      const v = cellValue(cells[this.stepCol] ?? '');
      if (typeof v !== 'number') {
        this.noStep++;
        return;
      }
      x = v;
    }
    for (let i = 0; i < header.length && i < cells.length; i++) {
      if (i === this.stepCol || this.textColumns.has(i)) continue;
      const name = header[i];
      if (/^(epoch|index|unnamed: 0)$/i.test(name) && this.stepCol >= 0) continue;
      const v = cellValue(cells[i]);
      if (v === undefined) continue;
      if (v === 'text') {
        this.textColumns.add(i);
        continue;
      }
      this.curves.add(name, x, v);
    }
  }

  private pdmRow(cells: string[], line: number): void {
    const header = (this.header as string[]).map((h) => h.toLowerCase());
    const at = (name: string) => header.indexOf(name);
    const token = (cells[at('token')] ?? '').trim();
    const values: Record<string, number | null> = {};
    for (const c of PDM_COLUMNS) {
      const i = at(c);
      if (i < 0) continue;
      const v = cellValue(cells[i] ?? '');
      values[c] = typeof v === 'number' ? v : null;
    }
    if (/^average/i.test(token)) {
      if (token.toLowerCase() === 'average' || !this.averageRow) this.averageRow = values;
      return;
    }
    const validCell = at('valid') >= 0 ? (cells[at('valid')] ?? '').trim().toLowerCase() : 'true';
    const valid = (validCell === 'true' || validCell === '1') && values.score !== null && values.score !== undefined;
    this.scenes.push({ token, line, valid, values });
  }

  finish(): MetricsFileView {
    const view: MetricsFileView = { kind: this.pdm ? 'pdmScores' : 'csv', metrics: [], facts: [], curves: [], notes: [], errors: [] };
    if (!this.header) {
      view.errors.push('the file is empty');
      return view;
    }
    if (this.pdm) this.finishPdm(view);
    else {
      this.curves.finish(view);
      view.facts.push({ name: 'rows', value: String(this.rows) }, { name: 'x axis', value: this.xLabel });
      if (this.stepCol < 0) view.notes.push(`no step or epoch column: the x axis is the row number${this.headerless ? ' (the file has no header: columns are numbered)' : ''}`);
      if (this.noStep) view.notes.push(`${this.noStep} row(s) have no ${this.xLabel} and are left out`);
      const text = [...this.textColumns].map((i) => (this.header as string[])[i]);
      if (text.length) view.notes.push(`not numeric, not drawn: ${text.join(', ')}`);
      view.metrics.push(...lastReadings(view.curves, this.xLabel));
      if (!view.curves.length) view.errors.push('no numeric columns in this CSV');
    }
    if (this.repeatedHeaders.length) view.notes.push(`the header is repeated at line ${this.repeatedHeaders.slice(0, LISTED).join(', ')}${this.repeatedHeaders.length > LISTED ? ` and ${this.repeatedHeaders.length - LISTED} more` : ''} (a resumed run): the rows after it continue the curves`);
    if (this.raggedCount) view.notes.push(`${this.raggedCount} row(s) have a different number of cells than the header (${(this.header).length}): ${this.ragged.map((r) => `line ${r.line}: ${r.cells}`).join('; ')}${this.raggedCount > LISTED ? '; …' : ''}; the cells that are there are read`);
    return view;
  }

  private finishPdm(view: MetricsFileView): void {
    const s = pdmSummary(this.scenes, this.averageRow);
    view.pdm = s;
    view.facts.push({ name: 'scenes', value: String(s.scenes) }, { name: 'valid', value: String(s.valid) });
    if (s.scenes > s.valid) view.notes.push(`${s.scenes - s.valid} scene(s) are not valid (failed in the simulator): left out of the means`);
    for (const c of PDM_COLUMNS) if (s.means[c] !== undefined) view.metrics.push({ name: c === 'score' ? 'pdm_score' : c, value: s.means[c], source: `mean of ${s.valid} valid scenes` });
    if (s.averageRow) {
      const off = PDM_COLUMNS.filter((c) => s.means[c] !== undefined && typeof s.averageRow?.[c] === 'number' && Math.abs((s.averageRow[c]) - s.means[c]) > 1e-6);
      if (off.length) view.notes.push(`the file's average row differs from the mean of its valid scenes for ${off.map((c) => `${c} (${(s.averageRow?.[c] as number).toFixed(4)} vs ${s.means[c].toFixed(4)})`).join(', ')}`);
      else view.notes.push('the means agree with the file’s own average row');
    } else view.notes.push('the file has no average row');
    if (!s.valid) view.errors.push('no valid scene with a score in this file');
  }
}

/** Means over valid scenes, the worst scenes and the score distribution. */
export function pdmSummary(scenes: PdmScene[], averageRow?: Record<string, number | null>): PdmSummary {
  const valid = scenes.filter((s) => s.valid);
  const means: Record<string, number> = {};
  for (const c of PDM_COLUMNS) {
    const xs = valid.flatMap((s) => (typeof s.values[c] === 'number' ? [s.values[c]] : []));
    if (xs.length) means[c] = xs.reduce((a, b) => a + b, 0) / xs.length;
  }
  const worst = [...valid].sort((a, b) => (a.values.score as number) - (b.values.score as number)).slice(0, 20).map((s) => ({ token: s.token, line: s.line, score: s.values.score as number }));
  const histogram = Array.from({ length: 10 }, (_, i) => ({ from: i / 10, to: (i + 1) / 10, count: 0 }));
  for (const s of valid) histogram[Math.min(9, Math.max(0, Math.floor((s.values.score as number) * 10)))].count++;
  return { means, averageRow, scenes: scenes.length, valid: valid.length, worst, histogram, sceneList: scenes };
}

export interface PdmComparison extends CompareCounts {
  /** scenes valid in both */
  common: number;
  /** the largest changes, by |delta|, at most 20 */
  largest: Array<{ token: string; a: number; b: number; delta: number }>;
}

/** Two PDM result files scene by scene (an IL checkpoint against an RL one). */
export function comparePdm(a: PdmScene[], b: PdmScene[]): PdmComparison {
  const byToken = new Map(b.filter((s) => s.valid).map((s) => [s.token, s]));
  const validA = a.filter((s) => s.valid);
  let better = 0;
  let worse = 0;
  let same = 0;
  const rows: PdmComparison['largest'] = [];
  let sumA = 0;
  let sumB = 0;
  for (const s of validA) {
    const o = byToken.get(s.token);
    if (!o) continue;
    const x = s.values.score as number;
    const y = o.values.score as number;
    sumA += x;
    sumB += y;
    const d = y - x;
    if (Math.abs(d) < 1e-9) same++;
    else if (d > 0) better++;
    else worse++;
    rows.push({ token: s.token, a: x, b: y, delta: d });
  }
  const common = rows.length;
  const aTokens = new Set(validA.map((s) => s.token));
  return {
    common,
    better,
    worse,
    same,
    onlyA: validA.filter((s) => !byToken.has(s.token)).length,
    onlyB: [...byToken.keys()].filter((t) => !aTokens.has(t)).length,
    meanA: common ? sumA / common : NaN,
    meanB: common ? sumB / common : NaN,
    largest: rows.sort((p, q) => Math.abs(q.delta) - Math.abs(p.delta)).slice(0, 20),
  };
}

/**
 * A Python dict literal as printed by `print(logs)` (HF Trainer, TRL, open-r1): single or
 * double quoted keys, numbers, `nan` / `inf`, True / False / None. Returns the numeric
 * entries (nan / inf as null), or undefined when the text is not such a dict.
 */
export function parsePythonDict(text: string): Map<string, number | null> | undefined {
  const out = new Map<string, number | null>();
  let i = 0;
  const n = text.length;
  const ws = () => {
    while (i < n && /\s/.test(text[i])) i++;
  };
  const str = (): string | undefined => {
    const q = text[i];
    if (q !== "'" && q !== '"') return undefined;
    let s = '';
    i++;
    while (i < n && text[i] !== q) {
      if (text[i] === '\\' && i + 1 < n) i++;
      s += text[i++];
    }
    if (i >= n) return undefined;
    i++;
    return s;
  };
  ws();
  if (text[i] !== '{') return undefined;
  i++;
  for (;;) {
    ws();
    if (text[i] === '}') {
      i++;
      break;
    }
    const key = str();
    if (key === undefined) return undefined;
    ws();
    if (text[i] !== ':') return undefined;
    i++;
    ws();
    // the value: up to the next top-level comma or the closing brace
    const start = i;
    let depth = 0;
    while (i < n) {
      const c = text[i];
      if (c === "'" || c === '"') {
        if (str() === undefined) return undefined;
        continue;
      }
      if (c === '(' || c === '[' || c === '{') depth++;
      else if (c === ')' || c === ']' || c === '}') {
        if (depth === 0) break;
        depth--;
      } else if (c === ',' && depth === 0) break;
      i++;
    }
    const raw = text.slice(start, i).trim();
    const num = /^tensor\((.+?)(?:,.*)?\)$/.exec(raw)?.[1] ?? raw;
    if (/^[-+]?(nan|inf)$/i.test(num)) out.set(key, null);
    else if (num !== '' && Number.isFinite(Number(num))) out.set(key, Number(num));
    ws();
    if (text[i] === ',') i++;
    else if (text[i] === '}') {
      i++;
      break;
    } else return undefined;
  }
  return out.size ? out : undefined;
}

export interface LogFailure {
  code: 'oom' | 'argparse' | 'missingFile' | 'ncclTimeout' | 'traceback' | 'killed';
  message: string;
  /** the log line that says it, and its 1-based number */
  line: string;
  lineNo: number;
}

/**
 * Reads a log's lines for the failure it ended with: the most specific cause wins (an OOM
 * or NCCL timeout over the generic traceback), with the line that says it.
 */
export class FailureReader {
  private found: LogFailure | undefined;
  private inTraceback = false;
  private lastFrame: string | undefined;
  private lineNo = 0;

  /** One line of the log (a line holding \r-redrawn progress is read piece by piece, with its one number). */
  line(raw: string): void {
    this.lineNo++;
    if (raw.includes('\r')) {
      for (const piece of raw.split('\r')) if (piece.trim()) this.piece(piece);
    } else this.piece(raw);
  }

  private piece(raw: string): void {
    // torchrun / deepspeed prefix every rank's lines: "[rank0]: "
    const t = raw.replace(/^\[rank\d+\]:\s?/, '').trimEnd();
    let m: RegExpExecArray | null;
    if ((m = /(torch\.(?:cuda\.)?OutOfMemoryError|CUDA out of memory|RuntimeError: CUDA error: out of memory|NPU out of memory)(.*)$/.exec(t))) {
      const alloc = /Tried to allocate ([\d.]+ [KMGT]i?B)/.exec(t)?.[1];
      const free = /([\d.]+ [KMGT]i?B) (?:is )?free/.exec(t)?.[1];
      const total = /total capacity of ([\d.]+ [KMGT]i?B)/.exec(t)?.[1];
      this.set({ code: 'oom', message: `Out of GPU memory${alloc ? `: tried to allocate ${alloc}` : ''}${free ? `, ${free} free` : ''}${total ? ` of ${total}` : ''}. Lower the batch size (or per-device batch / generations per prompt), shorten sequences, or enable gradient checkpointing.`, line: t, lineNo: this.lineNo }, 3);
    } else if ((m = /error: (unrecognized arguments: .+|the following arguments are required: .+|argument .+: .+)$/.exec(t))) {
      this.set({ code: 'argparse', message: `The script rejected its command line: ${m[1]}.`, line: t, lineNo: this.lineNo }, 3);
    } else if ((m = /can't open file '(.+?)': \[Errno 2\]/.exec(t)) || (m = /FileNotFoundError: \[Errno 2\] No such file or directory: '(.+?)'/.exec(t))) {
      this.set({ code: 'missingFile', message: `A file was not found: ${m[1]}${/can't open file/.test(t) ? ' (the working directory may be wrong)' : ''}.`, line: t, lineNo: this.lineNo }, 3);
    } else if (/Watchdog caught collective operation timeout|NCCL.*[Tt]imeout|ProcessGroupNCCL.*timed out|DistBackendError.*timeout/.test(t)) {
      const op = /WorkNCCL\((.+?)\)/.exec(t)?.[1];
      this.set({ code: 'ncclTimeout', message: `An NCCL collective timed out${op ? ` (${op.slice(0, 120)})` : ''}: a rank hung or died (look at the other ranks' logs), or the timeout is too short for a slow step.`, line: t, lineNo: this.lineNo }, 3);
    } else if (/^Killed$|exitcode\s*:\s*-9|Signal 9 \(SIGKILL\)/.test(t.trim())) {
      this.set({ code: 'killed', message: 'The process was killed (SIGKILL): usually the machine ran out of memory (the OOM killer), or a scheduler ended the job.', line: t, lineNo: this.lineNo }, 2);
    }
    if (/Traceback \(most recent call last\):/.test(t)) {
      this.inTraceback = true;
      this.lastFrame = undefined;
      return;
    }
    if (this.inTraceback) {
      const frame = /^\s*File "(.+?)", line (\d+), in (.+)$/.exec(t);
      if (frame) {
        this.lastFrame = `${frame[1]}:${frame[2]} in ${frame[3]}`;
        return;
      }
      const exc = /^([A-Za-z_][\w.]*(?:Error|Exception|Interrupt|Exit)|[A-Z]\w+Error)(?::\s*(.*))?$/.exec(t.trim());
      if (exc) {
        this.inTraceback = false;
        this.set({ code: 'traceback', message: `${exc[1]}${exc[2] ? `: ${exc[2].slice(0, 300)}` : ''}${this.lastFrame ? ` (raised at ${this.lastFrame})` : ''}`, line: t, lineNo: this.lineNo }, 1);
      }
    }
  }

  private rank = 0;

  private set(f: LogFailure, rank: number): void {
    // the first of the most specific kind: later ranks repeat the same error
    if (rank > this.rank) {
      this.found = f;
      this.rank = rank;
    }
  }

  get failure(): LogFailure | undefined {
    return this.found;
  }
}

/** Keys of HF log dicts that describe the run's speed, not what it learns (not drawn). */
const RUN_FACTS = /^(?:total_flos|num_input_tokens_seen|(?:eval|train|test)_(?:runtime|samples_per_second|steps_per_second))$/;

/** HF / TRL dict lines and the run_pdm_score summary, as curves and metrics. */
export class TrainerStdout {
  readonly curves: CurveSet;
  private entries = 0;
  private trainEntries = 0;
  private withStep = 0;
  readonly metrics: MetricReading[] = [];
  readonly facts: Array<{ name: string; value: string }> = [];

  constructor(maxPoints = 2000) {
    this.curves = new CurveSet(maxPoints);
  }

  /** Reads one fragment (a line, or the part of it after a progress bar); true when it was a metrics line. */
  fragment(f: string): boolean {
    const brace = f.indexOf("{'");
    if (brace >= 0) {
      const d = parsePythonDict(f.slice(brace));
      if (d) {
        this.entries++;
        // Trainer.train()'s closing summary: numbers of the run, not points of a curve
        if (d.has('train_runtime')) {
          for (const [k, v] of d) if (v !== null && !RUN_FACTS.test(k) && k !== 'epoch') this.metrics.push({ name: k, value: v, source: 'end of training' });
          return true;
        }
        const step = d.get('step') ?? d.get('global_step');
        if (typeof step === 'number') this.withStep++;
        // without a step, training entries are counted; an eval entry belongs to the last of them
        const isEval = [...d.keys()].every((k) => /^eval_|^epoch$/.test(k));
        if (!isEval) this.trainEntries++;
        const x = typeof step === 'number' ? step : Math.max(1, this.trainEntries);
        for (const [k, v] of d) {
          if (k === 'step' || k === 'global_step' || k === 'epoch' || RUN_FACTS.test(k)) continue;
          this.curves.add(k, x, v);
        }
        return true;
      }
    }
    let m: RegExpExecArray | null;
    if ((m = /Final average score of valid results: ([-+\d.eE]+|nan)\.?\s*$/.exec(f))) {
      const v = Number(m[1]);
      if (Number.isFinite(v)) this.metrics.push({ name: 'pdm_score', value: v, source: 'run_pdm_score' });
      return true;
    }
    if ((m = /Number of (successful|failed) scenarios: (\d+)/.exec(f))) {
      this.facts.push({ name: `${m[1]} scenarios`, value: m[2] });
      return true;
    }
    return false;
  }

  get logged(): number {
    return this.entries;
  }

  finish(view: MetricsFileView): void {
    if (this.entries) {
      this.curves.finish(view);
      view.facts.push({ name: 'logged entries', value: String(this.entries) });
      if (this.withStep < this.entries) view.notes.push('the dict lines carry no step: the x axis is the n-th logged training entry (HF Trainer logs every logging_steps); eval entries sit at the training entry before them');
      view.metrics.push(...lastReadings(view.curves, 'entry'));
    }
    view.metrics.push(...this.metrics);
    view.facts.push(...this.facts);
  }
}

/** Curves from a JSON list of per-step dicts (`metrics.json` written as `[{step, loss, …}, …]`). */
export function stepListView(list: unknown[], opts: { maxPoints?: number } = {}): MetricsFileView | undefined {
  const dicts = list.filter((x): x is Record<string, unknown> => !!x && typeof x === 'object' && !Array.isArray(x));
  if (dicts.length < list.length * 0.9 || !dicts.length) return undefined;
  const numericKeys = new Set<string>();
  for (const d of dicts.slice(0, 50)) for (const [k, v] of Object.entries(d)) if ((typeof v === 'number' || v === null) && !/^(id|idx|index|.*_id)$/i.test(k)) numericKeys.add(k);
  // ids alone are not metrics: a list of records is a dataset (the viewer shows it)
  if (!numericKeys.size || [...numericKeys].every((k) => STEP_COLUMNS.includes(k))) return undefined;
  // records of a dataset have text fields on every entry; a metrics list is numbers
  const textual = dicts.slice(0, 50).filter((d) => Object.values(d).some((v) => typeof v === 'string' && v.length > 40)).length;
  if (textual > 25) return undefined;
  const stepKey = STEP_COLUMNS.find((k) => dicts.every((d) => typeof d[k] === 'number'));
  const set = new CurveSet(opts.maxPoints);
  dicts.forEach((d, i) => {
    const x = stepKey ? (d[stepKey] as number) : i + 1;
    for (const [k, v] of Object.entries(d)) {
      if (k === stepKey || k === 'epoch' || k === 'step') continue;
      if (typeof v === 'number') set.add(k, x, Number.isFinite(v) ? v : null);
      else if (v === null && numericKeys.has(k)) set.add(k, x, null);
    }
  });
  const view: MetricsFileView = { kind: 'stepList', metrics: [], facts: [{ name: 'entries', value: String(dicts.length) }, { name: 'x axis', value: stepKey ?? 'entry' }], curves: [], notes: [], errors: [] };
  set.finish(view);
  if (!stepKey) view.notes.push('the entries carry no step: the x axis is the entry number');
  if (dicts.length < list.length) view.notes.push(`${list.length - dicts.length} entr${list.length - dicts.length === 1 ? 'y is' : 'ies are'} not objects and are left out`);
  return view;
}
