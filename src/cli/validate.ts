import { existsSync } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { NodeFile } from '../core/io/randomAccessFile';
import { RecordIndex, describeBinary } from '../core/index/recordIndex';
import { readRecord } from '../core/index/recordReader';
import { SchemaSet, type SchemaLoadProblem, type UserSchema } from '../core/validate/schemaSet';
import { RecordValidator, type Problem } from '../core/validate/validator';
import { validateFile } from '../core/validate/validateFile';
import { asRowProblems } from '../core/validate/rowProblems';
import { exportParquet } from '../core/query/parquetExport';
import type { ResolveContext } from '../core/images/resolveImage';
import { userFormatsFor } from '../core/formats/userFormats';
import { readFormatSpecs } from './formatOption';
import { PLACEHOLDER_POLICIES, type PlaceholderPolicy } from '../core/validate/placeholders';
import { imageFileProblem, imageHeaderSize } from '../core/images/sniff';
import { RULE_CODES, type SeveritySetting } from '../core/validate/rules';
import { CONVENTIONS, type Convention } from '../core/geometry/types';
import { validateInParallel, validateConfig, recordIdReader, MIN_RECORDS_PER_PART } from '../workers/parallelValidate';
import { DatasetWorkerClient } from '../workers/datasetWorkerClient';
import { EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, UsageError, type CliCommand, type CliIO } from './main';
import { isFile, isFolder } from '../util/existsCache';

/** One problem as the CLI prints it: 1-based lines and columns. */
export interface CliProblem {
  file: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  /** a Parquet dataset's problems are placed on rows (1-based; line = row, column 1) */
  row?: number;
  severity: string;
  code: string;
  message: string;
}

const SEVERITIES = ['error', 'warning', 'info', 'hint', 'off'];

/** dist/schemas next to dist/cli.js; the sources when run from them (tests). */
function builtinSchemaDir(): string {
  const candidates = [join(__dirname, 'schemas'), join(__dirname, '..', 'core', 'schemas', 'builtin'), join(__dirname, '..', 'src', 'core', 'schemas', 'builtin')];
  const dir = candidates.find((d) => existsSync(d));
  if (!dir) throw new UsageError(`the built-in schemas are missing (looked in ${candidates.join(', ')})`);
  return dir;
}

/** dist/datasetWorker.js next to dist/cli.js, when there (large files are then validated on several threads). */
function workerScript(): string | undefined {
  const p = join(__dirname, 'datasetWorker.js');
  return existsSync(p) ? p : undefined;
}

function toCli(file: string, p: Problem, rows?: boolean): CliProblem {
  return { file, line: p.line + 1, column: p.column + 1, endLine: p.endLine + 1, endColumn: p.endColumn + 1, ...(rows ? { row: p.record + 1 } : {}), severity: p.severity, code: p.code, message: p.message };
}

