/**
 * Boxes, points and trajectories written inside text: Qwen2-VL box tokens, Qwen-VL v1 and
 * InternVL <ref>/<box> tags, Molmo <point> tags, Qwen2.5/3 JSON (bbox_2d, point_2d), RoboInter
 * JSON answers (contact_bbox, future_traj, contact_point…), RoboBrain lists, ReCogDrive
 * [PT, …] ego trajectories. Each shape keeps the offsets of the text it came from.
 */
import { getNodeValue, parseTree, type Node as JsonNode } from 'jsonc-parser';
import type { Convention, EgoTrajectory, RawShape, ShapeKind, ShapeRole, ShapeSource } from './types';

export interface TextContext {
  role: ShapeRole;
  turn?: number;
  field?: string;
  /** the task / question, to tell a list of points from a trajectory or a box */
  hint?: string;
  /** read bare `(x, y)` pairs in prose (prompt turns of records that carry geometry) */
  proseTuples?: boolean;
  /** convention the caller knows applies to everything here (RoboInter `gt` field: pixels) */
  implied?: Convention;
}

export interface TextGeometry {
  shapes: RawShape[];
  ego: EgoTrajectory[];
}

const NUM = String.raw`[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?`;
const TUPLE = new RegExp(String.raw`\(\s*(${NUM})\s*,\s*(${NUM})\s*\)`, 'g');

/** Keys whose value is a box (RoboInter answers and annotations, generic names). */
const BOX_KEYS = new Set(['bbox_2d', 'contact_bbox', 'current_bbox', 'final_bbox', 'gripper_det_bbox', 'target_bbox', 'object_box', 'gripper_box', 'affordance_box', 'placement_proposal', 'bbox', 'box', 'boxes', 'bboxes']);
const POINT_KEYS = new Set(['point_2d', 'contact_point', 'contact_points', 'grasp_point', 'point', 'points']);
const TRAJ_KEYS = new Set(['future_traj', 'trace', 'trajectory', 'traj']);

/** A finite number. */
export function isNum(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}
/** [x, y] */
export function isPair(v: unknown): v is [number, number] {
  return Array.isArray(v) && v.length === 2 && isNum(v[0]) && isNum(v[1]);
}
/** [x1, y1, x2, y2] */
export function isQuad(v: unknown): v is [number, number, number, number] {
  return Array.isArray(v) && v.length === 4 && v.every(isNum);
}
/** {x, y} (other fields allowed) */
export function isXY(v: unknown): v is { x: number; y: number } {
  return typeof v === 'object' && v !== null && isNum((v as { x?: unknown }).x) && isNum((v as { y?: unknown }).y);
}

class Collector {
  readonly shapes: RawShape[] = [];
  readonly ego: EgoTrajectory[] = [];
  /** [start, end) ranges already read by a more specific parser */
  private readonly taken: Array<[number, number]> = [];
  private groupCounter = 0;

  constructor(
    readonly text: string,
    readonly ctx: TextContext,
  ) {}

  isTaken(start: number, end: number): boolean {
    return this.taken.some(([a, b]) => start < b && end > a);
  }

  take(start: number, end: number): void {
    this.taken.push([start, end]);
  }

  source(start: number, end: number): ShapeSource {
    return { turn: this.ctx.turn, field: this.ctx.field, start, end, text: this.text.slice(start, end) };
  }

  newGroup(): string {
    return `${this.ctx.turn ?? this.ctx.field ?? 't'}:${this.groupCounter++}`;
  }

  add(kind: ShapeKind, values: number[] | number[][], start: number, end: number, parser: string, extra: Partial<RawShape> = {}): void {
    const implied = extra.implied ?? this.ctx.implied;
    this.shapes.push({ kind, role: this.ctx.role, values, source: this.source(start, end), parser, ...extra, implied });
  }
}

