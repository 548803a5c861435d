/**
 * Overlays drawn over a record's image: boxes with labels, points, linked contact points,
 * trajectories with direction and numbered waypoints. The canvas sits over the image and
 * is drawn in screen pixels (sharp at devicePixelRatio and at any zoom); wheel zooms
 * around the pointer, drag pans, double-click fits. What was drawn is reported in the
 * canvas's data-drawn attribute (image pixels and screen pixels), which the tests read.
 */
import { type PixelShape, type Size } from '../../src/protocol/datasetViewer';
import { type Comparison } from '../../src/core/geometry/compare';
import { ROLE_COLOURS, ROLE_DASH } from '../../src/core/geometry/svg';
import { boxLabelCandidates, placeLabels, pointLabelCandidates, type LabelRequest } from './labelLayout';


export interface OverlayUi {
  layers: { gt: boolean; pred: boolean; prompt: boolean };
  opacity: number;
  labels: boolean;
  colorBy: 'role' | 'label';
}

export const DEFAULT_UI: OverlayUi = { layers: { gt: true, pred: true, prompt: true }, opacity: 0.9, labels: true, colorBy: 'role' };

const LABEL_COLOURS = ['#E69F00', '#56B4E9', '#009E73', '#F0E442', '#0072B2', '#D55E00', '#CC79A7', '#999999'];
const DASH = ROLE_DASH;

/** The same label always gets the same colour, in every record. */
export function labelColour(label: string | undefined): string {
  if (!label) return LABEL_COLOURS[7];
  let h = 2166136261;
  for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 16777619) >>> 0;
  return LABEL_COLOURS[h % (LABEL_COLOURS.length - 1)];
}

function colourOf(s: PixelShape, ui: OverlayUi): string {
  return ui.colorBy === 'label' ? labelColour(s.label) : ROLE_COLOURS[s.role];
}

/** Image pixels → screen pixels of the canvas. */
type Mapper = (x: number, y: number) => [number, number];

interface Drawn {
  index: number;
  kind: PixelShape['kind'];
  role: PixelShape['role'];
  label?: string;
  /** image pixels */
  pixels: number[] | number[][];
  /** screen pixels: box [x1,y1,x2,y2], point [x,y], trajectory [[x,y]…] */
  screen: number[] | number[][];
}

