/**
 * Messages between the dataset viewer (custom editor) and its webview.
 * Requests are answered by the other side; notifications are fire-and-forget.
 */
import type { DatasetKind, ScanProblem, ScanStatus } from '../core/dataset/types';
import type { FormatId, NormalizedRecord, RecordSummary } from '../core/records/model';
import type { Convention, EgoTrajectory, RawShape, Size } from '../core/geometry/types';
import type { OverlaySettings } from '../core/geometry/overlays';
import type { SearchUpdate } from '../core/search/types';
import type { RecordScore } from '../core/eval/shaping';
import type { FieldStatsResult } from '../core/query/statsTypes';
import type { RecordStats } from '../core/dataset/recordStats';

export type { FormatId, NormalizedRecord, RecordSummary, Part, Turn, MediaRef, TurnKind } from '../core/records/model';
export type { DatasetKind, ScanProblem } from '../core/dataset/types';
export type { Convention, RawShape, EgoTrajectory, PixelShape, Size } from '../core/geometry/types';
export type { OverlaySettings } from '../core/geometry/overlays';
export type { RecordScore } from '../core/eval/shaping';
export type { FieldStat, FieldStatsResult, ValueCount, Bin } from '../core/query/statsTypes';
export type { RecordStats, CountDist } from '../core/dataset/recordStats';

/** The file's overlay settings and what the sample of its records showed. */
export interface OverlayState {
  settings: OverlaySettings;
  /** records disagree on the convention: counts per convention */
  mixed?: Partial<Record<Convention, number>>;
  /** records the file convention was guessed from */
  sampled: number;
}

/** The spatial annotations of a record, as written (the webview converts them with src/core/geometry). */
export interface RecordGeometryView {
  shapes: RawShape[];
  ego: EgoTrajectory[];
  /** the record's resized frame (RoboInter new_w/new_h) */
  resizedSize?: Size;
  /** the image size the record declares (used when the image cannot be read) */
  declaredSize?: Size;
}

/** Progress of the record index (host → webview). */
export interface IndexStatus {
  /** records readable now */
  records: number;
  scannedBytes: number;
  totalBytes: number;
  done: boolean;
}

/** Progress of the whole-file pass: format mix and records that failed to parse. */
export type ScanStatusView = Omit<ScanStatus, 'problems'> & {
  /** problems found since the previous notification (ascending by record) */
  newProblems: ScanProblem[];
  /** the pass was restarted (file changed): drop the problems received so far */
  reset: boolean;
};

/** A located failure (0-based line and column in the file). */
export interface LocatedMessage {
  message: string;
  line: number;
  column: number;
}

/** A validation problem of a record, as the viewer lists it (message localized by the host). */
export interface ProblemView {
  code: string;
  severity: 'error' | 'warning' | 'info' | 'hint';
  message: string;
  /** 0-based position in the file */
  line: number;
  column: number;
}

/** Where the file's validation is (the same problems as the Problems panel). */
export interface ValidationView {
  running: boolean;
  processed: number;
  total: number;
  totalProblems: number;
  /** more problems than vlmLens.maxProblemsPerFile: the Problems panel lists part of them */
  capped: boolean;
  cancelled: boolean;
  error?: string;
  /** once done: how many records have problems, overall and per rule code */
  recordsWithProblems?: number;
  byCode?: Record<string, number>;
}

/** One row of the record list. */
export interface RowInfo {
  index: number;
  /** 0-based line of the record's first character */
  line: number;
  summary?: RecordSummary;
  parseError?: LocatedMessage;
  /** size in bytes of a record too large to render */
  tooLarge?: number;
  /** shapes to draw on the thumbnail */
  geometry?: RecordGeometryView;
  /** rule codes of the record's validation problems */
  problemCodes?: string[];
  /** the worst severity in force among them: the list marks the row in the colour the detail pane and Problems use */
  problemSeverity?: 'error' | 'warning' | 'info';
}

