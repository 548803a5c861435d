/**
 * A virtualized list with a fixed number of DOM rows whatever the record count.
 * Browsers cap element heights (~33 M px in Chromium): past MAX_SCROLL_PX the scroll
 * range is scaled, so a million rows still scroll end to end.
 */
const MAX_SCROLL_PX = 8_000_000;

export interface VirtualListOptions {
  rowHeight: number;
  /** fills a pooled row element for record `index` (called when the row shows another record) */
  renderRow(el: HTMLElement, index: number, selected: boolean): void;
  onSelect(index: number): void;
  /** the visible range changed: [first, last] inclusive */
  onRange(first: number, last: number): void;
}

export class VirtualList {
  readonly element: HTMLElement;
  private readonly spacer: HTMLElement;
  private readonly layer: HTMLElement;
  private rows: HTMLElement[] = [];
  private rowIndex: number[] = [];
  private count = 0;
  private selected = -1;
  private first = 0;
  private viewHeight = 0;
  private lastRange = '';
  /** a reveal asked for before the list had a size: done at the first layout */
  private pendingReveal: number | undefined;

  constructor(private readonly opts: VirtualListOptions) {
    this.element = document.createElement('div');
    this.element.className = 'vlist';
    this.element.tabIndex = 0;
    this.element.setAttribute('role', 'listbox');
    this.spacer = document.createElement('div');
    this.spacer.className = 'vlist-spacer';
    this.layer = document.createElement('div');
    this.layer.className = 'vlist-layer';
    this.element.append(this.spacer, this.layer);
    this.element.addEventListener('scroll', () => this.render());
    this.layer.addEventListener('click', (e) => {
      const row = (e.target as HTMLElement).closest<HTMLElement>('.vrow');
      const idx = row ? Number(row.dataset.index) : NaN;
      if (Number.isInteger(idx) && idx >= 0) this.opts.onSelect(idx);
    });
    new ResizeObserver(() => this.layout()).observe(this.element);
  }

  get total(): number {
    return this.count;
  }

  get selectedIndex(): number {
    return this.selected;
  }

  /** Rows that fit in the viewport (for PageUp/PageDown). */
  get pageSize(): number {
    return Math.max(1, Math.floor(this.viewHeight / this.opts.rowHeight) - 1);
  }

  setCount(n: number): void {
    if (n === this.count) return;
    this.count = n;
    this.spacer.style.height = `${Math.min(n * this.opts.rowHeight, MAX_SCROLL_PX)}px`;
    this.invalidate();
  }

  setSelected(index: number): void {
    this.selected = index;
    this.invalidate();
  }

  /** Forces every visible row to render again (new data arrived). */
  invalidate(): void {
    this.rowIndex = this.rowIndex.map(() => -1);
    this.render();
  }

  /** Scrolls so that `index` is visible (minimal movement). */
  reveal(index: number): void {
    if (this.viewHeight === 0) {
      this.pendingReveal = index;
      return;
    }
    const rh = this.opts.rowHeight;
    const top = this.virtualTop();
    const y = index * rh;
    if (y < top) this.scrollToVirtual(y);
    else if (y + rh > top + this.viewHeight) this.scrollToVirtual(y + rh - this.viewHeight);
  }

  /** Whether row `index` is entirely inside the viewport. */
  private inView(index: number): boolean {
    if (index < 0 || this.viewHeight === 0) return false;
    const top = this.virtualTop();
    const y = index * this.opts.rowHeight;
    return y >= top && y + this.opts.rowHeight <= top + this.viewHeight;
  }

  private layout(): void {
    // a selected row that was in view stays in view when the list is resized
    const keepSelected = this.inView(this.selected);
    this.viewHeight = this.element.clientHeight;
    const needed = Math.ceil(this.viewHeight / this.opts.rowHeight) + 2;
    while (this.rows.length < needed) {
      const el = document.createElement('div');
      el.className = 'vrow';
      el.setAttribute('role', 'option');
      el.style.height = `${this.opts.rowHeight}px`;
      this.layer.append(el);
      this.rows.push(el);
      this.rowIndex.push(-1);
    }
    while (this.rows.length > needed) {
      this.rows.pop()?.remove();
      this.rowIndex.pop();
    }
    this.render();
    if (this.pendingReveal !== undefined && this.viewHeight > 0) {
      const index = this.pendingReveal;
      this.pendingReveal = undefined;
      this.reveal(index);
    } else if (keepSelected) this.reveal(this.selected);
  }

  private totalPx(): number {
    return this.count * this.opts.rowHeight;
  }

  /** Scroll position in "virtual" pixels (as if the list were not scaled). */
  private virtualTop(): number {
    const scrollable = Math.min(this.totalPx(), MAX_SCROLL_PX) - this.viewHeight;
    const virtualScrollable = this.totalPx() - this.viewHeight;
    if (scrollable <= 0) return 0;
    return (this.element.scrollTop / scrollable) * virtualScrollable;
  }

  private scrollToVirtual(v: number): void {
    const scrollable = Math.min(this.totalPx(), MAX_SCROLL_PX) - this.viewHeight;
    const virtualScrollable = this.totalPx() - this.viewHeight;
    this.element.scrollTop = virtualScrollable <= 0 ? 0 : (Math.max(0, Math.min(v, virtualScrollable)) / virtualScrollable) * scrollable;
    this.render();
  }

  private render(): void {
    const rh = this.opts.rowHeight;
    const vTop = this.virtualTop();
    this.first = Math.floor(vTop / rh);
    const offset = vTop - this.first * rh;
    this.layer.style.transform = `translateY(${this.element.scrollTop - offset}px)`;
    for (let i = 0; i < this.rows.length; i++) {
      const index = this.first + i;
      const el = this.rows[i];
      if (index >= this.count) {
        el.style.visibility = 'hidden';
        this.rowIndex[i] = -1;
        continue;
      }
      el.style.visibility = '';
      if (this.rowIndex[i] !== index) {
        this.rowIndex[i] = index;
        el.dataset.index = String(index);
        const selected = index === this.selected;
        el.classList.toggle('selected', selected);
        el.setAttribute('aria-selected', String(selected));
        this.opts.renderRow(el, index, selected);
      }
    }
    const last = Math.min(this.count - 1, this.first + this.rows.length - 1);
    const key = `${this.first}:${last}`;
    // no range before the first layout (no rows yet): an empty range would cancel real work
    if (key !== this.lastRange && last >= this.first) {
      this.lastRange = key;
      this.opts.onRange(this.first, last);
    }
  }
}
