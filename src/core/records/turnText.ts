import { type MediaKind, type Part } from './model';

/**
 * Splits a turn's text into parts: `<image>` / `<video>` placeholders become media parts
 * (numbered by the caller's running counters, so the n-th `<image>` of the record is
 * images[n]); `<think>` and `<context>` blocks become reasoning parts (an unclosed one runs
 * to the end); `<answer>` tags are dropped and their content kept as text.
 */
export function splitTurnText(text: string, counters: Record<MediaKind, number>): Part[] {
  const parts: Part[] = [];
  const re = /<(image|video)>|<(think|context)>|<\/(think|context)>|<\/?answer>/g;
  let pos = 0;
  let open: { tag: 'think' | 'context'; start: number; contentStart: number } | undefined;
  const pushText = (from: number, to: number) => {
    if (to > from) parts.push({ type: 'text', text: text.slice(from, to), offset: from });
  };
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) {
    if (open) {
      if (m[3] === open.tag) {
        parts.push({ type: 'reasoning', tag: open.tag, text: text.slice(open.contentStart, m.index), offset: open.contentStart, closed: true });
        open = undefined;
        pos = m.index + m[0].length;
      }
      continue; // tags inside reasoning stay text
    }
    pushText(pos, m.index);
    if (m[1]) {
      const kind = m[1] as MediaKind;
      parts.push({ type: 'media', media: kind, index: counters[kind]++, offset: m.index, placeholder: true });
    } else if (m[2]) {
      open = { tag: m[2] as 'think' | 'context', start: m.index, contentStart: m.index + m[0].length };
    }
    // closing tags without an opening one and <answer> tags are dropped
    pos = m.index + m[0].length;
  }
  if (open) {
    parts.push({ type: 'reasoning', tag: open.tag, text: text.slice(open.contentStart), offset: open.contentStart, closed: false });
  } else {
    pushText(pos, text.length);
  }
  return parts;
}

/** The text a reader sees first: placeholders and reasoning removed, whitespace collapsed. */
export function plainSnippet(text: string, max = 160): string {
  const s = text
    .replace(/<(image|video)>/g, ' ')
    .replace(/<(think|context)>[\s\S]*?(<\/\1>|$)/g, ' ')
    .replace(/<\/?answer>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return s.length > max ? s.slice(0, max - 1) + '…' : s;
}
