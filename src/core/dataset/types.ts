/** Plain types shared with the webviews through src/protocol (no Node, no DOM here). */
import type { FormatId } from '../records/model';

export type DatasetKind =
  /** one JSON value per line (.jsonl, .ndjson, or a .json file that holds several lines of objects) */
  | 'jsonl'
  /** a JSON document whose top level is an array: each element is a record */
  | 'json-array'
  /** a JSON document whose top level is an object (shown as one record) */
  | 'json-object'
  | 'empty'
  /** NUL bytes near the start: not text */
  | 'binary';

export interface ScanProblem {
  index: number;
  line: number;
  column: number;
  kind: 'parse' | 'too-large' | 'invalid-utf8' | 'mojibake';
  message: string;
}

export interface ScanStatus {
  processed: number;
  total: number;
  done: boolean;
  formats: Partial<Record<FormatId, number>>;
  parseErrors: number;
  tooLarge: number;
  invalidUtf8: number;
  /** records with text that looks like UTF-8 decoded as Latin-1 */
  mojibake: number;
  /** records with a problem, ascending, capped at `maxProblems` (progress reports carry only the new ones) */
  problems: ScanProblem[];
  problemsCapped: boolean;
}
