import { userFormatsFor } from '../core/formats/userFormats';
import { placeholderPolicyFor } from '../core/validate/placeholders';
import * as vscode from 'vscode';
import { stat } from 'node:fs/promises';
import { RecordValidator, type Problem } from '../core/validate/validator';
import { codesOf, countByCode, maskOf, recordsWith } from '../core/validate/flags';
import { RULES, worstSeverity, type RuleCode } from '../core/validate/rules';
import type { ProblemView, ValidationView } from '../protocol/datasetViewer';
import type { SchemaLoadProblem } from '../core/validate/schemaSet';
import { Disposable } from '../util/dispose';
import { isParquet, type DatasetDocument } from '../editor/datasetDocument';
import { diagnosticsFor, SOURCE } from './problemDiagnostics';
import { localizedMessage } from './messages';
import { DiskValidation, validationOverlay, type DiskState, type WorkerPool } from './diskValidation';
import { isCandidateTextDocument, TextValidation, type FileContext } from './textValidation';
import { realFile, textTwin, TEXT_TWIN_SCHEME } from './textTwinFs';
import { type ValidationSettingsService } from './validationSettings';

/** VS Code does not hand text documents larger than this to extensions. */
const SYNC_LIMIT_BYTES = 50 * 1024 * 1024;
const EDIT_DEBOUNCE_MS = 500;

interface DiskEntry {
  v: DiskValidation;
  /** opened by this service (no viewer): a large file open as text, or "Validate File" */
  headless?: DatasetDocument;
  /** stays until the file is opened otherwise ("Validate File") */
  pinned: boolean;
  /** where its diagnostics are published now */
  target?: vscode.Uri;
}

export interface DiagnosticsDeps {
  settings: ValidationSettingsService;
  files: FileContext;
  pool: WorkerPool;
  /** opens a file for validation only (no viewer) */
  openHeadless: (uri: vscode.Uri) => Promise<DatasetDocument>;
  log: vscode.LogOutputChannel;
}

/**
 * Decides where a file's problems come from and where they are shown:
 *   - a text document VS Code gives to extensions (file or its text twin): validated from
 *     its text as it is edited, shown on that document;
 *   - otherwise, a file in the viewer or too large to be synced: validated from disk in
 *     worker threads, shown on the file when it is open as text, else on its text twin
 *     (so a click in the Problems panel opens the text editor at the problem, not the viewer).
 */
export class DiagnosticsService extends Disposable {
  private readonly collection = this._register(vscode.languages.createDiagnosticCollection('vlm-lens'));
  private readonly schemaCollection = this._register(vscode.languages.createDiagnosticCollection('vlm-lens-schemas'));
  private readonly texts = new Map<string, TextValidation>();
  private readonly disks = new Map<string, DiskEntry>();
  private readonly published = new Map<string, Problem[]>();
  private readonly status = this._register(vscode.window.createStatusBarItem('vlmLens.validation', vscode.StatusBarAlignment.Left, 10));
  private readonly _onDidChangeDisk = this._register(new vscode.EventEmitter<{ uri: vscode.Uri; state: DiskState }>());
  /** a disk validation advanced or finished (for the viewer) */
  readonly onDidChangeDisk = this._onDidChangeDisk.event;
  private readonly _onDidPublish = this._register(new vscode.EventEmitter<vscode.Uri>());
  readonly onDidPublish = this._onDidPublish.event;
  private readonly warnedSchemas = new Set<string>();
  private tabTimer: ReturnType<typeof setTimeout> | undefined;
  /**
   * Problems kept after their editor closed (as linters do), by the file they are about: the
   * URI they are shown on (the file, or its text twin). Cleared when the file changes or is
   * deleted on disk, or when it is opened again (its new validation replaces them).
   */
  private readonly kept = new Map<string, vscode.Uri>();

