/**
 * A dataset file as a SQL table, through DuckDB (`@duckdb/node-api`, a native module loaded
 * on first use): `records`, one row per record, in file order, with `__record` the record's
 * 0-based index as the viewer and the CLI count it (JSON Lines: the non-blank lines; a JSON
 * array: its elements; Parquet: its rows).
 *
 * - The schema is read from every record (`sample_size=-1`), once: a field that first appears,
 *   or changes type, a million records in is still a column, never a silent NULL.
 * - A record DuckDB cannot read (a broken line) is a row of NULLs: `unreadable` counts and
 *   lists them, and no filter result ever holds them unsaid. DuckDB's reader may read on
 *   past a broken line into the next record (then that one is unreadable too), or make one
 *   row too many: callers compare `rows` with their own record count and refuse on a
 *   difference (QuerySession does).
 * - The SQL a user types is theirs, but the file is not: each table has its own DuckDB
 *   instance that may read that one file and its temp folder only (no other file, no
 *   network, no extension installs), with its configuration locked; every statement is
 *   prepared, so one string is one statement.
 * - Long queries report progress and can be interrupted.
 */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import type * as Duck from '@duckdb/node-api';

export type TableKind = 'jsonl' | 'json-array' | 'parquet';

export interface Column {
  name: string;
  /** DuckDB's type, e.g. `VARCHAR`, `BIGINT`, `STRUCT("from" VARCHAR, "value" VARCHAR)[]` */
  type: string;
}

export interface Unreadable {
  count: number;
  /** 0-based record indices, ascending, at most `UNREADABLE_LIST_CAP` */
  records: number[];
}

export const UNREADABLE_LIST_CAP = 1000;
const MATERIALIZED = '__vlm_records';
/** the column holding each row's record index */
export const RECORD_COLUMN = '__record';

/** A query the engine refused or failed: the message, and where in the user's text when known. */
export class QueryError extends Error {
  constructor(
    message: string,
    /** offset into the text the user typed (the WHERE expression, the ORDER BY, the SQL) */
    readonly at?: number,
    /** the part that failed: 'where', 'order', 'sql', or 'file' (the file could not be read as a table) */
    readonly part: 'where' | 'order' | 'sql' | 'file' = 'sql',
  ) {
    super(message);
    this.name = 'QueryError';
  }
}

export class QueryCancelled extends Error {
  constructor() {
    super('cancelled');
    this.name = 'QueryCancelled';
  }
}

export interface RunOptions {
  signal?: AbortSignal;
  /** 0–100, as DuckDB reports it (a scan's share of the file read) */
  onProgress?: (percent: number) => void;
}

export interface FilterResult {
  /** record indices that match, in the asked order (file order when none) */
  records: Int32Array;
  /** matching records DuckDB could not read are never among them; those are said apart */
  unreadable: Unreadable;
}

export interface SqlResult {
  columns: Column[];
  /** rows as JSON values (BIGINTs as numbers when safe, else strings) */
  rows: Array<Record<string, unknown>>;
  /** rows left off past the cap */
  truncated: boolean;
}

let loaded: Promise<typeof Duck> | undefined;

/** Loads DuckDB once, on first use (a native module: activation and the CLI's start do not pay for it). */
export function loadDuckDb(): Promise<typeof Duck> {
  loaded ??= import('@duckdb/node-api');
  return loaded;
}

/**
 * A DuckDB instance confined to one file (or the files and folders it is given): it may read
 * `path` and `directories` (and use `tempDir`, when given, to spill), nothing else: no other
 * file, no writes, no network, no extension installs, and its configuration locked so that no
 * statement can widen that.
 */
