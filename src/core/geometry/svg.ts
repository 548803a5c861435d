/**
 * Shapes in pixels as an SVG picture of the image's size (hover previews: sharp composites it
 * over the image). Same colours and dashes as the viewer's canvas.
 */
import type { PixelShape, ShapeRole, Size } from './types';

/** Okabe–Ito colours: distinguishable with the common colour-vision deficiencies. */
export const ROLE_COLOURS: Record<ShapeRole, string> = { gt: '#0072B2', pred: '#E69F00', prompt: '#009E73' };
export const ROLE_DASH: Record<ShapeRole, number[]> = { gt: [], pred: [7, 4], prompt: [2, 3] };

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** An SVG of `size` (the picture's pixels) with the shapes scaled by `scale` from image pixels. */
export function shapesSvg(shapes: PixelShape[], size: Size, scale: number): string {
  const w = Math.max(2.5, Math.round(Math.min(size.width, size.height) / 120));
  const parts: string[] = [];
  const f = (v: number) => (v * scale).toFixed(1);
  for (const s of shapes) {
    const colour = ROLE_COLOURS[s.role];
    const dash = ROLE_DASH[s.role].length ? ` stroke-dasharray="${ROLE_DASH[s.role].map((d) => d * w * 0.6).join(' ')}"` : '';
    const stroke = `stroke="${colour}" stroke-width="${w}" fill="none"${dash}`;
    // a light halo under every line keeps it visible on any picture
    const halo = `stroke="#fff" stroke-opacity="0.8" stroke-width="${w + 2}" fill="none"`;
    if (s.kind === 'box') {
      const [x1, y1, x2, y2] = s.pixels as number[];
      const rect = `x="${f(Math.min(x1, x2))}" y="${f(Math.min(y1, y2))}" width="${f(Math.abs(x2 - x1))}" height="${f(Math.abs(y2 - y1))}"`;
      parts.push(`<rect ${rect} ${halo}/>`, `<rect ${rect} ${stroke}/>`);
      if (s.label) parts.push(`<text x="${f(Math.min(x1, x2))}" y="${Math.max(w * 6, Number(f(Math.min(y1, y2))) - w)}" fill="${colour}" font-family="sans-serif" font-weight="bold" font-size="${w * 5}" paint-order="stroke" stroke="#fff" stroke-width="${w}">${esc(s.label)}</text>`);
    } else if (s.kind === 'point') {
      const [x, y] = s.pixels as number[];
      parts.push(`<circle cx="${f(x)}" cy="${f(y)}" r="${w * 3}" fill="${colour}" stroke="#fff" stroke-width="${w / 2}"/>`);
    } else {
      const pts = (s.pixels as number[][]).map(([x, y]) => `${f(x)},${f(y)}`).join(' ');
      parts.push(`<polyline points="${pts}" ${halo} stroke-linejoin="round"/>`, `<polyline points="${pts}" ${stroke} stroke-linejoin="round" stroke-linecap="round"/>`);
      const last = (s.pixels as number[][])[(s.pixels as number[][]).length - 1];
      if (last) parts.push(`<circle cx="${f(last[0])}" cy="${f(last[1])}" r="${w * 2}" fill="${colour}"/>`);
    }
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${size.width}" height="${size.height}" viewBox="0 0 ${size.width} ${size.height}">${parts.join('')}</svg>`;
}
