/**
 * Metrics computed by VLM Lens itself from a prediction file (RoboInter `eval_details_*.json`
 * `{id, pred, gt, image_path}`, lmms-eval samples, any `{pred|prediction|answer, gt|target}`
 * records), because real eval scripts often write predictions and no metrics. Each sample's
 * pred and gt are read with the overlay parsers, converted to original-image pixels with the
 * chosen convention (joined to the eval input by id for w/h/new_w/new_h), and scored:
 * boxes → IoU; points → distance; trajectories → DTW, discrete Fréchet, Hausdorff, RMSE,
 * endpoint distance; choices → normalized accuracy (an empty prediction is wrong); text →
 * exact match. Pure.
 */
import { scaleFor, type ConversionContext } from '../geometry/conventions';
import { boxProblem, boundTrajectory, dist, dtw, endpointDistance, frechet, hausdorff, iou, rmse, MAX_TRAJECTORY_POINTS, type Box, type Pt } from '../geometry/metrics';
import { shapesFromText } from '../geometry/parseText';
import type { Convention, RawShape, Size } from '../geometry/types';

export type TaskKind = 'box' | 'point' | 'trajectory' | 'choice' | 'text';

/** What the task name says about the answers (RoboInter names; otherwise guessed from the gt). */
export function taskKindOf(task: string | undefined): TaskKind | undefined {
  const t = (task ?? '').toLowerCase();
  if (!t) return undefined;
  if (/choice|decide|yes_no|yesno|mcq|multiple/.test(t)) return 'choice';
  if (/traj|trace|waypoint/.test(t)) return 'trajectory';
  if (/box|bbox|det|grounding|refcoco|roborefit/.test(t)) return 'box';
  if (/point|where2place|affordance/.test(t)) return 'point';
  if (/qa|caption|lang|planning/.test(t)) return 'text';
  return undefined;
}

/** Text the model produced: after the last `assistant\n` of a decoded chat (RoboInter keeps the prompt). */
export function stripChatPrefix(pred: string): string {
  const i = pred.lastIndexOf('assistant\n');
  return i >= 0 ? pred.slice(i + 'assistant\n'.length) : pred;
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
    if (!r || typeof r !== 'object') continue;
    const o = r as Record<string, unknown>;
    const id = typeof o.id === 'string' || typeof o.id === 'number' ? String(o.id) : undefined;
    if (id === undefined) continue;
    const num = (v: unknown) => (typeof v === 'number' && v > 0 ? v : undefined);
    const f: EvalInputFacts = {};
    const w = num(o.w) ?? num(o.width);
    const h = num(o.h) ?? num(o.height);
    if (w && h) f.image = { width: w, height: h };
    else if (Array.isArray(o.image_size) && num(o.image_size[0]) && num(o.image_size[1])) f.image = { width: o.image_size[0] as number, height: o.image_size[1] as number };
    if (num(o.new_w) && num(o.new_h)) f.resized = { width: o.new_w as number, height: o.new_h as number };
    if (typeof o.task === 'string') f.task = o.task;
    out.set(id, f);
  }
  return out;
}

export interface MetricOptions {
  /** the task (file) name, e.g. contact_box; decides how answers are read */
  task?: string;
  /** convention of the predictions; the gt's is `gtConvention` (default the same) */
  convention?: Convention;
  gtConvention?: Convention;
  inputs?: Map<string, EvalInputFacts>;
  /** IoU thresholds for Acc@IoU (default 0.1 and 0.5, as RoboInter reports > 0.1) */
  thresholds?: number[];
  qwenMinPixels?: number;
  qwenMaxPixels?: number;
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
}

export interface MetricAggregate {
  task: string;
  kind: TaskKind;
  samples: number;
  /** samples that could not be scored (unparseable gt, no image size for the convention) */
  unscored: number;
  /** samples whose prediction could not be parsed (scored as a miss: IoU 0, wrong) */
  unparsed: number;
  /** lines of the prediction file that are not JSON (not among the samples) */
  unparsableLines?: number;
  metrics: Record<string, number>;
  /** higher is better for the primary score */
  higherIsBetter: boolean;
  primary: string;
  convention?: Convention;
  notes: string[];
}

export interface PredictionMetrics {
  aggregate: MetricAggregate;
  samples: SampleResult[];
}

const str = (v: unknown): string => (typeof v === 'string' ? v : v === undefined || v === null ? '' : JSON.stringify(v));

