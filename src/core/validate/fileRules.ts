/**
 * The rules that need the whole file, fed record by record: duplicate ids (reported as
 * they appear, pointing at the first use), `image` vs `images` (the minority is flagged),
 * mixed coordinate conventions, and reasoning-tag problems (reported only when most
 * records use reasoning tags). Memory stays small on million-record files: ids are kept
 * as 53-bit hashes, the deferred rules as typed arrays of positions.
 *
 * A file validated in parts (worker threads on record ranges) gives one state per part;
 * `FileRules.merge` finds the duplicates across parts and finishes the file.
 */
import { fileConventionFromCounts } from '../geometry/detect';
import { CONVENTIONS, type Convention } from '../geometry/types';
import type { MessageId, RuleCode } from './rules';
import type { Fix, Problem, RecordFacts } from './validator';

/** Makes problems from positions (what RecordValidator offers; FileRules needs nothing else). */
export interface ProblemMaker {
  factProblem(f: { index: number; line: number; column: number }, loc: { offset: number; length: number } | undefined, code: RuleCode, id: MessageId, args: Array<string | number>, extra?: Partial<Problem>): Problem | undefined;
}

/**
 * Growable list of 4-integer tuples (record, line, column, length or code) in an Int32Array
 * (16 bytes a tuple), plus the lists of other parts adopted as they are, never copied.
 */
class Tuples {
  data: Int32Array;
  n = 0;
  private readonly adopted: Int32Array[] = [];
  private adoptedN = 0;
  /** @param expected tuples to make room for at once (untouched room costs no resident memory) */
  constructor(expected = 256) {
    this.data = new Int32Array(4 * Math.max(256, expected));
  }
  /** Every tuple: this part's and the adopted ones. */
  get count(): number {
    return this.n + this.adoptedN;
  }
  push(a: number, b: number, c: number, d: number): void {
    if ((this.n + 1) * 4 > this.data.length) this.reserve(this.n + 1);
    const i = this.n * 4;
    this.data[i] = a;
    this.data[i + 1] = b;
    this.data[i + 2] = c;
    this.data[i + 3] = d;
    this.n++;
  }
  /** Another part's tuples, kept as they are (the merge adds no copy of a million records). */
  adopt(other: Int32Array): void {
    this.adopted.push(other);
    this.adoptedN += other.length / 4;
  }
  private reserve(tuples: number): void {
    if (tuples * 4 <= this.data.length) return;
    let size = this.data.length;
    while (size < tuples * 4) size *= 2;
    const next = new Int32Array(size);
    next.set(this.data.subarray(0, this.n * 4));
    this.data = next;
  }
  /** This part's tuples (not the adopted ones), trimmed. */
  slice(): Int32Array {
    return this.data.slice(0, this.n * 4);
  }
  *entries(): Generator<[number, number, number, number]> {
    for (const d of [this.data.subarray(0, this.n * 4), ...this.adopted]) for (let i = 0; i + 3 < d.length; i += 4) yield [d[i], d[i + 1], d[i + 2], d[i + 3]];
  }
}

/**
 * 53-bit hashes → (first use packed as line * 1e6 + column, record), open addressing over
 * one typed array of (key + 1, packed, record) triples: a million ids take ~48 MB, no
 * per-entry objects, and a probe touches one cache line.
 */
class IdTable {
  slots: Float64Array;
  private size = 0;

  /** @param expected ids to make room for at once: no rehashing while a pass of known length fills it */
  constructor(expected = 0, slots?: Float64Array) {
    let cap = 1 << 12;
    while (cap < expected * 2) cap *= 2;
    this.slots = slots ?? new Float64Array(3 * cap);
  }

  /** Another part's table as it is (read only: `find`). */
  static of(slots: Float64Array): IdTable {
    return new IdTable(0, slots);
  }

  /** Index of `h`'s triple in `slots`, or -1. */
  find(h: number): number {
    const cap = this.slots.length / 3;
    const mask = cap - 1;
    const slots = this.slots;
    for (let i = (h >>> 0) & mask; ; i = (i + 1) & mask) {
      const k = slots[i * 3];
      if (k === 0) return -1;
      if (k === h + 1) return i * 3;
    }
  }