/** Draws shapes on a 2D context. Used for the detail image and the list thumbnails. */
export function drawShapes(
  ctx: CanvasRenderingContext2D,
  shapes: PixelShape[],
  map: Mapper,
  ui: OverlayUi,
  opts: { labels: boolean; lineWidth: number; highlight?: number; comparisons?: Comparison[]; bounds?: { width: number; height: number }; placed?: PlacedLabel[] },
): Drawn[] {
  const drawn: Drawn[] = [];
  // labels are placed after every shape is drawn, so that none covers another
  const labels: Array<LabelRequest & { text: string; colour: string; dashed: boolean }> = [];
  const LABEL_H = 15;
  const labelWidth = (text: string) => ctx.measureText(text).width + 6;
  ctx.save();
  ctx.globalAlpha = ui.opacity;
  ctx.lineWidth = opts.lineWidth;
  ctx.font = '12px var(--vscode-font-family, sans-serif)';
  ctx.textBaseline = 'top';
  const iouOf = new Map<number, number>();
  for (const c of opts.comparisons ?? []) if (c.kind === 'box') iouOf.set(c.pred, c.iou);
  // linked contact points first, under the markers
  const groups = new Map<string, Array<[number, number]>>();
  shapes.forEach((s, i) => {
    if (!ui.layers[s.role]) return;
    const colour = colourOf(s, ui);
    ctx.strokeStyle = colour;
    ctx.fillStyle = colour;
    ctx.setLineDash(DASH[s.role]);
    const width = i === opts.highlight ? opts.lineWidth * 2 : opts.lineWidth;
    ctx.lineWidth = width;
    if (s.kind === 'box') {
      const [x1, y1, x2, y2] = s.pixels as number[];
      const [a, b] = map(x1, y1);
      const [c, d] = map(x2, y2);
      ctx.strokeRect(Math.min(a, c), Math.min(b, d), Math.abs(c - a), Math.abs(d - b));
      const iouText = iouOf.has(i) ? `IoU ${(iouOf.get(i) ?? 0).toFixed(2)}` : '';
      // ground truth is labelled above its box, predictions below theirs: a pred box next
      // to its gt box (the common case) does not hide the other's label
      const text = [s.label, iouText].filter(Boolean).join(' · ') || s.role;
      if (opts.labels) {
        const w = labelWidth(text);
        labels.push({ text, colour, dashed: s.role === 'pred', w, h: LABEL_H, candidates: boxLabelCandidates([Math.min(a, c), Math.min(b, d), Math.max(a, c), Math.max(b, d)], w, LABEL_H, s.role === 'pred') });
      }
      drawn.push({ index: i, kind: s.kind, role: s.role, label: s.label, pixels: s.pixels, screen: [a, b, c, d] });
    } else if (s.kind === 'point') {
      const [x, y] = s.pixels as number[];
      const [px, py] = map(x, y);
      ctx.setLineDash([]);
      marker(ctx, px, py, colour, width);
      if (opts.labels && s.label) {
        const w = labelWidth(s.label);
        labels.push({ text: s.label, colour, dashed: false, w, h: LABEL_H, candidates: pointLabelCandidates(px, py, w, LABEL_H) });
      }
      if (s.group) groups.set(s.group, [...(groups.get(s.group) ?? []), [px, py]]);
      drawn.push({ index: i, kind: s.kind, role: s.role, label: s.label, pixels: s.pixels, screen: [px, py] });
    } else {
      const pts = (s.pixels as number[][]).map(([x, y]) => map(x, y));
      polylineWithArrows(ctx, pts, colour, width);
      if (opts.labels) {
        ctx.setLineDash([]);
        pts.forEach(([x, y], k) => waypoint(ctx, x, y, k + 1, colour));
      }
      drawn.push({ index: i, kind: s.kind, role: s.role, label: s.label, pixels: s.pixels, screen: pts });
    }
  });
  ctx.setLineDash([4, 3]);
  ctx.lineWidth = opts.lineWidth;
  for (const pts of groups.values()) {
    if (pts.length < 2) continue;
    ctx.beginPath();
    ctx.moveTo(pts[0][0], pts[0][1]);
    for (const [x, y] of pts.slice(1)) ctx.lineTo(x, y);
    ctx.stroke();
  }
  const at = placeLabels(labels, opts.bounds ?? { width: ctx.canvas.width, height: ctx.canvas.height });
  labels.forEach((l, i) => {
    tag(ctx, l.text, at[i][0], at[i][1], l.w, l.h, l.colour, l.dashed);
    opts.placed?.push({ text: l.text, x: at[i][0], y: at[i][1], w: l.w, h: l.h });
  });
  ctx.restore();
  return drawn;
}

/** A label as drawn (screen pixels of its top-left corner and size). */
export interface PlacedLabel {
  text: string;
  x: number;
  y: number;
  w: number;
  h: number;
}

/** A label with its top-left corner at (x, top). */
function tag(ctx: CanvasRenderingContext2D, text: string, x: number, top: number, w: number, h: number, colour: string, dashed: boolean): void {
  ctx.save();
  ctx.setLineDash([]);
  ctx.globalAlpha = Math.min(1, ctx.globalAlpha + 0.1);
  ctx.fillStyle = colour;
  ctx.fillRect(x, top, w, h);
  ctx.fillStyle = dashed ? '#000000' : '#ffffff';
  ctx.fillText(text, x + 3, top + 1.5);
  ctx.restore();
}

function marker(ctx: CanvasRenderingContext2D, x: number, y: number, colour: string, width: number): void {
  ctx.save();
  ctx.beginPath();
  ctx.arc(x, y, 5, 0, Math.PI * 2);
  ctx.lineWidth = width + 2;
  ctx.strokeStyle = '#ffffff';
  ctx.stroke();
  ctx.lineWidth = width;
  ctx.strokeStyle = colour;
  ctx.stroke();
  ctx.beginPath();
  ctx.moveTo(x - 3, y);
  ctx.lineTo(x + 3, y);
  ctx.moveTo(x, y - 3);
  ctx.lineTo(x, y + 3);
  ctx.stroke();
  ctx.restore();
}

