import { userFormatsFor } from '../core/formats/userFormats';
import { placeholderPolicyFor } from '../core/validate/placeholders';
import * as vscode from 'vscode';
import { FileExistsCache } from '../util/existsCache';
import { DocumentValidator, jsonRecords, jsonlRecords, looksLikeDataset, type DocumentResult } from '../core/validate/documentValidator';
import { RecordValidator, type Problem, type RecordText } from '../core/validate/validator';
import { imageProblems } from '../core/validate/validateFile';
import { imageFileProblem, imageHeaderSize } from '../core/images/sniff';
import { ProblemFlags } from '../core/validate/flags';
import type { SeveritySetting } from '../core/validate/rules';
import type { OverlaySettings } from '../core/geometry/overlays';
import type { ResolveContext } from '../core/images/resolveImage';
import { type ValidationSettingsService } from './validationSettings';
import { realFile, TEXT_TWIN_SCHEME } from './textTwinFs';

/** What validation needs to know about a file besides its text (from the editor's settings). */
export interface FileContext {
  overlay(uri: vscode.Uri): OverlaySettings;
  resolveContext(uri: vscode.Uri): ResolveContext;
  maxRecordBytes(): number;
  /** `.json` names the viewer treats as datasets (vlmLens.jsonDatasetGlobs) */
  isJsonDatasetName(uri: vscode.Uri): boolean;
}

/** `.json` names whose records VS Code's own JSON service checks against our schemas (package.json `jsonValidation`). */
export const JSON_VALIDATION_NAMES = [/(^|\/)(lang_)?eval_details_[^/]*\.json$/i, /_qa(_wo_init_pos)?\.json$/i];

export interface TextResult extends Omit<DocumentResult, 'facts' | 'checked'> {
  version: number;
}

const EXISTS_TTL_MS = 10_000;

/**
 * Validation of one text document as it is edited: debounced, only changed records checked
 * again (DocumentValidator), image files looked up after the rest is shown.
 */
export class TextValidation {
  private dv: { key: string; v: DocumentValidator; rv: RecordValidator } | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private running = false;
  private again = false;
  private disposed = false;
  private readonly exists = new FileExistsCache(EXISTS_TTL_MS, 100_000);
  /** for `.json`: whether the text is a dataset at all (decided once per document) */
  private isDataset: boolean | undefined;
  result: TextResult | undefined;
  /** where each record of the last validated version is: line, column, length (UTF-16) */
  private spans = new Float64Array(0);
  private spansVersion = -1;