export const validateCommand: CliCommand = {
  name: 'validate',
  summary: 'check datasets against their JSON Schema and the VLM rules (for CI and pre-commit)',
  usage: `Usage: vlm-lens validate <file>... [--schema S] [--json] [--max-problems N] [options]

Checks every record of each .jsonl / .json / .parquet dataset against the JSON Schema of its
detected format (or the one given with --schema) and the VLM rules (VLM001…VLM070, listed in
the README), exactly as the editor does. Prints one line per problem:

  file:line:column severity code message

A Parquet dataset's rows are checked as the viewer reads them (converted to JSON Lines in a
temporary folder, its images written there); its problems are placed on rows: line = row
(1-based), column 1, and "row" in --json.

Options:
  --schema S         check every record against this JSON Schema file ($refs to local files followed)
  --json             print a JSON array of {file, line, column, endLine, endColumn, severity, code, message}
  --max-problems N   list at most N problems per file (default 1000); the count past it is still reported
  --rule CODE=SEV    change a rule's severity (error, warning, info, hint) or turn it off (repeatable)
  --image-root DIR   folder for relative image paths, after the dataset's own folder (repeatable)
  --no-images        do not check that referenced images exist (VLM020)
  --convention C     read coordinates as C (${CONVENTIONS.join(', ')}); default: detected per file
  --format FILE      a JSON file of user format descriptors (as the vlmLens.formats setting)
  --placeholders P   how <image> placeholders are counted (VLM010/011): exact, inserted, shared
                     (default: exact for ShareGPT messages, inserted for the others)
  --jobs N           worker threads for large files (default: CPUs, at most 4)
  --max-record-mb N  records larger than this are reported (VLM005), not checked (default 16,
                     as vlmLens.viewer.maxRecordSizeMB in the editor)
A file that cannot be read (missing, not a regular file, not UTF-8 text, changed while it
was checked) is reported on stderr and the other files are still checked; --json output is
always printed.
Exit codes: 0 no errors (warnings allowed), 1 at least one error, 2 usage or I/O error
(a file or schema that cannot be read; the problems of the other files are still printed).`,
  options: {
    schema: { type: 'string' },
    json: { type: 'boolean' },
    'max-problems': { type: 'string' },
    rule: { type: 'string', multiple: true },
    'image-root': { type: 'string', multiple: true },
    'no-images': { type: 'boolean' },
    convention: { type: 'string' },
    jobs: { type: 'string' },
    'max-record-mb': { type: 'string' },
    format: { type: 'string' },
    placeholders: { type: 'string' },
  },
  async run({ values, positionals }, io) {
    if (positionals.length === 0) throw new UsageError('expected at least one dataset file (see vlm-lens validate --help)');
    const formatSpecs = values.format ? await readFormatSpecs(resolve(values.format as string)) : undefined;
    const placeholders = values.placeholders as string | undefined;
    if (placeholders !== undefined && !(PLACEHOLDER_POLICIES as string[]).includes(placeholders)) throw new UsageError(`--placeholders must be one of ${PLACEHOLDER_POLICIES.join(', ')}, got '${placeholders}'`);
    const maxProblems = values['max-problems'] === undefined ? 1000 : Number(values['max-problems']);
    if (!Number.isInteger(maxProblems) || maxProblems < 1) throw new UsageError(`--max-problems must be a positive integer, got '${String(values['max-problems'])}'`);
    const jobs = values.jobs === undefined ? Math.max(1, Math.min(4, availableParallelism())) : Number(values.jobs);
    if (!Number.isInteger(jobs) || jobs < 1) throw new UsageError(`--jobs must be a positive integer, got '${String(values.jobs)}'`);
    const maxRecordMb = values['max-record-mb'] === undefined ? DEFAULT_MAX_RECORD_MB : Number(values['max-record-mb']);
    if (!(maxRecordMb > 0)) throw new UsageError(`--max-record-mb must be a positive number, got '${String(values['max-record-mb'])}'`);
    const convention = values.convention as string | undefined;
    if (convention !== undefined && !(CONVENTIONS as string[]).includes(convention)) throw new UsageError(`--convention must be one of ${CONVENTIONS.join(', ')}, got '${convention}'`);
    const severities: Record<string, SeveritySetting> = {};
    for (const r of (values.rule as string[] | undefined) ?? []) {
      const m = /^(VLM\d{3})=(\w+)$/i.exec(r);
      if (!m || !(RULE_CODES as string[]).includes(m[1].toUpperCase()) || !SEVERITIES.includes(m[2].toLowerCase())) throw new UsageError(`--rule expects CODE=SEVERITY with a known code and one of ${SEVERITIES.join(', ')}, got '${r}'`);
      severities[m[1].toUpperCase()] = m[2].toLowerCase() as SeveritySetting;
    }
    const userSchemas: UserSchema[] = values.schema ? [{ path: resolve(values.schema as string), fileMatch: ['**'] }] : [];
    const builtinDir = builtinSchemaDir();
    const schemas = await SchemaSet.create(builtinDir, userSchemas);
    if (schemas.problems.length > 0) {
      for (const p of schemas.problems) io.stderr.write(`${schemaLine(p)}\n`);
      return EXIT_USAGE;
    }
    const imageRoots = ((values['image-root'] as string[] | undefined) ?? []).map((d) => resolve(d));
    const all: CliProblem[] = [];
    let errors = 0;
    let total = 0;
    let records = 0;
    let unreadable = 0;
    for (const arg of positionals) {
      const path = resolve(arg);
      const shown = relative(process.cwd(), path) || path;
      let r: Awaited<ReturnType<typeof validateOne>>;
      try {
        r = await validatePath(path, {
          schemas,
          userSchemas,
          builtinDir,
          severities,
          maxProblems,
          jobs,
          images: values['no-images'] ? undefined : { datasetDir: dirname(path), imageRoots },
          convention: convention as Convention | undefined,
          maxRecordBytes: Math.round(maxRecordMb * 1024 * 1024),
          formatSpecs,
          placeholders: placeholders as PlaceholderPolicy | undefined,
        });
      } catch (e) {
        // one file that cannot be read never costs the others
        unreadable++;
        io.stderr.write(`${shown}: ${e instanceof Error ? e.message : String(e)}\n`);
        continue;
      }
      records += r.records;
      if (r.note) io.stderr.write(`${shown}: ${r.note}\n`);
      const list = r.problems.map((p) => toCli(shown, p, r.rows));
      all.push(...list);
      errors += r.totalErrors;
      total += r.totalProblems;
      if (!values.json) for (const p of list) io.stdout.write(`${p.file}:${p.line}:${p.column} ${p.severity} ${p.code} ${p.message}\n`);
      if (r.totalProblems > r.problems.length) io.stderr.write(`${shown}: ${r.totalProblems - r.problems.length} more problem(s) not listed (--max-problems ${maxProblems})\n`);
    }
    if (values.json) io.stdout.write(`${JSON.stringify(all, null, 2)}\n`);
    summary(io, { total, errors, files: positionals.length, records, unreadable });
    return unreadable > 0 ? EXIT_USAGE : errors > 0 ? EXIT_FINDINGS : EXIT_OK;
  },
};

