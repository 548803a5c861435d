/**
 * The LeRobot view: a dataset's episodes (filter by task), one episode's camera videos side by
 * side on one timeline (frame-accurate seeking, keyboard stepping, playback kept in sync), its
 * reward bins and labels as a strip (and a classifier's predictions under them), its
 * per-frame signals as charts with a cursor (click to seek); the dataset's statistics and
 * label balance; a classifier's confusion matrix whose cells list their frames. All data
 * arrives shaped from the host; dataset text is only ever set through textContent.
 */
import { CategoryScale, Chart, Legend, LinearScale, LineController, LineElement, PointElement, Tooltip, type Plugin } from 'chart.js';
import type { CameraPane, EpisodeView, FramePrediction, LabelBalance, LeRobotStatRow, LeRobotCommands, LeRobotDatasetView, LeRobotEvents, LeRobotRequests, LeRobotStrings, PredictionsView } from '../../src/protocol/lerobot';
import { append, clear, fmt, h } from '../shared/dom';
import { connect } from '../shared/rpcClient';
import { valueOf } from '../shared/controls';
import { cellFrames, codecString, decimate, drifted, episodePredictions, filterEpisodes, keyStep, rowAtVideoTime, rowAtX, seekTime, shade } from './timeline';

Chart.register(CategoryScale, LinearScale, LineController, LineElement, PointElement, Tooltip, Legend);

const rpc = connect<LeRobotRequests, LeRobotCommands, LeRobotEvents>();
const app = document.getElementById('app') as HTMLElement;
let S: LeRobotStrings = {};
let dataset: LeRobotDatasetView | undefined;
let episode: EpisodeView | undefined;
let row = 0;
let playing = false;
let predictions: PredictionsView | undefined;
let episodePreds = new Map<number, number>();
let taskFilter = '';
const charts: Chart[] = [];
const videos: Array<{ pane: CameraPane; el: HTMLVideoElement; ok: boolean }> = [];

const css = (name: string, fallback: string) => getComputedStyle(document.body).getPropertyValue(name).trim() || fallback;
const num = (v: number | undefined, digits = 4) => (v === undefined || !Number.isFinite(v) ? '–' : Number.isInteger(v) ? String(v) : v.toFixed(digits));
function palette(i: number): string {
  const names: Array<[string, string]> = [['--vscode-charts-blue', '#3794ff'], ['--vscode-charts-orange', '#d18616'], ['--vscode-charts-green', '#89d185'], ['--vscode-charts-purple', '#b180d7'], ['--vscode-charts-red', '#f14c4c'], ['--vscode-charts-yellow', '#cca700']];
  const [name, fallback] = names[i % names.length];
  return css(name, fallback);
}

// ---------- layout ----------
const header = h('div', { class: 'lr-header' });
const tabs = h('div', { class: 'lr-tabs', role: 'tablist' });
const episodesBox = h('aside', { class: 'lr-episodes', 'aria-label': 'episodes' });
const episodeBox = h('section', { class: 'lr-episode', id: 'episode-view' });
const statsBox = h('section', { class: 'lr-stats', id: 'stats-view', hidden: true });
const classifierBox = h('section', { class: 'lr-classifier', id: 'classifier-view', hidden: true });
append(app, header, tabs, h('div', { class: 'lr-body' }, episodesBox, h('div', { class: 'lr-main' }, episodeBox, statsBox, classifierBox)));

type Tab = 'episode' | 'stats' | 'classifier';
function showTab(t: Tab): void {
  episodeBox.hidden = t !== 'episode';
  statsBox.hidden = t !== 'stats';
  classifierBox.hidden = t !== 'classifier';
  for (const b of Array.from(tabs.querySelectorAll('button'))) b.setAttribute('aria-selected', String(b.dataset.tab === t));
  if (t === 'stats') void renderStats();
  if (t === 'classifier') renderClassifier();
}

