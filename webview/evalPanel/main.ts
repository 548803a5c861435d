/**
 * The "VLM Lens: Eval" panel: run summary, charts (chart.js), samples worst first
 * (virtualized), comparison of two runs. All data arrives shaped from the host; dataset
 * text is only ever set through textContent.
 */
import { SamplesQueryState, chooseCompare, compareRows } from './panelState';
import { BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, LogarithmicScale, LineController, LineElement, PointElement, Title, Tooltip, type ChartConfiguration } from 'chart.js';
import type { BarGroup, CompareView, EvalPanelCommands, EvalPanelEvents, EvalPanelRequests, EvalPanelStrings, MetricsFileState, PanelState, RunView, SampleOrderView, SampleRowView } from '../../src/protocol/evalPanel';
import { append, clear, fmt, h } from '../shared/dom';
import { connect } from '../shared/rpcClient';
import { valueOf } from '../shared/controls';
import { VirtualList } from '../shared/virtualList';
import { curveCharts, smooth, type ChartSpec } from './curveCharts';

Chart.register(BarController, BarElement, CategoryScale, LinearScale, LogarithmicScale, LineController, LineElement, PointElement, Title, Tooltip, Legend);

const rpc = connect<EvalPanelRequests, EvalPanelCommands, EvalPanelEvents>();
const app = document.getElementById('app') as HTMLElement;
let S: EvalPanelStrings = {};
let state: PanelState = { runs: [], files: [], pinned: false };
const charts = new Map<string, Chart>();

const num = (v: number | undefined, digits = 4) => (v === undefined || !Number.isFinite(v) ? '–' : Number.isInteger(v) ? String(v) : v.toFixed(digits));
const css = (name: string, fallback: string) => getComputedStyle(document.body).getPropertyValue(name).trim() || fallback;
const selectedRun = (): RunView | undefined => state.runs.find((r) => r.id === state.selected);

/** `name value` facts in a row. */
function factsRow(facts: Array<[string, string | undefined]>): HTMLElement {
  const row = h('div', { class: 'facts' });
  for (const [k, v] of facts) if (v !== undefined) row.append(h('span', { class: 'fact' }, h('b', { text: `${k} ` }), v));
  return row;
}

/** The task / metric / value / source table (a run's metrics, or a file's). */
/**
 * Metrics as a table. A Task column only when the rows hold more than one task: one task is
 * said once in the caption (a long task name repeated per row pushed the values out of view),
 * none (a trainer_state) not at all.
 */
function metricsTable(rows: Array<{ task: string; name: string; value: number; source: string; primary?: boolean }>): HTMLElement {
  const tasks = [...new Set(rows.map((m) => m.task).filter(Boolean))];
  const perRow = tasks.length > 1;
  const body = h('tbody');
  for (const m of rows) body.append(h('tr', { class: m.primary ? 'primary' : undefined }, perRow && h('td', { class: 'task', text: m.task }), h('td', { text: m.name }), h('td', { class: 'num', text: num(m.value) }), h('td', { class: 'source', text: m.source })));
  const head = h('thead', {}, h('tr', {}, perRow && h('th', { text: S.task }), h('th', { text: S.metric }), h('th', { text: S.value }), h('th', { text: S.source })));
  return h('table', { class: 'metrics' }, !perRow && tasks.length === 1 && h('caption', { text: `${S.task}: ${tasks[0]}` }), head, body);
}

/** Error lines from the output, folded away. */
const errorsDetails = (errors: string[]) => h('details', {}, h('summary', { text: `${S.errors} (${errors.length})` }), h('pre', { text: errors.join('\n') }));

// ---------- layout ----------
const header = h('div', { class: 'header' });
const summary = h('section', { class: 'card summary', 'aria-label': 'summary' });
const chartsBox = h('section', { class: 'card charts' });
const samplesBox = h('section', { class: 'card samples' });
const compareBox = h('section', { class: 'card compare' });
const empty = h('div', { class: 'empty' });
append(app, header, empty, h('div', { class: 'grid' }, summary, chartsBox), samplesBox, compareBox);

