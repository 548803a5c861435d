/**
 * The overlays of the record shown in the detail pane: the toolbar (layers, labels, colour,
 * opacity, coordinate convention and why), the stage over the first image, the metrics
 * between prediction and ground truth, and the ego-frame plot. Conversions use
 * src/core/geometry, the same code the CLI prints from.
 */
import {
  type Convention,
  type ImageView,
  type NormalizedRecord,
  type OverlayState,
  type PixelShape,
  type RecordGeometryView,
  type ViewerStrings,
} from '../../src/protocol/datasetViewer';
import { recordOverlays, type RecordOverlays } from '../../src/core/geometry/overlays';
import { compareShapes, type Comparison } from '../../src/core/geometry/compare';
import { CONVENTIONS } from '../../src/core/geometry/types';
import { clear, fmt, h } from '../shared/dom';
import { checked, setValue, valueOf } from '../shared/controls';
import { egoPlot, OverlayStage, type OverlayUi } from './overlay';

export interface OverlayHost {
  state: OverlayState;
  ui: OverlayUi;
  setUi(ui: OverlayUi): void;
  setConvention(c: Convention | null): void;
  /** highlight the text a shape came from */
  showSource(shape: PixelShape): void;
}

export class RecordOverlayView {
  readonly toolbar: HTMLElement;
  private stage: OverlayStage | undefined;
  private source: { width: number; height: number } | undefined;
  private readonly legend = h('div', { class: 'overlay-legend' });
  private readonly notes = h('div', { class: 'overlay-notes' });
  private readonly reason = h('span', { class: 'muted convention-reason' });
  private readonly dropdown: HTMLElement;
  private overlays: RecordOverlays | undefined;
  /** the record's other images (cameras) that have shapes of their own, drawn there */
  private readonly others = new Map<number, { stage: OverlayStage; source: { width: number; height: number }; view: string }>();

  constructor(
    private readonly rec: NormalizedRecord,
    private readonly geometry: RecordGeometryView,
    private readonly s: ViewerStrings,
    private readonly host: OverlayHost,
    /** rule codes the record's problem rows show: their notes are not repeated under the image */
    private readonly covered: ReadonlySet<string> = new Set(),
  ) {
    const ui = host.ui;
    const box = (cls: string, label: string, on: boolean, change: (v: boolean) => void) => {
      const el = h('vscode-checkbox', { class: cls }, label);
      if (on) el.setAttribute('checked', '');
      el.addEventListener('change', () => change(checked(el)));
      return el;
    };
    const opacity = h('input', { type: 'range', min: '0.2', max: '1', step: '0.05', value: String(ui.opacity), class: 'opacity', 'aria-label': s.opacity });
    opacity.addEventListener('input', () => this.updateUi({ ...this.host.ui, opacity: Number(opacity.value) }));
    this.dropdown = h('vscode-single-select', { class: 'convention' });
    this.dropdown.addEventListener('change', () => {
      const v = valueOf(this.dropdown);
      this.host.setConvention(v === 'auto' ? null : (v as Convention));
    });
    this.toolbar = h(
      'div',
      { class: 'overlay-toolbar' },
      h('strong', { text: s.overlays }),
      box('layer-gt swatch-gt', s.layerGt, ui.layers.gt, (v) => this.updateUi({ ...this.host.ui, layers: { ...this.host.ui.layers, gt: v } })),
      box('layer-pred swatch-pred', s.layerPred, ui.layers.pred, (v) => this.updateUi({ ...this.host.ui, layers: { ...this.host.ui.layers, pred: v } })),
      box('layer-prompt swatch-prompt', s.layerPrompt, ui.layers.prompt, (v) => this.updateUi({ ...this.host.ui, layers: { ...this.host.ui.layers, prompt: v } })),
      box('labels-toggle', s.labels, ui.labels, (v) => this.updateUi({ ...this.host.ui, labels: v })),
      box('colour-toggle', s.colourByLabel, ui.colorBy === 'label', (v) => this.updateUi({ ...this.host.ui, colorBy: v ? 'label' : 'role' })),
      h('label', { class: 'opacity-label' }, s.opacity, opacity),
      h('span', { class: 'convention-label', text: s.coordinates }),
      this.dropdown,
      this.reason,
    );
    this.fillDropdown();
  }

