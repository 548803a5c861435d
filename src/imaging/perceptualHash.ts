/**
 * A 64-bit difference hash (dHash) of an image through sharp: the picture (EXIF orientation
 * applied) in grey, shrunk to 72×64 and averaged over 8×8 blocks into 9×8 cells, one bit per
 * horizontally adjacent pair (left brighter than right). The block average keeps resized and
 * re-encoded copies within a few bits (a direct 9×8 resample flipped up to 9 bits of a
 * 200-px JPEG copy in our tests; with it, at most 3).
 */
import { loadSharp } from './sharpInfo';

/** The hash as two 32-bit halves (bits 0–31 in `lo`, 32–63 in `hi`). */
export interface DHash {
  hi: number;
  lo: number;
}

const BLOCK = 8;

export async function dhash(path: string): Promise<DHash> {
  const sharp = await loadSharp();
  const { data } = await sharp(path, { failOn: 'none', limitInputPixels: 1 << 30 })
    .rotate()
    .greyscale()
    .resize(9 * BLOCK, 8 * BLOCK, { fit: 'fill', kernel: 'cubic' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  const cells = new Uint8Array(72);
  for (let y = 0; y < 8; y++)
    for (let x = 0; x < 9; x++) {
      let sum = 0;
      for (let j = 0; j < BLOCK; j++) for (let i = 0; i < BLOCK; i++) sum += data[(y * BLOCK + j) * 9 * BLOCK + x * BLOCK + i];
      cells[y * 9 + x] = Math.round(sum / (BLOCK * BLOCK));
    }
  return dhashOfPixels(cells, 9, 8);
}

/** dHash of grey pixels (width × height, one byte each): bit i set when pixel (x, y) is brighter than (x+1, y). */
export function dhashOfPixels(px: Uint8Array, width: number, height: number): DHash {
  let hi = 0;
  let lo = 0;
  let bit = 0;
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width - 1; x++, bit++) {
      if (px[y * width + x] > px[y * width + x + 1]) {
        if (bit < 32) lo |= 1 << bit;
        else hi |= 1 << (bit - 32);
      }
    }
  return { hi: hi >>> 0, lo: lo >>> 0 };
}