/** An image of a record, ready to show, or why it cannot be. */
export interface ImageView {
  ref: string;
  status: 'ok' | 'missing' | 'lmdb' | 'url' | 'unreadable' | 'invalid';
  /** webview URI of a cached, auto-oriented WebP rendition */
  uri?: string;
  width?: number;
  height?: number;
  /** size of the original as displayed (after EXIF orientation) */
  sourceWidth?: number;
  sourceHeight?: number;
  /** paths that were tried (missing images) */
  tried?: string[];
  message?: string;
}

/** A record's video as the webview may play it. */
export interface VideoView {
  ref: string;
  status: 'ok' | 'missing' | 'url' | 'outside' | 'invalid';
  /** webview URI of the file (a link in the extension's cache folder) */
  uri?: string;
  mime?: string;
  bytes?: number;
  tried?: string[];
  message?: string;
}

/** Everything the detail pane shows for one record. */
export interface RecordDetail {
  index: number;
  line: number;
  column: number;
  record?: NormalizedRecord;
  /** the record pretty-printed (JSON) or its raw text when it does not parse */
  rawText: string;
  /** rawText was cut to this many characters of `rawLength` */
  rawTruncated?: { shown: number; total: number };
  parseError?: LocatedMessage;
  tooLarge?: { bytes: number; preview: string };
  invalidUtf8?: { line: number; column: number };
  /** strings that look like UTF-8 read as Latin-1, with their repair */
  mojibake?: Array<{ path: Array<string | number>; original: string; fixed: string }>;
  geometry?: RecordGeometryView;
  /** the record's validation problems */
  problems?: ProblemView[];
}

/** A record's scores in recent runs: `more` runs that could have scored it were not read. */
export interface RecordScoresView {
  rows: RecordScore[];
  more: number;
}

export interface ReadyInfo {
  fileName: string;
  fileSize: number;
  kind: DatasetKind;
  /** the records can be filtered with SQL (JSON Lines, a JSON array of records, Parquet, on disk) */
  queryable: boolean;
  /** a Parquet dataset (read through its conversion: it has no lines of text to open) */
  parquet?: boolean;
  strings: ViewerStrings;
  index: IndexStatus;
  /** notes about the file as a whole (top level is an object, truncated array…) */
  notices: string[];
  /** the whole-file pass so far (all problems found, reset: true) */
  scan: ScanStatusView;
  /** display names of the record formats */
  formatLabels: Record<FormatId, string>;
  overlay: OverlayState;
  /** the record the user had selected, when the editor is shown again */
  initialIndex?: number;
  /** true once the file was deleted on disk */
  deleted: boolean;
  /** validation so far (absent when validation is off) */
  validation?: ValidationView;
}

/** A search the webview asks for. */
export interface SearchRequest {
  text: string;
  regex: boolean;
  caseSensitive: boolean;
}

/** Streamed search results (host → webview). */
export interface SearchProgress extends SearchUpdate {
  searchId: number;
  error?: string;
}

/** A filter's outcome (queryRecords): the records in order, or why there are none. */
export interface QueryResultView {
  queryId: number;
  /** matching record indices, in the asked order */
  records?: number[];
  /** ordered by an expression (else the records ascend, in file order) */
  sorted?: boolean;
  /** records the query engine read (the whole file) */
  total?: number;
  /** records the engine could not read: never among the results, said apart */
  unreadable?: { count: number; records: number[] };
  /** the query failed: what and where in the text typed (`part` 'file': the file cannot be queried) */
  error?: { message: string; at?: number; part: 'where' | 'order' | 'sql' | 'file' };
  cancelled?: boolean;
  /** how long it took, in ms */
  ms?: number;
}

/** A field a filter can name (for completion). */
export interface QueryField {
  path: string;
  type: string;
}

