/**
 * The dataset viewer's state, apart from its DOM (webview/datasetViewer/{rowMap,pageCache,
 * searchMatches}.ts, run in Node): rows ↔ records under a problems filter, the page cache's
 * requests, recency and generations, and the streamed search matches.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RowMap } from '../../webview/datasetViewer/rowMap';
import { Selection } from '../../webview/datasetViewer/selection';
import { PageCache } from '../../webview/datasetViewer/pageCache';
import { SearchMatches } from '../../webview/datasetViewer/searchMatches';
import { accept, errorMark, remember, suggest, wordAt } from '../../webview/datasetViewer/queryBox';
import { barHeights, chipText, statNumber } from '../../webview/datasetViewer/statsView';
import { clampSize, columnsFor, gridRowOf, gridRows, listRowsOf } from '../../webview/datasetViewer/galleryLayout';

test('rows are records, or under a filter the filtered records, found both ways', () => {
  const m = new RowMap();
  assert.equal(m.rowCount(50), 50);
  assert.equal(m.recordOfRow(7), 7);
  m.set({ code: 'VLM041', records: [3, 10, 42] });
  assert.equal(m.rowCount(50), 3);
  assert.deepEqual([0, 1, 2, 3].map((r) => m.recordOfRow(r)), [3, 10, 42, -1]);
  assert.deepEqual([3, 10, 42, 11].map((r) => m.rowOfRecord(r)), [0, 1, 2, -1], 'a record filtered out has no row');
  m.set(undefined);
  assert.equal(m.rowOfRecord(11), 11);
});

test('a sorted query result: rows in its order, a record’s row found without bisection', () => {
  const m = new RowMap();
  m.set({ kind: 'query', code: null, records: Int32Array.from([42, 3, 17, 10]), ascending: false });
  assert.deepEqual([0, 1, 2, 3, 4].map((r) => m.recordOfRow(r)), [42, 3, 17, 10, -1]);
  assert.deepEqual([42, 3, 17, 10, 11].map((r) => m.rowOfRecord(r)), [0, 1, 2, 3, -1]);
  // the same records taken as ascending would be searched wrongly: the flag matters
  m.set({ kind: 'query', code: null, records: [3, 10, 17, 42], ascending: true });
  assert.equal(m.rowOfRecord(17), 2);
});

test('the filter box: the field at the cursor completed, history first-in and unique, the error marked', () => {
  const fields = [
    { path: 'conversations', type: 'list of struct' },
    { path: 'conversations[1].from', type: 'text' },
    { path: 'conversations[1].value', type: 'text' },
    { path: 'quality_score', type: 'number' },
    { path: 'meta.value_bins', type: 'list of number' },
  ];
  assert.deepEqual(wordAt('quality_score <= 2 AND conv', 27), { start: 23, word: 'conv' });
  assert.equal(wordAt("note = 'conv", 12), undefined, 'inside a string literal: nothing to complete');
  assert.equal(wordAt('x > 12', 6), undefined, 'a number is not a field');
  assert.deepEqual(suggest('quality_score <= 2 AND conv', 27, fields).map((f) => f.path), ['conversations', 'conversations[1].from', 'conversations[1].value']);
  assert.deepEqual(suggest('value', 5, fields).map((f) => f.path), ['conversations[1].value', 'meta.value_bins'], 'a name after a dot is found too');
  assert.deepEqual(suggest('quality_score', 13, fields), [], 'a complete name offers nothing');
  assert.deepEqual(accept('len(conv) > 1', 8, 'conversations'), { text: 'len(conversations) > 1', cursor: 17 });
  assert.deepEqual(accept('conv', 2, 'conversations[1].value'), { text: 'conversations[1].value', cursor: 22 }, 'the whole word is replaced, not only what precedes the cursor');
  assert.deepEqual(remember(['b', 'a'], ' a '), ['a', 'b']);
  assert.deepEqual(remember(['a'], '   '), ['a']);
  assert.equal(remember(Array.from({ length: 30 }, (_, i) => `q${i}`), 'new').length, 20);
  assert.deepEqual(errorMark('quality_score <= 2 ORDER BY nosuch', 28), { before: 'quality_score <= 2 ORDER BY ', mark: 'nosuch', after: '' });
  assert.deepEqual(errorMark('a =', 3), { before: 'a =', mark: ' ', after: '' }, 'an error at the end is still seen');
  assert.deepEqual(errorMark('a', undefined), { before: 'a', mark: '', after: '' });
});

test('field statistics as shown: numbers, value chips, bar heights', () => {
  assert.equal(statNumber(1234567), '1,234,567');
  assert.equal(statNumber(0.123456), '0.1235');
  assert.equal(statNumber(2 / 3 * 1000), '666.7');
  assert.equal(chipText(''), '""', 'an empty string is seen as one');
  assert.equal(chipText(' padded'), '" padded"');
  assert.equal(chipText('line one\nline two'), 'line one line two');
  assert.equal(chipText('x'.repeat(80)).length, 60);
  assert.equal(chipText(true), 'true');
  assert.deepEqual(barHeights([{ count: 0 }, { count: 1 }, { count: 1000 }, { count: 500 }]), [0, 2, 100, 50], 'a bin of one record is still seen');
  assert.deepEqual(barHeights([{ count: 0 }]), [0]);
});

test('the gallery grid: columns for the width, rows for the records, a grid row’s list rows', () => {
  assert.equal(columnsFor(1000, 160), 6, '6 × 160 + 5 gaps of 8 = 1000 fits exactly');
  assert.equal(columnsFor(999, 160), 5);
  assert.equal(columnsFor(1000, 384), 2);
  assert.equal(columnsFor(100, 160), 1, 'at least one, however narrow');
  assert.equal(columnsFor(0, 160), 1);
  assert.equal(gridRows(0, 5), 0);
  assert.equal(gridRows(11, 5), 3);
  assert.equal(gridRows(10, 5), 2);
  assert.deepEqual(listRowsOf(2, 5, 11), { first: 10, last: 10 }, 'the last grid row is partly filled');
  assert.deepEqual(listRowsOf(0, 5, 11), { first: 0, last: 4 });
  assert.equal(gridRowOf(10, 5), 2);
  assert.equal(gridRowOf(-1, 5), -1);
  assert.equal(clampSize(10), 64);
  assert.equal(clampSize(1000), 384);
  assert.equal(clampSize(undefined), 160);
});

test('pages: asked once, a short last page asked again as the file grows, the least recent dropped, old answers ignored', () => {
  const c = new PageCache<string>(10, 2);
  assert.deepEqual(c.want(0, 25, 100), [0, 1, 2]);
  assert.deepEqual(c.want(0, 25, 100), [], 'loading pages are not asked twice');
  const gen = c.generation;
  const page = (p: number, n = 10) => Array.from({ length: n }, (_, i) => `r${p * 10 + i}`);
  assert.ok(c.put(0, page(0), gen));
  assert.ok(c.put(1, page(1), gen));
  c.settled(0, gen);
  c.settled(1, gen);
  assert.equal(c.rowAt(13), 'r13');
  c.want(0, 0, 100); // page 0 used again: page 1 is now the least recent
  assert.ok(c.put(2, page(2, 4), gen));
  c.settled(2, gen);
  assert.equal(c.size, 2);
  assert.equal(c.rowAt(13), undefined, 'the least recently used page went');
  assert.equal(c.rowAt(0), 'r0');
  assert.deepEqual(c.want(20, 29, 30), [2], 'a last page with 4 of 10 rows is asked again once the file has 30');
  assert.deepEqual(c.want(20, 23, 24), [], '…but not while it is being asked');
  c.reset();
  assert.equal(c.put(2, page(2), gen), false, 'an answer to a request made before the reset is dropped');
  c.settled(2, gen);
  assert.equal(c.rowAt(20), undefined);
  assert.deepEqual(c.want(20, 20, 30), [2]);
});

test('search matches: the first batch adopts its search id, others are ignored, next/previous wrap', () => {
  const s = new SearchMatches();
  s.reset(true);
  assert.equal(s.done, false);
  assert.deepEqual(s.accept({ searchId: 7, matches: [4, 9], done: false }), { accepted: true, first: true });
  assert.equal(s.id, 7);
  assert.deepEqual(s.accept({ searchId: 6, matches: [1], done: true }), { accepted: false, first: false }, 'a batch of an older search');
  assert.deepEqual(s.accept({ searchId: 7, matches: [20], done: true }), { accepted: true, first: false });
  assert.equal(s.done, true);
  assert.equal(s.count, 3);
  assert.equal(s.position(9), 2);
  assert.equal(s.position(5), 0);
  assert.equal(s.next(9, 1), 20);
  assert.equal(s.next(20, 1), 4, 'wraps to the first');
  assert.equal(s.next(4, -1), 20, 'wraps to the last');
  assert.equal(s.next(10, -1), 9);
  s.reset(false);
  assert.equal(s.next(0, 1), undefined);
  assert.equal(s.done, true);
});

test('Eval panel: a samples page for an older query is dropped; the compare choice and the compared rows', async () => {
  const { SamplesQueryState, chooseCompare, compareRows } = await import('../../webview/evalPanel/panelState');
  const q = new SamplesQueryState();
  const g1 = q.bump();
  q.bin = [0.2, 0.4];
  q.text = 'droid';
  const g2 = q.bump();
  assert.ok(!q.isCurrent(g1) && q.isCurrent(g2));
  assert.deepEqual(q.params('r1', 200, 200), { runId: 'r1', start: 200, count: 200, order: 'worst', range: [0.2, 0.4], text: 'droid' });
  q.text = '';
  assert.equal(q.params('r1', 0, 1).text, undefined);

  const others = [{ id: 'a' }, { id: 'b' }, { id: 'c' }];
  let s = chooseCompare(others, { proposed: 'b' });
  assert.equal(s.compareWith, 'b', 'the host’s proposal');
  s = chooseCompare(others, { current: 'c', proposed: 'b', lastProposal: s.lastProposal });
  assert.equal(s.compareWith, 'c', 'the same proposal again does not undo the user’s choice');
  assert.equal(chooseCompare(others, { current: 'gone' }).compareWith, 'a', 'a run no longer there: the first');

  const rows = [
    { id: 'x', change: 'better' as const, delta: 0.3 },
    { id: 'y', change: 'worse' as const, delta: -0.2 },
    { id: 'z', change: undefined, delta: undefined },
    { id: 'w', change: 'better' as const, delta: 0.1 },
  ];
  const c = { rows, higherIsBetter: true } as unknown as Parameters<typeof compareRows>[0];
  assert.deepEqual(compareRows(c, 'all', true).map((r) => r.id), ['x', 'w', 'y', 'z'], 'largest gain first, no delta last');
  assert.deepEqual(compareRows(c, 'better', false).map((r) => r.id), ['w', 'x']);
  const lower = { rows, higherIsBetter: false } as unknown as Parameters<typeof compareRows>[0];
  assert.deepEqual(compareRows(lower, 'all', true).map((r) => r.id), ['y', 'w', 'x', 'z'], 'lower is better: a fall is a gain');
});

test('selection: one record, its row derived through the filter, the choice saved and restored, keys moving by rows', () => {
  const rows = new RowMap();
  const saved: number[] = [];
  const sel = new Selection(rows, (k) => saved.push(k), 41);
  assert.equal(sel.record, -1);
  assert.equal(sel.row, -1);
  // the saved choice of an earlier page, when the file has it; else the host's; else the first
  assert.equal(sel.initial(0), undefined);
  assert.equal(sel.initial(100), 41);
  assert.equal(sel.initial(30, 7), 7);
  assert.equal(sel.initial(5, 7), 0);
  assert.equal(sel.set(41), 41, 'unfiltered: the row is the record');
  assert.deepEqual(saved, [41]);
  // a filter that shows it: its row there; one that hides it: no row, and the first shown is taken
  rows.set({ kind: 'problems', code: null, records: [3, 41, 90], ascending: true });
  assert.equal(sel.row, 1);
  assert.equal(sel.afterFilter(3), 41);
  rows.set({ kind: 'query', code: null, records: [90, 3], ascending: false });
  assert.equal(sel.shown, false);
  assert.equal(sel.afterFilter(90), 90);
  // keys move by rows of the list as filtered, kept inside it
  const at = sel.set(90);
  assert.equal(at, 0);
  assert.equal(sel.recordAtRow(at + 1, 2), 3);
  assert.equal(sel.recordAtRow(at - 5, 2), 90);
  assert.equal(sel.recordAtRow(0, 0), undefined);
  // the list emptied: nothing selected, the saved choice kept for the next initial pick
  sel.clear();
  assert.equal(sel.record, -1);
  rows.set(undefined);
  assert.equal(sel.initial(200), 90);
});
