/**
 * Field statistics of a dataset file, through its RecordTable: for every field path (nested
 * ones too, list elements as `conversations[].from`), how many records have it and how many
 * miss it, its distinct values, a histogram for numbers, the most common values for text,
 * labels and mixed-type fields, and lengths of texts and lists. Each value and bin carries
 * the filter condition that selects its records, so a click can filter to them.
 *
 * The records are read once into DuckDB's memory (spilling to its temp folder past its
 * memory limit); every statistic is then a query over that copy. At most `maxFields` fields.
 */
import { QueryCancelled, RECORD_COLUMN, sqlString, type RecordTable, type RunOptions } from './recordTable';
import { parseDuckType, quoteIfNeeded, typeLabel, type TypeNode } from './duckTypes';
import type { Bin, FieldStat, FieldStatsResult, ValueCount } from './statsTypes';

export type { Bin, FieldStat, FieldStatsResult, ValueCount };

export interface StatsOptions extends RunOptions {
  maxFields?: number;
  topValues?: number;
  bins?: number;
  /** after the records are read (`done` 0) and after each field */
  onField?: (done: number, total: number) => void;
}

/** One field to describe: its expression over a row of `source`, and how to filter on it. */
interface Target {
  path: string;
  node: TypeNode;
  per: 'record' | 'element';
  /** the FROM of its statistics */
  source: string;
  /** the field's expression in that source */
  expr: string;
  /** a WHERE condition over `records` true when the field equals `v` (v: a SQL literal or condition on `_v`) */
  cond: (test: (e: string) => string) => string | undefined;
}

const STATS_TABLE = '__vlm_stats';

/** The fields to describe, depth first, with list elements one level deep. */
function targets(table: RecordTable, table0: string): Target[] {
  const out: Target[] = [];
  const rec = (path: string, expr: string, node: TypeNode) => {
    out.push({ path, node, per: 'record', source: table0, expr, cond: (test) => test(expr) });
    if (node.kind === 'struct') for (const f of node.fields ?? []) rec(`${path}.${f.name}`, `${expr}.${quoteIfNeeded(f.name)}`, f.type);
    if (node.kind === 'list' && node.of) elem(`${path}[]`, expr, 'x', node.of);
  };
  // an element of the list `listExpr` (one level: lists inside elements are described by length only)
  const elem = (path: string, listExpr: string, x: string, node: TypeNode) => {
    const source = `(SELECT ${RECORD_COLUMN} AS __r, unnest(${listExpr}) AS x FROM ${table0})`;
    const add = (p: string, e: string, n: TypeNode) => {
      out.push({ path: p, node: n, per: 'element', source, expr: e, cond: (test) => `len(list_filter(${listExpr}, x -> ${test(e)})) > 0` });
      if (n.kind === 'struct') for (const f of n.fields ?? []) add(`${p}.${f.name}`, `${e}.${quoteIfNeeded(f.name)}`, f.type);
    };
    add(path, x, node);
  };
  for (const c of table.columns) rec(c.name, quoteIfNeeded(c.name), parseDuckType(c.type));
  return out;
}

function num(v: unknown): number {
  return typeof v === 'number' ? v : Number(v);
}

function literal(v: string | number | boolean): string {
  if (typeof v === 'string') return sqlString(v);
  return String(v);
}

export async function fieldStats(table: RecordTable, opts: StatsOptions = {}): Promise<FieldStatsResult> {
  const maxFields = opts.maxFields ?? 200;
  const topN = opts.topValues ?? 10;
  const nBins = opts.bins ?? 20;
  const source = table.materialized ? 'records' : STATS_TABLE;
  const all = targets(table, source);
  const list = all.slice(0, maxFields);
  // a table over the file is read into memory once for all the statistics' queries
  if (!table.materialized) await table.sql(`CREATE OR REPLACE TEMP TABLE ${STATS_TABLE} AS SELECT * FROM records`, 1, opts);
  try {
    const fields: FieldStat[] = [];
    opts.onField?.(0, list.length);
    for (const t of list) {
      if (opts.signal?.aborted) throw new QueryCancelled();
      fields.push(await describe(table, t, topN, nBins, opts));
      opts.onField?.(fields.length, list.length);
    }
    return { records: table.rows, fields, leftOut: all.length - list.length };
  } finally {
    if (!table.materialized) await table.sql(`DROP TABLE IF EXISTS ${STATS_TABLE}`, 1).catch(() => undefined);
  }
}

async function one(table: RecordTable, sql: string, opts: RunOptions): Promise<Record<string, unknown>> {
  return (await table.sql(sql, 1, opts)).rows[0] ?? {};
}

