/**
 * Checks records against their JSON Schema and the VLM rules. Works record by record (so a
 * changed line is checked again alone) and keeps per-record facts for the rules that need
 * the whole file (duplicate ids, image/images consistency, mixed conventions, reasoning
 * tags in a file that uses them). Positions are computed from offsets inside the record
 * text; nothing here knows about VS Code.
 */
import { parseTree, visit, type Node as JsonNode } from 'jsonc-parser';
import { isObj, mapRole, normalizeRecord } from '../records/normalize';
import { declaredSize, describe, recordId, type FormatDescriptor } from '../formats/registry';
import { placeholderMismatch, type PlaceholderPolicy } from './placeholders';
import type { FormatId, JsonPath } from '../records/model';
import { locateParseError, positionIn } from '../records/parseRecord';
import { applyFixes, findMojibake, mayContainMojibake } from '../text/mojibake';
import { extractGeometry } from '../geometry/extract';
import { guessRecordConvention, type ConventionGuess } from '../geometry/detect';
import { toPixelShapes } from '../geometry/convert';
import { chooseConvention, type OverlaySettings } from '../geometry/overlays';
import { formatMessage, RULE_CODES, severityOf, type MessageId, type RuleCode, type Severity, type SeveritySetting } from './rules';
import type { SchemaSet } from './schemaSet';

/**
 * What a quick fix does (applied by the editor, only when the fix is certain). Ranges are
 * the problem's own, unless given.
 */
export type Fix =
  /** replace the problem's range (a key) with this key */
  | { kind: 'rename-key'; to: 'images' }
  /** insert placeholders at the start of the string value at `valuePath` of the record */
  | { kind: 'add-placeholder'; placeholder: '<image>' | '<video>'; count: number; valuePath: JsonPath }
  /** replace the problem's range (a JSON string value) with this JSON text */
  | { kind: 'replace-value'; replacement: string }
  /** delete `length` characters at this 0-based file position */
  | { kind: 'remove'; line: number; column: number; length: number };

export interface Problem {
  code: RuleCode;
  severity: Severity;
  messageId: MessageId;
  args: Array<string | number>;
  /** English text (the extension localizes `messageId` instead) */
  message: string;
  record: number;
  /** 0-based positions in the file */
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  related?: Array<{ line: number; column: number; message: string }>;
  fix?: Fix;
  /** offsets in the record text (for fixes) */
  offset: number;
  length: number;
}

/** One record's text and where it starts in the file. */
export interface RecordText {
  index: number;
  line: number;
  column: number;
  text: string;
  /** known to be pure ASCII (the reader knows it for free): skips the text-encoding checks */
  ascii?: boolean;
}

/** What the whole-file rules need to know about a record. */
export interface RecordFacts {
  index: number;
  line: number;
  column: number;
  id?: string;
  idLoc?: { offset: number; length: number };
  imageKey?: { key: 'image' | 'images'; offset: number; length: number };
  /** conversation-style records only (where `image` vs `images` matters) */
  conversational: boolean;
  /** a record with an answer outside a conversation (an R1 `solution`) */
  answers?: boolean;
  usesReasoning: boolean;
  /** reasoning problems, reported only if most records use reasoning tags */
  reasoning: Problem[];
  convention?: ConventionGuess;
  /** images to check on disk: the reference and where it is written */
  images: Array<{ ref: string; offset: number; length: number; video?: boolean }>;
  /** the image size the record declares, where (for VLM021 against its first image file) */
  declared?: { width: number; height: number; keys: string; offset: number; length: number };
}

export interface ValidatorOptions {
  schemas: SchemaSet;
  /** the schema every record of this file is checked against (a user schema), if any */
  fileSchema?: string;
  severities?: Partial<Record<string, SeveritySetting>>;
  /** the file is JSON Lines (a JSON array on a line is then a mistake) */
  jsonl: boolean;
  overlay?: OverlaySettings;
  /** localize schema messages (ajv-i18n language code) */
  language?: string;
  /** collect image references so the caller can look them up on disk (VLM020) */
  collectImages?: boolean;
  /** user format descriptors that apply to this file (`vlmLens.formats`, `--format`) */
  formats?: readonly FormatDescriptor[];
  /** how placeholders are counted for this file (default: by format) */
  placeholders?: PlaceholderPolicy;
}

