/**
 * The record index: byte offsets of record starts in a JSONL / JSON-array file on disk,
 * built in chunks without ever holding the file in memory (8 bytes a record, plus a
 * sparse list of blank-line corrections for JSONL, or 4 more bytes a record for
 * pretty-printed JSON arrays, whose records span lines).
 *
 * Readers may use the index while it is being built: `readyCount` records have a known end.
 * After indexing, record k is one positional read away (O(1)).
 */
import { recordListKey } from '../formats/registry';
import { type FileStat, type RandomAccessFile, readRange } from '../io/randomAccessFile';
import { type DatasetKind } from '../dataset/types';

export type { DatasetKind };

export interface IndexProgress {
  records: number;
  scannedBytes: number;
  totalBytes: number;
  done: boolean;
}

export interface BuildOptions {
  signal?: AbortSignal;
  onProgress?: (p: IndexProgress) => void;
  /** Extension hint: '.jsonl' and '.ndjson' are always line-based. */
  fileName?: string;
}

/** Where the file stood when it was indexed, to tell an append from a rewrite. */
export interface Fingerprint {
  size: number;
  mtimeMs: number;
  /** device:inode when known: a different one means the file was replaced */
  id?: string;
  head: number;
  tail: number;
}

export type ChangeKind = 'unchanged' | 'appended' | 'rewritten' | 'touched';

const NL = 0x0a;
const CR = 0x0d;
const SP = 0x20;
const TAB = 0x09;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const PROBE = 4096;

function isWs(b: number): boolean {
  return b === SP || b === NL || b === CR || b === TAB;
}