async function describe(table: RecordTable, t: Target, topN: number, nBins: number, opts: RunOptions): Promise<FieldStat> {
  const type = typeLabel(t.node);
  const e = t.expr;
  const from = t.source;
  const stat: FieldStat = { path: t.path, type, per: t.per, present: 0, missing: 0 };
  const base = await one(table, `SELECT count(${e}) AS present, count(*) - count(${e}) AS missing FROM ${from}`, opts);
  stat.present = num(base.present);
  stat.missing = num(base.missing);
  if (stat.present === 0) return stat;
  const top = async (valueExpr: string, filterable: boolean): Promise<ValueCount[]> => {
    const records = t.per === 'element' ? ', count(DISTINCT __r) AS r' : '';
    const r = await table.sql(`SELECT ${valueExpr} AS v, count(*) AS c${records} FROM ${from} WHERE ${e} IS NOT NULL GROUP BY v ORDER BY c DESC, v LIMIT ${topN}`, topN, opts);
    return r.rows.map((row) => {
      const value = row.v as string | number | boolean;
      const vc: ValueCount = { value, count: num(row.c) };
      if (t.per === 'element') vc.records = num(row.r);
      if (filterable && (typeof value !== 'string' || value.length <= 500)) vc.filter = t.cond((x) => `${x} = ${literal(value)}`);
      return vc;
    });
  };
  if (type === 'number') {
    const r = await one(table, `SELECT min(${e})::DOUBLE AS lo, max(${e})::DOUBLE AS hi, avg(${e})::DOUBLE AS mean, count(DISTINCT ${e}) AS d FROM ${from}`, opts);
    const lo = num(r.lo);
    const hi = num(r.hi);
    stat.distinct = num(r.d);
    const bins: Bin[] = [];
    if (hi > lo) {
      const w = (hi - lo) / nBins;
      const rows = await table.sql(`SELECT least(floor((${e} - ${lo}) / ${w}), ${nBins - 1})::INTEGER AS b, count(*) AS c FROM ${from} WHERE ${e} IS NOT NULL GROUP BY b ORDER BY b`, nBins, opts);
      const counts = new Map(rows.rows.map((row) => [num(row.b), num(row.c)]));
      for (let b = 0; b < nBins; b++) {
        const a = lo + b * w;
        const z = b === nBins - 1 ? hi : lo + (b + 1) * w;
        bins.push({ from: a, to: z, count: counts.get(b) ?? 0, filter: t.cond((x) => (b === nBins - 1 ? `${x} >= ${a} AND ${x} <= ${z}` : `${x} >= ${a} AND ${x} < ${z}`)) });
      }
    } else bins.push({ from: lo, to: hi, count: stat.present, filter: t.cond((x) => `${x} = ${lo}`) });
    stat.number = { min: lo, max: hi, mean: num(r.mean), bins };
    // few distinct values (labels, bins, scores on a scale): their counts too
    if (stat.distinct <= 50) stat.top = await top(e, true);
  } else if (type === 'text') {
    const r = await one(table, `SELECT count(DISTINCT ${e}) AS d, min(length(${e})) AS lo, max(length(${e})) AS hi, avg(length(${e}))::DOUBLE AS mean FROM ${from}`, opts);
    stat.distinct = num(r.d);
    stat.length = { min: num(r.lo), max: num(r.hi), mean: num(r.mean) };
    // every value different (ids, free text): no "most common" to show
    if (stat.distinct < stat.present) stat.top = await top(e, true);
  } else if (type === 'boolean') {
    stat.distinct = num((await one(table, `SELECT count(DISTINCT ${e}) AS d FROM ${from}`, opts)).d);
    stat.top = await top(e, true);
  } else if (type === 'list') {
    const r = await one(table, `SELECT min(len(${e})) AS lo, max(len(${e})) AS hi, avg(len(${e}))::DOUBLE AS mean FROM ${from}`, opts);
    stat.length = { min: num(r.lo), max: num(r.hi), mean: num(r.mean) };
    // how many records have each length (few lengths: images per record, turns per record)
    const lengths = await table.sql(`SELECT len(${e}) AS v, count(*) AS c FROM ${from} WHERE ${e} IS NOT NULL GROUP BY v ORDER BY c DESC, v LIMIT ${topN}`, topN, opts);
    stat.top = lengths.rows.map((row) => ({ value: num(row.v), count: num(row.c), filter: t.per === 'record' ? `len(${e}) = ${num(row.v)}` : undefined }));
  } else if (type === 'json (mixed types)') {
    stat.distinct = num((await one(table, `SELECT count(DISTINCT ${e}::VARCHAR) AS d FROM ${from}`, opts)).d);
    const types = await table.sql(`SELECT json_type(${e}) AS v, count(*) AS c FROM ${from} WHERE ${e} IS NOT NULL GROUP BY v ORDER BY c DESC, v`, 20, opts);
    stat.jsonTypes = types.rows.map((row) => ({ value: String(row.v), count: num(row.c), filter: t.cond((x) => `json_type(${x}) = ${sqlString(String(row.v))}`) }));
    stat.top = await top(`${e}::VARCHAR`, false);
  }
  return stat;
}
