/**
 * Records as the viewer and the CLI use them: read from the index, parsed, normalized,
 * with every failure located (line and column in the file, 0-based).
 */
import type { FormatDescriptor } from '../formats/registry';
import { type RandomAccessFile, readRange } from '../io/randomAccessFile';
import { type RecordIndex } from '../index/recordIndex';
import { decodeUtf8, readRecords, type RawRecord } from '../index/recordReader';
import { normalizeRecord } from '../records/normalize';
import { type JsonPath, type NormalizedRecord } from '../records/model';
import { walkStrings } from '../records/walk';
import { findMojibake, mayContainMojibake } from '../text/mojibake';
import { parseRecordText, positionIn, type ParseErrorCode } from '../records/parseRecord';

export interface Located {
  line: number;
  column: number;
}

export interface LoadedRecord {
  index: number;
  /** 0-based line and column of the record's first character */
  line: number;
  column: number;
  /** byte range in the file */
  start: number;
  end: number;
  text?: string;
  value?: unknown;
  record?: NormalizedRecord;
  parseError?: Located & { code: ParseErrorCode; message: string; length: number };
  tooLarge?: { bytes: number; preview: string };
  invalidUtf8?: Located;
  /** strings that look like UTF-8 decoded as Latin-1/CP1252 (first few) */
  mojibake?: MojibakeFinding[];
}

export interface MojibakeFinding {
  path: JsonPath;
  original: string;
  fixed: string;
}

/** Up to `max` string values of a parsed record that contain mojibake. */
export function mojibakeIn(value: unknown, rawText: string, max = 20): MojibakeFinding[] {
  // cheap prefilter on the raw text (also catching \u00e4-style escapes)
  if (!mayContainMojibake(rawText) && !/\\u00[c-f][0-9a-f]/i.test(rawText)) return [];
  const out: MojibakeFinding[] = [];
  walkStrings(value, (str, path) => {
    if (out.length >= max) return;
    const spans = findMojibake(str);
    if (spans.length > 0) out.push({ path, original: spans.map((sp) => sp.original).join(' … '), fixed: spans.map((sp) => sp.fixed).join(' … ') });
  });
  return out;
}

export interface LoadOptions {
  maxRecordBytes?: number;
  /** skip normalization (whole-file scans only need the format) */
  normalize?: boolean;
  /** user format descriptors that apply to this file */
  formats?: readonly FormatDescriptor[];
}

/** UTF-16 length of UTF-8 bytes, without decoding (safe on any byte boundary): one unit per lead byte, two for 4-byte sequences. */
export function utf16Length(bytes: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if ((b & 0xc0) !== 0x80) n += b >= 0xf0 ? 2 : 1;
  }
  return n;
}

const BACK_CHUNK = 64 * 1024;

/** Byte offset of the line holding `offset` (after its newline, or after the BOM at the file's start). */
async function lineStartBefore(file: RandomAccessFile, offset: number, floor = 0): Promise<number> {
  let end = offset;
  while (end > floor) {
    const from = Math.max(floor, end - BACK_CHUNK);
    const bytes = await readRange(file, from, end);
    const nl = bytes.lastIndexOf(0x0a);
    if (nl >= 0) return from + nl + 1;
    end = from;
  }
  return floor;
}

/** Column (UTF-16) at byte `offset`: the text between the previous newline and it, however far back. */
export async function columnAt(file: RandomAccessFile, offset: number): Promise<number> {
  if (offset === 0) return 0;
  const start = await lineStartBefore(file, offset);
  let skip = 0;
  if (start === 0) {
    const bom = await readRange(file, 0, 3);
    if (bom[0] === 0xef && bom[1] === 0xbb && bom[2] === 0xbf) skip = 3;
  }
  let n = 0;
  for (let p = start + skip; p < offset; p += BACK_CHUNK) n += utf16Length(await readRange(file, p, Math.min(offset, p + BACK_CHUNK)));
  return n;
}

/**
 * Columns of records read in file order (a whole-file pass): the column of the previous
 * record is carried forward while records stay on one line, so a one-line JSON array of a
 * million records costs one pass over its bytes, not one look back per record.
 */
export class ColumnCursor {
  private at = -1;
  private line = -1;
  private column = 0;

  constructor(private readonly file: RandomAccessFile) {}

  async columnAt(offset: number, line: number): Promise<number> {
    if (line === this.line && offset >= this.at && this.at >= 0) {
      for (let p = this.at; p < offset; p += BACK_CHUNK) this.column += utf16Length(await readRange(this.file, p, Math.min(offset, p + BACK_CHUNK)));
    } else this.column = await columnAt(this.file, offset);
    this.at = offset;
    this.line = line;
    return this.column;
  }
}

export async function loadRecords(file: RandomAccessFile, index: RecordIndex, first: number, count: number, opts: LoadOptions = {}): Promise<LoadedRecord[]> {
  const raws = await readRecords(file, index, first, count, { maxRecordBytes: opts.maxRecordBytes });
  const out: LoadedRecord[] = [];
  for (const raw of raws) out.push(await toLoaded(file, index, raw, opts));
  return out;
}

async function toLoaded(file: RandomAccessFile, index: RecordIndex, raw: RawRecord, opts: LoadOptions): Promise<LoadedRecord> {
  // JSONL records start at a line start; JSON-array elements usually after indentation.
  const column = index.kind === 'json-array' ? await columnAt(file, raw.start) : 0;
  const rec: LoadedRecord = { index: raw.index, line: raw.line, column, start: raw.start, end: raw.end };
  if (raw.tooLarge || raw.text === undefined) {
    rec.tooLarge = { bytes: raw.end - raw.start, preview: raw.preview ?? '' };
    return rec;
  }
  rec.text = raw.text;
  if (raw.invalidUtf8At !== undefined) {
    const before = decodeUtf8(await readRange(file, raw.start, raw.invalidUtf8At)).text;
    rec.invalidUtf8 = positionIn(before, before.length, raw.line, column);
  }
  const parsed = parseRecordText(raw.text);
  if (parsed.ok) {
    rec.value = parsed.value;
    if (opts.normalize !== false) {
      rec.record = normalizeRecord(parsed.value, { formats: opts.formats });
      // a record map's key (DriveLM's scene token) names the record
      if (raw.key !== undefined) rec.record.id ??= raw.key;
    }
    const moji = mojibakeIn(parsed.value, raw.text);
    if (moji.length > 0) rec.mojibake = moji;
  } else {
    const pos = positionIn(raw.text, parsed.error.offset, raw.line, column);
    rec.parseError = { ...pos, code: parsed.error.code, message: parsed.error.message, length: parsed.error.length };
  }
  return rec;
}
