/**
 * Validates a document held in memory (a text editor's contents) again and again as it is
 * edited: each record's result is cached by its text, so an edit re-checks only the records
 * it changed; the whole-file rules run over the cached facts. JSON Lines are split by line,
 * JSON arrays through the record index (element by element).
 */
import { MemoryFile } from '../io/randomAccessFile';
import { RecordIndex } from '../index/recordIndex';
import { readRecords } from '../index/recordReader';
import { columnAt } from '../dataset/loadRecords';
import { FileRules } from './fileRules';
import { detectFormat } from '../records/normalize';
import { ProblemFlags, type ProblemFlagArrays } from './flags';
import type { Problem, RecordFacts, RecordText, RecordValidator } from './validator';

export interface DocumentResult {
  /** kept problems in document order (at most maxProblems) */
  problems: Problem[];
  totalProblems: number;
  capped: boolean;
  /** every record's facts (image references for the caller to look up) */
  facts: RecordFacts[];
  flags: ProblemFlagArrays;
  /** records checked again in this pass (the rest came from the cache) */
  checked: number;
}

interface Cached {
  problems: Problem[];
  facts: RecordFacts;
}

/** Records of a JSON Lines text: one per non-blank line (line numbers as an editor counts them). */
export function jsonlRecords(text: string): RecordText[] {
  const out: RecordText[] = [];
  let line = 0;
  let start = 0;
  let index = 0;
  while (start <= text.length) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    let s = text.slice(start, end);
    if (s.endsWith('\r')) s = s.slice(0, -1);
    if (line === 0 && s.charCodeAt(0) === 0xfeff) s = s.slice(1);
    if (s.trim() !== '') out.push({ index: index++, line, column: 0, text: s });
    line++;
    start = end + 1;
  }
  return out;
}

/** Records of a JSON text whose top level is an array (or the one object it holds). */
export async function jsonRecords(text: string, fileName = 'document.json'): Promise<RecordText[]> {
  const file = new MemoryFile(fileName, new TextEncoder().encode(text));
  const index = await RecordIndex.build(file, { fileName });
  const raws = await readRecords(file, index, 0, index.readyCount, { maxRecordBytes: Number.MAX_SAFE_INTEGER });
  const out: RecordText[] = [];
  for (const r of raws) {
    if (r.text === undefined) continue;
    out.push({ index: r.index, line: r.line, column: await columnAt(file, r.start), text: r.text });
  }
  return out;
}

function shift(p: Problem, rec: RecordText): Problem {
  const fix = p.fix?.kind === 'remove' ? { ...p.fix, line: p.fix.line + rec.line } : p.fix;
  return { ...p, record: rec.index, line: p.line + rec.line, endLine: p.endLine + rec.line, fix };
}

export class DocumentValidator {
  private cache = new Map<string, Cached>();

  constructor(private readonly validator: RecordValidator) {}

  /**
   * Checks the records (only those whose text or starting column changed since the previous
   * call) and the whole-file rules. `maxRecordChars`: longer records are reported (VLM005),
   * not parsed.
   */
  validate(records: RecordText[], opts: { maxProblems: number; maxRecordChars?: number }): DocumentResult {
    const next = new Map<string, Cached>();
    const rules = new FileRules(this.validator);
    const flags = new ProblemFlags();
    const problems: Problem[] = [];
    const facts: RecordFacts[] = [];
    let total = 0;
    let checked = 0;
    const keep = (ps: Problem[]) => {
      for (const p of ps) {
        total++;
        flags.add(p.record, p.code);
        if (problems.length < opts.maxProblems) problems.push(p);
      }
    };
    for (const rec of records) {
      if (opts.maxRecordChars !== undefined && rec.text.length > opts.maxRecordChars) {
        const p = this.validator.factProblem(rec, { offset: 0, length: 1 }, 'VLM005', 'tooLarge', [(rec.text.length / 1024 / 1024).toFixed(1)]);
        if (p) keep([p]);
        continue;
      }
      const key = `${rec.column}:${rec.text}`;
      let c = next.get(key) ?? this.cache.get(key);
      if (!c) {
        checked++;
        c = this.validator.check({ index: 0, line: 0, column: rec.column, text: rec.text, ascii: rec.ascii });
      }
      next.set(key, c);
      const f: RecordFacts = { ...c.facts, index: rec.index, line: rec.line, reasoning: c.facts.reasoning.map((p) => shift(p, rec)) };
      facts.push(f);
      keep(c.problems.map((p) => shift(p, rec)));
      keep(rules.add(f));
    }
    keep(rules.finish());
    this.cache = next;
    problems.sort((a, b) => a.line - b.line || a.column - b.column);
    return { problems, totalProblems: total, capped: total > problems.length, facts, flags: flags.arrays(), checked };
  }
}

/** Whether the first records look like a dataset VLM Lens knows (a `.json` file that is not configuration). */
export function looksLikeDataset(records: RecordText[], sample = 5): boolean {
  for (const r of records.slice(0, sample)) {
    try {
      const f = detectFormat(JSON.parse(r.text) as unknown);
      // configuration and dataset metadata are not datasets
      if (f !== 'unknown' && f !== 'trainer-state' && !f.startsWith('lerobot-')) return true;
    } catch {
      /* a broken record says nothing either way */
    }
  }
  return false;
}
