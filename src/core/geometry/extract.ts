/**
 * Every spatial annotation of a normalized record: from the text of its turns (with the
 * turn's role: dataset answers and references are `gt`, model outputs `pred`, questions
 * `prompt`) and from structured fields (bbox / points / trajectory, ms-swift `objects`,
 * RoboInter annotation keys, the RoboInter `gt` field in original pixels, NAVSIM `poses`).
 */
import type { NormalizedRecord, Turn } from '../records/model';
import { descriptorOf, isObj, type FormatDescriptor, type GeometryField } from '../formats/registry';
import { boxesIn, isNum, isPair, isQuad, isXY, shapesFromText } from './parseText';
import type { Convention, EgoTrajectory, RawShape, RecordGeometryRaw, ShapeRole } from './types';

export interface ExtractOptions {
  /** structured box fields are COCO x, y, width, height (setting `vlmLens.boxFormat`) */
  boxesAreXywh?: boolean;
  /** the record's descriptor when it is a user one (built-ins are found by the record's format) */
  descriptor?: FormatDescriptor;
}


/** The values at a dotted path, `[]` walking a list: `instances[].bbox` → each instance's bbox, with its object. */
function valuesAt(root: unknown, path: string): Array<{ value: unknown; parent: Record<string, unknown>; at: string }> {
  let cur: Array<{ value: unknown; parent: Record<string, unknown>; at: string }> = isObj(root) ? [{ value: root, parent: root, at: '' }] : [];
  for (const seg of path.split('.')) {
    const list = seg.endsWith('[]');
    const key = list ? seg.slice(0, -2) : seg;
    const next: typeof cur = [];
    for (const c of cur) {
      if (!isObj(c.value) || !(key in c.value)) continue;
      const v = c.value[key];
      const at = c.at ? `${c.at}.${key}` : key;
      if (list && Array.isArray(v)) v.forEach((x, i) => next.push({ value: x, parent: c.value as Record<string, unknown>, at: `${at}.${i}` }));
      else if (!list) next.push({ value: v, parent: c.value, at });
    }
    cur = next.slice(0, 5000);
  }
  return cur;
}

/** Geometry a format's descriptor names (LLaVA-Bench `instances[].bbox` with its `category`, ScreenSpot `bbox` / `pred`). */
function descriptorShapes(value: unknown, gf: GeometryField, shapes: RawShape[]): void {
  const parts = gf.path.split('.');
  const leaf = parts.pop() as string;
  const holders = parts.length > 0 ? valuesAt(value, parts.join('.')) : isObj(value) ? [{ value, parent: value, at: '' }] : [];
  for (const h of holders) {
    if (!isObj(h.value)) continue;
    const v = h.value[leaf];
    const label = gf.label && typeof h.value[gf.label] === 'string' ? (h.value[gf.label] as string) : undefined;
    const field = h.at ? `${h.at}.${leaf}` : leaf;
    const source = { field, text: JSON.stringify(v)?.slice(0, 200) ?? '' };
    const role = gf.role ?? 'gt';
    if (gf.kind === 'box' && isQuad(v)) shapes.push({ kind: 'box', role, values: [...v], label, source, parser: `field ${gf.path}`, implied: gf.convention });
    else if (gf.kind === 'point' && (isPair(v) || isXY(v))) shapes.push({ kind: 'point', role, values: isXY(v) ? [v.x, v.y] : [...v], label, source, parser: `field ${gf.path}`, implied: gf.convention });
  }
}

const BOXISH = /(?:^|_)(?:bbox|box|boxes|bboxes|bbox_2d)(?:$|_)|box$/i;
const POINTISH = /point|click|coord|keypoint/i;
const TRAJISH = /traj|waypoint|path|trace|poses|plan/i;
const LABEL_KEYS = ['category', 'label', 'name', 'ref', 'class', 'object'];
const MAX_WALK_NODES = 5000;

/**
 * Records no descriptor knows: geometry found by its shape wherever it is. 4-number lists under
 * box-like keys, `{x, y}` objects and [x, y] lists under point-like keys, lists of points under
 * trajectory-like keys ((x, y, heading) triples are ego-frame plans). A key or an enclosing key
 * naming a prediction (`pred…`) makes the shape a prediction. Bounded: at most 5,000 nodes.
 */