  constructor(private readonly deps: DiagnosticsDeps) {
    super();
    this.status.name = vscode.l10n.t('VLM Lens validation');
    this.status.command = 'vlmLens.cancelValidation';
    this._register(vscode.workspace.onDidOpenTextDocument((d) => this.track(d)));
    this._register(vscode.workspace.onDidChangeTextDocument((e) => this.texts.get(e.document.uri.toString())?.schedule(EDIT_DEBOUNCE_MS)));
    this._register(vscode.workspace.onDidCloseTextDocument((d) => this.untrack(d)));
    this._register(vscode.window.tabGroups.onDidChangeTabs(() => this.scheduleTabCheck()));
    const watcher = this._register(vscode.workspace.createFileSystemWatcher('**/*.{jsonl,ndjson,json}', true, false, false));
    this._register(watcher.onDidChange((u) => this.forget(u)));
    this._register(watcher.onDidDelete((u) => this.forget(u)));
    this._register(deps.settings.onDidChange(() => this.revalidateAll()));
    this._register({
      dispose: () => {
        for (const t of this.texts.values()) t.dispose();
        for (const e of this.disks.values()) this.disposeEntry(e);
        if (this.tabTimer) clearTimeout(this.tabTimer);
      },
    });
    for (const d of vscode.workspace.textDocuments) this.track(d);
    this.scheduleTabCheck();
  }

  // ---- text documents ----------------------------------------------------------------------

  /** Drops the problems kept for a closed file (it changed, was deleted, or is validated again). */
  private forget(file: vscode.Uri): void {
    const key = file.toString();
    const shownOn = this.kept.get(key);
    if (!shownOn) return;
    this.kept.delete(key);
    if (!this.texts.has(shownOn.toString()) && !this.disks.has(key)) this.setDiagnostics(shownOn, undefined);
  }

  /** Keeps the problems shown on `shownOn` after the editor of `file` closed. */
  private keep(file: vscode.Uri, shownOn: vscode.Uri): boolean {
    if (file.scheme !== 'file' || !this.published.has(shownOn.toString())) return false;
    this.kept.set(file.toString(), shownOn);
    return true;
  }

  private track(doc: vscode.TextDocument): void {
    const key = doc.uri.toString();
    if (this.texts.has(key) || !isCandidateTextDocument(doc)) return;
    this.forget(realFile(doc.uri));
    const tv = new TextValidation(doc, this.deps.settings, this.deps.files, (v) => this.publishText(v), this.deps.log);
    this.texts.set(key, tv);
    tv.schedule(0);
    this.republishDisk(realFile(doc.uri));
  }

  private untrack(doc: vscode.TextDocument): void {
    const key = doc.uri.toString();
    const tv = this.texts.get(key);
    if (!tv) return;
    tv.dispose();
    this.texts.delete(key);
    // a saved file's problems stay until it changes on disk; unsaved edits' problems go with them
    const file = realFile(doc.uri);
    if (doc.isDirty || this.disks.has(file.toString()) || !this.keep(file, doc.uri)) this.setDiagnostics(doc.uri, undefined);
    this.republishDisk(realFile(doc.uri));
    this.scheduleTabCheck();
  }

  private publishText(v: TextValidation): void {
    const r = v.result;
    if (!r || !this.texts.has(v.doc.uri.toString())) return;
    const max = this.deps.settings.get().maxProblems;
    this.setDiagnostics(v.doc.uri, r.problems, diagnosticsFor(v.doc.uri, r.problems, r.totalProblems, max));
    void this.deps.settings.schemaSet().then((s) => this.publishSchemaProblems(s.problems));
  }

  /** The text validation of a document, if it is one VLM Lens checks. */
  textValidation(uri: vscode.Uri): TextValidation | undefined {
    return this.texts.get(uri.toString());
  }

  // ---- files on disk -------------------------------------------------------------------------

