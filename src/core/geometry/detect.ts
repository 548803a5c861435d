/**
 * Which convention a file's coordinates are in, when the format does not say: decided from
 * the value ranges seen (and image sizes, when known), with the reason in words.
 */
import type { Convention, RawShape, Size } from './types';

export interface ConventionGuess {
  convention: Convention;
  reason: string;
}

function coords(shapes: RawShape[]): number[][] {
  return shapes.flatMap((s): number[][] => {
    if (s.kind === 'trajectory') return s.values as number[][];
    const v = s.values as number[];
    if (s.kind === 'point') return [[v[0], v[1]]];
    return s.xywh ? [[v[0], v[1]], [v[0] + v[2], v[1] + v[3]]] : [[v[0], v[1]], [v[2], v[3]]];
  });
}

/**
 * Guesses the convention of one record's undetermined shapes. `image` is the size of the
 * image they are drawn on (declared by the record or read from the file), if known.
 */
export function guessRecordConvention(shapes: RawShape[], image?: Size): ConventionGuess | undefined {
  const free = shapes.filter((s) => !s.implied);
  if (free.length === 0) return undefined;
  const pts = coords(free);
  // loops, not Math.max(...spread): a 300k-point trajectory would overflow the call stack
  let maxX = -Infinity;
  let maxY = -Infinity;
  let min = Infinity;
  let fractional = false;
  for (const p of pts) {
    if (p[0] > maxX) maxX = p[0];
    if (p[1] > maxY) maxY = p[1];
    min = Math.min(min, p[0], p[1]);
    if (!fractional && (!Number.isInteger(p[0]) || !Number.isInteger(p[1]))) fractional = true;
  }
  const max = Math.max(maxX, maxY);
  if (max <= 1 && min >= 0) return { convention: 'norm1', reason: 'all values are between 0 and 1' };
  const qwenJson = free.every((s) => s.parser === 'Qwen2.5/3 JSON');
  if (image) {
    const beyond = maxX > image.width * 1.02 || maxY > image.height * 1.02;
    if (beyond && max <= 1000) return { convention: 'norm1000', reason: `values up to ${round(max)} exceed the ${image.width}×${image.height} image` };
    if (beyond) return { convention: 'pixel', reason: `values up to ${round(max)} are larger than a normalized range` };
    if (qwenJson) return { convention: 'qwen25', reason: `Qwen bbox_2d values within the ${image.width}×${image.height} image: absolute pixels of the smart-resized input (Qwen2.5-VL)` };
    if (max <= 100 && fractional) return { convention: 'percent', reason: 'fractional values no larger than 100' };
    return { convention: 'pixel', reason: `values fit the ${image.width}×${image.height} image` };
  }
  if (max <= 100 && fractional) return { convention: 'percent', reason: 'fractional values no larger than 100' };
  if (qwenJson) return { convention: 'qwen25', reason: 'Qwen bbox_2d values (image size unknown): Qwen2.5-VL absolute pixels' };
  return { convention: 'pixel', reason: 'integer values larger than 1 (image size unknown)' };
}

export interface FileConvention {
  guess: ConventionGuess | undefined;
  /** conventions records disagree on (more than one means the file mixes them) */
  seen: Partial<Record<Convention, number>>;
  mixed: boolean;
}

/** The file's convention: the most common guess over its records; mixed when others are common too. */
export function guessFileConvention(perRecord: Array<ConventionGuess | undefined>): FileConvention {
  const seen: Partial<Record<Convention, number>> = {};
  const reasons = new Map<Convention, string>();
  for (const g of perRecord) {
    if (!g) continue;
    seen[g.convention] = (seen[g.convention] ?? 0) + 1;
    if (!reasons.has(g.convention)) reasons.set(g.convention, g.reason);
  }
  return fileConventionFromCounts(seen, reasons);
}

/** The file's convention from how many records looked like each (and why, for the first of each). */
export function fileConventionFromCounts(seen: Partial<Record<Convention, number>>, reasons = new Map<Convention, string>()): FileConvention {
  const entries = (Object.entries(seen) as Array<[Convention, number]>).sort((a, b) => b[1] - a[1]);
  if (entries.length === 0) return { guess: undefined, seen, mixed: false };
  const total = entries.reduce((a, [, n]) => a + n, 0);
  const [top, topN] = entries[0];
  // norm1000 and pixel often both fit small values: only count a minority of at least 5 %
  const mixed = entries.slice(1).some(([, n]) => n / total >= 0.05);
  const share = entries.length > 1 ? ` (${topN} of ${total} records)` : '';
  return { guess: { convention: top, reason: `${reasons.get(top) ?? ''}${share}` }, seen, mixed };
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}
