/**
 * A pass over every record of an indexed file: the format mix and every record that does
 * not parse (located), streamed as progress. Runs in a worker thread for the viewer and
 * in-process for the CLI.
 */
import { type RandomAccessFile } from '../io/randomAccessFile';
import { AbortError, type RecordIndex } from '../index/recordIndex';
import { readRecords } from '../index/recordReader';
import { detectFormat } from '../records/normalize';
import type { FormatDescriptor } from '../formats/registry';
import { parseRecordText, positionIn } from '../records/parseRecord';
import { columnAt, mojibakeIn } from './loadRecords';
import { type ScanProblem, type ScanStatus } from './types';

export type { ScanProblem, ScanStatus };

export interface ScanOptions {
  signal?: AbortSignal;
  maxRecordBytes?: number;
  maxProblems?: number;
  /** called about every `intervalMs` and at the end, with problems found since the last call */
  onProgress?: (s: ScanStatus) => void;
  intervalMs?: number;
  /** user format descriptors that apply to this file */
  formats?: readonly FormatDescriptor[];
}

export function emptyScan(total = 0): ScanStatus {
  return { processed: 0, total, done: false, formats: {}, parseErrors: 0, tooLarge: 0, invalidUtf8: 0, mojibake: 0, problems: [], problemsCapped: false };
}

export async function scanRecords(file: RandomAccessFile, index: RecordIndex, opts: ScanOptions = {}): Promise<ScanStatus> {
  const total = index.readyCount;
  const maxProblems = opts.maxProblems ?? 10_000;
  const interval = opts.intervalMs ?? 200;
  const status = emptyScan(total);
  let fresh: ScanProblem[] = [];
  let storedProblems = 0;
  let last = Date.now();
  const report = (done: boolean) => {
    status.done = done;
    opts.onProgress?.({ ...status, formats: { ...status.formats }, problems: fresh });
    fresh = [];
    last = Date.now();
  };
  const addProblem = (p: ScanProblem) => {
    if (storedProblems >= maxProblems) {
      status.problemsCapped = true;
      return;
    }
    storedProblems++;
    status.problems.push(p);
    fresh.push(p);
  };
  const batch = 2000;
  for (let k = 0; k < total; k += batch) {
    if (opts.signal?.aborted) throw new AbortError();
    const raws = await readRecords(file, index, k, Math.min(batch, total - k), { maxRecordBytes: opts.maxRecordBytes });
    for (const raw of raws) {
      if (raw.tooLarge || raw.text === undefined) {
        status.tooLarge++;
        addProblem({ index: raw.index, line: raw.line, column: 0, kind: 'too-large', message: `record of ${raw.end - raw.start} bytes is too large to parse here` });
        continue;
      }
      if (raw.invalidUtf8At !== undefined) {
        status.invalidUtf8++;
        addProblem({ index: raw.index, line: raw.line, column: 0, kind: 'invalid-utf8', message: 'invalid UTF-8 (shown with replacement characters)' });
      }
      const parsed = parseRecordText(raw.text);
      if (parsed.ok) {
        const f = detectFormat(parsed.value, opts.formats);
        status.formats[f] = (status.formats[f] ?? 0) + 1;
        const moji = mojibakeIn(parsed.value, raw.text, 1);
        if (moji.length > 0) {
          status.mojibake++;
          addProblem({ index: raw.index, line: raw.line, column: 0, kind: 'mojibake', message: `"${moji[0].original}" looks like UTF-8 read as Latin-1 ("${moji[0].fixed}")` });
        }
      } else {
        status.parseErrors++;
        const col0 = index.kind === 'json-array' ? await columnAt(file, raw.start) : 0;
        const pos = positionIn(raw.text, parsed.error.offset, raw.line, col0);
        addProblem({ index: raw.index, ...pos, kind: 'parse', message: parsed.error.message });
      }
    }
    status.processed = Math.min(total, k + batch);
    if (Date.now() - last >= interval) report(false);
  }
  status.processed = total;
  report(true);
  return status;
}
