/**
 * The detail pane: one record as a conversation (turns with their images, reasoning
 * collapsible), its problems, and its raw JSON. Everything from the dataset is text.
 */
import { type FormatId, type ImageView, type NormalizedRecord, type Part, type PixelShape, type RecordDetail, type RecordScoresView, type Turn, type VideoView, type ViewerStrings } from '../../src/protocol/datasetViewer';
import { jsonTree, type TreeNode } from './jsonTree';
import { appendHighlighted, clear, fmt, h } from '../shared/dom';
import { RecordOverlayView, type OverlayHost } from './overlayPanel';

export interface DetailActions {
  openAtLine(line: number, column: number): void;
  copy(text: string): void;
  /** loads image `image` of the shown record at most `maxSize` px wide */
  loadImage(image: number, maxSize: number): Promise<ImageView>;
  /** shows an eval run in the Eval panel */
  showRun(runId: string): void;
  /** the shown record's video `video`, to play */
  loadVideo(video: number): Promise<VideoView>;
  /** opens a starting format descriptor for the shown record */
  describeFormat(): void;
  /** how a record's images are laid out (side by side, or one under the other), and remembering a change */
  imageLayout(): ImageLayout;
  setImageLayout(layout: ImageLayout): void;
  /** opens the setting of the folders images are looked for in */
  openImageRoots?: () => void;
  /** a Parquet dataset: problems are placed on rows, and there is no text to open at a line */
  readonly rows?: boolean;
}

export type ImageLayout = 'row' | 'stack';

const KIND_CLASS: Record<string, string> = { chosen: 'kind-chosen', rejected: 'kind-rejected', prediction: 'kind-pred', reference: 'kind-gt' };

