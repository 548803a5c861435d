/**
 * The format registry: every dataset and eval-output format VLM Lens reads is one descriptor
 * here (how it is recognised, and where its id, turns, prompt, prediction, reference, media,
 * size and geometry are, with the coordinate convention and the task kinds it implies). The
 * normalizer, the validator, geometry extraction, metrics and the CLI all read it, so a
 * record's id or its prediction is found the same way everywhere. User descriptors
 * (`vlmLens.formats`, `--format FILE`) have the same shape, restricted to plain field names.
 *
 * Pure: no `vscode`, no Node modules (the webview and the workers load it too).
 */
import type { Convention } from '../geometry/types';
import type { FormatId } from '../records/model';

export type Obj = Record<string, unknown>;

export function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** What a prediction is scored as; decided from the shapes of the answers, never from a file name alone. */
export type TaskKind = 'box' | 'point' | 'point-in-box' | 'trajectory' | 'choice' | 'multi-select' | 'numeric' | 'class' | 'text';

/**
 * How the normalizer builds turns:
 * - conversations / messages: a list of role + content turns under `turns`;
 * - qa: a prompt, a prediction and a reference read from the named fields;
 * - the others are formats with their own rules (chat prefixes, nested responses, meta files).
 */
export type Layout = 'conversations' | 'messages' | 'kto' | 'preference' | 'robointer-eval' | 'lmms-eval' | 'r1' | 'qa' | 'internvl-meta' | 'document' | 'drivelm-scene';

/** Structured geometry of a format: `path` is dotted, `[]` walks a list (`instances[].bbox`). */
export interface GeometryField {
  path: string;
  kind: 'box' | 'point';
  /** a field of the same object giving the label (`category`) */
  label?: string;
  convention?: Convention;
  role?: 'gt' | 'pred';
}

export interface FormatDescriptor {
  id: FormatId;
  label: string;
  /** why a record is taken as this format, in words (shown by the viewer and the CLI) */
  why: string;
  match(o: Obj): boolean;
  layout: Layout;
  /** the validator's turn rules apply (placeholders, roles, empty answers) */
  conversational?: boolean;
  /** the list of turns (conversations / messages) */
  turns?: string;
  /** id fields, first present wins */
  idFields: readonly string[];
  images: readonly string[];
  videos: readonly string[];
  /** question fields, joined in order (alpaca: instruction then input) */
  prompt?: readonly string[];
  /** the model's output, first present wins */
  prediction?: readonly string[];
  /** the ground truth, first present wins */
  reference?: readonly string[];
  geometry?: readonly GeometryField[];
  /** the coordinate convention of the format's geometry, when the format fixes it */
  convention?: Convention;
  /** task kinds this format's records are scored as, when the format fixes them */
  tasks?: readonly TaskKind[];
}

const has = (o: Obj, k: string) => k in o && o[k] !== undefined;
const isStr = (v: unknown): v is string => typeof v === 'string';

const ID = ['id', 'sample_id', 'doc_id', 'uid', 'question_id'] as const;
const IMAGES = ['images', 'image', 'image_path', 'image_paths', 'img_path', 'input_media'] as const;
const VIDEOS = ['videos', 'video', 'video_path'] as const;
/** Prediction fields of eval outputs whose tool is not known (the model's answer). */
export const GENERIC_PREDICTION = ['pred', 'prediction', 'predict', 'model_output', 'model_answer', 'response', 'filtered_resps', 'answer_pred', 'output_text'] as const;
/** Reference fields of eval outputs whose tool is not known (the ground truth). */
export const GENERIC_REFERENCE = ['gt', 'gt_answer', 'ground_truth', 'target', 'reference', 'label', 'solution', 'answer'] as const;
const GENERIC_PROMPT = ['question', 'prompt', 'query', 'instruction', 'problem', 'prompt_to_evaluate', 'input'] as const;
/** Where most formats keep their id, images and videos. */
const USUAL = { idFields: ID, images: IMAGES, videos: VIDEOS } as const;

