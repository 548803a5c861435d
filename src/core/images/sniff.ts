/**
 * Whether a file that exists is an image at all, from its first bytes: the magic numbers of
 * the formats the viewer decodes (PNG, JPEG, GIF, WebP, BMP, TIFF, AVIF/HEIF), and for PNG a
 * complete header with a non-zero size. A text file, an HTML error page saved as `.jpg` or
 * a PNG cut off in its header are said, with what was found instead.
 */
import { open } from 'node:fs/promises';

export const SNIFF_BYTES = 32;

const startsWith = (b: Uint8Array, sig: number[], at = 0) => sig.every((x, i) => b[at + i] === x);
const ascii = (b: Uint8Array, from: number, to: number) => String.fromCharCode(...b.subarray(from, to));

/** The format of an image's first bytes, or what is wrong with them. */
export function sniffImage(head: Uint8Array, fileSize: number): { format: string } | { problem: string } {
  if (fileSize === 0) return { problem: 'the file is empty' };
  if (startsWith(head, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) {
    if (head.length < 24 || ascii(head, 12, 16) !== 'IHDR') return { problem: `corrupt PNG header (the file has ${fileSize} bytes; no IHDR chunk where it belongs)` };
    const w = ((head[16] << 24) | (head[17] << 16) | (head[18] << 8) | head[19]) >>> 0;
    const h = ((head[20] << 24) | (head[21] << 16) | (head[22] << 8) | head[23]) >>> 0;
    if (w === 0 || h === 0) return { problem: `corrupt PNG header (size ${w}×${h})` };
    return { format: 'png' };
  }
  if (startsWith(head, [0xff, 0xd8, 0xff])) return { format: 'jpeg' };
  if (ascii(head, 0, 6) === 'GIF87a' || ascii(head, 0, 6) === 'GIF89a') return { format: 'gif' };
  if (ascii(head, 0, 4) === 'RIFF' && ascii(head, 8, 12) === 'WEBP') return { format: 'webp' };
  if (ascii(head, 0, 2) === 'BM' && head.length >= 14) return { format: 'bmp' };
  if (startsWith(head, [0x49, 0x49, 0x2a, 0x00]) || startsWith(head, [0x4d, 0x4d, 0x00, 0x2a])) return { format: 'tiff' };
  if (ascii(head, 4, 8) === 'ftyp') return { format: ascii(head, 8, 12).trim() || 'heif' };
  const printable = head.every((b) => b === 9 || b === 10 || b === 13 || (b >= 32 && b < 127) || b >= 0x80);
  if (printable) return { problem: `not an image: the file is text (starts with ${JSON.stringify(new TextDecoder().decode(head).slice(0, 16))})` };
  return { problem: `not an image format VLM Lens knows (starts with bytes ${[...head.subarray(0, 8)].map((b) => b.toString(16).padStart(2, '0')).join(' ')})` };
}

/** What is wrong with an existing image file, from its first bytes; undefined when it looks right. */
export async function imageFileProblem(path: string): Promise<string | undefined> {
  let fh;
  try {
    fh = await open(path, 'r');
    const st = await fh.stat();
    const buf = new Uint8Array(Math.min(SNIFF_BYTES, st.size));
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    const r = sniffImage(buf.subarray(0, bytesRead), st.size);
    return 'problem' in r ? r.problem : undefined;
  } catch (e) {
    return `cannot be read (${(e as NodeJS.ErrnoException).code ?? (e instanceof Error ? e.message : String(e))})`;
  } finally {
    await fh?.close().catch(() => undefined);
  }
}

const be16 = (b: Uint8Array, i: number) => (b[i] << 8) | b[i + 1];
const le16 = (b: Uint8Array, i: number) => b[i] | (b[i + 1] << 8);
const le24 = (b: Uint8Array, i: number) => b[i] | (b[i + 1] << 8) | (b[i + 2] << 16);

/**
 * The stored size of an image from its header (PNG, GIF, BMP, WebP, JPEG: the first SOF
 * marker), without decoding; undefined when the bytes given do not reach it or the format is
 * another. EXIF orientation is not applied (the size as stored).
 */
export function headerSize(b: Uint8Array): { width: number; height: number } | undefined {
  if (b.length >= 24 && startsWith(b, [0x89, 0x50, 0x4e, 0x47])) return { width: ((b[16] << 24) | (b[17] << 16) | (b[18] << 8) | b[19]) >>> 0, height: ((b[20] << 24) | (b[21] << 16) | (b[22] << 8) | b[23]) >>> 0 };
  if (b.length >= 10 && ascii(b, 0, 3) === 'GIF') return { width: le16(b, 6), height: le16(b, 8) };
  if (b.length >= 26 && ascii(b, 0, 2) === 'BM') {
    const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
    return { width: Math.abs(dv.getInt32(18, true)), height: Math.abs(dv.getInt32(22, true)) };
  }
  if (b.length >= 30 && ascii(b, 0, 4) === 'RIFF' && ascii(b, 8, 12) === 'WEBP') {
    const chunk = ascii(b, 12, 16);
    if (chunk === 'VP8 ') return { width: le16(b, 26) & 0x3fff, height: le16(b, 28) & 0x3fff };
    if (chunk === 'VP8L') return { width: 1 + (((b[22] & 0x3f) << 8) | b[21]), height: 1 + (((b[24] & 0x0f) << 10) | (b[23] << 2) | ((b[22] & 0xc0) >> 6)) };
    if (chunk === 'VP8X') return { width: 1 + le24(b, 24), height: 1 + le24(b, 27) };
    return undefined;
  }
  if (b.length >= 4 && startsWith(b, [0xff, 0xd8])) {
    let i = 2;
    while (i + 9 < b.length) {
      if (b[i] !== 0xff) return undefined;
      const marker = b[i + 1];
      if (marker === 0xff) {
        i++;
        continue;
      }
      const len = be16(b, i + 2);
      if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) return { width: be16(b, i + 7), height: be16(b, i + 5) };
      i += 2 + len;
    }
  }
  return undefined;
}

/** The stored size of an image file from its header (reads at most 256 KB); undefined when it cannot be told. */
export async function imageHeaderSize(path: string): Promise<{ width: number; height: number } | undefined> {
  let fh;
  try {
    fh = await open(path, 'r');
    for (const n of [4096, 65536, 262144]) {
      const buf = new Uint8Array(n);
      const { bytesRead } = await fh.read(buf, 0, n, 0);
      const s = headerSize(buf.subarray(0, bytesRead));
      if (s || bytesRead < n) return s && s.width > 0 && s.height > 0 ? s : undefined;
    }
    return undefined;
  } catch {
    return undefined;
  } finally {
    await fh?.close().catch(() => undefined);
  }
}
