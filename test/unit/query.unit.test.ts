/**
 * Filter and sort through DuckDB (src/core/query): results are the viewer's record indices
 * (checked against the project's own record index and a plain JSON.parse of each line), a
 * field that appears late is still a column, broken lines are said, errors are located in
 * the text typed, and the SQL cannot reach any file but the dataset.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NodeFile } from '../../src/core/io/randomAccessFile';
import { RecordIndex } from '../../src/core/index/recordIndex';
import { readRecord } from '../../src/core/index/recordReader';
import { QueryCancelled, QueryError, RecordTable } from '../../src/core/query/recordTable';
import { QuerySession, fieldPaths, parseDuckType, parseQueryText } from '../../src/core/query/querySession';
import { runCli } from './runCli';
import { fieldStats } from '../../src/core/query/fieldStats';
import { exportParquet } from '../../src/core/query/parquetExport';

const dir = mkdtempSync(join(tmpdir(), 'vlm-lens-query-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

interface Rec {
  id: string;
  quality_score?: number;
  reward?: number;
  conversations: Array<{ from: string; value: string }>;
  images?: string[];
  late_field?: string;
}

/** 30,000 records (more than DuckDB's default schema sample), blank lines among them, and a cut last line. */
function bigFile(): { path: string; lines: string[]; records: Array<Rec | undefined> } {
  const lines: string[] = [];
  const records: Array<Rec | undefined> = [];
  for (let i = 0; i < 30_000; i++) {
    const r: Rec = {
      id: `s${i}`,
      quality_score: i % 5,
      reward: (i * 7919) % 1000 / 10,
      conversations: [
        { from: 'human', value: `<image>\nWhere is object ${i % 13}?` },
        { from: 'gpt', value: i % 9 === 0 ? `<box>[${i % 100}, 10, 50, 60]</box>` : 'on the left' },
      ],
      images: i % 4 === 0 ? ['a.jpg', 'b.jpg'] : ['a.jpg'],
    };
    if (i === 29_990) r.late_field = 'only here';
    if (i === 100) lines.push('');
    if (i === 200) lines.push('   ');
    lines.push(JSON.stringify(r));
    records.push(r);
  }
  // a write cut short
  lines.push('{"id": "s30000", "conversations": [{"from": "human", "va');
  records.push(undefined);
  const path = join(dir, 'big.jsonl');
  writeFileSync(path, lines.join('\n') + '\n');
  return { path, lines, records };
}

const big = bigFile();

test('a WHERE filter returns the record indices of the viewer’s index, in file order', async () => {
  const t = await RecordTable.open(big.path, 'jsonl');
  try {
    assert.equal(t.rows, big.records.length, 'one row per non-blank line');
    assert.deepEqual(t.unreadable, { count: 1, records: [30_000] }, 'the cut line is counted and listed');
    const { records } = await t.filter("quality_score <= 1 AND conversations[2].value LIKE '%<box>%'");
    const expected = big.records.flatMap((r, k) => (r && (r.quality_score ?? 9) <= 1 && r.conversations[1].value.includes('<box>') ? [k] : []));
    assert.ok(expected.length > 100);
    assert.deepEqual([...records], expected);
    // the same records through the project's own index: the ids agree
    const file = await NodeFile.open(big.path);
    try {
      const idx = await RecordIndex.build(file, { fileName: 'big.jsonl' });
      assert.equal(idx.count, t.rows);
      for (const k of [records[0], records[records.length >> 1], records[records.length - 1]]) {
        const raw = await readRecord(file, idx, k);
        assert.equal((JSON.parse(raw?.text ?? 'null') as Rec).id, big.records[k]!.id);
      }
    } finally {
      await file.close();
    }
  } finally {
    await t.close();
  }
});

test('a field first seen 29,990 records in is a column (the schema is read from every record)', async () => {
  const t = await RecordTable.open(big.path, 'jsonl');
  try {
    assert.ok(t.columns.some((c) => c.name === 'late_field'));
    const { records } = await t.filter("late_field = 'only here'");
    assert.deepEqual([...records], [big.records.findIndex((r) => r?.late_field)]);
  } finally {
    await t.close();
  }
});