// ---------- header: the run picker ----------
function renderHeader(): void {
  clear(header);
  const dd = h('vscode-single-select', { class: 'run-picker', 'aria-label': S.run });
  for (const r of state.runs) {
    const o = h('vscode-option', { value: r.id }, `${r.label} · ${r.when} · ${statusText(r.status)}`);
    if (r.id === state.selected) o.setAttribute('selected', '');
    dd.append(o);
  }
  for (const f of state.files) {
    const o = h('vscode-option', { value: f.id, title: f.path }, `${S.files}: ${f.name}`);
    if (f.id === state.selected) o.setAttribute('selected', '');
    dd.append(o);
  }
  dd.addEventListener('change', () => rpc.notify('select', { runId: valueOf(dd) }));
  const run = selectedRun();
  const file = state.file;
  append(
    header,
    h('label', { text: state.files.length ? S.runOrFile : S.run }),
    dd,
    state.pinned && h('vscode-button', { secondary: true, class: 'follow-newest', title: S.pinned, onclick: () => rpc.notify('followNewest', {}) }, S.followNewest),
    run && h('vscode-button', { secondary: true, onclick: () => rpc.notify('openLog', { runId: run.id }) }, S.openLog),
    run?.predictionsFile && h('vscode-button', { secondary: true, title: run.predictionsFile, onclick: () => run.predictionsFile && rpc.notify('openFile', { path: run.predictionsFile }) }, S.openPredictions),
    file && h('vscode-button', { secondary: true, onclick: () => rpc.notify('openFile', { path: file.path }) }, S.openFile),
    file && h('vscode-button', { secondary: true, onclick: () => rpc.notify('closeFile', { id: file.id }) }, S.closeFile),
  );
}

const statusText = (s: RunView['status']): string => S[`status.${s}`] ?? s;

// ---------- summary ----------
function renderSummary(run: RunView): void {
  clear(summary);
  const status = h('div', { class: `status status-${run.status}` }, `${S.status}: ${statusText(run.status)} · ${run.when}`);
  if (run.progress) append(status, ` · ${fmt(S.live, run.progress.percent, run.progress.n, run.progress.total)}`);
  const facts: Array<[string, string | undefined]> = [
    [S.exit, run.exitCode === undefined ? undefined : String(run.exitCode)],
    [S.duration, run.durationMs === undefined ? undefined : `${(run.durationMs / 1000).toFixed(1)} s`],
    [S.sampleCount, run.samples === undefined ? undefined : String(run.samples)],
  ];
  for (const c of run.counts) {
    if (c.unscored) facts.push([S.unscored, String(c.unscored)]);
    if (c.unparsed) facts.push([S.unparsed, String(c.unparsed)]);
  }
  append(summary, status, factsRow(facts));
  if (run.failure) append(summary, h('div', { class: 'failure', role: 'alert', text: run.failure }));
  if (run.reused) append(summary, h('div', { class: 'reused', role: 'status', text: run.reused }));
  if (run.slurm) append(summary, h('div', { class: 'slurm', text: run.slurm }));
  if (run.stderrTail?.length) append(summary, h('pre', { class: 'stderr', text: run.stderrTail.join('\n') }));
  if (run.metrics.length) summary.append(metricsTable(run.metrics.map((m) => ({ task: m.task ?? run.task ?? '', name: m.name, value: m.value, source: m.source === 'computed' ? S.computed : m.source, primary: m.name === run.primary }))));
  for (const c of run.counts) for (const n of c.notes) summary.append(h('div', { class: 'note', text: n }));
  for (const c of run.counts) if (c.confusion) summary.append(confusionTable(c.confusion));
  if (run.errors.length) summary.append(errorsDetails(run.errors));
}

/** A class-id file's confusion matrix: rows are labels, columns predictions, the diagonal in bold. */
function confusionTable(c: { classes: number[]; matrix: number[][] }): HTMLElement {
  const max = Math.max(1, ...c.matrix.flat());
  const body = h('tbody');
  c.classes.forEach((label, i) => {
    const tr = h('tr', {}, h('th', { text: String(label) }));
    c.classes.forEach((pred, j) => {
      const td = h('td', { class: `cell${i === j ? ' diag' : ''}`, 'data-label': label, 'data-pred': pred, text: String(c.matrix[i][j]) });
      td.style.setProperty('--shade', String(c.matrix[i][j] / max));
      tr.append(td);
    });
    body.append(tr);
  });
  return h('table', { class: 'confusion' }, h('caption', { text: S.confusion }), h('thead', {}, h('tr', {}, h('th', { text: S.labelPrediction }), ...c.classes.map((k) => h('th', { text: String(k) })))), body);
}

// ---------- charts ----------
function chartColours() {
  return { fg: css('--vscode-foreground', '#ccc'), grid: css('--vscode-editorWidget-border', 'rgba(128,128,128,0.3)') };
}

/** Series colours from the theme, in a fixed order. */
function palette(i: number): string {
  const names: Array<[string, string]> = [['--vscode-charts-blue', '#3794ff'], ['--vscode-charts-orange', '#d18616'], ['--vscode-charts-green', '#89d185'], ['--vscode-charts-purple', '#b180d7'], ['--vscode-charts-red', '#f14c4c'], ['--vscode-charts-yellow', '#cca700']];
  const [name, fallback] = names[i % names.length];
  return css(name, fallback);
}

const axisOf = (title: string) => {
  const col = chartColours();
  return { ticks: { color: col.fg }, grid: { color: col.grid }, title: { display: true, text: title, color: col.fg } };
};

/** A bar is never wider than this (px): a few bars in a wide panel stay bars, not walls. */
const MAX_BAR = 56;

