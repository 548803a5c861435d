/**
 * DOM building without HTML strings: every text goes in through textContent, so dataset
 * content can never become markup.
 */
type Attrs = Record<string, string | number | boolean | undefined | ((e: Event) => void)>;
type Child = Node | string | number | false | null | undefined;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs?: Attrs, ...children: Child[]): HTMLElementTagNameMap[K];
export function h(tag: string, attrs?: Attrs, ...children: Child[]): HTMLElement;
export function h(tag: string, attrs: Attrs = {}, ...children: Child[]): HTMLElement {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    if (typeof v === 'function') el.addEventListener(k.replace(/^on/, '').toLowerCase(), v);
    else if (k === 'class') el.className = String(v);
    else if (k === 'text') el.textContent = String(v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, ...children);
  return el;
}

export function append(el: Element, ...children: Child[]): void {
  for (const c of children) {
    if (c === undefined || c === null || c === false) continue;
    el.append(typeof c === 'number' ? String(c) : c);
  }
}

export function clear(el: Element): void {
  while (el.firstChild) el.removeChild(el.firstChild);
}

/** Fills `{0}`, `{1}`… in a localized template. */
export function fmt(template: string, ...args: Array<string | number>): string {
  return template.replace(/\{(\d+)\}/g, (m, i: string) => {
    const v = args[Number(i)];
    return v === undefined ? m : typeof v === 'number' ? formatNumber(v) : v;
  });
}

export function formatNumber(n: number): string {
  return Number.isInteger(n) ? n.toLocaleString('en-US') : String(Math.round(n * 100) / 100);
}

export function formatBytes(n: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let u = 0;
  let v = n;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${u === 0 ? v : v.toFixed(1)} ${units[u]}`;
}

/** Appends `text` to `el`, wrapping the case-insensitive occurrences of `needle` in <mark>. */
export function appendHighlighted(el: Element, text: string, needle: RegExp | undefined): void {
  if (!needle) {
    el.append(text);
    return;
  }
  let pos = 0;
  needle.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = needle.exec(text)) !== null) {
    if (m[0].length === 0) {
      needle.lastIndex++;
      continue;
    }
    el.append(text.slice(pos, m.index));
    el.append(h('mark', { text: m[0] }));
    pos = m.index + m[0].length;
  }
  el.append(text.slice(pos));
}
