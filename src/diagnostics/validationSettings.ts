import * as vscode from 'vscode';
import { existsSync } from 'node:fs';
import { isAbsolute, join, relative } from 'node:path';
import { SchemaSet, type UserSchema } from '../core/validate/schemaSet';
import { RULE_CODES, type SeveritySetting } from '../core/validate/rules';
import { Disposable } from '../util/dispose';

/** Everything validation reads from the settings, in one snapshot. */
export interface ValidationSettings {
  enabled: boolean;
  severities: Partial<Record<string, SeveritySetting>>;
  maxProblems: number;
  checkImages: boolean;
  userSchemas: UserSchema[];
  /** `vlmLens.schemas` entries that cannot be used (a URL: nothing is fetched) */
  rejectedSchemas: string[];
  /** `vlmLens.formats`: user format descriptors (compiled where used) */
  formatSpecs: unknown[];
  /** `vlmLens.validation.imagePlaceholders`: glob → placeholder policy */
  placeholderPolicies: Record<string, unknown>;
  /** bumps whenever the settings or a user schema file change */
  stamp: number;
}

const SEVERITIES = new Set(['error', 'warning', 'info', 'hint', 'off']);

/**
 * Reads the validation settings, resolves `vlmLens.schemas` paths against the workspace,
 * watches the schema files (a schema edited on disk is compiled again), and keeps the
 * host's compiled schemas (the text editor path; the workers compile their own).
 */
export class ValidationSettingsService extends Disposable {
  private current: ValidationSettings | undefined;
  private stamp = 1;
  private schemas: { stamp: number; set: Promise<SchemaSet> } | undefined;
  private schemaWatchers: vscode.Disposable[] = [];
  private readonly _onDidChange = this._register(new vscode.EventEmitter<void>());
  /** settings or a schema file changed: everything should be validated again */
  readonly onDidChange = this._onDidChange.event;

  constructor(readonly builtinDir: string) {
    super();
    this._register(
      vscode.workspace.onDidChangeConfiguration((e) => {
        const keys = ['vlmLens.validation', 'vlmLens.schemas', 'vlmLens.maxProblemsPerFile', 'vlmLens.imageRoots', 'vlmLens.coordinateConvention', 'vlmLens.boxFormat', 'vlmLens.qwen', 'vlmLens.viewer.maxRecordSizeMB', 'vlmLens.formats'];
        if (keys.some((k) => e.affectsConfiguration(k))) this.changed();
      }),
    );
    this._register({ dispose: () => this.unwatch() });
  }

  /** Something validation depends on changed elsewhere (a file's coordinate convention): validate again. */
  invalidate(): void {
    this.changed();
  }

  private changed(): void {
    this.stamp++;
    this.current = undefined;
    this._onDidChange.fire();
  }

  get(): ValidationSettings {
    if (this.current) return this.current;
    const cfg = vscode.workspace.getConfiguration('vlmLens');
    const severities: Partial<Record<string, SeveritySetting>> = {};
    for (const [code, sev] of Object.entries(cfg.get<Record<string, string>>('validation.rules', {}))) {
      const c = code.toUpperCase();
      if ((RULE_CODES as string[]).includes(c) && SEVERITIES.has(sev)) severities[c] = sev as SeveritySetting;
    }
    const userSchemas: UserSchema[] = [];
    const rejectedSchemas: string[] = [];
    for (const entry of cfg.get<unknown[]>('schemas', [])) {
      if (typeof entry !== 'object' || entry === null) continue;
      const e = entry as { fileMatch?: unknown; url?: unknown };
      if (typeof e.url !== 'string') continue;
      const fileMatch = (Array.isArray(e.fileMatch) ? e.fileMatch : [e.fileMatch]).filter((g): g is string => typeof g === 'string').map((g) => g.replace(/^\.?\//, ''));
      const path = this.resolveSchemaPath(e.url);
      if (!path) rejectedSchemas.push(e.url);
      else if (fileMatch.length > 0) userSchemas.push({ path, fileMatch });
    }
    this.current = {
      enabled: cfg.get<boolean>('validation.enabled', true),
      severities,
      maxProblems: Math.max(1, Math.floor(cfg.get<number>('maxProblemsPerFile', 1000))),
      checkImages: cfg.get<boolean>('validation.checkImages', true),
      userSchemas,
      rejectedSchemas,
      formatSpecs: cfg.get<unknown[]>('formats', []).filter((x) => typeof x === 'object' && x !== null),
      placeholderPolicies: cfg.get<Record<string, unknown>>('validation.imagePlaceholders', {}),
      stamp: this.stamp,
    };
    this.watch(userSchemas);
    return this.current;
  }

  /** A schema `url` as an absolute path (workspace-relative and file: URLs too); undefined for network URLs. */
  private resolveSchemaPath(url: string): string | undefined {
    if (/^https?:/i.test(url)) return undefined;
    if (/^file:/i.test(url)) return vscode.Uri.parse(url).fsPath;
    if (isAbsolute(url)) return url;
    const folders = (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file').map((f) => f.uri.fsPath);
    const candidates = folders.map((f) => join(f, url));
    return candidates.find((c) => existsSync(c)) ?? candidates[0] ?? url;
  }

  /** The path `fileMatch` globs are matched against: workspace-relative when inside a folder. */
  relPath(uri: vscode.Uri): string {
    const folder = vscode.workspace.getWorkspaceFolder(uri.with({ scheme: 'file' }));
    return folder ? relative(folder.uri.fsPath, uri.fsPath).split('\\').join('/') : uri.fsPath;
  }

  /** The compiled schemas for the current settings (compiled once per change). */
  schemaSet(): Promise<SchemaSet> {
    const s = this.get();
    if (this.schemas?.stamp !== s.stamp) this.schemas = { stamp: s.stamp, set: SchemaSet.create(this.builtinDir, s.userSchemas) };
    return this.schemas.set;
  }

  private watch(schemas: UserSchema[]): void {
    this.unwatch();
    for (const u of schemas) {
      const w = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(join(u.path, '..')), u.path.split(/[\\/]/).pop() ?? ''));
      const kick = () => this.changed();
      this.schemaWatchers.push(w, w.onDidChange(kick), w.onDidCreate(kick), w.onDidDelete(kick));
    }
  }

  private unwatch(): void {
    for (const d of this.schemaWatchers.splice(0)) d.dispose();
  }
}