/** Per-task bars, one chart per scale (IoU / accuracy apart from pixel errors). */
function renderBars(box: HTMLElement, groups: BarGroup[], keyPrefix: string): void {
  const col = chartColours();
  for (const [gi, g] of groups.entries()) {
    // one bar (one task, one source) says no more than the metrics table: not drawn
    if (g.categories.length === 1 && g.series.length === 1) continue;
    const scale = g.scale === 'score' ? S.scaleScore : g.scale === 'error' ? S.scaleError : S.scaleOther;
    const key = `${keyPrefix}-${gi}`;
    const { canvas, card } = chartCard(key, fmt(S.barsTitle, scale));
    box.append(card);
    const metrics = [...new Set(g.categories.map((c) => c.metric))];
    const single = metrics.length === 1;
    // one source (a results file) with several metrics per task: a bar per metric, grouped by task
    const pivot = g.series.length === 1 && !single;
    const tasks = [...new Set(g.categories.map((c) => c.task))];
    const valueAt = (task: string, metric: string) => {
      const i = g.categories.findIndex((c) => c.task === task && c.metric === metric);
      return i < 0 ? null : g.series[0].values[i];
    };
    draw(key, canvas, {
      type: 'bar',
      data: pivot
        ? { labels: tasks.map((t) => t || '–'), datasets: metrics.map((m, i) => ({ label: m, data: tasks.map((t) => valueAt(t, m)), backgroundColor: palette(i), maxBarThickness: MAX_BAR })) }
        : {
            labels: g.categories.map((c) => (single ? c.task || c.metric : c.task ? `${c.task} · ${c.metric}` : c.metric)),
            datasets: g.series.map((sr, i) => ({ label: sr.label, data: sr.values, backgroundColor: palette(i), maxBarThickness: MAX_BAR })),
          },
      options: {
        animation: false,
        maintainAspectRatio: false,
        plugins: { legend: { display: g.series.length > 1 || pivot, labels: { color: col.fg } }, tooltip: { enabled: true } },
        scales: { x: axisOf(S.task), y: { ...axisOf(single ? g.categories[0].metric : scale), beginAtZero: true, ...(g.scale === 'score' ? { max: 1 } : {}) } },
      },
    });
  }
}

function renderBarPicker(box: HTMLElement, run: RunView): void {
  const bars = state.bars;
  if (!bars) return;
  if (!bars.groups.length) box.append(h('div', { class: 'note', text: S.noBars }));
  else if (bars.groups.every((g) => g.series.length < 2)) box.append(h('div', { class: 'note', text: S.oneBarSeries }));
  if (bars.candidates.length < 2) return;
  const chosen = new Set(bars.chosen);
  const list = h('div', { class: 'bar-runs', role: 'group', 'aria-label': S.barRuns });
  for (const c of bars.candidates) {
    const cb = h('vscode-checkbox', { 'data-run': c.id }, `${c.checkpointName}${c.task ? ` · ${c.task}` : ''}${c.id === run.id ? ' ◀' : ''}`);
    if (chosen.has(c.id)) cb.setAttribute('checked', '');
    cb.addEventListener('change', () => {
      const ids = [...list.querySelectorAll<HTMLElement>('vscode-checkbox')].filter((x) => (x as HTMLElement & { checked?: boolean }).checked).map((x) => x.dataset.run as string);
      rpc.notify('setBarRuns', { ids });
    });
    list.append(cb);
  }
  box.append(h('details', { class: 'bar-picker', open: '' }, h('summary', { text: S.barRuns }), list, bars.moreCandidates > 0 && h('div', { class: 'note', text: fmt(S.moreCandidates, bars.moreCandidates) })));
}

function renderTrajectory(box: HTMLElement): void {
  const t = state.trajectory;
  if (!t || !t.curves.length) return;
  const col = chartColours();
  const { canvas, card } = chartCard('trajectory', fmt(S.trajTitle, t.unit));
  box.append(card);
  draw('trajectory', canvas, {
    type: 'line',
    data: { datasets: t.curves.map((c, i) => ({ label: fmt(S.trajLegend, c.metric, num(c.p50, 1), num(c.p90, 1)), data: c.points, borderColor: palette(i), backgroundColor: palette(i), pointRadius: 0, stepped: 'after' as const })) },
    options: {
      animation: false,
      maintainAspectRatio: false,
      parsing: false,
      plugins: { legend: { labels: { color: col.fg } } },
      scales: { x: { ...axisOf(fmt(S.trajX, t.unit)), type: 'linear', min: 0 }, y: { ...axisOf(S.trajY), min: 0, max: 1 } },
    },
  });
}

