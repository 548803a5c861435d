/**
 * Format detection and normalization: any record VLM Lens knows becomes turns with roles
 * and ordered parts (text, images, videos, reasoning), keeping where each text came from.
 * See README "Formats" for the list; unknown shapes become a record with no turns (the
 * viewer shows their JSON).
 */
import { declaredSize, describe, isObj, predictionAndReference, recordId, type FormatDescriptor } from '../formats/registry';
import { plainSnippet, splitTurnText } from './turnText';
import {
  type FormatId,
  type JsonPath,
  type MediaKind,
  type MediaRef,
  type MetaEntry,
  type NormalizedRecord,
  type Part,
  type RecordSummary,
  type Role,
  type TextSegment,
  type Turn,
  type TurnKind,
} from './model';

type Obj = Record<string, unknown>;

export { isObj };

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

const ROLE_MAP: Record<string, Role> = {
  human: 'user',
  user: 'user',
  gpt: 'assistant',
  assistant: 'assistant',
  model: 'assistant',
  bot: 'assistant',
  system: 'system',
  observation: 'tool',
  function: 'tool',
  function_call: 'tool',
  tool: 'tool',
  tool_call: 'tool',
  tool_response: 'tool',
  ipython: 'tool',
};

export function mapRole(raw: string): Role {
  return ROLE_MAP[raw.toLowerCase()] ?? 'other';
}

/** The text after the decoded chat prefix of a RoboInter eval `pred` (after the last `assistant\n`). */
export function stripChatPrefix(pred: string): { answer: string; offset: number; question?: string } {
  const marker = 'assistant\n';
  const at = pred.lastIndexOf(marker);
  if (at < 0) return { answer: pred, offset: 0 };
  const prefix = pred.slice(0, at);
  const u = prefix.lastIndexOf('user\n');
  const question = u >= 0 ? prefix.slice(u + 5).replace(/\n$/, '') : undefined;
  return { answer: pred.slice(at + marker.length), offset: at + marker.length, question };
}

class Builder {
  readonly turns: Turn[] = [];
  readonly images: MediaRef[] = [];
  readonly videos: MediaRef[] = [];
  readonly counters: Record<MediaKind, number> = { image: 0, video: 0 };
  readonly notes: string[] = [];

  addMedia(kind: MediaKind, value: unknown, path: JsonPath): void {
    const list = kind === 'image' ? this.images : this.videos;
    const add = (v: unknown, p: JsonPath) => {
      const ref = mediaRefString(v);
      if (ref !== undefined) list.push({ kind, ref, path: p });
    };
    if (Array.isArray(value)) value.forEach((v, i) => add(v, [...path, i]));
    else add(value, path);
  }

  /** A turn whose text is one JSON string value. */
  textTurn(rawRole: string, text: string, path: JsonPath, kind?: TurnKind, valueOffset = 0): Turn {
    const turn: Turn = {
      role: mapRole(rawRole),
      rawRole,
      kind,
      text,
      parts: splitTurnText(text, this.counters),
      segments: [{ path, start: 0, length: text.length, valueOffset }],
    };
    this.turns.push(turn);
    return turn;
  }

