/**
 * Metrics computed by VLM Lens itself from a prediction file (RoboInter `eval_details_*.json`,
 * lmms-eval samples, R1-V result lists, DriveLM outputs, ScreenSpot details, any record whose
 * prediction and reference the format registry can name), because real eval scripts often
 * write predictions and no metrics.
 *
 * A score is right or absent. Each sample's kind is decided from the shape of its reference
 * (a box, a point, a trajectory, an option letter, a set of letters, a number, text), never
 * from a file name alone (the task name only disambiguates, e.g. two corners vs a two-point
 * path). Answers are read inside `<answer>…</answer>`; geometry is converted to original-image
 * pixels with the chosen convention (joined to the eval input by id, or the record's own
 * size). A reference that cannot be scored (a mask-image path, a missing field) makes the
 * sample unscorable, with the reason; it never becomes a number. Pure.
 */
import { scaleFor, type ConversionContext } from '../geometry/conventions';
import { boxProblem, boundTrajectory, displacement, dist, dtw, endpointDistance, frechet, hausdorff, iou, rmse, MAX_TRAJECTORY_POINTS, type Box, type Pt } from '../geometry/metrics';
import { isNum, shapesFromText } from '../geometry/parseText';
import type { Convention, RawShape, Size } from '../geometry/types';
import { classId, classificationReport, type ClassificationReport } from './classification';
import { declaredSize, describe, isObj, predictionAndReference, recordId, type FormatDescriptor, type TaskKind } from '../formats/registry';
import { stripChatPrefix as splitChat } from '../records/normalize';
import { answerText, letterSet, normalizeAnswer, numberOf, predictedNumber, referenceKind, type ReferenceKind } from './answers';

export type { TaskKind };
export { normalizeAnswer };

/** Kinds whose per-sample score is 0–1 (right / wrong, or IoU). */
export function scoreIsFraction(kind: TaskKind): boolean {
  return kind !== 'point' && kind !== 'trajectory';
}

/** Text the model produced: after the last `assistant\n` of a decoded chat (RoboInter keeps the prompt). */
export function stripChatPrefix(pred: string): string {
  return splitChat(pred).answer;
}

/** Per-record facts from the eval input (joined by id). */
export interface EvalInputFacts {
  image?: Size;
  resized?: Size;
  task?: string;
  line?: number;
}

/** Reads `{id, w, h, new_w, new_h, image_size, task}` from eval input records. */
export function inputFacts(records: unknown[]): Map<string, EvalInputFacts> {
  const out = new Map<string, EvalInputFacts>();
  for (const r of records) {
    if (!isObj(r)) continue;
    const id = recordId(r)?.id;
    if (id === undefined) continue;
    const num = (v: unknown) => (typeof v === 'number' && v > 0 ? v : undefined);
    const f: EvalInputFacts = {};
    const size = declaredSize(r);
    if (size) f.image = { width: size.width, height: size.height };
    if (num(r.new_w) && num(r.new_h)) f.resized = { width: r.new_w as number, height: r.new_h as number };
    if (typeof r.task === 'string') f.task = r.task;
    out.set(id, f);
  }
  return out;
}

export interface MetricOptions {
  /** the task name (e.g. contact_box): a label, and a hint where a shape is ambiguous */
  task?: string;
  /** score every sample as this kind (overrides the kind read from the references) */
  kind?: TaskKind;
  /** convention of the predictions; the gt's is `gtConvention` (default the same) */
  convention?: Convention;
  gtConvention?: Convention;
  inputs?: Map<string, EvalInputFacts>;
  /** IoU thresholds for Acc@IoU (default 0.1 and 0.5, as RoboInter reports > 0.1) */
  thresholds?: number[];
  qwenMinPixels?: number;
  qwenMaxPixels?: number;
  /** user format descriptors for this file */
  formats?: readonly FormatDescriptor[];
  /** class ids are ordered bins: off-by-one accuracy is given */
  ordinal?: boolean;
}

export interface SampleResult {
  /** position in the prediction file */
  index: number;
  /** 0-based line of the record in the prediction file, when known */
  line?: number;
  id?: string;
  kind: TaskKind;
  /** the primary score: IoU, DTW, distance, 1/0 */
  score?: number;
  metrics: Record<string, number>;
  /** the model's answer as compared (chat prefix stripped), and the gt text */
  predText: string;
  gtText: string;
  /** the parsed geometry in original-image pixels (box: [x1,y1,x2,y2]; point: [x,y]; trajectory: [[x,y],…]) */
  pred?: number[] | number[][];
  gt?: number[] | number[][];
  /** why the sample could not be scored, or what was assumed */
  note?: string;
  imagePath?: string;
  /** class samples: the predicted and labelled class ids */
  predClass?: number;
  gtClass?: number;
}

