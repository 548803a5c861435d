/**
 * Validates every record of an indexed file, streaming: problems (capped, the total keeps
 * counting), progress, and image files checked on disk through the same resolution as the
 * viewer (each path looked up once). Used by the worker thread and the CLI.
 */
import { type RandomAccessFile } from '../io/randomAccessFile';
import { AbortError, type RecordIndex } from '../index/recordIndex';
import { readRecords } from '../index/recordReader';
import { resolveImage, type ResolveContext } from '../images/resolveImage';
import { columnAt } from '../dataset/loadRecords';
import { positionIn } from '../records/parseRecord';
import { decodeUtf8 } from '../index/recordReader';
import { readRange } from '../io/randomAccessFile';
import { FileRules, type FileRulesState } from './fileRules';
import { ProblemFlags, type ProblemFlagArrays } from './flags';
import type { Problem, RecordFacts, RecordText, RecordValidator } from './validator';

export interface ValidationUpdate {
  processed: number;
  total: number;
  /** problems found since the previous update */
  problems: Problem[];
  /** problems found so far, also past the cap */
  totalProblems: number;
  /** of which errors (severity error), also past the cap */
  totalErrors: number;
  capped: boolean;
  done: boolean;
}

export interface ValidateFileOptions {
  maxProblems: number;
  maxRecordBytes?: number;
  signal?: AbortSignal;
  intervalMs?: number;
  onProgress?: (u: ValidationUpdate) => void;
  /** look up referenced images on disk (VLM020) */
  images?: { ctx: ResolveContext; exists: (path: string) => Promise<boolean> };
  /** validate only records [from, to) */
  range?: { from: number; to: number };
  /** this is one part of the file: return the whole-file rules' state instead of finishing them (FileRules.merge) */
  part?: boolean;
}

/** The validator must have been made with `collectImages` for `opts.images` to find anything. */
export async function validateFile(file: RandomAccessFile, index: RecordIndex, validator: RecordValidator, opts: ValidateFileOptions): Promise<ValidationUpdate & { all: Problem[]; state?: FileRulesState; flags: ProblemFlagArrays }> {
  const from = Math.max(0, opts.range?.from ?? 0);
  const to = Math.min(index.readyCount, opts.range?.to ?? index.readyCount);
  const total = Math.max(0, to - from);
  const rules = new FileRules(validator);
  const all: Problem[] = [];
  const flags = new ProblemFlags();
  let fresh: Problem[] = [];
  let totalProblems = 0;
  let totalErrors = 0;
  let last = Date.now();
  const interval = opts.intervalMs ?? 250;
  const keep = (ps: Problem[]) => {
    for (const p of ps) {
      totalProblems++;
      if (p.severity === 'error') totalErrors++;
      flags.add(p.record, p.code);
      if (all.length < opts.maxProblems) {
        all.push(p);
        fresh.push(p);
      }
    }
  };
  const update = (processed: number, done: boolean): ValidationUpdate => {
    const u = { processed, total, problems: fresh, totalProblems, totalErrors, capped: totalProblems > all.length, done };
    fresh = [];
    last = Date.now();
    opts.onProgress?.(u);
    return u;
  };
  const existsCache = new Map<string, Promise<boolean>>();
  const exists = (p: string) => {
    let e = existsCache.get(p);
    if (!e) {
      e = opts.images ? opts.images.exists(p) : Promise.resolve(true);
      existsCache.set(p, e);
      if (existsCache.size > 200_000) existsCache.clear();
    }
    return e;
  };
  const batch = 2000;
  let processed = 0;
  for (let k = from; k < to; k += batch) {
    if (opts.signal?.aborted) throw new AbortError();
    const raws = await readRecords(file, index, k, Math.min(batch, to - k), { maxRecordBytes: opts.maxRecordBytes });
    for (const raw of raws) {
      const column = index.kind === 'json-array' ? await columnAt(file, raw.start) : 0;
      if (raw.tooLarge || raw.text === undefined) {
        const p = validator.factProblem({ index: raw.index, line: raw.line, column }, { offset: 0, length: 1 }, 'VLM005', 'tooLarge', [((raw.end - raw.start) / 1024 / 1024).toFixed(1)]);
        if (p) keep([p]);
        continue;
      }
      const { problems, facts } = validator.check({ index: raw.index, line: raw.line, column, text: raw.text, ascii: raw.ascii });
      keep(problems);
      keep(rules.add(facts));
      if (raw.invalidUtf8At !== undefined) {
        const before = decodeUtf8(await readRange(file, raw.start, raw.invalidUtf8At)).text;
        const pos = positionIn(before, before.length, raw.line, column);
        const p = validator.factProblem({ index: raw.index, line: pos.line, column: pos.column }, { offset: 0, length: 1 }, 'VLM061', 'invalidUtf8', []);
        if (p) keep([p]);
      }
      if (opts.images && facts.images.length > 0) keep(await imageProblems(validator, { index: raw.index, line: raw.line, column, text: raw.text }, facts, opts.images.ctx, exists));
    }
    processed = Math.min(total, k + batch - from);
    if (Date.now() - last >= interval) update(processed, false);
  }
  if (opts.part) {
    const final = update(total, true);
    return { ...final, problems: all, all, state: rules.state(), flags: flags.arrays() };
  }
  keep(rules.finish());
  const final = update(total, true);
  return { ...final, problems: all, all, flags: flags.arrays() };
}

/** VLM020 for the images of a record that are not found (looked up like the viewer does). */
export async function imageProblems(validator: RecordValidator, rec: RecordText, facts: RecordFacts, ctx: ResolveContext, exists: (path: string) => Promise<boolean>): Promise<Problem[]> {
  const out: Problem[] = [];
  for (const img of facts.images) {
    const r = await resolveImage(img.ref, ctx, exists);
    if (r.kind !== 'missing') continue;
    const p = validator.factProblem(rec, undefined, 'VLM020', 'imageMissing', [img.ref, r.tried.join(', ')]);
    if (!p) continue;
    const start = positionIn(rec.text, img.offset, rec.line, rec.column);
    const end = positionIn(rec.text, img.offset + img.length, rec.line, rec.column);
    out.push({ ...p, line: start.line, column: start.column, endLine: end.line, endColumn: end.column, offset: img.offset, length: img.length });
  }
  return out;
}
