/**
 * Where an image reference in a record points. Order of lookup for relative paths:
 * the dataset file's folder, then each configured image root, then the InternVL meta-json
 * `root` the dataset was opened from. Absolute paths are used as they are. `data:` URIs
 * are inline images; `episode#frame` (RoboInter LMDB) and http(s) URLs are not fetched.
 */
import { isAbsolute, join, normalize } from 'node:path';

export type ResolvedImage =
  | { kind: 'file'; path: string; tried: string[] }
  | { kind: 'missing'; tried: string[] }
  | { kind: 'data'; mime: string; base64: boolean }
  | { kind: 'lmdb'; episode: string; frame: string }
  | { kind: 'url'; url: string }
  | { kind: 'invalid'; reason: string };

export interface ResolveContext {
  /** folder of the dataset file */
  datasetDir: string;
  /** absolute folders from vlmLens.imageRoots (in order) */
  imageRoots: string[];
  /** InternVL meta-json `root` when the dataset was opened from a meta file */
  metaRoot?: string;
  /**
   * A Parquet dataset's conversion folder: the images that were bytes in the file were written
   * to its `media/` folder, and a `media/…` reference is looked up there first (other
   * references are not: they name files beside the dataset).
   */
  converted?: string;
}

/** Classifies a reference without touching the disk. */
export function classifyRef(ref: string): ResolvedImage | { kind: 'path'; path: string } {
  const r = ref.trim();
  if (r.length === 0) return { kind: 'invalid', reason: 'empty image reference' };
  if (/^data:/i.test(r)) {
    const m = /^data:([^;,]*)(;base64)?,/i.exec(r);
    if (!m) return { kind: 'invalid', reason: 'malformed data: URI' };
    return { kind: 'data', mime: m[1] || 'application/octet-stream', base64: !!m[2] };
  }
  if (/^https?:\/\//i.test(r)) return { kind: 'url', url: r };
  if (/^file:\/\//i.test(r)) {
    try {
      return { kind: 'path', path: decodeURIComponent(r.replace(/^file:\/\//i, '')) };
    } catch {
      return { kind: 'invalid', reason: 'malformed file: URI (a % not followed by a valid UTF-8 escape)' };
    }
  }
  // RoboInter LMDB frame: the last path component is <episode>#<frame>.
  const last = r.split(/[\\/]/).pop() ?? r;
  const hash = last.lastIndexOf('#');
  if (hash > 0 && /^\d+$/.test(last.slice(hash + 1))) return { kind: 'lmdb', episode: last.slice(0, hash), frame: last.slice(hash + 1) };
  return { kind: 'path', path: r };
}

/** The absolute paths a relative reference may mean, in lookup order (no duplicates). */
export function candidatePaths(path: string, ctx: ResolveContext): string[] {
  if (isAbsolute(path)) return [normalize(path)];
  const bases = [...(ctx.converted && /^media[\\/]/.test(path) ? [ctx.converted] : []), ctx.datasetDir, ...ctx.imageRoots, ...(ctx.metaRoot ? [ctx.metaRoot] : [])];
  return [...new Set(bases.map((b) => normalize(join(b, path))))];
}

/** Resolves a reference, probing candidates with `exists` (cached by the caller). */
export async function resolveImage(ref: string, ctx: ResolveContext, exists: (absPath: string) => Promise<boolean>): Promise<ResolvedImage> {
  const c = classifyRef(ref);
  if (c.kind !== 'path') return c;
  const tried = candidatePaths(c.path, ctx);
  for (const p of tried) {
    if (await exists(p)) return { kind: 'file', path: p, tried };
  }
  return { kind: 'missing', tried };
}
