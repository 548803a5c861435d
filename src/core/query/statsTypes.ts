/** Field statistics as they are shown (plain types: the webviews import them). */
export interface ValueCount {
  value: string | number | boolean;
  count: number;
  /** list elements: in how many records (`count` counts elements) */
  records?: number;
  /** a WHERE condition selecting the records with this value (absent when none can be written) */
  filter?: string;
}

export interface Bin {
  from: number;
  to: number;
  count: number;
  filter?: string;
}

export interface FieldStat {
  /** the field as shown: `meta.width`, `conversations[].from` */
  path: string;
  /** number, text, boolean, list, struct, json (mixed types), … */
  type: string;
  /** per record, or per element of a list (`conversations[].from`: per turn) */
  per: 'record' | 'element';
  /** values present (not missing, not null) */
  present: number;
  /** records (or elements) where it is missing or null */
  missing: number;
  /** distinct values (exact) */
  distinct?: number;
  number?: { min: number; max: number; mean: number; bins: Bin[] };
  /** text length in characters, or list length in elements */
  length?: { min: number; max: number; mean: number };
  /** most common values, most common first (ties by value) */
  top?: ValueCount[];
  /** for mixed-type (json) fields: how many values of each JSON type */
  jsonTypes?: ValueCount[];
}

export interface FieldStatsResult {
  records: number;
  fields: FieldStat[];
  /** fields left out past `maxFields` */
  leftOut: number;
}