  constructor(
    readonly doc: vscode.TextDocument,
    private readonly settings: ValidationSettingsService,
    private readonly files: FileContext,
    private readonly publish: (v: TextValidation) => void,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  get jsonl(): boolean {
    return this.doc.languageId === 'jsonl' || /\.(jsonl|ndjson)$/i.test(this.doc.uri.path);
  }

  schedule(delayMs: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.run();
    }, delayMs);
  }

  /** Forget compiled state (settings or schemas changed) and validate again. */
  reset(): void {
    this.dv = undefined;
    this.isDataset = undefined;
    this.schedule(0);
  }

  private async run(): Promise<void> {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    try {
      await this.validate();
    } catch (e) {
      this.log.error(`validating ${this.doc.uri.toString()} failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    } finally {
      this.running = false;
      if (this.again && !this.disposed) {
        this.again = false;
        this.schedule(0);
      }
    }
  }

  private async validate(): Promise<void> {
    const settings = this.settings.get();
    if (this.isDataset === false) return; // ordinary JSON: decided once (again after a settings change)
    const version = this.doc.version;
    const text = this.doc.getText();
    const fileName = this.doc.uri.path.split('/').pop() ?? 'document.json';
    const records: RecordText[] = this.jsonl ? jsonlRecords(text) : await jsonRecords(text, fileName);
    if (this.disposed || version !== this.doc.version) return;
    this.spans = new Float64Array(records.length * 3);
    records.forEach((r, i) => this.spans.set([r.line, r.column, r.text.length], i * 3));
    this.spansVersion = version;
    const file = realFile(this.doc.uri);
    const schemas = await this.settings.schemaSet();
    const fileSchema = schemas.userSchemaFor(this.settings.relPath(file), file.fsPath);
    if (!this.jsonl && this.isDataset === undefined) this.isDataset = !!fileSchema || this.files.isJsonDatasetName(file) || looksLikeDataset(records);
    if (!settings.enabled || this.isDataset === false) {
      this.result = { version, problems: [], totalProblems: 0, capped: false, flags: new ProblemFlags().arrays() };
      this.publish(this);
      return;
    }
    const severities: Partial<Record<string, SeveritySetting>> = { ...settings.severities };
    if (!this.jsonl && (this.doc.languageId === 'json' || this.doc.languageId === 'jsonc')) {
      // VS Code's JSON service already reports syntax errors (and schema errors where jsonValidation applies)
      severities.VLM001 = 'off';
      severities.VLM002 = 'off';
      if (!fileSchema && JSON_VALIDATION_NAMES.some((r) => r.test(file.path))) severities.VLM004 = 'off';
    }
    const overlay = this.files.overlay(file);
    const key = JSON.stringify([settings.stamp, fileSchema, severities, overlay, this.jsonl, vscode.env.language]);
    if (this.dv?.key !== key) {
      const formats = userFormatsFor(settings.formatSpecs, this.settings.relPath(file)).formats;
      const placeholders = placeholderPolicyFor(settings.placeholderPolicies, this.settings.relPath(file));
      const rv = new RecordValidator({ schemas, fileSchema, severities, jsonl: this.jsonl, overlay, language: vscode.env.language, collectImages: settings.checkImages, formats, placeholders });
      this.dv = { key, v: new DocumentValidator(rv), rv };
    }
    const res = this.dv.v.validate(records, { maxProblems: settings.maxProblems, maxRecordChars: this.files.maxRecordBytes() });
    this.result = { version, problems: res.problems, totalProblems: res.totalProblems, capped: res.capped, flags: res.flags };
    this.publish(this);
    if (!settings.checkImages || res.facts.every((f) => f.images.length === 0)) return;

    // images: looked up after the rest is shown (existence cached for a few seconds)
    const ctx = this.files.resolveContext(file);
    const byIndex = new Map(records.map((r) => [r.index, r]));
    const found: Problem[] = [];
    for (const f of res.facts) {
      if (f.images.length === 0) continue;
      const rec = byIndex.get(f.index);
      if (rec) found.push(...(await imageProblems(this.dv.rv, rec, f, ctx, (p) => this.fileExists(p), imageFileProblem, imageHeaderSize)));
      if (this.disposed || version !== this.doc.version) return;
    }
    if (found.length === 0) return;
    const flags = new ProblemFlags();
    flags.merge(res.flags);
    for (const p of found) flags.add(p.record, p.code);
    const all = [...res.problems, ...found].sort((a, b) => a.line - b.line || a.column - b.column);
    const total = res.totalProblems + found.length;
    const kept = all.slice(0, settings.maxProblems);
    this.result = { version, problems: kept, totalProblems: total, capped: total > kept.length, flags: flags.arrays() };
    this.publish(this);
  }

  /** The record at a position of the current text (records are in line order), with its text and start offset. */
  recordAt(pos: vscode.Position): { index: number; text: string; start: number } | undefined {
    if (this.spansVersion !== this.doc.version) return undefined;
    const n = this.spans.length / 3;
    let lo = 0;
    let hi = n - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const line = this.spans[mid * 3];
      const col = this.spans[mid * 3 + 1];
      if (line < pos.line || (line === pos.line && col <= pos.character)) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    if (found < 0) return undefined;
    const rec = this.record(found);
    const offset = this.doc.offsetAt(pos);
    return rec && offset <= rec.start + rec.text.length ? rec : undefined;
  }

  /** Record k of the current text (undefined when the text changed since it was validated). */
  record(k: number): { index: number; text: string; start: number } | undefined {
    if (this.spansVersion !== this.doc.version || k < 0 || k * 3 >= this.spans.length) return undefined;
    const start = this.doc.offsetAt(new vscode.Position(this.spans[k * 3], this.spans[k * 3 + 1]));
    const text = this.doc.getText(new vscode.Range(this.doc.positionAt(start), this.doc.positionAt(start + this.spans[k * 3 + 2])));
    return { index: k, text, start };
  }

  get recordCount(): number {
    return this.spansVersion === this.doc.version ? this.spans.length / 3 : 0;
  }

  private fileExists(p: string): Promise<boolean> {
    return this.exists.isFile(p);
  }

  dispose(): void {
    this.disposed = true;
    if (this.timer) clearTimeout(this.timer);
  }
}

/** A text document VLM Lens validates: JSON Lines always, `.json` when it is a dataset (decided by TextValidation). */
export function isCandidateTextDocument(doc: vscode.TextDocument): boolean {
  if (doc.uri.scheme !== 'file' && doc.uri.scheme !== TEXT_TWIN_SCHEME) return false;
  if (doc.languageId === 'jsonl' || /\.(jsonl|ndjson)$/i.test(doc.uri.path)) return true;
  return /\.json$/i.test(doc.uri.path) && (doc.languageId === 'json' || doc.languageId === 'jsonc');
}

/** Documents the quick fixes and hovers apply to (the text validation decides which `.json` files are datasets). */
export const DATASET_SELECTOR: vscode.DocumentSelector = [
  { scheme: 'file', language: 'jsonl' },
  { scheme: 'file', language: 'json' },
  { scheme: TEXT_TWIN_SCHEME, language: 'jsonl' },
  { scheme: TEXT_TWIN_SCHEME, language: 'json' },
  { scheme: 'file', pattern: '**/*.{jsonl,ndjson}' },
  { scheme: TEXT_TWIN_SCHEME, pattern: '**/*.{jsonl,ndjson}' },
];