interface Located {
  offset: number;
  length: number;
}

const NONE: never[] = [];
const IMAGE_KEYS = ['image', 'images', 'image_path'];
/** The largest coordinate of the normalised conventions (0 is the smallest). */
const RANGE_OF: Partial<Record<string, number>> = { norm1: 1, norm1000: 1000, norm999: 999, percent: 100 };
const VIDEO_KEYS = ['video', 'videos', 'video_path'];

/** One record being checked: its problems (made when the first one is found) and its JSON tree (parsed only to locate a problem). */
class RecordCheck {
  problems: Problem[] = NONE;
  private tree: JsonNode | undefined | null;

  constructor(
    readonly rec: RecordText,
    private readonly v: RecordValidator,
  ) {}

  push(p: Problem | undefined): void {
    if (!p) return;
    if (this.problems === NONE) this.problems = [];
    this.problems.push(p);
  }

  /** Offset and length of the value (or its key) at `path` in the record text. */
  locate(path: JsonPath, what: 'value' | 'key' = 'value'): Located {
    if (this.tree === undefined) {
      try {
        this.tree = parseTree(this.rec.text) ?? null;
      } catch {
        // nested deeper than the locator's recursion allows: problems stay at the record's start
        this.tree = null;
      }
    }
    const node = this.tree ? lastNodeAt(this.tree, path) : undefined;
    if (!node) return { offset: 0, length: 1 };
    if (what === 'key' && node.parent?.type === 'property' && node.parent.children?.[0]) {
      const k = node.parent.children[0];
      return { offset: k.offset, length: k.length };
    }
    return { offset: node.offset, length: node.length };
  }
}

function mediaCount(v: unknown): number {
  return typeof v === 'string' ? 1 : Array.isArray(v) ? v.length : 0;
}

function isBlank(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const ch = s.charCodeAt(i);
    if (ch !== 32 && ch !== 10 && ch !== 13 && ch !== 9) return false;
  }
  return true;
}

/** Problems at known positions, with the severities in force (no schemas needed: used to merge parts). */
export class ProblemFactory {
  /** severity in force per rule (undefined: off), worked out once */
  private readonly severity = new Map<RuleCode, Severity | undefined>();

  constructor(severities: Partial<Record<string, SeveritySetting>> = {}) {
    for (const code of RULE_CODES) {
      const s = severityOf(code, severities);
      this.severity.set(code, s === 'off' ? undefined : s);
    }
  }

  enabled(code: RuleCode): Severity | undefined {
    return this.severity.get(code);
  }

  /** A problem at an offset on a record's first line. */
  factProblem(f: { index: number; line: number; column: number }, loc: { offset: number; length: number } | undefined, code: RuleCode, id: MessageId, args: Array<string | number>, extra: Partial<Problem> = {}): Problem | undefined {
    const severity = this.enabled(code);
    if (!severity) return undefined;
    const off = loc?.offset ?? 0;
    const len = loc?.length ?? 1;
    return { code, severity, messageId: id, args, message: formatMessage(id, args), record: f.index, line: f.line, column: f.column + off, endLine: f.line, endColumn: f.column + off + len, offset: off, length: len, ...extra };
  }
}

export class RecordValidator extends ProblemFactory {
  constructor(private readonly opts: ValidatorOptions) {
    super(opts.severities);
  }

  /** A problem at [offset, offset + length) of the record text. */
  private problem(rec: RecordText, code: RuleCode, messageId: MessageId, args: Array<string | number>, at: Located, extra: Partial<Problem> = {}): Problem | undefined {
    const severity = this.enabled(code);
    if (!severity) return undefined;
    const start = positionIn(rec.text, at.offset, rec.line, rec.column);
    const end = positionIn(rec.text, at.offset + Math.max(at.length, 0), rec.line, rec.column);
    return { code, severity, messageId, args, message: formatMessage(messageId, args), record: rec.index, line: start.line, column: start.column, endLine: end.line, endColumn: end.column, offset: at.offset, length: at.length, ...extra };
  }