function renderHeader(d: LeRobotDatasetView): void {
  clear(header);
  const facts: Array<[string, string]> = [
    [S.version, d.codebaseVersion],
    [S.robot, d.robotType ?? '–'],
    [S.fps, String(d.fps)],
    [S.episodes, String(d.episodes.length + d.episodesNotRead)],
    [S.frames, String(d.frames)],
    [S.tasks, String(d.tasks.length)],
  ];
  header.append(h('h2', { text: d.name }), h('div', { class: 'facts' }, ...facts.map(([k, v]) => h('span', { class: 'fact' }, h('b', { text: `${k} ` }), v))));
  if (d.cameras.length) header.append(h('div', { class: 'facts cameras' }, ...d.cameras.map((c) => h('span', { class: 'fact' }, h('b', { text: `${c.key.replace(/^observation\.images\./, '')} ` }), `${c.codec ?? S.codecUnknown} ${c.width ?? '?'}×${c.height ?? '?'}`))));
  const feats = h('details', { class: 'features' }, h('summary', { text: fmt(S.featuresCount, d.features.length) }));
  const body = h('tbody');
  for (const f of d.features) body.append(h('tr', {}, h('td', { text: f.key }), h('td', { text: f.dtype }), h('td', { text: JSON.stringify(f.shape) }), h('td', { class: 'names', text: f.names?.join(', ') ?? '' })));
  feats.append(h('table', {}, h('thead', {}, h('tr', {}, h('th', { text: S.feature }), h('th', { text: S.dtype }), h('th', { text: S.shape }), h('th', { text: S.names }))), body));
  header.append(feats);
  if (d.problems.length) header.append(h('details', { class: 'problems', open: true }, h('summary', { text: fmt(S.problemsCount, d.problems.length) }), h('ul', {}, ...d.problems.map((p) => h('li', { text: p })))));
  clear(tabs);
  for (const [t, label] of [['episode', S.episodeTab], ['stats', S.statsTab], ['classifier', S.classifierTab]] as Array<[Tab, string]>) tabs.append(h('button', { class: 'tab', role: 'tab', 'data-tab': t, text: label, onclick: () => showTab(t) }));
}

function renderEpisodeList(d: LeRobotDatasetView): void {
  clear(episodesBox);
  const tasks = [...new Set(d.episodes.flatMap((e) => e.tasks))];
  if (tasks.length > 1) {
    const select = h('vscode-single-select', { id: 'task-filter', 'aria-label': S.filterByTask });
    select.append(h('vscode-option', { value: '', text: S.allTasks }), ...tasks.map((t) => h('vscode-option', { value: t, text: t })));
    select.addEventListener('change', () => {
      taskFilter = valueOf(select);
      renderEpisodeRows(d);
    });
    episodesBox.append(select);
  }
  episodesBox.append(h('div', { class: 'episode-rows' }));
  renderEpisodeRows(d);
}

const EPISODE_ROWS_SHOWN = 5000;
function renderEpisodeRows(d: LeRobotDatasetView): void {
  const box = episodesBox.querySelector('.episode-rows') as HTMLElement;
  clear(box);
  const shown = filterEpisodes(d.episodes, taskFilter);
  box.append(h('div', { class: 'muted count', text: fmt(S.episodesShown, Math.min(shown.length, EPISODE_ROWS_SHOWN), shown.length) }));
  for (const e of shown.slice(0, EPISODE_ROWS_SHOWN)) {
    const el = h(
      'button',
      { class: `episode-row${e.problems.length ? ' has-problems' : ''}${episode?.episode === e.index ? ' selected' : ''}`, 'data-episode': e.index, title: [e.tasks.join(' | '), ...e.problems].join('\n'), onclick: () => void openEpisode(e.index, 0) },
      h('span', { class: 'ep-index', text: `#${e.index}` }),
      h('span', { class: 'ep-len', text: fmt(S.episodeLength, e.length, num(e.duration, 1)) }),
      e.problems.length ? h('span', { class: 'ep-problem', text: '⚠' }) : null,
    );
    box.append(el);
  }
  if (d.episodesNotRead) box.append(h('div', { class: 'muted', text: fmt(S.episodesNotRead, d.episodesNotRead) }));
}

