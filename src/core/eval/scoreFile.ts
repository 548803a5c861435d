/**
 * Scores a prediction file on disk: reads it (and the eval input it is joined to by id),
 * computes the per-sample and aggregate metrics. Shared by the CLI (`vlm-lens metrics`) and
 * the eval runner, so both say the same numbers.
 */
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { taskOfFile } from './logParse';
import { readPredictionText } from './predictionFile';
import { classOfScores } from './classification';
import { leRobotRootOf, openLeRobot, type LeRobotDataset } from '../lerobot/dataset';
import { frameLabels } from '../lerobot/frames';
import { inputFacts, isClassifierOutput, predictionMetrics, type MetricOptions, type PredictionMetrics } from './predictionMetrics';

export interface ScoreOptions extends Omit<MetricOptions, 'inputs'> {
  /** the eval input (JSON array or JSONL) to join by id for image sizes */
  dataset?: string;
}

export interface ScoredFile extends PredictionMetrics {
  file: string;
  /** the records were the list under this key of a top-level object */
  listKey?: string;
  /** numbers the file states about itself (an R1-V `accuracy`, ScreenSpot `metrics`) */
  stated?: Record<string, number>;
  /** problems reading the files (broken lines, an invalid array), said, not fatal */
  problems: string[];
}

export async function scorePredictionFile(file: string, opts: ScoreOptions = {}): Promise<ScoredFile> {
  const preds = readPredictionText(await readFile(file, 'utf8'));
  const problems = [...preds.problems];
  let inputs: MetricOptions['inputs'];
  const classNotes: string[] = [];
  const lerobot = opts.dataset ? await leRobotRootOf(opts.dataset) : undefined;
  if ((opts.kind === 'class' || (!opts.kind && isClassifierOutput(preds.records))) && (lerobot || preds.records.some(needsPred))) {
    const r = await prepareClassifierRecords(preds.records, lerobot);
    classNotes.push(...r.notes);
    problems.push(...r.problems);
    if (r.ordinal && opts.ordinal === undefined) opts = { ...opts, ordinal: true };
  } else if (opts.dataset && !lerobot) {
    const d = readPredictionText(await readFile(opts.dataset, 'utf8'));
    problems.push(...d.problems.map((p) => `${basename(opts.dataset ?? '')}: ${p}`));
    inputs = inputFacts(d.records);
  }
  const task = opts.task ?? taskOfFile(file);
  const m = predictionMetrics(preds.records, { ...opts, task, inputs }, preds.lines);
  m.aggregate.notes.push(...classNotes);
  if (preds.unparsable > 0) {
    // lines that are not records are samples that could not be scored: counted, never dropped
    m.aggregate.unparsableLines = preds.unparsable;
    m.aggregate.notes.push(`${preds.unparsable} line(s) of the file could not be parsed and are not in the samples`);
  }
  const stated = statedNumbers(preds.stated);
  if (preds.listKey) m.aggregate.notes.push(`records read from the "${preds.listKey}" list of the file's top-level object`);
  if (stated) {
    const mine = m.aggregate.metrics[m.aggregate.primary];
    for (const [k, v] of Object.entries(stated)) {
      if (!/acc|accuracy|score/i.test(k)) continue;
      const agrees = mine !== undefined && (Math.abs(v - mine) < 1e-6 || Math.abs(v - mine * 100) < 1e-4);
      m.aggregate.notes.push(`the file states ${k} = ${v}; VLM Lens computes ${m.aggregate.primary} = ${mine === undefined ? 'nothing (not scorable)' : mine}${mine === undefined ? '' : agrees ? ' (they agree)' : ' (they differ: see the samples)'}`);
    }
  }
  return { file, problems, listKey: preds.listKey, stated, ...m };
}