/** Reads every spatial annotation in `text`. */
export function shapesFromText(text: string, ctx: TextContext): TextGeometry {
  const c = new Collector(text, ctx);
  qwen2Tokens(c);
  refBoxTags(c);
  molmoPoints(c);
  driveLmTags(c);
  egoTrajectories(c);
  jsonValues(c);
  if (c.shapes.length === 0 && ctx.role !== 'prompt') bareLists(c);
  if (ctx.proseTuples) proseTuples(c);
  c.shapes.sort((a, b) => (a.source.start ?? 0) - (b.source.start ?? 0));
  return { shapes: c.shapes, ego: c.ego };
}

/** Qwen2-VL: <|object_ref_start|>label<|object_ref_end|><|box_start|>(x1,y1),(x2,y2)<|box_end|>; a single (x,y) is a point. */
function qwen2Tokens(c: Collector): void {
  const re = /(?:<\|object_ref_start\|>([\s\S]*?)<\|object_ref_end\|>\s*)?<\|box_start\|>([\s\S]*?)<\|box_end\|>/g;
  for (const m of c.text.matchAll(re)) {
    const start = m.index;
    const end = start + m[0].length;
    const tuples = [...m[2].matchAll(TUPLE)].map((t) => [Number(t[1]), Number(t[2])]);
    const label = m[1]?.trim() || undefined;
    if (tuples.length === 1) c.add('point', tuples[0], start, end, 'Qwen2-VL box tokens', { label, implied: 'norm1000' });
    for (let i = 0; i + 1 < tuples.length; i += 2) c.add('box', [...tuples[i], ...tuples[i + 1]], start, end, 'Qwen2-VL box tokens', { label, implied: 'norm1000' });
    c.take(start, end);
  }
}

/** Qwen-VL v1 `<ref>x</ref><box>(x1,y1),(x2,y2)</box>` (0–999) and InternVL `<ref>x</ref><box>[[x1,y1,x2,y2], …]</box>` (0–1000). */
function refBoxTags(c: Collector): void {
  const re = /(?:<ref>([\s\S]*?)<\/ref>\s*)?<box>([\s\S]*?)<\/box>/g;
  for (const m of c.text.matchAll(re)) {
    const start = m.index;
    const end = start + m[0].length;
    if (c.isTaken(start, end)) continue;
    const label = m[1]?.trim() || undefined;
    const body = m[2];
    const tuples = [...body.matchAll(TUPLE)].map((t) => [Number(t[1]), Number(t[2])]);
    if (tuples.length >= 2) {
      for (let i = 0; i + 1 < tuples.length; i += 2) c.add('box', [...tuples[i], ...tuples[i + 1]], start, end, 'Qwen-VL <box> tags', { label, implied: 'norm999' });
    } else {
      const parsed = parseLoose(body);
      const quads = Array.isArray(parsed) ? (isQuad(parsed) ? [parsed] : parsed.filter(isQuad)) : [];
      for (const q of quads) c.add('box', q, start, end, 'InternVL <box> tags', { label, implied: 'norm1000' });
    }
    c.take(start, end);
  }
}

