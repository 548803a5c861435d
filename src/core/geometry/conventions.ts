/** Coordinate conventions → pixels of the original image. Pure arithmetic. */
import type { Convention, Size } from './types';

/** Python's round(): halves go to the even neighbour (Qwen's processor is Python). */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

export const QWEN_FACTOR = 28;
/** Qwen2.5-VL processor defaults: min_pixels 56·56, max_pixels 28·28·1280 */
export const QWEN_MIN_PIXELS = 56 * 56;
export const QWEN_MAX_PIXELS = 28 * 28 * 1280;

/**
 * Qwen2.5-VL's smart_resize (qwen_vl_utils): both sides a multiple of `factor`, the area
 * kept within [minPixels, maxPixels], the aspect ratio kept as far as possible.
 */
export function smartResize(height: number, width: number, factor = QWEN_FACTOR, minPixels = QWEN_MIN_PIXELS, maxPixels = QWEN_MAX_PIXELS): { height: number; width: number } {
  let h = Math.max(factor, roundHalfEven(height / factor) * factor);
  let w = Math.max(factor, roundHalfEven(width / factor) * factor);
  if (h * w > maxPixels) {
    const beta = Math.sqrt((height * width) / maxPixels);
    h = Math.max(factor, Math.floor(height / beta / factor) * factor);
    w = Math.max(factor, Math.floor(width / beta / factor) * factor);
  } else if (h * w < minPixels) {
    const beta = Math.sqrt(minPixels / (height * width));
    h = Math.ceil((height * beta) / factor) * factor;
    w = Math.ceil((width * beta) / factor) * factor;
  }
  return { height: h, width: w };
}

export interface ConversionContext {
  /** the image as displayed (after EXIF orientation) */
  image: Size;
  /** the record's own resized frame (RoboInter new_w/new_h), for `resized` */
  resized?: Size;
  qwenMinPixels?: number;
  qwenMaxPixels?: number;
}

/** Scale factors (sx, sy) that take one convention's x/y to pixels, or why it cannot. */
export function scaleFor(convention: Convention, ctx: ConversionContext): { sx: number; sy: number } | { error: string } {
  const { width: W, height: H } = ctx.image;
  switch (convention) {
    case 'pixel':
      return { sx: 1, sy: 1 };
    case 'norm1':
      return { sx: W, sy: H };
    case 'norm1000':
      return { sx: W / 1000, sy: H / 1000 };
    case 'norm999':
      return { sx: W / 999, sy: H / 999 };
    case 'percent':
      return { sx: W / 100, sy: H / 100 };
    case 'qwen25': {
      const r = smartResize(H, W, QWEN_FACTOR, ctx.qwenMinPixels ?? QWEN_MIN_PIXELS, ctx.qwenMaxPixels ?? QWEN_MAX_PIXELS);
      return { sx: W / r.width, sy: H / r.height };
    }
    case 'resized':
      if (!ctx.resized) return { error: 'the record has no resized size (new_w/new_h)' };
      return { sx: W / ctx.resized.width, sy: H / ctx.resized.height };
  }
}

/** Converts one (x, y) pair. */
export function toPixel(x: number, y: number, s: { sx: number; sy: number }): [number, number] {
  return [x * s.sx, y * s.sy];
}