  /**
   * The slot of `h` when it is there already; else adds it and returns -1. One probe
   * sequence instead of find + add: the table is far larger than the caches.
   */
  findOrAdd(h: number, packed: number, rec: number): number {
    if ((this.size + 1) * 2 > this.slots.length / 3) this.grow();
    const mask = this.slots.length / 3 - 1;
    const slots = this.slots;
    for (let i = (h >>> 0) & mask; ; i = (i + 1) & mask) {
      const j = i * 3;
      const k = slots[j];
      if (k === h + 1) return j;
      if (k === 0) {
        slots[j] = h + 1; // 0 marks an empty slot
        slots[j + 1] = packed;
        slots[j + 2] = rec;
        this.size++;
        return -1;
      }
    }
  }

  add(h: number, packed: number, rec: number): void {
    this.findOrAdd(h, packed, rec);
  }

  private grow(): void {
    const old = this.slots;
    this.slots = new Float64Array(old.length * 2);
    this.size = 0;
    for (let j = 0; j < old.length; j += 3) if (old[j] !== 0) this.add(old[j] - 1, old[j + 1], old[j + 2]);
  }
}

/** 53-bit hash of a string (two 32-bit FNV-1a variants). */
function hash53(s: string): number {
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193) >>> 0;
    h2 = Math.imul(h2 ^ c, 0x5bd1e995) >>> 0;
  }
  return (h2 & 0x1fffff) * 0x100000000 + h1;
}

const unpack = (packed: number) => {
  const line = Math.floor(packed / 1e6);
  return { line, column: packed - line * 1e6 };
};

/** What a part of a file leaves for the merge (structured-cloneable). */
export interface FileRulesState {
  /** The id table's (hash + 1, packed first use, record) triples; 0 marks an empty slot. */
  idSlots: Float64Array;
  image: Int32Array;
  images: Int32Array;
  convention: Int32Array;
  reasoning: Problem[];
  /** records with answers (conversations, R1 solutions) */
  conversational: number;
  usingReasoning: number;
}

export class FileRules {
  private readonly ids: IdTable;
  private readonly imageKey: { image: Tuples; images: Tuples };
  private readonly convention: Tuples; // record, line, column, convention code
  private readonly reasoning: Problem[] = [];
  private conversational = 0;
  private usingReasoning = 0;

  /** @param expectedRecords records this pass will see, when known: the tables are sized once */
  constructor(
    private readonly v: ProblemMaker,
    expectedRecords = 0,
  ) {
    this.ids = new IdTable(expectedRecords);
    this.imageKey = { image: new Tuples(expectedRecords), images: new Tuples(expectedRecords) };
    this.convention = new Tuples(expectedRecords);
  }

  /** Takes one record's facts; returns the problems known at once (duplicate ids). */
  add(f: RecordFacts): Problem[] {
    let out: Problem[] | undefined;
    if (f.id !== undefined) {
      const slot = this.ids.findOrAdd(hash53(f.id), f.line * 1e6 + Math.min(999_999, f.column + (f.idLoc?.offset ?? 0)), f.index);
      if (slot >= 0) {
        const p = this.duplicate(f.id, { index: f.index, line: f.line, column: f.column }, f.idLoc, this.ids.slots[slot + 1]);
        if (p) out = [p];
      }
    }
    if (f.conversational && f.imageKey) this.imageKey[f.imageKey.key].push(f.index, f.line, f.column + f.imageKey.offset, f.imageKey.length);
    // records with answers (conversations, R1 solutions) count for "most records use reasoning tags"
    if (f.conversational || f.answers) {
      this.conversational++;
      if (f.usesReasoning) this.usingReasoning++;
      for (const p of f.reasoning) this.reasoning.push(p);
    }
    if (f.convention) this.convention.push(f.index, f.line, f.column, CONVENTIONS.indexOf(f.convention.convention));
    return out ?? [];
  }

