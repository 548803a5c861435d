/**
 * Reads a metrics file from disk (trainer_state.json, results JSON, an eval log) into a
 * MetricsFileView. Shared by the CLI (`vlm-lens read`) and the Eval panel.
 */
import { createReadStream } from 'node:fs';
import { open, readFile, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { parse } from 'csv-parse';
import { LogMetricsReader, isJsonMetricsName, jsonMetricsView, parsePythonJson, type MetricsFileView } from './metricsFile';
import { CsvMetrics } from './trainingLogs';

/** Whether a file of this name is read as CSV (Lightning `metrics.csv`, `rewards.csv`, NAVSIM PDM results). */
export function isCsvMetricsName(name: string): boolean {
  return /\.(csv|tsv)$/i.test(name);
}

/**
 * A metrics CSV streamed through csv-parse (quoted cells, CRLF, a BOM): ragged rows are read
 * with the cells they have and said; a malformed quote ends the read at that line, and what was
 * read before it is kept.
 */
async function readCsvMetrics(path: string, size: number, opts: { maxPoints?: number; signal?: AbortSignal; onProgress?: (bytes: number, total: number) => void }): Promise<MetricsFileView | undefined> {
  const csv = new CsvMetrics(opts.maxPoints);
  const stream = createReadStream(path, { highWaterMark: 1 << 20 });
  let read = 0;
  stream.on('data', (c) => {
    read += c.length;
    opts.onProgress?.(read, size);
  });
  const parser = stream.pipe(parse({ bom: true, relax_column_count: true, skip_empty_lines: true, info: true, delimiter: /\.tsv$/i.test(path) ? '\t' : ',' }));
  let error: string | undefined;
  try {
    for await (const r of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      if (opts.signal?.aborted) return undefined;
      csv.row(r.record, r.info.lines);
    }
  } catch (e) {
    error = e instanceof Error ? e.message : String(e);
  } finally {
    stream.destroy();
  }
  const view = csv.finish();
  if (error) view.errors.push(`the CSV could not be read past this point: ${error}`);
  if (size > 0 && !(await endsWithNewline(path, size))) view.notes.push('the last line has no line break yet (the file is still being written?): it was read as it is');
  return view;
}

async function endsWithNewline(path: string, size: number): Promise<boolean> {
  const fh = await open(path, 'r');
  try {
    const b = Buffer.alloc(1);
    await fh.read(b, 0, 1, size - 1);
    return b[0] === 0x0a;
  } finally {
    await fh.close();
  }
}

/** JSON metrics files are parsed whole: beyond this they are refused, with the reason. */
export const MAX_JSON_METRICS_BYTES = 256 * 1024 * 1024;

export class MetricsFileTooLarge extends Error {
  constructor(
    readonly file: string,
    readonly bytes: number,
    readonly limit: number,
  ) {
    super(`${basename(file)} is ${(bytes / 1048576).toFixed(0)} MB; JSON metrics files over ${limit / 1048576} MB are not read whole (is it a dataset?)`);
  }
}

/**
 * Reads a metrics file from disk: JSON whole (trainer state, results), a log in 1 MB chunks
 * (`onProgress` gets the bytes read; `signal` stops it, resolving undefined).
 */
export async function readMetricsFile(path: string, opts: { maxPoints?: number; signal?: AbortSignal; onProgress?: (bytes: number, total: number) => void } = {}): Promise<MetricsFileView | undefined> {
  const size = (await stat(path)).size;
  if (isCsvMetricsName(path)) return readCsvMetrics(path, size, opts);
  if (isJsonMetricsName(path)) {
    if (size > MAX_JSON_METRICS_BYTES) throw new MetricsFileTooLarge(path, size, MAX_JSON_METRICS_BYTES);
    const { value, nonFinite } = parsePythonJson(await readFile(path, 'utf8'));
    return jsonMetricsView(value, basename(path), { nonFinite, maxPoints: opts.maxPoints });
  }
  const reader = new LogMetricsReader(opts.maxPoints);
  const decoder = new TextDecoder('utf-8');
  let read = 0;
  const stream = createReadStream(path, { highWaterMark: 1 << 20 });
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      if (opts.signal?.aborted) return undefined;
      reader.push(decoder.decode(chunk, { stream: true }));
      read += chunk.length;
      opts.onProgress?.(read, size);
    }
  } finally {
    stream.destroy();
  }
  reader.push(decoder.decode());
  return reader.finish();
}