  /** A turn whose content is a list of typed parts (Qwen / OpenAI / LLaMA-Factory v1). */
  contentTurn(rawRole: string, content: unknown[], path: JsonPath, kind?: TurnKind): Turn {
    let text = '';
    const parts: Part[] = [];
    const segments: TextSegment[] = [];
    content.forEach((item, i) => {
      const p = [...path, i];
      if (typeof item === 'string') {
        appendText(item, p, 0);
        return;
      }
      if (!isObj(item)) return;
      const type = str(item.type) ?? '';
      if (type === 'text') {
        const key = typeof item.text === 'string' ? 'text' : 'value';
        const t = str(item[key]);
        if (t !== undefined) appendText(t, [...p, key], 0);
      } else if (type === 'image' || type === 'image_url' || type === 'video' || type === 'video_url') {
        const media: MediaKind = type.startsWith('video') ? 'video' : 'image';
        const { value, at } = mediaValue(item, type);
        const list = media === 'image' ? this.images : this.videos;
        const ref = mediaRefString(value);
        list.push({ kind: media, ref: ref ?? '', path: [...p, ...at] });
        parts.push({ type: 'media', media, index: this.counters[media]++, offset: text.length, placeholder: false });
      }
    });
    const turn: Turn = { role: mapRole(rawRole), rawRole, kind, text, parts, segments };
    this.turns.push(turn);
    return turn;

    function appendText(t: string, p: JsonPath, valueOffset: number) {
      if (text.length > 0) text += '\n';
      const start = text.length;
      text += t;
      segments.push({ path: p, start, length: t.length, valueOffset });
      for (const part of splitTurnText(t, { image: Number.MAX_SAFE_INTEGER, video: Number.MAX_SAFE_INTEGER })) {
        // placeholders inside content-part text are kept as text: the parts list is explicit
        if (part.type === 'media') parts.push({ type: 'text', text: `<${part.media}>`, offset: start + part.offset });
        else parts.push({ ...part, offset: start + part.offset });
      }
    }
  }

  /** A role/content message: content is a string or a list of parts. */
  message(m: unknown, path: JsonPath, kind?: TurnKind): void {
    if (!isObj(m)) return;
    const rawRole = str(m.role) ?? str(m.from) ?? 'unknown';
    const contentKey = 'content' in m ? 'content' : 'value';
    const content = m[contentKey];
    if (Array.isArray(content)) this.contentTurn(rawRole, content, [...path, contentKey], kind);
    else if (typeof content === 'string') this.textTurn(rawRole, content, [...path, contentKey], kind);
    else this.textTurn(rawRole, '', [...path, contentKey], kind);
  }

  messages(list: unknown, path: JsonPath, kind?: TurnKind): void {
    if (Array.isArray(list)) list.forEach((m, i) => this.message(m, [...path, i], kind));
  }

  /**
   * Images not referenced by a placeholder are shown at the start of the first user turn
   * (LLaVA-style records without `<image>`, eval records); placeholders without an image
   * stay as they are (the viewer shows them as missing).
   */
  attachUnreferenced(): void {
    for (const kind of ['image', 'video'] as const) {
      const list = kind === 'image' ? this.images : this.videos;
      const used = this.counters[kind];
      if (used > list.length) this.notes.push(`${used} <${kind}> placeholder(s) but ${list.length} ${kind}(s)`);
      if (list.length <= used) continue;
      if (used > 0) this.notes.push(`${list.length} ${kind}(s) but ${used} <${kind}> placeholder(s)`);
      let target = this.turns.find((t) => t.role === 'user');
      if (!target) {
        target = { role: 'user', rawRole: '', text: '', parts: [], segments: [] };
        this.turns.unshift(target);
      }
      const extra: Part[] = [];
      for (let i = used; i < list.length; i++) extra.push({ type: 'media', media: kind, index: i, offset: 0, placeholder: false });
      target.parts.unshift(...extra);
    }
  }

  build(format: FormatId, extra: Partial<NormalizedRecord> = {}): NormalizedRecord {
    this.attachUnreferenced();
    return { format, turns: this.turns, images: this.images, videos: this.videos, notes: this.notes, ...extra };
  }
}

function mediaRefString(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (isObj(v)) return str(v.path) ?? str(v.url) ?? str(v.image) ?? str(v.file);
  return undefined;
}

function mediaValue(item: Obj, type: string): { value: unknown; at: JsonPath } {
  if (type === 'image_url' || type === 'video_url') {
    const inner = item[type];
    if (isObj(inner) && 'url' in inner) return { value: inner.url, at: [type, 'url'] };
    if (typeof inner === 'string') return { value: inner, at: [type] };
    return { value: item.value, at: ['value'] };
  }
  if (type in item) return { value: item[type], at: [type] };
  return { value: item.value, at: ['value'] };
}

/** Detects the format of one parsed record (the registry's first matching descriptor). */
export function detectFormat(value: unknown, extra: readonly FormatDescriptor[] = []): FormatId {
  return describe(value, extra).id;
}