function chartCard(key: string, title: string): { canvas: HTMLCanvasElement; card: HTMLElement } {
  const canvas = h('canvas', { 'aria-label': title, role: 'img' });
  const card = h('div', { class: 'chart', 'data-chart': key }, h('div', { class: 'chart-head' }, h('span', { text: title }), h('vscode-button', { secondary: true, class: 'icon-button', title: S.savePng, 'aria-label': S.savePng, onclick: () => savePng(key) }, h('span', { class: 'codicon', text: '⤓' }))), h('div', { class: 'canvas-box' }, canvas));
  return { canvas, card };
}

function savePng(key: string): void {
  const c = charts.get(key);
  if (c) rpc.notify('savePng', { name: `${selectedRun()?.label ?? 'chart'}-${key}`.replace(/[^\w.-]+/g, '_'), dataUrl: c.toBase64Image('image/png', 1) });
}

function draw(key: string, canvas: HTMLCanvasElement, config: ChartConfiguration): void {
  charts.get(key)?.destroy();
  charts.set(key, new Chart(canvas, config));
}

/** Destroys every chart and empties the charts card. */
function resetCharts(): void {
  for (const c of charts.values()) c.destroy();
  charts.clear();
  clear(chartsBox);
}

function renderCharts(run: RunView): void {
  resetCharts();
  const col = chartColours();
  const hist = state.histogram;
  if (hist && hist.bins.some((b) => b.count > 0)) {
    const { canvas, card } = chartCard('histogram', fmt(S.histogramTitle, hist.metric));
    chartsBox.append(card);
    draw('histogram', canvas, {
      type: 'bar',
      data: { labels: hist.bins.map((b) => `${num(b.from, 2)}–${num(b.to, 2)}`), datasets: [{ label: S.histogramY, data: hist.bins.map((b) => b.count), backgroundColor: palette(0) }] },
      options: {
        animation: false,
        maintainAspectRatio: false,
        plugins: { legend: { display: false }, tooltip: { enabled: true } },
        scales: { x: axisOf(hist.metric), y: { ...axisOf(S.histogramY), beginAtZero: true, ticks: { color: col.fg, precision: 0 } } },
        onClick: (_e, els) => {
          const i = els[0]?.index;
          if (i !== undefined) setBin([hist.bins[i].from, hist.bins[i].to]);
        },
      },
    });
  } else chartsBox.append(h('div', { class: 'note', text: S.noHistogram }));
  const series = state.series;
  // one checkpoint is a dot, not a trend: said in words instead
  if (series && series.points.length > 1) {
    const { canvas, card } = chartCard('steps', fmt(S.seriesTitle, series.metric, series.higherIsBetter ? S.higherBetter : S.lowerBetter));
    chartsBox.append(card);
    draw('steps', canvas, {
      type: 'line',
      data: { labels: series.points.map((p) => (p.step === undefined ? p.label : String(p.step))), datasets: [{ label: `${series.profile}${series.task ? ` · ${series.task}` : ''}`, data: series.points.map((p) => p.value), borderColor: palette(1), backgroundColor: palette(1), pointRadius: series.points.map((p) => (p.runId === run.id ? 6 : 3)) }] },
      options: { animation: false, maintainAspectRatio: false, plugins: { legend: { labels: { color: col.fg } } }, scales: { x: axisOf(S.step), y: axisOf(series.metric) } },
    });
  } else if (series?.points.length === 1) chartsBox.append(h('div', { class: 'note', text: S.onePoint }));
  else chartsBox.append(h('div', { class: 'note', text: S.noSeries }));
  renderTrajectory(chartsBox);
  if (state.bars) renderBars(chartsBox, state.bars.groups, 'bars');
  renderBarPicker(chartsBox, run);
}

// ---------- a file shown with "Show Metrics in VLM Lens" ----------
function renderFile(file: MetricsFileState): void {
  resetCharts();
  clear(summary);
  clear(samplesBox);
  clear(compareBox);
  const v = file.view;
  append(summary, h('div', { class: 'status', text: `${S[`fileKind_${v.kind}`] ?? v.kind}: ${file.name}` }), h('div', { class: 'note file-path', text: file.path }), h('div', { class: 'note', text: fmt(S.readAt, new Date(file.readAt).toLocaleTimeString()) }));
  if (file.stale) summary.append(h('div', { class: 'failure', role: 'alert', text: file.stale }));
  if (v.failure) summary.append(h('div', { class: 'failure log-failure', role: 'alert', title: v.failure.line }, fmt(S.failureAt, String(v.failure.lineNo), v.failure.message), h('pre', { class: 'failure-line', text: v.failure.line })));
  else for (const e of v.errors.slice(0, 1)) if (!v.metrics.length) summary.append(h('div', { class: 'failure', role: 'alert', text: e }));
  if (v.facts.length) summary.append(factsRow(v.facts.map((f) => [f.name, f.value])));
  if (v.metrics.length) {
    summary.append(metricsTable(v.metrics.map((m) => ({ task: m.task ?? '', name: m.name, value: m.value, source: m.source }))));
    summary.append(h('div', { class: 'toolbar' }, h('vscode-button', { secondary: true, onclick: () => rpc.notify('exportFileMetrics', { id: file.id }) }, S.exportCsv)));
  }
  for (const n of v.notes) summary.append(h('div', { class: 'note', text: n }));
  if (v.errors.length && v.metrics.length) summary.append(errorsDetails(v.errors));
  renderCurveControls(file);
  for (const spec of curveCharts({ name: file.name, curves: v.curves }, state.overlays ?? [])) renderCurveChart(spec);
  if (v.pdm) renderPdm(v.pdm);
  renderBars(chartsBox, file.bars, 'file-bars');
  if (!v.curves.length && !file.bars.length) chartsBox.append(h('div', { class: 'note', text: S.noFileMetrics }));
}