  /** The first image is on screen: draw on it. */
  attach(frame: HTMLElement, img: HTMLImageElement, view: ImageView, figure: HTMLElement): void {
    this.source = { width: view.sourceWidth ?? img.naturalWidth, height: view.sourceHeight ?? img.naturalHeight };
    this.stage = new OverlayStage(frame, img, {
      describe: (shape) => this.describe(shape),
      onSelect: (shape) => this.host.showSource(shape),
    });
    figure.append(h('div', { class: 'muted zoom-hint', text: this.s.zoomHint }), this.legend, this.notes);
    this.recompute();
  }

  /** Whether image `index` is another camera of the record with shapes of its own (DriveLM `<c1,CAM_BACK,x,y>`). */
  drawsOn(index: number): boolean {
    const view = this.rec.images[index]?.view;
    return index > 0 && view !== undefined && view !== this.rec.images[0]?.view && this.geometry.shapes.some((s) => s.view === view);
  }

  /** Another camera's image is on screen: its own shapes are drawn on it. */
  attachOther(index: number, frame: HTMLElement, img: HTMLImageElement, view: ImageView): void {
    const camera = this.rec.images[index]?.view;
    if (camera === undefined) return;
    const source = { width: view.sourceWidth ?? img.naturalWidth, height: view.sourceHeight ?? img.naturalHeight };
    const stage = new OverlayStage(frame, img, {
      describe: (shape) => this.describe(shape),
      onSelect: (shape) => this.host.showSource(shape),
    });
    this.others.set(index, { stage, source, view: camera });
    this.recompute();
  }

  /** The first image could not be shown. */
  noImage(figure: HTMLElement): void {
    if (this.geometry.shapes.length > 0) figure.append(h('div', { class: 'problem warning', text: fmt(this.s.noImageForOverlay, this.geometry.shapes.length) }));
  }

  /** Ego-frame trajectories (driving): a plot beside the image, never on it. */
  egoFigure(): HTMLElement | undefined {
    if (this.geometry.ego.length === 0) return undefined;
    return egoPlot(this.geometry.ego.map((e) => ({ role: e.role, poses: e.poses })), this.s.egoCaption);
  }

  update(state: OverlayState): void {
    this.host.state = state;
    this.fillDropdown();
    this.recompute();
  }

  private updateUi(ui: OverlayUi): void {
    this.host.ui = ui; // later toggles build on this one
    this.host.setUi(ui);
    this.stage?.setUi(ui);
    for (const o of this.others.values()) o.stage.setUi(ui);
  }

  private fillDropdown(): void {
    const st = this.host.state;
    const o = this.overlays;
    // "auto" names the convention it picks for shapes the format leaves open (if any)
    const open = o ? o.shapes.some((x) => x.conventionSource !== 'format') : this.geometry.shapes.some((x) => !x.implied);
    const picked = st.settings.setting ?? st.settings.fileGuess?.convention ?? o?.choice.convention;
    const autoLabel = open && picked ? fmt(this.s.autoConvention, picked) : 'auto';
    clear(this.dropdown);
    this.dropdown.append(h('vscode-option', { value: 'auto' }, autoLabel), ...CONVENTIONS.map((c) => h('vscode-option', { value: c }, c)));
    const current = st.settings.override ?? 'auto';
    setValue(this.dropdown, current);
    this.dropdown.dataset.value = current;
  }

  private recompute(): void {
    const st = this.host.state;
    // each other camera: its own shapes, read as if its image came first
    for (const [index, o] of this.others) {
      const rec = { ...this.rec, images: [this.rec.images[index], ...this.rec.images.filter((_, k) => k !== index)] };
      const drawn = recordOverlays(rec, { shapes: this.geometry.shapes.filter((s) => s.view === o.view), ego: [] }, o.source, st.settings);
      o.stage.set(drawn.shapes, o.source, compareShapes(drawn.shapes));
      o.stage.setUi(this.host.ui);
    }
    if (!this.source) return;
    this.overlays = recordOverlays(this.rec, { shapes: this.geometry.shapes, ego: this.geometry.ego }, this.source, st.settings);
    const comparisons = compareShapes(this.overlays.shapes);
    this.stage?.set(this.overlays.shapes, this.source, comparisons);
    this.stage?.setUi(this.host.ui);
    this.renderReason();
    this.renderLegend(comparisons);
    this.fillDropdown();
  }

