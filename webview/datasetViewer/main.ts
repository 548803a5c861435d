/**
 * Dataset viewer webview: header (size, records, format mix, broken lines), toolbar
 * (search, go to record, reopen as text), a virtualized record list and the detail pane.
 * The record data stays on the host; the webview asks for pages and records.
 */
import { Selection } from './selection';
import { RowMap } from './rowMap';
import { PageCache } from './pageCache';
import { SearchMatches } from './searchMatches';
import { accept as acceptSuggestion, errorMark, remember, suggest, type FieldSuggestion } from './queryBox';
import { renderStats } from './statsView';
import { CAPTION_PX, GALLERY_SIZES, clampSize, columnsFor, gridRowHeight, gridRows, listRowsOf } from './galleryLayout';
import {
  type ImageView,
  type IndexStatus,
  type ReadyInfo,
  type RowInfo,
  type ScanProblem,
  type ScanStatusView,
  type SearchProgress,
  type ViewerCommands,
  type ViewerEvents,
  type ViewerRequests,
  type ViewerStrings,
  type ValidationView,
  type QueryResultView,
  type FieldStatsResult,
  type RecordStats,
} from '../../src/protocol/datasetViewer';
import { compileQuery } from '../../src/core/text/query';
import { connect } from '../shared/rpcClient';
import { host } from '../shared/host';
import { clear, fmt, formatBytes, formatNumber, h } from '../shared/dom';
import { checked, setChecked, setValue, valueOf } from '../shared/controls';
import { VirtualList } from '../shared/virtualList';
import { highlightSource, renderDetail, scoresStrip, type DetailActions } from './detailView';
import { DEFAULT_UI, drawShapes, type OverlayUi } from './overlay';
import { type RecordOverlayView } from './overlayPanel';
import { recordOverlays } from '../../src/core/geometry/overlays';
import { type OverlayState } from '../../src/protocol/datasetViewer';


/** UI state kept by VS Code while the editor is hidden (no dataset content). */
interface UiState {
  selected?: number;
  query?: string;
  regex?: boolean;
  caseSensitive?: boolean;
  overlay?: OverlayUi;
  /** a record's several images: side by side (default) or stacked */
  imageLayout?: 'row' | 'stack';
  /** the filter applied (a SQL condition [ORDER BY …]), and the last ones run */
  filter?: string;
  filterHistory?: string[];
  /** the gallery (a grid of thumbnails) instead of the list and the record */
  gallery?: boolean;
  gallerySize?: number;
}

const rpc = connect<ViewerRequests, ViewerCommands, ViewerEvents>();
const vscodeApi = host<UiState>();
const ROW_HEIGHT = 52;
const PAGE = 100;
const THUMB = 96;

let S: ViewerStrings;
let info: ReadyInfo;
let indexStatus: IndexStatus;
let scan: ScanStatusView;
let problems: ScanProblem[] = [];
let state: UiState = vscodeApi.getState() ?? {};
let overlayState: OverlayState;
let overlayView: RecordOverlayView | undefined;
let validation: ValidationView | undefined;
/** rows ↔ records (all records, or those with problems while the list is filtered) */
const rows = new RowMap();
/** the selected record: its row follows from `rows`, its choice is saved with the page's state */
const selection = new Selection(
  rows,
  (record) => {
    state = { ...state, selected: record };
    vscodeApi.setState(state);
  },
  state.selected,
);

function recordTotal(): number {
  return indexStatus?.records ?? 0;
}

const recordOfRow = (row: number): number => rows.recordOfRow(row);
const rowOfRecord = (record: number): number => rows.rowOfRecord(record);

// ---- row pages (LRU) ---------------------------------------------------------------------
const pages = new PageCache<RowInfo>(PAGE);

function rowAt(i: number): RowInfo | undefined {
  return pages.rowAt(i);
}

function ensurePages(first: number, last: number): void {
  const gen = pages.generation;
  for (const p of pages.want(first, last, recordTotal())) {
    rpc
      .request('getRows', { start: p * PAGE, count: PAGE })
      .then((got) => {
        if (pages.put(p, got, gen)) list.invalidate();
      })
      .catch((e: unknown) => flashError(e))
      .finally(() => pages.settled(p, gen));
  }
}

function resetPages(): void {
  pages.reset();
  thumbs.clear();
}

// ---- thumbnails ------------------------------------------------------------------------
let nextRequestId = 1;
const thumbs = new Map<number, ImageView | 'loading'>();
const thumbRequests = new Map<number, number>(); // record index -> request id

function requestThumb(index: number): void {
  if (thumbs.has(index)) return;
  const requestId = nextRequestId++;
  thumbs.set(index, 'loading');
  thumbRequests.set(index, requestId);
  rpc
    .request('getImage', { index, image: 0, maxSize: THUMB * (window.devicePixelRatio || 1), requestId })
    .then((view) => {
      thumbs.set(index, view);
      if (rows.filter ? visibleRecords.has(index) : index >= visibleFirst && index <= visibleLast) list.invalidate();
    })
    .catch(() => thumbs.delete(index))
    .finally(() => thumbRequests.delete(index));
}

let visibleFirst = 0;
let visibleLast = -1;
let visibleRecords = new Set<number>();
function onRange(first: number, last: number): void {
  visibleFirst = first;
  visibleLast = last;
  if (rows.filter) {
    visibleRecords = new Set();
    for (let r = first; r <= last; r++) {
      const rec = recordOfRow(r);
      if (rec < 0) continue;
      visibleRecords.add(rec);
      ensurePages(rec, rec);
    }
  } else ensurePages(first, last);
  // Forget image work for rows that scrolled away.
  const stale: number[] = [];
  for (const [index, id] of thumbRequests) {
    if (rows.filter ? !visibleRecords.has(index) : index < first || index > last) {
      stale.push(id);
      thumbs.delete(index);
      thumbRequests.delete(index);
    }
  }
  if (stale.length) rpc.notify('cancelImages', { requestIds: stale });
}