function hasContentParts(list: unknown[]): boolean {
  return list.some((m) => isObj(m) && Array.isArray(m.content));
}

function isV1Messages(list: unknown[]): boolean {
  return list.some((m) => isObj(m) && Array.isArray(m.content) && m.content.some((p) => isObj(p) && 'value' in p && !('text' in p) && !('image' in p)));
}

/** Built-in descriptors, in the order they are tried (the more specific first). */
export const BUILTIN_FORMATS: readonly FormatDescriptor[] = [
  {
    id: 'robointer-lang-eval',
    label: 'RoboInter lang eval details',
    why: 'a decoded chat `pred`, `gt` and the language metrics `p` / `metric`',
    match: (o) => isStr(o.pred) && has(o, 'gt') && (has(o, 'p') || has(o, 'metric')),
    layout: 'robointer-eval',
    ...USUAL,
    prediction: ['pred'],
    reference: ['gt'],
  },
  {
    id: 'robointer-eval',
    label: 'RoboInter eval details',
    why: 'a decoded chat `pred` beside `gt`',
    match: (o) => isStr(o.pred) && has(o, 'gt'),
    layout: 'robointer-eval',
    ...USUAL,
    prediction: ['pred'],
    reference: ['gt'],
  },
  {
    id: 'lmms-eval-sample',
    label: 'lmms-eval sample',
    why: '`doc_id` with `resps` / `filtered_resps`',
    match: (o) => has(o, 'doc_id') && (has(o, 'filtered_resps') || has(o, 'resps')),
    layout: 'lmms-eval',
    idFields: ['doc_id', 'id'],
    images: IMAGES,
    videos: VIDEOS,
    prompt: ['input', 'prompt'],
    prediction: ['filtered_resps', 'resps'],
    reference: ['target'],
  },
  {
    id: 'r1-result',
    label: 'R1 eval results',
    why: '`model_output` beside `ground_truth` (R1-V / open-r1 result lists)',
    match: (o) => has(o, 'model_output') && (has(o, 'ground_truth') || has(o, 'solution') || has(o, 'answer')),
    layout: 'qa',
    ...USUAL,
    prompt: ['question', 'problem', 'prompt'],
    prediction: ['model_output'],
    reference: ['ground_truth', 'solution', 'answer'],
  },
  {
    id: 'drivelm',
    label: 'DriveLM QA',
    why: '`question` with `gt_answer` (the model\'s output is `answer`)',
    match: (o) => isStr(o.question) && has(o, 'gt_answer'),
    layout: 'qa',
    ...USUAL,
    prompt: ['question'],
    prediction: ['answer'],
    reference: ['gt_answer'],
  },
  {
    id: 'drivelm-scene',
    label: 'DriveLM scene',
    why: '`key_frames`, each with `QA` (perception, prediction, planning, behavior) and the `image_paths` of its cameras',
    match: (o) => isObj(o.key_frames),
    layout: 'drivelm-scene',
    idFields: ['scene_token', 'token'],
    images: [],
    videos: [],
  },
  {
    id: 'gui-grounding',
    label: 'GUI grounding results',
    why: 'a screenshot (`img_path`), an instruction and a target `bbox` (ScreenSpot)',
    match: (o) => (has(o, 'img_path') || has(o, 'img_filename')) && Array.isArray(o.bbox) && (has(o, 'pred') || has(o, 'prompt_to_evaluate') || has(o, 'instruction')),
    layout: 'qa',
    idFields: ID,
    images: ['img_path', 'img_filename', ...IMAGES],
    videos: VIDEOS,
    prompt: ['prompt_to_evaluate', 'instruction'],
    prediction: ['pred'],
    reference: ['bbox'],
    geometry: [
      { path: 'bbox', kind: 'box', role: 'gt', convention: 'pixel' },
      { path: 'pred', kind: 'point', role: 'pred', convention: 'pixel' },
    ],
    convention: 'pixel',
    tasks: ['point-in-box'],
  },
  {
    id: 'eval-input',
    label: 'Eval input',
    why: 'a `question` with `ground_truth` or `image_path`',
    match: (o) => isStr(o.question) && (has(o, 'ground_truth') || has(o, 'image_path')),
    layout: 'qa',
    ...USUAL,
    prompt: ['question'],
    prediction: ['prediction', 'pred', 'response'],
    reference: ['ground_truth', 'answer'],
  },
  {
    id: 'preference',
    label: 'Preference (DPO)',
    why: '`chosen` and `rejected` answers',
    match: (o) => has(o, 'chosen_messages') || has(o, 'rejected_messages') || has(o, 'rejected_response') || (has(o, 'chosen') && has(o, 'rejected')),
    layout: 'preference',
    ...USUAL,
  },
  {
    id: 'kto',
    label: 'KTO',
    why: '`messages` with a boolean `label`',
    match: (o) => Array.isArray(o.messages) && typeof o.label === 'boolean',
    layout: 'kto',
    conversational: true,
    turns: 'messages',
    ...USUAL,
  },
  {
    id: 'llamafactory-v1',
    label: 'LLaMA-Factory v1',
    why: '`messages` whose content parts hold `value`',
    match: (o) => Array.isArray(o.messages) && hasContentParts(o.messages) && isV1Messages(o.messages),
    layout: 'messages',
    conversational: true,
    turns: 'messages',
    ...USUAL,
  },
  {
    id: 'openai-messages',
    label: 'Qwen / OpenAI messages',
    why: '`messages` with content parts (text / image / video)',
    match: (o) => Array.isArray(o.messages) && hasContentParts(o.messages),
    layout: 'messages',
    conversational: true,
    turns: 'messages',
    ...USUAL,
  },
  {
    id: 'sharegpt',
    label: 'ShareGPT messages',
    why: '`messages` of role / content strings',
    match: (o) => Array.isArray(o.messages),
    layout: 'messages',
    conversational: true,
    turns: 'messages',
    ...USUAL,
  },
  {
    id: 'robointer',
    label: 'RoboInter',
    why: '`conversations` with `new_w` / `new_h`, or `images` with `task` or `h` / `w`',
    match: (o) => Array.isArray(o.conversations) && ('new_w' in o || 'new_h' in o || ('images' in o && 'task' in o) || ('images' in o && 'h' in o && 'w' in o)),
    layout: 'conversations',
    conversational: true,
    turns: 'conversations',
    ...USUAL,
  },
  {
    id: 'internvl',
    label: 'InternVL',
    why: '`conversations` with `width` / `height`',
    match: (o) => Array.isArray(o.conversations) && ('width' in o || 'height' in o || 'width_list' in o),
    layout: 'conversations',
    conversational: true,
    turns: 'conversations',
    ...USUAL,
  },
  {
    id: 'llava',
    label: 'LLaVA',
    why: '`conversations` of from / value turns',
    match: (o) => Array.isArray(o.conversations),
    layout: 'conversations',
    conversational: true,
    turns: 'conversations',
    ...USUAL,
  },
  {
    id: 'r1',
    label: 'R1 reasoning',
    why: '`problem` with `solution`',
    match: (o) => isStr(o.problem) && has(o, 'solution'),
    layout: 'r1',
    ...USUAL,
    prompt: ['problem'],
    reference: ['solution'],
  },
  {
    id: 'alpaca',
    label: 'Alpaca / LLaMA-Factory',
    why: '`instruction` with `output`',
    match: (o) => isStr(o.instruction) && has(o, 'output'),
    layout: 'qa',
    ...USUAL,
    prompt: ['system', 'instruction', 'input'],
    reference: ['output'],
  },
  {
    id: 'llava-bench-caps',
    label: 'LLaVA-Bench captions and boxes',
    why: '`captions` with `instances[].bbox` (0–1 xyxy)',
    match: (o) => Array.isArray(o.captions) && Array.isArray(o.instances),
    layout: 'qa',
    ...USUAL,
    reference: ['captions'],
    geometry: [{ path: 'instances[].bbox', kind: 'box', label: 'category', convention: 'norm1', role: 'gt' }],
    convention: 'norm1',
  },
  {
    id: 'trainer-state',
    label: 'HF trainer state',
    why: '`global_step` with `log_history`',
    match: (o) => typeof o.global_step === 'number' && Array.isArray(o.log_history),
    layout: 'document',
    idFields: [],
    images: [],
    videos: [],
  },
  {
    id: 'lerobot-info',
    label: 'LeRobot dataset info',
    why: '`codebase_version` with `features` (a LeRobot meta/info.json: open its folder as a LeRobot dataset)',
    match: (o) => isStr(o.codebase_version) && isObj(o.features),
    layout: 'document',
    idFields: [],
    images: [],
    videos: [],
  },
  {
    id: 'lerobot-episode',
    label: 'LeRobot episode',
    why: '`episode_index` with `tasks` and `length` (a line of LeRobot meta/episodes.jsonl)',
    match: (o) => typeof o.episode_index === 'number' && Array.isArray(o.tasks) && typeof o.length === 'number',
    layout: 'document',
    idFields: ['episode_index'],
    images: [],
    videos: [],
  },
  {
    id: 'lerobot-episode-stats',
    label: 'LeRobot episode statistics',
    why: '`episode_index` with `stats` (a line of LeRobot meta/episodes_stats.jsonl)',
    match: (o) => typeof o.episode_index === 'number' && isObj(o.stats),
    layout: 'document',
    idFields: ['episode_index'],
    images: [],
    videos: [],
  },
  {
    id: 'lerobot-task',
    label: 'LeRobot task',
    why: '`task_index` with the `task` text (a line of LeRobot meta/tasks.jsonl)',
    match: (o) => typeof o.task_index === 'number' && isStr(o.task) && Object.keys(o).length === 2,
    layout: 'document',
    idFields: ['task_index'],
    images: [],
    videos: [],
  },
  {
    id: 'internvl-meta',
    label: 'InternVL meta',
    why: 'every value is an entry with an `annotation` path',
    match: (o) => {
      const values = Object.values(o);
      return values.length > 0 && values.every((v) => isObj(v) && typeof v.annotation === 'string');
    },
    layout: 'internvl-meta',
    idFields: [],
    images: [],
    videos: [],
  },
];