test('read into memory (statistics): the same schema, rows, unreadable line and record indices as the table over the file', async () => {
  const t = await RecordTable.open(big.path, 'jsonl', { materialize: true });
  try {
    assert.ok(t.materialized);
    assert.ok(t.columns.some((c) => c.name === 'late_field'), 'the schema read from every record');
    assert.equal(t.rows, big.records.length);
    assert.deepEqual(t.unreadable, { count: 1, records: [30_000] });
    assert.deepEqual([...(await t.filter("late_field = 'only here'")).records], [big.records.findIndex((r) => r?.late_field)]);
    const { records } = await t.filter('quality_score <= 1');
    assert.deepEqual([...records], big.records.flatMap((r, k) => (r && (r.quality_score ?? 9) <= 1 ? [k] : [])), 'in file order, by record index');
    // past the blank lines (after records 99 and 199): still the record's index, not the line's
    const ids = await t.sql('SELECT __record, id FROM records WHERE __record IN (0, 150, 250, 29999) ORDER BY __record', 10);
    assert.deepEqual(ids.rows.map((r) => r.id), ['s0', 's150', 's250', 's29999']);
  } finally {
    await t.close();
  }
});

test('ORDER BY sorts by any expression, ties and NULLs in a fixed order', async () => {
  const session = new QuerySession(big.path, 'jsonl');
  try {
    const out = await session.run('len(images) > 1 ORDER BY reward DESC', big.records.length);
    const expected = big.records
      .flatMap((r, k) => (r && (r.images?.length ?? 0) > 1 ? [{ k, reward: r.reward ?? -1 }] : []))
      .sort((a, b) => b.reward - a.reward || a.k - b.k)
      .map((x) => x.k);
    assert.deepEqual([...out.records], expected);
    assert.equal(out.total, big.records.length);
    // an empty filter with only an ORDER BY: every readable record
    const all = await session.run('ORDER BY id', undefined);
    assert.equal(all.records.length, big.records.length, 'every record, the cut one too');
    assert.equal(all.records[all.records.length - 1], 30_000, 'the cut line has no id: NULLs last');
  } finally {
    session.dispose();
  }
});

test('a broken line in the middle: the results are right or refused, never other records', async () => {
  const lines: string[] = [];
  const records: Array<Rec | undefined> = [];
  for (let i = 0; i < 3000; i++) {
    if (i === 1000 || i === 2000) {
      lines.push(i === 1000 ? '{"id": "broken", "conversations": [' : '{"id": "bad" "x": 1}');
      records.push(undefined);
    }
    const r: Rec = { id: `m${i}`, quality_score: i % 3, conversations: [{ from: 'human', value: `q${i}` }] };
    lines.push(JSON.stringify(r));
    records.push(r);
  }
  const path = join(dir, 'middle.jsonl');
  writeFileSync(path, lines.join('\n') + '\n');
  const session = new QuerySession(path, 'jsonl');
  try {
    const out = await session.run('quality_score = 2', records.length).catch((e: unknown) => e);
    if (out instanceof QueryError) {
      assert.equal(out.part, 'file');
      assert.match(out.message, /cannot be matched to records/);
      return;
    }
    assert.ok(!(out instanceof Error), String(out));
    const got = (out as { records: Int32Array; unreadable: { records: number[] } });
    for (const k of [1000, 2001]) assert.ok(got.unreadable.records.includes(k), `broken record ${k} said`);
    const expected = records.flatMap((r, k) => (r?.quality_score === 2 && !got.unreadable.records.includes(k) ? [k] : []));
    assert.deepEqual([...got.records], expected, 'every result is a record that matches; the unreadable ones are said');
  } finally {
    session.dispose();
  }
});

test('errors say what is wrong and where in the text typed', async () => {
  const session = new QuerySession(big.path, 'jsonl');
  try {
    await assert.rejects(session.run('qualty_score <= 2', undefined), (e: QueryError) => {
      assert.equal(e.part, 'where');
      assert.match(e.message, /^no field "qualty_score" in the records \(closest: quality_score[,)]/, 'DuckDB names the candidate, in plain words');
      return true;
    });
    const text = 'quality_score <= 2 ORDER BY nosuch DESC';
    await assert.rejects(session.run(text, undefined), (e: QueryError) => {
      assert.equal(e.part, 'order');
      assert.equal(e.at, text.indexOf('nosuch'));
      return true;
    });
    await assert.rejects(session.run('quality_score <= ', undefined), (e: QueryError) => e.part === 'where' && /syntax error/i.test(e.message));
    await assert.rejects(session.run('quality_score <= 2', 5), (e: QueryError) => e.part === 'file' && /cannot be matched/.test(e.message), 'a count that differs from the viewer’s is refused');
  } finally {
    session.dispose();
  }
});