  private duplicate(id: string, at: { index: number; line: number; column: number }, loc: { offset: number; length: number } | undefined, firstPacked: number): Problem | undefined {
    const first = unpack(firstPacked);
    return this.v.factProblem(at, loc, 'VLM050', 'duplicateId', [id, first.line + 1], { related: [{ line: first.line, column: first.column, message: `first use of “${id}”` }] });
  }

  /** The problems that need the whole file. */
  finish(): Problem[] {
    const out: Problem[] = [];
    const push = (p: Problem | undefined) => {
      if (p) out.push(p);
    };
    const nImages = this.imageKey.images.count;
    const nImage = this.imageKey.image.count;
    if (nImages > 0 && nImage > 0) {
      const minority: 'image' | 'images' = nImage <= nImages ? 'image' : 'images';
      const majority = minority === 'image' ? 'images' : 'image';
      for (const [index, line, column, length] of this.imageKey[minority].entries()) {
        const fix: Fix | undefined = minority === 'image' ? { kind: 'rename-key', to: 'images' } : undefined;
        push(this.v.factProblem({ index, line, column }, { offset: 0, length }, 'VLM013', 'imageKeyMixed', [minority, minority === 'image' ? nImages : nImage, majority], fix ? { fix } : {}));
      }
    }
    // counted, not one object per record (a million records with boxes)
    const seen: Partial<Record<Convention, number>> = {};
    for (const [, , , code] of this.convention.entries()) {
      const c = CONVENTIONS[code];
      if (c) seen[c] = (seen[c] ?? 0) + 1;
    }
    const fc = fileConventionFromCounts(seen);
    if (fc.mixed && fc.guess) {
      const summary = Object.entries(fc.seen).map(([c, n]) => `${c} ${n}`).join(', ');
      for (const [index, line, column, code] of this.convention.entries()) {
        const c: Convention = CONVENTIONS[code];
        if (c !== fc.guess.convention) push(this.v.factProblem({ index, line, column }, undefined, 'VLM043', 'mixedConventions', [summary, c]));
      }
    }
    if (this.conversational > 0 && this.usingReasoning * 2 > this.conversational) out.push(...this.reasoning);
    return out;
  }

  /** This part's state, for `merge`. */
  state(): FileRulesState {
    return {
      idSlots: this.ids.slots,
      image: this.imageKey.image.slice(),
      images: this.imageKey.images.slice(),
      convention: this.convention.slice(),
      reasoning: this.reasoning,
      conversational: this.conversational,
      usingReasoning: this.usingReasoning,
    };
  }

  /**
   * Merges the states of consecutive parts of a file (in file order): ids used in an
   * earlier part are duplicates when they appear again in a later one (`idOf` reads the id
   * of such a record back for the message), then the whole-file rules run.
   */
  static async merge(v: ProblemMaker, parts: FileRulesState[], idOf: (record: number) => Promise<string | undefined>): Promise<Problem[]> {
    // Each part's ids are in its own table; an id of part n is a duplicate when an earlier part
    // has it (its first use is in the earliest such part). No merged table, and the parts'
    // position lists are adopted, not copied: the merge adds little to what the parts hold.
    const all = new FileRules(v, 0);
    const tables = parts.map((s) => IdTable.of(s.idSlots));
    const out: Problem[] = [];
    for (const [n, s] of parts.entries()) {
      if (n > 0) {
        const t = s.idSlots;
        for (let j = 0; j < t.length; j += 3) {
          if (t[j] === 0) continue;
          const h = t[j] - 1;
          for (let k = 0; k < n; k++) {
            const slot = tables[k].find(h);
            if (slot < 0) continue;
            const id = (await idOf(t[j + 2])) ?? '?';
            const at = unpack(t[j + 1]);
            const p = all.duplicate(id, { index: t[j + 2], line: at.line, column: at.column }, { offset: 0, length: JSON.stringify(id).length }, tables[k].slots[slot + 1]);
            if (p) out.push(p);
            break;
          }
        }
      }
      all.imageKey.image.adopt(s.image);
      all.imageKey.images.adopt(s.images);
      all.convention.adopt(s.convention);
      all.reasoning.push(...s.reasoning);
      all.conversational += s.conversational;
      all.usingReasoning += s.usingReasoning;
    }
    out.push(...all.finish());
    return out;
  }
}
