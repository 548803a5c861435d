/**
 * The paths of an InternVL meta file (a dataset mix): each entry's annotation file and image
 * root, looked for where InternVL's training is usually launched from (the workspace folder)
 * and beside the meta file. Existence only: nothing is read.
 */
import { stat } from 'node:fs/promises';
import { isAbsolute, join, normalize } from 'node:path';
import type { MetaEntry } from '../records/model';

async function kindOf(p: string): Promise<'file' | 'dir' | undefined> {
  const s = await stat(p).catch(() => undefined);
  return s?.isFile() ? 'file' : s?.isDirectory() ? 'dir' : undefined;
}

/** Marks each entry's `annotationFound` / `rootFound` (undefined when the entry names none), with the folders tried. */
export async function checkMetaPaths(entries: MetaEntry[], bases: string[]): Promise<MetaEntry[]> {
  const uniq = [...new Set(bases.map((b) => normalize(b)))];
  const find = async (p: string | undefined, want: 'file' | 'dir') => {
    if (p === undefined) return undefined;
    const candidates = isAbsolute(p) ? [p] : uniq.map((b) => join(b, p));
    for (const c of candidates) if ((await kindOf(c)) === want) return true;
    return false;
  };
  return Promise.all(entries.slice(0, 1000).map(async (e) => ({ ...e, annotationFound: await find(e.annotation, 'file'), rootFound: await find(e.root, 'dir'), lookedIn: uniq })));
}