// ---- list rendering --------------------------------------------------------------------
function renderRow(el: HTMLElement, rowNumber: number): void {
  clear(el);
  const index = recordOfRow(rowNumber);
  const row = rowAt(index);
  const isMatch = search.has(index);
  el.classList.toggle('match', isMatch);
  const num = h('div', { class: 'row-num' }, h('span', { text: `#${(index + 1).toLocaleString('en-US')}` }), row ? h('span', { class: 'muted', text: `L${(row.line + 1).toLocaleString('en-US')}` }) : undefined);
  if (!row) {
    el.classList.remove('error-row');
    el.append(h('div', { class: 'thumb empty' }), num, h('div', { class: 'row-main muted', text: S.loading }));
    return;
  }
  if (row.parseError || row.tooLarge !== undefined) {
    el.classList.add('error-row');
    const msg = row.parseError ? fmt(S.parseErrorAt, row.parseError.line + 1, row.parseError.column + 1, row.parseError.message) : fmt(S.lineTooLong, ((row.tooLarge ?? 0) / 1024 / 1024).toFixed(1));
    el.append(h('div', { class: 'thumb error-mark', text: '!' }), num, h('div', { class: 'row-main' }, h('div', { class: 'row-error', text: msg })));
    return;
  }
  el.classList.remove('error-row');
  const sum = row.summary;
  const thumb = h('div', { class: 'thumb' });
  if (sum && sum.imageCount > 0) {
    const t = thumbs.get(index);
    if (t === undefined) requestThumb(index);
    if (t && t !== 'loading') {
      if (t.status === 'ok' && t.uri) {
        thumb.append(h('img', { src: t.uri, alt: '' }));
        if (row.geometry && t.sourceWidth && t.sourceHeight && t.width && t.height) thumb.append(thumbOverlay(row, { width: t.sourceWidth, height: t.sourceHeight }, { width: t.width, height: t.height }));
      } else {
        thumb.classList.add('thumb-missing');
        thumb.setAttribute('title', t.status);
      }
    }
    if (sum.imageCount > 1) thumb.append(h('span', { class: 'thumb-count', text: String(sum.imageCount) }));
  }
  const codes = row.problemCodes;
  const meta = h(
    'div',
    { class: 'row-meta' },
    h('span', { class: 'format', text: sum ? (sum.formatLabel ?? info.formatLabels[sum.format]) : '' }),
    sum?.id !== undefined ? h('span', { class: 'row-id', text: sum.id }) : undefined,
    codes ? h('span', { class: `row-problems ${row.problemSeverity ?? 'warning'}`, title: codes.join(', '), text: `${SEVERITY_MARK[row.problemSeverity ?? 'warning']} ${codes.join(' ')}` }) : undefined,
    dupBadge(index),
  );
  el.append(thumb, num, h('div', { class: 'row-main' }, meta, h('div', { class: 'row-snippet', text: sum?.snippet ?? '' })));
}

/** The mark before a row's problem codes, by their worst severity (the colour is in viewer.css). */
const SEVERITY_MARK = { error: '✖', warning: '⚠', info: 'ℹ' } as const;

/** The record's overlays on its thumbnail (no labels), with the file's convention. */
function thumbOverlay(row: RowInfo, source: { width: number; height: number }, shown: { width: number; height: number }, box = 44): HTMLCanvasElement {
  const canvas = h('canvas', { class: 'thumb-overlay' });
  const scale = Math.min(box / shown.width, box / shown.height) * (shown.width / source.width);
  const w = Math.round(source.width * scale);
  const hh = Math.round(source.height * scale);
  const dpr = window.devicePixelRatio || 1;
  canvas.width = w * dpr;
  canvas.height = hh * dpr;
  canvas.style.width = `${w}px`;
  canvas.style.height = `${hh}px`;
  const ctx = canvas.getContext('2d');
  const geometry = row.geometry;
  if (ctx && geometry && row.summary) {
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    const rec = { format: row.summary.format, turns: [], images: [], videos: [], notes: [], resizedSize: geometry.resizedSize };
    const o = recordOverlays(rec, { shapes: geometry.shapes, ego: [] }, source, overlayState.settings);
    const drawn = drawShapes(ctx, o.shapes, (x, y) => [x * scale, y * scale], overlayUi(), { labels: false, lineWidth: 1.5 });
    canvas.dataset.shapes = String(drawn.length);
  }
  return canvas;
}

function overlayUi(): OverlayUi {
  return state.overlay ?? DEFAULT_UI;
}

const list = new VirtualList({
  rowHeight: ROW_HEIGHT,
  renderRow,
  onSelect: (row) => select(recordOfRow(row)),
  onRange,
});

// ---- layout ----------------------------------------------------------------------------
const app = document.getElementById('app') as HTMLElement;
const header = h('div', { class: 'header' });
const notices = h('div', { class: 'notices' });
const searchField = h('vscode-textfield', { class: 'search', placeholder: '' });
const caseBox = h('vscode-checkbox', { class: 'opt-case' });
const regexBox = h('vscode-checkbox', { class: 'opt-regex' });
const searchStatus = h('span', { class: 'search-status muted', 'aria-live': 'polite' });
const prevBtn = h('vscode-button', { secondary: true, class: 'prev-match icon-button', 'aria-label': 'previous' }, '↑');
const nextBtn = h('vscode-button', { secondary: true, class: 'next-match icon-button', 'aria-label': 'next' }, '↓');
const gotoField = h('vscode-textfield', { class: 'goto' });
const filterBox = h('vscode-single-select', { class: 'problem-filter', hidden: '' });
const reopenBtn = h('vscode-button', { secondary: true, class: 'reopen-text' });
const galleryBtn = h('vscode-button', { secondary: true, class: 'gallery-toggle' });
const gallerySizeInput = h('input', { class: 'gallery-size', type: 'range', min: GALLERY_SIZES.min, max: GALLERY_SIZES.max, step: GALLERY_SIZES.step, hidden: '' });
const toolbar = h('div', { class: 'toolbar' }, searchField, caseBox, regexBox, prevBtn, nextBtn, searchStatus, h('span', { class: 'spacer' }), filterBox, gotoField, galleryBtn, gallerySizeInput, reopenBtn);
const queryInput = h('input', { class: 'query-input', type: 'text', spellcheck: 'false', autocomplete: 'off', 'aria-autocomplete': 'list' });
const querySuggest = h('div', { class: 'query-suggest', role: 'listbox', hidden: '' });
const queryRunBtn = h('vscode-button', { secondary: true, class: 'query-run' });
const queryClearBtn = h('vscode-button', { secondary: true, class: 'query-clear', hidden: '' });
const queryCancelBtn = h('vscode-button', { secondary: true, class: 'query-cancel', hidden: '' });
const queryStatus = h('span', { class: 'query-status muted', 'aria-live': 'polite' });
const statsBtn = h('vscode-button', { secondary: true, class: 'stats-open' });
const dupBtn = h('vscode-button', { secondary: true, class: 'dup-open' });
const queryBar = h('div', { class: 'query-bar' }, h('div', { class: 'query-wrap' }, queryInput, querySuggest), queryRunBtn, queryClearBtn, queryCancelBtn, queryStatus, statsBtn, dupBtn);
const queryError = h('div', { class: 'query-error', hidden: '', role: 'alert' });
const queryNote = h('div', { class: 'query-note muted', hidden: '' });
const detail = h('div', { class: 'detail', tabindex: '-1' });
const main = h('div', { class: 'main' }, h('div', { class: 'list-pane' }, list.element), detail);
const galleryPane = h('div', { class: 'gallery-pane', hidden: '' });
app.append(header, notices, toolbar, queryBar, queryError, queryNote, main, galleryPane);