test('the SQL reaches the dataset file only: no other file, no writes, no settings, one statement', async () => {
  const secret = join(dir, 'secret.txt');
  writeFileSync(secret, 'token');
  const t = await RecordTable.open(big.path, 'jsonl');
  try {
    await assert.rejects(t.sql(`SELECT * FROM read_text('${secret}')`), /Permission|disabled/);
    const out = join(dir, 'out.csv');
    await assert.rejects(t.sql(`COPY (SELECT 1) TO '${out}'`), /Permission|disabled/);
    assert.ok(!existsSync(out));
    await assert.rejects(t.sql('SET enable_external_access = true'), /locked/);
    await assert.rejects(t.sql('SELECT 1; SELECT 2'), /multiple statements/);
    // a WHERE text cannot close the statement and start another
    await assert.rejects(t.filter(`true); COPY (SELECT 1) TO '${out}'; SELECT (1`), QueryError);
    assert.ok(!existsSync(out));
    const ok = await t.sql('SELECT count(*) AS n, max(quality_score) AS top FROM records');
    assert.deepEqual(ok.rows, [{ n: big.records.length, top: 4 }]);
  } finally {
    await t.close();
  }
});

test('a running query is cancelled by its signal', async () => {
  const t = await RecordTable.open(big.path, 'jsonl');
  try {
    const ac = new AbortController();
    ac.abort();
    await assert.rejects(t.filter('true', '', false, { signal: ac.signal }), QueryCancelled);
    // and the table still answers afterwards
    assert.equal((await t.filter('quality_score = 4')).records.length, big.records.filter((r) => r?.quality_score === 4).length);
  } finally {
    await t.close();
  }
});

test('real files: a LLaVA-Bench JSONL and a LLaMA-Factory JSON array open as tables of their records', async () => {
  const real = join(__dirname, '../fixtures/real');
  const jsonl = join(real, 'llava-bench/caps_boxes_coco2014_val_80.first3.jsonl');
  const lines = readFileSync(jsonl, 'utf8').split('\n').filter((l) => l.trim());
  const a = await RecordTable.open(jsonl, 'jsonl');
  try {
    assert.equal(a.rows, lines.length);
    const first = JSON.parse(lines[0]) as Record<string, unknown>;
    for (const key of Object.keys(first)) assert.ok(a.columns.some((c) => c.name === key), `column ${key}`);
  } finally {
    await a.close();
  }
  const arr = join(real, 'llamafactory/alpaca_en_demo.subset.json');
  const items = JSON.parse(readFileSync(arr, 'utf8')) as Array<{ instruction: string; output: string }>;
  const b = await RecordTable.open(arr, 'json-array');
  try {
    assert.equal(b.rows, items.length);
    const { records } = await b.filter('length(output) > 200', 'length(output)', true);
    const expected = items
      .map((r, k) => ({ k, n: [...r.output].length }))
      .filter((x) => x.n > 200)
      .sort((x, y) => y.n - x.n || x.k - y.k)
      .map((x) => x.k);
    assert.deepEqual([...records], expected);
  } finally {
    await b.close();
  }
});

test('the query text: its ORDER BY split off outside quotes and brackets', () => {
  assert.deepEqual(parseQueryText('a > 1 ORDER BY b DESC'), { where: 'a > 1', orderBy: 'b', desc: true, orderAt: 15 });
  assert.deepEqual(parseQueryText("note = 'order by x' order by len(y)"), { where: "note = 'order by x'", orderBy: 'len(y)', desc: false, orderAt: 29 });
  assert.deepEqual(parseQueryText('ORDER BY reward'), { where: '', orderBy: 'reward', desc: false, orderAt: 9 });
  assert.equal(parseQueryText('list_filter(x, y -> y.order by_z)').orderBy, '', 'inside brackets it is not a clause');
});

