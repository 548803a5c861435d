/**
 * The field statistics view (in the detail pane): one card per field with its type, how
 * many records have it, distinct values, a histogram for numbers and the most common
 * values; a click on a value or a bar filters the list to its records. Text only through
 * textContent (dataset values are never markup).
 */
import type { Bin, CountDist, FieldStat, FieldStatsResult, RecordStats, ValueCount, ViewerStrings } from '../../src/protocol/datasetViewer';
import { fmt, h } from '../shared/dom';

export interface StatsActions {
  /** filter the list with this condition */
  filter(condition: string): void;
  back(): void;
}

/** A number as shown in the statistics: integers whole, others with 4 significant digits. */
export function statNumber(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (Number.isInteger(x)) return x.toLocaleString('en-US');
  return Number(x.toPrecision(4)).toLocaleString('en-US', { maximumFractionDigits: 6 });
}

/** A value as a chip shows it: strings quoted when empty or padded, cut at 60 characters. */
export function chipText(v: ValueCount['value']): string {
  if (typeof v !== 'string') return String(v);
  if (v === '' || v.trim() !== v) return JSON.stringify(v);
  const one = v.replace(/\s+/g, ' ');
  return one.length > 60 ? one.slice(0, 59) + '…' : one;
}

/** Bar heights in percent of the tallest (a non-empty bin is at least 2%, so it is seen). */
export function barHeights(bins: Array<{ count: number }>): number[] {
  const max = Math.max(0, ...bins.map((b) => b.count));
  return bins.map((b) => (max === 0 || b.count === 0 ? 0 : Math.max(2, (100 * b.count) / max)));
}

export function renderStats(stats: FieldStatsResult, ms: number, S: ViewerStrings, act: StatsActions, records?: RecordStats & { of: number }): HTMLElement {
  const root = h('div', { class: 'field-stats' });
  root.append(
    h(
      'div',
      { class: 'stats-head' },
      h('span', { class: 'stats-title', text: fmt(S.statsTitle, stats.fields.length, stats.records, (ms / 1000).toFixed(1)) }),
      h('vscode-button', { secondary: true, class: 'stats-back', onclick: () => act.back() }, S.statsBack),
    ),
  );
  if (records) root.append(recordsCard(records, S));
  for (const f of stats.fields) root.append(fieldCard(f, S, act));
  if (stats.leftOut > 0) root.append(h('div', { class: 'muted', text: fmt(S.statsLeftOut, stats.leftOut) }));
  return root;
}

function fieldCard(f: FieldStat, S: ViewerStrings, act: StatsActions): HTMLElement {
  const total = f.present + f.missing;
  const share = total ? (100 * f.present) / total : 0;
  const facts: string[] = [fmt(S.statsPresent, f.present, f.missing)];
  if (f.distinct !== undefined) facts.push(fmt(S.statsDistinct, f.distinct));
  if (f.number) facts.push(fmt(S.statsRange, statNumber(f.number.min), statNumber(f.number.max), statNumber(f.number.mean)));
  if (f.length) facts.push(fmt(f.type === 'list' ? S.statsLength : S.statsChars, statNumber(f.length.min), statNumber(f.length.max), statNumber(f.length.mean)));
  const card = h(
    'div',
    { class: 'stats-field', 'data-path': f.path },
    h(
      'div',
      { class: 'stats-field-head' },
      h('span', { class: 'stats-path', text: f.path }),
      h('span', { class: 'stats-type muted', text: f.per === 'element' ? `${f.type} · ${S.statsPerElement}` : f.type }),
    ),
    h('div', { class: 'stats-presence', title: `${statNumber(share)}%` }, sized(h('div', { class: 'stats-presence-bar' }), 'width', share)),
    h('div', { class: 'stats-facts muted', text: facts.join(' · ') }),
  );
  if (f.number && f.number.bins.length > 1) card.append(histogram(f.number.bins, S, act));
  const chips = f.jsonTypes ?? f.top;
  if (chips?.length) {
    const row = h('div', { class: 'stats-values' });
    for (const v of chips) {
      const title = v.records !== undefined ? fmt(S.statsElementValueTitle, v.count, v.records) : fmt(S.statsValueTitle, v.count);
      const chip = h(
        v.filter ? 'button' : 'span',
        { class: `stats-value${v.filter ? ' clickable' : ''}`, title: v.filter ? title : String(v.count), type: v.filter ? 'button' : undefined },
        h('span', { class: 'v', text: chipText(v.value) }),
        h('span', { class: 'n muted', text: `×${statNumber(v.count)}` }),
      );
      const condition = v.filter;
      if (condition) chip.addEventListener('click', () => act.filter(condition));
      row.append(chip);
    }
    card.append(row);
  }
  return card;
}

/** Sets a size through the CSSOM (the webview's CSP refuses inline style attributes). */
function sized<E extends HTMLElement>(el: E, prop: 'width' | 'height', percent: number): E {
  el.style[prop] = `${percent.toFixed(1)}%`;
  return el;
}

