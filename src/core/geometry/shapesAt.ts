/**
 * Which shapes of a record are written where the cursor is: a structured field (and anything
 * under it), or a text of a turn, narrowed to the shape whose text the cursor is on.
 */
import { getNodePath, type Node as JsonNode } from 'jsonc-parser';
import type { RawShape } from './types';
import type { JsonPath, NormalizedRecord } from '../records/model';

/** The decoded position inside a JSON string node of a raw offset (an escape cut in half is dropped). */
function decodedOffset(recordText: string, node: JsonNode, offset: number): number {
  let raw = recordText.slice(node.offset + 1, Math.max(node.offset + 1, offset));
  raw = raw.replace(/\\(u[0-9a-fA-F]{0,3})?$/, '');
  try {
    return (JSON.parse(`"${raw}"`) as string).length;
  } catch {
    return raw.length;
  }
}

function samePath(a: JsonPath, b: JsonPath): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** The shapes written in the JSON value under the cursor (narrowed to the one under it inside a text). */
export function shapesAt(rec: NormalizedRecord, shapes: RawShape[], recordText: string, node: JsonNode, offset: number): RawShape[] {
  const path = getNodePath(node);
  const dotted = path.join('.');
  const byField = shapes.filter((s) => s.source.field !== undefined && (dotted === s.source.field || dotted.startsWith(`${s.source.field}.`)));
  if (byField.length > 0) return byField;
  if (node.type !== 'string') return [];
  const inText = shapes.filter((s) => s.source.turn !== undefined && rec.turns[s.source.turn]?.segments.some((seg) => samePath(seg.path, path)));
  if (inText.length === 0) return [];
  const d = decodedOffset(recordText, node, offset);
  const under = inText.filter((s) => {
    const seg = rec.turns[s.source.turn ?? -1]?.segments.find((g) => samePath(g.path, path));
    if (!seg || s.source.start === undefined || s.source.end === undefined) return false;
    const from = seg.valueOffset + (s.source.start - seg.start);
    const to = seg.valueOffset + (s.source.end - seg.start);
    return d >= from && d <= to;
  });
  return under.length > 0 ? under : inText;
}