/** Requests the webview sends (the host answers). */
export type ViewerRequests = {
  /** first message: initial state and localized strings */
  ready: { params: Record<string, never>; result: ReadyInfo };
  /** rows [start, start + count) of the record list */
  getRows: { params: { start: number; count: number }; result: RowInfo[] };
  /** the full record for the detail pane */
  getRecord: { params: { index: number }; result: RecordDetail };
  /** an image of a record, rendered to at most maxSize px (requestId lets the webview cancel it) */
  getImage: { params: { index: number; image: number; maxSize: number; requestId: number }; result: ImageView };
  /** a video of a record, to play in a <video> element */
  getVideo: { params: { index: number; video: number }; result: VideoView };
  /** writes a starting format descriptor from the record's fields into a new editor ("Describe this format…") */
  describeFormat: { params: { index: number }; result: null };
  /** starts a whole-file search; results stream as `searchProgress` */
  startSearch: { params: SearchRequest; result: { searchId: number } };
  /** the scores a record got in recent eval runs (asked after the record is shown: reading run history can take a moment) */
  recordScores: { params: { index: number; id?: string }; result: RecordScoresView | null };
  /** the records with problems (of one rule code, or any when null), ascending */
  problemRecords: { params: { code: string | null }; result: { records: number[] } };
  /** filters and sorts the records with a SQL WHERE expression [ORDER BY …] (DuckDB); progress streams as queryProgress */
  queryRecords: { params: { text: string; queryId: number }; result: QueryResultView };
  /** statistics of every field (DuckDB); progress streams as queryProgress (phase 'stats'), cancelled with cancelQuery */
  fieldStats: { params: { queryId: number }; result: { queryId: number; stats?: FieldStatsResult & { unreadable: { count: number; records: number[] } }; records?: RecordStats & { of: number }; error?: string; cancelled?: boolean; ms?: number } };
  /** exact and near-duplicate records (progress as queryProgress, phase 'dedup'; cancelled with cancelQuery) */
  findDuplicates: { params: { queryId: number }; result: { queryId: number; clusters?: Array<{ kept: number; members: Array<{ index: number; similarity: number; exact: boolean }> }>; duplicates?: number; exactDuplicates?: number; error?: string; cancelled?: boolean; ms?: number } };
  /** the fields of the file a filter can name (reads the file's schema on first use) */
  queryFields: { params: Record<string, never>; result: { fields: QueryField[]; error?: string } };
};

/** Notifications the webview sends. */
export type ViewerCommands = {
  /** the rows these image requests were for scrolled out of view */
  cancelImages: { requestIds: number[] };
  /** stop a running search */
  cancelSearch: { searchId: number };
  /** open the file in a text editor at this 0-based position */
  openAtLine: { line: number; column: number };
  /** reopen this file with VS Code's text editor */
  reopenAsText: Record<string, never>;
  /** copy text to the clipboard */
  copy: { text: string };
  /** the selected record changed (the host remembers it) */
  selectionChanged: { index: number };
  /** show an eval run in the Eval panel */
  showRun: { runId: string };
  /** read this file's coordinates in this convention (null: back to automatic) */
  setConvention: { convention: Convention | null };
  /** stop a running filter */
  cancelQuery: { queryId: number };
  /** open the vlmLens.imageRoots setting (images kept in another folder) */
  openImageRoots: Record<string, never>;
};

/** Notifications the host sends. */
export type ViewerEvents = {
  /** the index grew or finished (with the file-level notices once done) */
  indexProgress: IndexStatus & { notices?: string[] };
  /** the whole-file pass advanced */
  scanProgress: ScanStatusView;
  /** the file changed on disk: appended records, a rewrite (re-indexed) or deletion */
  fileChanged: { kind: 'appended' | 'rewritten' | 'deleted' | 'restored'; records: number };
  /** search results */
  searchProgress: SearchProgress;
  /** select and show this record (from a command or another panel) */
  goToRecord: { index: number };
  /** the file's overlay settings changed (convention chosen, settings, file sample done) */
  overlayState: OverlayState;
  /** validation advanced or finished */
  validation: ValidationView;
  /** a filter advanced (percent of the file read; `schema`: reading every record's fields first) */
  queryProgress: { queryId: number; percent: number; phase: 'schema' | 'filter' | 'stats' | 'dedup' };
};