function histogram(bins: Bin[], S: ViewerStrings, act: StatsActions): HTMLElement {
  const heights = barHeights(bins);
  const chart = h('div', { class: 'stats-histogram', role: 'list' });
  bins.forEach((b, i) => {
    const bar = h(
      'button',
      { class: 'stats-bin', type: 'button', role: 'listitem', title: fmt(S.statsBinTitle, statNumber(b.from), statNumber(b.to), b.count), disabled: b.count === 0 || !b.filter },
      sized(h('span', { class: 'stats-bin-fill' }), 'height', heights[i]),
    );
    const condition = b.filter;
    if (condition && b.count > 0) bar.addEventListener('click', () => act.filter(condition));
    chart.append(bar);
  });
  const axis = h('div', { class: 'stats-axis muted' }, h('span', { text: statNumber(bins[0].from) }), h('span', { text: statNumber(bins[bins.length - 1].to) }));
  return h('div', { class: 'stats-histogram-wrap' }, chart, axis);
}

/** Heat map cell opacities (0–1) for counts: the largest is 1, a non-empty cell at least 0.08. */
export function heatLevels(counts: number[]): number[] {
  const max = Math.max(0, ...counts);
  return counts.map((c) => (max === 0 || c === 0 ? 0 : Math.max(0.08, c / max)));
}

function distChips(label: string, d: CountDist): HTMLElement {
  const row = h('div', { class: 'stats-values' }, h('span', { class: 'muted rec-label', text: label }));
  for (const t of d.top) row.append(h('span', { class: 'stats-value' }, h('span', { class: 'v', text: statNumber(t.value) }), h('span', { class: 'n muted', text: `×${statNumber(t.count)}` })));
  return row;
}

function recordsCard(r: RecordStats & { of: number }, S: ViewerStrings): HTMLElement {
  const title = r.records + r.skipped < r.of ? fmt(S.recTitleCapped, r.records + r.skipped, r.of) : fmt(S.recTitle, r.records);
  const card = h('div', { class: 'stats-field stats-records' }, h('div', { class: 'stats-field-head' }, h('span', { class: 'stats-path', text: title })));
  card.append(distChips(S.recTurns, r.turns), distChips(S.recImages, r.images));
  if (r.videos.max > 0) card.append(distChips(S.recVideos, r.videos));
  const z = r.imageSizes;
  if (z.declared + z.read > 0) {
    const row = h('div', { class: 'stats-values rec-sizes' }, h('span', { class: 'muted rec-label', text: S.recImageSizes }));
    for (const t of z.top) row.append(h('span', { class: 'stats-value' }, h('span', { class: 'v', text: `${t.width}×${t.height}` }), h('span', { class: 'n muted', text: `×${statNumber(t.count)}` })));
    card.append(row, h('div', { class: 'stats-facts muted rec-size-range', text: fmt(S.recImageSizeRange, z.width.min, z.width.max, statNumber(z.width.mean), z.height.min, z.height.max, statNumber(z.height.mean)) }));
  }
  if (z.declared + z.read + z.unknown + z.notRead > 0) card.append(h('div', { class: 'stats-facts muted rec-size-sources', text: fmt(S.recImageSizeSources, z.declared, z.read, z.unknown, z.notRead) }));
  card.append(h('div', { class: 'muted rec-label', text: S.recTextByRole }));
  for (const t of r.textLength) card.append(h('div', { class: 'stats-facts muted rec-role', text: fmt(S.recRoleLine, t.role, t.turns, t.min, t.max, statNumber(t.mean)) }));
  const sh = r.shapes;
  if (sh.boxes + sh.points + sh.trajectories > 0) {
    card.append(h('div', { class: 'stats-facts rec-shapes', text: fmt(S.recShapes, sh.boxes, sh.points, sh.trajectories, sh.records) }));
    if (sh.boxes > 0) card.append(h('div', { class: 'stats-facts muted rec-placed', text: fmt(S.recPlaced, sh.placed, sh.notPlaced) }));
    if (sh.placed > 0) {
      const grid = h('div', { class: 'rec-heat', role: 'img', 'aria-label': S.recHeat, title: S.recHeat });
      heatLevels(sh.heat).forEach((level, i) => {
        const cell = h('span', { class: 'rec-heat-cell', title: `${sh.heat[i]}` });
        cell.style.opacity = level.toFixed(2);
        grid.append(cell);
      });
      const area = h('div', { class: 'stats-histogram rec-area', title: S.recArea });
      barHeights(sh.area).forEach((height, i) => {
        const b = sh.area[i];
        area.append(h('span', { class: 'stats-bin', title: `${statNumber(b.from * 100)}–${statNumber(b.to * 100)}%: ${b.count}` }, sized(h('span', { class: 'stats-bin-fill' }), 'height', height)));
      });
      card.append(h('div', { class: 'rec-geometry' }, h('div', {}, h('div', { class: 'muted rec-label', text: S.recHeat }), grid), h('div', {}, h('div', { class: 'muted rec-label', text: S.recArea }), area)));
    }
  }
  return card;
}