export interface MetricAggregate {
  task: string;
  kind: TaskKind;
  samples: number;
  /** samples that could not be scored (no readable reference, no image size for the convention) */
  unscored: number;
  /** samples whose prediction could not be parsed (scored as a miss where the metric allows, else left out) */
  unparsed: number;
  /** lines of the prediction file that are not JSON (not among the samples) */
  unparsableLines?: number;
  metrics: Record<string, number>;
  /** higher is better for the primary score */
  higherIsBetter: boolean;
  primary: string;
  convention?: Convention;
  /** trajectory distances are in metres (ego-frame plans), not pixels */
  unit?: 'px' | 'm';
  notes: string[];
  /** how the kind and the fields were decided, in words */
  decision?: string;
  /** a file mixing kinds: one aggregate per kind (the headline is the largest) */
  groups?: MetricAggregate[];
  /** class ids: per-class precision / recall and the confusion matrix */
  classification?: ClassificationReport;
}

export interface PredictionMetrics {
  aggregate: MetricAggregate;
  samples: SampleResult[];
}

const str = (v: unknown): string => (typeof v === 'string' ? v : v === undefined || v === null ? '' : JSON.stringify(v));

export interface PredictionFields {
  id?: string;
  pred: string;
  gt: string;
  /** the values as written (structured predictions and references keep their shape) */
  predValue?: unknown;
  gtValue?: unknown;
  predKey?: string;
  gtKey?: string;
  imagePath?: string;
  format: string;
  /** the record's own image size (width/height, image_size…) */
  size?: Size;
}

/** The first string of a (nested) list of responses: lmms-eval `filtered_resps` is `[["…"]]` or `["…"]`. */
function firstString(v: unknown): unknown {
  let x = v;
  for (let depth = 0; Array.isArray(x) && x.length > 0 && depth < 3; depth++) {
    if (x.every((e) => typeof e === 'number')) return x;
    x = x[0] as unknown;
  }
  return x;
}

/** The prediction / reference / id fields of one record, as the format registry names them. */
export function predictionFields(rec: unknown, formats?: readonly FormatDescriptor[], d: FormatDescriptor = describe(rec, formats)): PredictionFields | undefined {
  if (!isObj(rec)) return undefined;
  const { prediction, reference } = predictionAndReference(rec, d);
  if (!prediction && !reference) return undefined;
  const predValue = prediction ? firstString(prediction.value) : undefined;
  const gtValue = reference?.value;
  const predText = str(predValue);
  const image = rec.image_path ?? rec.img_path ?? rec.image ?? rec.images;
  const size = declaredSize(rec);
  return {
    id: recordId(rec, d)?.id,
    pred: d.layout === 'robointer-eval' ? stripChatPrefix(predText) : predText,
    gt: str(gtValue),
    predValue,
    gtValue,
    predKey: prediction?.key,
    gtKey: reference?.key,
    imagePath: typeof image === 'string' ? image : Array.isArray(image) && typeof image[0] === 'string' ? image[0] : undefined,
    format: d.id === 'user' ? d.label : d.id,
    size: size ? { width: size.width, height: size.height } : undefined,
  };
}

/** The first `n` numbers of a text (generation.py's last resort for boxes). */
function numbersIn(text: string): number[] {
  return [...text.matchAll(/[-+]?(?:\d+\.?\d*|\.\d+)/g)].map((m) => Number(m[0]));
}