/** Molmo: <point x="61.5" y="40.3" alt="cup">cup</point>, <points x1=".." y1=".." x2=".." y2=".." alt="..">…</points> (percent). */
function molmoPoints(c: Collector): void {
  const re = /<(points?)\b([^>]*?)(?:\/>|>([\s\S]*?)<\/\1>)/g;
  for (const m of c.text.matchAll(re)) {
    const start = m.index;
    const end = start + m[0].length;
    if (c.isTaken(start, end)) continue;
    const attrs = new Map([...m[2].matchAll(/(\w+)\s*=\s*"([^"]*)"/g)].map((a) => [a[1], a[2]]));
    const label = attrs.get('alt') ?? (m[3]?.trim() || undefined);
    const pts: number[][] = [];
    if (attrs.has('x') && attrs.has('y')) pts.push([Number(attrs.get('x')), Number(attrs.get('y'))]);
    for (let i = 1; attrs.has(`x${i}`) && attrs.has(`y${i}`); i++) pts.push([Number(attrs.get(`x${i}`)), Number(attrs.get(`y${i}`))]);
    const group = pts.length > 1 ? c.newGroup() : undefined;
    for (const p of pts) if (p.every(Number.isFinite)) c.add('point', p, start, end, 'Molmo <point> tags', { label, implied: 'percent', group });
    // Molmo2: coords="IMAGE PID X Y PID X Y …; FRAME PID X Y …" in 0–1000 (the leading number is the image or frame, not a point)
    const coords = attrs.get('coords');
    if (coords !== undefined) {
      const v2: number[][] = [];
      for (const chunk of coords.split(';')) {
        // "T: PID X Y …" (a video frame's time first) or "IMAGE PID X Y …"
        const timed = /^\s*[\d.]+\s*:/.test(chunk);
        const nums = chunk.replace(/^\s*[\d.]+\s*:/, '').trim().split(/\s+/).map(Number);
        for (let i = timed ? 0 : 1; i + 2 < nums.length; i += 3) if (Number.isFinite(nums[i + 1]) && Number.isFinite(nums[i + 2])) v2.push([nums[i + 1], nums[i + 2]]);
      }
      const g2 = v2.length > 1 ? c.newGroup() : undefined;
      for (const p of v2) c.add('point', p, start, end, 'Molmo2 <points coords>', { label, implied: 'norm1000', group: g2 });
    }
    c.take(start, end);
  }
}

/** DriveLM object tags `<c1,CAM_BACK,1088.3,497.5>`: an object's centre in pixels of the named camera's image. */
function driveLmTags(c: Collector): void {
  const re = new RegExp(String.raw`<(c\d+),\s*(CAM_[A-Z_]+),\s*(${NUM}),\s*(${NUM})>`, 'g');
  for (const m of c.text.matchAll(re)) {
    const start = m.index;
    const end = start + m[0].length;
    if (c.isTaken(start, end)) continue;
    c.add('point', [Number(m[3]), Number(m[4])], start, end, 'DriveLM object tags', { label: m[1], view: m[2], implied: 'pixel' });
    c.take(start, end);
  }
}

/** ReCogDrive: [PT, (x, y, heading), …]: an ego-frame plan, not image coordinates. */
function egoTrajectories(c: Collector): void {
  const re = /\[PT,\s*((?:\([^)]*\)\s*,?\s*)+)\]/g;
  for (const m of c.text.matchAll(re)) {
    const start = m.index;
    const end = start + m[0].length;
    const poses = [...m[1].matchAll(/\(([^)]+)\)/g)]
      .map((t) => t[1].split(',').map((x) => Number(x.trim())))
      .filter((p) => p.length === 3 && p.every(Number.isFinite))
      .map((p) => [p[0], p[1], p[2]] as [number, number, number]);
    if (poses.length > 0) c.ego.push({ role: c.ctx.role, poses, source: c.source(start, end) });
    c.take(start, end);
  }
}