// ---------- curves of a shown file: smoothing, log scale, best points, overlaid files ----------
let smoothing = 0;
/** per chart group: true / false when the user chose, else the default (log when values span 100×) */
const logChoice = new Map<string, boolean>();
const DASHES: number[][] = [[], [6, 3], [2, 2], [10, 4, 2, 4]];

function renderCurveControls(file: MetricsFileState): void {
  const others = state.files.filter((f) => f.id !== file.id);
  if (!file.view.curves.length && !(file.view.pdm && others.length)) return;
  const bar = h('div', { class: 'curve-controls toolbar' });
  if (file.view.curves.length) {
    const value = h('span', { class: 'smoothing-value', text: smoothing.toFixed(2) });
    const slider = h<'input'>('input', { type: 'range', min: '0', max: '0.99', step: '0.01', value: String(smoothing), class: 'smoothing', 'aria-label': S.smoothing });
    slider.addEventListener('input', () => {
      smoothing = Number(slider.value);
      value.textContent = smoothing.toFixed(2);
      redrawCurves();
    });
    bar.append(h('label', { class: 'smoothing-label' }, `${S.smoothing} `, slider, value));
  }
  if (others.length) {
    const chosen = new Set([...(state.overlays ?? []).map((o) => o.id), ...(state.pdmCompare ? [state.pdmCompare.other] : [])]);
    const list = h('div', { class: 'overlay-files', role: 'group', 'aria-label': S.overlayFiles });
    for (const f of others) {
      const cb = h('vscode-checkbox', { 'data-file': f.id }, f.name);
      if (chosen.has(f.id)) cb.setAttribute('checked', '');
      cb.addEventListener('change', () => {
        const ids = [...list.querySelectorAll<HTMLElement>('vscode-checkbox')].filter((x) => (x as HTMLElement & { checked?: boolean }).checked).map((x) => x.dataset.file as string);
        rpc.notify('setOverlays', { ids });
      });
      list.append(cb);
    }
    bar.append(h('span', { class: 'overlay-label', text: file.view.pdm ? S.pdmCompareWith : S.overlayFiles }), list);
  }
  chartsBox.append(bar);
}

/** Redraws the curve charts in place (the slider moves many times a second: no host round trip). */
function redrawCurves(): void {
  const file = state.file;
  if (!file) return;
  for (const spec of curveCharts({ name: file.name, curves: file.view.curves }, state.overlays ?? [])) renderCurveChart(spec, true);
}

function renderCurveChart(spec: ChartSpec, inPlace = false): void {
  const key = `curve-${spec.group}`;
  const title = S[`curve_${spec.group}`] ?? spec.group;
  let canvas: HTMLCanvasElement;
  let card: HTMLElement;
  const existing = inPlace ? chartsBox.querySelector<HTMLElement>(`.chart[data-chart="${key}"]`) : null;
  if (existing) {
    card = existing;
    canvas = existing.querySelector('canvas') as HTMLCanvasElement;
  } else {
    ({ canvas, card } = chartCard(key, title));
    const log = h('vscode-checkbox', { class: 'log-toggle', title: S.logScale }, S.logScale);
    if (logChoice.get(spec.group) ?? spec.logByDefault) log.setAttribute('checked', '');
    log.addEventListener('change', () => {
      logChoice.set(spec.group, !!(log as HTMLElement & { checked?: boolean }).checked);
      redrawCurves();
    });
    card.querySelector('.chart-head')?.append(log);
    chartsBox.append(card);
  }
  const positive = spec.series.every((s) => s.points.every((p) => p.y === null || p.y > 0));
  const log = positive && (logChoice.get(spec.group) ?? spec.logByDefault);
  const col = chartColours();
  const datasets = spec.series.flatMap((s) => {
    const colour = palette(s.colour);
    const line = { borderColor: colour, backgroundColor: colour, pointRadius: s.points.length > 60 ? 0 : 2, borderWidth: 1.5, spanGaps: false, borderDash: DASHES[s.dash % DASHES.length] };
    if (smoothing <= 0) return [{ ...line, label: s.label, data: s.points }];
    // the raw line stays, faint, under the smoothed one
    return [
      { ...line, label: `${s.label} (raw)`, data: s.points, borderColor: fade(colour), backgroundColor: fade(colour), pointRadius: 0, borderWidth: 1 },
      { ...line, label: s.label, data: smooth(s.points, smoothing) },
    ];
  });
  draw(key, canvas, {
    type: 'line',
    data: { datasets },
    options: {
      animation: false,
      maintainAspectRatio: false,
      parsing: false,
      plugins: { legend: { labels: { color: col.fg, filter: (item) => !String(item.text).endsWith(' (raw)') } } },
      scales: { x: { ...axisOf(S.step), type: 'linear' }, y: { ...axisOf(`${spec.series.length === 1 ? spec.series[0].label : S.value}${log ? ` (${S.logScale})` : ''}`), ...(log ? { type: 'logarithmic' as const } : {}), ...(spec.group === 'learningRate' || log ? { ticks: { color: col.fg, maxTicksLimit: 8, callback: (x: number | string) => (spec.group === 'learningRate' ? Number(x).toExponential(1) : Number(x) < 0.01 ? Number(x).toExponential(0) : String(Number(x))) } } : {}) } },
    },
  });
  card.querySelector('.best')?.remove();
  const bests = spec.series.filter((s) => s.best);
  if (bests.length) card.append(h('div', { class: 'best note' }, ...bests.map((s) => h('div', { text: fmt(s.best?.higherIsBetter ? S.bestHigh : S.bestLow, s.label, num(s.best?.value), String(s.best?.step)) }))));
}

