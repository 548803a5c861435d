/** Workspaces the e2e tests build for themselves: images made with sharp, datasets as text. */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';

export function tempWorkspace(name: string): string {
  return mkdtempSync(join(tmpdir(), `vlm-lens-ws-${name}-`));
}

/** A solid picture with a coloured rectangle: easy to recognise in screenshots. */
export async function writeImage(path: string, width: number, height: number, opts: { background?: string; rect?: [number, number, number, number]; rectColour?: string; orientation?: number } = {}): Promise<void> {
  mkdirSync(join(path, '..'), { recursive: true });
  const [x1, y1, x2, y2] = opts.rect ?? [Math.round(width * 0.3), Math.round(height * 0.3), Math.round(width * 0.6), Math.round(height * 0.7)];
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><rect width="100%" height="100%" fill="${opts.background ?? '#4a6fa5'}"/><rect x="${x1}" y="${y1}" width="${x2 - x1}" height="${y2 - y1}" fill="${opts.rectColour ?? '#e63946'}"/></svg>`;
  let img = sharp(Buffer.from(svg));
  if (path.endsWith('.png')) img = img.png();
  else img = img.jpeg({ quality: 85 });
  if (opts.orientation) img = img.withMetadata({ orientation: opts.orientation });
  await img.toFile(path);
}

export function llavaRecord(i: number, image: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: `rec-${String(i).padStart(4, '0')}`,
    image,
    conversations: [
      { from: 'human', value: `<image>\nQuestion number ${i}: where is the red block?` },
      { from: 'gpt', value: `Answer ${i}: it is in the middle.` },
    ],
    ...extra,
  };
}

export function jsonl(rows: unknown[]): string {
  return rows.map((r) => (typeof r === 'string' ? r : JSON.stringify(r))).join('\n') + '\n';
}

export { writeFileSync, mkdirSync };

/** A process id no process has (the extension host of a window that closed). */
export function deadPid(): number {
  for (let pid = 4_000_000; ; pid--) {
    try {
      process.kill(pid, 0);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ESRCH') return pid;
    }
  }
}