export async function confinedDuckDb(
  path: string | string[],
  opts: { tempDir?: string; threads?: number; memoryLimit?: string; directories?: string[] } = {},
): Promise<{ db: Duck.DuckDBInstance; conn: Duck.DuckDBConnection }> {
  const duck = await loadDuckDb();
  const config: Record<string, string> = { autoinstall_known_extensions: 'false', autoload_known_extensions: 'false', memory_limit: opts.memoryLimit ?? `${DEFAULT_MEMORY_MB}MB` };
  // spilling goes to the folder given, else nowhere (DuckDB's default is `.tmp` in the process's working folder)
  config.temp_directory = opts.tempDir ?? '';
  if (opts.threads) config.threads = String(opts.threads);
  const db = await duck.DuckDBInstance.create(':memory:', config);
  try {
    const conn = await db.connect();
    const paths = typeof path === 'string' ? [path] : path;
    if (paths.length) await conn.run(`SET allowed_paths = [${paths.map(sqlString).join(', ')}]`);
    const dirs = [...(opts.directories ?? []), ...(opts.tempDir ? [opts.tempDir] : [])].map((d) => (d.endsWith('/') ? d : d + '/'));
    if (dirs.length) await conn.run(`SET allowed_directories = [${dirs.map(sqlString).join(', ')}]`);
    await conn.run('SET enable_external_access = false');
    await conn.run('SET lock_configuration = true');
    return { db, conn };
  } catch (e) {
    db.closeSync();
    throw e;
  }
}

const MB = 1024 * 1024;
/** DuckDB's memory for a file (it spills to its temp folder past that, where it has one) */
export const DEFAULT_MEMORY_MB = 512;

/**
 * The memory limits to try, smallest first: the default, then doubled up to half the
 * machine's memory (at most 8 GB). DuckDB reads a Parquet page whole, and a writer may put a
 * whole row group of images in one page (DuckDB's own writer: 2,048 rows of 190 KB images are
 * one 380 MB page, one 512 MB allocation per buffer); a file is read at the smallest limit
 * that holds its pages, and only such files pay for more.
 */
export function memoryLadder(capMb = Math.min(8192, Math.floor(totalmem() / MB / 2))): number[] {
  const out = [DEFAULT_MEMORY_MB];
  while (out[out.length - 1] * 2 <= capMb) out.push(out[out.length - 1] * 2);
  return out;
}

export function isOutOfMemory(e: unknown): boolean {
  return /Out of Memory Error/i.test(e instanceof Error ? e.message : String(e));
}

/** Said when even the largest limit did not hold the file's pages: why, and the fix. */
export function outOfMemoryError(limitMb: number): QueryError {
  return new QueryError(
    `DuckDB ran out of memory reading the file, even allowed ${limitMb >= 1024 ? `${(limitMb / 1024).toFixed(1)} GB` : `${limitMb} MB`} (half of this machine's memory, at most 8 GB): its pages are too large (a row group of images written as one page). Write it with smaller row groups (pyarrow: pq.write_table(table, path, row_group_size=100), as Hugging Face datasets writes image datasets).`,
    undefined,
    'file',
  );
}

/**
 * Why a table's rows cannot stand for the file's records, when they do not line up with the
 * `expected` count of the project's own index (DuckDB reads on past a broken line into the
 * next one); undefined when they do.
 */
export function misalignment(table: { rows: number; unreadable: Unreadable }, expected: number | undefined): string | undefined {
  if (expected === undefined || table.rows === expected) return undefined;
  const near = table.unreadable.records[0];
  const hint = near === undefined ? '' : ` (it could not read record ${near + 1}: a broken line there throws it off; fix that line to query this file)`;
  return `the query engine read ${table.rows} records where the file has ${expected}${hint}: its results cannot be matched to records, so none are shown`;
}

export function tableKindOf(fileName: string, datasetKind?: string): TableKind | undefined {
  if (/\.parquet$/i.test(fileName)) return 'parquet';
  if (datasetKind === 'jsonl' || (!datasetKind && /\.(?:jsonl|ndjson)$/i.test(fileName))) return 'jsonl';
  if (datasetKind === 'json-array') return 'json-array';
  return undefined;
}

