/** What a whole-file search reports as it goes (plain data; the viewer protocol carries it). */
export interface SearchUpdate {
  /** matching record indices found since the previous update (ascending) */
  matches: number[];
  scannedBytes: number;
  totalBytes: number;
  /** records matched so far (also counting past the cap) */
  totalMatches: number;
  done: boolean;
  /** true once more records matched than `maxMatches`: the match list stopped growing */
  capped: boolean;
}
