/**
 * Which records have problems, and of which rules: one bit per rule code per record. Kept
 * for every problem found, also past the `maxProblemsPerFile` cap, so the viewer can
 * filter the whole file to "records with problems" or one rule, whatever the count.
 */
import { RULE_CODES, type RuleCode } from './rules';

const BIT = new Map<RuleCode, number>(RULE_CODES.map((c, i) => [c, 1 << i]));

/** Records with problems (ascending) and a rule bit mask for each (structured-cloneable). */
export interface ProblemFlagArrays {
  records: Uint32Array;
  masks: Uint32Array;
}

export class ProblemFlags {
  private readonly map = new Map<number, number>();

  add(record: number, code: RuleCode): void {
    const bit = BIT.get(code) ?? 0;
    this.map.set(record, (this.map.get(record) ?? 0) | bit);
  }

  merge(other: ProblemFlagArrays): void {
    for (let i = 0; i < other.records.length; i++) this.map.set(other.records[i], (this.map.get(other.records[i]) ?? 0) | other.masks[i]);
  }

  get size(): number {
    return this.map.size;
  }

  arrays(): ProblemFlagArrays {
    const records = Uint32Array.from(this.map.keys()).sort();
    const masks = new Uint32Array(records.length);
    for (let i = 0; i < records.length; i++) masks[i] = this.map.get(records[i]) ?? 0;
    return { records, masks };
  }
}

/** The rule codes in a mask. */
export function codesOf(mask: number): RuleCode[] {
  return RULE_CODES.filter((_, i) => (mask & (1 << i)) !== 0);
}

/** The bit of a rule code. */
export function bitOf(code: RuleCode): number {
  return BIT.get(code) ?? 0;
}

/** Per rule code, how many records have it. */
export function countByCode(flags: ProblemFlagArrays): Partial<Record<RuleCode, number>> {
  const out: Partial<Record<RuleCode, number>> = {};
  for (const m of flags.masks) for (const c of codesOf(m)) out[c] = (out[c] ?? 0) + 1;
  return out;
}

/** The rule mask of a record (0: no problems). */
export function maskOf(flags: ProblemFlagArrays, record: number): number {
  let lo = 0;
  let hi = flags.records.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const r = flags.records[mid];
    if (r === record) return flags.masks[mid];
    if (r < record) lo = mid + 1;
    else hi = mid - 1;
  }
  return 0;
}

/** Records with a problem of `code` (any rule when null), ascending. */
export function recordsWith(flags: ProblemFlagArrays, code: RuleCode | null): number[] {
  const bit = code ? bitOf(code) : -1;
  const out: number[] = [];
  for (let i = 0; i < flags.records.length; i++) if ((flags.masks[i] & bit) !== 0) out.push(flags.records[i]);
  return out;
}