// ---------- episode ----------
const stripCanvas = (): HTMLCanvasElement | null => episodeBox.querySelector('#strip');

async function openEpisode(index: number, frame: number): Promise<void> {
  stop();
  showTab('episode');
  clear(episodeBox);
  episodeBox.append(h('div', { class: 'loading' }, h('vscode-progress-ring', {}), fmt(S.loadingEpisode, index)));
  let v: EpisodeView;
  try {
    v = await rpc.request('episode', { index });
  } catch (e) {
    clear(episodeBox);
    episodeBox.append(h('div', { class: 'error', text: fmt(S.episodeFailed, index, e instanceof Error ? e.message : String(e)) }));
    return;
  }
  episode = v;
  episodePreds = predictions ? episodePredictions(predictions.frames, v.episode) : new Map<number, number>();
  for (const el of Array.from(episodesBox.querySelectorAll('.episode-row'))) el.classList.toggle('selected', (el as HTMLElement).dataset.episode === String(index));
  renderEpisode(v);
  const r = v.frameIndex.indexOf(frame);
  seek(r >= 0 ? r : 0);
}

function renderEpisode(v: EpisodeView): void {
  clear(episodeBox);
  for (const c of charts.splice(0)) c.destroy();
  videos.length = 0;
  const title = h('div', { class: 'ep-title' }, h('h3', { text: fmt(S.episodeTitle, v.episode) }), v.task ? h('span', { class: 'task', text: v.task }) : null);
  episodeBox.append(title);
  if (v.problems.length) episodeBox.append(h('ul', { class: 'ep-problems' }, ...v.problems.map((p) => h('li', { text: p }))));
  if (v.framesNotRead) episodeBox.append(h('div', { class: 'notice', text: fmt(S.framesNotRead, v.framesNotRead, v.rows) }));
  // cameras
  const grid = h('div', { class: `cameras n${Math.min(v.cameras.length, 4)}` });
  for (const pane of v.cameras) grid.append(cameraPane(pane));
  if (v.cameras.length) episodeBox.append(grid);
  else episodeBox.append(h('div', { class: 'muted', text: S.noCameras }));
  // timeline
  const slider = h('input', { type: 'range', id: 'timeline', min: 0, max: Math.max(0, v.rows - 1), step: 1, value: 0, 'aria-label': S.timeline });
  slider.addEventListener('input', () => seek(Number(slider.value)));
  const play = h('vscode-button', { id: 'play', secondary: true, text: S.play, onclick: () => (playing ? stop() : start()) });
  const readout = h('span', { id: 'frame-readout', class: 'readout' });
  episodeBox.append(h('div', { class: 'timeline' }, play, slider, readout), h('div', { class: 'muted hint', text: S.keysHint }));
  // strip: reward bins, label, predictions
  if (v.labels || episodePreds.size) {
    const canvas = h('canvas', { id: 'strip', class: 'strip', height: stripHeight(v) });
    canvas.addEventListener('click', (e) => seek(rowAtX(e.offsetX, canvas.clientWidth, v.rows)));
    episodeBox.append(h('div', { class: 'strip-box' }, h('div', { class: 'strip-legend', text: stripLegend(v) }), canvas));
  }
  // signals
  const box = h('div', { class: 'signals' });
  v.signals.forEach((s, i) => box.append(signalChart(s, i)));
  episodeBox.append(box);
  void drawStrip();
}

function stripHeight(v: EpisodeView): number {
  const bins = v.labels?.bins ? v.labels.classes : 0;
  return bins * 8 + (v.labels ? 14 : 0) + (episodePreds.size ? 14 : 0) + 4;
}