  private renderReason(): void {
    const o = this.overlays;
    if (!o) return;
    const src = this.sourceLabels();
    const parts: string[] = [];
    const byFormat = [...new Set(o.shapes.filter((x) => x.conventionSource === 'format').map((x) => `${x.parser} → ${x.convention}`))];
    if (o.shapes.some((x) => x.conventionSource !== 'format')) parts.push(fmt(this.s.conventionBecause, o.choice.convention, `${src[o.choice.source]}${o.choice.reason && o.choice.source !== 'override' ? `, ${o.choice.reason}` : ''}`));
    for (const b of byFormat) parts.push(`${b} (${src.format})`);
    this.reason.textContent = parts.join(' · ');
    this.reason.dataset.convention = o.choice.convention;
    this.reason.dataset.source = o.choice.source;
  }

  private renderLegend(comparisons: Comparison[]): void {
    clear(this.legend);
    clear(this.notes);
    const o = this.overlays;
    if (!o) return;
    const name = (i: number) => o.shapes[i].label ?? o.shapes[i].kind;
    for (const c of comparisons) {
      let text: string;
      if (c.kind === 'box') text = fmt(this.s.iouPair, name(c.pred), c.iou.toFixed(3));
      else if (c.kind === 'trajectory') text = fmt(this.s.trajectoryPair, name(c.pred), c.dtw.toFixed(1), c.endpoint?.toFixed(1) ?? '–');
      else text = fmt(this.s.pointPair, name(c.pred), c.distance.toFixed(1));
      this.legend.append(h('span', { class: `metric metric-${c.kind}`, text }));
    }
    const flagsListed = this.covered.has('VLM040') || this.covered.has('VLM041') || this.covered.has('VLM042');
    if (!flagsListed) for (const sh of o.shapes) for (const f of sh.flags) this.notes.append(h('div', { class: 'problem warning shape-flag', text: `${sh.role} ${sh.kind}${sh.label ? ` "${sh.label}"` : ''}: ${f}` }));
    // a shape of another camera is said only when that camera's image does not show it
    const shownElsewhere = new Set([...this.others.values()].map((x) => x.view));
    for (const sk of o.skipped) if (!(sk.shape.view !== undefined && shownElsewhere.has(sk.shape.view))) this.notes.append(h('div', { class: 'problem warning', text: fmt(this.s.notDrawn, sk.reason) }));
    const mixed = this.host.state.mixed;
    if (mixed && o.choice.source === 'auto' && !this.covered.has('VLM043')) this.notes.append(h('div', { class: 'problem warning mixed-conventions', text: fmt(this.s.mixedConventions, Object.entries(mixed).map(([c, n]) => `${c} ${n}`).join(', ')) }));
    if (this.rec.images.length > 1 && this.others.size === 0) this.notes.append(h('div', { class: 'muted', text: this.s.drawnOnFirstImage }));
  }

  /** Where a convention came from, in words. */
  private sourceLabels(): Record<PixelShape['conventionSource'], string> {
    return { override: this.s.sourceOverride, setting: this.s.sourceSetting, run: this.s.sourceRun, format: this.s.sourceFormat, auto: this.s.sourceAuto };
  }

  private describe(sh: PixelShape): string[] {
    const src = this.sourceLabels();
    const role = { gt: this.s.layerGt, pred: this.s.layerPred, prompt: this.s.layerPrompt }[sh.role];
    const lines = [`${role} · ${sh.kind}${sh.label ? ` “${sh.label}”` : ''}`];
    const turn = sh.source.turn !== undefined ? this.rec.turns[sh.source.turn] : undefined;
    if (sh.source.turn !== undefined) lines.push(fmt(this.s.fromTurn, sh.source.turn + 1, turn?.rawRole ?? '', sh.parser));
    else lines.push(fmt(this.s.fromField, sh.source.field ?? '?', sh.parser));
    lines.push(fmt(this.s.conventionOfShape, sh.convention, src[sh.conventionSource]));
    const r = (v: number) => Math.round(v * 10) / 10;
    lines.push(fmt(this.s.pixelsOfShape, JSON.stringify(typeof sh.pixels[0] === 'number' ? (sh.pixels as number[]).map(r) : (sh.pixels as number[][]).map((p) => p.map(r)))));
    lines.push(sh.source.text.length > 160 ? sh.source.text.slice(0, 159) + '…' : sh.source.text);
    for (const f of sh.flags) lines.push(fmt(this.s.flagsOfShape, f));
    return lines;
  }
}