  /**
   * Checks one record. Problems are in file positions; facts feed FileRules. Never throws: a
   * record that breaks a check (nested too deep for the locator, a malformed reference…) gets
   * a VLM006 problem at its start with the reason, and keeps what was found before.
   */
  check(rec: RecordText): { problems: Problem[]; facts: RecordFacts } {
    const facts: RecordFacts = { index: rec.index, line: rec.line, column: rec.column, conversational: false, usesReasoning: false, reasoning: NONE, images: NONE };
    const c = new RecordCheck(rec, this);
    try {
      return this.checkRecord(c, facts);
    } catch (e) {
      c.push(this.problem(rec, 'VLM006', 'checkFailed', [checkFailure(e)], { offset: firstNonSpace(rec.text), length: 1 }));
      return { problems: c.problems, facts };
    }
  }

  private checkRecord(c: RecordCheck, facts: RecordFacts): { problems: Problem[]; facts: RecordFacts } {
    const rec = c.rec;
    let value: unknown;
    try {
      value = JSON.parse(rec.text) as unknown;
    } catch (e) {
      const f = locateParseError(rec.text, e instanceof Error ? e.message : String(e));
      if (f.code === 'TrailingData') c.push(this.problem(rec, 'VLM002', 'trailingData', [], { offset: f.offset, length: Math.max(1, rec.text.trimEnd().length - f.offset) }));
      else c.push(this.problem(rec, 'VLM001', 'invalidJson', [f.message], { offset: f.offset, length: Math.max(1, f.length) }, trailingCommaFix(rec, f.offset)));
      return { problems: c.problems, facts };
    }
    if (Array.isArray(value) && this.opts.jsonl) c.push(this.problem(rec, 'VLM003', 'jsonlArray', [], { offset: firstNonSpace(rec.text), length: 1 }));

    this.jsonRules(c, value);
    const descriptor = describe(value, this.opts.formats);
    const format = descriptor.id;
    this.schemaProblems(c, value, format);
    if (!isObj(value)) return { problems: c.problems, facts };

    // ids and image keys: found in the text directly (no tree) for the file-level rules
    const rid = recordId(value, descriptor);
    if (rid) {
      facts.id = rid.id;
      facts.idLoc = findKeyValue(rec.text, rid.key);
    }
    const conversational = descriptor.conversational === true;
    facts.conversational = conversational;
    const key = 'images' in value ? 'images' : 'image' in value ? 'image' : undefined;
    if (key) {
      const k = findKey(rec.text, key);
      if (k) facts.imageKey = { key, offset: k.offset, length: k.length };
      if (key === 'image' && format === 'robointer' && k) c.push(this.problem(rec, 'VLM013', 'imageKeyRoboInter', [], k, { fix: { kind: 'rename-key', to: 'images' } }));
    }
    if (conversational) this.turnRules(c, value, descriptor, facts);
    // R1 records keep the answer with its reasoning tags in `solution`
    else if (typeof value.solution === 'string') {
      facts.answers = true;
      if (value.solution.includes('<')) this.reasoningRule(c, value.solution, () => ['solution'], facts);
    }
    this.textRules(c, value, facts);
    this.geometryRules(c, value, descriptor, facts);
    return { problems: c.problems, facts };
  }

  /**
   * What JSON.parse hides: a key given twice in one object (the last value wins) and numbers
   * beyond a double (`1e400` becomes Infinity). Cheap tests first; the text is walked with
   * jsonc-parser only when they say it may be needed.
   */
  private jsonRules(c: RecordCheck, value: unknown): void {
    const text = c.rec.text;
    // one walk of the parsed value counts its keys and finds numbers JSON.parse made infinite
    const walked = walkValue(value);
    const dup = this.enabled('VLM007') !== undefined && keyTokens(text) > walked.keys;
    const huge = this.enabled('VLM008') !== undefined && walked.nonFinite;
    if (!dup && !huge) return;
    const seen: Array<Set<string>> = [];
    visit(text, {
      onObjectBegin: () => void seen.push(new Set()),
      onObjectEnd: () => void seen.pop(),
      onObjectProperty: (key, offset, length) => {
        const keys = seen[seen.length - 1];
        if (dup && keys) {
          if (keys.has(key)) c.push(this.problem(c.rec, 'VLM007', 'duplicateKey', [key], { offset, length }));
          keys.add(key);
        }
      },
      onLiteralValue: (v: unknown, offset, length) => {
        if (huge && typeof v === 'number' && !Number.isFinite(v)) c.push(this.problem(c.rec, 'VLM008', 'hugeNumber', [text.slice(offset, offset + Math.min(length, 40))], { offset, length }));
      },
    });
  }