// ---- header ----------------------------------------------------------------------------
function renderHeader(): void {
  clear(header);
  const parts: Array<Node | string> = [];
  parts.push(h('span', { class: 'file-name', text: info.fileName }));
  parts.push(h('span', { class: 'muted', text: formatBytes(indexStatus.totalBytes || info.fileSize) }));
  if (indexStatus.done) {
    parts.push(h('span', { class: 'record-count', text: indexStatus.records === 1 ? S.oneRecord : fmt(S.records, indexStatus.records) }));
  } else {
    const pct = indexStatus.totalBytes > 0 ? Math.floor((indexStatus.scannedBytes / indexStatus.totalBytes) * 100) : 0;
    parts.push(h('span', { class: 'record-count indexing' }, h('vscode-progress-ring', {}), fmt(S.indexing, indexStatus.records, pct)));
  }
  const total = Object.values(scan.formats).reduce((a, b) => a + (b ?? 0), 0);
  if (total > 0) {
    const mix = Object.entries(scan.formats)
      .sort((a, b) => (b[1] ?? 0) - (a[1] ?? 0))
      .map(([f, n]) => `${info.formatLabels[f as keyof typeof info.formatLabels]} ${percent(n ?? 0, total)}`)
      .join(' · ');
    parts.push(h('span', { class: 'format-mix', text: mix }));
  }
  if (indexStatus.done && !scan.done && scan.total > 0) parts.push(h('span', { class: 'muted scanning', text: fmt(S.scanning, Math.floor((scan.processed / scan.total) * 100)) }));
  if (scan.parseErrors > 0) {
    parts.push(h('vscode-button', { secondary: true, class: 'parse-errors', title: S.nextError, onclick: () => nextProblem(['parse']) }, fmt(S.failedToParse, scan.parseErrors)));
  }
  const warning = (cls: string, text: string, kind: ScanProblem['kind']) => h('a', { class: `warning-text ${cls}`, href: '#', title: S.nextError, onclick: (e: Event) => (e.preventDefault(), nextProblem([kind])) }, text);
  if (scan.tooLarge > 0) parts.push(warning('too-large-count', fmt(S.tooLargeRecords, scan.tooLarge), 'too-large'));
  if (scan.invalidUtf8 > 0) parts.push(warning('utf8-count', fmt(S.invalidUtf8Records, scan.invalidUtf8), 'invalid-utf8'));
  if (scan.mojibake > 0) parts.push(warning('mojibake-count', fmt(S.mojibakeRecords, scan.mojibake), 'mojibake'));
  const v = validation;
  if (v) {
    if (v.running) parts.push(h('span', { class: 'muted validation-status', text: fmt(S.validating, v.total > 0 ? Math.floor((v.processed / v.total) * 100) : 0) }));
    else if (v.cancelled) parts.push(h('span', { class: 'warning-text validation-status', text: fmt(S.validationCancelled, v.total > 0 ? Math.floor((v.processed / v.total) * 100) : 0) }));
    else if (v.error) parts.push(h('span', { class: 'warning-text validation-status', text: v.error }));
    if (!v.running && v.totalProblems > 0 && v.recordsWithProblems !== undefined) {
      const title = v.capped ? fmt(S.validationCapped, v.totalProblems) : undefined;
      parts.push(h('a', { class: 'warning-text validation-problems', href: '#', title, onclick: (e: Event) => (e.preventDefault(), setFilterValue('any')) }, v.totalProblems === 1 ? S.oneProblemSummary : v.recordsWithProblems === 1 ? fmt(S.problemsSummaryOneRecord, v.totalProblems) : fmt(S.problemsSummary, v.totalProblems, v.recordsWithProblems)));
    } else if (!v.running && !v.cancelled && !v.error && v.totalProblems === 0) parts.push(h('span', { class: 'muted validation-status', text: S.noProblems }));
  }
  header.append(...parts);
}

function percent(n: number, total: number): string {
  const p = (n / total) * 100;
  return p >= 99.95 || p === 0 ? `${Math.round(p)}%` : p < 1 ? '<1%' : `${p.toFixed(p < 10 ? 1 : 0)}%`;
}

function setNotices(list: string[]): void {
  clear(notices);
  for (const n of list) notices.append(h('div', { class: 'notice', text: n }));
}

// ---- selection and detail ----------------------------------------------------------------
let detailTimer: ReturnType<typeof setTimeout> | undefined;
let detailToken = 0;

function select(i: number, opts: { focusList?: boolean } = {}): void {
  if (recordTotal() === 0 || i < 0) return;
  const index = Math.max(0, Math.min(recordTotal() - 1, i));
  let row = rowOfRecord(index);
  if (row < 0) {
    // the record is filtered out (go to record, a search match): show all records again
    setFilterValue('all');
    row = index;
  }
  selection.set(index);
  list.setSelected(row);
  list.reveal(row);
  if (opts.focusList !== false && document.activeElement === document.body) list.element.focus();
  rpc.notify('selectionChanged', { index });
  if (detailTimer) clearTimeout(detailTimer);
  detailTimer = setTimeout(() => void showDetail(index), 40);
}

