/**
 * Reading answers the way eval scripts mean them: the text inside `<answer>…</answer>`,
 * option letters ("B", "B.", "(B)", "B. 2", "the answer is B"), sets of letters ("A, C"),
 * numbers ("139,132", "12.5%"), and the task kind a reference implies by its shape. Pure.
 */
import type { TaskKind } from '../formats/registry';
import { isNum, isXY, shapesFromText } from '../geometry/parseText';

/** The text inside the last `<answer>…</answer>` (or after a final unclosed `<answer>`), else the text. */
export function answerText(text: string): { text: string; extracted: boolean } {
  const close = text.lastIndexOf('</answer>');
  if (close >= 0) {
    const open = text.lastIndexOf('<answer>', close);
    if (open >= 0) return { text: text.slice(open + 8, close).trim(), extracted: true };
  }
  const open = text.lastIndexOf('<answer>');
  if (open >= 0) return { text: text.slice(open + 8).trim(), extracted: true };
  return { text, extracted: false };
}

const SAID = /(?:answer|option|choice)\s*(?:is|:|：)\s*[(（[]?\s*([A-Z])\s*[)）\]]?(?![a-z])/i;
const LEADING_LETTER = /^[(（[]?([A-Z])(?:[)）\].:：、,]|\s*$|\s+[-–—]?\s*\S)/;

/** Normalized choice / yes-no answer: the option letter (lower case), yes/no, or the trimmed lower-case text. */
export function normalizeAnswer(text: string): string {
  let t = answerText(text).text.trim();
  const said = SAID.exec(t);
  if (said) return said[1].toLowerCase();
  const letter = LEADING_LETTER.exec(t);
  // "B. 2" and "(B) the cup" are option B; "A car is…" is prose (a letter then a lower-case word)
  if (letter && !/^[A-Z]\s+[a-z]/.test(t)) return letter[1].toLowerCase();
  t = t.toLowerCase().replace(/[\s.!。]+$/g, '');
  if (/^(yes|true|是|对)\b/.test(t)) return 'yes';
  if (/^(no|false|否|不是|不)\b/.test(t)) return 'no';
  return t.replace(/\s+/g, ' ');
}

const LETTER_SET = /^[(（[]?[A-Z][)）\]]?(?:\s*(?:,|，|、|;|；|&|\band\b|和|\s)\s*[(（[]?[A-Z][)）\]]?)+\s*\.?$/;

/** The option letters of a multi-select answer ("A, C", "A和C", "(A) (C)"), or undefined. */
export function letterSet(text: string): Set<string> | undefined {
  let t = answerText(text).text.trim();
  t = t.replace(/^(?:the\s+)?(?:answers?|options?|choices?)\s*(?:are|is|:|：)\s*/i, '');
  if (!LETTER_SET.test(t)) return undefined;
  return new Set([...t.matchAll(/[A-Z]/g)].map((m) => m[0]));
}

const NUMBER = /^[-+]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:[eE][-+]?\d+)?%?$|^[-+]?\.\d+%?$/;

/** A number written as the whole answer ("139,132", "-2.5", "12%"), or undefined. */
export function numberOf(text: string): number | undefined {
  const t = answerText(text).text.trim().replace(/[.。]$/, '');
  if (!NUMBER.test(t)) return undefined;
  const n = Number(t.replace(/,/g, '').replace(/%$/, ''));
  return Number.isFinite(n) ? n : undefined;
}

/** The number a prediction gives: its whole answer, or the only number in it; undefined when none or several. */
export function predictedNumber(text: string): number | undefined {
  const whole = numberOf(text);
  if (whole !== undefined) return whole;
  const t = answerText(text).text;
  const all = [...t.matchAll(/[-+]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?/g)];
  if (all.length !== 1) return undefined;
  const n = Number(all[0][0].replace(/,/g, ''));
  return Number.isFinite(n) ? n : undefined;
}

const FILE_PATH = /^[^\s]*[\\/][^\s]*\.(?:png|jpe?g|bmp|tiff?|webp|gif|npy|npz|pkl|pt|json|txt)$|^[^\s/\\]+\.(?:png|jpe?g|bmp|tiff?|webp|npy|npz)$/i;

/** Characters (without spaces) of the text that the shapes were read from. */
function coverage(sources: Array<{ start?: number; end?: number; text: string }>): number {
  const spans = sources.filter((x) => x.start !== undefined && x.end !== undefined).map((x) => [x.start as number, x.end as number, x.text] as const);
  spans.sort((a, b) => a[0] - b[0]);
  let total = 0;
  let lastEnd = -1;
  for (const [a, b, text] of spans) {
    if (b <= lastEnd) continue;
    total += a >= lastEnd ? text.replace(/\s+/g, '').length : Math.max(0, b - lastEnd);
    lastEnd = b;
  }
  return total;
}