/** A colour made faint (the raw line under a smoothed one). */
function fade(colour: string): string {
  const m = /^#([0-9a-f]{6})$/i.exec(colour.trim());
  if (!m) return colour;
  return `${colour.trim()}55`;
}

/** NAVSIM PDM results: the score distribution, the worst scenes, and another file scene by scene. */
function renderPdm(p: NonNullable<MetricsFileState['view']['pdm']>): void {
  const col = chartColours();
  const { canvas, card } = chartCard('pdm-histogram', S.pdmDistribution);
  chartsBox.append(card);
  draw('pdm-histogram', canvas, {
    type: 'bar',
    data: { labels: p.histogram.map((b) => `${b.from.toFixed(1)}–${b.to.toFixed(1)}`), datasets: [{ label: S.scenes, data: p.histogram.map((b) => b.count), backgroundColor: palette(0) }] },
    options: { animation: false, maintainAspectRatio: false, plugins: { legend: { display: false } }, scales: { x: { ...axisOf('score') }, y: { ...axisOf(S.scenes), ticks: { color: col.fg, precision: 0 } } } },
  });
  const rows = p.worst.slice(0, 10).map((w) => h('tr', {}, h('td', { text: w.token }), h('td', { class: 'num', text: num(w.score) }), h('td', { class: 'num', text: String(w.line) })));
  chartsBox.append(h('div', { class: 'pdm-worst' }, h('div', { class: 'chart-head', text: S.worstScenes }), h('table', { class: 'metrics' }, h('thead', {}, h('tr', {}, h('th', { text: 'token' }), h('th', { text: 'score' }), h('th', { text: S.line }))), h('tbody', {}, ...rows))));
  const c = state.pdmCompare;
  if (!c) return;
  const changes = c.largest.slice(0, 10).map((r) => h('tr', { class: r.delta > 0 ? 'better' : r.delta < 0 ? 'worse' : undefined }, h('td', { text: r.token }), h('td', { class: 'num', text: num(r.a) }), h('td', { class: 'num', text: num(r.b) }), h('td', { class: 'num', text: `${r.delta > 0 ? '+' : ''}${num(r.delta)}` })));
  chartsBox.append(
    h(
      'div',
      { class: 'pdm-compare' },
      h('div', { class: 'chart-head', text: fmt(S.pdmCompareTitle, c.otherName) }),
      h('div', { class: 'facts', text: fmt(S.pdmCompareSummary, String(c.common), num(c.meanA), num(c.meanB), String(c.better), String(c.worse), String(c.same)) }),
      h('table', { class: 'metrics' }, h('thead', {}, h('tr', {}, h('th', { text: 'token' }), h('th', { text: state.file?.name ?? '' }), h('th', { text: c.otherName }), h('th', { text: '±' }))), h('tbody', {}, ...changes)),
    ),
  );
}