/** Structured geometry given as a value (not text): [x1,y1,x2,y2], [x,y], {x,y}, [[x,y(,yaw)]…], [{x,y,yaw}…]. */
function geometryOfValue(v: unknown, kind: 'box' | 'point' | 'trajectory'): number[] | number[][] | undefined {
  if (isObj(v) && isNum(v.x) && isNum(v.y)) return kind === 'trajectory' ? undefined : [v.x, v.y];
  if (!Array.isArray(v) || v.length === 0) return undefined;
  if (kind === 'box') {
    if (v.length === 4 && v.every(isNum)) return v;
    if (v.every((b) => Array.isArray(b) && b.length === 4 && b.every(isNum))) return v[0] as number[];
    if (v.length === 2 && v.every((p) => Array.isArray(p) && p.length === 2 && p.every(isNum))) return [...(v[0] as number[]), ...(v[1] as number[])];
    return undefined;
  }
  if (kind === 'point') {
    if (v.length === 2 && v.every(isNum)) return v;
    if (v.every((p) => Array.isArray(p) && p.length >= 2 && isNum(p[0]) && isNum(p[1]))) return v.length === 1 ? (v[0] as number[]).slice(0, 2) : (v as number[][]).map((p) => [p[0], p[1]]);
    return undefined;
  }
  const pts: number[][] = [];
  for (const p of v) {
    if (Array.isArray(p) && p.length >= 2 && isNum(p[0]) && isNum(p[1])) pts.push([p[0], p[1]]);
    else if (isObj(p) && isNum(p.x) && isNum(p.y)) pts.push([p.x, p.y]);
    else return undefined;
  }
  return pts.length > 0 ? pts : undefined;
}

/** A bare JSON list of [x, y(, yaw)] points, read without the text parsers: long ones stay fast. */
function bareTrajectory(text: string): number[][] | undefined {
  const t = text.trim();
  if (!t.startsWith('[[') || !t.endsWith(']]')) return undefined;
  try {
    const v = JSON.parse(t) as unknown;
    if (Array.isArray(v) && v.length >= 2 && v.every((p) => Array.isArray(p) && (p.length === 2 || p.length === 3) && isNum(p[0]) && isNum(p[1]))) return (v as number[][]).map((p) => [p[0], p[1]]);
  } catch {
    /* not plain JSON: the text parsers read it */
  }
  return undefined;
}

function firstOf(shapes: RawShape[], kind: RawShape['kind']): RawShape | undefined {
  return shapes.find((s) => s.kind === kind);
}

/**
 * Geometry of an answer. `value` is the field as written (a structured list is taken as is);
 * text is read with the overlay parsers; only predictions fall back to "the first numbers in
 * the text" (generation.py's rule), never references.
 */
function geometryOf(value: unknown, text: string, kind: 'box' | 'point' | 'trajectory', task: string | undefined, role: 'pred' | 'gt'): number[] | number[][] | undefined {
  if (typeof value !== 'string' && value !== undefined) {
    const g = geometryOfValue(value, kind);
    if (g) return g;
  }
  const t = answerText(text).text;
  if (kind === 'trajectory') {
    const bare = bareTrajectory(t);
    if (bare) return bare;
  }
  const { shapes, ego } = shapesFromText(t, { role, hint: task ?? kind });
  if (kind === 'trajectory' && ego.length > 0) return ego[0].poses.map((p) => [p[0], p[1]]);
  if (kind === 'box') {
    const b = firstOf(shapes, 'box');
    if (b) {
      const v = b.values as number[];
      return b.xywh ? [v[0], v[1], v[0] + v[2], v[1] + v[3]] : v;
    }
    if (role === 'gt') return undefined;
    const nums = numbersIn(t);
    return nums.length >= 4 ? nums.slice(0, 4) : undefined;
  }
  if (kind === 'point') {
    const pts = shapes.filter((s) => s.kind === 'point').map((s) => s.values as number[]);
    if (pts.length > 0) return pts.length === 1 ? pts[0] : pts;
    const box = role === 'pred' ? undefined : firstOf(shapes, 'box');
    if (box) return undefined;
    if (role === 'gt') return undefined;
    const nums = numbersIn(t);
    return nums.length >= 2 ? nums.slice(0, 2) : undefined;
  }
  const tr = firstOf(shapes, 'trajectory');
  if (tr) return tr.values;
  const pts = shapes.filter((s) => s.kind === 'point').map((s) => s.values as number[]);
  if (pts.length >= 2) return pts;
  if (role === 'gt') return undefined;
  const nums = numbersIn(t);
  if (nums.length < 4) return undefined;
  const even = nums.length % 2 === 0 ? nums : nums.slice(0, -1);
  const out: number[][] = [];
  for (let i = 0; i < even.length; i += 2) out.push([even[i], even[i + 1]]);
  return out;
}

function scaled(v: number[] | number[][], s: { sx: number; sy: number }): number[] | number[][] {
  if (Array.isArray(v[0])) return (v as number[][]).map(([x, y]) => [x * s.sx, y * s.sy]);
  const a = v as number[];
  return a.map((x, i) => x * (i % 2 === 0 ? s.sx : s.sy));
}

