/**
 * Statistics of a dataset as VLM records (through the format registry's normalised record
 * and its geometry): turns per record, text length per role, images and videos per record,
 * and for boxes, where their centres fall (a 10 × 10 heat map over the image, normalised)
 * and how large they are. A box is placed only when its coordinates say how to normalise
 * them (a normalised convention the format implies, or the record's declared or resized
 * size for pixel boxes); the others are counted as not placed, never guessed.
 */
import type { NormalizedRecord } from '../records/model';
import type { Convention, RawShape, RecordGeometryRaw } from '../geometry/types';

export interface CountDist {
  min: number;
  max: number;
  mean: number;
  /** the most common values (value: count), most common first */
  top: Array<{ value: number; count: number }>;
}

export interface RecordStats {
  /** records read (normalised) */
  records: number;
  /** records that did not parse, or were too large */
  skipped: number;
  formats: Record<string, number>;
  turns: CountDist;
  images: CountDist;
  videos: CountDist;
  /** characters per turn, by role as written (human, gpt, user, assistant…) */
  textLength: Array<{ role: string; turns: number; min: number; max: number; mean: number }>;
  /** the size of each record's (first) image: declared in the record, or read from the file's header */
  imageSizes: {
    declared: number;
    read: number;
    /** records with images whose size could not be told (missing file, unreadable header) */
    unknown: number;
    /** records whose image size was not read (past the number read) */
    notRead: number;
    width: CountDist;
    height: CountDist;
    /** the most common sizes, most common first */
    top: Array<{ width: number; height: number; count: number }>;
  };
  shapes: {
    /** records with at least one shape */
    records: number;
    boxes: number;
    points: number;
    trajectories: number;
    /** boxes whose centre could be placed on the image, and those that could not (no size, no normalised convention) */
    placed: number;
    notPlaced: number;
    /** box centres in a GRID × GRID heat map, row by row from the top left */
    heat: number[];
    /** box area as a share of the image: bins [0, 1%), [1%, 5%), [5%, 10%), [10%, 25%), [25%, 50%), [50%, 100%] */
    area: Array<{ from: number; to: number; count: number }>;
  };
}

export const GRID = 10;
const AREA_EDGES = [0, 0.01, 0.05, 0.1, 0.25, 0.5, 1.0000001];
const SCALE: Partial<Record<Convention, number>> = { norm1: 1, norm1000: 1000, norm999: 999, percent: 100 };

class Counter {
  private n = 0;
  private sum = 0;
  private lo = Infinity;
  private hi = -Infinity;
  private readonly values = new Map<number, number>();
  get count(): number {
    return this.n;
  }
  add(v: number): void {
    this.n++;
    this.sum += v;
    if (v < this.lo) this.lo = v;
    if (v > this.hi) this.hi = v;
    if (this.values.size < 1000 || this.values.has(v)) this.values.set(v, (this.values.get(v) ?? 0) + 1);
  }
  dist(top = 10): CountDist {
    if (this.n === 0) return { min: 0, max: 0, mean: 0, top: [] };
    const t = [...this.values.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, top).map(([value, count]) => ({ value, count }));
    return { min: this.lo, max: this.hi, mean: this.sum / this.n, top: t };
  }
}

/** A box as 0–1 of its image (x1, y1, x2, y2), or undefined when that cannot be known. */
export function normalisedBox(s: RawShape, record: NormalizedRecord): [number, number, number, number] | undefined {
  if (s.kind !== 'box' || !Array.isArray(s.values) || s.values.length !== 4 || s.values.some((v) => typeof v !== 'number' || !Number.isFinite(v))) return undefined;
  const [x1, y1, a, b2] = s.values as number[];
  // COCO boxes are x, y, width, height
  const x2 = s.xywh ? x1 + a : a;
  const y2 = s.xywh ? y1 + b2 : b2;
  const c = s.implied;
  let sx: number | undefined;
  let sy: number | undefined;
  if (c && SCALE[c]) sx = sy = SCALE[c];
  else if (c === 'pixel' && record.declaredSize) [sx, sy] = [record.declaredSize.width, record.declaredSize.height];
  else if (c === 'resized' && record.resizedSize) [sx, sy] = [record.resizedSize.width, record.resizedSize.height];
  if (!sx || !sy) return undefined;
  const b: [number, number, number, number] = [Math.min(x1, x2) / sx, Math.min(y1, y2) / sy, Math.max(x1, x2) / sx, Math.max(y1, y2) / sy];
  // outside the image by more than rounding: not placed
  if (b.some((v) => v < -0.01 || v > 1.01)) return undefined;
  return b;
}