function stripLegend(v: EpisodeView): string {
  const parts: string[] = [];
  if (v.labels?.bins) parts.push(fmt(S.stripBins, v.labels.key, v.labels.classes));
  if (v.labels) parts.push(S.stripLabel);
  if (episodePreds.size) parts.push(S.stripPredictions);
  return parts.join(' · ');
}

function cameraPane(pane: CameraPane): HTMLElement {
  const fig = h('figure', { class: 'camera', 'data-camera': pane.key });
  const caption = h('figcaption', {}, h('b', { text: pane.label }), ` ${pane.codec ?? S.codecUnknown}`);
  if (pane.status !== 'ok' || !pane.uri) {
    fig.append(h('div', { class: 'placeholder-text', text: pane.status === 'missing' ? fmt(S.videoMissing, pane.message ?? '') : fmt(S.videoOutside, pane.message ?? '') }), caption);
    return fig;
  }
  const el = h('video', { muted: true, preload: 'auto', playsinline: true, src: pane.uri, 'data-key': pane.key });
  el.muted = true;
  const entry = { pane, el, ok: true };
  const cannot = () => {
    entry.ok = false;
    fig.dataset.status = 'unplayable';
    // the codec check passed (or could not be made): the file itself does not play
    el.replaceWith(h('div', { class: 'placeholder-text', text: fmt(S.cannotPlayFile, pane.file, pane.codec ?? S.codecUnknown) }));
  };
  const cs = codecString(pane.codec);
  if (cs && pane.mime && el.canPlayType(`${pane.mime}; codecs="${cs}"`) === '') {
    fig.append(h('div', { class: 'placeholder-text', text: fmt(S.cannotPlay, pane.codec ?? '?') }), caption);
    fig.dataset.status = 'unplayable';
    return fig;
  }
  el.addEventListener('error', cannot, { once: true });
  el.addEventListener('loadeddata', () => (fig.dataset.status = 'playable'), { once: true });
  el.addEventListener('seeked', () => (fig.dataset.seekedAt = String(el.currentTime)));
  videos.push(entry);
  fig.append(el, caption);
  return fig;
}

/** A vertical line at the current frame on every signal chart. */
const cursorPlugin: Plugin<'line'> = {
  id: 'frameCursor',
  afterDatasetsDraw(chart) {
    if (!episode) return;
    const x = chart.scales.x.getPixelForValue(row);
    const { top, bottom } = chart.chartArea;
    const ctx = chart.ctx;
    ctx.save();
    ctx.strokeStyle = css('--vscode-editorCursor-foreground', '#fff');
    ctx.lineWidth = 1;
    ctx.beginPath();
    ctx.moveTo(x, top);
    ctx.lineTo(x, bottom);
    ctx.stroke();
    ctx.restore();
  },
};

function signalChart(s: EpisodeView['signals'][number], i: number): HTMLElement {
  const canvas = h('canvas', { class: 'signal-canvas', 'data-signal': s.key });
  const fg = css('--vscode-foreground', '#ccc');
  const grid = css('--vscode-editorWidget-border', 'rgba(128,128,128,0.3)');
  const chart = new Chart(canvas, {
    type: 'line',
    data: { datasets: s.names.map((n, c) => ({ label: n, data: decimate(s.values[c] ?? []), borderColor: palette(c + i), backgroundColor: palette(c + i), pointRadius: 0, borderWidth: 1.2 })) },
    options: {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      parsing: false,
      normalized: true,
      interaction: { mode: 'nearest', intersect: false, axis: 'x' },
      onClick: (e, _els, ch) => {
        if (e.x === null || e.x === undefined) return;
        const v = ch.scales.x.getValueForPixel(e.x);
        if (v !== undefined && episode) seek(Math.max(0, Math.min(episode.rows - 1, Math.round(v))));
      },
      scales: {
        x: { type: 'linear', min: 0, max: Math.max(1, (episode?.rows ?? 1) - 1), ticks: { color: fg }, grid: { color: grid }, title: { display: true, text: S.frameAxis, color: fg } },
        y: { ticks: { color: fg }, grid: { color: grid } },
      },
      plugins: { legend: { labels: { color: fg, boxWidth: 10 }, display: s.names.length <= 16 }, tooltip: { enabled: true } },
    },
    plugins: [cursorPlugin],
  });
  charts.push(chart);
  return h('div', { class: 'signal' }, h('div', { class: 'signal-title', text: s.key }), h('div', { class: 'signal-chart' }, canvas));
}