  private schemaProblems(c: RecordCheck, value: unknown, format: FormatId): void {
    if (!this.enabled('VLM004')) return;
    const schemaId = this.opts.fileSchema ?? this.opts.schemas.forFormat(format);
    if (!schemaId) return;
    const errors = this.opts.schemas.validate(schemaId, value, this.opts.language);
    for (const e of errors) {
      const at = e.keyword === 'additionalProperties' ? c.locate(e.path.concat(e.property ?? ''), 'key') : e.keyword === 'required' ? { ...c.locate(e.path), length: 1 } : c.locate(e.path);
      c.push(this.problem(c.rec, 'VLM004', 'schema', [e.message], at));
    }
  }

  /** Placeholders vs media, roles, empty answers, reasoning tags. Allocates nothing for a clean record. */
  private turnRules(c: RecordCheck, o: Record<string, unknown>, descriptor: FormatDescriptor, facts: RecordFacts): void {
    const format = descriptor.id;
    const listKey = descriptor.turns;
    if (!listKey || !Array.isArray(o[listKey])) return;
    const turns = o[listKey] as unknown[];
    const rec = c.rec;
    const counts = { image: 0, video: 0 };
    let partMedia = 0;
    let prevRole: string | undefined;
    let firstUser: JsonPath | undefined;
    for (let i = 0; i < turns.length; i++) {
      const t = turns[i];
      if (!isObj(t)) continue;
      const roleKey = typeof t.from === 'string' ? 'from' : 'role';
      const rawRole = t[roleKey];
      const role = typeof rawRole === 'string' ? mapRole(rawRole) : undefined;
      const valueKey = 'value' in t ? 'value' : 'content';
      const content = t[valueKey];
      if (typeof rawRole === 'string') {
        if (role === 'other') c.push(this.problem(rec, 'VLM033', 'unknownRole', [rawRole], c.locate([listKey, i, roleKey])));
        if (i === 0 && role !== 'user' && role !== 'system') c.push(this.problem(rec, 'VLM030', 'firstRole', [rawRole], c.locate([listKey, 0, roleKey])));
        if (role === 'assistant' && prevRole === 'assistant') c.push(this.problem(rec, 'VLM031', 'consecutiveAssistant', [rawRole], c.locate([listKey, i])));
      }
      if (typeof content === 'string') {
        this.turnText(c, content, role, rawRole, counts, listKey, i, valueKey, -1, '', facts);
        if (role === 'assistant' && isBlank(content)) c.push(this.problem(rec, 'VLM032', 'emptyAnswer', [String(rawRole)], c.locate([listKey, i, valueKey])));
        if (role === 'user' && !firstUser) firstUser = [listKey, i, valueKey];
      } else if (Array.isArray(content)) {
        let blank = true;
        for (let j = 0; j < content.length; j++) {
          const part: unknown = content[j];
          if (!isObj(part)) continue;
          const type = typeof part.type === 'string' ? part.type : '';
          if (type.startsWith('image') || type.startsWith('video')) {
            partMedia++;
            blank = false;
            continue;
          }
          const tk = typeof part.text === 'string' ? 'text' : typeof part.value === 'string' ? 'value' : undefined;
          if (!tk) continue;
          const text = part[tk] as string;
          if (!isBlank(text)) blank = false;
          this.turnText(c, text, role, rawRole, counts, listKey, i, valueKey, j, tk, facts);
          if (role === 'user' && !firstUser) firstUser = [listKey, i, valueKey, j, tk];
        }
        if (role === 'assistant' && blank) c.push(this.problem(rec, 'VLM032', 'emptyAnswer', [String(rawRole)], c.locate([listKey, i, valueKey])));
      }
      if (role) prevRole = role;
    }
    // Content-part formats place media explicitly; placeholders count for the others.
    if (partMedia > 0) return;
    const images = mediaCount(o.image) + mediaCount(o.images);
    const videos = mediaCount(o.video) + mediaCount(o.videos);
    // LLaVA-style records without any placeholder are read image-first by most loaders;
    // LLaMA-Factory (sharegpt) requires one placeholder per image (see placeholders.ts).
    const policy = this.opts.placeholders ?? (format === 'sharegpt' ? 'exact' : 'inserted');
    if (placeholderMismatch(counts.image, images, policy)) {
      const where = images > 0 ? c.locate(['images' in o ? 'images' : 'image']) : c.locate(firstUser ?? [listKey]);
      const fix: Fix | undefined = counts.image < images && firstUser ? { kind: 'add-placeholder', placeholder: '<image>', count: images - counts.image, valuePath: firstUser } : undefined;
      c.push(this.problem(rec, 'VLM010', 'imageCount', [counts.image, images], where, fix ? { fix } : {}));
    }
    if (placeholderMismatch(counts.video, videos, policy)) {
      const where = videos > 0 ? c.locate(['videos' in o ? 'videos' : 'video']) : c.locate(firstUser ?? [listKey]);
      c.push(this.problem(rec, 'VLM011', 'videoCount', [counts.video, videos], where));
    }
  }