/** A SQL string literal. */
export function sqlString(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

/** A SQL identifier, quoted. */
export function sqlIdent(s: string): string {
  return `"${s.replace(/"/g, '""')}"`;
}

function reader(path: string, kind: TableKind, columns?: Column[]): string {
  if (kind === 'parquet') return `read_parquet(${sqlString(path)})`;
  const opts = [`format=${kind === 'jsonl' ? "'newline_delimited'" : "'array'"}`, 'ignore_errors=true', 'maximum_object_size=67108864'];
  if (columns) opts.push(`columns={${columns.map((c) => `${sqlString(c.name)}: ${sqlString(c.type)}`).join(', ')}}`);
  else opts.push('sample_size=-1');
  return `read_json(${sqlString(path)}, ${opts.join(', ')})`;
}

/** Finds `LINE 1: …` and the caret under it in DuckDB's message: the offset into `sql`. */
export function errorOffset(message: string, sql: string): number | undefined {
  const lines = message.split('\n');
  const i = lines.findIndex((l) => /^LINE \d+: /.test(l));
  if (i < 0 || i + 1 >= lines.length) return undefined;
  const caret = lines[i + 1].indexOf('^');
  if (caret < 0) return undefined;
  const prefix = /^LINE \d+: /.exec(lines[i])![0].length;
  const shown = lines[i].slice(prefix);
  const col = caret - prefix;
  // DuckDB shows a window of the statement (with "..." when cut): find the window in the statement
  const start = sql.indexOf(shown.replace(/^\.\.\./, '').replace(/\.\.\.$/, ''));
  const lead = shown.startsWith('...') ? 3 : 0;
  if (start < 0) return col;
  return start + col - lead;
}

/** DuckDB's message without the statement window and caret, an unknown column said in plain words. */
export function cleanMessage(message: string): string {
  const text = message
    .split('\n')
    .filter((l, i, all) => !/^LINE \d+: /.test(l) && !(i > 0 && /^LINE \d+: /.test(all[i - 1])))
    .join('\n')
    .replace(/\n{2,}/g, '\n')
    .trim();
  const unknown = /^Binder Error: Referenced column "((?:[^"]|"")*)" not found in FROM clause!(?:\s*Candidate bindings: (.*))?/s.exec(text);
  if (!unknown) return text;
  const candidates = [...(unknown[2] ?? '').matchAll(/"((?:[^"]|"")*)"/g)].map((m) => m[1].replace(/""/g, '"')).filter((c) => c !== RECORD_COLUMN);
  return `no field "${unknown[1].replace(/""/g, '"')}" in the records${candidates.length ? ` (closest: ${candidates.join(', ')})` : ''}`;
}

export class RecordTable {
  private constructor(
    private readonly db: Duck.DuckDBInstance,
    private readonly conn: Duck.DuckDBConnection,
    private readonly tempDir: string,
    readonly path: string,
    readonly kind: TableKind,
    /** the record's fields (`__record` not among them) */
    readonly columns: Column[],
    /** records the table has */
    readonly rows: number,
    readonly unreadable: Unreadable,
    /** the records were read into memory (`records` is a table, not a view over the file) */
    readonly materialized = false,
  ) {}

  /**
   * Opens `path` as the table `records`: reads its schema from every record and counts the
   * records and those DuckDB cannot read (two passes over the file, once).
   */
  static async open(path: string, kind: TableKind, opts: RunOptions & { threads?: number; memoryLimit?: string; materialize?: boolean } = {}): Promise<RecordTable> {
    await stat(path); // a missing file: the caller's ENOENT, not DuckDB's wording
    // a file whose pages do not fit is read again with more memory (see memoryLadder)
    const limits = opts.memoryLimit ? [opts.memoryLimit] : memoryLadder().map((mb) => `${mb}MB`);
    for (const [i, memoryLimit] of limits.entries()) {
      try {
        return await RecordTable.openWith(path, kind, { ...opts, memoryLimit });
      } catch (e) {
        if (!isOutOfMemory(e) || opts.signal?.aborted) throw e;
        if (i === limits.length - 1) throw opts.memoryLimit ? e : outOfMemoryError(parseInt(memoryLimit, 10));
      }
    }
    throw new QueryError('no memory limit to try', undefined, 'file');
  }

