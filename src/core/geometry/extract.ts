/**
 * Every spatial annotation of a normalized record: from the text of its turns (with the
 * turn's role: dataset answers and references are `gt`, model outputs `pred`, questions
 * `prompt`) and from structured fields (bbox / points / trajectory, ms-swift `objects`,
 * RoboInter annotation keys, the RoboInter `gt` field in original pixels, NAVSIM `poses`).
 */
import type { NormalizedRecord, Turn } from '../records/model';
import { boxesIn, shapesFromText } from './parseText';
import type { Convention, EgoTrajectory, RawShape, RecordGeometryRaw, ShapeRole } from './types';

export interface ExtractOptions {
  /** structured box fields are COCO x, y, width, height (setting `vlmLens.boxFormat`) */
  boxesAreXywh?: boolean;
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
  rec.turns.forEach((t, i) => {
    const role = roleOf(t);
    if (!role) return;
    if (role === 'prompt') {
      prompts.push(i);
      return;
    }
    const g = shapesFromText(t.text, { role, turn: i, hint });
    shapes.push(...g.shapes);
    ego.push(...g.ego);
  });
  fieldShapes(value, rec, shapes, ego, opts);
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