function shapesByKey(root: unknown, shapes: RawShape[], ego: EgoTrajectory[]): void {
  let visited = 0;
  const walk = (v: unknown, key: string, at: string, parent: Record<string, unknown> | undefined, pred: boolean, depth: number): void => {
    if (++visited > MAX_WALK_NODES || depth > 8) return;
    const role: ShapeRole = pred || /pred/i.test(key) ? 'pred' : 'gt';
    const labelKey = parent ? LABEL_KEYS.find((k) => typeof parent[k] === 'string') : undefined;
    const label = labelKey ? (parent?.[labelKey] as string) : undefined;
    const source = { field: at, text: JSON.stringify(v)?.slice(0, 200) ?? '' };
    const parser = `field ${at} (found by shape)`;
    if (key && BOXISH.test(key)) {
      if (isQuad(v)) return void shapes.push({ kind: 'box', role, values: [...v], label, source, parser });
      if (Array.isArray(v) && v.length > 0 && v.every(isQuad)) return void v.forEach((b: number[]) => shapes.push({ kind: 'box', role, values: [...b], label, source, parser }));
    }
    if (key && TRAJISH.test(key) && Array.isArray(v) && v.length >= 2) {
      if (v.every((p) => Array.isArray(p) && p.length === 3 && p.every(isNum))) return void ego.push({ role, label, poses: (v as number[][]).map((p) => [p[0], p[1], p[2]] as [number, number, number]), source });
      if (v.every((p) => isXY(p) && (isNum((p as Record<string, unknown>).yaw) || isNum((p as Record<string, unknown>).heading)))) {
        return void ego.push({ role, label, poses: v.map((p: Record<string, number>) => [p.x, p.y, p.yaw ?? p.heading] as [number, number, number]), source });
      }
      if (v.every(isPair)) return void shapes.push({ kind: 'trajectory', role, values: (v).map((p) => [...p]), label, source, parser });
      if (v.every(isXY)) return void shapes.push({ kind: 'trajectory', role, values: v.map((p: { x: number; y: number }) => [p.x, p.y]), label, source, parser });
    }
    if (key && POINTISH.test(key)) {
      if (isPair(v) || isXY(v)) return void shapes.push({ kind: 'point', role, values: isXY(v) ? [v.x, v.y] : [...v], label, source, parser });
      if (Array.isArray(v) && v.length > 0 && v.every((p) => isPair(p) || isXY(p))) {
        for (const p of v as Array<number[] | { x: number; y: number }>) shapes.push({ kind: 'point', role, values: isXY(p) ? [p.x, p.y] : [...p], label, source, parser });
        return;
      }
    }
    if (Array.isArray(v)) v.forEach((x, i) => (typeof x === 'object' && x !== null ? walk(x, key, `${at}.${i}`, isObj(x) ? x : parent, role === 'pred', depth + 1) : undefined));
    else if (isObj(v)) for (const [k, x] of Object.entries(v)) if (typeof x === 'object' && x !== null) walk(x, k, at ? `${at}.${k}` : k, v, role === 'pred', depth + 1);
  };
  walk(root, '', '', undefined, false, 0);
}

function roleOf(t: Turn): ShapeRole | undefined {
  switch (t.kind) {
    case 'prediction':
    case 'rejected':
      return 'pred';
    case 'reference':
    case 'chosen':
      return 'gt';
    default:
      break;
  }
  if (t.role === 'assistant') return 'gt';
  if (t.role === 'user') return 'prompt';
  return undefined;
}