function polylineWithArrows(ctx: CanvasRenderingContext2D, pts: Array<[number, number]>, colour: string, width: number): void {
  if (pts.length === 0) return;
  ctx.beginPath();
  ctx.moveTo(pts[0][0], pts[0][1]);
  for (const [x, y] of pts.slice(1)) ctx.lineTo(x, y);
  ctx.stroke();
  ctx.save();
  ctx.setLineDash([]);
  ctx.fillStyle = colour;
  // an arrowhead on every segment: the direction of travel
  for (let k = 1; k < pts.length; k++) {
    const [x0, y0] = pts[k - 1];
    const [x1, y1] = pts[k];
    const len = Math.hypot(x1 - x0, y1 - y0);
    if (len < 8) continue;
    const mx = (x0 + x1) / 2;
    const my = (y0 + y1) / 2;
    const ang = Math.atan2(y1 - y0, x1 - x0);
    const s = 4 + width;
    ctx.beginPath();
    ctx.moveTo(mx + Math.cos(ang) * s, my + Math.sin(ang) * s);
    ctx.lineTo(mx + Math.cos(ang + 2.5) * s, my + Math.sin(ang + 2.5) * s);
    ctx.lineTo(mx + Math.cos(ang - 2.5) * s, my + Math.sin(ang - 2.5) * s);
    ctx.closePath();
    ctx.fill();
  }
  ctx.restore();
}

function waypoint(ctx: CanvasRenderingContext2D, x: number, y: number, n: number, colour: string): void {
  ctx.save();
  ctx.beginPath();
  ctx.arc(x, y, 3, 0, Math.PI * 2);
  ctx.fillStyle = colour;
  ctx.fill();
  ctx.font = '10px var(--vscode-font-family, sans-serif)';
  ctx.fillStyle = '#ffffff';
  ctx.strokeStyle = '#000000';
  ctx.lineWidth = 2;
  ctx.strokeText(String(n), x + 4, y - 12);
  ctx.fillText(String(n), x + 4, y - 12);
  ctx.restore();
}

/** Distance from (px, py) to what was drawn, in screen pixels. */
function distanceTo(d: Drawn, px: number, py: number): number {
  const seg = (x0: number, y0: number, x1: number, y1: number) => {
    const l2 = (x1 - x0) ** 2 + (y1 - y0) ** 2;
    const t = l2 === 0 ? 0 : Math.max(0, Math.min(1, ((px - x0) * (x1 - x0) + (py - y0) * (y1 - y0)) / l2));
    return Math.hypot(px - (x0 + t * (x1 - x0)), py - (y0 + t * (y1 - y0)));
  };
  if (d.kind === 'point') {
    const [x, y] = d.screen as number[];
    return Math.hypot(px - x, py - y);
  }
  if (d.kind === 'box') {
    const [a, b, c, e] = d.screen as number[];
    const [x1, y1, x2, y2] = [Math.min(a, c), Math.min(b, e), Math.max(a, c), Math.max(b, e)];
    // the edge, not the inside: nested boxes stay selectable
    return Math.min(seg(x1, y1, x2, y1), seg(x2, y1, x2, y2), seg(x2, y2, x1, y2), seg(x1, y2, x1, y1));
  }
  const pts = d.screen as number[][];
  if (pts.length === 1) return Math.hypot(px - pts[0][0], py - pts[0][1]);
  let best = Infinity;
  for (let k = 1; k < pts.length; k++) best = Math.min(best, seg(pts[k - 1][0], pts[k - 1][1], pts[k][0], pts[k][1]));
  return best;
}

export interface StageOptions {
  /** text shown in the tooltip for a shape */
  describe(shape: PixelShape): string[];
  /** a shape was clicked */
  onSelect(shape: PixelShape, index: number): void;
}

let tipElement: HTMLElement | undefined;

/** The one overlay tooltip of the page: on the page, not in an image frame (which clips what leaves the image). */
function sharedTip(): HTMLElement {
  if (!tipElement) {
    tipElement = document.createElement('div');
    tipElement.className = 'overlay-tip';
    tipElement.hidden = true;
    document.body.append(tipElement);
  }
  tipElement.hidden = true;
  return tipElement;
}

/** The detail image with its overlay, zoom and pan. */
export class OverlayStage {
  private shapes: PixelShape[] = [];
  private comparisons: Comparison[] = [];
  private source: Size = { width: 1, height: 1 };
  private ui: OverlayUi = DEFAULT_UI;
  private zoom = 1;
  private tx = 0;
  private ty = 0;
  private drawn: Drawn[] = [];
  private highlight: number | undefined;
  private readonly canvas: HTMLCanvasElement;
  private readonly tip: HTMLElement;
  private readonly stage: HTMLElement;

