import { open, type FileHandle } from 'node:fs/promises';
import { resolve } from 'node:path';
import { NodeFile } from '../core/io/randomAccessFile';
import { RecordIndex } from '../core/index/recordIndex';
import { QueryError, RecordTable, misalignment, tableKindOf, type SqlResult, type TableKind } from '../core/query/recordTable';
import { EXIT_OK, EXIT_USAGE, UsageError, type CliCommand, type CliIO } from './main';

export const queryCommand: CliCommand = {
  name: 'query',
  summary: 'run SQL over a dataset file (the table `records`, through DuckDB)',
  usage: `Usage: vlm-lens query <file> "<SQL>" [--json] [--limit N]

Runs one SQL statement over a .jsonl / .json array / .parquet dataset, read as the table
\`records\`: one row per record, in file order, its fields as columns (nested ones as
structs and lists: conversations[2].value), and __record its 0-based record index, as the
viewer and \`vlm-lens inspect --index\` count. The schema is read from every record.

  vlm-lens query data.jsonl "SELECT count(*) FROM records WHERE len(images) > 1"
  vlm-lens query data.jsonl "SELECT __record, id FROM records WHERE quality_score <= 2"
  vlm-lens query data.jsonl "SELECT conversations[1].from AS role, count(*) FROM records GROUP BY ALL"

Records that cannot be read (broken lines) are rows of NULLs, and are said on stderr. The
statement can read this file only: no other file, no writes, no network.

Options:
  --limit N   print at most N rows (default 1000; the rest are counted as left off)
  --json      print {columns, rows, truncated, records, unreadable} as JSON
Exit codes: 0 ok, 2 usage error, the SQL failed (with where), or the file cannot be read.`,
  options: { json: { type: 'boolean' }, limit: { type: 'string' } },
  async run({ values, positionals }, io) {
    if (positionals.length !== 2) throw new UsageError('expected a dataset file and one SQL statement (see vlm-lens query --help)');
    const path = resolve(positionals[0]);
    const sql = positionals[1];
    const limit = values.limit === undefined ? 1000 : Number(values.limit);
    if (!Number.isInteger(limit) || limit < 1) throw new UsageError(`--limit must be a positive integer, got '${String(values.limit)}'`);
    let table: RecordTable | undefined;
    try {
      table = await openChecked(path);
      const result = await table.sql(sql, limit);
      if (values.json) {
        io.stdout.write(`${JSON.stringify({ ...result, records: table.rows, unreadable: table.unreadable }, null, 2)}\n`);
      } else {
        printTable(result, io);
      }
      if (table.unreadable.count) {
        const list = table.unreadable.records.slice(0, 10).join(', ');
        io.stderr.write(`note: ${table.unreadable.count} record(s) could not be read and are rows of NULLs (record ${list}${table.unreadable.count > 10 ? ', …' : ''})\n`);
      }
      return EXIT_OK;
    } catch (e) {
      if (e instanceof QueryError) {
        io.stderr.write(`vlm-lens: ${e.part === 'file' ? `cannot read ${path} as a table` : 'the SQL failed'}: ${e.message}\n`);
        if (e.at !== undefined && e.part === 'sql') io.stderr.write(`  ${sql}\n  ${' '.repeat(Math.min(e.at, sql.length))}^\n`);
        return EXIT_USAGE;
      }
      throw e;
    } finally {
      await table?.close();
    }
  },
};

/** The table kind a file's name and first character suggest (a JSON array, JSON Lines, Parquet), if they do. */
async function guessKind(path: string): Promise<TableKind | undefined> {
  if (/\.parquet$/i.test(path)) return 'parquet';
  let fh: FileHandle | undefined;
  try {
    fh = await open(path, 'r');
    const buf = Buffer.alloc(4096);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    const first = /[^\s\uFEFF]/.exec(buf.toString('utf8', 0, bytesRead))?.[0];
    return first === '[' ? 'json-array' : first === '{' ? 'jsonl' : undefined;
  } catch {
    return undefined;
  } finally {
    await fh?.close().catch(() => undefined);
  }
}

/** The file's kind as the viewer reads it, and its record count (JSON Lines / arrays: the project's own index). */
export async function kindAndCount(path: string): Promise<{ kind: NonNullable<ReturnType<typeof tableKindOf>>; records?: number }> {
  if (/\.parquet$/i.test(path)) return { kind: 'parquet' };
  const file = await NodeFile.open(path).catch((e: unknown) => {
    throw new UsageError(`cannot open ${path}: ${e instanceof Error ? e.message : String(e)}`);
  });
  try {
    const index = await RecordIndex.build(file, { fileName: path });
    const kind = index.listKey === undefined ? tableKindOf(path, index.kind) : undefined;
    if (!kind) throw new UsageError(`${path} is ${index.listKey ? `an object holding its records under "${index.listKey}"` : `a ${index.kind} file`}: SQL needs JSON Lines, a JSON array of records or Parquet`);
    return { kind, records: index.count };
  } finally {
    await file.close();
  }
}

/** The file as a table whose rows are its records (refused when DuckDB's rows do not line up with them). */
export async function openChecked(path: string, opts: { materialize?: boolean } = {}): Promise<RecordTable> {
  // the record count (the project's own index) and DuckDB's read of the file run side by side
  // when the file's first character tells its kind; the index has the last word on it
  const guess = await guessKind(path);
  let kind: TableKind;
  let records: number | undefined;
  let table: RecordTable;
  if (guess) {
    const [counted, opened] = await Promise.allSettled([kindAndCount(path), RecordTable.open(path, guess, opts)]);
    if (counted.status === 'rejected') {
      if (opened.status === 'fulfilled') await opened.value.close();
      throw counted.reason;
    }
    ({ kind, records } = counted.value);
    if (opened.status === 'fulfilled' && kind === guess) table = opened.value;
    else {
      if (opened.status === 'fulfilled') await opened.value.close();
      else if (kind === guess) throw opened.reason;
      table = await RecordTable.open(path, kind, opts);
    }
  } else {
    ({ kind, records } = await kindAndCount(path));
    table = await RecordTable.open(path, kind, opts);
  }
  const why = misalignment(table, records);
  if (why) {
    await table.close();
    throw new UsageError(`${path}: ${why}`);
  }
  return table;
}

function printTable(r: SqlResult, io: CliIO): void {
  const cell = (v: unknown) => {
    const s = v === null || v === undefined ? 'NULL' : typeof v === 'string' ? v : JSON.stringify(v);
    const one = s.replace(/\s+/g, ' ');
    return one.length > 60 ? one.slice(0, 59) + '…' : one;
  };
  const names = r.columns.map((c) => c.name);
  const cells = r.rows.map((row) => names.map((n) => cell(row[n])));
  const widths = names.map((n, i) => Math.max(n.length, ...cells.map((c) => c[i].length)));
  const line = (parts: string[]) => parts.map((p, i) => p.padEnd(widths[i])).join('  ').trimEnd();
  io.stdout.write(line(names) + '\n');
  io.stdout.write(line(widths.map((w) => '-'.repeat(w))) + '\n');
  for (const c of cells) io.stdout.write(line(c) + '\n');
  io.stdout.write(`(${r.rows.length} row${r.rows.length === 1 ? '' : 's'}${r.truncated ? `; more left off: --limit to see more` : ''})\n`);
}