export interface NormalizeOptions {
  /** user descriptors that apply to this file (tried before the built-in ones) */
  formats?: readonly FormatDescriptor[];
  /** the record's descriptor, when the caller has already found it */
  descriptor?: FormatDescriptor;
}

const IMAGE_EXT = /\.(?:jpe?g|png|gif|webp|bmp|tiff?|avif)$/i;
const VIDEO_EXT = /\.(?:mp4|webm|mkv|mov|avi|m4v)$/i;

/** Normalizes one parsed record. Never throws: unexpected shapes degrade to fewer turns plus notes. */
export function normalizeRecord(value: unknown, opts: NormalizeOptions = {}): NormalizedRecord {
  const d = opts.descriptor ?? describe(value, opts.formats);
  const format = d.id;
  const b = new Builder();
  if (!isObj(value)) return b.build('unknown', { formatWhy: 'not a JSON object' });
  const o = value;
  const size = declaredSize(o);
  const common: Partial<NormalizedRecord> = {
    id: recordId(o, d)?.id,
    declaredSize: size ? { width: size.width, height: size.height } : undefined,
    task: str(o.task) ?? str(o.eval_type) ?? str(o.problem_type),
    formatWhy: d.why,
    formatLabel: d.id === 'user' ? d.label : undefined,
  };
  // a class label (an integer, or a short name) beside the record, unlike KTO's boolean
  const lab = o.label ?? o.class_label ?? o.class_id;
  if ((typeof lab === 'number' && Number.isInteger(lab)) || (typeof lab === 'string' && lab.length > 0 && lab.length <= 64 && d.id !== 'unknown')) common.classLabel = lab;
  if (d.layout !== 'internvl-meta' && d.layout !== 'document') {
    for (const key of new Set(d.images)) if (key in o) b.addMedia('image', o[key], [key]);
    for (const key of new Set(d.videos)) if (key in o) b.addMedia('video', o[key], [key]);
    if (d.id === 'unknown' || d.id === 'user') mediaByValue(o, b, d);
  }

  switch (d.layout) {
    case 'conversations': {
      (o.conversations as unknown[]).forEach((t, i) => b.message(t, ['conversations', i]));
      const nw = num(o.new_w);
      const nh = num(o.new_h);
      return b.build(format, { ...common, resizedSize: nw && nh ? { width: nw, height: nh } : undefined });
    }
    case 'messages':
      b.messages(o.messages, ['messages']);
      return b.build(format, common);
    case 'kto':
      b.messages(o.messages, ['messages']);
      return b.build(format, { ...common, label: o.label as boolean });
    case 'preference': {
      if (Array.isArray(o.conversations)) b.messages(o.conversations, ['conversations']);
      if (Array.isArray(o.messages)) b.messages(o.messages, ['messages']);
      if ('prompt' in o) {
        if (typeof o.prompt === 'string') b.textTurn('user', o.prompt, ['prompt']);
        else b.messages(o.prompt, ['prompt']);
      }
      for (const kind of ['chosen', 'rejected'] as const) {
        const v = o[kind];
        if (typeof v === 'string') b.textTurn('assistant', v, [kind], kind);
        else if (isObj(v)) b.message(v, [kind], kind);
        else if (Array.isArray(v)) b.messages(v, [kind], kind);
      }
      if (Array.isArray(o.chosen_messages) || Array.isArray(o.rejected_messages)) {
        // v1: both lists hold the whole conversation; show the shared prefix once, then
        // the chosen and the rejected continuations.
        const chosen = Array.isArray(o.chosen_messages) ? o.chosen_messages : [];
        const rejected = Array.isArray(o.rejected_messages) ? o.rejected_messages : [];
        let shared = 0;
        while (shared < chosen.length && shared < rejected.length && JSON.stringify(chosen[shared]) === JSON.stringify(rejected[shared])) shared++;
        chosen.forEach((m, i) => b.message(m, ['chosen_messages', i], i >= shared ? 'chosen' : undefined));
        rejected.forEach((m, i) => {
          if (i >= shared) b.message(m, ['rejected_messages', i], 'rejected');
        });
      }
      if (typeof o.rejected_response === 'string') b.textTurn('assistant', o.rejected_response, ['rejected_response'], 'rejected');
      else if (Array.isArray(o.rejected_response)) b.messages(o.rejected_response, ['rejected_response'], 'rejected');
      return b.build(format, common);
    }
    case 'robointer-eval': {
      const pred = o.pred as string;
      const stripped = stripChatPrefix(pred);
      if (stripped.question !== undefined) b.textTurn('user', stripped.question, ['pred'], undefined, pred.lastIndexOf('user\n') + 5);
      b.textTurn('assistant', stripped.answer, ['pred'], 'prediction', stripped.offset);
      const gt = o.gt;
      b.textTurn('assistant', typeof gt === 'string' ? gt : JSON.stringify(gt), ['gt'], 'reference');
      return b.build(format, common);
    }
    case 'lmms-eval': {
      const input = o.input ?? o.prompt;
      if (typeof input === 'string') b.textTurn('user', input, ['input']);
      // a single response is flattened by lmms-eval; otherwise take the first (of the first)
      const respPath: JsonPath = 'filtered_resps' in o ? ['filtered_resps'] : ['resps'];
      let first: unknown = o.filtered_resps ?? o.resps;
      while (Array.isArray(first) && respPath.length < 3) {
        first = first[0] as unknown;
        respPath.push(0);
      }
      b.textTurn('assistant', typeof first === 'string' ? first : JSON.stringify(first ?? null), respPath, 'prediction');
      const target = o.target;
      b.textTurn('assistant', typeof target === 'string' ? target : JSON.stringify(target ?? null), ['target'], 'reference');
      return b.build(format, common);
    }
    case 'qa':
      qaTurns(o, d, b);
      // a record without any question still gets a line in the list: its first short text field
      if (!b.turns.some((t) => t.role === 'user' && t.text.trim())) {
        const first = Object.values(o).find((v): v is string => typeof v === 'string' && v.trim().length > 0 && !IMAGE_EXT.test(v) && !VIDEO_EXT.test(v));
        if (first) common.fallbackSnippet = first.length > 200 ? `${first.slice(0, 199)}…` : first;
      }
      return b.build(format, common);
    case 'r1': {
      let q = o.problem as string;
      if (Array.isArray(o.options)) q += '\n' + o.options.filter((x) => typeof x === 'string').join('\n');
      b.textTurn('user', q, ['problem']);
      const sol = o.solution;
      b.textTurn('assistant', typeof sol === 'string' ? sol : JSON.stringify(sol), ['solution'], 'reference');
      if (typeof o.path === 'string' && b.images.length === 0 && b.videos.length === 0) b.addMedia(o.data_type === 'video' ? 'video' : 'image', o.path, ['path']);
      return b.build(format, common);
    }
    case 'internvl-meta': {
      const entries: MetaEntry[] = Object.entries(o).map(([name, v]) => {
        const e = v as Obj;
        const length = num(e.length);
        const repeatTime = num(e.repeat_time);
        // InternVL's loader: repeat_time < 1 samples int(len × r) records, > 1 repeats the list r times
        const effective = length === undefined ? undefined : Math.floor(length * (repeatTime ?? 1));
        return { name, root: str(e.root), annotation: str(e.annotation), length, repeatTime, effective };
      });
      return b.build(format, { metaEntries: entries, formatWhy: d.why });
    }
    case 'document':
      return b.build(format, common);
    case 'drivelm-scene':
      driveLmScene(o, b);
      return b.build(format, common);
  }
}

