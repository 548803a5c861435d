/**
 * The viewer's filter and sort over one file: the query text a user types
 * (`quality_score <= 2 ORDER BY reward DESC`), split into its WHERE and ORDER BY parts, run
 * through a RecordTable opened on first use and kept until the file changes. Results are
 * checked against the viewer's own record count: rows that cannot be matched to records
 * are refused, never shown as the wrong records.
 */
import { QueryError, RecordTable, misalignment, type Column, type RunOptions, type TableKind, type Unreadable } from './recordTable';
import { fieldStats, type FieldStatsResult, type StatsOptions } from './fieldStats';
import { parseDuckType, quoteIfNeeded, typeLabel, type TypeNode } from './duckTypes';

export { parseDuckType };

export interface ParsedQuery {
  where: string;
  orderBy: string;
  desc: boolean;
  /** offset of `orderBy` in the text (for errors) */
  orderAt: number;
}

/**
 * Splits `expr ORDER BY expr [ASC|DESC]` at its last ORDER BY outside quotes and
 * parentheses. A text that starts with ORDER BY has no filter.
 */
export function parseQueryText(text: string): ParsedQuery {
  let depth = 0;
  let quote: string | undefined;
  let cut = -1;
  let cutEnd = -1;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === quote) quote = undefined;
      continue;
    }
    if (c === "'" || c === '"') quote = c;
    else if (c === '(' || c === '[') depth++;
    else if (c === ')' || c === ']') depth = Math.max(0, depth - 1);
    else if (depth === 0 && (c === 'o' || c === 'O') && (i === 0 || /\s/.test(text[i - 1]))) {
      const m = /^order\s+by\s/i.exec(text.slice(i));
      if (m) {
        cut = i;
        cutEnd = i + m[0].length;
      }
    }
  }
  if (cut < 0) return { where: text.trim(), orderBy: '', desc: false, orderAt: text.length };
  let order = text.slice(cutEnd);
  let desc = false;
  const dir = /\s+(asc|desc)\s*$/i.exec(' ' + order);
  if (dir) {
    desc = dir[1].toLowerCase() === 'desc';
    order = order.slice(0, order.length - (dir[0].length - 1));
  }
  const lead = order.length - order.trimStart().length;
  return { where: text.slice(0, cut).trim(), orderBy: order.trim(), desc, orderAt: cutEnd + lead };
}

/**
 * The field paths a filter can name, for completion: every column and, inside structs and
 * lists, `col.field` and `col[1].field` (DuckDB lists count from 1). Capped at `cap`.
 */
export function fieldPaths(columns: Column[], cap = 500): Array<{ path: string; type: string }> {
  const out: Array<{ path: string; type: string }> = [];
  const walk = (path: string, t: TypeNode, depth: number) => {
    if (out.length >= cap) return;
    out.push({ path, type: typeLabel(t, true) });
    if (depth > 6) return;
    if (t.kind === 'struct') for (const f of t.fields ?? []) walk(`${path}.${quoteIfNeeded(f.name)}`, f.type, depth + 1);
    else if (t.kind === 'list' && t.of && (t.of.kind === 'struct' || t.of.kind === 'list')) walk(`${path}[1]`, t.of, depth + 1);
  };
  for (const c of columns) walk(quoteIfNeeded(c.name), parseDuckType(c.type), 0);
  return out;
}

export interface QueryOutcome {
  /** matching records in order */
  records: Int32Array;
  /** records the table has (the whole file) */
  total: number;
  unreadable: Unreadable;
  /** ordered by an expression (else file order: the records ascend) */
  sorted: boolean;
}

export type TableOpener = (path: string, kind: TableKind, opts: RunOptions) => Promise<RecordTable>;

/** One file's query table, opened on first use, closed when the file changes or the session ends. */
export class QuerySession {
  private table: Promise<RecordTable> | undefined;

  constructor(
    readonly path: string,
    readonly kind: TableKind,
    private readonly open: TableOpener = (p, k, o) => RecordTable.open(p, k, o),
  ) {}

  private get(opts: RunOptions): Promise<RecordTable> {
    if (!this.table) {
      const t = this.open(this.path, this.kind, opts);
      this.table = t;
      // a failed or cancelled open is tried again next time
      t.catch(() => {
        if (this.table === t) this.table = undefined;
      });
    }
    return this.table;
  }

  /** The fields of the file (opens the table). */
  async fields(opts: RunOptions = {}): Promise<Array<{ path: string; type: string }>> {
    return fieldPaths((await this.get(opts)).columns);
  }

  /**
   * Runs a query text against the file. `expectedRecords`: the viewer's count of records
   * (when known): a table of another size cannot be matched to the viewer's records.
   */
  /** The field statistics of the file (the same record-count check as run). */
  async stats(expectedRecords: number | undefined, opts: StatsOptions & { onPhase?: (phase: 'schema' | 'filter') => void } = {}): Promise<FieldStatsResult & { unreadable: Unreadable }> {
    if (!this.table) opts.onPhase?.('schema');
    const table = await this.get(opts);
    opts.onPhase?.('filter');
    this.check(table, expectedRecords);
    return { ...(await fieldStats(table, opts)), unreadable: table.unreadable };
  }

  private check(table: RecordTable, expectedRecords: number | undefined): void {
    const why = misalignment(table, expectedRecords);
    if (why) throw new QueryError(why, undefined, 'file');
  }

  async run(text: string, expectedRecords: number | undefined, opts: RunOptions & { onPhase?: (phase: 'schema' | 'filter') => void } = {}): Promise<QueryOutcome> {
    const q = parseQueryText(text);
    if (!this.table) opts.onPhase?.('schema');
    const table = await this.get(opts);
    opts.onPhase?.('filter');
    this.check(table, expectedRecords);
    try {
      const r = await table.filter(q.where, q.orderBy, q.desc, opts);
      return { records: r.records, total: table.rows, unreadable: r.unreadable, sorted: q.orderBy !== '' };
    } catch (e) {
      // errors are located in the text the user typed
      if (e instanceof QueryError && e.at !== undefined) {
        const whereAt = text.indexOf(q.where);
        throw new QueryError(e.message, e.part === 'order' ? q.orderAt + e.at : Math.max(0, whereAt) + e.at, e.part);
      }
      throw e;
    }
  }

  /** The file changed: the next query reads it again. */
  invalidate(): void {
    const t = this.table;
    this.table = undefined;
    void t?.then((x) => x.close()).catch(() => undefined);
  }

  dispose(): void {
    this.invalidate();
  }
}