  private static async openWith(path: string, kind: TableKind, opts: RunOptions & { threads?: number; memoryLimit: string; materialize?: boolean }): Promise<RecordTable> {
    const tempDir = await mkdtemp(join(tmpdir(), 'vlm-lens-duckdb-'));
    let db: Duck.DuckDBInstance | undefined;
    try {
      const confined = await confinedDuckDb(path, { tempDir, threads: opts.threads, memoryLimit: opts.memoryLimit });
      db = confined.db;
      const conn = confined.conn;
      const describe = async (what: string) => {
        const described = await run(conn, `DESCRIBE ${what}`, opts, 'file');
        const cols = described.getRowObjectsJson().map((r) => ({ name: r.column_name as string, type: r.column_type as string }));
        if (cols.length === 0) throw new QueryError('no fields found in the file', undefined, 'file');
        return cols;
      };
      let columns: Column[];
      if (opts.materialize && kind !== 'parquet') {
        // read once into DuckDB's memory (spilling past its limit), for many queries in a row
        // (statistics): the schema found while reading (every record, as below), and a
        // record's index is its row's insertion order (rowid), kept as the file's order
        await run(conn, `CREATE TEMP TABLE ${MATERIALIZED} AS SELECT * FROM ${reader(path, kind)}`, opts, 'file');
        columns = await describe(MATERIALIZED);
        await conn.run(`CREATE VIEW records AS SELECT CAST(rowid AS INTEGER) AS ${RECORD_COLUMN}, * FROM ${MATERIALIZED}`);
      } else {
        columns = await describe(`SELECT * FROM ${reader(path, kind)}`);
        const rowNumber = kind === 'parquet' ? `CAST(file_row_number AS INTEGER)` : `CAST(row_number() OVER () - 1 AS INTEGER)`;
        const source = kind === 'parquet' ? `read_parquet(${sqlString(path)}, file_row_number=true)` : reader(path, kind, columns);
        const select = kind === 'parquet' ? `${rowNumber} AS ${RECORD_COLUMN}, * EXCLUDE (file_row_number)` : `${rowNumber} AS ${RECORD_COLUMN}, *`;
        if (opts.materialize) {
          await run(conn, `CREATE TEMP TABLE ${MATERIALIZED} AS SELECT ${select} FROM ${source}`, opts, 'file');
          await conn.run(`CREATE VIEW records AS SELECT * FROM ${MATERIALIZED}`);
        } else await conn.run(`CREATE VIEW records AS SELECT ${select} FROM ${source}`);
      }
      const allNull = columns.map((c) => `${sqlIdent(c.name)} IS NULL`).join(' AND ');
      const counted = await run(
        conn,
        `SELECT CAST(count(*) AS INTEGER) AS n, CAST(count(*) FILTER (WHERE ${allNull}) AS INTEGER) AS bad, list(${RECORD_COLUMN} ORDER BY ${RECORD_COLUMN}) FILTER (WHERE ${allNull}) AS badList FROM records`,
        opts,
        'file',
      );
      const row = counted.getRowObjectsJson()[0];
      const badList = ((row.badList as number[] | null) ?? []).slice(0, UNREADABLE_LIST_CAP);
      return new RecordTable(db, conn, tempDir, path, kind, columns, Number(row.n), { count: Number(row.bad), records: badList }, opts.materialize === true);
    } catch (e) {
      db?.closeSync();
      await rm(tempDir, { recursive: true, force: true });
      throw e;
    }
  }

  /**
   * The records a `WHERE` expression selects (all when empty), ordered by `orderBy` (an
   * expression; file order when empty). Records DuckDB could not read never match.
   */
  async filter(where: string, orderBy = '', desc = false, opts: RunOptions = {}): Promise<FilterResult> {
    const w = where.trim();
    const o = orderBy.trim();
    const head = `SELECT ${RECORD_COLUMN} FROM records WHERE (`;
    const mid = `)`;
    const orderHead = ' ORDER BY (';
    let sql = head + (w || 'true') + mid;
    if (o) sql += orderHead + o + `) ${desc ? 'DESC' : 'ASC'} NULLS LAST, ${RECORD_COLUMN}`;
    else sql += ` ORDER BY ${RECORD_COLUMN}`;
    let result: Duck.DuckDBResultReader;
    try {
      result = await this.exclusive(() => run(this.conn, sql, opts, 'where', true));
    } catch (e) {
      if (!(e instanceof QueryError) || e.at === undefined) throw e;
      // say where in what the user typed: the WHERE text or the ORDER BY text
      const whereStart = head.length;
      const orderStart = head.length + (w || 'true').length + mid.length + orderHead.length;
      if (o && e.at >= orderStart) throw new QueryError(e.message, Math.min(o.length, e.at - orderStart), 'order');
      if (w && e.at >= whereStart) throw new QueryError(e.message, Math.min(w.length, e.at - whereStart), 'where');
      throw new QueryError(e.message, undefined, 'where');
    }
    const col = result.getColumns()[0] ?? [];
    const records = Int32Array.from(col as number[]);
    return { records, unreadable: this.unreadable };
  }