export function extractGeometry(rec: NormalizedRecord, value: unknown, opts: ExtractOptions = {}): RecordGeometryRaw {
  const shapes: RawShape[] = [];
  const ego: EgoTrajectory[] = [];
  const hint = [rec.task ?? '', rec.turns.find((t) => t.role === 'user')?.text ?? ''].join(' ');
  const prompts: number[] = [];
  const d = opts.descriptor ?? descriptorOf(rec.format);
  // fields the descriptor reads as geometry are not read again from their turn's text
  const geometryKeys = new Set((d.geometry ?? []).map((g) => g.path.split(/[.[]/)[0]));
  rec.turns.forEach((t, i) => {
    const role = roleOf(t);
    if (!role) return;
    if (geometryKeys.has(String(t.segments[0]?.path[0]))) return;
    if (role === 'prompt') {
      prompts.push(i);
      return;
    }
    const g = shapesFromText(t.text, { role, turn: i, hint });
    shapes.push(...g.shapes);
    ego.push(...g.ego);
  });
  for (const gf of d.geometry ?? []) descriptorShapes(value, gf, shapes);
  if (rec.format === 'unknown' || rec.format === 'user') shapesByKey(value, shapes, ego);
  else if (!d.geometry) fieldShapes(value, rec, shapes, ego, opts);
  // Questions: tagged geometry always; bare (x, y) pairs only when the record has answers with geometry.
  for (const i of prompts) {
    const g = shapesFromText(rec.turns[i].text, { role: 'prompt', turn: i, hint, proseTuples: shapes.length > 0 });
    shapes.push(...g.shapes);
    ego.push(...g.ego);
  }
  // RoboInter records with new_w/new_h are in smart_resize_format (the format decides),
  // questions and answers alike, unless every value is within 0–1: that is the same data
  // in llava_format.
  if (rec.format === 'robointer' && rec.resizedSize) {
    for (const s of shapes) {
      if (s.implied || s.source.turn === undefined) continue;
      const flat = (s.values as Array<number | number[]>).flat();
      s.implied = flat.every((v) => v >= 0 && v <= 1) ? 'norm1' : 'resized';
    }
  }
  return { shapes, ego };
}

const FIELD_BOXES = ['bbox', 'boxes', 'bboxes', 'object_box', 'gripper_box', 'affordance_box', 'placement_proposal'];
const FIELD_POINTS = ['points', 'contact_points'];
const FIELD_TRAJ = ['trajectory', 'traj', 'trace', 'future_traj'];

function fieldShapes(value: unknown, rec: NormalizedRecord, shapes: RawShape[], ego: EgoTrajectory[], opts: ExtractOptions): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return;
  const o = value as Record<string, unknown>;
  const src = (field: string) => ({ field, text: JSON.stringify(o[field]).slice(0, 200) });
  for (const key of [...FIELD_BOXES, 'bbox_xywh']) {
    if (!(key in o)) continue;
    const xywh = key === 'bbox_xywh' || (key === 'bbox' && opts.boxesAreXywh === true);
    for (const b of boxesIn(o[key])) shapes.push({ kind: 'box', role: 'gt', values: b, xywh, source: src(key), parser: `field ${key}` });
  }
  for (const key of FIELD_POINTS) {
    const v = o[key];
    if (!Array.isArray(v)) continue;
    const pts = v.filter((p): p is [number, number] => Array.isArray(p) && p.length === 2 && p.every((n) => typeof n === 'number'));
    const group = key === 'contact_points' && pts.length === 2 ? `field:${key}` : undefined;
    for (const p of pts) shapes.push({ kind: 'point', role: 'gt', values: [...p], source: src(key), parser: `field ${key}`, group });
  }
  for (const key of FIELD_TRAJ) {
    const v = o[key];
    if (!Array.isArray(v)) continue;
    const pts = v.filter((p): p is number[] => Array.isArray(p) && p.length >= 2 && typeof p[0] === 'number' && typeof p[1] === 'number').map((p) => [p[0], p[1]]);
    if (pts.length > 0) shapes.push({ kind: 'trajectory', role: 'gt', values: pts, source: src(key), parser: `field ${key}` });
  }
  // ms-swift grounding: objects {ref: [...], bbox: [[x1,y1,x2,y2] | [x,y], ...], bbox_type: real | norm1}
  const objects = o.objects;
  if (typeof objects === 'object' && objects !== null && !Array.isArray(objects)) {
    const ob = objects as Record<string, unknown>;
    const refs = Array.isArray(ob.ref) ? ob.ref : [];
    const implied: Convention | undefined = ob.bbox_type === 'norm1' ? 'norm1' : ob.bbox_type === 'real' ? 'pixel' : undefined;
    if (Array.isArray(ob.bbox)) {
      ob.bbox.forEach((b, i) => {
        const label = typeof refs[i] === 'string' ? refs[i] : undefined;
        const source = { field: `objects.bbox.${i}`, text: JSON.stringify(b) };
        if (Array.isArray(b) && b.length === 4 && b.every((n) => typeof n === 'number')) shapes.push({ kind: 'box', role: 'gt', values: b, label, source, parser: 'ms-swift objects', implied });
        else if (Array.isArray(b) && b.length === 2 && b.every((n) => typeof n === 'number')) shapes.push({ kind: 'point', role: 'gt', values: b, label, source, parser: 'ms-swift objects', implied });
      });
    }
  }
  // RoboInter generation records keep the answer's box in original pixels in `gt`.
  if (rec.format === 'robointer' && typeof o.gt === 'string') {
    const g = shapesFromText(o.gt, { role: 'gt', field: 'gt', hint: rec.task ?? '', implied: 'pixel' });
    shapes.push(...g.shapes);
  }
  // NAVSIM trajectories: poses [[x, y, heading], …] in the ego frame
  if (Array.isArray(o.poses) && o.poses.length > 0 && o.poses.every((p) => Array.isArray(p) && p.length === 3 && p.every((n) => typeof n === 'number'))) {
    ego.push({ role: 'gt', poses: (o.poses as number[][]).map((p) => [p[0], p[1], p[2]]), source: { field: 'poses', text: 'poses' } });
  }
}
