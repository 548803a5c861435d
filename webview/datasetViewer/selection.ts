/**
 * The selected record, kept in one place: the list's row is derived from it through the row
 * map (with a filter, rows and records differ), and the choice is saved with the webview's
 * state so that it survives a reload. Pure (Node-tested).
 */
import type { RowMap } from './rowMap';

export class Selection {
  private rec = -1;

  /**
   * @param rows   the list's rows (all records, or a filter's)
   * @param save   keeps the choice across reloads (the webview's state)
   * @param saved  the choice saved by an earlier page
   */
  constructor(
    private readonly rows: RowMap,
    private readonly save: (record: number) => void,
    private saved?: number,
  ) {}

  /** The selected record (-1: none yet). */
  get record(): number {
    return this.rec;
  }

  /** Its row in the list as filtered now (-1: none selected, or the filter hides it). */
  get row(): number {
    return this.rec < 0 ? -1 : this.rows.rowOfRecord(this.rec);
  }

  /** Whether the list as filtered now shows the selected record. */
  get shown(): boolean {
    return this.row >= 0;
  }

  /** Selects `record` and saves the choice; returns its row (-1 when the filter hides it). */
  set(record: number): number {
    this.rec = record;
    this.saved = record;
    this.save(record);
    return this.row;
  }

  /** No record is selected (the list emptied); the saved choice stays for when records come back. */
  clear(): void {
    this.rec = -1;
  }

  /**
   * The record to select first in a file of `total` records: the one saved by an earlier page
   * when the file has it, else `fallback` (the host's) when it has that, else the first.
   * Undefined when the file has no record yet.
   */
  initial(total: number, fallback?: number): number | undefined {
    if (total <= 0) return undefined;
    for (const k of [this.saved, fallback]) if (k !== undefined && k >= 0 && k < total) return k;
    return 0;
  }

  /** After the list was filtered: the selected record when the filter shows it, else the first one shown. */
  afterFilter(firstShown: number): number {
    return this.shown ? this.rec : firstShown;
  }

  /**
   * The record a key moves to: `to` is a row (the current row plus a step, or an end),
   * kept inside the `rowCount` rows the list has. Undefined when the list is empty.
   */
  recordAtRow(to: number, rowCount: number): number | undefined {
    if (rowCount <= 0) return undefined;
    return this.rows.recordOfRow(Math.max(0, Math.min(rowCount - 1, to)));
  }
}