test('field paths for completion come from DuckDB’s nested types', () => {
  assert.deepEqual(parseDuckType('STRUCT("from" VARCHAR, "value" VARCHAR)[]'), {
    kind: 'list',
    of: { kind: 'struct', fields: [{ name: 'from', type: { kind: 'scalar', name: 'VARCHAR' } }, { name: 'value', type: { kind: 'scalar', name: 'VARCHAR' } }] },
  });
  const paths = fieldPaths([
    { name: 'conversations', type: 'STRUCT("from" VARCHAR, "value" VARCHAR)[]' },
    { name: 'meta', type: 'STRUCT(width BIGINT, "bbox coords" DOUBLE[])' },
    { name: 'quality score', type: 'DOUBLE' },
  ]).map((p) => `${p.path}: ${p.type}`);
  assert.deepEqual(paths, [
    'conversations: list of struct',
    'conversations[1]: struct',
    'conversations[1].from: text',
    'conversations[1].value: text',
    'meta: struct',
    'meta.width: number',
    'meta."bbox coords": list of number',
    '"quality score": number',
  ]);
});

test('vlm-lens query: SQL over the file as `records`, JSON out, errors located, broken lines said', () => {
  const ok = runCli(['query', big.path, 'SELECT quality_score AS q, count(*) AS n FROM records WHERE q IS NOT NULL GROUP BY q ORDER BY q', '--json']);
  assert.equal(ok.code, 0, ok.stderr);
  const out = JSON.parse(ok.stdout) as { rows: Array<{ q: number; n: number }>; records: number; unreadable: { count: number; records: number[] } };
  const counts = new Map<number, number>();
  for (const r of big.records) if (r) counts.set(r.quality_score ?? -1, (counts.get(r.quality_score ?? -1) ?? 0) + 1);
  assert.deepEqual(out.rows, [...counts.entries()].sort((a, b) => a[0] - b[0]).map(([q, n]) => ({ q, n })));
  assert.equal(out.records, big.records.length);
  assert.deepEqual(out.unreadable, { count: 1, records: [30_000] });
  assert.match(ok.stderr, /1 record\(s\) could not be read .*record 30000/);

  const bad = runCli(['query', big.path, 'SELECT qualty FROM records']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /the SQL failed: .*qualty/);
  assert.match(bad.stderr, /\n {2}SELECT qualty FROM records\n {9}\^/, 'a caret under the unknown name');

  const text = runCli(['query', big.path, 'SELECT __record, id FROM records WHERE id = \'s7\'']);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /^__record\s+id\n-+\s+-+\n7\s+s7\n\(1 row\)\n$/);
});