/** JSON inside ```json fences or bare: Qwen2.5/3 bbox_2d / point_2d, RoboInter keys, generic box/point keys. */
function jsonValues(c: Collector): void {
  for (const cand of jsonCandidates(c.text)) {
    if (c.isTaken(cand.start, cand.end)) continue;
    const before = c.shapes.length;
    const tree = parseTree(cand.body.replace(/[()]/g, (ch) => (ch === '(' ? '[' : ']')));
    if (tree) walkJson(c, tree, cand.bodyStart, undefined);
    if (c.shapes.length > before) c.take(cand.start, cand.end);
  }
  // RoboInter answers that are not valid JSON still name their key: "key": [[…]]
  for (const m of c.text.matchAll(/"(\w+)"\s*:\s*\[/g)) {
    const key = m[1];
    if (!BOX_KEYS.has(key) && !POINT_KEYS.has(key) && !TRAJ_KEYS.has(key)) continue;
    const start = m.index;
    const listStart = start + m[0].length - 1;
    const end = balancedEnd(c.text, listStart);
    if (end < 0 || c.isTaken(start, end)) continue;
    const parsed = parseLoose(c.text.slice(listStart, end));
    if (parsed === undefined) continue;
    const before = c.shapes.length;
    keyed(c, key, parsed, start, end);
    if (c.shapes.length > before) c.take(start, end);
  }
}

/** Walks a JSON tree; each shape's span is the object that holds its key. */
function walkJson(c: Collector, node: JsonNode, base: number, label: string | undefined): void {
  if (node.type === 'array') {
    for (const child of node.children ?? []) walkJson(c, child, base, label);
    return;
  }
  if (node.type !== 'object') return;
  const props = (node.children ?? []).filter((p) => p.type === 'property' && p.children?.length === 2);
  const own = props.find((p) => p.children?.[0].value === 'label' || p.children?.[0].value === 'ref');
  const ownLabel = own && typeof own.children?.[1].value === 'string' ? String(own.children[1].value) : label;
  const start = base + node.offset;
  const end = start + node.length;
  for (const p of props) {
    const [keyNode, valueNode] = p.children as [JsonNode, JsonNode];
    const k = String(keyNode.value);
    if (BOX_KEYS.has(k) || POINT_KEYS.has(k) || TRAJ_KEYS.has(k)) keyed(c, k, getNodeValue(valueNode) as unknown, start, end, ownLabel);
    else if (valueNode.type === 'object' || valueNode.type === 'array') walkJson(c, valueNode, base, ownLabel);
  }
}

/** A value under a known key. */
function keyed(c: Collector, key: string, val: unknown, start: number, end: number, label?: string): void {
  const parser = key.endsWith('_2d') ? 'Qwen2.5/3 JSON' : KEY_PARSER[key] ?? 'JSON';
  const name = label ?? (key.endsWith('_2d') ? undefined : key);
  if (BOX_KEYS.has(key)) {
    for (const box of boxesIn(val)) c.add('box', box, start, end, parser, { label: name });
  } else if (POINT_KEYS.has(key)) {
    const pts = isPair(val) ? [val] : Array.isArray(val) ? val.filter(isPair) : [];
    const group = pts.length === 2 && /contact/.test(key) ? c.newGroup() : undefined;
    for (const p of pts) c.add('point', [...p], start, end, parser, { label: name, group });
  } else if (TRAJ_KEYS.has(key)) {
    const pts = Array.isArray(val) ? val.filter(isPair).map((p) => [...p]) : [];
    if (pts.length > 0) c.add('trajectory', pts, start, end, parser, { label: name });
  }
}

const KEY_PARSER: Record<string, string> = {
  contact_bbox: 'RoboInter JSON',
  current_bbox: 'RoboInter JSON',
  final_bbox: 'RoboInter JSON',
  gripper_det_bbox: 'RoboInter JSON',
  target_bbox: 'RoboInter JSON',
  contact_point: 'RoboInter JSON',
  grasp_point: 'RoboInter JSON',
  future_traj: 'RoboInter JSON',
};

/** [x1,y1,x2,y2], [[x1,y1],[x2,y2]] (RoboInter), or a list of either. */
export function boxesIn(val: unknown): number[][] {
  if (isQuad(val)) return [[...val]];
  if (Array.isArray(val) && val.length === 2 && isPair(val[0]) && isPair(val[1])) return [[...val[0], ...val[1]]];
  if (Array.isArray(val)) return val.flatMap((v) => (isQuad(v) || (Array.isArray(v) && v.length === 2 && isPair(v[0]) && isPair(v[1])) ? boxesIn(v) : []));
  return [];
}

/** RoboBrain and friends: a bare list, inside <answer> or on its own: [x1,y1,x2,y2], [(x,y), …], [[x,y], …]. */
function bareLists(c: Collector): void {
  const hint = (c.ctx.hint ?? '').toLowerCase();
  for (const { value, start, end } of listCandidates(c.text)) {
    if (c.isTaken(start, end)) continue;
    if (isQuad(value)) {
      c.add('box', [...value], start, end, 'list');
    } else if (Array.isArray(value) && value.length > 0 && value.every(isQuad)) {
      for (const q of value) c.add('box', [...q], start, end, 'list');
    } else if (Array.isArray(value) && value.length > 0 && value.every(isPair)) {
      const pts = value.map((p) => [...p]);
      if (/traj|waypoint|path|trace/.test(hint) && pts.length >= 2) c.add('trajectory', pts, start, end, 'list');
      else if (pts.length === 2 && !/(?:^|[^a-z])point/.test(hint)) c.add('box', [...pts[0], ...pts[1]], start, end, 'list');
      else {
        const group = /contact/.test(hint) && pts.length === 2 ? c.newGroup() : undefined;
        for (const p of pts) c.add('point', p, start, end, 'list', { group });
      }
    } else continue;
    c.take(start, end);
  }
}

/** Bare (x, y) pairs in a question: "the gripper starts at (118, 44)". */
function proseTuples(c: Collector): void {
  for (const m of c.text.matchAll(TUPLE)) {
    const start = m.index;
    const end = start + m[0].length;
    if (c.isTaken(start, end)) continue;
    c.add('point', [Number(m[1]), Number(m[2])], start, end, 'coordinates in the prompt');
  }
}

/** Parses JSON, also with (x, y) tuples written as lists. */
function parseLoose(s: string): unknown {
  const t = s.trim();
  for (const candidate of [t, t.replace(/\(/g, '[').replace(/\)/g, ']')]) {
    try {
      return JSON.parse(candidate) as unknown;
    } catch {
      /* try the next form */
    }
  }
  return undefined;
}

/** JSON values in text: the body of ```json fences, then balanced {…} / […] spans that parse. */
export function jsonCandidates(text: string): Array<{ value: unknown; start: number; end: number; body: string; bodyStart: number }> {
  const out: Array<{ value: unknown; start: number; end: number; body: string; bodyStart: number }> = [];
  const fence = /```(?:json)?[ \t]*\n?([\s\S]*?)```/g;
  for (const m of text.matchAll(fence)) {
    const value = parseLoose(m[1]);
    if (value !== undefined) out.push({ value, start: m.index, end: m.index + m[0].length, body: m[1], bodyStart: m.index + m[0].indexOf(m[1]) });
  }
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch !== '{' && ch !== '[') continue;
    if (out.some((o) => i >= o.start && i < o.end)) continue;
    const end = balancedEnd(text, i);
    if (end < 0) continue;
    const body = text.slice(i, end);
    let value: unknown;
    try {
      value = JSON.parse(body) as unknown;
    } catch {
      continue;
    }
    if (typeof value === 'object' && value !== null) {
      out.push({ value, start: i, end, body, bodyStart: i });
      i = end - 1;
    }
  }
  return out.sort((a, b) => a.start - b.start);
}