  /** A dataset opened in the viewer: validated from disk for as long as it is open. */
  attachViewer(doc: DatasetDocument): void {
    if (doc.uri.scheme !== 'file') return;
    const key = doc.uri.toString();
    this.forget(doc.uri);
    const old = this.disks.get(key);
    if (old) this.disposeEntry(old, false);
    const entry: DiskEntry = { v: this.newDisk(doc), pinned: false, target: old?.target };
    this.disks.set(key, entry);
    const sub = doc.onDidDispose(() => {
      sub.dispose();
      if (this.disks.get(key) !== entry) return;
      // a finished validation's problems stay after the viewer closes, until the file changes
      const keep = !!entry.target && !entry.v.state.running && !entry.v.state.cancelled && !entry.v.state.error && this.keep(doc.uri, entry.target);
      this.disposeEntry(entry, !keep);
      this.disks.delete(key);
      this.scheduleTabCheck();
    });
  }

  /** The disk validation of a file (viewer or headless), if there is one. */
  diskState(uri: vscode.Uri): DiskState | undefined {
    return this.disks.get(realFile(uri).toString())?.v.state;
  }

  /** "VLM Lens: Validate File": validates a file from disk (or its open text) and keeps its problems listed. */
  async validateFile(uri: vscode.Uri): Promise<void> {
    const file = realFile(uri);
    const text = this.texts.get(file.toString()) ?? this.texts.get(textTwin(file).toString());
    if (text) {
      text.reset();
      return;
    }
    const entry = this.disks.get(file.toString());
    if (entry) {
      entry.pinned = true;
      entry.v.start();
      return;
    }
    await this.openHeadless(file, true);
  }

  // ---- what the viewer shows ---------------------------------------------------------------

  /** The file's validation as the viewer's header shows it. */
  validationView(uri: vscode.Uri): ValidationView | undefined {
    const s = this.diskState(uri);
    if (!s) return undefined;
    const view: ValidationView = { running: s.running, processed: s.processed, total: s.total, totalProblems: s.totalProblems, capped: s.capped, cancelled: s.cancelled, error: s.error };
    if (s.flags) {
      view.recordsWithProblems = s.flags.records.length;
      view.byCode = countByCode(s.flags);
    }
    return view;
  }

  /** Rule codes of a record's problems (from the last complete validation). */
  recordCodes(uri: vscode.Uri, record: number): string[] | undefined {
    const flags = this.diskState(uri)?.flags;
    const mask = flags ? maskOf(flags, record) : 0;
    return mask ? codesOf(mask) : undefined;
  }

  /** The worst severity in force among a record's problem codes (the list marks it in that colour). */
  recordSeverity(codes: string[]): 'error' | 'warning' | 'info' | undefined {
    return worstSeverity(codes, this.deps.settings.get().severities);
  }

  /** Records with problems of a rule (any when null). */
  problemRecords(uri: vscode.Uri, code: string | null): number[] {
    const flags = this.diskState(uri)?.flags;
    if (!flags) return [];
    return recordsWith(flags, code && code in RULES ? (code as RuleCode) : null);
  }

  /**
   * A record's problems for the viewer's detail pane: those listed for the file, and when the
   * list is capped, the record checked again on its own (whole-file rules come from the list).
   */
  async recordProblems(doc: DatasetDocument, index: number): Promise<ProblemView[]> {
    const s = this.diskState(doc.uri);
    if (!s) return [];
    const listed = s.problems.filter((p) => p.record === index);
    let all = listed;
    if (s.capped && s.flags && maskOf(s.flags, index) !== 0) {
      const rec = await doc.record(index);
      if (rec?.text !== undefined) {
        const validator = await this.hostValidator(doc);
        const fresh = validator.check({ index, line: rec.line, column: rec.column, text: rec.text }).problems;
        const seen = new Set(listed.map((p) => `${p.code}:${p.line}:${p.column}`));
        all = [...listed, ...fresh.filter((p) => !seen.has(`${p.code}:${p.line}:${p.column}`))];
      }
    }
    return all
      .sort((a, b) => a.line - b.line || a.column - b.column)
      .map((p) => ({ code: p.code, severity: p.severity, message: localizedMessage(p.messageId, p.args), line: p.line, column: p.column }));
  }

  private hostValidators = new Map<string, { key: string; v: RecordValidator }>();

