/**
 * Exploring a dataset in a real VS Code (issue 16): the viewer's filter box takes a SQL
 * condition over the records' fields (run by DuckDB, shipped in the VSIX), completes field
 * names, sorts with ORDER BY, says what it could not read and where a filter is wrong, and
 * Escape returns to the whole file at the same record.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Frame } from 'playwright-core';
import { VsCodeSession } from './harness';
import { jsonl, mkdirSync, tempWorkspace, writeFileSync, writeImage } from './fixtures';

let vs: VsCodeSession;
const N = 200;
const PARQUET_ROWS = 30;
/** 0-based: this row has two <image> placeholders for its one image (VLM010) */
const PARQUET_BAD_ROW = 7;

interface Rec {
  id: string;
  image: string;
  quality_score: number;
  reward: number;
  conversations: Array<{ from: string; value: string }>;
}

const records: Rec[] = Array.from({ length: N }, (_, i) => ({
  id: `q-${String(i + 1).padStart(4, '0')}`,
  image: 'scene.jpg',
  quality_score: (i * 7) % 5,
  reward: ((i * 37) % 101) / 10,
  conversations: [
    { from: 'human', value: `<image>\nWhere is object ${i % 11}?` },
    { from: 'gpt', value: i % 3 === 0 ? `It is here: <box>[${100 + (i % 90) * 5}, 250, ${500 + (i % 90) * 5}, 750]</box>` : 'It is not in the picture.' },
  ],
}));

before(async () => {
  const src = tempWorkspace('exploration');
  await writeImage(join(src, 'data/scene.jpg'), 320, 180);
  mkdirSync(join(src, 'data'), { recursive: true });
  // the last line was cut while being written
  writeFileSync(join(src, 'data/sft.jsonl'), jsonl([...records, '{"id": "q-0201", "quality_score": 3, "conversa']));
  // a Hugging Face style Parquet dataset: messages, and images stored as {bytes, path}
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const db = await DuckDBInstance.create(':memory:');
  const c = await db.connect();
  const jpg = join(src, 'data/scene.jpg');
  await c.run(`COPY (SELECT 'hf-' || i AS id, [{'role': 'user', 'content': CASE WHEN i = ${PARQUET_BAD_ROW} THEN '<image><image>' ELSE '<image>' END || 'What is in picture ' || i || '?'}, {'role': 'assistant', 'content': 'A red block on a blue table.'}] AS messages, [{'bytes': (SELECT content FROM read_blob('${jpg}')), 'path': 'scene.jpg'}] AS images, i % 3 AS difficulty FROM range(${PARQUET_ROWS}) t(i)) TO '${join(src, 'data/hf_vqa.parquet')}' (FORMAT parquet)`);
  c.closeSync();
  db.closeSync();
  // the same rows under another name, validated from the Explorer without opening it
  copyFileSync(join(src, 'data/hf_vqa.parquet'), join(src, 'data/shelf_vqa.parquet'));
  vs = await VsCodeSession.launch({ name: 'exploration', workspace: src });
});

after(async () => {
  await vs?.close();
});

async function viewer(): Promise<Frame> {
  await vs.openFile('data/sft.jsonl');
  return vs.webviewFrame('VLM Lens Dataset', { selector: '.header .file-name', hasText: 'sft.jsonl' });
}

