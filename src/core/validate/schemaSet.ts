/**
 * The JSON Schemas records are checked against: the built-in ones (one per detected
 * format, shipped in dist/schemas) and the user's (`vlmLens.schemas`: fileMatch globs →
 * a local schema file; `$ref`s between local files are followed, nothing is fetched from
 * the network). Each schema is compiled once. A schema that cannot be used is reported
 * with where it fails, instead of failing validation.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import Ajv2020, { type ErrorObject, type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import localize from 'ajv-i18n';
import draft07 from 'ajv/dist/refs/json-schema-draft-07.json';
import { parse, printParseErrorCode, type ParseError } from 'jsonc-parser';
import picomatch from 'picomatch';
import type { FormatId, JsonPath } from '../records/model';
import { positionIn } from '../records/parseRecord';

export interface SchemaError {
  /** where the value at fault is, in the record */
  path: JsonPath;
  keyword: string;
  message: string;
  /** the unexpected property (additionalProperties) */
  property?: string;
}

export interface UserSchema {
  /** absolute path of the schema file */
  path: string;
  fileMatch: string[];
}

/** A schema that could not be used, located in its file. */
export interface SchemaLoadProblem {
  file: string;
  message: string;
  line: number;
  column: number;
}

const BUILTIN = 'https://vlm-lens.dev/schemas/';

/** The built-in schema for each record format. */
const FORMAT_SCHEMA: Partial<Record<FormatId, string>> = {
  llava: 'conversations.schema.json',
  internvl: 'conversations.schema.json',
  robointer: 'conversations.schema.json',
  sharegpt: 'messages.schema.json',
  'openai-messages': 'messages.schema.json',
  'llamafactory-v1': 'messages.schema.json',
  kto: 'messages.schema.json',
  preference: 'preference.schema.json',
  'eval-input': 'eval-input.schema.json',
  'robointer-eval': 'eval-output.schema.json',
  'robointer-lang-eval': 'eval-output.schema.json',
  'lmms-eval-sample': 'lmms-eval-sample.schema.json',
  r1: 'r1.schema.json',
  'internvl-meta': 'internvl-meta.schema.json',
};

const FORMAT_SCHEMA_ID = new Map(Object.entries(FORMAT_SCHEMA).map(([f, name]) => [f as FormatId, BUILTIN + name]));

/** ajv-i18n language for a VS Code display language. */
function ajvLanguage(lang: string | undefined): keyof typeof localize | undefined {
  if (!lang) return undefined;
  const l = lang.toLowerCase();
  if (l === 'zh-cn' || l === 'zh') return 'zh';
  if (l === 'zh-tw') return 'zh-TW';
  if (l === 'pt-br') return 'pt-BR';
  const base = l.split('-')[0];
  return base in localize && base !== 'en' ? (base as keyof typeof localize) : undefined;
}

export class SchemaSet {
  private readonly ajv: Ajv2020;
  private readonly compiled = new Map<string, ValidateFunction>();
  readonly problems: SchemaLoadProblem[] = [];
  private readonly user: Array<{ id: string; isMatch: (p: string) => boolean }> = [];

  private constructor() {
    this.ajv = new Ajv2020({ allErrors: true, strict: false, loadSchema: (uri) => loadLocal(uri) });
    addFormats(this.ajv);
    this.ajv.addMetaSchema(draft07);
  }

  /** Loads the built-in schemas from `builtinDir` and compiles the user's. */
  static async create(builtinDir: string, userSchemas: UserSchema[] = []): Promise<SchemaSet> {
    const set = new SchemaSet();
    for (const name of (await readdir(builtinDir)).filter((n) => n.endsWith('.schema.json')).sort()) {
      set.ajv.addSchema(JSON.parse(await readFile(join(builtinDir, name), 'utf8')) as object);
    }
    for (const u of userSchemas) await set.addUserSchema(u);
    return set;
  }

