/**
 * Mojibake: UTF-8 text that was decoded as Latin-1 / Windows-1252 somewhere upstream
 * (`人物` → `äººç‰©`, `café` → `cafÃ©`). A stretch of such characters is re-encoded to
 * the bytes it came from and decoded as UTF-8; when that succeeds, the stretch was
 * mojibake and the decoded text is the fix. Pure: shared with the webview.
 */

/** Windows-1252 characters in 0x80–0x9F, mapped back to their byte. */
const CP1252: Record<number, number> = {
  0x20ac: 0x80, 0x201a: 0x82, 0x0192: 0x83, 0x201e: 0x84, 0x2026: 0x85, 0x2020: 0x86, 0x2021: 0x87, 0x02c6: 0x88,
  0x2030: 0x89, 0x0160: 0x8a, 0x2039: 0x8b, 0x0152: 0x8c, 0x017d: 0x8e, 0x2018: 0x91, 0x2019: 0x92, 0x201c: 0x93,
  0x201d: 0x94, 0x2022: 0x95, 0x2013: 0x96, 0x2014: 0x97, 0x02dc: 0x98, 0x2122: 0x99, 0x0161: 0x9a, 0x203a: 0x9b,
  0x0153: 0x9c, 0x017e: 0x9e, 0x0178: 0x9f,
};

function byteOf(code: number): number | undefined {
  if (code >= 0x80 && code <= 0xff) return code;
  return CP1252[code];
}

/** A quick test: could this text contain mojibake at all? (a UTF-8 lead byte seen as a Latin-1 letter) */
const CANDIDATE = /[\u00c2-\u00f4][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc\u2013\u2014\u2018-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122]/;

export function mayContainMojibake(text: string): boolean {
  return CANDIDATE.test(text);
}

const strict = new TextDecoder('utf-8', { fatal: true });

export interface MojibakeSpan {
  /** offsets in the string */
  start: number;
  end: number;
  original: string;
  fixed: string;
  /**
   * bytes were lost on the way (Windows-1252 leaves 0x81, 0x8D, 0x8F, 0x90 and 0x9D undefined:
   * decoders drop them): `fixed` shows each lost character as U+FFFD, and there is no exact repair
   */
  lossy?: boolean;
}

/**
 * UTF-8 read as Windows-1252 with its undefined bytes dropped: every sequence is whole except
 * some that lack exactly one continuation byte, and at least one multi-byte sequence is whole
 * (a lone "è¯" could be Latin-1). The decoded text with U+FFFD where a byte was lost, or undefined.
 */
function lossyDecode(bytes: number[]): string | undefined {
  let out = '';
  let whole = 0;
  let lost = 0;
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i];
    const need = b >= 0xf0 && b <= 0xf4 ? 3 : b >= 0xe0 ? 2 : b >= 0xc2 && b <= 0xdf ? 1 : -1;
    if (need < 0) return undefined;
    let k = 0;
    while (k < need && i + 1 + k < bytes.length && bytes[i + 1 + k] >= 0x80 && bytes[i + 1 + k] <= 0xbf) k++;
    if (k === need) {
      try {
        out += strict.decode(new Uint8Array(bytes.slice(i, i + 1 + need)));
      } catch {
        return undefined;
      }
      whole++;
    } else if (k === need - 1 && k >= 1) {
      out += '\uFFFD';
      lost++;
    } else return undefined;
    i += 1 + k;
  }
  return lost > 0 && whole > 0 ? out : undefined;
}

/** Every stretch of `text` that is UTF-8 read as Latin-1/CP1252, with its repair. */
export function findMojibake(text: string): MojibakeSpan[] {
  if (!mayContainMojibake(text)) return [];
  const spans: MojibakeSpan[] = [];
  let i = 0;
  while (i < text.length) {
    if (byteOf(text.charCodeAt(i)) === undefined) {
      i++;
      continue;
    }
    let j = i;
    const bytes: number[] = [];
    while (j < text.length) {
      const b = byteOf(text.charCodeAt(j));
      if (b === undefined) break;
      bytes.push(b);
      j++;
    }
    if (bytes.length >= 2) {
      try {
        const fixed = strict.decode(new Uint8Array(bytes));
        if (fixed !== text.slice(i, j)) spans.push({ start: i, end: j, original: text.slice(i, j), fixed });
      } catch {
        // not UTF-8 as it is: mojibake that lost bytes, or genuine Latin-1 text
        const fixed = lossyDecode(bytes);
        if (fixed !== undefined) spans.push({ start: i, end: j, original: text.slice(i, j), fixed, lossy: true });
      }
    }
    i = j;
  }
  return spans;
}

/** The text with every mojibake stretch repaired. */
export function fixMojibake(text: string): string {
  const spans = findMojibake(text);
  return spans.length === 0 ? text : applyFixes(text, spans);
}

/** The text with each span (ascending, not overlapping) replaced by its `fixed` text. */
export function applyFixes(text: string, spans: ReadonlyArray<{ start: number; end: number; fixed: string }>): string {
  let out = '';
  let pos = 0;
  for (const s of spans) {
    out += text.slice(pos, s.start) + s.fixed;
    pos = s.end;
  }
  return out + text.slice(pos);
}