test('filter with a SQL condition: field names completed, sorted by ORDER BY, the unreadable line said, Escape back to the same record', async () => {
  const f = await viewer();
  await f.locator('.header .record-count', { hasText: `${N + 1} records` }).waitFor();
  // start on record 10
  await f.locator('.vrow', { hasText: '#10' }).first().click();
  await f.locator('.detail .detail-title', { hasText: 'Record 10 of 201' }).waitFor();

  const box = f.locator('.query-input');
  await box.click();
  await box.pressSequentially('quality_sc');
  // the fields come from the file (DuckDB reads its schema): quality_score is offered
  const offered = f.locator('.query-suggest .query-suggestion', { hasText: 'quality_score' });
  await offered.waitFor({ timeout: 30_000 });
  assert.match(await offered.innerText(), /number/);
  await box.press('Tab');
  assert.equal(await box.inputValue(), 'quality_score');
  await box.pressSequentially(" <= 1 AND conversations[2].value LIKE '%<box>%' ORDER BY reward DESC");
  await box.press('Enter');

  const expected = records
    .map((r, k) => ({ r, k }))
    .filter(({ r }) => r.quality_score <= 1 && r.conversations[1].value.includes('<box>'))
    .sort((a, b) => b.r.reward - a.r.reward || a.k - b.k)
    .map(({ k }) => k);
  assert.ok(expected.length > 5 && expected.length < N / 2, `${expected.length} matches`);
  const status = f.locator('.query-status', { hasText: `${expected.length} of 201 records match` });
  await status.waitFor({ timeout: 60_000 });
  // the list holds the matches only, highest reward first
  const rowNums = async () => (await f.locator('.vrow .row-num span:first-child').allInnerTexts()).map((t) => Number(t.replace(/[#,]/g, '')) - 1);
  await f.locator('.vrow', { hasText: `#${expected[0] + 1}` }).first().waitFor();
  const shown = await rowNums();
  assert.deepEqual(shown.slice(0, 5), expected.slice(0, 5), `rows ${shown.join(', ')}`);
  // record 10 does not match: the first match is shown
  await f.locator('.detail .detail-title', { hasText: `Record ${expected[0] + 1} of 201` }).waitFor();
  assert.match(await f.locator('.query-note').innerText(), /^1 record could not be read by the query engine and is never in the results: record 201$/);
  await f.locator('.detail .image-frame img').first().waitFor();
  await vs.screenshot('filter-sorted');

  // a wrong field name: the message, and the name marked in the text
  await box.fill('qualty_score > 1');
  await box.press('Enter');
  const err = f.locator('.query-error');
  await err.waitFor();
  assert.match(await err.innerText(), /no field "qualty_score" in the records \(closest: quality_score\)/, 'DuckDB’s candidate is named, not its binder wording');
  assert.equal(await err.locator('mark').innerText(), 'qualty_score');
  assert.equal(await f.locator('.query-status').innerText(), '', 'no count for a filter that did not run');
  await vs.screenshot('filter-error');

  // Escape: the whole file again, at the record shown
  await box.fill('');
  await box.press('Escape');
  await f.locator('.query-clear').waitFor({ state: 'hidden' });
  await f.locator('.detail .detail-title', { hasText: `Record ${expected[0] + 1} of 201` }).waitFor();
  // the record after it, which the filter left out, is listed again
  const next = expected[0] + 1;
  assert.ok(!expected.includes(next));
  await f.locator('.vrow .row-num span:first-child', { hasText: new RegExp(`^#${next + 1}$`) }).waitFor();
  assert.equal(await f.locator('.query-status').innerText(), '');
  assert.equal(await f.locator('.query-error').isVisible(), false);
});

test('field statistics: every field with its counts; a value or a bar filters to its records', async () => {
  const f = await viewer();
  await f.locator('.stats-open').click();
  const card = (path: string) => f.locator(`.stats-field[data-path="${path}"]`);
  await card('quality_score').waitFor({ timeout: 60_000 });
  // the counts are the records' own
  const byScore = new Map<number, number>();
  for (const r of records) byScore.set(r.quality_score, (byScore.get(r.quality_score) ?? 0) + 1);
  const chips = await card('quality_score').locator('.stats-value').allInnerTexts();
  assert.deepEqual(
    chips.map((c) => c.replace(/\s+/g, ' ')).sort(),
    [...byScore.entries()].map(([v, n]) => `${v} ×${n}`).sort(),
  );
  assert.match(await card('quality_score').locator('.stats-facts').innerText(), new RegExp(`^${N} present, 1 missing · 5 distinct · min 0 · max 4`));
  assert.match(await card('conversations[].from').innerText(), /per list element/);
  assert.equal(await card('id').locator('.stats-value').count(), 0, 'values that are all different are not listed as "most common"');
  // the records as VLM records: two turns each, one image each, boxes placed from their <box> tags (0–1000)
  const recCard = f.locator('.stats-records');
  assert.match(await recCard.innerText(), new RegExp(`Records \\(${N}, read as VLM records\\)`));
  assert.match(await recCard.innerText(), new RegExp(`turns per record\\s*2\\s*×${N}`));
  const boxes = records.filter((r) => r.conversations[1].value.includes('<box>')).length;
  assert.match(await recCard.locator('.rec-shapes').innerText(), new RegExp(`^${boxes} boxes, 0 points, 0 trajectories in ${boxes} records`));
  assert.match(await recCard.locator('.rec-placed').innerText(), new RegExp(`^${boxes} boxes placed on their image; 0 not placed`));
  // image sizes: none declared, each record's scene.jpg (320×180) read from its header, up to the number read
  assert.match(await recCard.locator('.rec-sizes').innerText(), /320×180\s*×200/);
  assert.match(await recCard.locator('.rec-size-sources').innerText(), /^0 declared in the records, 200 read from the image files, 0 unknown/);
  const lit = await recCard.locator('.rec-heat-cell').evaluateAll((els) => els.filter((e) => Number((e as HTMLElement).style.opacity) > 0).length);
  assert.ok(lit >= 2, `${lit} heat map cells lit`);
  // the histogram of reward has ink: bars with height
  const bars = card('reward').locator('.stats-bin-fill');
  assert.equal(await bars.count(), 20);
  const heights = await bars.evaluateAll((els) => els.map((e) => (e as HTMLElement).getBoundingClientRect().height));
  assert.ok(heights.filter((x) => x > 0).length >= 15, `bar heights ${heights.join(', ')}`);
  await vs.screenshot('field-statistics');

  // a value filters to its records
  await card('quality_score').locator('.stats-value', { hasText: /^3×/ }).click();
  await f.locator('.query-status', { hasText: `${byScore.get(3)} of 201 records match` }).waitFor({ timeout: 30_000 });
  assert.equal(await f.locator('.query-input').inputValue(), 'quality_score = 3');
  // and a bar of the histogram to the records in its range
  await f.locator('.stats-open').click();
  const bin = card('reward').locator('.stats-bin').nth(0);
  const title = (await bin.getAttribute('title')) ?? '';
  const m = /^(\S+) to (\S+): (\d+) records$/.exec(title);
  assert.ok(m, title);
  const inRange = records.filter((r) => r.reward >= Number(m[1]) && r.reward < Number(m[2])).length;
  assert.equal(Number(m[3]), inRange);
  await bin.click();
  await f.locator('.query-status', { hasText: `${inRange} of 201 records match` }).waitFor({ timeout: 30_000 });
});

test('gallery: thumbnails with their overlays for the whole file or a filter, a size slider, a click opens the record', async () => {
  const f = await viewer();
  const box = f.locator('.query-input');
  await box.fill('');
  await box.press('Escape');
  await f.locator('.query-clear').waitFor({ state: 'hidden' });
  await f.locator('.gallery-toggle').click();
  await f.locator('.gallery-pane .gcell').first().waitFor();
  await f.locator('.gallery-pane .gcell img').first().waitFor({ timeout: 30_000 });
  // cells in file order, several a row
  const first = await f.locator('.gallery-pane .vrow[data-index="0"] .gcell').evaluateAll((els) => els.map((e) => Number((e as HTMLElement).dataset.record)));
  assert.ok(first.length >= 3, `cells in the first grid row: ${first.length}`);
  assert.deepEqual(first, first.map((_, i) => i));
  // a record with a <box> has its box drawn over its thumbnail
  const boxed = records.findIndex((r) => r.conversations[1].value.includes('<box>'));
  const canvas = f.locator(`.gcell[data-record="${boxed}"] canvas.thumb-overlay`);
  await canvas.waitFor({ timeout: 30_000 });
  assert.ok(Number(await canvas.getAttribute('data-shapes')) >= 1);
  await vs.screenshot('gallery');

  // bigger thumbnails: fewer a row
  const slider = f.locator('.gallery-size');
  await slider.fill('320');
  // the first thumbnail is drawn 320 px wide (waited for: the grid is laid out again)
  await f.waitForFunction(() => {
    const cell = document.querySelector<HTMLElement>('.gallery-pane .vrow[data-index="0"] .gcell .gthumb');
    return !!cell && Math.round(cell.getBoundingClientRect().width) === 320;
  });
  const bigger = await f.locator('.gallery-pane .vrow[data-index="0"] .gcell').count();
  assert.ok(bigger < first.length, `${bigger} cells a row at 320 px, ${first.length} at 160 px`);

  // a filter: the gallery shows its matches only
  await box.fill('quality_score = 4');
  await box.press('Enter');
  const fours = records.flatMap((r, k) => (r.quality_score === 4 ? [k] : []));
  await f.locator('.query-status', { hasText: `${fours.length} of 201 records match` }).waitFor({ timeout: 30_000 });
  await f.waitForFunction((k) => document.querySelector<HTMLElement>('.gallery-pane .vrow[data-index="0"] .gcell')?.dataset.record === String(k), fours[0]);
  const shownRecords = await f.locator('.gallery-pane .vrow[data-index="0"] .gcell').evaluateAll((els) => els.map((e) => Number((e as HTMLElement).dataset.record)));
  assert.deepEqual(shownRecords, fours.slice(0, shownRecords.length));
  await vs.screenshot('gallery-filtered');

  // a click opens the record in the list and detail view
  await f.locator(`.gcell[data-record="${fours[1]}"]`).click();
  await f.locator('.gallery-pane').waitFor({ state: 'hidden' });
  await f.locator('.detail .detail-title', { hasText: `Record ${fours[1] + 1} of 201` }).waitFor();
});

test('duplicates: the list shows each kept record and its copies, marked', async () => {
  const f = await viewer();
  await f.locator('.dup-open').click();
  // the records' own duplicates: the same question and answer (the box answers all differ)
  const firstOf = new Map<string, number>();
  const dupOf = new Map<number, number>();
  records.forEach((r, k) => {
    const key = `${r.conversations[0].value}|${r.conversations[1].value}`;
    const first = firstOf.get(key);
    if (first === undefined) firstOf.set(key, k);
    else dupOf.set(k, first);
  });
  const clusters = new Set(dupOf.values()).size;
  await f.locator('.query-status', { hasText: new RegExp(`^${dupOf.size} duplicates of 201 records in ${clusters} clusters \\(${dupOf.size} exact;`) }).waitFor({ timeout: 60_000 });
  // the first cluster: its kept record, then its copies, each marked
  const kept = Math.min(...dupOf.values());
  const copies = [...dupOf.entries()].filter(([, k]) => k === kept).map(([c]) => c);
  const firstRow = f.locator('.list-pane .vrow[data-index="0"]');
  await firstRow.locator('.row-dup.kept').waitFor();
  assert.match(await firstRow.innerText(), new RegExp(`#${kept + 1}\\b`));
  const second = f.locator('.list-pane .vrow[data-index="1"]');
  assert.match(await second.innerText(), new RegExp(`#${copies[0] + 1}\\b`));
  assert.equal(await second.locator('.row-dup').innerText(), `= #${kept + 1}`);
  await vs.screenshot('duplicates');
  await f.locator('.query-clear').click();
  await f.locator('.query-clear').waitFor({ state: 'hidden' });
});

test('a Parquet dataset opens in the viewer: its rows as records, images decoded from their bytes, the filter on its columns', async () => {
  await vs.openFile('data/hf_vqa.parquet');
  const f = await vs.webviewFrame('VLM Lens Dataset', { selector: '.header .file-name', hasText: 'hf_vqa.parquet' });
  await f.locator('.header .record-count', { hasText: `${PARQUET_ROWS} records` }).waitFor({ timeout: 30_000 });
  await f.locator('.detail .detail-title', { hasText: `Record 1 of ${PARQUET_ROWS}` }).waitFor();
  assert.match(await f.locator('.detail').innerText(), /What is in picture 0\?/);
  assert.match(await f.locator('.detail').innerText(), /A red block on a blue table\./);
  // the image came out of the Parquet file's bytes, and decodes
  const img = f.locator('.detail .image-frame img').first();
  await img.waitFor({ timeout: 30_000 });
  await f.waitForFunction(() => {
    const i = document.querySelector<HTMLImageElement>('.detail .image-frame img');
    return !!i && i.complete && i.naturalWidth > 0;
  });
  assert.equal(await f.locator('.detail figure.media-image figcaption').first().innerText(), 'media/0-images-0-scene.jpg', 'named after its row, field and original name');
  assert.equal(await f.locator('.reopen-text').isVisible(), false, 'no text to reopen');
  await vs.screenshot('parquet');
  // the filter runs on the Parquet file's columns
  const box = f.locator('.query-input');
  await box.fill('difficulty = 2 ORDER BY id DESC');
  await box.press('Enter');
  const twos = Array.from({ length: PARQUET_ROWS }, (_, i) => i).filter((i) => i % 3 === 2);
  await f.locator('.query-status', { hasText: `${twos.length} of ${PARQUET_ROWS} records match` }).waitFor({ timeout: 30_000 });
  const byId = [...twos].sort((a, b) => (`hf-${b}` < `hf-${a}` ? -1 : 1));
  await f.locator('.detail .detail-title', { hasText: `Record ${byId[0] + 1} of ${PARQUET_ROWS}` }).waitFor();
  await f.locator('.query-clear').click();
  await f.locator('.query-clear').waitFor({ state: 'hidden' });
});

test('a Parquet dataset is validated once converted: the planted row’s problem in the viewer and in Problems, placed on its row; its field statistics', async () => {
  await vs.openFile('data/hf_vqa.parquet');
  const f = await vs.webviewFrame('VLM Lens Dataset', { selector: '.header .file-name', hasText: 'hf_vqa.parquet' });
  const summary = f.locator('.header .validation-problems');
  await summary.waitFor({ timeout: 60_000 });
  assert.equal(await summary.innerText(), '1 problem in 1 record');
  await f.locator(`.vrow[data-index="${PARQUET_BAD_ROW}"] .row-problems.error`, { hasText: 'VLM010' }).waitFor();
  // to the record with the problem: its row, and no "open at line" link (there is no text)
  await summary.click();
  await f.locator('.detail .detail-title', { hasText: `Record ${PARQUET_BAD_ROW + 1} of ${PARQUET_ROWS}` }).waitFor();
  const problem = f.locator('.detail .record-problem[data-code="VLM010"]');
  await problem.waitFor();
  assert.match(await problem.innerText(), /2 <image> placeholder\(s\) but 1 image\(s\)/);
  assert.equal(await problem.locator('.problem-at').innerText(), `row ${PARQUET_BAD_ROW + 1}`);
  assert.equal(await problem.locator('a').count(), 0);
  await vs.screenshot('parquet-problem');
  // the Problems panel lists it on the .parquet file, at its row; the images that were bytes in the file are found (no VLM020)
  const deadline = Date.now() + 30_000;
  let rows: string[] = [];
  while (!rows.some((r) => r.includes('VLM010')) && Date.now() < deadline) {
    rows = await vs.problems();
    if (!rows.some((r) => r.includes('VLM010'))) await vs.page.waitForTimeout(500);
  }
  // the rows under the file's own header row (sft.jsonl's cut last line is listed under its own)
  const head = rows.findIndex((r) => /problems? in file hf_vqa\.parquet/.test(r));
  assert.ok(head >= 0, rows.join('\n'));
  const next = rows.findIndex((r, i) => i > head && /problems? in file /.test(r));
  const ours = rows.slice(head + 1, next < 0 ? undefined : next);
  assert.equal(ours.length, 1, rows.join('\n'));
  assert.match(ours[0], /VLM010/);
  assert.match(ours[0], new RegExp(`\\[Ln ${PARQUET_BAD_ROW + 1}, Col 1\\]`));
  await vs.screenshot('parquet-problems-panel');
  await f.locator('vscode-single-select.problem-filter').click();
  await f.locator('vscode-single-select.problem-filter li[role="option"]', { hasText: 'All records' }).click();

  // field statistics read the Parquet file in place: the labels counted, the image bytes present; a value filters
  await f.locator('.stats-open').click();
  const card = (path: string) => f.locator(`.stats-field[data-path="${path}"]`);
  await card('difficulty').waitFor({ timeout: 60_000 });
  const rowsOf = (k: number) => Array.from({ length: PARQUET_ROWS }, (_, i) => i).filter((i) => i % 3 === k).length;
  const chips = await card('difficulty').locator('.stats-value').allInnerTexts();
  assert.deepEqual(chips.map((c) => c.replace(/\s+/g, ' ')).sort(), [0, 1, 2].map((k) => `${k} ×${rowsOf(k)}`).sort());
  assert.match(await card('images[].bytes').locator('.stats-facts').innerText(), new RegExp(`^${PARQUET_ROWS} present, 0 missing`));
  await vs.screenshot('parquet-statistics');
  await card('difficulty').locator('.stats-value', { hasText: /^1×/ }).click();
  await f.locator('.query-status', { hasText: `${rowsOf(1)} of ${PARQUET_ROWS} records match` }).waitFor({ timeout: 30_000 });
  await f.locator('.query-clear').click();
  await f.locator('.query-clear').waitFor({ state: 'hidden' });
});

test('Validate File on a Parquet dataset from the Explorer, not opened: its problem listed on the file at its row', async () => {
  await vs.explorerContextMenu('data/shelf_vqa.parquet', 'Validate File');
  const deadline = Date.now() + 60_000;
  let rows: string[] = [];
  const head = () => rows.findIndex((r) => /problems? in file shelf_vqa\.parquet/.test(r));
  while (head() < 0 && Date.now() < deadline) {
    await vs.page.waitForTimeout(500);
    rows = await vs.problems();
  }
  assert.ok(head() >= 0, rows.join('\n'));
  const next = rows.findIndex((r, i) => i > head() && /problems? in file /.test(r));
  const ours = rows.slice(head() + 1, next < 0 ? undefined : next);
  assert.equal(ours.length, 1, rows.join('\n'));
  assert.match(ours[0], /VLM010/);
  assert.match(ours[0], new RegExp(`\\[Ln ${PARQUET_BAD_ROW + 1}, Col 1\\]`));
  assert.equal(await vs.page.locator('.tab', { hasText: 'shelf_vqa.parquet' }).count(), 0, 'validated without opening it');
});
