/**
 * Rows of the record list and the records they show: all records in order, or, while the
 * list is filtered to problems, only those records (ascending). Pure (Node-tested).
 */
export interface RowFilter {
  /** the rule code filtered to, or null for "any problem" */
  code: string | null;
  /** the records shown, ascending */
  records: number[];
}

export class RowMap {
  private f: RowFilter | undefined;

  get filter(): RowFilter | undefined {
    return this.f;
  }

  set(filter: RowFilter | undefined): void {
    this.f = filter;
  }

  /** How many rows the list has for a file of `total` records. */
  rowCount(total: number): number {
    return this.f ? this.f.records.length : total;
  }

  /** The record a row shows (-1: none). */
  recordOfRow(row: number): number {
    return this.f ? (this.f.records[row] ?? -1) : row;
  }

  /** The row showing a record (-1: filtered out). */
  rowOfRecord(record: number): number {
    if (!this.f) return record;
    const r = this.f.records;
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
