/**
 * The gallery's grid, apart from the DOM (Node-tested): how many thumbnails fit in a row
 * for a width and a thumbnail size, how many grid rows the records make, and which list
 * rows (records, through the filter) a grid row shows.
 */
export const GALLERY_SIZES = { min: 64, max: 384, default: 160, step: 16 } as const;
/** the caption under each thumbnail, and the gap between cells, in px */
export const CAPTION_PX = 18;
export const GAP_PX = 8;

export function clampSize(size: number | undefined): number {
  const s = Number.isFinite(size) ? Math.round(size as number) : GALLERY_SIZES.default;
  return Math.min(GALLERY_SIZES.max, Math.max(GALLERY_SIZES.min, s));
}

/** Thumbnails per grid row: as many cells of `size` (plus the gap) as the width holds, at least one. */
export function columnsFor(width: number, size: number): number {
  return Math.max(1, Math.floor((Math.max(0, width) + GAP_PX) / (size + GAP_PX)));
}

/** Grid rows for `rows` list rows in `columns` columns. */
export function gridRows(rows: number, columns: number): number {
  return rows <= 0 ? 0 : Math.ceil(rows / columns);
}

/** The list rows a grid row shows: [first, last] inclusive, clipped to `rows` (empty: last < first). */
export function listRowsOf(gridRow: number, columns: number, rows: number): { first: number; last: number } {
  const first = gridRow * columns;
  return { first, last: Math.min(rows - 1, first + columns - 1) };
}

/** The grid row showing list row `row`. */
export function gridRowOf(row: number, columns: number): number {
  return row < 0 ? -1 : Math.floor(row / columns);
}

/** The height of a grid row. */
export function gridRowHeight(size: number): number {
  return size + CAPTION_PX + GAP_PX;
}