/** Renders a record; returns its overlay view (to update when the convention changes), if it has geometry. */
export function renderDetail(root: HTMLElement, d: RecordDetail, total: number, s: ViewerStrings, labels: Record<FormatId, string>, actions: DetailActions, highlight: RegExp | undefined, overlayHost: OverlayHost): RecordOverlayView | undefined {
  clear(root);
  const rec = d.record;
  // what the record's problem rows say is not said again by a notice (mojibake, invalid UTF-8, a shape's flags)
  const listed = d.problems ?? [];
  const covered = new Set(listed.map((p) => p.code));
  const overlay = rec && d.geometry ? new RecordOverlayView(rec, d.geometry, s, overlayHost, covered) : undefined;
  const head = h(
    'div',
    { class: 'detail-head' },
    h('span', { class: 'detail-title', text: fmt(s.recordOf, d.index + 1, total) }),
    h('span', { class: 'muted line-label', text: fmt(s.lineLabel, d.line + 1) }),
    rec && h('vscode-badge', { class: 'format-tag', text: rec.formatLabel ?? labels[rec.format], title: rec.formatWhy ? fmt(s.formatWhy, rec.formatLabel ?? labels[rec.format], rec.formatWhy) : undefined }),
    rec?.id !== undefined && h('span', { class: 'detail-id', text: `id: ${rec.id}` }),
    rec?.classLabel !== undefined && h('vscode-badge', { class: 'class-label', text: `label ${rec.classLabel}` }),
    h('span', { class: 'spacer' }),
    h('vscode-button', { secondary: true, 'data-action': 'open-at-line', onclick: () => actions.openAtLine(d.parseError?.line ?? d.line, d.parseError?.column ?? d.column) }, fmt(s.openAtLine, (d.parseError?.line ?? d.line) + 1)),
    d.rawText.length > 0 && h('vscode-button', { secondary: true, 'data-action': 'copy-json', onclick: () => actions.copy(d.rawText) }, s.copyJson),
    rec?.format === 'unknown' && h('vscode-button', { secondary: true, 'data-action': 'describe-format', onclick: () => actions.describeFormat() }, s.describeFormat),
  );
  root.append(head);
  if (overlay) root.append(overlay.toolbar);
  // filled when the host answers (scoresStrip): reading run history must not hold up the record
  root.append(h('div', { class: 'record-scores-slot' }));

  if (d.parseError) {
    root.append(
      h(
        'div',
        { class: 'problem error', role: 'alert' },
        h('div', { text: fmt(s.parseErrorAt, d.parseError.line + 1, d.parseError.column + 1, d.parseError.message) }),
        errorContext(d),
      ),
    );
  }
  if (d.tooLarge) {
    root.append(
      h(
        'div',
        { class: 'problem warning', role: 'alert' },
        h('div', { text: fmt(s.lineTooLong, (d.tooLarge.bytes / 1024 / 1024).toFixed(1)) }),
        h('pre', { class: 'preview', text: d.tooLarge.preview + ' …' }),
      ),
    );
  }
  if (d.invalidUtf8 && !covered.has('VLM061')) root.append(h('div', { class: 'problem warning', text: fmt(s.invalidUtf8At, d.invalidUtf8.line + 1, d.invalidUtf8.column + 1) }));
  for (const m of d.mojibake ?? []) {
    if (listed.some((p) => p.code === 'VLM060' && p.message.includes(m.original))) continue;
    root.append(h('div', { class: 'problem warning mojibake', text: fmt(s.mojibakeFound, m.original, m.fixed, m.path.join('.')) }));
  }
  // the parse error is shown above with its context: its row would say it again
  const rows = d.parseError ? listed.filter((p) => p.code !== 'VLM001' && p.code !== 'VLM002') : listed;
  if (rows.length > 0) {
    root.append(
      h(
        'div',
        { class: 'record-problems', role: 'list', 'aria-label': s.problemsOfRecord },
        ...rows.map((p) =>
          h(
            'div',
            { class: `record-problem ${p.severity}`, role: 'listitem', 'data-code': p.code },
            h('span', { class: 'problem-code', text: p.code }),
            h('span', { class: 'problem-message', text: p.message }),
            actions.rows
              ? h('span', { class: 'problem-at', text: fmt(s.problemAtRow, p.line + 1) })
              : h('a', { class: 'problem-at', href: '#', title: fmt(s.openAtLine, p.line + 1), onclick: (e: Event) => (e.preventDefault(), actions.openAtLine(p.line, p.column)) }, fmt(s.problemAt, p.line + 1, p.column + 1)),
          ),
        ),
      ),
    );
  }
  if (rec && rec.notes.length > 0) root.append(h('div', { class: 'notes' }, h('strong', { text: s.notes + ': ' }), rec.notes.join('; ')));

  if (rec?.metaEntries) root.append(metaTable(rec, s));
  if (rec && rec.turns.length > 0) {
    const turns = h('div', { class: 'turns' });
    rec.turns.forEach((t, i) => turns.append(renderTurn(t, i, rec, s, actions, highlight, overlay)));
    root.append(turns);
    const ego = overlay?.egoFigure();
    if (ego) turns.after(ego);
  } else if (rec && !rec.metaEntries) {
    root.append(h('div', { class: 'muted empty-turns', text: s.noTurns }));
  }

  if (rec?.format === 'unknown' && d.rawText.length > 0 && !d.rawTruncated) {
    // a record no descriptor knows: its fields as a tree (the raw JSON stays below)
    let value: unknown;
    try {
      value = JSON.parse(d.rawText) as unknown;
    } catch {
      value = undefined;
    }
    if (value !== undefined) root.append(h('details', { class: 'json-tree', open: true }, h('summary', { text: s.jsonTree }), treeView(jsonTree(value), s)));
  }
  if (d.rawText.length > 0) {
    const pre = h('pre', { class: 'raw-json' });
    appendHighlighted(pre, d.rawText, highlight);
    if (d.rawTruncated) pre.append(`\n… (${d.rawTruncated.shown.toLocaleString('en-US')} / ${d.rawTruncated.total.toLocaleString('en-US')})`);
    const details = h('details', { class: 'raw' }, h('summary', { text: s.rawJson }), pre);
    // open when there is nothing else to show, or when a search hit is only visible here
    const hitOnlyInRaw = highlight !== undefined && pre.querySelector('mark') !== null && root.querySelector('.turns mark') === null;
    if (!rec || rec.turns.length === 0 || d.parseError || hitOnlyInRaw) details.open = true;
    root.append(details);
  }
  return overlay;
}