test('field statistics: counts, missing, distinct, histogram, top values and list lengths agree with the records; each value filters to its records', async () => {
  const t = await RecordTable.open(big.path, 'jsonl');
  try {
    const s = await fieldStats(t);
    const good = big.records.filter((r): r is Rec => r !== undefined);
    assert.equal(s.records, big.records.length);
    assert.equal(s.leftOut, 0);
    const by = new Map(s.fields.map((f) => [f.path, f]));
    assert.deepEqual([...by.keys()].slice(0, 3), ['id', 'quality_score', 'reward']);
    assert.equal(by.get('id')?.distinct, good.length);
    assert.equal(by.get('id')?.top, undefined, 'all different: no most common values');

    const q = by.get('quality_score')!;
    assert.equal(q.type, 'number');
    assert.equal(q.present, good.length);
    assert.equal(q.missing, 1, 'the cut line');
    assert.equal(q.distinct, 5);
    assert.deepEqual(q.top?.map((v) => [v.value, v.count]).sort(), [0, 1, 2, 3, 4].map((v) => [v, good.filter((r) => r.quality_score === v).length]));
    assert.equal(q.number?.min, 0);
    assert.equal(q.number?.max, 4);
    assert.equal(q.number?.bins.reduce((n, b) => n + b.count, 0), good.length, 'every value in one bin');

    const reward = by.get('reward')!;
    const rewards = good.map((r) => r.reward ?? 0);
    assert.equal(reward.number?.min, Math.min(...rewards));
    assert.equal(reward.number?.max, Math.max(...rewards));
    assert.ok(Math.abs((reward.number?.mean ?? 0) - rewards.reduce((a, b) => a + b, 0) / rewards.length) < 1e-9);
    // a bin's filter selects exactly the records counted in it
    const bin = reward.number.bins[7];
    const inBin = good.filter((r) => (r.reward ?? -1) >= bin.from && (r.reward ?? -1) < bin.to).length;
    assert.equal(bin.count, inBin);
    assert.equal((await t.filter(bin.filter!)).records.length, inBin);

    const images = by.get('images')!;
    assert.equal(images.type, 'list');
    assert.deepEqual(images.length, { min: 1, max: 2, mean: good.reduce((n, r) => n + (r.images?.length ?? 0), 0) / good.length });
    const twoImages = images.top?.find((v) => v.value === 2);
    assert.equal(twoImages?.count, good.filter((r) => r.images?.length === 2).length);

    const from = by.get('conversations[].from')!;
    assert.equal(from.per, 'element');
    assert.deepEqual(from.top?.map((v) => [v.value, v.count, v.records]), [['gpt', good.length, good.length], ['human', good.length, good.length]]);
    const value = by.get('conversations[].value')!;
    assert.equal(value.distinct, new Set(good.flatMap((r) => r.conversations.map((c) => c.value))).size);
    const common = value.top![0];
    const withIt = good.filter((r) => r.conversations.some((c) => c.value === common.value)).length;
    assert.equal(common.records, withIt);
    assert.equal((await t.filter(common.filter!)).records.length, withIt, 'an element value filters to the records holding it');

    const late = by.get('late_field')!;
    assert.equal(late.present, 1);
    assert.equal(late.missing, big.records.length - 1);

    // read into memory first (as the CLI does): the same statistics
    const m = await RecordTable.open(big.path, 'jsonl', { materialize: true });
    try {
      assert.ok(m.materialized);
      assert.deepEqual(m.unreadable, t.unreadable);
      assert.deepEqual(await fieldStats(m), s);
    } finally {
      await m.close();
    }
  } finally {
    await t.close();
  }
});