/** Bracketed lists of numbers or tuples: [1, 2, 3, 4], [(1, 2), (3, 4)], [[1, 2], [3, 4]]. */
function listCandidates(text: string): Array<{ value: unknown; start: number; end: number }> {
  const out: Array<{ value: unknown; start: number; end: number }> = [];
  for (let i = 0; i < text.length; i++) {
    if (text[i] !== '[') continue;
    const end = balancedEnd(text, i);
    if (end < 0) continue;
    const body = text.slice(i, end);
    if (!/^[\s\d.,+\-eE()[\]]+$/.test(body)) continue;
    const value = parseLoose(body);
    if (value !== undefined) {
      out.push({ value, start: i, end });
      i = end - 1;
    }
  }
  return out;
}

/** End (exclusive) of the bracketed span opening at `i`, honouring strings; -1 if unbalanced. */
function balancedEnd(text: string, i: number): number {
  let depth = 0;
  let inString = false;
  for (let k = i; k < text.length; k++) {
    const ch = text[k];
    if (inString) {
      if (ch === '\\') k++;
      else if (ch === '"') inString = false;
      continue;
    }
    if (ch === '"') inString = true;
    else if (ch === '{' || ch === '[' || ch === '(') depth++;
    else if (ch === '}' || ch === ']' || ch === ')') {
      depth--;
      if (depth === 0) return k + 1;
      if (depth < 0) return -1;
    }
  }
  return -1;
}
