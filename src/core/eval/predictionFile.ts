/**
 * Reads a prediction file (a JSON array, as RoboInter writes `eval_details_*.json`, or JSONL,
 * as lmms-eval writes `samples_*.jsonl`) into records with the 0-based line each starts on,
 * so per-sample results can link back. Broken JSONL lines are reported, not fatal.
 */
import { parseTree, getNodeValue, type Node as JsonNode, type ParseError } from 'jsonc-parser';
import { recordListKey } from '../formats/registry';

export interface PredictionFile {
  records: unknown[];
  lines: number[];
  problems: string[];
  /** JSONL lines that could not be parsed (all of them, also past the listed ones) */
  unparsable: number;
  /** the records are the list under this key of a top-level object (`{accuracy, results: [...]}`) */
  listKey?: string;
  /** the other top-level fields of such an object (a stated accuracy, metrics) */
  stated?: Record<string, unknown>;
}

const LISTED_PROBLEMS = 20;

function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}

function lineOf(starts: number[], offset: number): number {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid] <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

function pushElements(out: PredictionFile, elements: JsonNode[], starts: number[]): void {
  for (const el of elements) {
    out.records.push(getNodeValue(el));
    out.lines.push(lineOf(starts, el.offset));
  }
}

/** `{` starts JSON Lines when the first line is a whole JSON value by itself. */
function looksLikeJsonl(body: string): boolean {
  const nl = body.indexOf('\n');
  const firstLine = (nl < 0 ? body : body.slice(0, nl)).trim();
  if (nl < 0 || !firstLine.endsWith('}')) return false;
  try {
    JSON.parse(firstLine);
    return true;
  } catch {
    return false;
  }
}

export function readPredictionText(text: string): PredictionFile {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const first = body.trimStart()[0];
  const out: PredictionFile = { records: [], lines: [], problems: [], unparsable: 0 };
  if (first === '[') {
    const errors: ParseError[] = [];
    const root = parseTree(body, errors, { allowTrailingComma: false, disallowComments: true });
    const starts = lineStarts(body);
    if (errors.length > 0) out.problems.push(`the JSON array is not valid at line ${lineOf(starts, errors[0].offset) + 1}; ${root?.children?.length ?? 0} records read before it`);
    pushElements(out, root?.children ?? [], starts);
    return out;
  }
  if (first === '{' && !looksLikeJsonl(body)) {
    // one JSON document: its records are the list under a key ({accuracy, results: [...]}, {details: [...]})
    const errors: ParseError[] = [];
    const root = parseTree(body, errors, { allowTrailingComma: false, disallowComments: true });
    const starts = lineStarts(body);
    if (errors.length > 0) out.problems.push(`the JSON document is not valid at line ${lineOf(starts, errors[0].offset) + 1}`);
    const before: string[] = [];
    for (const prop of root?.type === 'object' ? (root.children ?? []) : []) {
      const [k, v] = prop.children ?? [];
      if (!k || !v) continue;
      const key = String(k.value);
      if (out.listKey === undefined && v.type === 'array' && v.children?.[0]?.type === 'object' && recordListKey(key, before)) {
        out.listKey = key;
        pushElements(out, v.children, starts);
      } else (out.stated ??= {})[key] = getNodeValue(v);
      before.push(key);
    }
    if (out.listKey === undefined && root) {
      // a single record written over several lines
      out.records.push(getNodeValue(root));
      out.lines.push(0);
      out.stated = undefined;
    }
    return out;
  }
  const lines = body.split('\n');
  for (const [i, raw] of lines.entries()) {
    const l = raw.trim();
    if (!l) continue;
    try {
      out.records.push(JSON.parse(l) as unknown);
      out.lines.push(i);
    } catch (e) {
      out.unparsable++;
      if (out.problems.length < LISTED_PROBLEMS) out.problems.push(`line ${i + 1}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  if (out.unparsable > LISTED_PROBLEMS) out.problems.push(`${out.unparsable - LISTED_PROBLEMS} more unparsable line(s) not listed (${out.unparsable} in all)`);
  return out;
}
