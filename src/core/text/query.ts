/**
 * What a search query matches, shared by the host (search) and the webview (highlights).
 * Pure: no Node, no DOM.
 */
export interface QuerySpec {
  text: string;
  regex: boolean;
  caseSensitive: boolean;
}

export class SearchSyntaxError extends Error {}

/** The forms a literal can take inside a JSON file: as typed, JSON-escaped, and ASCII-escaped. */
export function literalForms(text: string): string[] {
  const json = JSON.stringify(text).slice(1, -1);
  const ascii = json.replace(/[\u007f-\uffff]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
  return [...new Set([text, json, ascii])];
}

export function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Compiles a query for decoded text; throws SearchSyntaxError for a bad regex. */
export function compileQuery(q: QuerySpec): RegExp {
  const flags = 'gm' + (q.caseSensitive ? '' : 'i');
  if (q.regex) {
    try {
      return new RegExp(q.text, flags);
    } catch (e) {
      throw new SearchSyntaxError(e instanceof Error ? e.message : String(e));
    }
  }
  return new RegExp(literalForms(q.text).map(escapeRegExp).join('|'), flags);
}