  private async hostValidator(doc: DatasetDocument): Promise<RecordValidator> {
    const settings = this.deps.settings.get();
    const schemas = await this.deps.settings.schemaSet();
    const overlay = validationOverlay(doc);
    const key = JSON.stringify([settings.stamp, overlay, doc.index.kind]);
    const hit = this.hostValidators.get(doc.uri.toString());
    if (hit?.key === key) return hit.v;
    const v = new RecordValidator({
      schemas,
      fileSchema: schemas.userSchemaFor(this.deps.settings.relPath(doc.uri), doc.uri.fsPath),
      severities: settings.severities,
      jsonl: doc.index.kind === 'jsonl',
      overlay,
      language: vscode.env.language,
      formats: userFormatsFor(settings.formatSpecs, this.deps.settings.relPath(doc.uri)).formats,
      placeholders: placeholderPolicyFor(settings.placeholderPolicies, this.deps.settings.relPath(doc.uri)),
    });
    this.hostValidators.set(doc.uri.toString(), { key, v });
    return v;
  }

  cancelAll(): void {
    for (const e of this.disks.values()) e.v.cancel();
  }

  private newDisk(doc: DatasetDocument): DiskValidation {
    return new DiskValidation(doc, this.deps.settings, this.deps.files, this.deps.pool, (v, final) => this.onDiskChange(v, final), this.deps.log);
  }

  private async openHeadless(file: vscode.Uri, pinned: boolean): Promise<void> {
    const key = file.toString();
    if (this.disks.has(key)) return;
    const doc = await this.deps.openHeadless(file);
    if (this.disks.has(key) || this.isDisposed) {
      doc.dispose();
      return;
    }
    this.disks.set(key, { v: this.newDisk(doc), headless: doc, pinned });
  }

  private disposeEntry(e: DiskEntry, clear = true): void {
    this.hostValidators.delete(e.v.uri.toString());
    e.v.dispose();
    e.headless?.dispose();
    if (clear && e.target) this.setDiagnostics(e.target, undefined);
    this.updateStatus();
  }

  private onDiskChange(v: DiskValidation, final: boolean): void {
    this.republishDisk(v.uri);
    this.updateStatus();
    if (final) this.publishSchemaProblems(v.state.schemaProblems);
    this._onDidChangeDisk.fire({ uri: v.uri, state: v.state });
  }

  /** Where a disk validation's problems go: nowhere when the text is open (it has its own), else the file or its twin. */
  private diskTarget(file: vscode.Uri): vscode.Uri | undefined {
    // a Parquet dataset has no text: its problems (placed on rows) are listed on the file itself
    if (isParquet(file)) return file;
    if (this.texts.has(file.toString()) || this.texts.has(textTwin(file).toString())) return undefined;
    return this.hasTextTab(file) ? file : textTwin(file);
  }

  private republishDisk(file: vscode.Uri): void {
    const e = this.disks.get(file.toString());
    if (!e) return;
    const target = this.diskTarget(file);
    if (e.target && e.target.toString() !== target?.toString() && !this.texts.has(e.target.toString())) this.setDiagnostics(e.target, undefined);
    e.target = target;
    if (!target) return;
    const s = e.v.state;
    const max = this.deps.settings.get().maxProblems;
    const partial = s.cancelled ? { processed: s.processed, total: s.total } : undefined;
    this.setDiagnostics(target, s.problems, diagnosticsFor(target, s.problems, s.totalProblems, max, partial));
  }

  private setDiagnostics(uri: vscode.Uri, problems: Problem[] | undefined, diagnostics?: vscode.Diagnostic[]): void {
    if (problems && diagnostics) {
      this.published.set(uri.toString(), problems);
      this.collection.set(uri, diagnostics);
    } else {
      this.published.delete(uri.toString());
      this.collection.delete(uri);
    }
    this._onDidPublish.fire(uri);
  }

  /** Problems shown on a document (for quick fixes). */
  problemsOn(uri: vscode.Uri): Problem[] {
    return this.published.get(uri.toString()) ?? [];
  }

  // ---- large files open as text ------------------------------------------------------------

  private hasTextTab(file: vscode.Uri): boolean {
    const key = file.toString();
    return vscode.window.tabGroups.all.some((g) => g.tabs.some((t) => t.input instanceof vscode.TabInputText && t.input.uri.toString() === key));
  }