/** Localized strings used by the viewer (built by the host with vscode.l10n). */
export interface ViewerStrings {
  oneRecord: string;
  records: string;
  indexing: string;
  scanning: string;
  failedToParse: string;
  tooLargeRecords: string;
  invalidUtf8Records: string;
  mojibakeRecords: string;
  mojibakeFound: string;
  searchPlaceholder: string;
  queryPlaceholder: string;
  queryHelp: string;
  queryRun: string;
  queryClear: string;
  queryCancel: string;
  queryMatches: string;
  queryNoMatches: string;
  queryUnreadable: string;
  queryUnreadableOne: string;
  queryReadingFields: string;
  queryFiltering: string;
  queryUnavailable: string;
  queryFailed: string;
  queryCancelled: string;
  statsButton: string;
  statsTitle: string;
  statsComputing: string;
  statsFailed: string;
  statsPresent: string;
  statsPerElement: string;
  statsDistinct: string;
  statsRange: string;
  statsLength: string;
  statsChars: string;
  statsValueTitle: string;
  statsElementValueTitle: string;
  statsBinTitle: string;
  statsLeftOut: string;
  statsBack: string;
  recTitle: string;
  recTitleCapped: string;
  recTurns: string;
  recImages: string;
  recVideos: string;
  recImageSizes: string;
  recImageSizeSources: string;
  recImageSizeRange: string;
  recTextByRole: string;
  recRoleLine: string;
  recShapes: string;
  recPlaced: string;
  recHeat: string;
  recArea: string;
  galleryButton: string;
  dupButton: string;
  dupHelp: string;
  dupSearching: string;
  dupFound: string;
  dupNone: string;
  dupKept: string;
  dupOf: string;
  dupExactOf: string;
  galleryHelp: string;
  gallerySize: string;
  matchCase: string;
  useRegex: string;
  searching: string;
  noMatches: string;
  matchesOf: string;
  matchesCapped: string;
  prevMatch: string;
  nextMatch: string;
  goToPlaceholder: string;
  goTo: string;
  reopenAsText: string;
  nextError: string;
  openAtLine: string;
  copyJson: string;
  copied: string;
  rawJson: string;
  reasoning: string;
  context: string;
  missingImage: string;
  triedPaths: string;
  /** images kept elsewhere: where to say their folder */
  imageRootsHint: string;
  imageRootsOpen: string;
  lmdbImage: string;
  urlImage: string;
  unreadableImage: string;
  invalidImage: string;
  placeholderWithoutImage: string;
  video: string;
  videoCannotPlay: string;
  videoOutside: string;
  missingVideo: string;
  formatWhy: string;
  describeFormat: string;
  jsonTree: string;
  moreItems: string;
  lineTooLong: string;
  invalidUtf8At: string;
  parseErrorAt: string;
  selectRecord: string;
  emptyFile: string;
  binaryFile: string;
  fileDeleted: string;
  fileReindexed: string;
  fileAppended: string;
  notes: string;
  chosen: string;
  rejected: string;
  prediction: string;
  reference: string;
  recordOf: string;
  lineLabel: string;
  scoresTitle: string;
  scoresMore: string;
  scoreThisFile: string;
  scoreSameId: string;
  scoreNone: string;
  showRunIn: string;
  loading: string;
  metaEntries: string;
  metaEffective: string;
  metaTotal: string;
  metaNotFound: string;
  metaMissing: string;
  noTurns: string;
  overlays: string;
  layerGt: string;
  layerPred: string;
  layerPrompt: string;
  labels: string;
  colourByLabel: string;
  opacity: string;
  coordinates: string;
  autoConvention: string;
  conventionBecause: string;
  sourceOverride: string;
  sourceSetting: string;
  imagesSideBySide: string;
  imagesStacked: string;
  sourceRun: string;
  sourceFormat: string;
  sourceAuto: string;
  mixedConventions: string;
  notDrawn: string;
  noImageForOverlay: string;
  drawnOnFirstImage: string;
  egoCaption: string;
  iouPair: string;
  trajectoryPair: string;
  pointPair: string;
  fromTurn: string;
  fromField: string;
  conventionOfShape: string;
  pixelsOfShape: string;
  flagsOfShape: string;
  zoomHint: string;
  validating: string;
  problemsSummary: string;
  problemsSummaryOneRecord: string;
  oneProblemSummary: string;
  noProblems: string;
  validationCancelled: string;
  validationCapped: string;
  filterAll: string;
  filterProblems: string;
  filterCode: string;
  filterEmpty: string;
  problemsOfRecord: string;
  problemAt: string;
  /** where a Parquet dataset's problem is: its row */
  problemAtRow: string;
}
