import { FORMAT_LABELS_FROM_REGISTRY } from '../formats/registry';

/**
 * One conversation model for every dataset and eval-output format VLM Lens reads.
 * Plain data (structured-cloneable): it travels to webviews and workers as is.
 */

export type FormatId =
  | 'llava'
  | 'internvl'
  | 'robointer'
  | 'sharegpt'
  | 'openai-messages'
  | 'llamafactory-v1'
  | 'preference'
  | 'kto'
  | 'eval-input'
  | 'robointer-eval'
  | 'robointer-lang-eval'
  | 'lmms-eval-sample'
  | 'r1'
  | 'r1-result'
  | 'drivelm'
  | 'drivelm-scene'
  | 'gui-grounding'
  | 'alpaca'
  | 'llava-bench-caps'
  | 'user'
  | 'internvl-meta'
  | 'trainer-state'
  | 'lerobot-info'
  | 'lerobot-episode'
  | 'lerobot-episode-stats'
  | 'lerobot-task'
  | 'unknown';

/** Display names of the formats (not translated: they are proper names), from the format registry. */
export const FORMAT_LABELS = FORMAT_LABELS_FROM_REGISTRY as Record<FormatId, string>;

export type Role = 'system' | 'user' | 'assistant' | 'tool' | 'other';

/** A path to a value inside the record's JSON (object keys and array indices). */
export type JsonPath = Array<string | number>;

export type MediaKind = 'image' | 'video';

/** A piece of a turn's text, in order. Offsets are into `Turn.text`. */
export type Part =
  | { type: 'text'; text: string; offset: number }
  /** an image or video: `index` into NormalizedRecord.images / .videos */
  | { type: 'media'; media: MediaKind; index: number; offset: number; /** from an `<image>` tag (else attached) */ placeholder: boolean }
  /** `<think>…</think>` / `<context>…</context>`, shown collapsible */
  | { type: 'reasoning'; tag: 'think' | 'context'; text: string; offset: number; closed: boolean };

/** Where a stretch of `Turn.text` comes from in the JSON: a string value, from `valueOffset`. */
export interface TextSegment {
  path: JsonPath;
  /** offset in Turn.text */
  start: number;
  length: number;
  /** offset inside the JSON string value where this stretch starts (after a stripped prefix) */
  valueOffset: number;
}

export type TurnKind = 'chosen' | 'rejected' | 'prediction' | 'reference';

export interface Turn {
  role: Role;
  /** the role as written: human, gpt, user, assistant, observation… */
  rawRole: string;
  /** for preference and eval records: which answer this is */
  kind?: TurnKind;
  text: string;
  parts: Part[];
  segments: TextSegment[];
}

export interface MediaRef {
  kind: MediaKind;
  /** the reference as written in the record (path, URL, data: URI, episode#frame) */
  ref: string;
  path: JsonPath;
  /** the view (camera) it shows, when the record names it (DriveLM `CAM_FRONT`) */
  view?: string;
}

export interface MetaEntry {
  name: string;
  root?: string;
  annotation?: string;
  length?: number;
  repeatTime?: number;
  /** samples a training epoch draws from it: length × repeat_time (InternVL subsamples below 1, repeats above) */
  effective?: number;
  /** filled by the host: whether the annotation file and the root folder exist (and where they were looked for) */
  annotationFound?: boolean;
  rootFound?: boolean;
  lookedIn?: string[];
}

export interface NormalizedRecord {
  format: FormatId;
  /** the descriptor's name when it is not a built-in one (a user format) */
  formatLabel?: string;
  /** why this descriptor was chosen, in words */
  formatWhy?: string;
  id?: string;
  turns: Turn[];
  images: MediaRef[];
  videos: MediaRef[];
  /** the image size the record declares (w/h, width/height, image_size) */
  declaredSize?: { width: number; height: number };
  /** RoboInter smart_resize_format: the resized frame the answer's pixels refer to */
  resizedSize?: { width: number; height: number };
  task?: string;
  /** KTO desirability label */
  label?: boolean;
  /** a class label (`label: 0..K`, reward bins, a class name) of a classification record */
  classLabel?: number | string;
  /** text that stands for a record without a question (records no descriptor knows) */
  fallbackSnippet?: string;
  /** InternVL meta-json entries */
  metaEntries?: MetaEntry[];
  /** observations about the shape, shown to the user (not errors) */
  notes: string[];
}

/** A row of the record list: what is shown before the record is opened. */
export interface RecordSummary {
  format: FormatId;
  formatLabel?: string;
  id?: string;
  /** first question, placeholders removed, shortened */
  snippet: string;
  imageCount: number;
  videoCount: number;
  firstImage?: string;
}