/** The record's scores in recent eval runs, newest first; each opens its run in the Eval panel. */
export function scoresStrip(v: RecordScoresView, s: ViewerStrings, actions: DetailActions): HTMLElement {
  const num = (x: number) => (Number.isInteger(x) ? String(x) : x.toFixed(Math.abs(x) >= 10 ? 1 : 3));
  const rows = v.rows.map((r) =>
    h(
      'a',
      { class: `record-score${r.via === 'file' ? ' this-file' : ''}`, href: '#', role: 'listitem', 'data-run': r.runId, title: s.showRunIn, onclick: (e: Event) => (e.preventDefault(), actions.showRun(r.runId)) },
      h('span', { class: 'score-run', text: r.checkpointName }),
      r.task !== undefined && h('span', { class: 'muted', text: r.task }),
      h('span', { class: 'score-metric', text: r.metric.replace(/^mean_/, '') }),
      h('b', { class: 'score-value', text: r.score === undefined || !Number.isFinite(r.score) ? s.scoreNone : num(r.score) }),
      h('span', { class: 'muted', text: r.via === 'file' ? s.scoreThisFile : s.scoreSameId }),
    ),
  );
  return h('div', { class: 'record-scores', role: 'list', 'aria-label': s.scoresTitle }, h('span', { class: 'scores-title', text: s.scoresTitle }), ...rows, v.more > 0 && h('span', { class: 'muted', text: fmt(s.scoresMore, v.more) }));
}

/** Marks the text a shape was read from in its turn, and scrolls it into view. */
export function highlightSource(root: HTMLElement, shape: PixelShape): void {
  for (const m of root.querySelectorAll('mark.source-span')) m.replaceWith(document.createTextNode(m.textContent ?? ''));
  const { turn, start, end } = shape.source;
  if (turn === undefined || start === undefined || end === undefined) return;
  let first: Element | undefined;
  for (const el of root.querySelectorAll<HTMLElement>(`.turn[data-turn="${turn}"] [data-offset]`)) {
    const off = Number(el.dataset.offset);
    const text = el.dataset.text ?? '';
    const a = Math.max(start, off);
    const b = Math.min(end, off + text.length);
    if (a >= b) continue;
    clear(el);
    el.append(text.slice(0, a - off), h('mark', { class: 'source-span', text: text.slice(a - off, b - off) }), text.slice(b - off));
    first ??= el.querySelector('mark.source-span') ?? undefined;
  }
  first?.scrollIntoView({ block: 'nearest', behavior: 'smooth' });
}

/** The broken line around the error, with the failing position marked. */
function errorContext(d: RecordDetail): HTMLElement | undefined {
  if (!d.parseError || d.rawText.length === 0) return undefined;
  const lines = d.rawText.split('\n');
  const rel = d.parseError.line - d.line;
  const text = lines[rel];
  if (text === undefined) return undefined;
  const col = d.parseError.column - (rel === 0 ? d.column : 0);
  const from = Math.max(0, col - 60);
  const before = text.slice(from, col);
  const at = text.slice(col, col + 1) || ' ';
  const after = text.slice(col + 1, col + 60);
  return h('pre', { class: 'error-context' }, from > 0 ? '…' : '', before, h('span', { class: 'error-at', text: at }), after, col + 60 < text.length ? '…' : '');
}