function drawStrip(): void {
  const canvas = stripCanvas();
  const v = episode;
  if (!canvas || !v) return;
  const width = canvas.clientWidth || 600;
  canvas.width = width;
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  const colW = width / Math.max(1, v.rows);
  let y = 0;
  const bins = v.labels?.bins;
  if (bins && v.labels) {
    // a loop, not a spread: an episode's bins can be more numbers than a call takes arguments
    const max = bins.reduce((m, row) => row.reduce((mm, v) => (Number.isFinite(v) ? Math.max(mm, v) : mm), m), 0);
    const base = palette(0);
    for (let b = 0; b < v.labels.classes; b++) {
      for (let r = 0; r < v.rows; r++) {
        ctx.globalAlpha = 0.1 + 0.9 * shade(bins[r]?.[b] ?? 0, max);
        ctx.fillStyle = base;
        ctx.fillRect(r * colW, y, Math.ceil(colW), 7);
      }
      y += 8;
    }
    ctx.globalAlpha = 1;
  }
  if (v.labels) {
    for (let r = 0; r < v.rows; r++) {
      const c = v.labels.values[r];
      ctx.fillStyle = c < 0 ? css('--vscode-disabledForeground', '#777') : palette(c + 1);
      ctx.fillRect(r * colW, y, Math.ceil(colW), 12);
    }
    y += 14;
  }
  if (episodePreds.size) {
    for (let r = 0; r < v.rows; r++) {
      const p = episodePreds.get(v.frameIndex[r]);
      if (p === undefined) continue;
      ctx.fillStyle = palette(p + 1);
      ctx.fillRect(r * colW, y, Math.ceil(colW), 12);
      // a wrong prediction is marked under its frame
      if (v.labels && v.labels.values[r] >= 0 && v.labels.values[r] !== p) {
        ctx.fillStyle = css('--vscode-errorForeground', '#f14c4c');
        ctx.fillRect(r * colW, y + 10, Math.ceil(colW), 2);
      }
    }
  }
  ctx.strokeStyle = css('--vscode-editorCursor-foreground', '#fff');
  ctx.lineWidth = 2;
  ctx.beginPath();
  ctx.moveTo((row + 0.5) * colW, 0);
  ctx.lineTo((row + 0.5) * colW, canvas.height);
  ctx.stroke();
}

/** Shows frame `r`: every camera sought to it, the readout, the strip and chart cursors. */
function seek(r: number, fromVideo = false): void {
  const v = episode;
  if (!v || v.rows === 0) return;
  row = Math.max(0, Math.min(v.rows - 1, r));
  if (!fromVideo) {
    for (const { pane, el, ok } of videos) if (ok) el.currentTime = seekTime(v.timestamp, row, dataset?.fps ?? 30, pane.from);
  }
  updateCursors();
  rpc.notify('position', { episode: v.episode, frame: v.frameIndex[row] ?? row });
}

function updateCursors(): void {
  const v = episode;
  if (!v) return;
  const slider = episodeBox.querySelector<HTMLInputElement>('#timeline');
  if (slider) slider.value = String(row);
  const readout = episodeBox.querySelector('#frame-readout');
  if (readout) {
    const label = v.labels ? v.labels.values[row] : undefined;
    const pred = episodePreds.get(v.frameIndex[row]);
    readout.textContent = [
      fmt(S.frameReadout, v.frameIndex[row] ?? row, v.rows - 1, num(v.timestamp[row], 3)),
      label !== undefined && label >= 0 ? fmt(S.labelReadout, label) : '',
      pred !== undefined ? fmt(S.predReadout, pred) : '',
    ]
      .filter(Boolean)
      .join(' · ');
    (readout as HTMLElement).dataset.frame = String(v.frameIndex[row] ?? row);
  }
  for (const c of charts) c.draw();
  drawStrip();
}

