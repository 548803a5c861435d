/** `--format FILE`: user format descriptors from a JSON file, as the `vlmLens.formats` setting holds them. */
import { readFile } from 'node:fs/promises';
import { basename, relative } from 'node:path';
import type { FormatDescriptor } from '../core/formats/registry';
import { compileUserFormats } from '../core/formats/userFormats';
import { UsageError } from './main';

/** The descriptors in `formatFile` (a list, or one object), checked: a bad entry is a usage error. */
export async function readFormatSpecs(formatFile: string): Promise<unknown[]> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(formatFile, 'utf8')) as unknown;
  } catch (e) {
    throw new UsageError(`--format ${basename(formatFile)}: ${e instanceof Error ? e.message : String(e)}`);
  }
  const specs: unknown[] = Array.isArray(raw) ? (raw as unknown[]) : [raw];
  const { problems } = compileUserFormats(specs);
  if (problems.length > 0) throw new UsageError(`--format ${basename(formatFile)}: ${problems.join('; ')}`);
  return specs;
}

export async function loadFormatOption(formatFile: string, dataFile: string): Promise<FormatDescriptor[]> {
  const { formats, problems } = compileUserFormats(await readFormatSpecs(formatFile));
  if (problems.length > 0) throw new UsageError(`--format ${basename(formatFile)}: ${problems.join('; ')}`);
  const rel = relative(process.cwd(), dataFile) || basename(dataFile);
  return formats.filter((f) => f.appliesTo(rel));
}
