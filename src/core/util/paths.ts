import { isAbsolute, relative, resolve } from 'node:path';

/**
 * Whether `path` (absolute, or relative to `folder`) lies inside `folder` (or is it). Textual:
 * callers that must not follow links resolve them first (RunStore does).
 */
export function isInside(folder: string, path: string): boolean {
  const rel = relative(folder, resolve(folder, path));
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}