// ---------- samples (virtualized; pages fetched from the host) ----------
const q = new SamplesQueryState();
let total = 0;
const pages = new Map<number, SampleRowView[]>();
const PAGE = 200;
const countLabel = h('span', { class: 'count' });
const binLabel = h('span', { class: 'bin' });
const list = new VirtualList({
  rowHeight: 24,
  renderRow: (el, i, selected) => {
    const row = pages.get(Math.floor(i / PAGE))?.[i % PAGE];
    clear(el);
    el.className = `vrow sample-row${selected ? ' selected' : ''}`;
    if (!row) {
      el.textContent = '…';
      return;
    }
    el.dataset.sample = String(row.index);
    append(el, h('span', { class: 'c-id', text: row.id ?? `#${row.index}` }), h('span', { class: 'c-score num', text: num(row.score) }), h('span', { class: 'c-pred', text: row.pred, title: row.pred }), h('span', { class: 'c-gt', text: row.gt, title: row.gt }), h('span', { class: 'c-note', text: row.note ?? '' }));
  },
  onSelect: (i) => {
    const row = pages.get(Math.floor(i / PAGE))?.[i % PAGE];
    const run = selectedRun();
    if (row && run) rpc.notify('openSample', { runId: run.id, index: row.index });
  },
  onRange: (first, last) => void fetchPages(first, last),
});

async function fetchPages(first: number, last: number): Promise<void> {
  const run = selectedRun();
  if (!run) return;
  const gen = q.generation;
  for (let p = Math.floor(first / PAGE); p <= Math.floor(last / PAGE); p++) {
    if (pages.has(p)) continue;
    pages.set(p, []);
    const r = await rpc.request('samples', q.params(run.id, p * PAGE, PAGE));
    if (!q.isCurrent(gen)) return;
    pages.set(p, r.rows);
    list.invalidate();
  }
}

async function reloadSamples(): Promise<void> {
  const run = selectedRun();
  const gen = q.bump();
  pages.clear();
  if (!run?.hasSamples) {
    total = 0;
    list.setCount(0);
    countLabel.textContent = '';
    return;
  }
  const r = await rpc.request('samples', q.params(run.id, 0, PAGE));
  if (!q.isCurrent(gen)) return;
  total = r.total;
  pages.set(0, r.rows);
  countLabel.textContent = fmt(S.shown, total);
  binLabel.textContent = q.bin ? fmt(S.binFilter, num(q.bin[0], 2), num(q.bin[1], 2)) : '';
  list.setCount(total);
  list.invalidate();
}

function setBin(b: [number, number] | undefined): void {
  q.bin = b;
  clearBin.hidden = !b;
  void reloadSamples();
  samplesBox.scrollIntoView({ block: 'nearest' });
}

const clearBin = h('vscode-button', { secondary: true, onclick: () => setBin(undefined) }, S.clearFilter);

function renderSamplesFrame(): void {
  clear(samplesBox);
  const run = selectedRun();
  if (!run?.hasSamples) return;
  const orderDd = h('vscode-single-select', { 'aria-label': 'order' }, h('vscode-option', { value: 'worst' }, S.worstFirst), h('vscode-option', { value: 'best' }, S.bestFirst), h('vscode-option', { value: 'file' }, S.fileOrder));
  orderDd.addEventListener('change', () => {
    q.order = valueOf(orderDd) as SampleOrderView;
    void reloadSamples();
  });
  const filter = h('vscode-textfield', { placeholder: S.filter, 'aria-label': S.filter });
  let t: ReturnType<typeof setTimeout> | undefined;
  filter.addEventListener('input', () => {
    clearTimeout(t);
    t = setTimeout(() => {
      q.text = valueOf(filter);
      void reloadSamples();
    }, 250);
  });
  clearBin.textContent = S.clearFilter;
  clearBin.hidden = !q.bin;
  const csv = h('vscode-button', { secondary: true, onclick: () => rpc.notify('exportSamples', { runId: run.id, order: q.order }) }, S.exportCsv);
  const head = h('div', { class: 'sample-row head' }, h('span', { class: 'c-id', text: S.id }), h('span', { class: 'c-score', text: S.score }), h('span', { class: 'c-pred', text: S.pred }), h('span', { class: 'c-gt', text: S.gt }), h('span', { class: 'c-note', text: '' }));
  append(samplesBox, h('div', { class: 'toolbar' }, h('b', { text: S.samples }), orderDd, filter, countLabel, binLabel, clearBin, csv), head, list.element);
}

// ---------- compare ----------
let compareWith: string | undefined;
/** the host's last proposal: applied once, so the user's own choice is kept after it */
let proposedCompare: string | undefined;
function renderCompareFrame(): void {
  clear(compareBox);
  const run = selectedRun();
  if (!run?.hasSamples) return;
  const others = state.runs.filter((r) => r.id !== run.id && r.profile === run.profile && r.task === run.task && r.hasSamples);
  append(compareBox, h('b', { text: S.compare }));
  if (others.length === 0) {
    compareBox.append(h('div', { class: 'note', text: S.noCompare }));
    return;
  }
  ({ compareWith, lastProposal: proposedCompare } = chooseCompare(others, { current: compareWith, proposed: state.compareWith, lastProposal: proposedCompare }));
  const dd = h('vscode-single-select', { 'aria-label': S.compareWith });
  for (const o of others) {
    const opt = h('vscode-option', { value: o.id }, `${o.label} (${o.step ?? o.checkpointName})`);
    if (o.id === compareWith) opt.setAttribute('selected', '');
    dd.append(opt);
  }
  const result = h('div', { class: 'compare-result' });
  dd.addEventListener('change', () => {
    compareWith = valueOf(dd);
    void loadCompare(result);
  });
  append(compareBox, h('div', { class: 'toolbar' }, h('span', { text: S.compareWith }), dd, h('vscode-button', { secondary: true, onclick: () => compareWith && rpc.notify('exportCompare', { a: compareWith, b: run.id }) }, S.exportCsv)), result);
  void loadCompare(result);
}