// playback: the first playable camera is the clock; the others follow it when they drift
let raf = 0;
let timer: ReturnType<typeof setInterval> | undefined;
function start(): void {
  const v = episode;
  if (!v || playing) return;
  if (row >= v.rows - 1) seek(0);
  playing = true;
  setPlayLabel();
  const live = videos.filter((x) => x.ok);
  if (live.length === 0) {
    // no camera can play: step the frames at the dataset's fps, the signals still move
    timer = setInterval(() => {
      if (!episode || row >= episode.rows - 1) return stop();
      seek(row + 1);
    }, 1000 / (dataset?.fps ?? 30));
    return;
  }
  for (const x of live) void x.el.play().catch(() => undefined);
  const master = live[0];
  const tick = () => {
    if (!playing || !episode) return;
    const fps = dataset?.fps ?? 30;
    const r = rowAtVideoTime(episode.timestamp, master.el.currentTime, master.pane.from);
    for (const x of live.slice(1)) if (drifted(master.el.currentTime, master.pane.from, x.el.currentTime, x.pane.from, fps)) x.el.currentTime = master.el.currentTime - master.pane.from + x.pane.from;
    if (r !== row) {
      row = r;
      updateCursors();
    }
    if (master.el.ended || r >= episode.rows - 1) return stop();
    raf = requestAnimationFrame(tick);
  };
  master.el.addEventListener('ended', () => stop(), { once: true });
  raf = requestAnimationFrame(tick);
}

function stop(): void {
  if (!playing) return;
  playing = false;
  cancelAnimationFrame(raf);
  if (timer) clearInterval(timer);
  timer = undefined;
  for (const x of videos) if (x.ok) x.el.pause();
  setPlayLabel();
  // land every camera exactly on the frame shown
  seek(row);
}

function setPlayLabel(): void {
  const b = episodeBox.querySelector('#play');
  if (b) b.textContent = playing ? S.pause : S.play;
}

document.addEventListener('keydown', (e) => {
  const target = e.target as HTMLElement | null;
  if (target && (target.tagName === 'INPUT' && (target as HTMLInputElement).type !== 'range' || target.tagName === 'TEXTAREA' || target.tagName.startsWith('VSCODE-TEXT'))) return;
  if (!episode || episodeBox.hidden) return;
  if (e.key === ' ') {
    e.preventDefault();
    if (playing) stop();
    else start();
    return;
  }
  const next = keyStep(e.key, e.shiftKey, row, episode.rows);
  if (next === undefined) return;
  e.preventDefault();
  stop();
  seek(next);
});

window.addEventListener('resize', () => drawStrip());