  private async addUserSchema(u: UserSchema): Promise<void> {
    let text: string;
    try {
      text = await readFile(u.path, 'utf8');
    } catch (e) {
      this.problems.push({ file: u.path, message: `cannot read the schema: ${e instanceof Error ? e.message : String(e)}`, line: 0, column: 0 });
      return;
    }
    const errors: ParseError[] = [];
    const schema = parse(text, errors, { disallowComments: false, allowTrailingComma: false }) as unknown;
    if (errors.length > 0) {
      const pos = positionIn(text, errors[0].offset);
      this.problems.push({ file: u.path, message: `the schema is not valid JSON: ${printParseErrorCode(errors[0].error)}`, ...pos });
      return;
    }
    if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) {
      this.problems.push({ file: u.path, message: 'a schema must be a JSON object', line: 0, column: 0 });
      return;
    }
    const s = schema as Record<string, unknown>;
    const id = typeof s.$id === 'string' ? s.$id : pathToFileURL(u.path).href;
    try {
      if (!this.ajv.getSchema(id)) {
        const fn = await this.ajv.compileAsync({ ...s, $id: id });
        this.compiled.set(id, fn);
      }
      const patterns = u.fileMatch.map((g) => picomatch(g, { dot: true, basename: !g.includes('/') }));
      this.user.push({ id, isMatch: (p) => patterns.some((m) => m(p)) });
    } catch (e) {
      const where = /"?(\$ref|\$schema)"?/.exec(text);
      const pos = where ? positionIn(text, where.index) : { line: 0, column: 0 };
      this.problems.push({ file: u.path, message: `the schema cannot be compiled: ${e instanceof Error ? e.message : String(e)}`, ...pos });
    }
  }

  /** The user schema for a file (by its workspace-relative or absolute path), if one matches. */
  userSchemaFor(relPath: string, absPath: string): string | undefined {
    return this.user.find((u) => u.isMatch(relPath) || u.isMatch(absPath))?.id;
  }

  /** The built-in schema id for a record format, if there is one. */
  forFormat(format: FormatId): string | undefined {
    return FORMAT_SCHEMA_ID.get(format);
  }

  /** Validates a value; errors simplified (no if/anyOf summaries when a precise error exists) and localized. */
  validate(id: string, value: unknown, language?: string): SchemaError[] {
    let fn = this.compiled.get(id);
    if (!fn) {
      fn = this.ajv.getSchema(id);
      if (!fn) return [];
      this.compiled.set(id, fn);
    }
    if (fn(value)) return [];
    const errors = [...(fn.errors ?? [])];
    const lang = ajvLanguage(language);
    if (lang) localize[lang](errors);
    return simplify(errors).map((e) => ({
      path: pointerToPath(e.instancePath),
      keyword: e.keyword,
      message: describe(e),
      property: e.keyword === 'additionalProperties' ? String((e.params as { additionalProperty?: string }).additionalProperty) : undefined,
    }));
  }
}

/** Drops summary errors (if/then, anyOf, oneOf) when a more precise error at or under the same place exists. */
function simplify(errors: ErrorObject[]): ErrorObject[] {
  const summary = new Set(['if', 'anyOf', 'oneOf', 'allOf']);
  const precise = errors.filter((e) => !summary.has(e.keyword));
  return errors.filter((e) => !summary.has(e.keyword) || !precise.some((p) => p.instancePath.startsWith(e.instancePath)));
}

function describe(e: ErrorObject): string {
  const where = e.instancePath ? `${e.instancePath}: ` : '';
  const extra = e.keyword === 'additionalProperties' ? ` (${String((e.params as { additionalProperty?: string }).additionalProperty)})` : e.keyword === 'enum' ? ` (${JSON.stringify((e.params as { allowedValues?: unknown }).allowedValues)})` : '';
  return `${where}${e.message ?? e.keyword}${extra}`;
}

/** "/conversations/0/value" → ['conversations', 0, 'value'] */
export function pointerToPath(pointer: string): JsonPath {
  if (!pointer) return [];
  return pointer
    .slice(1)
    .split('/')
    .map((seg) => seg.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((seg) => (/^\d+$/.test(seg) ? Number(seg) : seg));
}

/** `$ref`s to other local schema files; the network is never used. */
async function loadLocal(uri: string): Promise<object> {
  if (!uri.startsWith('file:')) throw new Error(`schemas are not fetched from the network (${uri}): use a local file`);
  return JSON.parse(await readFile(fileURLToPath(uri.split('#')[0]), 'utf8')) as object;
}
