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
  return { file, problems, ...m };
}