// ---------- statistics ----------
let balance: LabelBalance | null | undefined;
let computed: { rows: LeRobotStatRow[]; filesRead: number; error?: string } | undefined;
async function renderStats(): Promise<void> {
  const d = dataset;
  if (!d) return;
  clear(statsBox);
  statsBox.append(h('h3', { text: S.featureStats }));
  let stats = d.stats;
  let source = d.statsSource === 'none' ? '' : fmt(S.statsFrom, d.statsSource);
  if (d.statsSource === 'none' && d.readable) {
    // the dataset ships no statistics: computed from its data files (once)
    if (!computed) {
      const wait = h('div', { class: 'loading' }, h('vscode-progress-ring', {}), S.computingStats);
      statsBox.append(wait);
      computed = await rpc.request('computeStats', {}).catch((e: unknown) => ({ rows: [], filesRead: 0, error: e instanceof Error ? e.message : String(e) }));
      wait.remove();
    }
    stats = computed.rows;
    source = 'error' in computed ? String(computed.error) : computed.filesRead ? fmt(S.statsComputed, computed.filesRead) : S.statsNone;
  }
  statsBox.append(h('div', { class: 'muted', id: 'stats-source', text: source }));
  const body = h('tbody');
  for (const s of stats) s.names.forEach((n, i) => body.append(h('tr', {}, h('td', { text: s.key }), h('td', { text: n }), h('td', { class: 'num', text: num(s.min[i]) }), h('td', { class: 'num', text: num(s.mean[i]) }), h('td', { class: 'num', text: num(s.max[i]) }), h('td', { class: 'num', text: String(s.count) }))));
  if (stats.length) statsBox.append(h('table', { class: 'stats-table' }, h('thead', {}, h('tr', {}, h('th', { text: S.feature }), h('th', { text: S.component }), h('th', { text: S.min }), h('th', { text: S.mean }), h('th', { text: S.max }), h('th', { text: S.count }))), body));
  const bal = h('div', { class: 'balance', id: 'balance' });
  statsBox.append(h('h3', { text: S.labelBalance }), bal);
  if (!d.label) {
    bal.append(h('div', { class: 'muted', text: S.noLabels }));
    return;
  }
  if (balance === undefined) {
    bal.append(h('div', { class: 'loading' }, h('vscode-progress-ring', {}), S.countingLabels));
    try {
      balance = await rpc.request('balance', {});
    } catch (e) {
      clear(bal);
      bal.append(h('div', { class: 'error', text: e instanceof Error ? e.message : String(e) }));
      return;
    }
    clear(bal);
  }
  if (!balance) return;
  const b = balance;
  const all = b.total.reduce((a, x) => a + x, 0);
  bal.append(h('div', { class: 'muted', text: fmt(S.balanceOf, b.key, all, b.filesRead) }));
  const max = Math.max(1, ...b.total);
  b.total.forEach((n, c) => {
    const bar = h('div', { class: 'bar-fill', 'data-class': c });
    bar.style.width = `${(100 * n) / max}%`;
    bar.style.background = palette(c + 1);
    bal.append(h('div', { class: 'bar-row' }, h('span', { class: 'bar-label', text: fmt(S.classN, c) }), h('div', { class: 'bar' }, bar), h('span', { class: 'num', text: `${n} (${num((100 * n) / Math.max(1, all), 1)}%)` })));
  });
  if (b.unlabelled) bal.append(h('div', { class: 'muted', text: fmt(S.unlabelled, b.unlabelled) }));
  const per = h('tbody');
  for (const e of b.perEpisode) per.append(h('tr', { class: 'clickable', onclick: () => void openEpisode(e.episode, 0) }, h('td', { text: `#${e.episode}` }), ...e.counts.map((n) => h('td', { class: 'num', text: String(n) }))));
  statsBox.append(h('details', { class: 'per-episode' }, h('summary', { text: S.perEpisode }), h('table', {}, h('thead', {}, h('tr', {}, h('th', { text: S.episodeCol }), ...b.total.map((_, c) => h('th', { text: fmt(S.classN, c) })))), per)));
}