/** Top-level numbers of a result document (one level of nesting: `metrics.accuracy`). */
function statedNumbers(o: Record<string, unknown> | undefined): Record<string, number> | undefined {
  if (!o) return undefined;
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(o)) {
    if (typeof v === 'number' && Number.isFinite(v)) out[k] = v;
    else if (v && typeof v === 'object' && !Array.isArray(v)) for (const [k2, v2] of Object.entries(v)) if (typeof v2 === 'number' && Number.isFinite(v2)) out[`${k}.${k2}`] = v2;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

const isRec = (r: unknown): r is Record<string, unknown> => !!r && typeof r === 'object' && !Array.isArray(r);
const needsPred = (r: unknown): boolean => isRec(r) && r.pred === undefined && (Array.isArray(r.probs) || Array.isArray(r.logits));

/**
 * A classifier's records made ready to score: a missing `pred` is the argmax of its `probs` (or
 * `logits`); a missing `label` is the frame's label (its `reward_bins` argmax) in the LeRobot
 * dataset `dataset` (its folder, or the dataset already open), looked up by `episode_index` and
 * `frame_index`. Records are changed in place; what was taken from where is said in the notes.
 */
export async function prepareClassifierRecords(records: unknown[], dataset: string | LeRobotDataset | undefined): Promise<{ notes: string[]; problems: string[]; ordinal: boolean }> {
  const notes: string[] = [];
  const problems: string[] = [];
  let fromProbs = 0;
  for (const r of records) {
    if (!needsPred(r)) continue;
    const rec = r as Record<string, unknown>;
    const c = classOfScores(rec.probs ?? rec.logits);
    if (c !== undefined) {
      rec.pred = c;
      fromProbs++;
    }
  }
  if (fromProbs) notes.push(`${fromProbs} prediction(s) taken as the argmax of their probs / logits`);
  const wanting = records.filter((r) => isRec(r) && r.label === undefined && typeof r.episode_index === 'number' && typeof r.frame_index === 'number') as Record<string, unknown>[];
  if (!dataset || wanting.length === 0) return { notes, problems, ordinal: false };
  // a dataset the caller has open already is not read again
  const ds = typeof dataset === 'string' ? await openLeRobot(dataset) : dataset;
  const byEpisode = new Map<number, Record<string, unknown>[]>();
  for (const r of wanting) {
    const list = byEpisode.get(r.episode_index as number);
    if (list) list.push(r);
    else byEpisode.set(r.episode_index as number, [r]);
  }
  const episodeOf = new Map(ds.episodes.map((e) => [e.index, e]));
  // the labels of every episode wanted: one query over their data files
  const labels = await frameLabels(ds, byEpisode.keys());
  if (!labels) {
    problems.push(`the dataset ${ds.name} has no frame labels (no reward_bins or label feature)`);
    notes.push(`${wanting.length} prediction(s) have no label in the dataset (frame not found): unscorable`);
    return { notes, problems, ordinal: false };
  }
  problems.push(...labels.problems);
  const ordinal = labels.rule === 'argmax';
  let taken = 0;
  for (const [index, recs] of byEpisode) {
    const ep = episodeOf.get(index);
    if (!ep) problems.push(`episode ${index} is not in the dataset ${ds.name}: its ${recs.length} prediction(s) have no label`);
    else if (!ep.dataFile || !ep.dataExists) problems.push(`episode ${index}: ${ep.dataFile ? `its data file ${ep.dataFile} is missing` : 'it has no data file'}: its ${recs.length} prediction(s) have no label`);
    else {
      const frames = labels.byEpisode.get(index);
      for (const r of recs) {
        const label = frames?.get(r.frame_index as number) ?? -1;
        if (label >= 0) {
          r.label = label;
          taken++;
        }
      }
    }
  }
  if (taken) notes.push(`${taken} label(s) taken from the dataset ${ds.name} (${labels.key}${ordinal ? ', the argmax of its bins' : ''})`);
  if (taken < wanting.length) notes.push(`${wanting.length - taken} prediction(s) have no label in the dataset (frame not found): unscorable`);
  return { notes, problems, ordinal };
}