async function showDetail(index: number): Promise<void> {
  const token = ++detailToken;
  try {
    const d = await rpc.request('getRecord', { index });
    if (token !== detailToken) return;
    const actions: DetailActions = {
      rows: info.parquet === true,
      openAtLine: (line, column) => rpc.notify('openAtLine', { line, column }),
      openImageRoots: () => rpc.notify('openImageRoots', {}),
      showRun: (runId) => rpc.notify('showRun', { runId }),
      copy: (text) => {
        rpc.notify('copy', { text });
        flash(S.copied);
      },
      loadImage: (image, maxSize) => rpc.request('getImage', { index, image, maxSize, requestId: nextRequestId++ }),
      loadVideo: (video) => rpc.request('getVideo', { index, video }),
      describeFormat: () => void rpc.request('describeFormat', { index }).catch((e: unknown) => flashError(e)),
      imageLayout: () => state.imageLayout ?? 'row',
      setImageLayout: (layout) => {
        state = { ...state, imageLayout: layout };
        vscodeApi.setState(state);
      },
    };
    overlayView = renderDetail(
      detail,
      d,
      recordTotal(),
      S,
      info.formatLabels,
      actions,
      highlightPattern(),
      {
        state: overlayState,
        ui: overlayUi(),
        setUi: (ui) => {
          state = { ...state, overlay: ui };
          vscodeApi.setState(state);
          list.invalidate();
        },
        setConvention: (c) => rpc.notify('setConvention', { convention: c }),
        showSource: (shape) => highlightSource(detail, shape),
      },
    );
    detail.dataset.index = String(index);
    void rpc.request('recordScores', { index, id: d.record?.id }).then((v) => {
      if (token === detailToken && v) detail.querySelector('.record-scores-slot')?.replaceWith(scoresStrip(v, S, actions));
    }, () => undefined);
  } catch (e) {
    if (token !== detailToken) return;
    clear(detail);
    detail.append(h('div', { class: 'problem error', text: e instanceof Error ? e.message : String(e) }));
  }
}

function flash(text: string, ms = 1200): void {
  const el = h('div', { class: 'flash', text });
  document.body.append(el);
  setTimeout(() => el.remove(), ms);
}

/** A request to the host that failed is said (for a few seconds), not swallowed. */
function flashError(e: unknown): void {
  flash(e instanceof Error ? e.message : String(e), 6000);
}

// ---- problems (broken lines) ---------------------------------------------------------------
/** Selects the next record (after the selected one, wrapping) with a problem of one of `kinds`. */
function nextProblem(kinds: Array<ScanProblem['kind']>): void {
  const of = problems.filter((p) => kinds.includes(p.kind));
  if (of.length === 0) return;
  const cur = selection.record;
  const next = of.find((p) => p.index > cur) ?? of[0];
  select(next.index);
}

// ---- search ----------------------------------------------------------------------------
const search = new SearchMatches();
let searchTimer: ReturnType<typeof setTimeout> | undefined;
let lastSearch: SearchProgress | undefined;

function highlightPattern(): RegExp | undefined {
  const text = valueOf(searchField);
  if (!text) return undefined;
  try {
    return compileQuery({ text, regex: checked(regexBox), caseSensitive: checked(caseBox) });
  } catch {
    return undefined;
  }
}

function startSearch(): void {
  const text = valueOf(searchField);
  state = { ...state, query: text, regex: checked(regexBox), caseSensitive: checked(caseBox) };
  vscodeApi.setState(state);
  if (search.id) rpc.notify('cancelSearch', { searchId: search.id });
  search.reset(!!text);
  lastSearch = undefined;
  list.invalidate();
  if (!text) {
    searchStatus.textContent = '';
    if (selection.record >= 0) void showDetail(selection.record);
    return;
  }
  searchStatus.textContent = fmt(S.searching, 0);
  rpc
    .request('startSearch', { text, regex: checked(regexBox), caseSensitive: checked(caseBox) })
    .then((r) => {
      search.id = r.searchId;
    })
    .catch((e: unknown) => {
      searchStatus.textContent = e instanceof Error ? e.message : String(e);
    });
}

function onSearchProgress(p: SearchProgress): void {
  // the reply to startSearch may arrive after the first results
  const { accepted, first } = search.accept(p);
  if (!accepted) return;
  lastSearch = p;
  if (p.error) {
    searchStatus.textContent = p.error;
    return;
  }
  updateSearchStatus();
  list.invalidate();
  if (first && !search.has(selection.record)) goToMatch(1);
  else if (p.done && selection.record >= 0) void showDetail(selection.record);
}

function updateSearchStatus(): void {
  const p = lastSearch;
  if (!p) return;
  const pct = p.totalBytes > 0 ? Math.floor((p.scannedBytes / p.totalBytes) * 100) : 100;
  const pos = search.position(selection.record) - 1;
  let text: string;
  if (!search.done) text = fmt(S.searching, pct) + (search.count ? ` · ${search.count.toLocaleString('en-US')}` : '');
  else if (p.totalMatches === 0) text = S.noMatches;
  else text = fmt(S.matchesOf, pos >= 0 ? pos + 1 : 0, p.totalMatches);
  if (p.capped) text += ` · ${fmt(S.matchesCapped, search.count, p.totalMatches)}`;
  searchStatus.textContent = text;
}

function goToMatch(dir: 1 | -1): void {
  const target = search.next(selection.record, dir);
  if (target === undefined) return;
  select(target);
  updateSearchStatus();
}