  /** Any one SQL statement over `records`; at most `cap` rows are returned. */
  async sql(sql: string, cap = 1000, opts: RunOptions = {}): Promise<SqlResult> {
    const reader = await this.exclusive(() => run(this.conn, sql, opts, 'sql', true, cap + 1));
    const names = reader.columnNames();
    const types = reader.columnTypes().map((t) => t.toString());
    const columns = names.map((name, i) => ({ name, type: types[i] }));
    const rows = reader.getRowObjectsJson() as Array<Record<string, unknown>>;
    const truncated = rows.length > cap;
    return { columns, rows: numbersWhereSafe(truncated ? rows.slice(0, cap) : rows, columns), truncated };
  }

  /** Stops the running query (it then fails with QueryCancelled). */
  interrupt(): void {
    this.conn.interrupt();
  }

  private busy: Promise<unknown> = Promise.resolve();
  private closed = false;

  /** Runs queries one at a time on the table's one connection; none after close. */
  private exclusive<T>(f: () => Promise<T>): Promise<T> {
    const next = this.busy.then(() => {
      if (this.closed) throw new QueryError('the table was closed (the file changed)', undefined, 'file');
      return f();
    });
    this.busy = next.catch(() => undefined);
    return next;
  }

  /** Interrupts a running query, waits for it to end, then frees the database. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.conn.interrupt();
    await this.busy;
    try {
      this.conn.closeSync();
      this.db.closeSync();
    } finally {
      await rm(this.tempDir, { recursive: true, force: true });
    }
  }
}

/** BIGINT values come as strings in DuckDB's JSON form: numbers when they fit. */
function numbersWhereSafe(rows: Array<Record<string, unknown>>, columns: Column[]): Array<Record<string, unknown>> {
  const big = columns.filter((c) => /^(?:U?BIGINT|HUGEINT|UHUGEINT)$/.test(c.type)).map((c) => c.name);
  if (big.length === 0) return rows;
  for (const r of rows)
    for (const name of big) {
      const v = r[name];
      if (typeof v === 'string' && Number.isSafeInteger(Number(v))) r[name] = Number(v);
    }
  return rows;
}

/**
 * Runs one statement (prepared: never several), with progress polled and an abort signal
 * that interrupts it. `readUntil`: stop reading rows past that many.
 */
async function run(conn: Duck.DuckDBConnection, sql: string, opts: RunOptions, part: QueryError['part'], prepared = false, readUntil?: number): Promise<Duck.DuckDBResultReader> {
  if (opts.signal?.aborted) throw new QueryCancelled();
  const onAbort = () => conn.interrupt();
  opts.signal?.addEventListener('abort', onAbort);
  const timer = opts.onProgress
    ? setInterval(() => {
        const p = conn.progress.percentage;
        if (p >= 0) opts.onProgress?.(Math.min(100, p));
      }, 200)
    : undefined;
  try {
    if (prepared) {
      let stmt: Duck.DuckDBPreparedStatement;
      try {
        stmt = await conn.prepare(sql);
      } catch (e) {
        throw asQueryError(e, sql, part);
      }
      const pending = stmt.startStream();
      return readUntil === undefined ? await pending.readAll() : await pending.readUntil(readUntil);
    }
    return await conn.runAndReadAll(sql);
  } catch (e) {
    if (opts.signal?.aborted || /INTERRUPT/i.test(String((e as Error)?.message))) throw new QueryCancelled();
    throw asQueryError(e, sql, part);
  } finally {
    if (timer) clearInterval(timer);
    opts.signal?.removeEventListener('abort', onAbort);
  }
}

function asQueryError(e: unknown, sql: string, part: QueryError['part']): Error {
  if (e instanceof QueryError || e instanceof QueryCancelled) return e;
  const message = e instanceof Error ? e.message : String(e);
  return new QueryError(cleanMessage(message), errorOffset(message, sql), part);
}