  /** Placeholders and reasoning tags in one text of a turn (its path is built only for a problem). */
  private turnText(c: RecordCheck, text: string, role: string | undefined, rawRole: unknown, counts: { image: number; video: number }, listKey: string, i: number, valueKey: string, j: number, tk: string, facts: RecordFacts): void {
    if (!text.includes('<')) return;
    const path = (): JsonPath => (j < 0 ? [listKey, i, valueKey] : [listKey, i, valueKey, j, tk]);
    const nImg = countOf(text, '<image>');
    const nVid = countOf(text, '<video>');
    counts.image += nImg;
    counts.video += nVid;
    if ((nImg > 0 || nVid > 0) && role !== 'user' && role !== undefined) c.push(this.problem(c.rec, 'VLM012', 'placeholderRole', [nImg > 0 ? 'image' : 'video', String(rawRole)], c.locate(path())));
    if (role === 'assistant') this.reasoningRule(c, text, path, facts);
  }

  /** VLM070: <think> / <answer> / <context> tags of an answer (a turn, or an R1 `solution`). */
  private reasoningRule(c: RecordCheck, text: string, path: () => JsonPath, facts: RecordFacts): void {
    if (!/<\/?(think|answer|context)>/.test(text)) return;
    facts.usesReasoning = true;
    const issue = reasoningIssue(text);
    if (issue) {
      const pr = this.problem(c.rec, 'VLM070', 'reasoning', [issue], c.locate(path()));
      if (pr) facts.reasoning = [...facts.reasoning, pr];
    }
  }

