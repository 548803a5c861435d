/**
 * Reads a prediction file (a JSON array, as RoboInter writes `eval_details_*.json`, or JSONL,
 * as lmms-eval writes `samples_*.jsonl`) into records with the 0-based line each starts on,
 * so per-sample results can link back. Broken JSONL lines are reported, not fatal.
 */
import { parseTree, getNodeValue, type ParseError } from 'jsonc-parser';

export interface PredictionFile {
  records: unknown[];
  lines: number[];
  problems: string[];
  /** JSONL lines that could not be parsed (all of them, also past the listed ones) */
  unparsable: number;
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

export function readPredictionText(text: string): PredictionFile {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const first = body.trimStart()[0];
  const out: PredictionFile = { records: [], lines: [], problems: [], unparsable: 0 };
  if (first === '[') {
    const errors: ParseError[] = [];
    const root = parseTree(body, errors, { allowTrailingComma: false, disallowComments: true });
    const starts = lineStarts(body);
    if (errors.length > 0) out.problems.push(`the JSON array is not valid at line ${lineOf(starts, errors[0].offset) + 1}; ${root?.children?.length ?? 0} records read before it`);
    for (const el of root?.children ?? []) {
      out.records.push(getNodeValue(el));
      out.lines.push(lineOf(starts, el.offset));
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
