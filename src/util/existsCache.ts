import { stat } from 'node:fs/promises';

/**
 * "Is this a file?" answers remembered for `ttlMs` (a page of rows, or a file's records, ask
 * about the same images again and again), dropped wholesale past `maxEntries`.
 */
export class FileExistsCache {
  private readonly seen = new Map<string, { at: number; ok: boolean }>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries: number,
  ) {}

  async isFile(p: string): Promise<boolean> {
    const hit = this.seen.get(p);
    if (hit && Date.now() - hit.at < this.ttlMs) return hit.ok;
    const ok = await isFile(p);
    this.seen.set(p, { at: Date.now(), ok });
    if (this.seen.size > this.maxEntries) this.seen.clear();
    return ok;
  }
}

/** Whether `p` is a regular file (false when it cannot be looked at). */
export async function isFile(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isFile();
  } catch {
    return false;
  }
}

/** Whether `p` is a folder (false when it cannot be looked at). */
export async function isFolder(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isDirectory();
  } catch {
    return false;
  }
}
