/**
 * Validates every record of an indexed file, streaming: problems (capped, the total keeps
 * counting), progress, and image files checked on disk through the same resolution as the
 * viewer (each path looked up once). Used by the worker thread and the CLI.
 */
import { dirname } from 'node:path';
import { type RandomAccessFile } from '../io/randomAccessFile';
import { AbortError, type RecordIndex } from '../index/recordIndex';
import { readRecords } from '../index/recordReader';
import { resolveImage, type ResolveContext } from '../images/resolveImage';
import { ColumnCursor } from '../dataset/loadRecords';
import type { Size } from '../geometry/types';
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
  /** look up referenced images on disk (VLM020); `check` says what is wrong with one that exists */
  images?: {
    ctx: ResolveContext;
    exists: (path: string) => Promise<boolean>;
    /** asked once per folder before its files: a folder that is not there has none of its images */
    folderExists?: (dir: string) => Promise<boolean>;
    check?: (path: string) => Promise<string | undefined>;
    size?: (path: string) => Promise<Size | undefined>;
  };
  /** validate only records [from, to) */
  range?: { from: number; to: number };
  /** this is one part of the file: return the whole-file rules' state instead of finishing them (FileRules.merge) */
  part?: boolean;
}

/**
 * The file was truncated, replaced or rewritten while it was checked: the records read from
 * then on are not the ones indexed (they would show as hundreds of thousands of phantom
 * "empty record" problems), so the pass stops and says so.
 */
export class FileChangedError extends Error {
  constructor(readonly before: { size: number }, readonly after: { size: number }) {
    super(`the file changed during validation (${before.size} bytes when indexed, ${after.size} now): run it again`);
  }
}

/** Whether the file on disk is no longer the one indexed (an append is not a change: the records indexed are still there). */
async function changedSince(file: RandomAccessFile, fp: RecordIndex['fingerprint']): Promise<{ size: number } | undefined> {
  if (!fp.size && !fp.mtimeMs) return undefined; // an index without a fingerprint (in-memory tests)
  const st = await file.stat();
  if (fp.id !== undefined && st.id !== undefined && st.id !== fp.id) return st;
  if (st.size < fp.size) return st;
  if (st.size === fp.size && st.mtimeMs !== fp.mtimeMs) return st;
  return undefined;
}

/** Each image path looked up once per pass (at most 200,000 remembered, then forgotten at once). */
function onceEach<T>(look: (path: string) => Promise<T>): (path: string) => Promise<T> {
  const seen = new Map<string, Promise<T>>();
  return (p) => {
    let r = seen.get(p);
    if (!r) {
      r = look(p);
      seen.set(p, r);
      if (seen.size > 200_000) seen.clear();
    }
    return r;
  };
}

/**
 * `exists` that looks at a file's folder first, once per folder: a dataset whose image folder
 * is not on this machine (images kept elsewhere) costs one look per folder instead of one per
 * image (1M missing images: 26 s → a few); the problems are the same.
 */
function throughFolders(exists: (path: string) => Promise<boolean>, folderExists: ((dir: string) => Promise<boolean>) | undefined): (path: string) => Promise<boolean> {
  if (!folderExists) return exists;
  const folder = onceEach(folderExists);
  return async (p) => (await folder(dirname(p))) && exists(p);
}

