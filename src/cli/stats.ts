import { resolve } from 'node:path';
import { QueryError, type RecordTable } from '../core/query/recordTable';
import { fieldStats, type FieldStat } from '../core/query/fieldStats';
import { EXIT_OK, EXIT_USAGE, UsageError, type CliCommand } from './main';
import { openChecked } from './query';

export const statsCommand: CliCommand = {
  name: 'stats',
  summary: 'field statistics of a dataset file: types, missing, distinct, histograms, top values',
  usage: `Usage: vlm-lens stats <file> [--json] [--top N]

For every field of a .jsonl / .json array / .parquet dataset, nested ones too (list
elements as conversations[].from): its type, how many records have it and miss it, its
distinct values, min / max / mean and a 20-bin histogram for numbers, text and list lengths,
and its most common values (labels, roles, scores on a scale: their balance). With --json,
each value and bin carries the SQL condition that selects its records, for
\`vlm-lens query\` or the viewer's filter. Read through DuckDB; records it cannot read are said.

Options:
  --top N   most common values per field (default 10)
  --json    print {records, fields: [...], leftOut, unreadable} as JSON
Exit codes: 0 ok, 2 usage error or the file cannot be read.`,
  options: { json: { type: 'boolean' }, top: { type: 'string' } },
  async run({ values, positionals }, io) {
    if (positionals.length !== 1) throw new UsageError('expected one dataset file (see vlm-lens stats --help)');
    const path = resolve(positionals[0]);
    const top = values.top === undefined ? 10 : Number(values.top);
    if (!Number.isInteger(top) || top < 1 || top > 1000) throw new UsageError(`--top must be an integer from 1 to 1000, got '${String(values.top)}'`);
    let table: RecordTable | undefined;
    try {
      // JSON is read into memory once for every field's queries; Parquet is read in place, a column at a time
      table = await openChecked(path, { materialize: !/\.parquet$/i.test(path) });
      const stats = await fieldStats(table, { topValues: top });
      if (values.json) io.stdout.write(`${JSON.stringify({ ...stats, unreadable: table.unreadable }, null, 2)}\n`);
      else {
        io.stdout.write(`${path}: ${stats.records} records, ${stats.fields.length} fields${stats.leftOut ? ` (${stats.leftOut} more left off)` : ''}\n`);
        for (const f of stats.fields) io.stdout.write(describe(f) + '\n');
      }
      if (table.unreadable.count) io.stderr.write(`note: ${table.unreadable.count} record(s) could not be read and count as missing every field (record ${table.unreadable.records.slice(0, 10).join(', ')}${table.unreadable.count > 10 ? ', …' : ''})\n`);
      return EXIT_OK;
    } catch (e) {
      if (e instanceof QueryError) {
        io.stderr.write(`vlm-lens: cannot read ${path} as a table: ${e.message}\n`);
        return EXIT_USAGE;
      }
      throw e;
    } finally {
      await table?.close();
    }
  },
};

function short(v: unknown): string {
  const s = typeof v === 'string' ? JSON.stringify(v) : String(v);
  return s.length > 40 ? s.slice(0, 39) + '…' : s;
}

function n(x: number): string {
  return Number.isInteger(x) ? String(x) : x.toPrecision(4);
}

function describe(f: FieldStat): string {
  const parts = [`${f.path}  ${f.type}${f.per === 'element' ? ' (per element)' : ''}`, `${f.present} present, ${f.missing} missing`];
  if (f.distinct !== undefined) parts.push(`${f.distinct} distinct`);
  if (f.number) parts.push(`min ${n(f.number.min)}, max ${n(f.number.max)}, mean ${n(f.number.mean)}`);
  if (f.length) parts.push(`${f.type === 'list' ? 'length' : 'chars'} ${n(f.length.min)}–${n(f.length.max)}, mean ${n(f.length.mean)}`);
  if (f.jsonTypes) parts.push(`types: ${f.jsonTypes.map((t) => `${String(t.value)} ${t.count}`).join(', ')}`);
  if (f.top?.length) parts.push(`top: ${f.top.slice(0, 3).map((t) => `${short(t.value)} ×${t.count}`).join(', ')}`);
  return parts.join(' · ');
}
