import { type RandomAccessFile, readRange } from '../io/randomAccessFile';
import { type RecordIndex } from './recordIndex';

/** One record's text as read from disk, before JSON parsing. */
export interface RawRecord {
  index: number;
  /** 0-based line of the record's first byte */
  line: number;
  /** byte offsets in the file: [start, end) after trimming trailing whitespace / separator */
  start: number;
  end: number;
  /** decoded text; absent when the record is larger than the render limit */
  text?: string;
  /** the first bytes of a too-large record, decoded (for a snippet) */
  preview?: string;
  tooLarge: boolean;
  /** every byte is ASCII (the decoded text is as long as the bytes): no mojibake, no U+FFFD possible */
  ascii?: boolean;
  /** byte offset (in the file) of the first byte that is not valid UTF-8 */
  invalidUtf8At?: number;
  /** a record map's key of this record (DriveLM's scene token) */
  key?: string;
}

export interface ReadOptions {
  /** records larger than this are not decoded (default 16 MB) */
  maxRecordBytes?: number;
}

export const DEFAULT_MAX_RECORD_BYTES = 16 * 1024 * 1024;
const BATCH_BYTES = 8 * 1024 * 1024;
const PREVIEW_BYTES = 4096;
/** bytes read before a record map's first record, for its key */
const KEY_BYTES = 1024;

const strictDecoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const lenientDecoder = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });

/** Decodes UTF-8; on invalid bytes decodes with U+FFFD and reports where the first one is. */
export function decodeUtf8(bytes: Uint8Array): { text: string; invalidAt?: number } {
  try {
    return { text: strictDecoder.decode(bytes) };
  } catch {
    return { text: lenientDecoder.decode(bytes), invalidAt: firstInvalidUtf8(bytes) };
  }
}

/** Offset of the first byte that breaks UTF-8 (or -1). */
export function firstInvalidUtf8(b: Uint8Array): number {
  let i = 0;
  while (i < b.length) {
    const c = b[i];
    let need = 0;
    let min = 0;
    if (c < 0x80) {
      i++;
      continue;
    } else if (c >= 0xc2 && c <= 0xdf) {
      need = 1;
      min = 0x80;
    } else if (c >= 0xe0 && c <= 0xef) {
      need = 2;
      min = 0x800;
    } else if (c >= 0xf0 && c <= 0xf4) {
      need = 3;
      min = 0x10000;
    } else return i;
    let cp = c & (0x3f >> need);
    for (let k = 1; k <= need; k++) {
      const cc = b[i + k];
      if (cc === undefined || (cc & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (cc & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += need + 1;
  }
  return -1;
}

function trimEnd(bytes: Uint8Array, from: number, to: number, separator: boolean | 'map'): number {
  let end = to;
  while (end > from && isWsByte(bytes[end - 1])) end--;
  if (separator === 'map' && end > from && bytes[end - 1] === 0x3a) {
    // a record map: the next record's `, "key":` follows this one
    const k = keyBefore(bytes, from, end);
    if (k) end = k.start;
    while (end > from && isWsByte(bytes[end - 1])) end--;
  }
  if (separator && end > from && bytes[end - 1] === 0x2c) {
    end--;
    while (end > from && isWsByte(bytes[end - 1])) end--;
  }
  return end;
}

/** The `"key":` that ends at `end` (its ':' is bytes[end - 1]), read backwards: its text and where its quote starts. */
function keyBefore(bytes: Uint8Array, from: number, end: number): { start: number; key: string } | undefined {
  let i = end - 1; // the ':'
  if (bytes[i] !== 0x3a) return undefined;
  i--;
  while (i > from && isWsByte(bytes[i])) i--;
  if (bytes[i] !== 0x22) return undefined;
  const close = i;
  i--;
  // the opening quote: a quote not preceded by an odd number of backslashes
  for (; i >= from; i--) {
    if (bytes[i] !== 0x22) continue;
    let bs = 0;
    for (let j = i - 1; j >= from && bytes[j] === 0x5c; j--) bs++;
    if (bs % 2 === 0) break;
  }
  if (i < from) return undefined;
  try {
    return { start: i, key: JSON.parse(strictDecoder.decode(bytes.subarray(i, close + 1))) as string };
  } catch {
    return undefined;
  }
}

function isWsByte(b: number): boolean {
  return b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;
}

/**
 * Reads records [first, first + count) of the index: consecutive records share one read;
 * a record over the size limit is not decoded (only a preview).
 */
export async function readRecords(file: RandomAccessFile, index: RecordIndex, first: number, count: number, opts: ReadOptions = {}): Promise<RawRecord[]> {
  const max = opts.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES;
  const last = Math.min(index.readyCount, first + count);
  const out: RawRecord[] = [];
  const separator: boolean | 'map' = index.kind === 'json-array' ? (index.recordMap ? 'map' : true) : false;
  let k = Math.max(0, first);
  while (k < last) {
    // Gather a batch of records that fit in one read.
    const batchStart = index.range(k).start;
    let j = k;
    let batchEnd = batchStart;
    while (j < last) {
      const r = index.range(j);
      if (r.end - r.start > max) break;
      if (j > k && r.end - batchStart > BATCH_BYTES) break;
      batchEnd = r.end;
      j++;
    }
    if (j === k) {
      // a single too-large record
      const r = index.range(k);
      const head = await readRange(file, r.start, Math.min(r.end, r.start + PREVIEW_BYTES));
      out.push({ index: k, line: index.lineOf(k), start: r.start, end: r.end, tooLarge: true, preview: lenientDecoder.decode(head) });
      k++;
      continue;
    }
    // the first page usually lies in the head bytes the index kept: no read needed; a record
    // map reads a little before its first record, where that record's key is
    const readFrom = separator === 'map' ? Math.max(0, batchStart - KEY_BYTES) : batchStart;
    const bytes = batchEnd <= index.head.length ? index.head.subarray(readFrom, batchEnd) : await readRange(file, readFrom, batchEnd);
    for (let m = k; m < j; m++) {
      const r = index.range(m);
      const from = r.start - readFrom;
      const to = trimEnd(bytes, from, Math.min(bytes.length, r.end - readFrom), separator);
      const { text, invalidAt } = decodeUtf8(bytes.subarray(from, to));
      const rec: RawRecord = { index: m, line: index.lineOf(m), start: r.start, end: r.start + (to - from), text, tooLarge: false, ascii: text.length === to - from };
      if (separator === 'map') {
        let colon = from;
        while (colon > 0 && isWsByte(bytes[colon - 1])) colon--;
        rec.key = keyBefore(bytes, 0, colon)?.key;
      }
      if (invalidAt !== undefined && invalidAt >= 0) rec.invalidUtf8At = r.start + invalidAt;
      out.push(rec);
    }
    k = j;
  }
  return out;
}

/** Reads one record (see readRecords). */
export async function readRecord(file: RandomAccessFile, index: RecordIndex, k: number, opts: ReadOptions = {}): Promise<RawRecord | undefined> {
  return (await readRecords(file, index, k, 1, opts))[0];
}