/** FNV-1a over a byte range: cheap fingerprint of the head and tail of the file. */
export function fnv1a(bytes: Uint8Array): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) {
    h ^= bytes[i];
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

export function isLineBasedName(fileName: string | undefined): boolean {
  return !!fileName && /\.(jsonl|ndjson)$/i.test(fileName);
}

export class AbortError extends Error {
  constructor() {
    super('aborted');
    this.name = 'AbortError';
  }
}

/** Growable Float64Array / Uint32Array pair, doubling on demand. */
class OffsetTable {
  starts: Float64Array<ArrayBufferLike> = new Float64Array(1024);
  lines: Uint32Array<ArrayBufferLike> | undefined;
  count = 0;
  constructor(withLines: boolean) {
    if (withLines) this.lines = new Uint32Array(1024);
  }
  push(start: number, line: number): void {
    if (this.count === this.starts.length) {
      const next = new Float64Array(this.starts.length * 2);
      next.set(this.starts);
      this.starts = next;
      if (this.lines) {
        const nl = new Uint32Array(this.lines.length * 2);
        nl.set(this.lines);
        this.lines = nl;
      }
    }
    this.starts[this.count] = start;
    if (this.lines) this.lines[this.count] = line;
    this.count++;
  }
  pop(): void {
    if (this.count > 0) this.count--;
  }
}

interface JsonlState {
  /** true while looking for the first non-blank byte of a line */
  atLineStart: boolean;
  lineStartOffset: number;
  lineNo: number;
  blankLines: number;
}

/** Counts lines and steps through a string's bytes; true when `b` was inside a string (consumed). */
function stringByte(s: JsonState, b: number): boolean {
  if (b === NL) s.lineNo++;
  if (!s.inString) return false;
  if (s.escape) s.escape = false;
  else if (b === BACKSLASH) s.escape = true;
  else if (b === QUOTE) s.inString = false;
  return true;
}

interface JsonState {
  phase: 'before' | 'expect' | 'value' | 'after' | 'key' | 'colon';
  depth: number;
  inString: boolean;
  escape: boolean;
  lineNo: number;
}

export class RecordIndex {
  kind: DatasetKind = 'empty';
  private table: OffsetTable = new OffsetTable(false);
  /** JSONL: [recordIndex, blankLinesBefore] pairs, where the count changes (sparse). */
  private blankFix: number[] = [];
  /** bytes scanned so far */
  scanned = 0;
  /** total bytes of the file when the current scan started */
  totalBytes = 0;
  complete = false;
  hasBom = false;
  /** JSON array: ended inside a value (truncated file) */
  truncated = false;
  /** JSON array / object: offset of the closing bracket (records end there) */
  private closeOffset = -1;
  /** JSON: offset of non-whitespace data after the top-level value, if any */
  trailingDataAt = -1;
  /**
   * A top-level object whose records are the list under this key (`{accuracy, results: [...]}`,
   * ScreenSpot `{details: [...], metrics}`): the file reads like a JSON array of those.
   */
  listKey: string | undefined;
  /**
   * A top-level object whose values are the records (DriveLM's scene files: scene token →
   * {scene_description, key_frames}): read like a JSON array of those values, each keyed.
   */
  recordMap = false;
  fingerprint: Fingerprint = { size: 0, mtimeMs: 0, head: 0, tail: 0 };
  private jsonl: JsonlState = { atLineStart: true, lineStartOffset: 0, lineNo: 0, blankLines: 0 };
  private json: JsonState = { phase: 'before', depth: 0, inString: false, escape: false, lineNo: 0 };
  private buffers: [Uint8Array, Uint8Array] | undefined;
  /**
   * The first bytes of the file (read anyway to detect its kind): the first page of records
   * is served from here, with no I/O competing with the ongoing scan.
   */
  head: Uint8Array = new Uint8Array(0);

  /** Number of records found so far (the last may still be growing while indexing). */
  get count(): number {
    return this.table.count;
  }

  /** Number of records whose end is known: these can be read now. */
  get readyCount(): number {
    if (this.complete) return this.table.count;
    if (this.kind === 'jsonl') return this.jsonl.atLineStart ? this.table.count : Math.max(0, this.table.count - 1);
    if (this.kind === 'json-array') return this.json.phase === 'expect' || this.json.phase === 'after' ? this.table.count : Math.max(0, this.table.count - 1);
    return 0;
  }

  /** Bytes used by the offset tables (for the memory budget). */
  get memoryBytes(): number {
    return this.table.starts.byteLength + (this.table.lines?.byteLength ?? 0) + this.blankFix.length * 8;
  }

  /** Builds an index of `file`, calling `onProgress` after every chunk. */
  static async build(file: RandomAccessFile, opts: BuildOptions = {}): Promise<RecordIndex> {
    const index = new RecordIndex();
    await index.scan(file, opts);
    return index;
  }

  /**
   * Scans `file` from the start. The index is usable while this runs: `readyCount`
   * records can be read after each progress report.
   */
  async scan(file: RandomAccessFile, opts: BuildOptions = {}): Promise<void> {
    const st = await file.stat();
    this.totalBytes = st.size;
    const headLen = Math.min(st.size, 64 * 1024);
    const head = await readRange(file, 0, headLen);
    this.head = head;
    this.kind = detectKind(head, st.size, opts.fileName);
    this.hasBom = head.length >= 3 && head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf;
    const bomLen = this.hasBom ? 3 : 0;
    this.table = new OffsetTable(this.kind === 'json-array');
    this.jsonl = { atLineStart: true, lineStartOffset: bomLen, lineNo: 0, blankLines: 0 };
    this.json = { phase: 'before', depth: 0, inString: false, escape: false, lineNo: 0 };
    this.scanned = bomLen;
    if (this.kind === 'empty' || this.kind === 'binary') {
      this.scanned = st.size;
      this.complete = true;
      await this.takeFingerprint(file, st);
      opts.onProgress?.({ records: 0, scannedBytes: st.size, totalBytes: st.size, done: true });
      return;
    }
    this.listKey = undefined;
    this.recordMap = false;
    const list = this.kind === 'json-object' ? findRecordList(head, bomLen) : undefined;
    const map = this.kind === 'json-object' && !list ? findRecordMap(head, bomLen) : undefined;
    const from = list?.offset ?? map;
    if (from !== undefined) {
      // the records are the list's elements (scanned as a JSON array from its '['), or the
      // object's values (scanned by scanMap from its '{')
      this.kind = 'json-array';
      this.listKey = list?.key;
      this.recordMap = map !== undefined;
      this.table = new OffsetTable(true);
      this.scanned = from;
      this.json.lineNo = linesBefore(head, from);
    } else if (this.kind === 'json-object') {
      // One record: the whole document. Its end is found by the JSON scanner (trailing data).
      this.table.push(bomLen, 0);
    }
    await this.scanTo(file, st, opts);
  }

  /**
   * Continues scanning from `scanned` to the end of the file as it is now. Reads are
   * double-buffered: the next chunk is read while the current one is scanned.
   */
  private async scanTo(file: RandomAccessFile, st: FileStat, opts: BuildOptions): Promise<void> {
    this.totalBytes = st.size;
    this.complete = false;
    const maxChunk = 4 * 1024 * 1024;
    // Buffers, not plain Uint8Arrays: Buffer#indexOf is memchr, Uint8Array#indexOf is not.
    this.buffers ??= [Buffer.allocUnsafe(maxChunk), Buffer.allocUnsafe(maxChunk)];
    const bufs = this.buffers;
    let chunk = 64 * 1024; // small first chunk: the first page is ready at once
    let pos = this.scanned;
    let which = 0;
    const readAt = (at: number, size: number, into: Uint8Array) => (at < st.size ? file.readInto(into, 0, Math.min(size, st.size - at), at) : Promise.resolve(0));
    let pending = readAt(pos, chunk, bufs[which]);
    for (;;) {
      if (opts.signal?.aborted) throw new AbortError();
      const n = await pending;
      if (n === 0) break; // end of file (or the file shrank under us: refresh() will notice)
      const buf = bufs[which];
      pos += n;
      which ^= 1;
      chunk = Math.min(maxChunk, chunk * 4);
      pending = readAt(pos, chunk, bufs[which]);
      if (this.kind === 'jsonl') this.scanJsonl(buf, n, this.scanned);
      else if (this.recordMap) this.scanMap(buf, n, this.scanned);
      else this.scanJson(buf, n, this.scanned);
      this.scanned += n;
      opts.onProgress?.({ records: this.readyCount, scannedBytes: this.scanned, totalBytes: st.size, done: false });
    }
    this.finish();
    await this.takeFingerprint(file, { size: this.scanned, mtimeMs: st.mtimeMs, id: st.id });
    opts.onProgress?.({ records: this.count, scannedBytes: this.scanned, totalBytes: this.scanned, done: true });
  }

  private finish(): void {
    this.complete = true;
    // A JSON document that ends before its closing bracket was cut off.
    if (this.kind === 'json-array' || this.kind === 'json-object') this.truncated = this.json.phase !== 'after';
  }

  private scanJsonl(buf: Uint8Array, n: number, base: number): void {
    const s = this.jsonl;
    let i = 0;
    while (i < n) {
      if (s.atLineStart) {
        const b = buf[i];
        if (b === NL) {
          s.blankLines++;
          s.lineNo++;
          i++;
          s.lineStartOffset = base + i;
          continue;
        }
        if (b === SP || b === TAB || b === CR) {
          i++;
          continue;
        }
        // First content byte of a line: a record starts at the line start.
        if (s.blankLines > 0) {
          const prev = this.blankFix.length > 0 ? this.blankFix[this.blankFix.length - 1] : 0;
          this.blankFix.push(this.table.count, prev + s.blankLines);
          s.blankLines = 0;
        }
        this.table.push(s.lineStartOffset, 0);
        s.atLineStart = false;
      }
      const nl = indexOfByte(buf, NL, i, n);
      if (nl === -1) return;
      s.lineNo++;
      i = nl + 1;
      s.lineStartOffset = base + i;
      s.atLineStart = true;
    }
  }

  private scanJson(buf: Uint8Array, n: number, base: number): void {
    const s = this.json;
    const isArray = this.kind === 'json-array';
    for (let i = 0; i < n; i++) {
      const b = buf[i];
      if (stringByte(s, b)) continue;
      switch (s.phase) {
        case 'before':
          if (isWs(b)) continue;
          if (isArray && b === 0x5b /* [ */) {
            s.depth = 1;
            s.phase = 'expect';
          } else {
            // json-object: the record started at the first byte (pushed in start())
            s.phase = 'value';
            s.depth = 0;
            i--; // re-read this byte in 'value'
          }
          continue;
        case 'expect':
          if (isWs(b)) continue;
          if (b === 0x5d /* ] */) {
            s.depth = 0;
            s.phase = 'after';
            this.closeOffset = base + i;
            continue;
          }
          this.table.push(base + i, s.lineNo);
          s.phase = 'value';
          i--; // re-read this byte (the value's first, never a newline) in 'value'
          continue;
        case 'value':
          if (b === QUOTE) s.inString = true;
          else if (b === 0x7b /* { */ || b === 0x5b /* [ */) s.depth++;
          else if (b === 0x7d /* } */ || b === 0x5d /* ] */) {
            s.depth--;
            if (s.depth === 0) {
              s.phase = 'after';
              this.closeOffset = isArray ? base + i : base + i + 1;
            }
          } else if (b === COMMA && isArray && s.depth === 1) s.phase = 'expect';
          continue;
        case 'after':
          // after a record list inside an object, the object's other fields follow: not trailing data
          if (!isWs(b) && this.trailingDataAt < 0 && this.listKey === undefined) this.trailingDataAt = base + i;
          continue;
      }
    }
  }

  /**
   * A record map: `{ "key": value, … }`, each value a record. Phases: before the '{', a key
   * (or the closing '}'), its ':', the value (a record starts at its first byte and ends at a
   * ',' or '}' at depth 0), after.
   */
  private scanMap(buf: Uint8Array, n: number, base: number): void {
    const s = this.json;
    for (let i = 0; i < n; i++) {
      const b = buf[i];
      if (stringByte(s, b)) continue;
      switch (s.phase) {
        case 'before':
          if (b === 0x7b) s.phase = 'key';
          continue;
        case 'key':
          if (b === QUOTE) {
            s.inString = true;
            s.phase = 'colon';
          } else if (b === 0x7d) {
            s.phase = 'after';
            this.closeOffset = base + i;
          }
          continue;
        case 'colon':
          if (b === 0x3a) s.phase = 'expect';
          continue;
        case 'expect':
          if (isWs(b)) continue;
          this.table.push(base + i, s.lineNo);
          s.phase = 'value';
          s.depth = 0;
          i--; // re-read this byte in 'value'
          continue;
        case 'value':
          if (b === QUOTE) s.inString = true;
          else if (b === 0x7b || b === 0x5b) s.depth++;
          else if ((b === 0x7d || b === 0x5d) && s.depth > 0) s.depth--;
          else if (s.depth === 0 && b === COMMA) s.phase = 'key';
          else if (s.depth === 0 && b === 0x7d) {
            s.phase = 'after';
            this.closeOffset = base + i;
          }
          continue;
        case 'after':
          continue;
      }
    }
  }

  private async takeFingerprint(file: RandomAccessFile, st: FileStat): Promise<void> {
    const size = st.size;
    const head = fnv1a(await readRange(file, 0, Math.min(PROBE, size)));
    const tail = fnv1a(await readRange(file, Math.max(0, size - PROBE), size));
    this.fingerprint = { size, mtimeMs: st.mtimeMs, id: st.id, head, tail };
  }

  /**
   * Looks at the file on disk: an append continues the scan where it stopped; any other
   * change (truncate, rewrite, same size with other content) asks for a new index.
   */
  async refresh(file: RandomAccessFile, opts: BuildOptions = {}): Promise<ChangeKind> {
    const st = await file.stat();
    const fp = this.fingerprint;
    if (st.id !== fp.id) return 'rewritten';
    if (st.size === fp.size && st.mtimeMs === fp.mtimeMs) return 'unchanged';
    if (st.size < fp.size) return 'rewritten';
    const head = fnv1a(await readRange(file, 0, Math.min(PROBE, fp.size)));
    const tail = fnv1a(await readRange(file, Math.max(0, fp.size - PROBE), fp.size));
    if (head !== fp.head || tail !== fp.tail) return 'rewritten';
    if (st.size === fp.size) {
      this.fingerprint = { ...fp, mtimeMs: st.mtimeMs };
      return 'touched';
    }
    if (this.kind === 'empty' || this.kind === 'binary' || this.kind === 'json-object') return 'rewritten';
    if (this.kind === 'json-array' && this.json.phase === 'after') return 'rewritten';
    await this.scanTo(file, st, opts);
    return 'appended';
  }

  /** Byte range of record k: [start, end), before trimming whitespace and separators. */
  range(k: number): { start: number; end: number } {
    if (k < 0 || k >= this.table.count) throw new RangeError(`record ${k} out of range (0..${this.table.count - 1})`);
    const start = this.table.starts[k];
    let end: number;
    if (k + 1 < this.table.count) end = this.table.starts[k + 1];
    else if (this.closeOffset >= 0 && (this.kind === 'json-array' || this.kind === 'json-object')) end = this.closeOffset;
    else end = this.scanned;
    return { start, end };
  }

  /** 0-based line of the first byte of record k. */
  lineOf(k: number): number {
    if (this.table.lines) return this.table.lines[k];
    if (this.kind !== 'jsonl') return 0;
    return k + blanksBefore(this.blankFix, k);
  }

  /** The record containing byte `offset` (the last record starting at or before it). */
  recordAtOffset(offset: number): number {
    return upperBound(this.table.starts, this.table.count, offset) - 1;
  }

  /** The record whose text covers 0-based `line` (or the nearest before it). */
  recordAtLine(line: number): number {
    let lo = 0;
    let hi = this.table.count - 1;
    if (hi < 0) return -1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineOf(mid) <= line) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /**
   * A frozen copy of the readable part of the index (structured-cloneable), for a
   * worker thread: it can read records without scanning the file again.
   */
  snapshot(): IndexSnapshot {
    const n = this.readyCount;
    const lastEnd = n > 0 ? this.range(n - 1).end : this.scanned;
    return {
      kind: this.kind,
      listKey: this.listKey,
      recordMap: this.recordMap || undefined,
      starts: this.table.starts.slice(0, n),
      lines: this.table.lines?.slice(0, n),
      blankFix: this.blankFix.slice(),
      end: lastEnd,
      fingerprint: { ...this.fingerprint },
    };
  }

  /** An index that reads what a snapshot covers (complete and immutable). */
  static fromSnapshot(s: IndexSnapshot): RecordIndex {
    const idx = new RecordIndex();
    idx.kind = s.kind;
    idx.listKey = s.listKey;
    idx.recordMap = s.recordMap === true;
    idx.table = new OffsetTable(false);
    idx.table.starts = s.starts;
    idx.table.lines = s.lines;
    idx.table.count = s.starts.length;
    idx.blankFix = s.blankFix;
    idx.scanned = s.end;
    idx.closeOffset = s.end;
    idx.totalBytes = s.end;
    idx.complete = true;
    idx.fingerprint = s.fingerprint;
    return idx;
  }
}

export interface IndexSnapshot {
  kind: DatasetKind;
  listKey?: string;
  recordMap?: boolean;
  starts: Float64Array;
  lines?: Uint32Array;
  blankFix: number[];
  /** end of the last record */
  end: number;
  fingerprint: Fingerprint;
}

function blanksBefore(fix: number[], k: number): number {
  // fix = [idx0, cum0, idx1, cum1, …] with increasing idx
  let lo = 0;
  let hi = fix.length / 2 - 1;
  let best = 0;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (fix[mid * 2] <= k) {
      best = fix[mid * 2 + 1];
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return best;
}

/** First index i in [0, n) with arr[i] > value. */
function upperBound(arr: Float64Array, n: number, value: number): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (arr[mid] <= value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function indexOfByte(buf: Uint8Array, byte: number, from: number, end: number): number {
  const i = buf.indexOf(byte, from);
  return i === -1 || i >= end ? -1 : i;
}

/**
 * Decides how to read a file from its first bytes: NUL bytes mean binary; a `.jsonl` /
 * `.ndjson` name means lines; otherwise `[` starts a JSON array and `{` a JSON object,
 * unless a second top-level value follows the first (a JSONL file named .json).
 */
/** What a file that is not UTF-8 text seems to be, from its first bytes (for a message the user can act on). */
export function describeBinary(head: Uint8Array): string {
  const b = head;
  const conv = (enc: string) => `it is ${enc}; convert it, e.g. iconv -f ${enc.split(' ')[0]} -t UTF-8 FILE > FILE.utf8`;
  if (b[0] === 0xff && b[1] === 0xfe && b[2] === 0 && b[3] === 0) return conv('UTF-32LE (with a byte order mark)');
  if (b[0] === 0 && b[1] === 0 && b[2] === 0xfe && b[3] === 0xff) return conv('UTF-32BE (with a byte order mark)');
  if (b[0] === 0xff && b[1] === 0xfe) return conv('UTF-16LE (with a byte order mark)');
  if (b[0] === 0xfe && b[1] === 0xff) return conv('UTF-16BE (with a byte order mark)');
  // ASCII text in UTF-16 without a mark: every other byte is 0
  if (b.length >= 4 && b[1] === 0 && b[3] === 0 && b[0] !== 0 && b[2] !== 0) return conv('UTF-16LE');
  if (b.length >= 4 && b[0] === 0 && b[2] === 0 && b[1] !== 0 && b[3] !== 0) return conv('UTF-16BE');
  if (b[0] === 0x1f && b[1] === 0x8b) return 'it is gzip-compressed; decompress it first (gunzip)';
  if (b[0] === 0x50 && b[1] === 0x41 && b[2] === 0x52 && b[3] === 0x31) return 'it is a Parquet file';
  if (b[0] === 0x28 && b[1] === 0xb5 && b[2] === 0x2f && b[3] === 0xfd) return 'it is zstd-compressed; decompress it first (unzstd)';
  const nul = b.indexOf(0);
  return `it holds NUL bytes (the first at byte ${nul}): a binary file`;
}

export function detectKind(head: Uint8Array, size: number, fileName?: string): DatasetKind {
  if (size === 0) return 'empty';
  const probe = head.subarray(0, Math.min(head.length, 8192));
  if (probe.includes(0)) return 'binary';
  let i = head.length >= 3 && head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf ? 3 : 0;
  while (i < head.length && isWs(head[i])) i++;
  if (i >= head.length) return size > head.length ? 'jsonl' : 'empty';
  if (isLineBasedName(fileName)) return 'jsonl';
  const first = head[i];
  if (first === 0x5b) return 'json-array';
  if (first !== 0x7b) return 'jsonl';
  // '{': one object, or one object per line?
  const end = endOfValue(head, i);
  if (end < 0) return 'json-object'; // the first object is longer than the probe
  let j = end;
  while (j < head.length && isWs(head[j])) j++;
  return j < head.length && (head[j] === 0x7b || head[j] === 0x5b) ? 'jsonl' : 'json-object';
}

/**
 * A top-level object holding a list of records under a key, found in the first bytes: the
 * offset of the list's '[', its 0-based line and the key; undefined when the object is one
 * document (trainer state…) or the list does not start within `head`.
 */
export function findRecordList(head: Uint8Array, from: number): { offset: number; key: string } | undefined {
  let i = from;
  const ws = () => {
    while (i < head.length && isWs(head[i])) i++;
  };
  ws();
  if (head[i] !== 0x7b) return undefined;
  i++;
  const before: string[] = [];
  const decoder = new TextDecoder();
  for (let n = 0; n < 1000; n++) {
    ws();
    if (head[i] !== QUOTE) return undefined;
    const keyStart = i + 1;
    i = stringEnd(head, i);
    if (i < 0) return undefined;
    let key: string;
    try {
      key = JSON.parse(`"${decoder.decode(head.subarray(keyStart, i))}"`) as string;
    } catch {
      return undefined;
    }
    i++;
    ws();
    if (head[i] !== 0x3a /* : */) return undefined;
    i++;
    ws();
    if (i >= head.length) return undefined;
    if (head[i] === 0x5b /* [ */) {
      let j = i + 1;
      while (j < head.length && isWs(head[j])) j++;
      if (j < head.length && head[j] === 0x7b) {
        // the first list of objects decides: records, or a document that holds a list (trainer state)
        if (!recordListKey(key, before)) return undefined;
        return { offset: i, key };
      }
    }
    // skip this value
    if (head[i] === 0x7b || head[i] === 0x5b) {
      const end = endOfValue(head, i);
      if (end < 0) return undefined;
      i = end;
    } else if (head[i] === QUOTE) {
      i = stringEnd(head, i);
      if (i < 0) return undefined;
      i++;
    } else while (i < head.length && head[i] !== COMMA && head[i] !== 0x7d && !isWs(head[i])) i++;
    ws();
    before.push(key);
    if (head[i] !== COMMA) return undefined;
    i++;
  }
  return undefined;
}

/** The offset of the closing quote of the JSON string whose opening quote is at `i`, or -1 past `buf`. */
function stringEnd(buf: Uint8Array, i: number): number {
  for (let k = i + 1; k < buf.length; k++) {
    if (buf[k] === BACKSLASH) k++;
    else if (buf[k] === QUOTE) return k;
  }
  return -1;
}

/** How many lines end before `offset`. */
function linesBefore(buf: Uint8Array, offset: number): number {
  let n = 0;
  for (let k = 0; k < offset; k++) if (buf[k] === NL) n++;
  return n;
}

/** The keys of the object starting at `i` (at its own top level), as far as `head` reaches. */
function objectKeys(head: Uint8Array, i: number): { keys: string[]; end: number } {
  const keys: string[] = [];
  let depth = 0;
  let inString = false;
  let escape = false;
  let strStart = -1;
  let lastString = '';
  const decoder = new TextDecoder();
  for (let k = i; k < head.length; k++) {
    const b = head[k];
    if (inString) {
      if (escape) escape = false;
      else if (b === BACKSLASH) escape = true;
      else if (b === QUOTE) {
        inString = false;
        if (depth === 1) lastString = decoder.decode(head.subarray(strStart, k));
      }
      continue;
    }
    if (b === QUOTE) {
      inString = true;
      strStart = k + 1;
    } else if (b === 0x3a && depth === 1) keys.push(lastString);
    else if (b === 0x7b || b === 0x5b) depth++;
    else if (b === 0x7d || b === 0x5d) {
      depth--;
      if (depth === 0) return { keys, end: k + 1 };
    } else if (!isWs(b) && b !== COMMA) lastString = '';
  }
  return { keys, end: -1 };
}

/**
 * A top-level object whose values are records (DriveLM scene files, and other maps of
 * same-shaped objects): the offset of its '{', or undefined. DriveLM is known by its
 * `key_frames`; otherwise the first two values must lie in the head with the same keys (three
 * or more), and not be InternVL meta entries (`annotation`) or a trainer state.
 */
export function findRecordMap(head: Uint8Array, from: number): number | undefined {
  let i = from;
  while (i < head.length && isWs(head[i])) i++;
  if (head[i] !== 0x7b) return undefined;
  const open = i;
  const shapes: string[][] = [];
  let k = i + 1;
  for (let n = 0; n < 2; n++) {
    while (k < head.length && (isWs(head[k]) || head[k] === COMMA)) k++;
    if (head[k] !== QUOTE) break;
    k = stringEnd(head, k);
    if (k < 0) break;
    k++;
    while (k < head.length && isWs(head[k])) k++;
    if (head[k] !== 0x3a) return undefined;
    k++;
    while (k < head.length && isWs(head[k])) k++;
    if (head[k] !== 0x7b) return undefined;
    const { keys, end } = objectKeys(head, k);
    if (keys.includes('key_frames')) return open;
    if (end < 0) break;
    shapes.push(keys);
    k = end;
  }
  if (shapes.length < 2) return undefined;
  const [a, b] = shapes;
  const same = a.length >= 3 && a.length === b.length && a.every((x) => b.includes(x));
  return same && !a.includes('annotation') && !a.includes('log_history') ? open : undefined;
}

/** End offset (exclusive) of the JSON object/array starting at `i`, or -1 past the buffer. */
function endOfValue(buf: Uint8Array, i: number): number {
  let depth = 0;
  let inString = false;
  let escape = false;
  for (let k = i; k < buf.length; k++) {
    const b = buf[k];
    if (inString) {
      if (escape) escape = false;
      else if (b === BACKSLASH) escape = true;
      else if (b === QUOTE) inString = false;
      continue;
    }
    if (b === QUOTE) inString = true;
    else if (b === 0x7b || b === 0x5b) depth++;
    else if (b === 0x7d || b === 0x5d) {
      depth--;
      if (depth === 0) return k + 1;
    }
  }
  return -1;
}