export class RecordStatsAccumulator {
  private records = 0;
  private skipped = 0;
  private readonly formats: Record<string, number> = {};
  private readonly turns = new Counter();
  private readonly images = new Counter();
  private readonly videos = new Counter();
  private readonly roles = new Map<string, Counter>();
  private readonly sizes = { declared: 0, read: 0, unknown: 0, notRead: 0, width: new Counter(), height: new Counter(), pairs: new Map<string, number>() };
  private readonly shapes = { records: 0, boxes: 0, points: 0, trajectories: 0, placed: 0, notPlaced: 0, heat: new Array<number>(GRID * GRID).fill(0), area: new Array<number>(AREA_EDGES.length - 1).fill(0) };

  /** A record that did not parse, or was too large to read. */
  skip(): void {
    this.skipped++;
  }

  add(record: NormalizedRecord, geometry?: RecordGeometryRaw): void {
    this.records++;
    this.formats[record.format] = (this.formats[record.format] ?? 0) + 1;
    this.turns.add(record.turns.length);
    this.images.add(record.images.length);
    this.videos.add(record.videos.length);
    if (record.declaredSize && record.images.length > 0) this.imageSize(record.declaredSize.width, record.declaredSize.height, 'declared');
    for (const t of record.turns) {
      let c = this.roles.get(t.rawRole);
      if (!c) {
        if (this.roles.size >= 50) continue; // a role name per record is not a role
        c = new Counter();
        this.roles.set(t.rawRole, c);
      }
      c.add(t.text.length);
    }
    const shapes = geometry?.shapes ?? [];
    if (shapes.length) this.shapes.records++;
    for (const s of shapes) {
      if (s.kind === 'point') this.shapes.points++;
      else if (s.kind === 'trajectory') this.shapes.trajectories++;
      else {
        this.shapes.boxes++;
        const b = normalisedBox(s, record);
        if (!b) {
          this.shapes.notPlaced++;
          continue;
        }
        this.shapes.placed++;
        const cx = Math.min(GRID - 1, Math.max(0, Math.floor(((b[0] + b[2]) / 2) * GRID)));
        const cy = Math.min(GRID - 1, Math.max(0, Math.floor(((b[1] + b[3]) / 2) * GRID)));
        this.shapes.heat[cy * GRID + cx]++;
        const area = Math.max(0, Math.min(1, (b[2] - b[0]) * (b[3] - b[1])));
        const bin = AREA_EDGES.findIndex((e, i) => area >= e && area < AREA_EDGES[i + 1]);
        if (bin >= 0) this.shapes.area[bin]++;
      }
    }
  }

  /** A record's image size, declared in it or read from the image's header. */
  imageSize(width: number, height: number, source: 'declared' | 'read'): void {
    if (!(width > 0 && height > 0)) return this.imageSizeUnknown();
    this.sizes[source]++;
    this.sizes.width.add(width);
    this.sizes.height.add(height);
    const key = `${width}x${height}`;
    if (this.sizes.pairs.size < 5000 || this.sizes.pairs.has(key)) this.sizes.pairs.set(key, (this.sizes.pairs.get(key) ?? 0) + 1);
  }

  imageSizeUnknown(): void {
    this.sizes.unknown++;
  }

  imageSizeNotRead(): void {
    this.sizes.notRead++;
  }

  result(): RecordStats {
    return {
      records: this.records,
      skipped: this.skipped,
      formats: { ...this.formats },
      turns: this.turns.dist(),
      images: this.images.dist(),
      videos: this.videos.dist(),
      imageSizes: {
        declared: this.sizes.declared,
        read: this.sizes.read,
        unknown: this.sizes.unknown,
        notRead: this.sizes.notRead,
        width: this.sizes.width.dist(),
        height: this.sizes.height.dist(),
        top: [...this.sizes.pairs.entries()]
          .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
          .slice(0, 10)
          .map(([k, count]) => {
            const [width, height] = k.split('x').map(Number);
            return { width, height, count };
          }),
      },
      textLength: [...this.roles.entries()].map(([role, c]) => {
        const d = c.dist(0);
        return { role, turns: c.count, min: d.min, max: d.max, mean: d.mean };
      }),
      shapes: {
        ...this.shapes,
        heat: [...this.shapes.heat],
        area: this.shapes.area.map((count, i) => ({ from: AREA_EDGES[i], to: Math.min(1, AREA_EDGES[i + 1]), count })),
      },
    };
  }
}
