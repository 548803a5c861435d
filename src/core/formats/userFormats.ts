/**
 * User format descriptors (`vlmLens.formats`, `vlm-lens … --format FILE`): an in-house layout
 * described by field names, matched to files by glob, so that it needs no code change.
 *
 *   { "name": "our grounding eval", "files": "**\/preds_*.jsonl",
 *     "match": ["uid", "pred_box"], "id": "uid", "prompt": "query", "prediction": "pred_box",
 *     "reference": "gt_box", "images": "img", "convention": "norm1000", "task": "box" }
 *
 * A setting from a cloned repository is untrusted data: field names are only read, never
 * evaluated; the compiled matcher tests key presence only.
 */
import picomatch from 'picomatch';
import { CONVENTIONS, type Convention } from '../geometry/types';
import { isObj, type FormatDescriptor, type Obj, type TaskKind } from './registry';

const KINDS: TaskKind[] = ['box', 'point', 'point-in-box', 'trajectory', 'choice', 'multi-select', 'numeric', 'class', 'text'];
const FIELD = /^[\w.$@:-]{1,128}$/;

export interface UserFormat extends FormatDescriptor {
  /** the file (a workspace-relative or CLI-relative path) is one this descriptor is for */
  appliesTo(relPath: string): boolean;
}

function fields(spec: Obj, key: string, problems: string[], name: string): string[] | undefined {
  const v = spec[key];
  if (v === undefined) return undefined;
  const list = typeof v === 'string' ? [v] : Array.isArray(v) ? v : undefined;
  if (!list || !list.every((x): x is string => typeof x === 'string' && FIELD.test(x))) {
    problems.push(`format "${name}": "${key}" must be a field name or a list of field names`);
    return undefined;
  }
  return list;
}

/** Compiles user descriptors; each bad one is skipped with a located reason, the others still apply. */
export function compileUserFormats(specs: readonly unknown[]): { formats: UserFormat[]; problems: string[] } {
  const formats: UserFormat[] = [];
  const problems: string[] = [];
  specs.forEach((spec, i) => {
    if (!isObj(spec)) {
      problems.push(`format ${i + 1}: not an object`);
      return;
    }
    const name = typeof spec.name === 'string' && spec.name.trim() ? spec.name.trim().slice(0, 80) : `format ${i + 1}`;
    const before = problems.length;
    const id = fields(spec, 'id', problems, name);
    const prompt = fields(spec, 'prompt', problems, name);
    const prediction = fields(spec, 'prediction', problems, name);
    const reference = fields(spec, 'reference', problems, name);
    const images = fields(spec, 'images', problems, name);
    const videos = fields(spec, 'videos', problems, name);
    const match = fields(spec, 'match', problems, name);
    const turns = fields(spec, 'turns', problems, name)?.[0];
    const globs = spec.files === undefined ? ['**/*'] : typeof spec.files === 'string' ? [spec.files] : Array.isArray(spec.files) && spec.files.every((g) => typeof g === 'string') ? (spec.files) : undefined;
    if (!globs) problems.push(`format "${name}": "files" must be a glob or a list of globs`);
    const convention = spec.convention;
    if (convention !== undefined && !(CONVENTIONS as unknown[]).includes(convention)) problems.push(`format "${name}": "convention" must be one of ${CONVENTIONS.join(', ')}`);
    const task = spec.task;
    if (task !== undefined && !(KINDS as unknown[]).includes(task)) problems.push(`format "${name}": "task" must be one of ${KINDS.join(', ')}`);
    const required = match ?? [...(prediction ?? []).slice(0, 1), ...(reference ?? []).slice(0, 1), ...(turns ? [turns] : [])];
    if (required.length === 0 && problems.length === before) problems.push(`format "${name}": give "match" (fields every record of it has), or a "prediction", "reference" or "turns" field`);
    if (problems.length > before || !globs) return;
    const matchers = globs.map((g) => picomatch(g, { dot: true, basename: !g.includes('/') }));
    formats.push({
      id: 'user',
      label: name,
      why: `the user format "${name}" (its fields ${required.map((k) => `\`${k}\``).join(', ')} are present)`,
      match: (o) => required.every((k) => k in o),
      layout: turns ? 'conversations' : 'qa',
      conversational: turns !== undefined,
      turns,
      idFields: id ?? ['id'],
      images: images ?? [],
      videos: videos ?? [],
      prompt,
      prediction,
      reference,
      convention: convention as Convention | undefined,
      tasks: task ? [task as TaskKind] : undefined,
      // workspace-relative paths (the editor), or absolute ones (the CLI's workers): `**/x` matches both
      appliesTo: (rel) => {
        const p = rel.replace(/\\/g, '/');
        return matchers.some((m) => m(p) || m(p.replace(/^(?:[A-Za-z]:)?\/+/, '')));
      },
    });
  });
  return { formats, problems };
}

/** A starting descriptor for a record's fields ("Describe this format…"): the user edits the names. */
export function describeRecordFields(value: unknown, fileName: string): Record<string, unknown> {
  const o = isObj(value) ? value : {};
  const keys = Object.keys(o);
  const pick = (re: RegExp) => keys.find((k) => re.test(k));
  const spec: Record<string, unknown> = { name: fileName.replace(/\.[^.]+$/, ''), files: `**/${fileName}` };
  const id = pick(/^(id|uid|sample_id|idx|index|question_id)$/i);
  const prompt = pick(/question|prompt|query|instruction|problem/i);
  const prediction = pick(/pred|output|response|answer_model|model_/i);
  const reference = pick(/^(gt|label|target|answer|ground_truth|solution|reference)|gt_|_gt$/i);
  const images = keys.filter((k) => typeof o[k] === 'string' && /\.(jpe?g|png|webp|bmp|gif)$/i.test(o[k]));
  if (id) spec.id = id;
  if (prompt) spec.prompt = prompt;
  if (prediction && prediction !== reference) spec.prediction = prediction;
  if (reference) spec.reference = reference;
  if (images.length) spec.images = images;
  spec.match = [prediction, reference].filter((k): k is string => k !== undefined && k !== prompt);
  if ((spec.match as string[]).length === 0) spec.match = keys.slice(0, 2);
  return spec;
}

const compiled = new Map<string, { formats: UserFormat[]; problems: string[] }>();

/**
 * The user descriptors of `specs` (the `vlmLens.formats` value) that apply to the file at
 * `relPath` (workspace-relative), compiled once per distinct setting; `problems` are the
 * entries that were skipped, with why.
 */
export function userFormatsFor(specs: readonly unknown[] | undefined, relPath: string): { formats: UserFormat[]; problems: string[] } {
  if (!specs || specs.length === 0) return { formats: [], problems: [] };
  const key = JSON.stringify(specs);
  let c = compiled.get(key);
  if (!c) {
    c = compileUserFormats(specs);
    if (compiled.size > 20) compiled.clear();
    compiled.set(key, c);
  }
  return { formats: c.formats.filter((f) => f.appliesTo(relPath)), problems: c.problems };
}
