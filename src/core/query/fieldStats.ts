/**
 * Field statistics of a dataset file, through its RecordTable: for every field path (nested
 * ones too, list elements as `conversations[].from`), how many records have it and how many
 * miss it, its distinct values, a histogram for numbers, the most common values for text,
 * labels and mixed-type fields, and lengths of texts and lists. Each value and bin carries
 * the filter condition that selects its records, so a click can filter to them.
 *
 * JSON records are read once into DuckDB's memory (spilling to its temp folder past its
 * memory limit) and every statistic is a query over that copy; a Parquet file is queried where
 * it is (each query reads its column only). At most `maxFields` fields.
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
  // a Parquet file is read where it is: it is columnar, each field's queries read that field's
  // column only (a copy in memory would hold every image's bytes); a JSON file is read into
  // memory once for all the fields' queries
  const inPlace = table.materialized || table.kind === 'parquet';
  const source = inPlace ? 'records' : STATS_TABLE;
  const all = targets(table, source);
  const list = all.slice(0, maxFields);
  // a table over the file is read into memory once for all the statistics' queries
  if (!inPlace) await table.sql(`CREATE OR REPLACE TEMP TABLE ${STATS_TABLE} AS SELECT * FROM records`, 1, opts);
  try {
    const fields: FieldStat[] = [];
    opts.onField?.(0, list.length);
    for (const t of list) {
      if (opts.signal?.aborted) throw new QueryCancelled();
      fields.push(await describe(table, source, t, topN, nBins, opts));
      opts.onField?.(fields.length, list.length);
    }
    return { records: table.rows, fields, leftOut: all.length - list.length };
  } finally {
    if (!inPlace) await table.sql(`DROP TABLE IF EXISTS ${STATS_TABLE}`, 1).catch(() => undefined);
  }
}

async function one(table: RecordTable, sql: string, opts: RunOptions): Promise<Record<string, unknown>> {
  return (await table.sql(sql, 1, opts)).rows[0] ?? {};
}

/** The aggregates of one pass over a field: presence, and what its type is summarised by (its distinct values come from `groups`). */
function aggregates(type: string, e: string): string {
  const base = `count(${e}) AS present, count(*) - count(${e}) AS missing`;
  if (type === 'number') return `${base}, min(${e})::DOUBLE AS lo, max(${e})::DOUBLE AS hi, avg(${e})::DOUBLE AS mean`;
  if (type === 'text') return `${base}, min(length(${e})) AS lo, max(length(${e})) AS hi, avg(length(${e}))::DOUBLE AS mean`;
  if (type === 'list') return `${base}, min(len(${e})) AS lo, max(len(${e})) AS hi, avg(len(${e}))::DOUBLE AS mean`;
  return base;
}

/** One field's statistics; `records` is the table of records (`t.cond` is a condition over its rows). */
async function describe(table: RecordTable, records: string, t: Target, topN: number, nBins: number, opts: RunOptions): Promise<FieldStat> {
  const type = typeLabel(t.node);
  const e = t.expr;
  const from = t.source;
  const stat: FieldStat = { path: t.path, type, per: t.per, present: 0, missing: 0 };
  // one pass for the presence counts and the type's summary (the file is large; each pass costs)
  const r = await one(table, `SELECT ${aggregates(type, e)} FROM ${from}`, opts);
  stat.present = num(r.present);
  stat.missing = num(r.missing);
  if (stat.present === 0) return stat;
  /**
   * One hash pass over the values: how many distinct ones there are and the most common, with
   * the filter selecting each; for list elements, how many records hold each of those (a
   * second pass over those few values only).
   */
  const groups = async (valueExpr: string, filterable: boolean, asValue: (x: string) => string = (x) => x): Promise<{ distinct: number; top: ValueCount[] }> => {
    const g = await table.sql(`SELECT v, c, count(*) OVER () AS d FROM (SELECT ${valueExpr} AS v, count(*) AS c FROM ${from} WHERE ${e} IS NOT NULL GROUP BY v) ORDER BY c DESC, v LIMIT ${topN}`, topN, opts);
    const top = g.rows.map((row) => {
      const value = row.v as string | number | boolean;
      const vc: ValueCount = { value, count: num(row.c) };
      if (filterable && (typeof value !== 'string' || value.length <= 500)) vc.filter = t.cond((x) => `${x} = ${literal(value)}`);
      return vc;
    });
    if (t.per === 'element' && top.length > 0) {
      // one pass over the records, each value's condition counted (no hash of every element)
      const counts = top.map((v, i) => `count(*) FILTER (WHERE ${t.cond((x) => `${asValue(x)} = ${literal(v.value)}`)}) AS r${i}`);
      const held = await one(table, `SELECT ${counts.join(', ')} FROM ${records}`, opts);
      top.forEach((vc, i) => (vc.records = num(held[`r${i}`])));
    }
    return { distinct: num(g.rows[0]?.d ?? 0), top };
  };
  if (type === 'number') {
    const lo = num(r.lo);
    const hi = num(r.hi);
    const g = await groups(e, true);
    stat.distinct = g.distinct;
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
    if (stat.distinct <= 50) stat.top = g.top;
  } else if (type === 'text') {
    const g = await groups(e, true);
    stat.distinct = g.distinct;
    stat.length = { min: num(r.lo), max: num(r.hi), mean: num(r.mean) };
    // every value different (ids, free text): no "most common" to show
    if (stat.distinct < stat.present) stat.top = g.top;
  } else if (type === 'boolean') {
    const g = await groups(e, true);
    stat.distinct = g.distinct;
    stat.top = g.top;
  } else if (type === 'list') {
    stat.length = { min: num(r.lo), max: num(r.hi), mean: num(r.mean) };
    // how many records have each length (few lengths: images per record, turns per record)
    const lengths = await table.sql(`SELECT len(${e}) AS v, count(*) AS c FROM ${from} WHERE ${e} IS NOT NULL GROUP BY v ORDER BY c DESC, v LIMIT ${topN}`, topN, opts);
    stat.top = lengths.rows.map((row) => ({ value: num(row.v), count: num(row.c), filter: t.per === 'record' ? `len(${e}) = ${num(row.v)}` : undefined }));
  } else if (type === 'json (mixed types)') {
    const g = await groups(`${e}::VARCHAR`, false, (x) => `${x}::VARCHAR`);
    stat.distinct = g.distinct;
    const types = await table.sql(`SELECT json_type(${e}) AS v, count(*) AS c FROM ${from} WHERE ${e} IS NOT NULL GROUP BY v ORDER BY c DESC, v`, 20, opts);
    stat.jsonTypes = types.rows.map((row) => ({ value: String(row.v), count: num(row.c), filter: t.cond((x) => `json_type(${x}) = ${sqlString(String(row.v))}`) }));
    stat.top = g.top;
  }
  return stat;
}
