/**
 * A Parquet dataset as JSON Lines the viewer can read: one line per row, in row order,
 * written in batches (the first few rows first, so the first page shows at once) while the
 * rest is converted. Binary values become files beside the lines: a Hugging Face `Image`
 * value (`{bytes, path}`) or any BLOB is written to `media/` (its type told by its first
 * bytes) and replaced by that file's path relative to the conversion's folder
 * (`media/3-image-cat.jpg`), so the viewer shows it like any image path.
 * BIGINTs become numbers when they fit (else strings), dates and times ISO strings.
 *
 * DuckDB reads the Parquet file (that file only; Node writes the output). A finished
 * export leaves `done.json`; an unfinished one is started again from scratch.
 */
import { appendFile, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type * as Duck from '@duckdb/node-api';
import { confinedDuckDb, isOutOfMemory, loadDuckDb, memoryLadder, outOfMemoryError, sqlString } from './recordTable';

export interface ParquetExport {
  jsonl: string;
  rows: number;
  /** resolves when every row is written (rejects with the reason it stopped) */
  done: Promise<{ rows: number; media: number }>;
}

export interface ExportOptions {
  signal?: AbortSignal;
  /** rows of the first batch (the first page) */
  firstBatch?: number;
  onProgress?: (written: number, total: number) => void;
  /** the memory limits to try, in MB (default: memoryLadder()) */
  memoryLimits?: number[];
}

interface Marker {
  size: number;
  mtimeMs: number;
  rows: number;
  media: number;
}

const MAGIC: Array<[number[], string]> = [
  [[0x89, 0x50, 0x4e, 0x47], 'png'],
  [[0xff, 0xd8, 0xff], 'jpg'],
  [[0x47, 0x49, 0x46, 0x38], 'gif'],
  [[0x42, 0x4d], 'bmp'],
  [[0x49, 0x49, 0x2a, 0x00], 'tif'],
  [[0x4d, 0x4d, 0x00, 0x2a], 'tif'],
];

/** A file extension for binary content, from its first bytes (`bin` when unknown). */
export function extensionOf(bytes: Uint8Array): string {
  for (const [sig, ext] of MAGIC) if (sig.every((b, i) => bytes[i] === b)) return ext;
  // RIFF....WEBP
  if (bytes[0] === 0x52 && bytes[1] === 0x49 && bytes[2] === 0x46 && bytes[3] === 0x46 && bytes[8] === 0x57 && bytes[9] === 0x45 && bytes[10] === 0x42 && bytes[11] === 0x50) return 'webp';
  // ....ftyp: MP4 / MOV
  if (bytes[4] === 0x66 && bytes[5] === 0x74 && bytes[6] === 0x79 && bytes[7] === 0x70) return 'mp4';
  return 'bin';
}

/**
 * Starts (or reuses) the export of `parquet` into `outDir`. Resolves once the first batch
 * is written (or at once when a finished export of the same file exists).
 */
export async function exportParquet(parquet: string, outDir: string, opts: ExportOptions = {}): Promise<ParquetExport> {
  const st = await stat(parquet);
  const jsonl = join(outDir, 'records.jsonl');
  const markerPath = join(outDir, 'done.json');
  try {
    const m = JSON.parse(await readFile(markerPath, 'utf8')) as Marker;
    if (m.size === st.size && m.mtimeMs === st.mtimeMs) return { jsonl, rows: m.rows, done: Promise.resolve({ rows: m.rows, media: m.media }) };
  } catch {
    /* no finished export */
  }
  await rm(outDir, { recursive: true, force: true });
  const mediaDir = join(outDir, 'media');
  await mkdir(mediaDir, { recursive: true });
  await writeFile(jsonl, '');
  const duck = await loadDuckDb();
  const source = `read_parquet(${sqlString(parquet)})`;
  // one thread: the rows are written in order, one row group read at a time; a file whose
  // pages do not fit is read on from the row it reached, with more memory (see memoryLadder)
  const limits = opts.memoryLimits ?? memoryLadder();
  let level = 0;
  let inst = await confinedDuckDb(parquet, { threads: 1, memoryLimit: `${limits[level]}MB` });
  const close = () => {
    inst.conn.closeSync();
    inst.db.closeSync();
  };
  const withRetry = async <T>(f: (conn: Duck.DuckDBConnection) => Promise<T>): Promise<T> => {
    for (;;) {
      try {
        return await f(inst.conn);
      } catch (e) {
        if (!isOutOfMemory(e) || opts.signal?.aborted) throw e;
        if (level + 1 >= limits.length) throw outOfMemoryError(limits[level]);
        close();
        level++;
        inst = await confinedDuckDb(parquet, { threads: 1, memoryLimit: `${limits[level]}MB` });
      }
    }
  };
  try {
    const total = await withRetry(async (conn) => Number((await conn.runAndReadAll(`SELECT count(*) AS n FROM ${source}`)).getRowObjectsJson()[0].n));
    const first = Math.max(1, opts.firstBatch ?? 64);
    const media = { count: 0 };
    const writer = new BatchWriter(jsonl, mediaDir, media, duck);
    // the first rows on their own, so the first page does not wait for a whole chunk of images
    await withRetry(async (conn) => writer.write(await conn.stream(`SELECT * FROM ${source} LIMIT ${first - writer.rows} OFFSET ${writer.rows}`), opts.signal));
    opts.onProgress?.(Math.min(first, total), total);
    const done = (async () => {
      try {
        if (total > first) await withRetry(async (conn) => writer.write(await conn.stream(`SELECT * FROM ${source} OFFSET ${writer.rows}`), opts.signal, (n) => opts.onProgress?.(n, total)));
        const marker: Marker = { size: st.size, mtimeMs: st.mtimeMs, rows: total, media: media.count };
        await writeFile(markerPath, JSON.stringify(marker));
        return { rows: total, media: media.count };
      } finally {
        close();
      }
    })();
    done.catch(() => undefined);
    return { jsonl, rows: total, done };
  } catch (e) {
    close();
    throw e;
  }
}

class BatchWriter {
  constructor(
    private readonly jsonl: string,
    private readonly mediaDir: string,
    private readonly media: { count: number },
    private readonly duck: typeof Duck,
  ) {}

  /** rows written so far (whole chunks: a read that fails part-way is taken up again from here) */
  rows = 0;

  /** Writes every row of `result` (numbered on from `rows`), one chunk of lines at a time. */
  async write(result: Duck.DuckDBResult, signal?: AbortSignal, onRows?: (written: number) => void): Promise<void> {
    const names = result.columnNames();
    let row = this.rows;
    for (;;) {
      if (signal?.aborted) throw new Error('cancelled');
      const chunk = await result.fetchChunk();
      if (!chunk || chunk.rowCount === 0) break;
      const lines: string[] = [];
      // row by row: a chunk of 2,048 rows of images is hundreds of MB; only one row's values are copied at a time
      for (let i = 0; i < chunk.rowCount; i++) {
        const values = chunk.convertRowValues(i, this.duck.JSDuckDBValueConverter);
        const rec: Record<string, unknown> = {};
        for (let c = 0; c < names.length; c++) rec[names[c]] = await this.plain(values[c], row, names[c]);
        lines.push(JSON.stringify(rec));
        row++;
      }
      await appendFile(this.jsonl, lines.join('\n') + '\n');
      this.rows = row;
      onRows?.(row);
    }
  }

  /** A value as JSON can hold it; binary content written to a file, its path in its place. */
  private async plain(v: unknown, row: number, field: string): Promise<unknown> {
    if (v === null || v === undefined) return null;
    if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
    if (v instanceof Uint8Array) return this.writeMedia(v, row, field);
    if (v instanceof Date) return Number.isNaN(v.getTime()) ? null : v.toISOString();
    if (Array.isArray(v)) {
      const out: unknown[] = [];
      for (let i = 0; i < v.length; i++) out.push(await this.plain(v[i], row, `${field}-${i}`));
      return out;
    }
    if (typeof v === 'object') {
      const o = v as Record<string, unknown>;
      // a Hugging Face Image / Audio value: {bytes, path}: the written file (or the path when there are no bytes)
      const keys = Object.keys(o);
      if (keys.includes('bytes') && keys.every((k) => k === 'bytes' || k === 'path')) {
        if (o.bytes instanceof Uint8Array && o.bytes.length > 0) return this.writeMedia(o.bytes, row, field, typeof o.path === 'string' ? o.path : undefined);
        return typeof o.path === 'string' ? o.path : null;
      }
      const out: Record<string, unknown> = {};
      for (const k of keys) out[k] = await this.plain(o[k], row, `${field}-${k}`);
      return out;
    }
    return v;
  }

  private async writeMedia(bytes: Uint8Array, row: number, field: string, originalName?: string): Promise<string> {
    const safe = (s: string) => s.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 60);
    const ext = extensionOf(bytes);
    const name = `${row}-${safe(field)}${originalName ? `-${safe(originalName.replace(/\.[^.]*$/, ''))}` : ''}.${ext}`;
    await writeFile(join(this.mediaDir, name), bytes);
    this.media.count++;
    // relative to the conversion's folder (the viewer looks for images there)
    return `media/${name}`;
  }
}