  /** Mojibake and U+FFFD in any string of the record; image references to look up. */
  private textRules(c: RecordCheck, o: Record<string, unknown>, facts: RecordFacts): void {
    const rec = c.rec;
    // pure ASCII without \u escapes cannot hold mojibake or U+FFFD: no scan at all
    const suspicious = rec.ascii === true ? rec.text.includes('\\u') && SUSPICIOUS.test(rec.text) : SUSPICIOUS.test(rec.text);
    const mojibake = suspicious && this.enabled('VLM060') !== undefined && (mayContainMojibake(rec.text) || /\\u00[c-f][0-9a-f]/i.test(rec.text));
    const fffd = suspicious && this.enabled('VLM061') !== undefined && (rec.text.includes('\uFFFD') || /\\ufffd/i.test(rec.text));
    if (mojibake || fffd) {
      walk(o, [], (s, path) => {
        if (mojibake) {
          const spans = findMojibake(s);
          if (spans.length > 0) {
            const at = c.locate(path);
            // the quick fix only when the round trip is exact (no byte was lost on the way)
            if (spans.some((sp) => sp.lossy)) c.push(this.problem(rec, 'VLM060', 'mojibakeLossy', [spans[0].original, spans[0].fixed], at));
            else c.push(this.problem(rec, 'VLM060', 'mojibake', [spans[0].original, spans[0].fixed], at, { fix: { kind: 'replace-value', replacement: JSON.stringify(applyFixes(s, spans)) } }));
          }
        }
        if (fffd && s.includes('\uFFFD')) c.push(this.problem(rec, 'VLM061', 'replacementChar', [], c.locate(path)));
      });
    }
    if (!this.opts.collectImages) return;
    const images: RecordFacts['images'] = [];
    const add = (ref: string, video: boolean) => {
      const quoted = JSON.stringify(ref);
      const at = rec.text.indexOf(quoted);
      images.push({ ref, offset: at >= 0 ? at : 0, length: at >= 0 ? quoted.length : 1, video: video || undefined });
    };
    const refsOf = (v: unknown): string[] => (typeof v === 'string' ? [v] : Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
    for (const key of IMAGE_KEYS) for (const ref of refsOf(o[key])) add(ref, false);
    for (const key of VIDEO_KEYS) for (const ref of refsOf(o[key])) add(ref, true);
    // images and videos given as content parts (Qwen / OpenAI messages): {type: image, image}, {type: image_url, image_url: {url}}
    for (const list of [o.messages, o.conversations]) {
      if (!Array.isArray(list)) continue;
      for (const m of list.slice(0, 1000)) {
        const content = isObj(m) ? m.content : undefined;
        if (!Array.isArray(content)) continue;
        for (const part of content) {
          if (!isObj(part) || typeof part.type !== 'string') continue;
          const video = part.type.startsWith('video');
          if (!video && !part.type.startsWith('image')) continue;
          const inner = part[part.type];
          const ref = typeof inner === 'string' ? inner : isObj(inner) && typeof inner.url === 'string' ? inner.url : typeof part.value === 'string' ? part.value : undefined;
          if (ref !== undefined && !/^https?:|^data:/i.test(ref)) add(ref, video);
        }
      }
    }
    if (images.length > 0) {
      facts.images = images;
      const size = declaredSize(o);
      if (size) {
        const k = findKey(rec.text, size.keys.split('/')[0]);
        facts.declared = { ...size, offset: k?.offset ?? 0, length: k?.length ?? 1 };
      }
    }
  }

  /** Boxes outside the image, inverted boxes, trajectory points outside; the record's convention for the file-level check. */
  private geometryRules(c: RecordCheck, o: Record<string, unknown>, descriptor: FormatDescriptor, facts: RecordFacts): void {
    if (!this.enabled('VLM040') && !this.enabled('VLM041') && !this.enabled('VLM042') && !this.enabled('VLM043')) return;
    if (!mayHoldGeometry(o)) return;
    const rec = c.rec;
    // the descriptor found for the record's other rules (a user format's too): not found again
    const nrec = normalizeRecord(o, { descriptor });
    const all = extractGeometry(nrec, o, { descriptor });
    // a model's answers (pred) are scored, not validated: an inverted predicted box is a wrong
    // answer (IoU 0 in the metrics), not an error in the file
    const g = { ...all, shapes: all.shapes.filter((s) => s.role !== 'pred') };
    if (g.shapes.length === 0) return;
    const image = nrec.declaredSize;
    facts.convention = guessRecordConvention(g.shapes, image);
    const settings = this.opts.overlay ?? {};
    const choice = chooseConvention(g.shapes, settings, image);
    const where = (turn: number | undefined, field: string | undefined): Located => {
      if (turn !== undefined) {
        const seg = nrec.turns[turn]?.segments[0];
        return seg ? c.locate(seg.path) : { offset: 0, length: 1 };
      }
      return field ? c.locate(field.split('.').map((k) => (/^\d+$/.test(k) ? Number(k) : k))) : { offset: 0, length: 1 };
    };
    for (const s of g.shapes) {
      if (s.kind !== 'box') continue;
      const [x1, y1, a, b] = s.values as number[];
      const x2 = s.xywh ? x1 + a : a;
      const y2 = s.xywh ? y1 + b : b;
      const what = `${s.role} box${s.label ? ` “${s.label}”` : ''}`;
      if (x2 < x1 || y2 < y1) c.push(this.problem(rec, 'VLM041', 'boxDegenerate', [what, `inverted (${JSON.stringify(s.values)})`], where(s.source.turn, s.source.field)));
      else if (x2 === x1 || y2 === y1) c.push(this.problem(rec, 'VLM041', 'boxDegenerate', [what, `zero area (${JSON.stringify(s.values)})`], where(s.source.turn, s.source.field)));
    }
    if (!image) {
      // no image size: a coordinate beyond its convention's own range is still wrong (1200 in 0–1000)
      for (const s of g.shapes) {
        const conv = s.implied ?? (choice.source !== 'auto' ? choice.convention : undefined);
        const max = conv ? RANGE_OF[conv] : undefined;
        if (max === undefined) continue;
        const flat = (s.values as Array<number | number[]>).flat();
        const bad = flat.find((v) => v < 0 || v > max);
        if (bad === undefined) continue;
        const what = `${s.role} ${s.kind}${s.label ? ` “${s.label}”` : ''}`;
        c.push(this.problem(rec, s.kind === 'trajectory' ? 'VLM042' : 'VLM040', 'outsideRange', [what, bad, max, conv as string], where(s.source.turn, s.source.field)));
      }
      return;
    }
    const { shapes } = toPixelShapes(g.shapes, { image, resized: nrec.resizedSize, qwenMinPixels: settings.qwenMinPixels, qwenMaxPixels: settings.qwenMaxPixels }, choice);
    for (const s of shapes) {
      if (!s.flags.some((f) => f.includes('outside'))) continue;
      const what = `${s.role} ${s.kind}${s.label ? ` “${s.label}”` : ''}`;
      if (s.kind === 'trajectory') c.push(this.problem(rec, 'VLM042', 'trajectoryOutside', [what, s.flags.join('; ')], where(s.source.turn, s.source.field)));
      else c.push(this.problem(rec, 'VLM040', 'boxOutside', [what, image.width, image.height, `${s.convention}: ${JSON.stringify((s.pixels as number[]).map((v) => Math.round(v)))}`], where(s.source.turn, s.source.field)));
    }
  }

}

/** What is wrong with a text's reasoning tags, if anything. */
export function reasoningIssue(text: string): string | undefined {
  for (const tag of ['context', 'think', 'answer']) {
    const open = countOf(text, `<${tag}>`);
    const close = countOf(text, `</${tag}>`);
    if (open !== close) return `<${tag}> opened ${open} time(s) but closed ${close} time(s)`;
  }
  const pos = (t: string) => text.indexOf(`<${t}>`);
  const [c, t, a] = [pos('context'), pos('think'), pos('answer')];
  if (t >= 0 && a >= 0 && a < t) return '<answer> comes before <think>';
  if (c >= 0 && t >= 0 && t < c) return '<think> comes before <context>';
  return undefined;
}

function countOf(text: string, needle: string): number {
  let n = 0;
  for (let i = text.indexOf(needle); i !== -1; i = text.indexOf(needle, i + needle.length)) n++;
  return n;
}

function firstNonSpace(text: string): number {
  const m = /\S/.exec(text);
  return m ? m.index : 0;
}

/** Characters that mojibake, U+FFFD or their \\u escapes start with (no `i` flag: it makes this class slow). */
const SUSPICIOUS = /[\u00c2-\u00f4\ufffd]|\\u00[c-fC-F]|\\u[fF]{3}[dD]/;

/** Structured fields that carry geometry. */
const GEOMETRY_KEYS = new Set(['bbox', 'boxes', 'bboxes', 'bbox_xywh', 'points', 'contact_points', 'trajectory', 'traj', 'trace', 'future_traj', 'object_box', 'gripper_box', 'affordance_box', 'placement_proposal', 'objects', 'poses', 'gt', 'pred']);

/**
 * Whether a record may hold coordinates: a geometry field, or an answer with a bracket or
 * a geometry tag. Looks at the answers only, with indexOf (a regex over the whole record
 * costs more than all the other checks of a record together).
 */
function mayHoldGeometry(o: Record<string, unknown>): boolean {
  for (const k in o) if (GEOMETRY_KEYS.has(k) && o[k] !== undefined) return true;
  const turns = Array.isArray(o.conversations) ? o.conversations : Array.isArray(o.messages) ? o.messages : [];
  for (const t of turns) {
    if (!isObj(t)) continue;
    const role = typeof t.from === 'string' ? t.from : t.role;
    if (role === 'human' || role === 'user' || role === 'system') continue;
    const c = t.value ?? t.content;
    const text = typeof c === 'string' ? c : Array.isArray(c) ? JSON.stringify(c) : '';
    if (text.includes('[') || text.includes('(') || text.includes('{')) return true;
    if (text.includes('<') && (text.includes('<box') || text.includes('<|box') || text.includes('<point'))) return true;
  }
  return false;
}

const NEEDLES = new Map<string, string>();

/** Offset and length of the first `"key":` in the text (the key, quotes included). */
function findKey(text: string, key: string): Located | undefined {
  let needle = NEEDLES.get(key);
  if (!needle) NEEDLES.set(key, (needle = `"${key}"`));
  for (let i = text.indexOf(needle); i !== -1; i = text.indexOf(needle, i + 1)) {
    let j = i + needle.length;
    while (isSpace(text.charCodeAt(j))) j++;
    if (text[j] === ':') return { offset: i, length: needle.length };
  }
  return undefined;
}

/** Offset and length of the value after the first `"key":` (a string, or up to the next , or }). */
function findKeyValue(text: string, key: string): Located | undefined {
  const k = findKey(text, key);
  if (!k) return undefined;
  let j = k.offset + k.length;
  while (text[j] !== ':') j++;
  j++;
  while (isSpace(text.charCodeAt(j))) j++;
  const start = j;
  if (text[j] === '"') {
    j++;
    while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
    return { offset: start, length: j + 1 - start };
  }
  while (j < text.length && text[j] !== ',' && text[j] !== '}' && !isSpace(text.charCodeAt(j))) j++;
  return { offset: start, length: j - start };
}

/**
 * The node at a path, as JSON.parse reads it: where a key is written twice, the last one
 * (jsonc-parser's findNodeAtLocation takes the first, so a schema error about the value in
 * force was put on the one that is ignored).
 */
function lastNodeAt(root: JsonNode, path: JsonPath): JsonNode | undefined {
  let node: JsonNode | undefined = root;
  for (const seg of path) {
    if (!node?.children) return undefined;
    if (typeof seg === 'string') {
      if (node.type !== 'object') return undefined;
      let found: JsonNode | undefined;
      for (const prop of node.children) if (prop.children?.[0]?.value === seg) found = prop.children[1];
      node = found;
    } else {
      if (node.type !== 'array') return undefined;
      node = node.children[seg];
    }
  }
  return node;
}

/**
 * The keys in a parsed value, and whether it holds a number JSON.parse made ±Infinity (`1e400`:
 * no finite JSON number text parses to Infinity otherwise). Iterative: no recursion limit.
 */
function walkValue(v: unknown): { keys: number; nonFinite: boolean } {
  let keys = 0;
  let nonFinite = false;
  const stack: unknown[] = [v];
  while (stack.length) {
    const x = stack.pop();
    if (typeof x === 'number') {
      if (x === Infinity || x === -Infinity) nonFinite = true;
    } else if (Array.isArray(x)) for (const y of x) stack.push(y);
    else if (x && typeof x === 'object') {
      for (const k in x) {
        keys++;
        stack.push((x as Record<string, unknown>)[k]);
      }
    }
  }
  return { keys, nonFinite };
}

/** An upper bound of the keys written in a JSON text: `"` (not escaped) followed by `:`. */
function keyTokens(text: string): number {
  let n = 0;
  let i = text.indexOf(':');
  while (i >= 0) {
    let j = i - 1;
    while (j >= 0 && isSpace(text.charCodeAt(j))) j--;
    if (j >= 0 && text.charCodeAt(j) === 34 && text.charCodeAt(j - 1) !== 92) n++;
    i = text.indexOf(':', i + 1);
  }
  return n;
}

/** The reason a check broke, for VLM006: what a user can act on. */
function checkFailure(e: unknown): string {
  if (e instanceof RangeError && /call stack/i.test(e.message)) return 'it is nested too deeply to be checked';
  if (e instanceof URIError) return `a reference in it is a malformed URI (${e.message})`;
  return e instanceof Error ? e.message : String(e);
}

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13;
}

function walk(v: unknown, path: JsonPath, visit: (s: string, p: JsonPath) => void): void {
  if (typeof v === 'string') visit(v, path);
  else if (Array.isArray(v)) v.forEach((x, i) => walk(x, [...path, i], visit));
  else if (isObj(v)) for (const [k, x] of Object.entries(v)) walk(x, [...path, k], visit);
}

/** A trailing comma before `}` / `]` is the most common hand-edit mistake: offer to drop it. */
function trailingCommaFix(rec: RecordText, errorOffset: number): Partial<Problem> {
  const text = rec.text;
  let i = errorOffset - 1;
  while (i >= 0 && /\s/.test(text[i])) i--;
  if (i >= 0 && text[i] === ',' && /[}\]]/.test(text[errorOffset] ?? '')) {
    const pos = positionIn(text, i, rec.line, rec.column);
    return { fix: { kind: 'remove', line: pos.line, column: pos.column, length: 1 } };
  }
  return {};
}