/** Text for exact match: trimmed, whitespace runs as one space, lower case. */
const normalizeText = (t: string) => t.trim().replace(/\s+/g, ' ').toLowerCase();

function choiceCorrect(pred: string, gt: string): boolean {
  const p = normalizeAnswer(pred);
  const g = normalizeAnswer(gt);
  if (!p) return false; // an empty prediction is wrong (generation.py counts it right)
  if (p === g) return true;
  // a longer answer whose last words are the gt option ("… so it is yes"); "not a road barrier" is not "no"
  if (g.length < 2) return false;
  const esc = g.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(?:^|[^\\p{L}\\p{N}])${esc}[^\\p{L}\\p{N}]*$`, 'u').test(p);
}

const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);

const KIND_WORDS: Record<TaskKind, string> = {
  box: 'boxes (IoU)',
  point: 'points (distance)',
  'point-in-box': 'points against boxes (hit if inside)',
  trajectory: 'trajectories (DTW…)',
  choice: 'option letters / yes-no (accuracy)',
  'multi-select': 'sets of option letters (accuracy)',
  numeric: 'numbers (equal as numbers)',
  class: 'class ids (accuracy, confusion matrix)',
  text: 'text (exact match)',
};

interface ScoreState {
  noSize: number;
  badPredBoxes: number;
  resampled: number;
  lengthMismatch: number;
  /** samples whose prediction could not be read */
  unparsed: Set<SampleResult>;
}

interface Planned {
  f: PredictionFields;
  ref: ReferenceKind;
  kind?: TaskKind;
  /** the convention the record's format fixes */
  convention?: Convention;
}

/**
 * Whether records are a classifier's output: most carry a class prediction (`pred` a class id,
 * or `probs` / `logits`) for a frame of an episode (`episode_index` and `frame_index`), class
 * probabilities, or an integer `pred` beside an integer `label`. Decided from the fields, never
 * from the file's name.
 */
export function isClassifierOutput(records: unknown[]): boolean {
  if (records.length === 0) return false;
  let n = 0;
  for (const r of records) {
    if (!isObj(r)) continue;
    const framed = 'episode_index' in r && 'frame_index' in r;
    const scores = Array.isArray(r.probs) || Array.isArray(r.logits);
    // a `label` that is a class id beside a `pred` that is one: a classifier's output, whatever else the record holds
    const classIds = Number.isInteger(r.label) && (r.label as number) >= 0 && Number.isInteger(r.pred) && (r.pred as number) >= 0;
    if ((framed && ('pred' in r || scores)) || (scores && ('label' in r || 'pred' in r)) || classIds) n++;
  }
  return n > records.length / 2;
}

/** Scores every record of a prediction file. `lines[i]` is record i's 0-based line, when known. */
export function predictionMetrics(records: unknown[], opts: MetricOptions = {}, lines?: number[]): PredictionMetrics {
  const task = opts.task ?? 'predictions';
  const hint = opts.task ?? '';
  const thresholds = opts.thresholds ?? [0.1, 0.5];
  const samples: SampleResult[] = [];

  // 1. each sample's kind, from the shape of its reference (or the override); a classifier's
  //    output (class ids per episode frame, or class probabilities) is class ids throughout
  const classifier = !opts.kind && isClassifierOutput(records);
  const planned: Array<Planned | undefined> = records.map((rec) => {
    const d = describe(rec, opts.formats);
    const f = predictionFields(rec, opts.formats, d);
    if (!f) return undefined;
    const ref = referenceKind(f.gtValue, hint);
    let kind = opts.kind ?? (classifier ? 'class' : ref.kind);
    if (!opts.kind && kind === 'box' && d.tasks?.includes('point-in-box')) kind = 'point-in-box';
    return { f, ref, kind, convention: d.convention };
  });
  // boxes answered with points are GUI grounding (point in box), decided per file from the predictions
  if (!opts.kind) {
    const boxes = planned.filter((p): p is Planned => p?.kind === 'box');
    const pointPreds = boxes.filter((p) => {
      const g = geometryOf(p.f.predValue, p.f.pred, 'point', hint, 'pred');
      const b = geometryOfValue(p.f.predValue, 'box') ?? (typeof p.f.predValue === 'string' ? firstOf(shapesFromText(answerText(p.f.pred).text, { role: 'pred', hint }).shapes, 'box') : undefined);
      return g !== undefined && !Array.isArray(g[0]) && !b;
    }).length;
    if (boxes.length > 0 && pointPreds > boxes.length / 2) for (const p of boxes) p.kind = 'point-in-box';
  }

  // the convention: given, else the one every record's format fixes (ScreenSpot pixels, a user format's), else pixels
  const fixed = new Set(planned.map((p) => p?.convention));
  const formatConv = fixed.size === 1 ? [...fixed][0] : undefined;
  const predConv = opts.convention ?? formatConv ?? 'pixel';
  const gtConv = opts.gtConvention ?? predConv;
  const state: ScoreState = { noSize: 0, badPredBoxes: 0, resampled: 0, lengthMismatch: 0, unparsed: new Set() };

  for (const [index, p] of planned.entries()) {
    if (!p) {
      samples.push({ index, line: lines?.[index], kind: opts.kind ?? 'text', metrics: {}, predText: '', gtText: '', note: 'unscorable: not a prediction record (no prediction or reference field)' });
      continue;
    }
    const { f } = p;
    const s: SampleResult = { index, line: lines?.[index], id: f.id, kind: p.kind ?? 'text', metrics: {}, predText: f.pred, gtText: f.gt, imagePath: f.imagePath };
    samples.push(s);
    if (!p.kind) {
      s.note = `unscorable: ${p.ref.unscorable ?? 'the reference has no readable answer'}`;
      continue;
    }
    if (!f.predKey) {
      s.note = 'unscorable: the record has no prediction field';
      s.kind = p.kind;
      continue;
    }
    scoreSample(s, p, opts, predConv, gtConv, state);
  }

  // 2. aggregates: one per kind; the headline is the kind with the most samples
  const kinds = [...new Set(samples.map((s) => s.kind))];
  const unscorable = (s: SampleResult) => s.score === undefined && (s.note?.startsWith('unscorable') ?? false);
  const unparsed = (s: SampleResult) => state.unparsed.has(s);
  const groups = kinds.map((k) => aggregateOf(samples.filter((s) => s.kind === k), k, task, thresholds, predConv, unscorable, unparsed, opts.ordinal));
  groups.sort((a, b) => b.samples - a.samples);
  const head = groups[0] ?? aggregateOf([], opts.kind ?? 'text', task, thresholds, predConv, unscorable, unparsed);
  const notes: string[] = [];
  if (state.noSize > 0) notes.push(`${state.noSize} sample(s) have no image size for converting ${predConv} to pixels; pass the eval input (--dataset) so they can be joined by id`);
  if (state.badPredBoxes > 0) notes.push(`${state.badPredBoxes} predicted box(es) are inverted, zero-area or not finite (scored IoU 0; see each sample's note)`);
  if (state.resampled > 0) notes.push(`${state.resampled} trajectory sample(s) longer than ${MAX_TRAJECTORY_POINTS} points were resampled to ${MAX_TRAJECTORY_POINTS} (evenly along their points, ends kept) before scoring`);
  if (state.lengthMismatch > 0) notes.push(`${state.lengthMismatch} trajectory sample(s) have a different number of waypoints than their reference: no ADE / FDE for them`);
  const fieldsSeen = new Map<string, number>();
  for (const p of planned) {
    if (!p) continue;
    const key = `${p.f.format}: prediction ${p.f.predKey ?? '(none)'}, reference ${p.f.gtKey ?? '(none)'}`;
    fieldsSeen.set(key, (fieldsSeen.get(key) ?? 0) + 1);
  }
  const mapping = [...fieldsSeen].map(([k, n]) => `${k} (${n})`).join('; ');
  head.decision = opts.kind
    ? `every sample scored as ${KIND_WORDS[opts.kind]} (given); fields: ${mapping || 'none found'}`
    : `kinds read from the references: ${groups.map((g) => `${g.samples} ${KIND_WORDS[g.kind]}`).join(', ')}; fields: ${mapping || 'none found'}`;
  if (groups.length > 1) {
    head.groups = groups;
    notes.push(`the file mixes ${groups.length} kinds of answers; these numbers are for the ${head.samples} ${KIND_WORDS[head.kind]}; each kind's own numbers are in its group`);
  }
  // the headline counts every sample of the file
  const aggregate: MetricAggregate = { ...head, samples: samples.length, unscored: samples.filter(unscorable).length, unparsed: state.unparsed.size, notes: groups.length > 1 ? notes : [...head.notes, ...notes] };
  if (planned.every((p) => !p)) aggregate.notes.push('no record has a prediction or reference field (looked for pred, prediction, model_output, response, filtered_resps, answer; gt, gt_answer, ground_truth, target, label, solution, answer, or the fields of a known format)');
  return { aggregate, samples };
}

function scoreSample(s: SampleResult, p: Planned, opts: MetricOptions, predConv: Convention, gtConv: Convention, state: ScoreState): void {
  const { f } = p;
  const kind = p.kind as TaskKind;
  const empty = !answerText(f.pred).text.trim();
  if (kind === 'choice' || kind === 'text') {
    const gtTexts = Array.isArray(f.gtValue) && f.gtValue.every((x) => typeof x === 'string') ? (f.gtValue) : [typeof f.gtValue === 'boolean' ? (f.gtValue ? 'yes' : 'no') : f.gt];
    const pred = answerText(f.pred).text;
    const ok = kind === 'choice' ? gtTexts.some((g) => choiceCorrect(f.pred, g)) : !empty && gtTexts.some((g) => normalizeText(pred) === normalizeText(answerText(g).text));
    s.score = ok ? 1 : 0;
    s.metrics[kind === 'choice' ? 'accuracy' : 'exact_match'] = s.score;
    if (empty) {
      s.note = 'empty prediction (counted wrong)';
      state.unparsed.add(s);
    }
    return;
  }
  if (kind === 'multi-select') {
    const g = letterSet(f.gt) ?? new Set<string>();
    const pr = letterSet(f.pred) ?? (normalizeAnswer(f.pred).length === 1 ? new Set([normalizeAnswer(f.pred).toUpperCase()]) : undefined);
    s.score = pr && pr.size === g.size && [...pr].every((x) => g.has(x)) ? 1 : 0;
    s.metrics.accuracy = s.score;
    if (!pr) {
      s.note = empty ? 'empty prediction (counted wrong)' : 'no option letters in the prediction (counted wrong)';
      state.unparsed.add(s);
    }
    return;
  }
  if (kind === 'class') {
    const g = classId(f.gtValue);
    const pr = classId(f.predValue) ?? classId(f.pred);
    if (g === undefined) {
      s.note = f.gtKey ? `unscorable: the label ${JSON.stringify(f.gtValue)} is not a class id` : 'unscorable: no label (give the LeRobot dataset the frames come from, and their labels are taken from it)';
      return;
    }
    s.gtClass = g;
    if (pr === undefined) {
      s.score = 0;
      s.metrics.accuracy = 0;
      s.note = empty ? 'empty prediction (counted wrong)' : 'the prediction is not a class id (counted wrong)';
      state.unparsed.add(s);
      return;
    }
    s.predClass = pr;
    s.score = pr === g ? 1 : 0;
    s.metrics.accuracy = s.score;
    return;
  }
  if (kind === 'numeric') {
    const g = typeof f.gtValue === 'number' ? f.gtValue : numberOf(f.gt);
    const pr = typeof f.predValue === 'number' ? f.predValue : predictedNumber(f.pred);
    if (g === undefined) {
      s.score = undefined;
      s.note = 'unscorable: the reference is not a number';
      return;
    }
    s.score = pr !== undefined && Math.abs(pr - g) <= 1e-9 * Math.max(1, Math.abs(g)) ? 1 : 0;
    s.metrics.accuracy = s.score;
    if (pr === undefined) {
      s.note = empty ? 'empty prediction (counted wrong)' : 'no single number in the prediction (counted wrong)';
      state.unparsed.add(s);
    }
    return;
  }
  const geomKind = kind === 'point-in-box' ? 'box' : kind;
  let gt = geometryOf(f.gtValue, f.gt, geomKind, opts.task, 'gt');
  let pred = geometryOf(f.predValue, f.pred, kind === 'point-in-box' ? 'point' : kind, opts.task, 'pred');
  if (!gt) {
    s.note = `unscorable: the reference has no readable ${geomKind}`;
    return;
  }
  if (Array.isArray(pred) && kind === 'point-in-box' && Array.isArray(pred[0])) pred = pred[0];
  const ego = p.ref.ego === true && kind === 'trajectory';
  const facts = f.id !== undefined ? opts.inputs?.get(f.id) : undefined;
  if (!ego && (predConv !== 'pixel' || gtConv !== 'pixel')) {
    const image = facts?.image ?? f.size;
    if (!image) {
      state.noSize++;
      s.note = `unscorable: no image size for ${predConv} → pixels (join the eval input with --dataset)`;
      return;
    }
    const ctx: ConversionContext = { image, resized: facts?.resized, qwenMinPixels: opts.qwenMinPixels, qwenMaxPixels: opts.qwenMaxPixels };
    const ps = scaleFor(predConv, ctx);
    const gs = scaleFor(gtConv, ctx);
    if ('error' in ps || 'error' in gs) {
      s.note = `unscorable: ${'error' in ps ? ps.error : 'error' in gs ? gs.error : ''}`;
      return;
    }
    gt = scaled(gt, gs);
    if (pred) pred = scaled(pred, ps);
  }
  s.gt = gt;
  s.pred = pred;
  if (kind === 'box' || kind === 'point-in-box') {
    const gtBad = gt.length < 4 || Array.isArray(gt[0]) ? 'it is not four numbers' : boxProblem(gt as Box);
    if (gtBad) {
      s.note = `unscorable: the gt box cannot be scored: ${gtBad}`;
      return;
    }
    if (kind === 'point-in-box') {
      if (!pred || pred.length < 2 || Array.isArray(pred[0])) {
        s.score = 0;
        s.note = 'no point in the prediction (a miss)';
        state.unparsed.add(s);
      } else {
        const [x, y] = pred as number[];
        const b = gt as Box;
        s.score = x >= b[0] && x <= b[2] && y >= b[1] && y <= b[3] ? 1 : 0;
      }
      s.metrics.hit = s.score;
      return;
    }
    if (!pred || pred.length < 4 || Array.isArray(pred[0])) {
      s.note = 'no box in the prediction (IoU 0)';
      s.score = 0;
      state.unparsed.add(s);
    } else {
      const predBad = boxProblem(pred as Box);
      s.score = predBad ? 0 : iou(pred as Box, gt as Box);
      if (predBad) {
        state.badPredBoxes++;
        s.note = `the predicted box ${predBad} (IoU 0)`;
      }
    }
    s.metrics.iou = s.score;
    return;
  }
  const asPts = (v: number[] | number[][]): Pt[] => (Array.isArray(v[0]) ? (v as number[][]).map((q) => [q[0], q[1]] as Pt) : [[(v as number[])[0], (v as number[])[1]]]);
  if (!pred) {
    s.note = kind === 'point' ? 'no point in the prediction (left out of the means)' : 'no trajectory in the prediction (left out of the means)';
    state.unparsed.add(s);
    return;
  }
  const gtPts = asPts(gt);
  if (gtPts.some((q) => !Number.isFinite(q[0]) || !Number.isFinite(q[1]))) {
    s.note = 'unscorable: the gt has a coordinate that is not a finite number';
    return;
  }
  const predPts = asPts(pred);
  if (predPts.some((q) => !Number.isFinite(q[0]) || !Number.isFinite(q[1]))) {
    s.note = 'the prediction has a coordinate that is not a finite number (left out of the means)';
    state.unparsed.add(s);
    return;
  }
  // any one sample is scored in bounded time: long trajectories are resampled, and said
  const ba = boundTrajectory(predPts);
  const bb = boundTrajectory(gtPts);
  const a = ba.points;
  const b = bb.points;
  if (ba.from || bb.from) {
    state.resampled++;
    s.note = `resampled to ${MAX_TRAJECTORY_POINTS} points for scoring (${[ba.from ? `prediction ${ba.from}` : '', bb.from ? `gt ${bb.from}` : ''].filter(Boolean).join(', ')} points)`;
  }
  if (kind === 'point') {
    s.score = dist(a[0], b[0]);
    s.metrics.distance = s.score;
    const r = rmse(a, b);
    if (r !== undefined) s.metrics.rmse = r;
    return;
  }
  s.score = dtw(a, b);
  s.metrics.dtw = s.score;
  s.metrics.frechet = frechet(a, b);
  s.metrics.hausdorff = hausdorff(a, b);
  const r = rmse(a, b);
  if (r !== undefined) s.metrics.rmse = r;
  const e = endpointDistance(a, b);
  if (e !== undefined) s.metrics.endpoint = e;
  if (ego) {
    const dsp = displacement(predPts, gtPts);
    if (dsp) {
      s.metrics.ade = dsp.ade;
      s.metrics.fde = dsp.fde;
    } else state.lengthMismatch++;
  }
}

function aggregateOf(samples: SampleResult[], kind: TaskKind, task: string, thresholds: number[], predConv: Convention, unscorable: (s: SampleResult) => boolean, isUnparsed: (s: SampleResult) => boolean, ordinal = false): MetricAggregate {
  const scored = samples.filter((s) => s.score !== undefined && Number.isFinite(s.score));
  const unscored = samples.filter(unscorable).length;
  const unparsed = samples.filter(isUnparsed).length;
  const metrics: Record<string, number> = {};
  const avgOf = (k: string) => mean(samples.flatMap((s) => (s.metrics[k] !== undefined && Number.isFinite(s.metrics[k]) ? [s.metrics[k]] : [])));
  let primary: string;
  let higherIsBetter = true;
  let unit: MetricAggregate['unit'];
  let classification: ClassificationReport | undefined;
  const notes: string[] = [];
  if (scored.length > 0) {
    if (kind === 'box') {
      primary = 'mean_iou';
      metrics.mean_iou = mean(scored.map((s) => s.score as number));
      for (const t of thresholds) metrics[`acc@iou>${t}`] = scored.filter((s) => (s.score as number) > t).length / scored.length;
    } else if (kind === 'trajectory') {
      primary = 'mean_dtw';
      higherIsBetter = false;
      metrics.mean_dtw = avgOf('dtw');
      metrics.mean_frechet = avgOf('frechet');
      metrics.mean_hausdorff = avgOf('hausdorff');
      const r = avgOf('rmse');
      if (!Number.isNaN(r)) metrics.mean_rmse = r;
      metrics.mean_endpoint = avgOf('endpoint');
      const ade = avgOf('ade');
      if (!Number.isNaN(ade)) {
        metrics.ade = ade;
        metrics.fde = avgOf('fde');
        unit = 'm';
      } else unit = 'px';
    } else if (kind === 'point') {
      primary = 'mean_distance';
      higherIsBetter = false;
      unit = 'px';
      metrics.mean_distance = avgOf('distance');
      const r = avgOf('rmse');
      if (!Number.isNaN(r)) metrics.mean_rmse = r;
    } else if (kind === 'class') {
      primary = 'accuracy';
      const pairs = scored.flatMap((s) => (s.predClass !== undefined && s.gtClass !== undefined ? [{ pred: s.predClass, label: s.gtClass }] : []));
      classification = classificationReport(pairs, { ordinal });
      metrics.accuracy = mean(scored.map((s) => s.score as number));
      if (classification.macroF1 !== undefined) metrics.macro_f1 = classification.macroF1;
      if (ordinal && pairs.length > 0) metrics['off_by_one'] = classification.offByOne as number;
      if (pairs.length < scored.length) notes.push(`${scored.length - pairs.length} prediction(s) are not class ids: counted wrong in the accuracy, not in the confusion matrix`);
    } else {
      primary = kind === 'text' ? 'exact_match' : 'accuracy';
      metrics[primary] = mean(scored.map((s) => s.score as number));
    }
  } else {
    primary = kind === 'box' ? 'mean_iou' : kind === 'trajectory' ? 'mean_dtw' : kind === 'point' ? 'mean_distance' : kind === 'text' ? 'exact_match' : 'accuracy';
    higherIsBetter = kind !== 'trajectory' && kind !== 'point';
    if (samples.length > 0) notes.push(`none of the ${samples.length} ${KIND_WORDS[kind]} sample(s) could be scored: no number is given (see each sample's note)`);
  }
  if (unscored > 0 && scored.length > 0) notes.push(`${unscored} sample(s) are unscorable and left out (see each sample's note)`);
  if (unparsed > 0) notes.push(`${unparsed} prediction(s) had no readable ${kind}${kind === 'box' ? ' (scored IoU 0)' : kind === 'point' || kind === 'trajectory' ? ' (left out of the means)' : ' (counted wrong)'}`);
  return {
    task,
    kind,
    samples: samples.length,
    unscored,
    unparsed,
    metrics,
    primary,
    higherIsBetter,
    convention: kind === 'box' || kind === 'point' || kind === 'point-in-box' || (kind === 'trajectory' && unit !== 'm') ? predConv : undefined,
    unit,
    notes,
    classification,
  };
}