/** The pred / gt / id fields of one prediction record, whatever the tool that wrote it. */
export function predictionFields(rec: unknown): { id?: string; pred: string; gt: string; imagePath?: string } | undefined {
  if (!rec || typeof rec !== 'object' || Array.isArray(rec)) return undefined;
  const o = rec as Record<string, unknown>;
  const predRaw = o.pred ?? o.prediction ?? o.filtered_resps ?? o.response ?? o.output ?? o.answer_pred;
  const gtRaw = o.gt ?? o.target ?? o.ground_truth ?? o.answer ?? o.label;
  if (predRaw === undefined && gtRaw === undefined) return undefined;
  const idRaw = o.id ?? o.doc_id ?? o.question_id ?? o.index;
  const predText = Array.isArray(predRaw) && predRaw.length > 0 && typeof predRaw[0] === 'string' ? predRaw[0] : str(predRaw);
  const image = o.image_path ?? o.image ?? o.images;
  return {
    id: typeof idRaw === 'string' || typeof idRaw === 'number' ? String(idRaw) : undefined,
    pred: stripChatPrefix(predText),
    gt: str(gtRaw),
    imagePath: typeof image === 'string' ? image : Array.isArray(image) && typeof image[0] === 'string' ? image[0] : undefined,
  };
}

function firstOf(shapes: RawShape[], kind: RawShape['kind']): RawShape | undefined {
  return shapes.find((s) => s.kind === kind);
}

/** The first `n` numbers of a text (generation.py's last resort for boxes). */
function numbersIn(text: string): number[] {
  return [...text.matchAll(/[-+]?(?:\d+\.?\d*|\.\d+)/g)].map((m) => Number(m[0]));
}

/** A bare JSON list of [x, y] pairs (the usual trajectory answer), read without the text parsers: long ones stay fast. */
function bareTrajectory(text: string): number[][] | undefined {
  const t = text.trim();
  if (!t.startsWith('[[') || !t.endsWith(']]')) return undefined;
  try {
    const v = JSON.parse(t) as unknown;
    if (Array.isArray(v) && v.length >= 2 && v.every((p) => Array.isArray(p) && p.length === 2 && typeof p[0] === 'number' && typeof p[1] === 'number')) return v as number[][];
  } catch {
    /* not plain JSON: the text parsers read it */
  }
  return undefined;
}

function geometryOf(text: string, kind: 'box' | 'point' | 'trajectory', task: string | undefined): number[] | number[][] | undefined {
  if (kind === 'trajectory') {
    const bare = bareTrajectory(text);
    if (bare) return bare;
  }
  const { shapes } = shapesFromText(text, { role: 'pred', hint: task ?? kind });
  if (kind === 'box') {
    const b = firstOf(shapes, 'box');
    if (b) {
      const v = b.values as number[];
      return b.xywh ? [v[0], v[1], v[0] + v[2], v[1] + v[3]] : v;
    }
    const nums = numbersIn(text);
    return nums.length >= 4 ? nums.slice(0, 4) : undefined;
  }
  if (kind === 'point') {
    const pts = shapes.filter((s) => s.kind === 'point').map((s) => s.values as number[]);
    if (pts.length > 0) return pts.length === 1 ? pts[0] : pts;
    const nums = numbersIn(text);
    return nums.length >= 2 ? nums.slice(0, 2) : undefined;
  }
  const t = firstOf(shapes, 'trajectory');
  if (t) return t.values;
  const pts = shapes.filter((s) => s.kind === 'point').map((s) => s.values as number[]);
  if (pts.length >= 2) return pts;
  const nums = numbersIn(text);
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

/** Normalized choice / yes-no answer: the option letter, yes/no, or the trimmed lower-case text. */
export function normalizeAnswer(text: string): string {
  let t = text.trim().replace(/^<answer>|<\/answer>$/g, '').trim();
  const said = /(?:answer|option|choice)\s*(?:is|:)\s*\(?([A-Z])\)?(?![a-z])/i.exec(t);
  if (said) return said[1].toLowerCase();
  const letter = /^\(?([A-Z])(?:[).:]|\s*$)/.exec(t);
  if (letter) return letter[1].toLowerCase();
  t = t.toLowerCase().replace(/[\s.!。]+$/g, '');
  if (/^(yes|true|是)\b/.test(t)) return 'yes';
  if (/^(no|false|否|不是)\b/.test(t)) return 'no';
  return t.replace(/\s+/g, ' ');
}

/** Text for exact match: trimmed, whitespace runs as one space, lower case. */
const normalizeText = (t: string) => t.trim().replace(/\s+/g, ' ').toLowerCase();

function choiceCorrect(pred: string, gt: string): boolean {
  const p = normalizeAnswer(pred);
  const g = normalizeAnswer(gt);
  if (!p) return false; // an empty prediction is wrong (generation.py counts it right)
  if (p === g) return true;
  // a longer answer that ends with the gt option ("… so the answer is B" is caught above)
  return g.length > 1 && p.slice(-100).includes(g);
}

const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);

