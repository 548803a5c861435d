/**
 * Reads a metrics file from disk (trainer_state.json, results JSON, an eval log) into a
 * MetricsFileView. Shared by the CLI (`vlm-lens read`) and the Eval panel.
 */
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { LogMetricsReader, isJsonMetricsName, jsonMetricsView, parsePythonJson, type MetricsFileView } from './metricsFile';

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
  if (isJsonMetricsName(path)) {
    if (size > MAX_JSON_METRICS_BYTES) throw new MetricsFileTooLarge(path, size, MAX_JSON_METRICS_BYTES);
    const { value, nonFinite } = parsePythonJson(await readFile(path, 'utf8'));
    return jsonMetricsView(value, basename(path), { nonFinite, maxPoints: opts.maxPoints });
  }
  const reader = new LogMetricsReader();
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