/** The fallback: fields found by their usual names; geometry found by shape. */
export const UNKNOWN_FORMAT: FormatDescriptor = {
  id: 'unknown',
  label: 'Unknown',
  why: 'no descriptor matched: fields read by their usual names, geometry by its shape',
  match: () => true,
  layout: 'qa',
  idFields: ID,
  images: IMAGES,
  videos: VIDEOS,
  prompt: GENERIC_PROMPT,
  prediction: GENERIC_PREDICTION,
  reference: GENERIC_REFERENCE,
};

const BY_ID = new Map<string, FormatDescriptor>(BUILTIN_FORMATS.map((d) => [d.id, d]));
BY_ID.set('unknown', UNKNOWN_FORMAT);

export function descriptorOf(id: FormatId): FormatDescriptor {
  return BY_ID.get(id) ?? UNKNOWN_FORMAT;
}

export const FORMAT_LABELS_FROM_REGISTRY: Record<string, string> = { ...Object.fromEntries([...BY_ID].map(([k, d]) => [k, d.label])), user: 'User format' };

/** The descriptor of one parsed record (the fallback for anything else). */
export function describe(value: unknown, extra: readonly FormatDescriptor[] = []): FormatDescriptor {
  if (!isObj(value)) return UNKNOWN_FORMAT;
  for (const d of extra) if (d.match(value)) return d;
  for (const d of BUILTIN_FORMATS) if (d.match(value)) return d;
  return UNKNOWN_FORMAT;
}