/** The validator must have been made with `collectImages` for `opts.images` to find anything. */
export async function validateFile(file: RandomAccessFile, index: RecordIndex, validator: RecordValidator, opts: ValidateFileOptions): Promise<ValidationUpdate & { all: Problem[]; state?: FileRulesState; flags: ProblemFlagArrays }> {
  const from = Math.max(0, opts.range?.from ?? 0);
  const to = Math.min(index.readyCount, opts.range?.to ?? index.readyCount);
  const total = Math.max(0, to - from);
  const rules = new FileRules(validator, total);
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
  const exists = onceEach(opts.images ? throughFolders(opts.images.exists, opts.images.folderExists) : () => Promise.resolve(true));
  const check = opts.images?.check ? onceEach(opts.images.check) : undefined;
  const size = opts.images?.size ? onceEach(opts.images.size) : undefined;
  const columns = new ColumnCursor(file);
  const batch = 2000;
  let processed = 0;
  for (let k = from; k < to; k += batch) {
    if (opts.signal?.aborted) throw new AbortError();
    const changed = await changedSince(file, index.fingerprint);
    if (changed) throw new FileChangedError(index.fingerprint, changed);
    const raws = await readRecords(file, index, k, Math.min(batch, to - k), { maxRecordBytes: opts.maxRecordBytes });
    for (const raw of raws) {
      const column = index.kind === 'json-array' ? await columns.columnAt(raw.start, raw.line) : 0;
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
      if (opts.images && facts.images.length > 0) keep(await imageProblems(validator, { index: raw.index, line: raw.line, column, text: raw.text }, facts, opts.images.ctx, exists, check, size));
    }
    processed = Math.min(total, k + batch - from);
    if (Date.now() - last >= interval) update(processed, false);
  }
  const changed = await changedSince(file, index.fingerprint);
  if (changed) throw new FileChangedError(index.fingerprint, changed);
  if (opts.part) {
    const final = update(total, true);
    return { ...final, problems: all, all, state: rules.state(), flags: flags.arrays() };
  }
  keep(rules.finish());
  const final = update(total, true);
  return { ...final, problems: all, all, flags: flags.arrays() };
}

/**
 * VLM020 for the images of a record that are not found (looked up like the viewer does), or
 * whose reference is malformed, or (with `check`) that exist but are not images.
 */
export async function imageProblems(validator: RecordValidator, rec: RecordText, facts: RecordFacts, ctx: ResolveContext, exists: (path: string) => Promise<boolean>, check?: (path: string) => Promise<string | undefined>, size?: (path: string) => Promise<Size | undefined>): Promise<Problem[]> {
  const out: Problem[] = [];
  let first = true;
  for (const img of facts.images) {
    const r = await resolveImage(img.ref, ctx, exists);
    let p: Problem | undefined;
    // the declared size is the first image's: a mismatch (either orientation fits) reads every coordinate wrong
    if (first && !img.video && r.kind === 'file' && facts.declared && size) {
      const d = facts.declared;
      const s = await size(r.path);
      if (s && !(s.width === d.width && s.height === d.height) && !(s.width === d.height && s.height === d.width)) {
        const q = validator.factProblem(rec, undefined, 'VLM021', 'sizeMismatch', [d.width, d.height, d.keys, img.ref, s.width, s.height]);
        if (q) {
          const start = positionIn(rec.text, d.offset, rec.line, rec.column);
          const end = positionIn(rec.text, d.offset + d.length, rec.line, rec.column);
          out.push({ ...q, line: start.line, column: start.column, endLine: end.line, endColumn: end.column, offset: d.offset, length: d.length });
        }
      }
    }
    if (!img.video) first = false;
    if (r.kind === 'missing') p = validator.factProblem(rec, undefined, 'VLM020', img.video ? 'videoMissing' : 'imageMissing', [img.ref, r.tried.join(', ')]);
    else if (r.kind === 'invalid') p = validator.factProblem(rec, undefined, 'VLM020', 'imageUnreadable', [`${img.ref}: ${r.reason}`]);
    else if (r.kind === 'file' && check && !img.video) {
      const why = await check(r.path);
      if (why) p = validator.factProblem(rec, undefined, 'VLM020', 'imageUnreadable', [`${img.ref}: ${why}`]);
    }
    if (!p) continue;
    const start = positionIn(rec.text, img.offset, rec.line, rec.column);
    const end = positionIn(rec.text, img.offset + img.length, rec.line, rec.column);
    out.push({ ...p, line: start.line, column: start.column, endLine: end.line, endColumn: end.column, offset: img.offset, length: img.length });
  }
  return out;
}
