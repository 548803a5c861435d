/**
 * Records as the viewer and the CLI use them: read from the index, parsed, normalized,
 * with every failure located (line and column in the file, 0-based).
 */
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
}

/** Column (UTF-16) at byte `offset`: the text between the previous newline and it. */
export async function columnAt(file: RandomAccessFile, offset: number): Promise<number> {
  if (offset === 0) return 0;
  const from = Math.max(0, offset - 4096);
  const bytes = await readRange(file, from, offset);
  const nl = bytes.lastIndexOf(0x0a);
  const lineBytes = bytes.subarray(nl + 1);
  // skip a BOM at the start of the file
  const skip = from === 0 && nl < 0 && lineBytes[0] === 0xef && lineBytes[1] === 0xbb && lineBytes[2] === 0xbf ? 3 : 0;
  return decodeUtf8(lineBytes.subarray(skip)).text.length;
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
    if (opts.normalize !== false) rec.record = normalizeRecord(parsed.value);
    const moji = mojibakeIn(parsed.value, raw.text);
    if (moji.length > 0) rec.mojibake = moji;
  } else {
    const pos = positionIn(raw.text, parsed.error.offset, raw.line, column);
    rec.parseError = { ...pos, code: parsed.error.code, message: parsed.error.message, length: parsed.error.length };
  }
  return rec;
}