  private scheduleTabCheck(): void {
    if (this.tabTimer) clearTimeout(this.tabTimer);
    this.tabTimer = setTimeout(() => void this.checkTabs().catch((e: unknown) => this.deps.log.warn(`checking open tabs failed: ${String(e)}`)), 300);
  }

  /** Text tabs VS Code could not sync (too large): validated from disk instead. Headless entries no longer needed are closed. */
  private async checkTabs(): Promise<void> {
    const wanted = new Set<string>();
    for (const g of vscode.window.tabGroups.all) {
      for (const t of g.tabs) {
        if (!(t.input instanceof vscode.TabInputText)) continue;
        const uri = t.input.uri;
        if ((uri.scheme !== 'file' && uri.scheme !== TEXT_TWIN_SCHEME) || !/\.(jsonl|ndjson|json)$/i.test(uri.path)) continue;
        if (this.texts.has(uri.toString())) continue;
        const file = realFile(uri);
        if (/\.json$/i.test(uri.path) && !this.deps.files.isJsonDatasetName(file)) continue;
        try {
          if ((await stat(file.fsPath)).size < SYNC_LIMIT_BYTES) continue;
        } catch {
          continue;
        }
        wanted.add(file.toString());
        await this.openHeadless(file, false);
        this.republishDisk(file);
      }
    }
    for (const [key, e] of this.disks) {
      if (e.headless && !e.pinned && !wanted.has(key)) {
        this.disposeEntry(e);
        this.disks.delete(key);
      } else this.republishDisk(e.v.uri);
    }
  }

  // ---- settings, schemas, status -------------------------------------------------------------

  private revalidateAll(): void {
    for (const t of this.texts.values()) t.reset();
    for (const e of this.disks.values()) e.v.start();
    this.schemaCollection.clear();
    void this.deps.settings.schemaSet().then((s) => this.publishSchemaProblems(s.problems));
    for (const url of this.deps.settings.get().rejectedSchemas) {
      if (this.warnedSchemas.has(url)) continue;
      this.warnedSchemas.add(url);
      void vscode.window.showWarningMessage(vscode.l10n.t('vlmLens.schemas: {0} is not used: schemas are read from local files only (no network). Save it in the workspace and give its path.', url));
    }
  }

  /** A schema that cannot be used is a problem on the schema file itself. */
  private publishSchemaProblems(problems: SchemaLoadProblem[]): void {
    const byFile = new Map<string, vscode.Diagnostic[]>();
    for (const p of problems) {
      const d = new vscode.Diagnostic(new vscode.Range(p.line, p.column, p.line, p.column + 1), localizedMessage('schemaLoad', [p.file.split(/[\\/]/).pop() ?? p.file, p.message]), vscode.DiagnosticSeverity.Error);
      d.source = SOURCE;
      byFile.set(p.file, [...(byFile.get(p.file) ?? []), d]);
    }
    this.schemaCollection.clear();
    for (const [file, ds] of byFile) this.schemaCollection.set(vscode.Uri.file(file), ds);
  }

  private updateStatus(): void {
    const running = [...this.disks.values()].filter((e) => e.v.state.running);
    if (running.length === 0) {
      this.status.hide();
      return;
    }
    const processed = running.reduce((n, e) => n + e.v.state.processed, 0);
    const total = running.reduce((n, e) => n + e.v.state.total, 0);
    const problems = running.reduce((n, e) => n + e.v.state.totalProblems, 0);
    const pct = total > 0 ? Math.floor((processed / total) * 100) : 0;
    const name = running.length === 1 ? (running[0].v.uri.path.split('/').pop() ?? '') : vscode.l10n.t('{0} files', running.length);
    this.status.text = `$(sync~spin) ${vscode.l10n.t('Validating {0}: {1}% ({2} problems)', name, pct, problems)}`;
    this.status.tooltip = vscode.l10n.t('VLM Lens is checking {0} of {1} records. Click to cancel.', processed, total);
    this.status.show();
  }
}
