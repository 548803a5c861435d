import * as vscode from 'vscode';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { checkRunRecord, type RunRecord } from '../core/eval/runs';
import type { SampleResult } from '../core/eval/predictionMetrics';

export interface StoredRun {
  run: RunRecord;
  dir: string;
}

export interface BrokenRun {
  dir: string;
  error: string;
}

/**
 * Run history under `<workspace>/.vlm-lens/runs/<id>/`: run.json (written atomically: a
 * temporary file renamed over it), the log, per-sample results. Read back on start; a corrupt
 * or half-written run.json is listed as broken, never fatal.
 */
export class RunStore implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<RunRecord | undefined>();
  /** a run was saved (its record) or the list changed (undefined) */
  readonly onDidChange = this.changed.event;

  /** the last listing, kept until a run is saved or deleted here (or `refresh`) */
  private listing: Promise<{ runs: StoredRun[]; broken: BrokenRun[] }> | undefined;

  constructor(readonly root: string) {}

  static forWorkspace(): RunStore | undefined {
    const folder = vscode.workspace.workspaceFolders?.[0];
    return folder ? new RunStore(join(folder.uri.fsPath, '.vlm-lens', 'runs')) : undefined;
  }

  dirOf(id: string): string {
    return join(this.root, id);
  }

  async create(run: RunRecord): Promise<string> {
    const dir = this.dirOf(run.id);
    await mkdir(dir, { recursive: true });
    await this.save(run);
    return dir;
  }

  async save(run: RunRecord): Promise<void> {
    const dir = this.dirOf(run.id);
    const tmp = join(dir, `.run.json.${process.pid}.tmp`);
    await writeFile(tmp, JSON.stringify(run, null, 2));
    await rename(tmp, join(dir, 'run.json'));
    this.listing = undefined;
    this.changed.fire(run);
  }

  async writeJson(run: RunRecord, name: string, value: unknown): Promise<void> {
    await writeFile(join(this.dirOf(run.id), name), JSON.stringify(value));
  }

  async readJson(run: RunRecord, name: string): Promise<unknown> {
    return JSON.parse(await readFile(join(this.dirOf(run.id), name), 'utf8')) as unknown;
  }

  /** A run's per-sample results (its first samples file); [] when it has none or it is unreadable. */
  async samples(run: RunRecord): Promise<SampleResult[]> {
    const file = run.results.find((r) => r.samplesFile)?.samplesFile;
    if (!file) return [];
    try {
      const v = await this.readJson(run, file);
      return Array.isArray(v) ? (v as SampleResult[]) : [];
    } catch {
      return [];
    }
  }

  /** Every run (newest first) and the unreadable ones; read from disk once per change. */
  list(): Promise<{ runs: StoredRun[]; broken: BrokenRun[] }> {
    this.listing ??= this.read();
    return this.listing;
  }

  /** Forgets the listing (runs written by another window) and says the list changed. */
  refresh(): void {
    this.listing = undefined;
    this.changed.fire(undefined);
  }

  private async read(): Promise<{ runs: StoredRun[]; broken: BrokenRun[] }> {
    const runs: StoredRun[] = [];
    const broken: BrokenRun[] = [];
    let names: string[];
    try {
      names = await readdir(this.root);
    } catch {
      return { runs, broken };
    }
    for (const name of names) {
      const dir = join(this.root, name);
      let text: string;
      try {
        text = await readFile(join(dir, 'run.json'), 'utf8');
      } catch {
        continue; // a folder being created, or not a run
      }
      try {
        const r = checkRunRecord(JSON.parse(text));
        if ('run' in r) runs.push({ run: r.run, dir });
        else broken.push({ dir, error: r.error });
      } catch (e) {
        broken.push({ dir, error: `run.json is not valid JSON (${e instanceof Error ? e.message : String(e)})` });
      }
    }
    runs.sort((a, b) => b.run.queuedAt.localeCompare(a.run.queuedAt));
    return { runs, broken };
  }

  async delete(id: string): Promise<void> {
    await rm(this.dirOf(id), { recursive: true, force: true });
    this.refresh();
  }

  dispose(): void {
    this.changed.dispose();
  }
}
