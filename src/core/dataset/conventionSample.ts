/**
 * The coordinate convention of a whole file, guessed from a sample of its records: the
 * first ones and others spread over the file (so a file that changes convention halfway
 * is noticed). Uses the image sizes records declare; no image is opened.
 */
import { type RandomAccessFile } from '../io/randomAccessFile';
import { type RecordIndex } from '../index/recordIndex';
import { extractGeometry } from '../geometry/extract';
import { guessFileConvention, guessRecordConvention, type FileConvention } from '../geometry/detect';
import { loadRecords, type LoadedRecord } from './loadRecords';
import type { Size } from '../geometry/types';

export interface SampleOptions {
  head?: number;
  spread?: number;
  boxesAreXywh?: boolean;
  /** the size of a record's first image, for records that do not declare one (a few are looked up) */
  imageSize?: (rec: LoadedRecord) => Promise<Size | undefined>;
  /** how many records may have their image looked up (default 20) */
  imageLookups?: number;
}

export async function sampleFileConvention(file: RandomAccessFile, index: RecordIndex, opts: SampleOptions = {}): Promise<FileConvention & { sampled: number }> {
  const total = index.readyCount;
  const head = Math.min(total, opts.head ?? 100);
  const spread = opts.spread ?? 100;
  const picks = new Set<number>();
  for (let i = 0; i < head; i++) picks.add(i);
  if (total > head) for (let i = 0; i < spread; i++) picks.add(Math.floor(head + ((total - head) * i) / spread));
  const guesses = [];
  let lookups = opts.imageLookups ?? 20;
  for (const k of [...picks].sort((a, b) => a - b)) {
    const [r] = await loadRecords(file, index, k, 1);
    if (!r?.record) continue;
    const g = extractGeometry(r.record, r.value, { boxesAreXywh: opts.boxesAreXywh });
    if (!g.shapes.some((s) => !s.implied)) continue;
    let size = r.record.declaredSize;
    if (!size && opts.imageSize && lookups > 0) {
      lookups--;
      size = await opts.imageSize(r).catch(() => undefined);
    }
    // the data's shapes say the convention; a model's answers (pred) only when there is nothing else
    const data = g.shapes.filter((s) => s.role !== 'pred' && !s.implied);
    guesses.push(guessRecordConvention(data.length ? data : g.shapes, size));
  }
  return { ...guessFileConvention(guesses), sampled: picks.size };
}