// ---------- classifier ----------
function renderClassifier(): void {
  clear(classifierBox);
  const load = h('vscode-button', { id: 'load-predictions', text: predictions ? S.loadOtherPredictions : S.loadPredictions, onclick: () => void loadPredictions() });
  classifierBox.append(h('div', { class: 'muted', text: S.classifierHint }), load);
  const p = predictions;
  if (!p) return;
  classifierBox.append(h('div', { class: 'pred-file', text: p.file }));
  const m = Object.entries(p.metrics).map(([k, v]) => h('span', { class: 'fact' }, h('b', { text: `${k} ` }), num(v)));
  classifierBox.append(h('div', { class: 'facts metrics' }, ...m, h('span', { class: 'fact' }, h('b', { text: `${S.samples} ` }), String(p.samples)), h('span', { class: 'fact' }, h('b', { text: `${S.unscorable} ` }), String(p.unscored))));
  if (p.notes.length) classifierBox.append(h('ul', { class: 'notes' }, ...p.notes.map((n) => h('li', { text: n }))));
  const r = p.report;
  if (!r || r.classes.length === 0) {
    classifierBox.append(h('div', { class: 'muted', text: S.nothingScored }));
    return;
  }
  const max = Math.max(1, ...r.matrix.flat());
  const frames = h('div', { class: 'cell-frames', id: 'cell-frames' });
  const table = h('table', { class: 'confusion', id: 'confusion' });
  table.append(h('caption', { text: S.confusionCaption }), h('thead', {}, h('tr', {}, h('th', { text: S.labelPred }), ...r.classes.map((c) => h('th', { text: String(c) })))));
  const body = h('tbody');
  r.classes.forEach((label, i) => {
    const tr = h('tr', {}, h('th', { text: String(label) }));
    r.classes.forEach((pred, j) => {
      const n = r.matrix[i][j];
      const td = h('td', { class: `cell${i === j ? ' diag' : ''}`, 'data-label': label, 'data-pred': pred, text: String(n), title: fmt(S.cellTitle, n, label, pred), onclick: () => showCell(frames, p.frames, label, pred) });
      td.style.setProperty('--shade', String(shade(n, max)));
      tr.append(td);
    });
    body.append(tr);
  });
  table.append(body);
  const per = h('tbody');
  for (const c of r.perClass) per.append(h('tr', {}, h('td', { text: String(c.cls) }), h('td', { class: 'num', text: String(c.support) }), h('td', { class: 'num', text: String(c.predicted) }), h('td', { class: 'num', text: num(c.precision) }), h('td', { class: 'num', text: num(c.recall) }), h('td', { class: 'num', text: num(c.f1) })));
  classifierBox.append(h('div', { class: 'matrix-row' }, table, h('table', { class: 'per-class' }, h('thead', {}, h('tr', {}, h('th', { text: S.classCol }), h('th', { text: S.support }), h('th', { text: S.predicted }), h('th', { text: S.precision }), h('th', { text: S.recall }), h('th', { text: 'F1' }))), per)), frames);
}

const CELL_FRAMES_SHOWN = 500;
function showCell(box: HTMLElement, all: FramePrediction[], label: number, pred: number): void {
  clear(box);
  const hits = cellFrames(all, label, pred);
  box.append(h('div', { class: 'muted', text: fmt(S.cellFrames, hits.length, label, pred, Math.min(hits.length, CELL_FRAMES_SHOWN)) }));
  const list = h('div', { class: 'frame-chips' });
  for (const f of hits.slice(0, CELL_FRAMES_SHOWN)) list.append(h('button', { class: 'frame-chip', text: fmt(S.episodeFrame, f.episode, f.frame), onclick: () => void openEpisode(f.episode, f.frame) }));
  box.append(list);
}

async function loadPredictions(): Promise<void> {
  const p = await rpc.request('loadPredictions', {});
  if (!p) return;
  predictions = p;
  if (episode) {
    episodePreds = episodePredictions(p.frames, episode.episode);
    renderEpisode(episode);
    seek(row);
  }
  renderClassifier();
}

// ---------- start ----------
void (async () => {
  const init = await rpc.request('ready', {});
  S = init.strings;
  dataset = init.dataset;
  renderHeader(init.dataset);
  renderEpisodeList(init.dataset);
  if (!init.dataset.readable || init.dataset.episodes.length === 0) {
    showTab('episode');
    episodeBox.append(h('div', { class: 'muted', text: init.dataset.readable ? S.noEpisodes : S.unreadable }));
    return;
  }
  const remembered = init.position && init.dataset.episodes.some((e) => e.index === init.position?.episode) ? init.position : undefined;
  const first = remembered?.episode ?? init.dataset.episodes.find((e) => e.problems.length === 0)?.index ?? init.dataset.episodes[0].index;
  await openEpisode(first, remembered?.frame ?? 0);
})();