/**
 * First field of `keys` present in `o`, with its value. A field written as `null` counts (a
 * prediction the eval script could not parse is still a prediction: a miss, not a missing one).
 */
export function firstField(o: Obj, keys: readonly string[] | undefined): { key: string; value: unknown } | undefined {
  for (const k of keys ?? []) if (k in o && o[k] !== undefined) return { key: k, value: o[k] };
  return undefined;
}

/** A record's id, the same for the viewer, the validator (duplicates) and metrics. */
export function recordId(value: unknown, d: FormatDescriptor = describe(value)): { key: string; id: string } | undefined {
  if (!isObj(value)) return undefined;
  for (const k of d.idFields) {
    const v = value[k];
    if (typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v))) return { key: k, id: String(v) };
  }
  return undefined;
}

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : undefined);

/** The image size a record declares: `w`/`h`, `width`/`height`, `image_width`/`image_height`, `image_size`, `img_size`. */
export function declaredSize(o: Obj): { width: number; height: number; keys: string } | undefined {
  const pairs: Array<[string, string]> = [
    ['w', 'h'],
    ['width', 'height'],
    ['image_width', 'image_height'],
    ['img_width', 'img_height'],
  ];
  for (const [wk, hk] of pairs) {
    const w = num(o[wk]);
    const h = num(o[hk]);
    if (w && h) return { width: w, height: h, keys: `${wk}/${hk}` };
  }
  for (const k of ['image_size', 'img_size']) {
    const s = o[k];
    if (Array.isArray(s) && s.length === 2 && num(s[0]) && num(s[1])) return { width: s[0] as number, height: s[1] as number, keys: k };
    if (isObj(s) && num(s.width) && num(s.height)) return { width: s.width as number, height: s.height as number, keys: k };
  }
  return undefined;
}

