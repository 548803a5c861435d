/**
 * The record list's rows, fetched from the host a page at a time and kept in a bounded LRU:
 * which pages a visible range still needs (a partly filled last page is asked again as the
 * file grows), pages answered for an older generation (the file changed, a validation ended)
 * dropped. Pure (Node-tested): the caller does the requests.
 */
export class PageCache<T> {
  private readonly pages = new Map<number, T[]>();
  private readonly loading = new Set<number>();
  private gen = 0;

  constructor(
    readonly pageSize: number,
    readonly maxPages = 200,
  ) {}

  /** Bumped by `reset`: answers to requests made before are dropped. */
  get generation(): number {
    return this.gen;
  }

  rowAt(i: number): T | undefined {
    return this.pages.get(Math.floor(i / this.pageSize))?.[i % this.pageSize];
  }

  /**
   * The pages rows `first`..`last` still need, of a file of `total` rows, now marked as
   * loading; cached pages among them become the most recently used.
   */
  want(first: number, last: number, total: number): number[] {
    const out: number[] = [];
    for (let p = Math.floor(first / this.pageSize); p <= Math.floor(last / this.pageSize); p++) {
      const page = this.pages.get(p);
      if (page) {
        this.pages.delete(p);
        this.pages.set(p, page);
        if (page.length === this.pageSize || p * this.pageSize + page.length >= total) continue;
      }
      if (this.loading.has(p)) continue;
      this.loading.add(p);
      out.push(p);
    }
    return out;
  }

  /** A page's rows as answered for `generation`; false (and nothing kept) when that generation is over. */
  put(page: number, rows: T[], generation: number): boolean {
    if (generation !== this.gen) return false;
    this.pages.set(page, rows);
    while (this.pages.size > this.maxPages) this.pages.delete(this.pages.keys().next().value as number);
    return true;
  }

  /** The request for a page ended (answered or failed): it may be asked again. */
  settled(page: number, generation: number): void {
    if (generation === this.gen) this.loading.delete(page);
  }

  /** Forgets one page (the last one, when the file grew): asked again when shown. */
  drop(page: number): void {
    this.pages.delete(page);
  }

  reset(): void {
    this.gen++;
    this.pages.clear();
    this.loading.clear();
  }

  get size(): number {
    return this.pages.size;
  }
}