  constructor(
    private readonly frame: HTMLElement,
    private readonly img: HTMLImageElement,
    private readonly opts: StageOptions,
  ) {
    this.stage = document.createElement('div');
    this.stage.className = 'stage';
    img.replaceWith(this.stage);
    this.stage.append(img);
    this.canvas = document.createElement('canvas');
    this.canvas.className = 'overlay';
    this.tip = sharedTip();
    frame.append(this.canvas);
    frame.classList.add('has-overlay');
    new ResizeObserver(() => this.draw()).observe(frame);
    this.canvas.addEventListener('wheel', (e) => this.onWheel(e), { passive: false });
    this.canvas.addEventListener('mousedown', (e) => this.onDrag(e));
    this.canvas.addEventListener('dblclick', () => this.fit());
    this.canvas.addEventListener('mousemove', (e) => this.onHover(e));
    this.canvas.addEventListener('mouseleave', () => (this.tip.hidden = true));
    this.canvas.addEventListener('click', (e) => this.onClick(e));
  }

  set(shapes: PixelShape[], source: Size, comparisons: Comparison[]): void {
    this.shapes = shapes;
    this.source = source;
    this.comparisons = comparisons;
    this.highlight = undefined;
    this.draw();
  }

  setUi(ui: OverlayUi): void {
    this.ui = ui;
    this.draw();
  }

  fit(): void {
    this.zoom = 1;
    this.tx = 0;
    this.ty = 0;
    this.draw();
  }

  /** Image pixels → screen pixels (CSS px of the frame). */
  private map = (x: number, y: number): [number, number] => {
    const s0 = this.img.clientWidth / this.source.width;
    return [x * s0 * this.zoom + this.tx, y * s0 * this.zoom + this.ty];
  };

  draw(): void {
    const w = this.frame.clientWidth;
    const h = this.frame.clientHeight;
    const dpr = window.devicePixelRatio || 1;
    if (this.canvas.width !== Math.round(w * dpr) || this.canvas.height !== Math.round(h * dpr)) {
      this.canvas.width = Math.round(w * dpr);
      this.canvas.height = Math.round(h * dpr);
      this.canvas.style.width = `${w}px`;
      this.canvas.style.height = `${h}px`;
    }
    this.stage.style.transform = `translate(${this.tx}px, ${this.ty}px) scale(${this.zoom})`;
    const ctx = this.canvas.getContext('2d');
    if (!ctx) return;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, w, h);
    // labels stay on the image as shown (at zoom 1 the frame is the image)
    const bounds = { width: Math.min(w, this.img.clientWidth * this.zoom + Math.max(0, this.tx)), height: Math.min(h, this.img.clientHeight * this.zoom + Math.max(0, this.ty)) };
    const placed: PlacedLabel[] = [];
    this.drawn = drawShapes(ctx, this.shapes, this.map, this.ui, { labels: this.ui.labels, lineWidth: 2, highlight: this.highlight, comparisons: this.comparisons, bounds, placed });
    this.canvas.dataset.labels = JSON.stringify(placed.map((l) => ({ ...l, x: Math.round(l.x), y: Math.round(l.y), w: Math.round(l.w) })));
    const round = (v: number) => Math.round(v * 10) / 10;
    const r = (p: number[] | number[][]): number[] | number[][] => (typeof p[0] === 'number' ? (p as number[]).map(round) : (p as number[][]).map((q) => q.map(round)));
    this.canvas.dataset.drawn = JSON.stringify(this.drawn.map((d) => ({ kind: d.kind, role: d.role, label: d.label, pixels: r(d.pixels), screen: r(d.screen) })));
    this.canvas.dataset.zoom = String(this.zoom);
  }

  private hit(e: MouseEvent): Drawn | undefined {
    const rect = this.canvas.getBoundingClientRect();
    const x = e.clientX - rect.left;
    const y = e.clientY - rect.top;
    let best: Drawn | undefined;
    let bestD = 8;
    for (const d of this.drawn) {
      const dd = distanceTo(d, x, y);
      if (dd <= bestD) {
        best = d;
        bestD = dd;
      }
    }
    return best;
  }

  private onHover(e: MouseEvent): void {
    const d = this.hit(e);
    this.canvas.style.cursor = d ? 'pointer' : this.zoom > 1 ? 'grab' : 'default';
    if (!d) {
      this.tip.hidden = true;
      return;
    }
    this.tip.replaceChildren(...this.opts.describe(this.shapes[d.index]).map((line) => Object.assign(document.createElement('div'), { textContent: line })));
    this.tip.hidden = false;
    // beside the pointer, kept inside the window
    const { width, height } = this.tip.getBoundingClientRect();
    const left = e.clientX + 12 + width > window.innerWidth ? e.clientX - 12 - width : e.clientX + 12;
    const top = e.clientY + 12 + height > window.innerHeight ? e.clientY - 12 - height : e.clientY + 12;
    this.tip.style.left = `${Math.max(0, left)}px`;
    this.tip.style.top = `${Math.max(0, top)}px`;
  }

  private onClick(e: MouseEvent): void {
    const d = this.hit(e);
    if (!d) return;
    this.highlight = d.index;
    this.draw();
    this.opts.onSelect(this.shapes[d.index], d.index);
  }

  private onWheel(e: WheelEvent): void {
    e.preventDefault();
    const rect = this.canvas.getBoundingClientRect();
    const cx = e.clientX - rect.left;
    const cy = e.clientY - rect.top;
    const factor = Math.exp(-e.deltaY / 400);
    const z = Math.min(20, Math.max(1, this.zoom * factor));
    const f = z / this.zoom;
    this.tx = cx - (cx - this.tx) * f;
    this.ty = cy - (cy - this.ty) * f;
    this.zoom = z;
    if (z === 1) {
      this.tx = 0;
      this.ty = 0;
    }
    this.draw();
  }

  private onDrag(e: MouseEvent): void {
    if (this.zoom === 1 || this.hit(e)) return;
    const startX = e.clientX - this.tx;
    const startY = e.clientY - this.ty;
    const move = (m: MouseEvent) => {
      this.tx = m.clientX - startX;
      this.ty = m.clientY - startY;
      this.draw();
    };
    const up = () => {
      window.removeEventListener('mousemove', move);
      window.removeEventListener('mouseup', up);
    };
    window.addEventListener('mousemove', move);
    window.addEventListener('mouseup', up);
  }
}