/**
 * The prediction and the reference of a record, as its descriptor names them. When a record
 * holds a reference field (`gt`, `gt_answer`, `ground_truth`…), a bare `answer` is the model's
 * output; otherwise `answer` is the ground truth (a dataset answer, never scored as a prediction).
 */
export function predictionAndReference(o: Obj, d: FormatDescriptor = describe(o)): { prediction?: { key: string; value: unknown }; reference?: { key: string; value: unknown } } {
  let prediction = firstField(o, d.prediction);
  let reference = firstField(o, d.reference);
  if (d.id === 'unknown') {
    // `answer` is a prediction only beside an explicit reference; `label` / `solution` / `answer` only as references
    const explicitRef = firstField(o, ['gt', 'gt_answer', 'ground_truth', 'target', 'reference']);
    if (explicitRef) {
      reference = explicitRef;
      prediction ??= firstField(o, ['answer', 'output']);
    }
  }
  if (prediction && reference && prediction.key === reference.key) prediction = undefined;
  return { prediction, reference };
}

/**
 * A `.json` file whose top level is an object holding a list of records under some key
 * (`{accuracy, results: [...]}`, ScreenSpot `{details: [...], metrics}`): the key, or
 * undefined when the object is one document (trainer state, InternVL meta, DriveLM scenes…).
 * `keysBefore` are the top-level keys that come before the list.
 */
export function recordListKey(key: string, keysBefore: readonly string[]): string | undefined {
  if (key === 'log_history' || keysBefore.includes('global_step') || keysBefore.includes('log_history')) return undefined;
  return key;
}

/** The records of a parsed `.json` value: an array, or the list under an object's record-list key. */
export function recordsOfDocument(value: unknown): { records: unknown[]; key?: string } | undefined {
  if (Array.isArray(value)) return { records: value };
  if (!isObj(value)) return undefined;
  const before: string[] = [];
  for (const [k, v] of Object.entries(value)) {
    if (Array.isArray(v) && v.length > 0 && isObj(v[0])) {
      const key = recordListKey(k, before);
      return key ? { records: v, key } : undefined;
    }
    before.push(k);
  }
  return undefined;
}