/**
 * A DriveLM scene: each key frame's cameras (in the order written, CAM_FRONT first in the
 * released files), then its questions and answers by stage (perception, prediction, planning,
 * behavior), each question a user turn and each answer the reference.
 */
function driveLmScene(o: Obj, b: Builder): void {
  if (typeof o.scene_description === 'string') b.textTurn('system', o.scene_description, ['scene_description']);
  const frames = o.key_frames as Obj;
  for (const [fk, f] of Object.entries(frames).slice(0, 200)) {
    if (!isObj(f)) continue;
    if (isObj(f.image_paths)) {
      for (const [cam, p] of Object.entries(f.image_paths)) {
        if (typeof p !== 'string') continue;
        b.addMedia('image', p, ['key_frames', fk, 'image_paths', cam]);
        b.images[b.images.length - 1].view = cam;
      }
    }
    const qa = f.QA;
    if (!isObj(qa)) continue;
    for (const [stage, list] of Object.entries(qa)) {
      if (!Array.isArray(list)) continue;
      list.forEach((item, i) => {
        if (!isObj(item)) return;
        // the question is the user's; its stage (perception, planning…) is shown as the role
        if (typeof item.Q === 'string') b.textTurn('user', item.Q, ['key_frames', fk, 'QA', stage, i, 'Q']).rawRole = stage;
        if (typeof item.A === 'string') b.textTurn('assistant', item.A, ['key_frames', fk, 'QA', stage, i, 'A'], 'reference');
      });
    }
  }
}