/** A bird's-eye plot of ego-frame trajectories (x forward, up; y left, left). */
export function egoPlot(trajs: Array<{ role: PixelShape['role']; poses: Array<[number, number, number]> }>, caption: string): HTMLElement {
  const size = 180;
  const canvas = document.createElement('canvas');
  const dpr = window.devicePixelRatio || 1;
  canvas.width = size * dpr;
  canvas.height = size * dpr;
  canvas.style.width = `${size}px`;
  canvas.style.height = `${size}px`;
  canvas.className = 'ego-plot';
  const ctx = canvas.getContext('2d');
  const all = trajs.flatMap((t) => t.poses);
  const extent = Math.max(5, ...all.map((p) => Math.max(Math.abs(p[0]), Math.abs(p[1])))) * 1.15;
  const map = (x: number, y: number): [number, number] => [size / 2 - (y / extent) * (size / 2), size - 14 - (x / extent) * (size - 24)];
  if (ctx) {
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.strokeStyle = '#888888';
    ctx.lineWidth = 1;
    ctx.beginPath();
    ctx.moveTo(size / 2, 0);
    ctx.lineTo(size / 2, size);
    ctx.stroke();
    // the ego vehicle at the origin
    const [ox, oy] = map(0, 0);
    ctx.fillStyle = '#888888';
    ctx.fillRect(ox - 4, oy - 7, 8, 14);
    for (const t of trajs) {
      const pts = [map(0, 0), ...t.poses.map(([x, y]) => map(x, y))];
      ctx.strokeStyle = ROLE_COLOURS[t.role];
      ctx.setLineDash(DASH[t.role]);
      polylineWithArrows(ctx, pts, ROLE_COLOURS[t.role], 2);
    }
  }
  canvas.dataset.poses = JSON.stringify(trajs.map((t) => t.poses.length));
  const fig = document.createElement('figure');
  fig.className = 'ego';
  const cap = document.createElement('figcaption');
  cap.className = 'muted';
  cap.textContent = caption;
  fig.append(canvas, cap);
  return fig;
}