let compareFilter: 'all' | 'better' | 'worse' = 'all';
let compareSortDesc = false;
async function loadCompare(el: HTMLElement): Promise<void> {
  const run = selectedRun();
  if (!run || !compareWith) return;
  const c = await rpc.request('compare', { a: compareWith, b: run.id });
  clear(el);
  if ('error' in c) {
    el.append(h('div', { class: 'note', text: c.error }));
    return;
  }
  const nameOf = (id: string) => state.runs.find((r) => r.id === id)?.checkpointName ?? id;
  el.append(h('div', { class: 'compare-summary', text: fmt(S.compareSummary, nameOf(c.a), nameOf(c.b), num(c.meanA), num(c.meanB), num(c.meanDelta), c.better, c.worse, c.same) }));
  const filters = h('div', { class: 'toolbar' });
  for (const [k, label] of [['all', S.all], ['worse', S.worse], ['better', S.better]] as const) {
    filters.append(h('vscode-button', { secondary: compareFilter !== k, onclick: () => { compareFilter = k; void loadCompare(el); } }, label));
  }
  el.append(filters);
  renderCompareRows(el, c);
}

function renderCompareRows(el: HTMLElement, c: CompareView): void {
  const rows = compareRows(c, compareFilter, compareSortDesc);
  const head = h('div', { class: 'sample-row head' }, h('span', { class: 'c-id', text: S.id }), h('span', { class: 'c-score', text: 'A' }), h('span', { class: 'c-score', text: 'B' }), h('span', { class: 'c-score sortable', text: `${S.delta} ${compareSortDesc ? '▼' : '▲'}`, onclick: () => { compareSortDesc = !compareSortDesc; el.querySelector('.vlist')?.remove(); head.remove(); renderCompareRows(el, c); } }));
  const vl = new VirtualList({
    rowHeight: 24,
    renderRow: (row, i, selected) => {
      const r = rows[i];
      clear(row);
      row.className = `vrow sample-row change-${r.change ?? 'none'}${selected ? ' selected' : ''}`;
      append(row, h('span', { class: 'c-id', text: r.id }), h('span', { class: 'c-score num', text: num(r.a) }), h('span', { class: 'c-score num', text: num(r.b) }), h('span', { class: 'c-score num', text: r.delta === undefined ? '–' : `${r.delta > 0 ? '+' : ''}${num(r.delta)}` }));
    },
    onSelect: (i) => {
      const r = rows[i];
      if (r.indexB !== undefined) rpc.notify('openSample', { runId: c.b, index: r.indexB });
    },
    onRange: () => undefined,
  });
  el.querySelector('.vlist')?.remove();
  el.append(head, vl.element);
  vl.element.classList.add('compare-list');
  vl.setCount(rows.length);
}

// ---------- state ----------
let renderedRun = '';
function render(): void {
  renderHeader();
  const run = selectedRun();
  empty.textContent = state.runs.length ? '' : S.noRuns;
  empty.hidden = state.runs.length > 0;
  if (state.file && state.selected === state.file.id) {
    renderedRun = '';
    renderFile(state.file);
    return;
  }
  if (!run) {
    clear(summary);
    clear(chartsBox);
    clear(samplesBox);
    clear(compareBox);
    return;
  }
  renderSummary(run);
  renderCharts(run);
  // the samples and compare sections keep their scroll and filters while the same run updates
  const key = `${run.id}:${run.status}:${run.hasSamples}`;
  if (key !== renderedRun) {
    renderedRun = key;
    q.bin = undefined;
    renderSamplesFrame();
    renderCompareFrame();
    void reloadSamples();
  }
}

rpc.onNotification('state', (s) => {
  state = s;
  render();
});

void rpc.request('ready', {}).then((r) => {
  S = r.strings;
  state = r.state;
  render();
});

// theme changes restyle the charts (VS Code swaps the body's theme class)
new MutationObserver(() => {
  const run = selectedRun();
  if (state.file && state.selected === state.file.id) renderFile(state.file);
  else if (run) renderCharts(run);
}).observe(document.body, { attributes: true, attributeFilter: ['class'] });