function metaTable(rec: NormalizedRecord, s: ViewerStrings): HTMLElement {
  const num = (n: number | undefined) => (n === undefined ? '' : n.toLocaleString('en-US'));
  const found = (ok: boolean | undefined) => (ok === false ? h('span', { class: 'meta-missing', text: ` ${s.metaNotFound}` }) : undefined);
  const table = h('table', { class: 'meta' }, h('tr', {}, ...['name', 'annotation', 'root', 'repeat_time', 'length', s.metaEffective].map((t) => h('th', { text: t }))));
  const entries = rec.metaEntries ?? [];
  for (const e of entries) {
    table.append(
      h(
        'tr',
        { 'data-annotation-found': e.annotationFound === undefined ? undefined : String(e.annotationFound) },
        h('td', { text: e.name }),
        h('td', {}, e.annotation ?? '', found(e.annotationFound)),
        h('td', {}, e.root ?? '', found(e.rootFound)),
        h('td', { class: 'num', text: e.repeatTime === undefined ? '' : String(e.repeatTime) }),
        h('td', { class: 'num', text: num(e.length) }),
        h('td', { class: 'num', text: num(e.effective) }),
      ),
    );
  }
  const total = entries.reduce((n, e) => n + (e.effective ?? 0), 0);
  table.append(h('tr', { class: 'meta-total' }, h('td', { text: fmt(s.metaTotal, entries.length) }), h('td', {}), h('td', {}), h('td', {}), h('td', {}), h('td', { class: 'num', text: num(total) })));
  const missing = entries.filter((e) => e.annotationFound === false || e.rootFound === false).length;
  const note = missing > 0 ? h('div', { class: 'problem warning', text: fmt(s.metaMissing, missing, (entries[0]?.lookedIn ?? []).join(', ')) }) : undefined;
  return h('div', { class: 'meta-wrap' }, h('h3', { text: s.metaEntries }), note, table);
}

function renderTurn(t: Turn, index: number, rec: NormalizedRecord, s: ViewerStrings, actions: DetailActions, highlight: RegExp | undefined, overlay: RecordOverlayView | undefined): HTMLElement {
  const kindLabel = t.kind ? { chosen: s.chosen, rejected: s.rejected, prediction: s.prediction, reference: s.reference }[t.kind] : undefined;
  const el = h(
    'div',
    { class: `turn role-${t.role} ${t.kind ? KIND_CLASS[t.kind] : ''}`, 'data-turn': index },
    h('div', { class: 'turn-role' }, t.rawRole || t.role, kindLabel ? h('span', { class: 'turn-kind', text: kindLabel }) : undefined),
  );
  const body = h('div', { class: 'turn-body' });
  // consecutive images (several cameras, before/after frames) form one group, laid out side
  // by side or stacked; the whitespace between their placeholders is not shown
  let group: HTMLElement | undefined;
  let gap: Node[] = [];
  for (const p of t.parts) {
    const isImage = p.type === 'media' && p.media === 'image';
    if (group && !isImage && p.type === 'text' && !p.text.trim()) {
      gap.push(renderPart(p, rec, s, actions, highlight, overlay));
      continue;
    }
    if (isImage) {
      if (!group) {
        group = h('div', { class: `media-group layout-${actions.imageLayout()}` });
        body.append(group);
      }
      gap = [];
      group.append(renderPart(p, rec, s, actions, highlight, overlay));
      continue;
    }
    if (group) body.append(...gap);
    group = undefined;
    gap = [];
    body.append(renderPart(p, rec, s, actions, highlight, overlay));
  }
  body.append(...gap);
  for (const g of body.querySelectorAll<HTMLElement>('.media-group')) if (g.children.length > 1) g.before(layoutToggle(g, s, actions));
  el.append(body);
  return el;
}

/** The switch between side by side and stacked, for a group of several images. */
function layoutToggle(group: HTMLElement, s: ViewerStrings, actions: DetailActions): HTMLElement {
  const label = (l: ImageLayout) => (l === 'row' ? s.imagesStacked : s.imagesSideBySide);
  const btn = h('vscode-button', { secondary: true, class: 'layout-toggle', 'data-layout': actions.imageLayout() }, label(actions.imageLayout()));
  btn.addEventListener('click', () => {
    const next: ImageLayout = actions.imageLayout() === 'row' ? 'stack' : 'row';
    actions.setImageLayout(next);
    // every group of the record follows
    for (const g of group.closest('.detail')?.querySelectorAll<HTMLElement>('.media-group') ?? [group]) g.className = `media-group layout-${next}`;
    for (const b of group.closest('.detail')?.querySelectorAll<HTMLElement>('.layout-toggle') ?? [btn]) {
      b.dataset.layout = next;
      b.textContent = label(next);
    }
  });
  return h('div', { class: 'layout-bar' }, btn);
}