// ---- events ----------------------------------------------------------------------------
searchField.addEventListener('input', () => {
  if (searchTimer) clearTimeout(searchTimer);
  searchTimer = setTimeout(startSearch, 250);
});
searchField.addEventListener('keydown', (ke) => {
  if (ke.key === 'Enter') {
    if (searchTimer) {
      clearTimeout(searchTimer);
      searchTimer = undefined;
      if (state.query !== valueOf(searchField)) return startSearch();
    }
    goToMatch(ke.shiftKey ? -1 : 1);
  }
});
caseBox.addEventListener('change', startSearch);
regexBox.addEventListener('change', startSearch);
prevBtn.addEventListener('click', () => goToMatch(-1));
nextBtn.addEventListener('click', () => goToMatch(1));
gotoField.addEventListener('keydown', (e) => {
  if (e.key !== 'Enter') return;
  const n = Number(valueOf(gotoField).trim().replace(/^#/, ''));
  if (Number.isInteger(n) && n >= 1 && n <= recordTotal()) {
    select(n - 1);
    list.element.focus();
  } else gotoField.classList.add('invalid');
});
gotoField.addEventListener('input', () => gotoField.classList.remove('invalid'));
reopenBtn.addEventListener('click', () => rpc.notify('reopenAsText', {}));

document.addEventListener('keydown', (e) => {
  const target = e.target as HTMLElement;
  if (target.closest('vscode-textfield, input, textarea, pre, .detail details')) return;
  if (galleryOn) {
    if (e.key === 'Escape') {
      e.preventDefault();
      showGallery(false);
    }
    return;
  }
  const cur = selection.row; // rows
  let next: number | undefined;
  switch (e.key) {
    case 'ArrowDown':
    case 'j':
      next = cur + 1;
      break;
    case 'ArrowUp':
    case 'k':
      next = cur - 1;
      break;
    case 'PageDown':
      next = cur + list.pageSize;
      break;
    case 'PageUp':
      next = cur - list.pageSize;
      break;
    case 'Home':
      next = 0;
      break;
    case 'End':
      next = list.total - 1;
      break;
    case 'n':
      goToMatch(1);
      break;
    case 'N':
      goToMatch(-1);
      break;
    default:
      return;
  }
  e.preventDefault();
  const to = next === undefined ? undefined : selection.recordAtRow(next, list.total);
  if (to !== undefined) select(to);
});

// ---- host notifications ------------------------------------------------------------------
rpc.onNotification('indexProgress', (s) => {
  indexStatus = s;
  if (s.notices) setNotices(s.notices);
  if (!rows.filter) list.setCount(s.records);
  if (selection.record < 0) {
    const first = selection.initial(s.records);
    if (first !== undefined) select(first);
  }
  renderHeader();
  if (s.done) ensurePages(visibleFirst, Math.max(visibleFirst, visibleLast));
});
rpc.onNotification('scanProgress', (s) => {
  if (s.reset) problems = [];
  problems = problems.concat(s.newProblems);
  scan = s;
  renderHeader();
});
rpc.onNotification('searchProgress', onSearchProgress);
rpc.onNotification('goToRecord', ({ index }) => select(index));
rpc.onNotification('overlayState', (o) => {
  overlayState = o;
  overlayView?.update(o);
  list.invalidate(); // thumbnails
});
rpc.onNotification('fileChanged', (c) => {
  statsCache = undefined;
  if (c.kind === 'deleted') {
    setNotices([S.fileDeleted]);
    return;
  }
  if (c.kind === 'appended') {
    // the last page may have grown; keep everything else
    const lastPage = Math.floor(Math.max(0, recordTotal() - 1) / PAGE);
    pages.drop(lastPage);
    if (!rows.filter) list.setCount(c.records);
    list.invalidate();
    flash(fmt(S.fileAppended, c.records));
    if (valueOf(searchField)) startSearch();
    if (rows.filter?.kind === 'query') runQuery();
    return;
  }
  // rewritten or restored: everything is re-read; the selection is kept where possible
  resetPages();
  setNotices(c.kind === 'rewritten' ? [S.fileReindexed] : []);
  const requery = rows.filter?.kind === 'query';
  rows.set(undefined);
  queryInactive();
  setValue(filterBox, 'all');
  list.setCount(0);
  list.setSelected(-1);
  selection.clear();
  if (valueOf(searchField)) startSearch();
  if (requery) runQuery();
});

// ---- problems filter ---------------------------------------------------------------------
let filterToken = 0;

/** Shows all records ('all') or only those with problems ('any', or one rule code). */
function setFilterValue(value: string): void {
  setValue(filterBox, value);
  applyFilter(value);
}

function applyFilter(value: string): void {
  const token = ++filterToken;
  if (rows.filter?.kind === 'query' || runningQuery) queryInactive();
  if (!value || value === 'all') {
    if (!rows.filter) return;
    rows.set(undefined);
    list.setCount(recordTotal());
    if (selection.shown) {
      list.setSelected(selection.row);
      list.reveal(selection.row);
    }
    list.invalidate();
    return;
  }
  const code = value === 'any' ? null : value;
  rpc
    .request('problemRecords', { code })
    .then(({ records }) => {
      if (token !== filterToken) return;
      rows.set({ kind: 'problems', code, records, ascending: true });
      list.setCount(records.length);
      list.setSelected(-1);
      list.invalidate();
      if (records.length === 0) {
        clear(detail);
        detail.append(h('div', { class: 'muted empty-turns', text: S.filterEmpty }));
        return;
      }
      select(selection.afterFilter(records[0]));
    })
    .catch((e: unknown) => flashError(e));
}

function renderFilterOptions(): void {
  const v = validation;
  const byCode = v?.byCode;
  if (!v || !byCode || v.recordsWithProblems === undefined || v.recordsWithProblems === 0) {
    filterBox.setAttribute('hidden', '');
    if (rows.filter) setFilterValue('all');
    return;
  }
  const current = valueOf(filterBox);
  clear(filterBox);
  filterBox.append(
    h('vscode-option', { value: 'all' }, S.filterAll),
    h('vscode-option', { value: 'any' }, fmt(S.filterProblems, v.recordsWithProblems)),
    ...Object.entries(byCode)
      .sort((a, b) => a[0].localeCompare(b[0]))
      .map(([code, n]) => h('vscode-option', { value: code }, fmt(S.filterCode, code, n))),
  );
  filterBox.removeAttribute('hidden');
  setValue(filterBox, current || 'all');
}

filterBox.addEventListener('change', () => applyFilter(valueOf(filterBox)));

rpc.onNotification('validation', (v) => {
  validation = v;
  renderHeader();
  if (v.running) return;
  // a run ended: rows carry their problem codes, so fetch them again, and the selected record's problems
  renderFilterOptions();
  pages.reset();
  list.invalidate();
  onRange(visibleFirst, Math.max(visibleFirst, visibleLast));
  if (rows.filter) applyFilter(valueOf(filterBox));
  else if (selection.record >= 0) void showDetail(selection.record);
});

// ---- query filter (a SQL condition over the fields, through DuckDB on the host) -----------
let queryCounter = 0;
/** the id of the query running, 0 when none */
let runningQuery = 0;
let fields: FieldSuggestion[] | undefined;
let fieldsAsked = false;
let suggestions: FieldSuggestion[] = [];
let suggestAt = 0;
/** the user moved in the suggestions (Enter then takes one instead of running the filter) */
let suggestMoved = false;

function loadFields(): void {
  if (fieldsAsked) return;
  fieldsAsked = true;
  rpc
    .request('queryFields', {})
    .then((r) => {
      fields = r.fields;
      if (document.activeElement === queryInput) updateSuggest();
    })
    .catch(() => (fieldsAsked = false));
}

function updateSuggest(): void {
  const text = queryInput.value;
  const cursor = queryInput.selectionStart ?? text.length;
  suggestions = text.trim() === '' ? (state.filterHistory ?? []).map((h) => ({ path: h, type: '' })) : suggest(text, cursor, fields ?? []);
  suggestAt = 0;
  suggestMoved = false;
  renderSuggest();
}

function renderSuggest(): void {
  clear(querySuggest);
  if (suggestions.length === 0) {
    querySuggest.hidden = true;
    return;
  }
  suggestions.forEach((f, i) =>
    querySuggest.append(
      h(
        'div',
        {
          class: `query-suggestion${i === suggestAt ? ' active' : ''}`,
          role: 'option',
          'aria-selected': i === suggestAt ? 'true' : 'false',
          // mousedown: before the input's blur hides the list
          onmousedown: (e: Event) => {
            e.preventDefault();
            takeSuggestion(i);
          },
        },
        h('span', { class: 'path', text: f.path }),
        f.type ? h('span', { class: 'type muted', text: f.type }) : null,
      ),
    ),
  );
  querySuggest.hidden = false;
}

function hideSuggest(): void {
  suggestions = [];
  renderSuggest();
}

function takeSuggestion(i: number): void {
  const f = suggestions[i];
  if (!f) return;
  if (!f.type) {
    // a filter from the history: the whole text
    queryInput.value = f.path;
    queryInput.setSelectionRange(f.path.length, f.path.length);
  } else {
    const r = acceptSuggestion(queryInput.value, queryInput.selectionStart ?? queryInput.value.length, f.path);
    queryInput.value = r.text;
    queryInput.setSelectionRange(r.cursor, r.cursor);
  }
  hideSuggest();
}

/** The query UI back to "no filter applied" (the text stays), a running query cancelled. */
function queryInactive(): void {
  if (runningQuery) rpc.notify('cancelQuery', { queryId: runningQuery });
  runningQuery = 0;
  queryCounter++;
  queryClearBtn.hidden = true;
  queryCancelBtn.hidden = true;
  queryStatus.textContent = '';
  queryNote.hidden = true;
  queryError.hidden = true;
  if (state.filter !== undefined) {
    state = { ...state, filter: undefined };
    vscodeApi.setState(state);
  }
}

function clearQuery(): void {
  queryInput.value = '';
  hideSuggest();
  if (rows.filter?.kind === 'query') setFilterValue('all');
  queryInactive();
}

function showQueryError(text: string, error: NonNullable<QueryResultView['error']>): void {
  clear(queryError);
  const mark = errorMark(text, error.at);
  queryError.append(h('div', { class: 'message', text: fmt(S.queryFailed, error.message) }));
  if (error.at !== undefined && error.part !== 'file') queryError.append(h('code', { class: 'at' }, mark.before, h('mark', { text: mark.mark }), mark.after));
  queryError.hidden = false;
  if (error.at !== undefined && error.part !== 'file') {
    queryInput.focus();
    queryInput.setSelectionRange(mark.before.length, mark.before.length + mark.mark.length);
  }
}

/**
 * Runs one exploration job (a filter, the statistics, the duplicates) on the host: the one
 * running is cancelled, its progress is said in the status with Cancel beside it, and `done`
 * gets the answer unless a newer job started or this one was cancelled.
 */
function startJob<R extends { cancelled?: boolean }>(progress: string, ask: (id: number) => Promise<R>, done: (r: R) => void, opts: { keepNote?: boolean } = {}): void {
  if (runningQuery) rpc.notify('cancelQuery', { queryId: runningQuery });
  const id = ++queryCounter;
  runningQuery = id;
  queryError.hidden = true;
  if (!opts.keepNote) queryNote.hidden = true;
  queryStatus.textContent = fmt(progress, 0);
  queryCancelBtn.hidden = false;
  const finish = () => {
    runningQuery = 0;
    queryCancelBtn.hidden = true;
  };
  ask(id)
    .then((r) => {
      if (id !== queryCounter) return;
      finish();
      if (r.cancelled) queryStatus.textContent = S.queryCancelled;
      else done(r);
    })
    .catch((e: unknown) => {
      if (id !== queryCounter) return;
      finish();
      queryStatus.textContent = '';
      flashError(e);
    });
}

/** Says a failed job's reason under the filter box. */
function showJobError(text: string): void {
  clear(queryError);
  queryError.append(h('div', { class: 'message', text }));
  queryError.hidden = false;
}

function runQuery(): void {
  const text = queryInput.value.trim();
  hideSuggest();
  if (!text) {
    clearQuery();
    return;
  }
  state = { ...state, filter: text, filterHistory: remember(state.filterHistory ?? [], text) };
  vscodeApi.setState(state);
  startJob(S.queryFiltering, (id) => rpc.request('queryRecords', { text, queryId: id }), (r) => {
    if (r.error || !r.records) {
      queryStatus.textContent = '';
      showQueryError(text, r.error ?? { message: '?', part: 'file' });
      return;
    }
    const records = r.records;
    // one filter at a time: the problems filter steps back
    filterToken++;
    setValue(filterBox, 'all');
    dupInfo = undefined;
    rows.set({ kind: 'query', code: null, records, ascending: !r.sorted });
    list.setCount(records.length);
    list.setSelected(-1);
    list.invalidate();
    queryClearBtn.hidden = false;
    filterStatus = fmt(S.queryMatches, records.length, r.total ?? 0, ((r.ms ?? 0) / 1000).toFixed(1));
    queryStatus.textContent = filterStatus;
    const bad = r.unreadable;
    if (bad && bad.count > 0) {
      const shown = bad.records.slice(0, 5).map((k) => formatNumber(k + 1));
      queryNote.textContent = bad.count === 1 ? fmt(S.queryUnreadableOne, shown[0] ?? '?') : fmt(S.queryUnreadable, bad.count, shown.join(', ') + (bad.count > shown.length ? ', …' : ''));
      queryNote.hidden = false;
    }
    if (records.length === 0) {
      clear(detail);
      detail.append(h('div', { class: 'muted empty-turns', text: S.queryNoMatches }));
      return;
    }
    select(selection.afterFilter(records[0]), { focusList: false });
  });
}

rpc.onNotification('queryProgress', (p) => {
  if (p.queryId !== runningQuery) return;
  const label = { schema: S.queryReadingFields, stats: S.statsComputing, dedup: S.dupSearching, filter: S.queryFiltering }[p.phase];
  queryStatus.textContent = fmt(label, Math.round(p.percent));
});

// ---- duplicates: the list shows each kept record followed by its copies --------------------
/** while the list shows duplicates: each record's place in its cluster */
let dupInfo: Map<number, { kept: number; similarity: number; exact: boolean } | 'kept'> | undefined;

function dupBadge(index: number): HTMLElement | undefined {
  const d = rows.filter?.kind === 'query' ? dupInfo?.get(index) : undefined;
  if (!d) return undefined;
  if (d === 'kept') return h('span', { class: 'row-dup kept', text: S.dupKept });
  return h('span', { class: 'row-dup', text: d.exact ? fmt(S.dupExactOf, d.kept + 1) : fmt(S.dupOf, d.kept + 1, d.similarity.toFixed(2)) });
}

function findDuplicates(): void {
  startJob(S.dupSearching, (id) => rpc.request('findDuplicates', { queryId: id }), (r) => {
    if (r.error || !r.clusters) {
      queryStatus.textContent = '';
      return showJobError(r.error ?? '?');
    }
    const secs = ((r.ms ?? 0) / 1000).toFixed(1);
    if (r.clusters.length === 0) {
      queryStatus.textContent = fmt(S.dupNone, recordTotal(), secs);
      return;
    }
    const order: number[] = [];
    dupInfo = new Map();
    for (const c of r.clusters) {
      order.push(c.kept);
      dupInfo.set(c.kept, 'kept');
      for (const m of c.members) {
        order.push(m.index);
        dupInfo.set(m.index, { kept: c.kept, similarity: m.similarity, exact: m.exact });
      }
    }
    filterToken++;
    setValue(filterBox, 'all');
    queryInput.value = '';
    rows.set({ kind: 'query', code: null, records: order, ascending: false });
    list.setCount(order.length);
    list.setSelected(-1);
    list.invalidate();
    queryClearBtn.hidden = false;
    filterStatus = fmt(S.dupFound, r.duplicates ?? 0, recordTotal(), r.clusters.length, r.exactDuplicates ?? 0, secs);
    queryStatus.textContent = filterStatus;
    select(order[1] ?? order[0], { focusList: false });
  });
}
dupBtn.addEventListener('click', () => findDuplicates());

// ---- field statistics (in the detail pane) -----------------------------------------------
let statsCache: { stats: FieldStatsResult; ms: number; records?: RecordStats & { of: number } } | undefined;
/** what the status said when the filter applied ran */
let filterStatus = '';

function showStats(): void {
  if (statsCache) {
    const { stats, ms, records } = statsCache;
    clear(detail);
    detail.append(
      renderStats(stats, ms, S, {
        filter: (condition) => {
          queryInput.value = condition;
          runQuery();
        },
        back: () => {
          if (selection.record >= 0) void showDetail(selection.record);
          else clear(detail);
        },
      }, records),
    );
    detail.scrollTop = 0;
    return;
  }
  startJob(
    S.statsComputing,
    (id) => rpc.request('fieldStats', { queryId: id }),
    (r) => {
      // the filter applied (if any) is still what the list shows
      queryStatus.textContent = rows.filter?.kind === 'query' ? filterStatus : '';
      if (r.error) return showJobError(fmt(S.statsFailed, r.error));
      if (!r.stats) return;
      statsCache = { stats: r.stats, ms: r.ms ?? 0, records: r.records };
      showStats();
    },
    { keepNote: true },
  );
}
statsBtn.addEventListener('click', () => showStats());

queryInput.addEventListener('focus', () => {
  loadFields();
  updateSuggest();
});
queryInput.addEventListener('blur', () => hideSuggest());
queryInput.addEventListener('input', () => updateSuggest());
queryInput.addEventListener('keydown', (e) => {
  const open = !querySuggest.hidden && suggestions.length > 0;
  if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
    if (!open) return;
    e.preventDefault();
    suggestAt = (suggestAt + (e.key === 'ArrowDown' ? 1 : suggestions.length - 1)) % suggestions.length;
    suggestMoved = true;
    renderSuggest();
  } else if (e.key === 'Tab' && open) {
    e.preventDefault();
    takeSuggestion(suggestAt);
  } else if (e.key === 'Enter') {
    e.preventDefault();
    if (open && suggestMoved) takeSuggestion(suggestAt);
    else runQuery();
  } else if (e.key === 'Escape') {
    e.preventDefault();
    // the first Escape closes the completions; with nothing typed (the history shown) it clears at once
    if (open && queryInput.value.trim() !== '') hideSuggest();
    else clearQuery();
  }
});
queryRunBtn.addEventListener('click', () => runQuery());
queryClearBtn.addEventListener('click', () => clearQuery());
queryCancelBtn.addEventListener('click', () => {
  if (runningQuery) rpc.notify('cancelQuery', { queryId: runningQuery });
});

// ---- gallery: a grid of thumbnails with their overlays, for the whole file or a filter -----
let galleryOn = false;
let gallerySize = clampSize(state.gallerySize);
let galleryColumns = 1;
let gallery: VirtualList | undefined;
/** gallery thumbnails by record and size, and the requests in flight */
const galleryThumbs = new Map<string, ImageView | 'loading'>();
const galleryRequests = new Map<string, number>();

function makeGallery(): VirtualList {
  gallery?.element.remove();
  const g = new VirtualList({
    rowHeight: gridRowHeight(gallerySize),
    renderRow: renderGalleryRow,
    onSelect: () => undefined, // cells are clicked, not rows
    onRange: galleryRange,
  });
  g.element.classList.add('gallery');
  g.element.addEventListener('click', (e) => {
    const cell = (e.target as HTMLElement).closest<HTMLElement>('.gcell');
    const rec = cell ? Number(cell.dataset.record) : NaN;
    if (!Number.isInteger(rec) || rec < 0) return;
    showGallery(false);
    select(rec);
  });
  galleryPane.append(g.element);
  return g;
}

function galleryRefresh(): void {
  if (!galleryOn || !gallery) return;
  // the list's own width: inside the pane's padding and beside its scroll bar
  const width = (gallery.element.clientWidth || galleryPane.clientWidth - 24) - 4;
  const cols = columnsFor(width, gallerySize);
  if (cols !== galleryColumns) {
    galleryColumns = cols;
    gallery.setCount(0);
  }
  gallery.setCount(gridRows(rows.rowCount(recordTotal()), galleryColumns));
  gallery.invalidate();
}

function showGallery(on: boolean): void {
  galleryOn = on;
  state = { ...state, gallery: on };
  vscodeApi.setState(state);
  main.hidden = on;
  galleryPane.hidden = !on;
  gallerySizeInput.hidden = !on;
  galleryBtn.classList.toggle('active', on);
  galleryBtn.setAttribute('aria-pressed', String(on));
  if (on) {
    gallery ??= makeGallery();
    galleryRefresh();
    const row = selection.row;
    if (row >= 0) gallery.reveal(Math.floor(row / galleryColumns));
  } else {
    // the images in flight are for cells no longer shown
    const stale = [...galleryRequests.values()];
    galleryRequests.clear();
    for (const [k, v] of galleryThumbs) if (v === 'loading') galleryThumbs.delete(k);
    if (stale.length) rpc.notify('cancelImages', { requestIds: stale });
    list.invalidate();
  }
}

function galleryRange(first: number, last: number): void {
  const total = rows.rowCount(recordTotal());
  const wanted = new Set<string>();
  for (let g = first; g <= last; g++) {
    const r = listRowsOf(g, galleryColumns, total);
    for (let row = r.first; row <= r.last; row++) {
      const rec = recordOfRow(row);
      if (rec < 0) continue;
      ensurePages(rec, rec);
      wanted.add(`${rec}:${gallerySize}`);
    }
  }
  const stale: number[] = [];
  for (const [key, id] of galleryRequests)
    if (!wanted.has(key)) {
      stale.push(id);
      galleryRequests.delete(key);
      galleryThumbs.delete(key);
    }
  if (stale.length) rpc.notify('cancelImages', { requestIds: stale });
}

function galleryThumb(index: number): ImageView | 'loading' | undefined {
  const key = `${index}:${gallerySize}`;
  const have = galleryThumbs.get(key);
  if (have !== undefined) return have;
  const requestId = nextRequestId++;
  galleryThumbs.set(key, 'loading');
  galleryRequests.set(key, requestId);
  rpc
    .request('getImage', { index, image: 0, maxSize: Math.round(gallerySize * (window.devicePixelRatio || 1)), requestId })
    .then((view) => {
      if (galleryThumbs.get(key) !== 'loading') return;
      galleryThumbs.set(key, view);
      gallery?.invalidate();
    })
    .catch(() => galleryThumbs.delete(key))
    .finally(() => galleryRequests.delete(key));
  return 'loading';
}

function renderGalleryRow(el: HTMLElement, gridRow: number): void {
  clear(el);
  el.classList.add('grow');
  const r = listRowsOf(gridRow, galleryColumns, rows.rowCount(recordTotal()));
  for (let row = r.first; row <= r.last; row++) {
    const index = recordOfRow(row);
    if (index < 0) continue;
    const info = rowAt(index);
    const frame = h('div', { class: 'gthumb' });
    frame.style.width = `${gallerySize}px`;
    frame.style.height = `${gallerySize}px`;
    if (info?.summary && info.summary.imageCount > 0) {
      const t = galleryThumb(index);
      if (t && t !== 'loading') {
        if (t.status === 'ok' && t.uri) {
          frame.append(h('img', { src: t.uri, alt: '' }));
          if (info.geometry && t.sourceWidth && t.sourceHeight && t.width && t.height) frame.append(thumbOverlay(info, { width: t.sourceWidth, height: t.sourceHeight }, { width: t.width, height: t.height }, gallerySize));
        } else frame.classList.add('thumb-missing');
      }
    } else if (info) frame.append(h('span', { class: 'muted gthumb-text', text: info.summary?.snippet ?? '' }));
    const caption = h('div', { class: 'gcaption' }, h('span', { text: `#${(index + 1).toLocaleString('en-US')}` }), info?.summary?.id ? h('span', { class: 'muted', text: info.summary.id }) : null);
    caption.style.height = `${CAPTION_PX}px`;
    const cell = h('div', { class: `gcell${index === selection.record ? ' selected' : ''}`, 'data-record': index, title: info?.summary?.snippet ?? '' }, frame, caption);
    cell.style.width = `${gallerySize}px`;
    el.append(cell);
  }
}

// the gallery follows the list: its size (records, filters) and its data (pages, thumbnails)
{
  const setCount = list.setCount.bind(list);
  list.setCount = (n: number) => {
    setCount(n);
    galleryRefresh();
  };
  const invalidate = list.invalidate.bind(list);
  list.invalidate = () => {
    invalidate();
    if (galleryOn) gallery?.invalidate();
  };
}
new ResizeObserver(() => galleryRefresh()).observe(galleryPane);
galleryBtn.addEventListener('click', () => showGallery(!galleryOn));
gallerySizeInput.addEventListener('input', () => {
  gallerySize = clampSize(Number((gallerySizeInput).value));
  state = { ...state, gallerySize };
  vscodeApi.setState(state);
  if (!galleryOn) return;
  gallery = makeGallery();
  galleryColumns = 0;
  galleryRefresh();
});

// ---- start -------------------------------------------------------------------------------
async function start(): Promise<void> {
  info = await rpc.request('ready', {});
  S = info.strings;
  indexStatus = info.index;
  scan = info.scan;
  problems = info.scan.newProblems;
  overlayState = info.overlay;
  validation = info.validation;
  renderFilterOptions();
  searchField.setAttribute('placeholder', S.searchPlaceholder);
  queryInput.setAttribute('placeholder', S.queryPlaceholder);
  queryInput.setAttribute('title', S.queryHelp);
  queryInput.setAttribute('aria-label', S.queryRun);
  queryRunBtn.textContent = S.queryRun;
  queryClearBtn.textContent = S.queryClear;
  queryCancelBtn.textContent = S.queryCancel;
  statsBtn.textContent = S.statsButton;
  dupBtn.textContent = S.dupButton;
  dupBtn.setAttribute('title', S.dupHelp);
  galleryBtn.textContent = S.galleryButton;
  galleryBtn.setAttribute('title', S.galleryHelp);
  gallerySizeInput.setAttribute('aria-label', S.gallerySize);
  gallerySizeInput.setAttribute('title', S.gallerySize);
  (gallerySizeInput).value = String(gallerySize);
  if (state.gallery) showGallery(true);
  queryBar.hidden = !info.queryable;
  // a Parquet dataset has no text to reopen or lines to open at
  document.body.classList.toggle('parquet', info.parquet === true);
  caseBox.textContent = S.matchCase;
  regexBox.textContent = S.useRegex;
  prevBtn.setAttribute('title', S.prevMatch);
  nextBtn.setAttribute('title', S.nextMatch);
  gotoField.setAttribute('placeholder', S.goToPlaceholder);
  reopenBtn.textContent = S.reopenAsText;
  setNotices(info.deleted ? [S.fileDeleted, ...info.notices] : info.notices);
  renderHeader();
  list.setCount(indexStatus.records);
  if (info.kind === 'empty' || info.kind === 'binary') {
    detail.append(h('div', { class: 'muted empty-turns', text: info.kind === 'empty' ? S.emptyFile : S.binaryFile }));
  } else detail.append(h('div', { class: 'muted empty-turns', text: S.selectRecord }));
  const initial = selection.initial(indexStatus.records, info.initialIndex);
  if (initial !== undefined) select(initial);
  if (state.filter && !queryBar.hidden) {
    queryInput.value = state.filter;
    runQuery();
  }
  if (state.query) {
    setValue(searchField, state.query);
    setChecked(caseBox, state.caseSensitive === true);
    setChecked(regexBox, state.regex === true);
    startSearch();
  }
}

void start();