/** Guesses the kind of a task from its gt texts, when the name does not say. */
function guessKind(gts: string[]): TaskKind {
  let box = 0;
  let traj = 0;
  let point = 0;
  let choice = 0;
  for (const g of gts.slice(0, 50)) {
    const { shapes } = shapesFromText(g, { role: 'gt' });
    if (shapes.some((s) => s.kind === 'trajectory')) traj++;
    else if (shapes.some((s) => s.kind === 'box')) box++;
    else if (shapes.some((s) => s.kind === 'point')) point++;
    else if (/^\(?[A-Z]\)?\.?$|^(yes|no)\.?$/i.test(g.trim())) choice++;
  }
  const best = Math.max(box, traj, point, choice);
  if (best === 0) return 'text';
  return best === traj ? 'trajectory' : best === box ? 'box' : best === point ? 'point' : 'choice';
}

/** Scores every record of a prediction file. `lines[i]` is record i's 0-based line, when known. */
export function predictionMetrics(records: unknown[], opts: MetricOptions = {}, lines?: number[]): PredictionMetrics {
  const fields = records.map(predictionFields);
  const task = opts.task ?? 'predictions';
  const kind = taskKindOf(opts.task) ?? guessKind(fields.flatMap((f) => (f ? [f.gt] : [])));
  const thresholds = opts.thresholds ?? [0.1, 0.5];
  const notes: string[] = [];
  const samples: SampleResult[] = [];
  let unscored = 0;
  let unparsed = 0;
  let noSize = 0;
  let badPredBoxes = 0;
  let resampled = 0;
  const predConv = opts.convention ?? 'pixel';
  const gtConv = opts.gtConvention ?? predConv;

  for (const [index, f] of fields.entries()) {
    if (!f) {
      unscored++;
      samples.push({ index, line: lines?.[index], kind, metrics: {}, predText: '', gtText: '', note: 'not a prediction record (no pred / gt field)' });
      continue;
    }
    const s: SampleResult = { index, line: lines?.[index], id: f.id, kind, metrics: {}, predText: f.pred, gtText: f.gt, imagePath: f.imagePath };
    samples.push(s);
    if (kind === 'choice' || kind === 'text') {
      const ok = kind === 'choice' ? choiceCorrect(f.pred, f.gt) : normalizeText(f.pred) === normalizeText(f.gt);
      s.score = ok ? 1 : 0;
      s.metrics[kind === 'choice' ? 'accuracy' : 'exact_match'] = s.score;
      if (!f.pred.trim()) s.note = 'empty prediction (counted wrong)';
      continue;
    }
    let gt = geometryOf(f.gt, kind, opts.task);
    let pred = geometryOf(f.pred, kind, opts.task);
    if (!gt) {
      unscored++;
      s.note = 'the gt has no readable geometry';
      continue;
    }
    const facts = f.id !== undefined ? opts.inputs?.get(f.id) : undefined;
    if (predConv !== 'pixel' || gtConv !== 'pixel') {
      const image = facts?.image;
      if (!image) {
        noSize++;
        unscored++;
        s.note = `no image size for ${predConv} → pixels (join the eval input with --dataset)`;
        continue;
      }
      const ctx: ConversionContext = { image, resized: facts?.resized, qwenMinPixels: opts.qwenMinPixels, qwenMaxPixels: opts.qwenMaxPixels };
      const ps = scaleFor(predConv, ctx);
      const gs = scaleFor(gtConv, ctx);
      if ('error' in ps || 'error' in gs) {
        unscored++;
        s.note = 'error' in ps ? ps.error : 'error' in gs ? gs.error : '';
        continue;
      }
      gt = scaled(gt, gs);
      if (pred) pred = scaled(pred, ps);
    }
    s.gt = gt;
    s.pred = pred;
    if (kind === 'box') {
      const gtBad = gt.length < 4 || Array.isArray(gt[0]) ? 'it is not four numbers' : boxProblem(gt as Box);
      if (gtBad) {
        // a score is right or absent: a degenerate reference cannot be scored
        unscored++;
        s.note = `the gt box cannot be scored: ${gtBad}`;
        continue;
      }
      if (!pred || pred.length < 4 || Array.isArray(pred[0])) {
        unparsed++;
        s.note = 'no box in the prediction (IoU 0)';
        s.score = 0;
      } else {
        const predBad = boxProblem(pred as Box);
        s.score = predBad ? 0 : iou(pred as Box, gt as Box);
        if (predBad) {
          badPredBoxes++;
          s.note = `the predicted box ${predBad} (IoU 0)`;
        }
      }
      s.metrics.iou = s.score;
      continue;
    }
    const asPts = (v: number[] | number[][]): Pt[] => (Array.isArray(v[0]) ? (v as number[][]).map((p) => [p[0], p[1]] as Pt) : [[(v as number[])[0], (v as number[])[1]]]);
    if (!pred) {
      unparsed++;
      s.note = kind === 'point' ? 'no point in the prediction' : 'no trajectory in the prediction';
      continue;
    }
    const gtPts = asPts(gt);
    if (gtPts.some((p) => !Number.isFinite(p[0]) || !Number.isFinite(p[1]))) {
      unscored++;
      s.note = 'the gt has a coordinate that is not a finite number';
      continue;
    }
    const predPts = asPts(pred);
    if (predPts.some((p) => !Number.isFinite(p[0]) || !Number.isFinite(p[1]))) {
      unparsed++;
      s.note = 'the prediction has a coordinate that is not a finite number';
      continue;
    }
    // any one sample is scored in bounded time: long trajectories are resampled, and said
    const ba = boundTrajectory(predPts);
    const bb = boundTrajectory(gtPts);
    const a = ba.points;
    const b = bb.points;
    if (ba.from || bb.from) {
      resampled++;
      s.note = `resampled to ${MAX_TRAJECTORY_POINTS} points for scoring (${[ba.from ? `prediction ${ba.from}` : '', bb.from ? `gt ${bb.from}` : ''].filter(Boolean).join(', ')} points)`;
    }
    if (kind === 'point') {
      s.score = dist(a[0], b[0]);
      s.metrics.distance = s.score;
      const r = rmse(a, b);
      if (r !== undefined) s.metrics.rmse = r;
      continue;
    }
    s.score = dtw(a, b);
    s.metrics.dtw = s.score;
    s.metrics.frechet = frechet(a, b);
    s.metrics.hausdorff = hausdorff(a, b);
    const r = rmse(a, b);
    if (r !== undefined) s.metrics.rmse = r;
    const e = endpointDistance(a, b);
    if (e !== undefined) s.metrics.endpoint = e;
  }

  const scored = samples.filter((s) => s.score !== undefined && Number.isFinite(s.score));
  const metrics: Record<string, number> = {};
  const avgOf = (k: string) => mean(samples.flatMap((s) => (s.metrics[k] !== undefined && Number.isFinite(s.metrics[k]) ? [s.metrics[k]] : [])));
  let primary: string;
  let higherIsBetter = true;
  if (kind === 'box') {
    primary = 'mean_iou';
    metrics.mean_iou = mean(scored.map((s) => s.score as number));
    for (const t of thresholds) metrics[`acc@iou>${t}`] = scored.length ? scored.filter((s) => (s.score as number) > t).length / scored.length : NaN;
  } else if (kind === 'trajectory') {
    primary = 'mean_dtw';
    higherIsBetter = false;
    metrics.mean_dtw = avgOf('dtw');
    metrics.mean_frechet = avgOf('frechet');
    metrics.mean_hausdorff = avgOf('hausdorff');
    const r = avgOf('rmse');
    if (!Number.isNaN(r)) metrics.mean_rmse = r;
    metrics.mean_endpoint = avgOf('endpoint');
  } else if (kind === 'point') {
    primary = 'mean_distance';
    higherIsBetter = false;
    metrics.mean_distance = avgOf('distance');
    const r = avgOf('rmse');
    if (!Number.isNaN(r)) metrics.mean_rmse = r;
  } else {
    primary = kind === 'choice' ? 'accuracy' : 'exact_match';
    metrics[primary] = mean(scored.map((s) => s.score as number));
  }
  if (noSize > 0) notes.push(`${noSize} sample(s) have no image size for converting ${predConv} to pixels; pass the eval input (--dataset) so they can be joined by id`);
  if (badPredBoxes > 0) notes.push(`${badPredBoxes} predicted box(es) are inverted, zero-area or not finite (scored IoU 0; see each sample's note)`);
  if (resampled > 0) notes.push(`${resampled} trajectory sample(s) longer than ${MAX_TRAJECTORY_POINTS} points were resampled to ${MAX_TRAJECTORY_POINTS} (evenly along their points, ends kept) before scoring`);
  if (unparsed > 0) notes.push(`${unparsed} prediction(s) had no readable ${kind}${kind === 'box' ? ' (scored IoU 0)' : ' (left out of the means)'}`);
  return {
    aggregate: { task, kind, samples: samples.length, unscored, unparsed, metrics, primary, higherIsBetter, convention: kind === 'choice' || kind === 'text' ? undefined : predConv, notes },
    samples,
  };
}