function renderPart(p: Part, rec: NormalizedRecord, s: ViewerStrings, actions: DetailActions, highlight: RegExp | undefined, overlay: RecordOverlayView | undefined): Node {
  switch (p.type) {
    case 'text': {
      const span = h('span', { class: 'turn-text', 'data-offset': p.offset, 'data-text': p.text });
      appendHighlighted(span, p.text, highlight);
      return span;
    }
    case 'reasoning': {
      const body = h('div', { class: 'reasoning-text', 'data-offset': p.offset, 'data-text': p.text });
      appendHighlighted(body, p.text, highlight);
      return h('details', { class: `reasoning reasoning-${p.tag}` }, h('summary', { text: p.tag === 'think' ? s.reasoning : s.context }), body);
    }
    case 'media': {
      if (p.media === 'video') {
        const v = rec.videos[p.index];
        if (!v) return h('div', { class: 'media media-missing', text: fmt(s.video, '?') });
        return videoFigure(p.index, v.ref, s, actions);
      }
      const ref = rec.images[p.index];
      if (!ref) return h('div', { class: 'media media-missing', text: fmt(s.placeholderWithoutImage, p.index + 1) });
      return imageFigure(p.index, ref.ref, s, actions, overlay);
    }
  }
}

function imageFigure(index: number, ref: string, s: ViewerStrings, actions: DetailActions, overlay: RecordOverlayView | undefined): HTMLElement {
  const frame = h('div', { class: 'image-frame loading', 'data-image': index }, h('vscode-progress-ring', {}));
  const fig = h('figure', { class: 'media media-image' }, frame, h('figcaption', { class: 'muted', text: ref }));
  const width = Math.min(1600, Math.round(Math.max(320, (document.querySelector('.detail')?.clientWidth ?? 800) - 48) * (window.devicePixelRatio || 1)));
  actions
    .loadImage(index, width)
    .then((view) => {
      clear(frame);
      frame.classList.remove('loading');
      if (view.status === 'ok' && view.uri) {
        const img = h('img', { src: view.uri, alt: ref, width: view.width, height: view.height, 'data-source-width': view.sourceWidth, 'data-source-height': view.sourceHeight });
        frame.append(img);
        fitImage(img, fig, view);
        frame.dataset.status = 'ok';
        // the first image gets the overlay bar's shapes; another camera its own shapes, if any
        const attach = index === 0 && overlay ? () => overlay.attach(frame, img, view, fig) : overlay?.drawsOn(index) ? () => overlay.attachOther(index, frame, img, view) : undefined;
        if (attach) {
          if (img.complete) attach();
          else img.addEventListener('load', attach, { once: true });
        }
      } else {
        frame.dataset.status = view.status;
        frame.classList.add('image-placeholder');
        frame.append(placeholderText(view, s, actions.openImageRoots));
        if (index === 0) overlay?.noImage(fig);
      }
    })
    .catch(() => undefined);
  return fig;
}

