/**
 * Rows of the record list and the records they show: all records in order, or, while the
 * list is filtered, only those records: the records with problems (ascending), or a query's
 * matches in the order it asked for (sorted by a field, say). Pure (Node-tested).
 */
export interface RowFilter {
  /** what filters: problems (of `code`, or any when null) or a query */
  kind?: 'problems' | 'query';
  /** the rule code filtered to, or null for "any problem" (problems only) */
  code: string | null;
  /** the records shown, in row order */
  records: ArrayLike<number>;
  /** whether `records` ascend (then a record's row is found by bisection) */
  ascending?: boolean;
}

export class RowMap {
  private f: RowFilter | undefined;
  /** record → row, built on first use when the records do not ascend */
  private inverse: Map<number, number> | undefined;

  get filter(): RowFilter | undefined {
    return this.f;
  }

  set(filter: RowFilter | undefined): void {
    this.f = filter;
    this.inverse = undefined;
  }

  /** How many rows the list has for a file of `total` records. */
  rowCount(total: number): number {
    return this.f ? this.f.records.length : total;
  }

  /** The record a row shows (-1: none). */
  recordOfRow(row: number): number {
    if (!this.f) return row;
    return row >= 0 && row < this.f.records.length ? this.f.records[row] : -1;
  }

  /** The row showing a record (-1: filtered out). */
  rowOfRecord(record: number): number {
    if (!this.f) return record;
    const r = this.f.records;
    if (this.f.ascending === false) {
      if (!this.inverse) {
        this.inverse = new Map();
        for (let i = 0; i < r.length; i++) this.inverse.set(r[i], i);
      }
      return this.inverse.get(record) ?? -1;
    }
    let lo = 0;
    let hi = r.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (r[mid] === record) return mid;
      if (r[mid] < record) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }
}
