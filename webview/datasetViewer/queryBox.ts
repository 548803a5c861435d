/**
 * The filter box's logic, apart from the DOM (Node-tested): field-name completion at the
 * cursor, the history of filters, and the error shown at the place it names.
 */
export interface FieldSuggestion {
  path: string;
  type: string;
}

const PATH_CHAR = /[A-Za-z0-9_.[\]"]/;

/** The field path being typed at `cursor` and where it starts; none inside a '…' string. */
export function wordAt(text: string, cursor: number): { start: number; word: string } | undefined {
  let quotes = 0;
  for (let i = 0; i < cursor; i++) if (text[i] === "'") quotes++;
  if (quotes % 2 === 1) return undefined;
  let start = cursor;
  while (start > 0 && PATH_CHAR.test(text[start - 1])) start--;
  const word = text.slice(start, cursor);
  if (!word || /^\d/.test(word)) return undefined;
  return { start, word };
}

/**
 * Fields to offer for the word at the cursor: those whose path starts with it first, then
 * those that hold it after a dot (`value` finds `conversations[1].value`). At most `cap`.
 */
export function suggest(text: string, cursor: number, fields: FieldSuggestion[], cap = 8): FieldSuggestion[] {
  const at = wordAt(text, cursor);
  if (!at) return [];
  const w = at.word.toLowerCase();
  const starts = fields.filter((f) => f.path.toLowerCase().startsWith(w) && f.path.toLowerCase() !== w);
  const inside = fields.filter((f) => !f.path.toLowerCase().startsWith(w) && f.path.toLowerCase().includes(`.${w}`));
  return [...starts, ...inside].slice(0, cap);
}

/** The text with the word at the cursor replaced by `path`, and the cursor after it. */
export function accept(text: string, cursor: number, path: string): { text: string; cursor: number } {
  const at = wordAt(text, cursor);
  const start = at ? at.start : cursor;
  let end = cursor;
  while (end < text.length && PATH_CHAR.test(text[end])) end++;
  return { text: text.slice(0, start) + path + text.slice(end), cursor: start + path.length };
}

/** The history with `text` first (once), at most `cap` entries. */
export function remember(history: readonly string[], text: string, cap = 20): string[] {
  const t = text.trim();
  if (!t) return [...history];
  return [t, ...history.filter((h) => h !== t)].slice(0, cap);
}

/** The text split around the character an error points at (the whole text when it points nowhere). */
export function errorMark(text: string, at: number | undefined): { before: string; mark: string; after: string } {
  if (at === undefined || at < 0) return { before: text, mark: '', after: '' };
  const i = Math.min(at, text.length);
  // mark the word there (or a space at the end, so the place is seen)
  let j = i;
  while (j < text.length && PATH_CHAR.test(text[j])) j++;
  if (j === i) j = Math.min(text.length, i + 1);
  return { before: text.slice(0, i), mark: text.slice(i, j) || ' ', after: text.slice(j) };
}
