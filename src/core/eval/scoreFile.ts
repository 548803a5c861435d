/**
 * Scores a prediction file on disk: reads it (and the eval input it is joined to by id),
 * computes the per-sample and aggregate metrics. Shared by the CLI (`vlm-lens metrics`) and
 * the eval runner, so both say the same numbers.
 */
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { taskOfFile } from './logParse';
import { readPredictionText } from './predictionFile';
import { inputFacts, predictionMetrics, type MetricOptions, type PredictionMetrics } from './predictionMetrics';

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
  if (opts.dataset) {
    const d = readPredictionText(await readFile(opts.dataset, 'utf8'));
    problems.push(...d.problems.map((p) => `${basename(opts.dataset ?? '')}: ${p}`));
    inputs = inputFacts(d.records);
  }
  const task = opts.task ?? taskOfFile(file);
  const m = predictionMetrics(preds.records, { ...opts, task, inputs }, preds.lines);
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
