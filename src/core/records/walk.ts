import { type JsonPath } from './model';

/** Calls `visit` for every string value in `value` (depth first), with its path. */
export function walkStrings(value: unknown, visit: (s: string, path: JsonPath) => void, path: JsonPath = []): void {
  if (typeof value === 'string') visit(value, path);
  else if (Array.isArray(value)) value.forEach((v, i) => walkStrings(v, visit, [...path, i]));
  else if (typeof value === 'object' && value !== null) for (const [k, v] of Object.entries(value)) walkStrings(v, visit, [...path, k]);
}
