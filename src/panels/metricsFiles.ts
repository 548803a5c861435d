import * as vscode from 'vscode';
import { stat } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { isJsonMetricsName, type MetricsFileView } from '../core/eval/metricsFile';
import { MetricsFileTooLarge, readMetricsFile } from '../core/eval/readMetricsFile';
import { barGroups, barReadings } from '../core/eval/shaping';
import type { MetricsFileState } from '../protocol/evalPanel';

/** Logs larger than this are read behind a cancellable progress notification. */
const PROGRESS_BYTES = 16 * 1024 * 1024;
/** Files kept in the panel's picker (the oldest is dropped, the user can show it again). */
const KEEP = 8;

/**
 * Files shown with "Show Metrics in VLM Lens": trainer_state.json, lmms-eval results, eval logs and
 * generation.py output. Each is read once (a log streams in chunks), watched, and read again
 * when it changes on disk (a trainer_state.json grows while training runs).
 */
export class MetricsFiles implements vscode.Disposable {
  private readonly files = new Map<string, { state: MetricsFileState; watcher: vscode.Disposable; timer?: NodeJS.Timeout }>();
  private readonly changed = new vscode.EventEmitter<string>();
  /** a file's view changed (its id) */
  readonly onDidChange = this.changed.event;

  static idOf(path: string): string {
    return `file:${path}`;
  }

  list(): Array<{ id: string; name: string; path: string }> {
    return [...this.files.values()].reverse().map((f) => ({ id: f.state.id, name: f.state.name, path: f.state.path }));
  }

  get(id: string): MetricsFileState | undefined {
    return this.files.get(id)?.state;
  }

  /** Reads the file (again) and keeps it; undefined when the user cancelled a long read. */
  async show(path: string): Promise<MetricsFileState | undefined> {
    const view = await this.read(path, true);
    if (!view) return undefined;
    const id = MetricsFiles.idOf(path);
    const old = this.files.get(id);
    if (old) this.files.delete(id);
    const state = this.stateOf(path, view);
    this.files.set(id, { state, watcher: old?.watcher ?? this.watch(path) });
    while (this.files.size > KEEP) this.close(this.files.keys().next().value as string);
    return state;
  }

  close(id: string): void {
    const f = this.files.get(id);
    if (!f) return;
    clearTimeout(f.timer);
    f.watcher.dispose();
    this.files.delete(id);
    this.changed.fire(id);
  }

  private stateOf(path: string, view: MetricsFileView): MetricsFileState {
    const readings = view.kind === 'trainerState' ? [] : barReadings(view.metrics);
    return { id: MetricsFiles.idOf(path), path, name: basename(path), view, bars: readings.length ? barGroups([{ key: path, label: basename(path), runIds: [], readings }]) : [], readAt: new Date().toISOString() };
  }

  private watch(path: string): vscode.Disposable {
    const w = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(dirname(path)), basename(path)));
    const again = () => {
      const f = this.files.get(MetricsFiles.idOf(path));
      if (!f) return;
      // a file being written changes many times a second: read it once things settle
      clearTimeout(f.timer);
      f.timer = setTimeout(() => void this.reread(path), 1000);
    };
    return vscode.Disposable.from(w, w.onDidChange(again), w.onDidCreate(again), w.onDidDelete(again));
  }

  private async reread(path: string): Promise<void> {
    const f = this.files.get(MetricsFiles.idOf(path));
    if (!f) return;
    try {
      const view = await this.read(path, false);
      if (view) f.state = this.stateOf(path, view);
    } catch (e) {
      f.state = { ...f.state, stale: vscode.l10n.t('The file changed on disk and could not be read again ({0}); showing what was read at {1}.', e instanceof Error ? e.message : String(e), new Date(f.state.readAt).toLocaleTimeString()) };
    }
    this.changed.fire(f.state.id);
  }

  private async read(path: string, interactive: boolean): Promise<MetricsFileView | undefined> {
    const size = (await stat(path)).size;
    try {
      if (isJsonMetricsName(path) || size <= PROGRESS_BYTES || !interactive) return await readMetricsFile(path);
      return await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Reading {0}', basename(path)), cancellable: true }, (progress, token) => {
        const ac = new AbortController();
        token.onCancellationRequested(() => ac.abort());
        let shown = 0;
        return readMetricsFile(path, {
          signal: ac.signal,
          onProgress: (bytes, total) => {
            const pct = Math.floor((bytes / Math.max(1, total)) * 100);
            if (pct > shown) progress.report({ increment: pct - shown, message: `${pct}%` });
            shown = Math.max(shown, pct);
          },
        });
      });
    } catch (e) {
      if (e instanceof MetricsFileTooLarge) throw new Error(vscode.l10n.t('{0} is {1} MB; JSON metrics files over {2} MB are not read whole. Is it a dataset? Open it in the dataset viewer.', basename(path), (e.bytes / 1048576).toFixed(0), e.limit / 1048576));
      throw e;
    }
  }

  dispose(): void {
    for (const id of [...this.files.keys()]) this.close(id);
    this.changed.dispose();
  }
}
