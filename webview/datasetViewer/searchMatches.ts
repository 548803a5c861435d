/**
 * The matches of the current whole-file search, as they stream in: which search they belong
 * to (a reply's id may arrive after its first results), the records in the order found, and
 * the next or previous match from a record, wrapping. Pure (Node-tested).
 */
export interface MatchBatch {
  searchId: number;
  matches: number[];
  done: boolean;
  error?: string;
}

export class SearchMatches {
  /** the search the matches belong to (0: none asked yet, or its id not known yet) */
  id = 0;
  done = true;
  private readonly list: number[] = [];
  private readonly set = new Set<number>();

  /** Forgets the matches for a new search (`searching`: one has been asked for). */
  reset(searching: boolean): void {
    this.id = 0;
    this.list.length = 0;
    this.set.clear();
    this.done = !searching;
  }

  /**
   * Takes a batch of results; returns whether it belongs to this search and whether these
   * are its first matches (to go to the first one).
   */
  accept(b: MatchBatch): { accepted: boolean; first: boolean } {
    if (b.searchId !== this.id && this.id !== 0) return { accepted: false, first: false };
    if (this.id === 0) this.id = b.searchId;
    if (b.error) {
      this.done = true;
      return { accepted: true, first: false };
    }
    const first = this.list.length === 0 && b.matches.length > 0;
    for (const m of b.matches) {
      this.list.push(m);
      this.set.add(m);
    }
    this.done = b.done;
    return { accepted: true, first };
  }

  get count(): number {
    return this.list.length;
  }

  has(record: number): boolean {
    return this.set.has(record);
  }

  /** 1-based place of a record among the matches, 0 when it is not one. */
  position(record: number): number {
    return this.list.indexOf(record) + 1;
  }

  /** The next (dir 1) or previous (dir -1) match from `record`, wrapping; undefined without matches. */
  next(record: number, dir: 1 | -1): number | undefined {
    if (this.list.length === 0) return undefined;
    if (dir > 0) return this.list.find((m) => m > record) ?? this.list[0];
    for (let i = this.list.length - 1; i >= 0; i--) if (this.list[i] < record) return this.list[i];
    return this.list[this.list.length - 1];
  }
}
