import * as vscode from 'vscode';
import { availableParallelism } from 'node:os';
import { DatasetWorkerClient, JobCancelledError } from '../workers/datasetWorkerClient';
import { validateInParallel, validateConfig, recordIdReader } from '../workers/parallelValidate';
import { AbortError } from '../core/index/recordIndex';
import { placeholderPolicyFor } from '../core/validate/placeholders';
import type { Problem } from '../core/validate/validator';
import { asRowProblems } from '../core/validate/rowProblems';
import type { ProblemFlagArrays } from '../core/validate/flags';
import type { SchemaLoadProblem } from '../core/validate/schemaSet';
import type { OverlaySettings } from '../core/geometry/overlays';
import { type DatasetDocument } from '../editor/datasetDocument';
import { type ValidationSettingsService } from './validationSettings';
import { type FileContext } from './textValidation';

/** Validation worker threads, shared by every file (started on first use). */
export class WorkerPool {
  private clients: DatasetWorkerClient[] = [];

  constructor(
    private readonly script: string,
    readonly size = Math.max(1, Math.min(4, availableParallelism() - 1)),
  ) {}

  get(): DatasetWorkerClient[] {
    if (this.clients.length === 0) this.clients = Array.from({ length: this.size }, () => new DatasetWorkerClient(this.script));
    return this.clients;
  }

  dispose(): void {
    for (const c of this.clients.splice(0)) c.dispose();
  }
}

/** Where a disk validation is, for the status bar, the Problems panel and the viewer. */
export interface DiskState {
  running: boolean;
  processed: number;
  total: number;
  /** problems so far (sorted by position once done), at most maxProblems */
  problems: Problem[];
  totalProblems: number;
  capped: boolean;
  /** records with problems, per rule (once done) */
  flags?: ProblemFlagArrays;
  /** stopped by the user before the end */
  cancelled: boolean;
  error?: string;
  schemaProblems: SchemaLoadProblem[];
}

const APPEND_THROTTLE_MS = 30_000;

/**
 * The overlay settings validation uses: the user's choice and settings, not the viewer's
 * sampled guess (each record's coordinates are then judged on their own, the same way in the
 * text editor, from disk and in the CLI).
 */
export function validationOverlay(doc: DatasetDocument): OverlaySettings {
  const { fileGuess: _sampled, ...rest } = doc.overlayState().settings;
  return rest;
}

/**
 * Validation of a file from its index on disk (any size), in worker threads: for files in
 * the viewer and files too large for VS Code to hand to extensions. Re-runs when the file is
 * re-indexed, appended to (throttled) or the settings change.
 */
export class DiskValidation {
  state: DiskState = { running: false, processed: 0, total: 0, problems: [], totalProblems: 0, capped: false, cancelled: false, schemaProblems: [] };
  private ac: AbortController | undefined;
  private lastRun = 0;
  private appendTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly subs: vscode.Disposable[] = [];
  private disposed = false;
  private runs = 0;
  private overlayKey = '';

  constructor(
    readonly doc: DatasetDocument,
    private readonly settings: ValidationSettingsService,
    private readonly files: FileContext,
    private readonly pool: WorkerPool,
    private readonly onChange: (v: DiskValidation, final: boolean) => void,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.subs.push(
      doc.onIndexProgress((s) => {
        if (s.done) this.start();
      }),
      doc.onFileChanged((c) => {
        if (c.kind === 'appended') this.startThrottled();
        else if (c.kind === 'deleted') this.cancel(false);
      }),
      // the file's coordinate convention decides which boxes fall outside the image
      doc.onOverlayState(() => {
        if (this.doc.indexStatus.done && JSON.stringify(validationOverlay(this.doc)) !== this.overlayKey) this.start();
      }),
    );
    if (doc.indexStatus.done) this.start();
  }

  get uri(): vscode.Uri {
    return this.doc.uri;
  }

  private startThrottled(): void {
    if (this.appendTimer) return;
    const wait = Math.max(0, this.lastRun + APPEND_THROTTLE_MS - Date.now());
    this.appendTimer = setTimeout(() => {
      this.appendTimer = undefined;
      this.start();
    }, wait);
  }