function schemaLine(p: SchemaLoadProblem): string {
  return `${relative(process.cwd(), p.file) || p.file}:${p.line + 1}:${p.column + 1} error schema ${p.message}`;
}

function summary(io: CliIO, s: { total: number; errors: number; files: number; records: number; unreadable: number }): void {
  const checked = s.files - s.unreadable;
  const where = `in ${checked} file(s), ${s.records} record(s)${s.unreadable ? `; ${s.unreadable} file(s) could not be read` : ''}`;
  io.stderr.write(s.total === 0 ? `no problems ${where}\n` : `${s.total} problem(s), ${s.errors} error(s), ${where}\n`);
}

const DEFAULT_MAX_RECORD_MB = 16;

interface ValidateOptions {
  schemas: SchemaSet;
  userSchemas: UserSchema[];
  builtinDir: string;
  severities: Record<string, SeveritySetting>;
  maxProblems: number;
  jobs: number;
  images?: ResolveContext;
  convention?: Convention;
  maxRecordBytes: number;
  formatSpecs?: unknown[];
  placeholders?: PlaceholderPolicy;
}

interface FileResult {
  problems: Problem[];
  totalProblems: number;
  totalErrors: number;
  records: number;
  note?: string;
  /** problems placed on rows (a Parquet dataset) */
  rows?: boolean;
}

/**
 * A Parquet dataset is converted to JSON Lines in a temporary folder (its images written
 * there as files, so that they are checked as the viewer shows them), validated as that, its
 * problems placed on rows, and the folder removed. Other files are validated as they are.
 */
