/**
 * Whole-file search over an indexed dataset: which records contain the query.
 *
 * Literal, case-sensitive queries are searched in the raw bytes with Buffer#indexOf, also
 * in their JSON-escaped forms, since a file stores `"` as `\"` and, when written with
 * Python's ensure_ascii, `人物` as `\u4eba\u7269`. Other queries (case-insensitive,
 * regular expressions) run on the decoded text. Results stream in record order; the match
 * list is capped (saying so) while the total keeps counting.
 */
import { type RandomAccessFile } from '../io/randomAccessFile';
import { AbortError, type RecordIndex } from '../index/recordIndex';
import { compileQuery, literalForms, SearchSyntaxError, type QuerySpec } from '../text/query';
import type { SearchUpdate } from './types';

export type SearchQuery = QuerySpec;
export type { SearchUpdate };


export interface SearchOptions {
  signal?: AbortSignal;
  maxMatches?: number;
  /** minimum time between two streamed updates (the final one is always sent) */
  updateIntervalMs?: number;
  onUpdate?: (u: SearchUpdate) => void;
  /** bytes per read (default 4 MB) */
  batchBytes?: number;
}

export { SearchSyntaxError, compileQuery, literalForms };

const decoder = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });

export async function searchRecords(file: RandomAccessFile, index: RecordIndex, query: SearchQuery, opts: SearchOptions = {}): Promise<SearchUpdate> {
  const maxMatches = opts.maxMatches ?? 10_000;
  const interval = opts.updateIntervalMs ?? 100;
  const total = index.readyCount;
  const totalBytes = total > 0 ? index.range(total - 1).end : 0;
  const state: SearchUpdate = { matches: [], scannedBytes: 0, totalBytes, totalMatches: 0, done: false, capped: false };
  if (query.text.length === 0 || total === 0) {
    state.done = true;
    opts.onUpdate?.(state);
    return state;
  }
  const bytesPath = !query.regex && query.caseSensitive;
  const needles = bytesPath ? literalForms(query.text).map((f) => Buffer.from(f, 'utf8')) : [];
  const re = bytesPath ? undefined : compileQuery(query);
  let lastSent = Date.now();
  const allMatches: number[] = [];
  const emit = (done: boolean) => {
    const fresh = allMatches.splice(0);
    const u: SearchUpdate = { ...state, matches: fresh, done };
    opts.onUpdate?.(u);
    lastSent = Date.now();
    return u;
  };
  const add = (rec: number) => {
    state.totalMatches++;
    if (state.totalMatches > maxMatches) state.capped = true;
    else allMatches.push(rec);
  };

  const batchBytes = opts.batchBytes ?? 4 * 1024 * 1024;
  let rec = 0;
  let buf = Buffer.allocUnsafe(batchBytes);
  while (rec < total) {
    if (opts.signal?.aborted) throw new AbortError();
    // A batch of whole records, up to batchBytes (or one record if it is larger).
    const first = rec;
    const start = index.range(first).start;
    let last = first;
    while (last + 1 < total && index.range(last + 1).end - start <= batchBytes) last++;
    const end = index.range(last).end;
    if (end - start > buf.length) buf = Buffer.allocUnsafe(end - start);
    const n = await file.readInto(buf, 0, end - start, start);
    const view = buf.subarray(0, n);
    if (bytesPath) searchBytes(view, start, needles, index, first, last, add);
    else searchText(view, index, first, last, re as RegExp, add);
    state.scannedBytes = end;
    rec = last + 1;
    if (Date.now() - lastSent >= interval) emit(false);
  }
  return emit(true);
}

/** Byte search: hits are mapped to records; each record is reported once. */
function searchBytes(view: Buffer, base: number, needles: Buffer[], index: RecordIndex, first: number, last: number, add: (r: number) => void): void {
  if (needles.length === 1) {
    let from = 0;
    for (;;) {
      const hit = view.indexOf(needles[0], from);
      if (hit < 0) return;
      const r = index.recordAtOffset(base + hit);
      add(r);
      if (r >= last) return;
      from = index.range(r + 1).start - base; // next record
    }
  }
  const found = new Set<number>();
  for (const needle of needles) {
    let from = 0;
    for (;;) {
      const hit = view.indexOf(needle, from);
      if (hit < 0) break;
      const r = index.recordAtOffset(base + hit);
      found.add(r);
      if (r >= last) break;
      from = index.range(r + 1).start - base;
    }
  }
  for (const r of [...found].sort((a, b) => a - b)) if (r >= first) add(r);
}

/** Text search: the batch is decoded once; match positions map to records through line numbers. */
function searchText(view: Buffer, index: RecordIndex, first: number, last: number, re: RegExp, add: (r: number) => void): void {
  const text = decoder.decode(view);
  const firstLine = index.lineOf(first);
  let lineAt = 0; // char position up to which newlines have been counted
  let lines = 0;
  let lastRec = -1;
  re.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) {
    if (m[0].length === 0) re.lastIndex++;
    for (let nl = text.indexOf('\n', lineAt); nl !== -1 && nl < m.index; nl = text.indexOf('\n', nl + 1)) lines++;
    lineAt = m.index;
    const r = Math.min(last, Math.max(first, index.recordAtLine(firstLine + lines)));
    if (r !== lastRec) {
      add(r);
      lastRec = r;
    }
  }
}