  /** Validates the whole file again (what is running is stopped). */
  start(): void {
    if (this.disposed) return;
    this.ac?.abort();
    const path = this.doc.fsPath;
    const index = this.doc.index;
    const settings = this.settings.get();
    // a Parquet dataset is validated through its conversion, once all of it is written
    if (!path || !index.complete || this.doc.converting || index.kind === 'binary' || index.kind === 'empty' || !settings.enabled) {
      this.state = { ...this.state, running: false, processed: 0, total: 0, problems: [], totalProblems: 0, capped: false, flags: undefined, cancelled: false };
      this.onChange(this, true);
      return;
    }
    const ac = new AbortController();
    this.ac = ac;
    this.lastRun = Date.now();
    const run = ++this.runs;
    const overlay = validationOverlay(this.doc);
    this.overlayKey = JSON.stringify(overlay);
    const config = validateConfig({
      builtinDir: this.settings.builtinDir,
      userSchemas: settings.userSchemas,
      relPath: this.settings.relPath(this.doc.uri),
      severities: settings.severities,
      language: vscode.env.language,
      overlay,
      maxProblems: settings.maxProblems,
      maxRecordBytes: this.files.maxRecordBytes(),
      indexKind: index.kind,
      images: settings.checkImages ? { ...this.files.resolveContext(this.doc.uri), converted: this.doc.parquet?.dir } : undefined,
      schemaStamp: settings.stamp,
      formatSpecs: settings.formatSpecs,
      placeholders: placeholderPolicyFor(settings.placeholderPolicies, this.settings.relPath(this.doc.uri)),
    });
    const snapshot = index.snapshot();
    this.state = { running: true, processed: 0, total: snapshot.starts.length, problems: [], totalProblems: 0, capped: false, cancelled: false, schemaProblems: [] };
    this.onChange(this, false);
    let lastReport = 0;
    // positions in a Parquet dataset's conversion mean nothing in the file: its problems are placed on rows
    const rows = (ps: Problem[]) => (this.doc.parquet ? asRowProblems(ps) : ps);
    validateInParallel({
      path,
      snapshot,
      config,
      clients: this.pool.get(),
      signal: ac.signal,
      idOf: recordIdReader(async (k) => (await this.doc.record(k))?.value),
      onProgress: (p) => {
        if (run !== this.runs) return;
        const s = this.state;
        const room = settings.maxProblems - s.problems.length;
        const problems = room > 0 && p.problems.length > 0 ? s.problems.concat(rows(p.problems.slice(0, room))) : s.problems;
        this.state = { ...s, processed: p.processed, problems, totalProblems: p.totalProblems, capped: p.totalProblems > problems.length };
        // the Problems panel and the status bar: about once a second
        if (Date.now() - lastReport > 1000) {
          lastReport = Date.now();
          this.onChange(this, false);
        }
      },
    })
      .then((r) => {
        if (run !== this.runs) return;
        this.state = { running: false, processed: snapshot.starts.length, total: snapshot.starts.length, problems: rows(r.problems), totalProblems: r.totalProblems, capped: r.capped, flags: r.flags, cancelled: false, schemaProblems: r.schemaProblems };
        this.log.info(`validated ${path}: ${r.totalProblems} problem(s) in ${snapshot.starts.length} records (${Date.now() - this.lastRun} ms)`);
        this.onChange(this, true);
      })
      .catch((e: unknown) => {
        if (run !== this.runs) return;
        const cancelled = e instanceof JobCancelledError || e instanceof AbortError;
        if (!cancelled) this.log.error(`validating ${path} failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
        this.state = { ...this.state, running: false, cancelled, error: cancelled ? undefined : e instanceof Error ? e.message : String(e) };
        this.state.problems.sort((a, b) => a.line - b.line || a.column - b.column);
        this.onChange(this, true);
      });
  }

  /** Stops a running validation; what was found so far stays, marked as partial. */
  cancel(markPartial = true): void {
    if (!this.state.running) return;
    this.ac?.abort();
    if (!markPartial) this.runs++;
  }

  dispose(): void {
    this.disposed = true;
    this.ac?.abort();
    if (this.appendTimer) clearTimeout(this.appendTimer);
    for (const s of this.subs.splice(0)) s.dispose();
  }
}
