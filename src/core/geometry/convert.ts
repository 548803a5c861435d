/**
 * Raw shapes → pixels of the image as displayed, with the convention each shape is read
 * in and the reason; flags for values outside the image, inverted and zero-area boxes.
 */
import { scaleFor, type ConversionContext } from './conventions';
import type { Convention, ConventionChoice, PixelShape, RawShape } from './types';

/**
 * The convention a shape is read in. A choice the user made (per file, or by setting)
 * wins; then what the format itself says; then the file's detected convention.
 */
export function conventionFor(shape: RawShape, file: ConventionChoice): { convention: Convention; source: ConventionChoice['source'] } {
  if (file.source === 'override' || file.source === 'setting') return { convention: file.convention, source: file.source };
  if (shape.implied) return { convention: shape.implied, source: 'format' };
  return { convention: file.convention, source: file.source };
}

const TOLERANCE = 0.5; // pixels: rounding in the data is not "outside"

/** Converted shapes, and the ones that could not be (with why): nothing is dropped silently. */
export interface Converted {
  shapes: PixelShape[];
  skipped: Array<{ shape: RawShape; reason: string }>;
}

export function toPixelShapes(shapes: RawShape[], ctx: ConversionContext, file: ConventionChoice): Converted {
  const out: PixelShape[] = [];
  const skipped: Converted['skipped'] = [];
  for (const s of shapes) {
    const { convention, source } = conventionFor(s, file);
    const scale = scaleFor(convention, ctx);
    const flags: string[] = [];
    if ('error' in scale) {
      skipped.push({ shape: s, reason: `${convention}: ${scale.error}` });
      continue;
    }
    const { sx, sy } = scale;
    let pixels: number[] | number[][];
    if (s.kind === 'box') {
      const [x1, y1, a, b] = s.values as number[];
      // COCO boxes are x, y, width, height
      const x2 = s.xywh ? x1 + a : a;
      const y2 = s.xywh ? y1 + b : b;
      pixels = [x1 * sx, y1 * sy, x2 * sx, y2 * sy];
      if (x2 < x1 || y2 < y1) flags.push('inverted box (x2 < x1 or y2 < y1)');
      else if (x2 === x1 || y2 === y1) flags.push('zero-area box');
    } else if (s.kind === 'point') {
      const [x, y] = s.values as number[];
      pixels = [x * sx, y * sy];
    } else {
      pixels = (s.values as number[][]).map(([x, y]) => [x * sx, y * sy]);
    }
    const coords = s.kind === 'trajectory' ? (pixels as number[][]) : chunk(pixels as number[]);
    const outside = coords.filter(([x, y]) => x < -TOLERANCE || y < -TOLERANCE || x > ctx.image.width + TOLERANCE || y > ctx.image.height + TOLERANCE);
    if (outside.length > 0) flags.push(s.kind === 'trajectory' ? `${outside.length} trajectory point(s) outside the ${ctx.image.width}×${ctx.image.height} image` : `outside the ${ctx.image.width}×${ctx.image.height} image`);
    out.push({ kind: s.kind, role: s.role, label: s.label, pixels, convention, conventionSource: source, source: s.source, parser: s.parser, group: s.group, view: s.view, flags });
  }
  return { shapes: out, skipped };
}

function chunk(flat: number[]): number[][] {
  const out: number[][] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) out.push([flat[i], flat[i + 1]]);
  return out;
}
