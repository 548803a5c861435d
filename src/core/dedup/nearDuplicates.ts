/**
 * Exact and near-duplicate records by their text, the way dataset pipelines deduplicate
 * (MinHash over word shingles, LSH banding for candidates), but checked exactly:
 *
 * - A record's text is split into its prompt (user, system turns) and its answer (assistant
 *   turns). Two records are near-duplicates when both their prompts and their answers have
 *   a Jaccard similarity (of word 3-shingles, after normalisation) of at least the
 *   threshold: templated prompts that differ only in the object named, with different
 *   answers, are not duplicates.
 * - Exact duplicates: the same normalised prompt and answer (case, whitespace, punctuation
 *   and media placeholders ignored).
 * - Candidates come from 16 LSH bands of 4 MinHash values each (a pair with similarity 0.8
 *   is a candidate with probability > 0.999); every candidate is then measured exactly.
 *   A band bucket is compared with at most `bucketCap` of its earlier members, so time stays
 *   near-linear when thousands of records share a template.
 * - Clusters are the connected pairs; the first record of a cluster (in file order) is kept.
 */
import { UnionFind } from './unionFind';

export interface DedupInput {
  index: number;
  prompt: string;
  answer: string;
}

export interface ClusterMember {
  index: number;
  /** similarity to the kept record: min of prompt and answer Jaccard (1 for exact duplicates) */
  similarity: number;
  exact: boolean;
}

export interface DupCluster {
  kept: number;
  /** the other records of the cluster, ascending */
  members: ClusterMember[];
}

export interface DedupOptions {
  /** minimum Jaccard similarity of prompts and of answers (default 0.8) */
  threshold?: number;
  bands?: number;
  rows?: number;
  bucketCap?: number;
  signal?: AbortSignal;
}

export interface DedupResult {
  clusters: DupCluster[];
  /** records in some cluster other than its kept one (the ones a deduplicated copy drops) */
  duplicates: number;
  exactDuplicates: number;
  /** candidate pairs measured exactly */
  pairsCompared: number;
}

