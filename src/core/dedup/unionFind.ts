/** Disjoint sets of record (or image) keys; the smallest key of a set is its root: the one kept. */
export class UnionFind {
  private readonly parent = new Map<number, number>();
  find(x: number): number {
    let r = x;
    while (this.parent.has(r) && this.parent.get(r) !== r) r = this.parent.get(r)!;
    // path compression
    let c = x;
    while (c !== r) {
      const next = this.parent.get(c) ?? r;
      this.parent.set(c, r);
      c = next;
    }
    return r;
  }
  union(a: number, b: number): void {
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra === rb) return;
    // the smaller index (earlier record) is the root: it is the one kept
    if (ra < rb) this.parent.set(rb, ra);
    else this.parent.set(ra, rb);
  }
  members(): number[] {
    return [...this.parent.keys()];
  }
}