export interface ReferenceKind {
  kind?: TaskKind;
  /** why the reference cannot be scored (then `kind` is undefined) */
  unscorable?: string;
  /** the reference is an ego-frame trajectory (x, y, heading), in metres */
  ego?: boolean;
}

/** A task name that says points (contact_point, point) but not "checkpoint". */
export const POINT_HINT = /(?:^|[^a-z])point/i;

const isPairLike = (v: unknown): v is number[] => Array.isArray(v) && v.length >= 2 && isNum(v[0]) && isNum(v[1]);

/** The kind a structured (parsed JSON) reference value implies. */
export function kindOfValue(v: unknown, hint = ''): ReferenceKind | undefined {
  if (isNum(v)) return { kind: 'numeric' };
  if (typeof v === 'boolean') return { kind: 'choice' };
  if (isXY(v)) return { kind: 'point' };
  if (!Array.isArray(v) || v.length === 0) return undefined;
  if (v.length === 4 && v.every(isNum)) return { kind: 'box' };
  if (v.length === 2 && v.every(isNum)) return { kind: 'point' };
  if (v.every((p) => Array.isArray(p) && p.length === 4 && p.every(isNum))) return { kind: 'box' };
  if (v.every((p) => isXY(p))) {
    const ego = v.every((p) => isNum((p as Record<string, unknown>).yaw) || isNum((p as Record<string, unknown>).heading));
    return v.length >= 2 ? { kind: 'trajectory', ego } : { kind: 'point' };
  }
  if (v.every(isPairLike)) {
    if (v.every((p) => p.length === 3)) return { kind: 'trajectory', ego: true };
    if (v.length >= 3 || /traj|waypoint|path|trace/i.test(hint)) return { kind: 'trajectory' };
    if (v.length === 2 && POINT_HINT.test(hint)) return { kind: 'point' };
    return v.length === 1 ? { kind: 'point' } : { kind: 'box' };
  }
  if (v.every((s) => typeof s === 'string')) return { kind: 'text' };
  return undefined;
}

function parseJsonish(t: string): unknown {
  const s = t.trim();
  if (!/^[[{\d.-]/.test(s)) return undefined;
  for (const c of [s, s.replace(/\(/g, '[').replace(/\)/g, ']')]) {
    try {
      return JSON.parse(c) as unknown;
    } catch {
      /* try the next form */
    }
  }
  return undefined;
}

/**
 * The task kind a reference implies by its shape: geometry (box, point, trajectory), an option
 * letter or yes/no (choice), a set of letters (multi-select), a number (numeric), else text.
 * A file path (a mask image…) or an empty reference is unscorable, never a number.
 */
export function referenceKind(value: unknown, hint = ''): ReferenceKind {
  if (value === undefined || value === null) return { unscorable: 'there is no reference (ground-truth) field' };
  if (typeof value !== 'string') return kindOfValue(value, hint) ?? { unscorable: `the reference is a ${Array.isArray(value) ? 'list' : typeof value} that is not a box, point, trajectory, number or text` };
  const t = answerText(value).text.trim();
  if (!t) return { unscorable: 'the reference is empty' };
  if (FILE_PATH.test(t)) return { unscorable: `the reference is a file path (${t.length > 60 ? `${t.slice(0, 57)}…` : t}), not an answer to compare` };
  if (/\[PT,\s*\(/.test(t)) return { kind: 'trajectory', ego: true };
  const parsed = parseJsonish(t);
  if (parsed !== undefined && typeof parsed !== 'string') {
    const k = kindOfValue(parsed, hint);
    if (k) return k;
  }
  if (numberOf(t) !== undefined) return { kind: 'numeric' };
  if (/^[(（[]?[A-Z][)）\]]?[.:]?$/.test(t) || /^(yes|no)\.?$/i.test(t)) return { kind: 'choice' };
  if (letterSet(t)) return { kind: 'multi-select' };
  const { shapes, ego } = shapesFromText(t, { role: 'gt', hint });
  // prose that mentions objects (DriveLM "There is a brown SUV … <c1,CAM_BACK,1088.3,497.5>") is text, not geometry
  const covered = coverage([...shapes.map((x) => x.source), ...ego.map((x) => x.source)]);
  if ((shapes.length > 0 || ego.length > 0) && covered < 0.5 * t.replace(/\s+/g, '').length) return { kind: 'text' };
  if (ego.length > 0) return { kind: 'trajectory', ego: true };
  if (shapes.some((s) => s.kind === 'trajectory')) return { kind: 'trajectory' };
  if (shapes.some((s) => s.kind === 'box')) return { kind: 'box' };
  const points = shapes.filter((s) => s.kind === 'point').length;
  if (points > 0) return points >= 3 && /traj|waypoint|path|trace/i.test(hint) ? { kind: 'trajectory' } : { kind: 'point' };
  return { kind: 'text' };
}