/** The qa layout: the prompt fields as the user turn, then the prediction and the reference. */
function qaTurns(o: Obj, d: FormatDescriptor, b: Builder): void {
  // alpaca: system, instruction and input, one turn each (every text keeps its own path)
  for (const k of d.prompt ?? []) {
    const v = o[k];
    if (typeof v === 'string' && v.length > 0) b.textTurn(k === 'system' ? 'system' : 'user', v, [k]);
    else if (isObj(v)) {
      // R1-V results keep the whole input example under `question`: its question and image
      const inner = (['question', 'problem', 'prompt'] as const).find((x) => typeof v[x] === 'string');
      if (inner) b.textTurn('user', v[inner] as string, [k, inner]);
      for (const m of ['image_path', 'image', 'images']) if (m in v && b.images.length === 0) b.addMedia('image', v[m], [k, m]);
    }
  }
  const { prediction, reference } = predictionAndReference(o, d);
  if (prediction) answerTurn(b, prediction, 'prediction');
  if (reference) answerTurn(b, reference, 'reference');
}

function answerTurn(b: Builder, f: { key: string; value: unknown }, kind: 'prediction' | 'reference'): void {
  const v = f.value;
  // a list of strings (captions, responses) is one turn per string, each at its own path
  if (Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'string')) {
    v.forEach((x: string, i) => b.textTurn('assistant', x, [f.key, i], kind));
    return;
  }
  if (typeof v === 'string') b.textTurn('assistant', v, [f.key], kind);
  else b.textTurn('assistant', JSON.stringify(v), [f.key], kind);
}

/** Records no descriptor knows: images and videos under any top-level key whose value names such a file. */
function mediaByValue(o: Obj, b: Builder, d: FormatDescriptor): void {
  for (const [k, v] of Object.entries(o)) {
    if (d.images.includes(k) || d.videos.includes(k)) continue;
    const first: unknown = Array.isArray(v) ? (v as unknown[])[0] : v;
    if (typeof first !== 'string' || first.length > 4096) continue;
    if (IMAGE_EXT.test(first)) b.addMedia('image', v, [k]);
    else if (VIDEO_EXT.test(first)) b.addMedia('video', v, [k]);
  }
}

/** What the record list shows for a record. */
export function summarize(rec: NormalizedRecord): RecordSummary {
  const question = rec.turns.find((t) => t.role === 'user' && t.text.trim().length > 0) ?? rec.turns.find((t) => t.text.trim().length > 0);
  let snippet = question ? plainSnippet(question.text) : '';
  if (!snippet && rec.fallbackSnippet) snippet = plainSnippet(rec.fallbackSnippet);
  if (!snippet && rec.metaEntries) snippet = rec.metaEntries.map((e) => e.name).join(', ');
  return {
    format: rec.format,
    ...(rec.formatLabel ? { formatLabel: rec.formatLabel } : {}),
    id: rec.id,
    snippet,
    imageCount: rec.images.length,
    videoCount: rec.videos.length,
    firstImage: rec.images[0]?.ref,
  };
}