async function validatePath(path: string, o: ValidateOptions): Promise<FileResult> {
  if (!/\.parquet$/i.test(path)) return validateOne(path, o);
  await regularFile(path);
  const tmp = await mkdtemp(join(tmpdir(), 'vlm-lens-parquet-'));
  try {
    const ex = await exportParquet(path, tmp).catch((e: unknown) => {
      throw new Error(`cannot read as Parquet: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`);
    });
    await ex.done;
    const images = o.images ? { ...o.images, converted: tmp } : undefined;
    const r = await validateOne(ex.jsonl, { ...o, images }, path);
    return { ...r, problems: asRowProblems(r.problems), rows: true, note: r.records === 0 ? '0 rows' : r.note };
  } finally {
    await rm(tmp, { recursive: true, force: true }).catch(() => undefined);
  }
}

/** Throws with a one-line reason unless `path` is a regular file (a FIFO, socket or device would block the read forever). */
async function regularFile(path: string): Promise<void> {
  const st = await stat(path).catch((e: unknown) => {
    throw new Error(`cannot open: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : e instanceof Error ? e.message : String(e)}`);
  });
  if (!st.isFile()) throw new Error(`not a regular file (${st.isDirectory() ? 'a folder' : st.isFIFO() ? 'a FIFO' : st.isSocket() ? 'a socket' : 'a device'}): only dataset files are checked`);
}

/**
 * One file: in this thread, or on worker threads when it is large and the worker is there.
 * Throws with a one-line reason when the file cannot be checked at all. `path` is read;
 * `name` (the dataset's own path) matches schemas and formats.
 */
async function validateOne(path: string, o: ValidateOptions, name = path): Promise<FileResult> {
  await regularFile(path);
  const file = await NodeFile.open(path).catch((e: unknown) => {
    throw new Error(`cannot open: ${e instanceof Error ? e.message : String(e)}`);
  });
  try {
    const index = await RecordIndex.build(file, { fileName: path });
    if (index.kind === 'binary') throw new Error(`not a UTF-8 text file: ${describeBinary(index.head)}`);
    if (index.kind === 'empty') return { problems: [], totalProblems: 0, totalErrors: 0, records: 0, note: '0 records (the file is empty or holds only white space)' };
    const records = index.readyCount;
    const jsonl = index.kind === 'jsonl';
    // each record's coordinates are judged on their own unless a convention is given (as in the editor)
    const overlay = { override: o.convention };
    const script = workerScript();
    if (script && o.jobs > 1 && index.readyCount >= 2 * MIN_RECORDS_PER_PART) {
      const clients = Array.from({ length: o.jobs }, () => new DatasetWorkerClient(script));
      try {
        const config = validateConfig({ builtinDir: o.builtinDir, userSchemas: o.userSchemas, relPath: name, severities: o.severities, overlay, maxProblems: o.maxProblems, maxRecordBytes: o.maxRecordBytes, indexKind: index.kind, images: o.images, formatSpecs: o.formatSpecs, placeholders: o.placeholders });
        const r = await validateInParallel({
          path,
          snapshot: index.snapshot(),
          config,
          clients,
          idOf: recordIdReader(async (k) => JSON.parse((await readRecord(file, index, k))?.text ?? 'null') as unknown),
        });
        return { ...r, records };
      } finally {
        for (const c of clients) c.dispose();
      }
    }
    const formats = userFormatsFor(o.formatSpecs, name).formats;
    const validator = new RecordValidator({ schemas: o.schemas, fileSchema: o.schemas.userSchemaFor(name, name), severities: o.severities, jsonl, overlay, collectImages: o.images !== undefined, formats, placeholders: o.placeholders });
    const r = await validateFile(file, index, validator, { maxProblems: o.maxProblems, maxRecordBytes: o.maxRecordBytes, images: o.images ? { ctx: o.images, exists: isFile, folderExists: isFolder, check: imageFileProblem, size: imageHeaderSize } : undefined });
    r.all.sort((a, b) => a.line - b.line || a.column - b.column);
    return { problems: r.all, totalProblems: r.totalProblems, totalErrors: r.totalErrors, records };
  } finally {
    await file.close().catch(() => undefined);
  }
}