test('vlm-lens stats: every field of a real LLaVA-Bench file, as JSON and as text', () => {
  const file = join(__dirname, '../fixtures/real/llava-bench/caps_boxes_coco2014_val_80.first3.jsonl');
  const lines = readFileSync(file, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as { instances: Array<{ category: string }> });
  const r = runCli(['stats', file, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { records: number; fields: Array<{ path: string; present: number; top?: Array<{ value: unknown; count: number; records?: number }> }> };
  assert.equal(out.records, lines.length);
  const cat = out.fields.find((f) => f.path === 'instances[].category');
  const all = lines.flatMap((l) => l.instances.map((i) => i.category));
  assert.equal(cat?.present, all.length);
  const counts = new Map<string, number>();
  for (const c of all) counts.set(c, (counts.get(c) ?? 0) + 1);
  const [value, count] = [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0];
  assert.deepEqual({ value: cat?.top?.[0].value, count: cat?.top?.[0].count }, { value, count });
  assert.equal(cat?.top?.[0].records, lines.filter((l) => l.instances.some((i) => i.category === value)).length);
  const text = runCli(['stats', file]);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, new RegExp(`^instances\\[\\]\\.category {2}text \\(per element\\) · ${all.length} present, 0 missing · ${counts.size} distinct · .*top: "${value}" ×${count}`, 'm'));
});

test('a Parquet dataset (Hugging Face style: images as {bytes, path}) converted to JSON Lines, images to files; a finished conversion is reused', async () => {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const pq = join(dir, 'hf.parquet');
  const png = join(dir, 'px.png');
  // a real PNG: the 1×1 smallest, with its signature
  writeFileSync(png, Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000' + '1f15c4890000000d49444154789c6360f8cf000003010100c9fe92ef0000000049454e44ae426082', 'hex'));
  const db = await DuckDBInstance.create(':memory:');
  const c = await db.connect();
  await c.run(`COPY (SELECT 'hf-' || i AS id, [{'role': 'user', 'content': '<image>Describe picture ' || i}, {'role': 'assistant', 'content': 'A pixel.'}] AS messages, [{'bytes': (SELECT content FROM read_blob('${png}')), 'path': 'px.png'}] AS images, i::BIGINT * 10000000000 AS big, CASE WHEN i % 2 = 0 THEN NULL ELSE i END AS odd FROM range(150) t(i)) TO '${pq}' (FORMAT parquet)`);
  c.closeSync();
  db.closeSync();
  const out = join(dir, 'hf-export');
  const ex = await exportParquet(pq, out, { firstBatch: 5 });
  assert.equal(ex.rows, 150);
  const done = await ex.done;
  assert.deepEqual(done, { rows: 150, media: 150 });
  const lines = readFileSync(ex.jsonl, 'utf8').split('\n').filter((l) => l);
  assert.equal(lines.length, 150, 'one line per row, the first batch not written twice');
  const recs = lines.map((l) => JSON.parse(l) as { id: string; messages: Array<{ role: string; content: string }>; images: string[]; big: number; odd: number | null });
  assert.deepEqual(recs.map((r) => r.id), Array.from({ length: 150 }, (_, i) => `hf-${i}`), 'in row order');
  assert.equal(recs[7].big, 70_000_000_000);
  assert.equal(recs[7].odd, 7);
  assert.equal(recs[8].odd, null);
  assert.deepEqual(recs[3].messages[0], { role: 'user', content: '<image>Describe picture 3' });
  assert.equal(recs[3].images[0], 'media/3-images-0-px.png', 'relative to the conversion');
  assert.deepEqual(readFileSync(join(out, recs[3].images[0])), readFileSync(png), 'the image bytes as they were');
  // the same file again: the finished conversion is reused, not redone
  const again = await exportParquet(pq, out);
  assert.equal(again.rows, 150);
  assert.equal(readFileSync(again.jsonl, 'utf8'), lines.join('\n') + '\n');
  // and the table of the Parquet file lines up with the conversion's records
  const t = await RecordTable.open(pq, 'parquet');
  try {
    assert.equal(t.rows, 150);
    assert.deepEqual([...(await t.filter('odd > 140')).records], [141, 143, 145, 147, 149]);
  } finally {
    await t.close();
  }
});

test('validate a Parquet dataset: its rows checked as the viewer reads them, problems placed on rows; a file that is not Parquet is said', async () => {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const sub = join(dir, 'pq-validate');
  const { mkdirSync } = await import('node:fs');
  mkdirSync(sub, { recursive: true });
  const pq = join(sub, 'vqa.parquet');
  const png = join(sub, 'px.png');
  writeFileSync(png, Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000' + '1f15c4890000000d49444154789c6360f8cf000003010100c9fe92ef0000000049454e44ae426082', 'hex'));
  // 40 rows; planted: row 12 (0-based) has two <image> placeholders for one image, row 25 names an
  // image by path only and it is not there, row 33 reuses the id of row 4
  const db = await DuckDBInstance.create(':memory:');
  const c = await db.connect();
  await c.run(`COPY (SELECT CASE WHEN i = 33 THEN 'v-4' ELSE 'v-' || i END AS id,
      [{'role': 'user', 'content': CASE WHEN i = 12 THEN '<image><image>Which is red?' ELSE '<image>Which is red?' END}, {'role': 'assistant', 'content': 'The left one.'}] AS messages,
      [CASE WHEN i = 25 THEN {'bytes': NULL::BLOB, 'path': 'gone.png'} ELSE {'bytes': (SELECT content FROM read_blob('${png}')), 'path': 'px.png'} END] AS images
    FROM range(40) t(i)) TO '${pq}' (FORMAT parquet)`);
  c.closeSync();
  db.closeSync();
  const r = runCli(['validate', pq, '--json']);
  assert.equal(r.code, 1, r.stderr);
  const problems = JSON.parse(r.stdout) as Array<{ file: string; line: number; column: number; row?: number; code: string; message: string }>;
  const byCode = (code: string) => problems.filter((p) => p.code === code).map((p) => p.row);
  assert.deepEqual(byCode('VLM010'), [13], 'the placeholder count, on row 13 (1-based)');
  assert.deepEqual(byCode('VLM020'), [26], 'the missing image; the images that came out of the file are found');
  assert.deepEqual(byCode('VLM050'), [34]);
  assert.match(problems.find((p) => p.code === 'VLM050')?.message ?? '', /“v-4” \(first used on row 5\)/, 'the first use is named by its row');
  for (const p of problems) {
    assert.equal(p.line, p.row, 'a problem is placed on its row');
    assert.equal(p.column, 1);
  }
  assert.match(r.stderr, /in 1 file\(s\), 40 record\(s\)/);
  // the text form: file:row:1
  const text = runCli(['validate', pq]);
  assert.match(text.stdout, /vqa\.parquet:13:1 error VLM010 /);
  // nothing is left behind in the temp folder
  const { readdirSync } = await import('node:fs');
  assert.equal(readdirSync(tmpdir()).filter((n) => n.startsWith('vlm-lens-parquet-')).length, 0);
  // a file named .parquet that is not: said, the others still checked
  const fake = join(sub, 'fake.parquet');
  writeFileSync(fake, '{"id": 1}\n');
  const both = runCli(['validate', fake, pq, '--json']);
  assert.equal(both.code, 2);
  assert.match(both.stderr, /fake\.parquet: cannot read as Parquet/);
  assert.equal((JSON.parse(both.stdout) as unknown[]).length, problems.length);
});

test('a Parquet file whose pages do not fit in the memory allowed is read again with more, from the row it reached; past the last limit, said with the fix', async () => {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const pq = join(dir, 'big-pages.parquet');
  const db = await DuckDBInstance.create(':memory:');
  const c = await db.connect();
  // 40 rows of 3 MB values: DuckDB writes them as one page of about 120 MB
  await c.run(`COPY (SELECT i AS n, CAST(repeat(chr(CAST(65 + i % 26 AS INTEGER)), 3000000) AS BLOB) AS payload FROM range(40) t(i)) TO '${pq}' (FORMAT parquet)`);
  c.closeSync();
  db.closeSync();
  const out = join(dir, 'big-pages-export');
  const ex = await exportParquet(pq, out, { firstBatch: 5, memoryLimits: [16, 1024] });
  assert.equal(ex.rows, 40);
  assert.deepEqual(await ex.done, { rows: 40, media: 40 });
  const lines = readFileSync(ex.jsonl, 'utf8').split('\n').filter((l) => l);
  assert.deepEqual(lines.map((l) => (JSON.parse(l) as { n: number }).n), Array.from({ length: 40 }, (_, i) => i), 'every row once, in order');
  const last = JSON.parse(lines[39]) as { payload: string };
  assert.equal(readFileSync(join(out, last.payload)).length, 3_000_000);
  // with no larger limit to go to: refused, with the reason and the fix
  await assert.rejects(exportParquet(pq, join(dir, 'big-pages-2'), { memoryLimits: [16] }), /ran out of memory reading the file, even allowed 16 MB.*row_group_size=100/s);
});

test('vlm-lens stats on a Parquet dataset: read in place, image bytes counted, labels and element values agree with the rows', async () => {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const pq = join(dir, 'stats.parquet');
  const db = await DuckDBInstance.create(':memory:');
  const c = await db.connect();
  const N = 90;
  await c.run(`COPY (SELECT 's-' || i AS id, i % 4 AS label, [{'role': 'user', 'content': 'q' || (i % 7)}, {'role': 'assistant', 'content': 'a'}] AS messages, [{'bytes': CAST('img' || i AS BLOB), 'path': 'p.png'}] AS images FROM range(${N}) t(i)) TO '${pq}' (FORMAT parquet)`);
  c.closeSync();
  db.closeSync();
  const r = runCli(['stats', pq, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { records: number; fields: Array<{ path: string; type: string; present: number; distinct?: number; top?: Array<{ value: unknown; count: number; records?: number }> }> };
  assert.equal(out.records, N);
  const by = new Map(out.fields.map((f) => [f.path, f]));
  const label = by.get('label')!;
  assert.equal(label.distinct, 4);
  assert.deepEqual(label.top?.map((v) => [v.value, v.count]).sort(), [0, 1, 2, 3].map((k) => [k, Array.from({ length: N }, (_, i) => i).filter((i) => i % 4 === k).length]));
  assert.equal(by.get('images[].bytes')?.present, N, 'the image bytes are counted, not described');
  const content = by.get('messages[].content')!;
  assert.equal(content.present, 2 * N);
  const q3 = content.top?.find((v) => v.value === 'q3');
  assert.equal(q3?.count, Array.from({ length: N }, (_, i) => i).filter((i) => i % 7 === 3).length);
  assert.equal(q3?.records, q3?.count, 'each record holds q3 once at most');
  assert.equal(content.top?.find((v) => v.value === 'a')?.records, N);
});
