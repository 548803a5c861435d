import type * as vscode from 'vscode';
import { RecordScoreIndex, runsForFile } from '../core/eval/shaping';
import type { RecordScoresView } from '../protocol/datasetViewer';
import { type RunStore } from './runStore';

/** Runs read per file: the newest ones; older ones are counted, not read. */
const MAX_RUNS = 10;

/**
 * The scores a dataset record got in recent eval runs, for the viewer's detail pane. Per
 * file, the runs that scored it (its prediction file, its eval input, or runs of the same
 * task) are read once into an index; the index is dropped whenever the run history changes.
 */
export class RecordScores implements vscode.Disposable {
  private readonly cache = new Map<string, Promise<{ index: RecordScoreIndex; more: number } | undefined>>();
  private readonly sub: vscode.Disposable;

  constructor(private readonly store: RunStore) {
    this.sub = store.onDidChange(() => this.cache.clear());
  }

  async scoresFor(file: string, index: number, id: string | undefined): Promise<RecordScoresView | undefined> {
    let entry = this.cache.get(file);
    if (!entry) {
      entry = this.build(file);
      this.cache.set(file, entry);
      while (this.cache.size > 8) this.cache.delete(this.cache.keys().next().value as string);
    }
    const e = await entry;
    if (!e) return undefined;
    const rows = e.index.lookup(index, id);
    return rows.length || e.more ? { rows, more: e.more } : undefined;
  }

  private async build(file: string): Promise<{ index: RecordScoreIndex; more: number } | undefined> {
    const { runs } = await this.store.list();
    const found = runsForFile(runs.map((r) => r.run), file);
    if (!found.length) return undefined;
    const index = new RecordScoreIndex();
    for (const { run, via } of found.slice(0, MAX_RUNS)) index.add(run, await this.store.samples(run), via);
    return { index, more: Math.max(0, found.length - MAX_RUNS) };
  }

  dispose(): void {
    this.sub.dispose();
    this.cache.clear();
  }
}
