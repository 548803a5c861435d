/** Messages between the extension host and the dataset worker thread (dist/datasetWorker.js). */
import type { PlaceholderPolicy } from '../core/validate/placeholders';
import type { IndexSnapshot } from '../core/index/recordIndex';
import type { ScanStatus } from '../core/dataset/scanRecords';
import type { SearchQuery, SearchUpdate } from '../core/search/searchRecords';
import type { ValidationUpdate } from '../core/validate/validateFile';
import type { FileRulesState } from '../core/validate/fileRules';
import type { ProblemFlagArrays } from '../core/validate/flags';
import type { SchemaLoadProblem, UserSchema } from '../core/validate/schemaSet';
import type { SeveritySetting } from '../core/validate/rules';
import type { OverlaySettings } from '../core/geometry/overlays';
import type { ResolveContext } from '../core/images/resolveImage';

/** How to validate a file (the same for every part of it). */
export interface ValidateConfig {
  /** folder of the built-in schemas (dist/schemas) */
  builtinDir: string;
  userSchemas: UserSchema[];
  /** the file's path as vlmLens.schemas fileMatch globs see it (workspace-relative) */
  relPath: string;
  severities: Partial<Record<string, SeveritySetting>>;
  language?: string;
  overlay?: OverlaySettings;
  maxProblems: number;
  maxRecordBytes: number;
  jsonl: boolean;
  /** look images up on disk (VLM020) with this resolution */
  images?: ResolveContext;
  /** changes when a user schema file changes on disk (compiled schemas are then rebuilt) */
  schemaStamp?: number;
  /** `vlmLens.formats` (user format descriptors; those matching relPath apply) */
  formatSpecs?: unknown[];
  /** VLM010 / VLM011 placeholder policy for this file */
  placeholders?: PlaceholderPolicy;
}

/** The end of a validation job: counts, and the state the whole-file rules need. */
export interface ValidateResult {
  totalProblems: number;
  totalErrors: number;
  capped: boolean;
  state?: FileRulesState;
  /** which records have problems of which rules (all of them, past the cap too) */
  flags: ProblemFlagArrays;
  schemaProblems: SchemaLoadProblem[];
}

export type WorkerRequest =
  /** parse every record: format mix and located parse failures */
  | { type: 'scan'; job: number; path: string; index: IndexSnapshot; maxRecordBytes: number; formatSpecs?: unknown[]; relPath?: string }
  /** find the records matching a query */
  | { type: 'search'; job: number; path: string; index: IndexSnapshot; query: SearchQuery; maxMatches: number }
  /** validate records [range.from, range.to); `part`: leave the whole-file rules to a merge */
  | { type: 'validate'; job: number; path: string; index: IndexSnapshot; config: ValidateConfig; range: { from: number; to: number }; part: boolean }
  /** stop a job (it answers with `cancelled`) */
  | { type: 'cancel'; job: number };

export type WorkerMessage =
  | { type: 'scanProgress'; job: number; status: ScanStatus }
  | { type: 'searchProgress'; job: number; update: SearchUpdate }
  | { type: 'validateProgress'; job: number; update: ValidationUpdate }
  | { type: 'validateResult'; job: number; result: ValidateResult }
  | { type: 'done'; job: number }
  | { type: 'cancelled'; job: number }
  | { type: 'error'; job: number; message: string; syntax: boolean };
