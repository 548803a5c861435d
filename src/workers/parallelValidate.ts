/**
 * Validates a file on several worker threads at once (one record range each), streaming
 * progress, then merges the parts: duplicates across parts and the whole-file rules.
 * Problems are kept in file order up to the cap; the total counts them all. Used by the
 * extension, the CLI and the benchmark (no vscode import).
 */
import { FileRules, type FileRulesState } from '../core/validate/fileRules';
import { ProblemFlags, type ProblemFlagArrays } from '../core/validate/flags';
import { ProblemFactory, type Problem } from '../core/validate/validator';
import { type IndexSnapshot } from '../core/index/recordIndex';
import { type SchemaLoadProblem } from '../core/validate/schemaSet';
import { type DatasetWorkerClient } from './datasetWorkerClient';
import { type ValidateConfig } from './datasetWorkerProtocol';
import { recordId } from '../core/formats/registry';

export interface ParallelProgress {
  processed: number;
  total: number;
  /** problems found since the previous report (any order across parts) */
  problems: Problem[];
  totalProblems: number;
}

export interface ParallelResult {
  /** kept problems in file order (at most config.maxProblems) */
  problems: Problem[];
  totalProblems: number;
  /** errors among all the problems (also past the cap) */
  totalErrors: number;
  capped: boolean;
  /** records with problems and their rules (all of them, past the cap too) */
  flags: ProblemFlagArrays;
  schemaProblems: SchemaLoadProblem[];
}

/** What a validation run is set up from: the same for the CLI and the editor. */
export type ValidationRunSettings = Omit<ValidateConfig, 'jsonl'> & { indexKind: string };

/** A validation run's configuration, made one way for the CLI and the editor. */
export function validateConfig(s: ValidationRunSettings): ValidateConfig {
  const { indexKind, ...rest } = s;
  return { ...rest, jsonl: indexKind === 'jsonl' };
}

/** A record's id (for a duplicate found across parts), from a reader of its parsed value; undefined when it has none or does not parse. */
export function recordIdReader(read: (record: number) => Promise<unknown>): (record: number) => Promise<string | undefined> {
  return async (k) => {
    try {
      return recordId(await read(k))?.id;
    } catch {
      return undefined;
    }
  };
}

/** Fewer records than this are validated in one part (starting workers costs more). */
export const MIN_RECORDS_PER_PART = 20_000;

export async function validateInParallel(opts: {
  path: string;
  snapshot: IndexSnapshot;
  config: ValidateConfig;
  clients: DatasetWorkerClient[];
  signal?: AbortSignal;
  onProgress?: (p: ParallelProgress) => void;
  /** the id of a record (for a duplicate found across parts) */
  idOf: (record: number) => Promise<string | undefined>;
}): Promise<ParallelResult> {
  const total = opts.snapshot.starts.length;
  const parts = Math.max(1, Math.min(opts.clients.length, Math.floor(total / MIN_RECORDS_PER_PART)));
  const bounds = Array.from({ length: parts + 1 }, (_, i) => Math.round((total * i) / parts));
  const kept: Problem[][] = Array.from({ length: parts }, () => []);
  const processed = new Array<number>(parts).fill(0);
  const partTotals = new Array<number>(parts).fill(0);
  let totalProblems = 0;
  const results = await Promise.all(
    Array.from({ length: parts }, (_, p) =>
      opts.clients[p].validate(opts.path, opts.snapshot, opts.config, { from: bounds[p], to: bounds[p + 1] }, parts > 1, {
        signal: opts.signal,
        onProgress: (u) => {
          processed[p] = u.processed;
          partTotals[p] = u.totalProblems;
          totalProblems = partTotals.reduce((a, b) => a + b, 0);
          kept[p].push(...u.problems);
          opts.onProgress?.({ processed: processed.reduce((a, b) => a + b, 0), total, problems: u.problems, totalProblems });
        },
      }),
    ),
  );
  // each part counted past its own cap; the sum is the file's total
  totalProblems = results.reduce((n, r) => n + r.totalProblems, 0);
  let totalErrors = results.reduce((n, r) => n + r.totalErrors, 0);
  const problems = kept.flat();
  const flags = new ProblemFlags();
  for (const r of results) flags.merge(r.flags);
  if (parts > 1) {
    const merged = await FileRules.merge(new ProblemFactory(opts.config.severities), results.map((r) => r.state as FileRulesState), opts.idOf);
    totalProblems += merged.length;
    for (const p of merged) {
      flags.add(p.record, p.code);
      if (p.severity === 'error') totalErrors++;
    }
    problems.push(...merged);
    opts.onProgress?.({ processed: total, total, problems: merged, totalProblems });
  }
  problems.sort((a, b) => a.line - b.line || a.column - b.column);
  const max = opts.config.maxProblems;
  return { problems: problems.slice(0, max), totalProblems, totalErrors, capped: totalProblems > Math.min(problems.length, max), flags: flags.arrays(), schemaProblems: results[0]?.schemaProblems ?? [] };
}