function videoFigure(index: number, ref: string, s: ViewerStrings, actions: DetailActions): HTMLElement {
  const frame = h('div', { class: 'video-frame loading', 'data-video': index }, h('vscode-progress-ring', {}));
  const fig = h('figure', { class: 'media media-video' }, frame, h('figcaption', { class: 'muted', text: fmt(s.video, ref) }));
  actions
    .loadVideo(index)
    .then((view) => {
      clear(frame);
      frame.classList.remove('loading');
      frame.dataset.status = view.status;
      if (view.status === 'ok' && view.uri) {
        const video = h('video', { controls: true, preload: 'metadata', src: view.uri, 'data-mime': view.mime });
        // a codec the webview cannot decode: say so, and keep the reference visible
        video.addEventListener('error', () => {
          frame.dataset.status = 'unplayable';
          video.replaceWith(h('div', { class: 'placeholder-text', text: fmt(s.videoCannotPlay, view.mime ?? ref) }));
        });
        video.addEventListener('loadedmetadata', () => (frame.dataset.status = 'playable'), { once: true });
        frame.append(video);
        return;
      }
      const box = h('div', { class: 'placeholder-text' });
      if (view.status === 'missing') {
        box.append(h('div', { text: fmt(s.missingVideo, view.ref) }));
        if (view.tried?.length) box.append(h('div', { class: 'muted', text: s.triedPaths }), h('ul', {}, ...view.tried.map((p) => h('li', { text: p }))));
      } else if (view.status === 'outside') box.append(h('div', { text: fmt(s.videoOutside, view.message ?? view.ref) }));
      else box.append(h('div', { text: fmt(s.invalidImage, view.message ?? view.ref) }));
      frame.append(box);
    })
    .catch(() => undefined);
  return fig;
}

/** A JSON tree as nested <details>: keys and values as text only. */
function treeView(n: TreeNode, s: ViewerStrings): HTMLElement {
  if (!n.children) return h('div', { class: `tree-leaf tree-${n.type}` }, n.key !== '' && h('span', { class: 'tree-key', text: `${n.key}: ` }), h('span', { class: 'tree-value', text: n.text }));
  const body = h('div', { class: 'tree-children' }, ...n.children.map((c) => treeView(c, s)), n.more ? h('div', { class: 'muted', text: fmt(s.moreItems, n.more) }) : undefined);
  if (n.key === '') return body;
  return h('details', { class: `tree-branch tree-${n.type}`, open: n.children.length <= 8 }, h('summary', {}, h('span', { class: 'tree-key', text: n.key }), h('span', { class: 'muted', text: ` ${n.text}` })), body);
}

export function placeholderText(view: ImageView, s: ViewerStrings, onImageRoots?: () => void): HTMLElement {
  const box = h('div', { class: 'placeholder-text' });
  switch (view.status) {
    case 'missing':
      box.append(h('div', { text: fmt(s.missingImage, view.ref) }));
      if (view.tried?.length) box.append(h('div', { class: 'muted', text: s.triedPaths }), h('ul', {}, ...view.tried.map((p) => h('li', { text: p }))));
      if (onImageRoots) box.append(h('div', { class: 'muted image-roots-hint' }, s.imageRootsHint + ' ', h('a', { class: 'image-roots-open', href: '#', onclick: (e: Event) => (e.preventDefault(), onImageRoots()) }, s.imageRootsOpen)));
      break;
    case 'lmdb':
      box.append(h('div', { text: fmt(s.lmdbImage, view.message ?? view.ref) }));
      break;
    case 'url':
      box.append(h('div', { text: fmt(s.urlImage, view.ref) }));
      break;
    case 'unreadable':
      box.append(h('div', { text: fmt(s.unreadableImage, view.ref) }), h('div', { class: 'muted', text: view.message ?? '' }));
      break;
    default:
      box.append(h('div', { text: fmt(s.invalidImage, view.message ?? view.ref) }));
  }
  return box;
}

/**
 * An image as large as its figure allows: a small one (a 320×180 camera frame) is scaled up,
 * at most to 4× its own size; none is taller than 70% of the window. Follows the figure's width.
 */
function fitImage(img: HTMLImageElement, fig: HTMLElement, view: ImageView): void {
  const w = view.width ?? 0;
  const h = view.height ?? 0;
  if (!w || !h) return;
  const own = view.sourceWidth ?? w;
  const fit = () => {
    const avail = fig.clientWidth;
    if (!avail) return;
    const width = Math.min(avail, window.innerHeight * 0.7 * (w / h), own * 4);
    img.style.width = `${Math.max(1, Math.floor(width))}px`;
  };
  fit();
  new ResizeObserver(fit).observe(fig);
}