/** Lower case, punctuation and symbols as spaces, media placeholders dropped, whitespace collapsed. */
export function normalizeText(s: string): string {
  return s
    .toLowerCase()
    .replace(/<\/?(?:image|video|audio)>/g, ' ')
    .replace(/[\p{P}\p{S}]+/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/** 32-bit FNV-1a of a string's UTF-16 units, then avalanched. */
function hashString(s: string, seed = 0x811c9dc5): number {
  let h = seed >>> 0;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return mix(h);
}

function mix(x: number): number {
  let h = x >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** The sorted, distinct hashes of a normalised text's word k-shingles (a short text: one shingle of all of it). */
export function shingles(norm: string, k = 3): Uint32Array {
  if (!norm) return new Uint32Array(0);
  const words = norm.split(' ');
  const out: number[] = [];
  if (words.length <= k) out.push(hashString(words.join(' ')));
  else for (let i = 0; i + k <= words.length; i++) out.push(hashString(words.slice(i, i + k).join(' ')));
  const a = Uint32Array.from(out).sort();
  let n = 0;
  for (let i = 0; i < a.length; i++) if (i === 0 || a[i] !== a[i - 1]) a[n++] = a[i];
  return a.slice(0, n);
}

/** Jaccard similarity of two sorted distinct hash sets (two empty sets: 1). */
export function jaccard(a: Uint32Array, b: Uint32Array): number {
  if (a.length === 0 && b.length === 0) return 1;
  let i = 0;
  let j = 0;
  let both = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      both++;
      i++;
      j++;
    } else if (a[i] < b[j]) i++;
    else j++;
  }
  return both / (a.length + b.length - both);
}

/** MinHash signature: for each of `n` hash functions, the least hash of the set. */
export function minhash(set: Uint32Array, n: number): Uint32Array {
  const sig = new Uint32Array(n).fill(0xffffffff);
  for (let k = 0; k < n; k++) {
    const salt = mix(0x9e3779b9 + k * 0x632be5ab);
    let m = 0xffffffff;
    for (let i = 0; i < set.length; i++) {
      const v = mix(set[i] ^ salt);
      if (v < m) m = v;
    }
    sig[k] = m;
  }
  return sig;
}

function sameSet(a: Uint32Array, b: Uint32Array | undefined): boolean {
  if (!b || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}


/**
 * Finds duplicate clusters among records added one at a time (streamed: only each record's
 * shingle hashes are kept, never its text). Indices must be distinct and ascending.
 */
export class NearDuplicateFinder {
  private readonly threshold: number;
  private readonly bands: number;
  private readonly rows: number;
  private readonly cap: number;
  private readonly prompts = new Map<number, Uint32Array>();
  private readonly answers = new Map<number, Uint32Array>();
  private readonly exactKey = new Map<number, number>();
  private readonly uf = new UnionFind();
  /** an exact copy → the first record with its text */
  private readonly exactOf = new Map<number, number>();
  private readonly buckets: Array<Map<number, number | number[]>>;
  private compared = 0;
  /** records added that had text */
  added = 0;

  constructor(opts: DedupOptions = {}) {
    this.threshold = opts.threshold ?? 0.8;
    this.bands = opts.bands ?? 16;
    this.rows = opts.rows ?? 4;
    this.cap = opts.bucketCap ?? 50;
    this.buckets = Array.from({ length: this.bands }, () => new Map<number, number | number[]>());
  }

  private sim(x: number, y: number): number {
    const px = this.prompts.get(x);
    const py = this.prompts.get(y);
    const ax = this.answers.get(x);
    const ay = this.answers.get(y);
    if (!px || !py || !ax || !ay) return 0;
    return Math.min(jaccard(px, py), jaccard(ax, ay));
  }

  add(r: DedupInput): void {
    const p = normalizeText(r.prompt);
    const a = normalizeText(r.answer);
    if (!p && !a) return;
    this.added++;
    // the normalised text's 64-bit hash (two 32-bit ones), not the text: memory stays per record, not per character
    const text = `${p}\u0000${a}`;
    const key = hashString(text, 0x811c9dc5) * 4294967296 + hashString(text, 0x01000193);
    const ps = shingles(p);
    const as = shingles(a);
    const first = this.exactKey.get(key);
    if (first !== undefined && sameSet(ps, this.prompts.get(first)) && sameSet(as, this.answers.get(first))) {
      this.uf.union(first, r.index);
      this.exactOf.set(r.index, first);
      return; // an exact copy needs no other comparison: its first copy stands for it
    }
    if (first === undefined) this.exactKey.set(key, r.index);
    this.prompts.set(r.index, ps);
    this.answers.set(r.index, as);
    // candidates from the prompt and answer shingles together
    const both = new Uint32Array(ps.length + as.length);
    both.set(ps);
    for (let i = 0; i < as.length; i++) both[ps.length + i] = mix(as[i] ^ 0x5bd1e995);
    const sig = minhash(both, this.bands * this.rows);
    // the earlier records sharing a band with this one, each measured once, now
    const cands = new Set<number>();
    for (let b = 0; b < this.bands; b++) {
      let h = 0x811c9dc5 ^ b;
      for (let k = 0; k < this.rows; k++) h = mix(h ^ sig[b * this.rows + k]);
      // most buckets hold one record: kept as a number, a list only once shared
      const bucket = this.buckets[b].get(h);
      if (bucket === undefined) this.buckets[b].set(h, r.index);
      else if (typeof bucket === 'number') {
        cands.add(bucket);
        this.buckets[b].set(h, [bucket, r.index]);
      } else {
        for (let i = 0; i < bucket.length; i++) cands.add(bucket[i]);
        if (bucket.length < this.cap) bucket.push(r.index);
      }
    }
    for (const c of cands) {
      this.compared++;
      if (this.uf.find(c) === this.uf.find(r.index)) continue;
      if (this.sim(c, r.index) >= this.threshold) this.uf.union(c, r.index);
    }
  }

  result(): DedupResult {
    const groups = new Map<number, number[]>();
    for (const m of this.uf.members()) {
      const root = this.uf.find(m);
      if (root === m) continue;
      const g = groups.get(root);
      if (g) g.push(m);
      else groups.set(root, [m]);
    }
    const clusters: DupCluster[] = [...groups.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([kept, ms]) => ({
        kept,
        members: ms
          .sort((a, b) => a - b)
          .map((index) => {
            // an exact copy is measured through its first copy
            const standIn = this.exactOf.get(index) ?? index;
            const isExact = standIn === kept;
            return { index, similarity: isExact ? 1 : round(this.sim(kept, standIn)), exact: isExact };
          }),
      }));
    return { clusters, duplicates: clusters.reduce((n, c) => n + c.members.length, 0), exactDuplicates: this.exactOf.size, pairsCompared: this.compared };
  }
}

/** Finds the duplicate clusters among `records` (their indices distinct and ascending). */
export function findNearDuplicates(records: Iterable<DedupInput>, opts: DedupOptions = {}): DedupResult {
  const f = new NearDuplicateFinder(opts);
  for (const r of records) {
    if (opts.signal?.aborted) break;
    f.add(r);
  }
  return f.result();
}

/** The prompt (user, system, other turns) and answer (assistant turns) of a normalised record; for a record no format knows, its string values as the prompt. */
export function dedupTexts(record: { turns: Array<{ role: string; text: string }> } | undefined, value: unknown): { prompt: string; answer: string } {
  if (record && record.turns.length > 0) {
    const prompt = record.turns.filter((t) => t.role !== 'assistant').map((t) => t.text).join('\n');
    const answer = record.turns.filter((t) => t.role === 'assistant').map((t) => t.text).join('\n');
    return { prompt, answer };
  }
  const strings: string[] = [];
  const walk = (v: unknown, depth: number) => {
    if (depth > 20 || strings.length > 10_000) return;
    if (typeof v === 'string') strings.push(v);
    else if (Array.isArray(v)) for (const x of v) walk(x, depth + 1);
    else if (v && typeof v === 'object') for (const x of Object.values(v)) walk(x, depth + 1);
  };
  walk(value, 0);
  return { prompt: strings.join('\n'), answer: '' };
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
