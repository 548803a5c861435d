import * as vscode from 'vscode';
import { runTime, type RunRecord } from '../core/eval/runs';
import { headlineText } from '../core/eval/shaping';
import { formatSeconds } from '../core/eval/runner';
import { slurmMessages, type EvalService } from './evalService';
import { describeJob } from '../core/eval/slurm';
import { type BrokenRun, type RunStore, type StoredRun } from './runStore';

type Node = { kind: 'checkpoint'; path: string; name: string; runs: StoredRun[] } | { kind: 'run'; stored: StoredRun } | { kind: 'broken'; broken: BrokenRun };

/** A run status in words (the tree, and the Eval panel's strings). */
export const statusLabel = (s: RunRecord['status']): string =>
  ({ queued: vscode.l10n.t('queued'), running: vscode.l10n.t('running'), succeeded: vscode.l10n.t('succeeded'), skipped: vscode.l10n.t('skipped (reused)'), failed: vscode.l10n.t('failed'), cancelled: vscode.l10n.t('cancelled') })[s];

const STATUS_ICON: Record<RunRecord['status'], string> = { queued: 'clock', running: 'loading~spin', succeeded: 'pass', skipped: 'debug-step-over', failed: 'error', cancelled: 'circle-slash' };

/** Where a Slurm job stands, short enough for the narrow view: `Slurm 12 · pending #3 · Resources`, `Slurm 12 · running on gpu-07`. */
function slurmShort(job: NonNullable<RunRecord['slurm']>): string {
  if (job.state === 'RUNNING' || job.state === 'COMPLETING') return `Slurm ${job.jobId} · ${job.node ? vscode.l10n.t('running on {0}', job.node) : vscode.l10n.t('running')}`;
  const place = job.position ? vscode.l10n.t('pending #{0}', job.position) : vscode.l10n.t('pending');
  return [`Slurm ${job.jobId}`, place, job.reason].filter(Boolean).join(' · ');
}

/**
 * Run history as a tree: checkpoints (newest run first), their runs with status, task and
 * headline metric; broken run files listed with what is wrong. Refreshes on every save.
 */
export class RunsTreeProvider implements vscode.TreeDataProvider<Node>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<Node | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly subs: vscode.Disposable[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly store: RunStore,
    private readonly service: EvalService,
  ) {
    this.subs.push(store.onDidChange(() => this.refresh()));
  }

  refresh(): void {
    // several saves in a row (queueing many tasks) refresh once
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.changed.fire(undefined);
    }, 150);
  }

  async getChildren(node?: Node): Promise<Node[]> {
    if (node?.kind === 'checkpoint') return node.runs.map((stored) => ({ kind: 'run', stored }));
    if (node) return [];
    const { runs, broken } = await this.store.list();
    const groups = new Map<string, StoredRun[]>();
    for (const r of runs) {
      const list = groups.get(r.run.checkpoint) ?? [];
      list.push(r);
      groups.set(r.run.checkpoint, list);
    }
    return [
      ...[...groups.entries()].map(([path, list]): Node => ({ kind: 'checkpoint', path, name: list[0].run.checkpointName, runs: list })),
      ...broken.map((b): Node => ({ kind: 'broken', broken: b })),
    ];
  }

  getTreeItem(node: Node): vscode.TreeItem {
    if (node.kind === 'checkpoint') {
      const item = new vscode.TreeItem(node.name, vscode.TreeItemCollapsibleState.Expanded);
      item.description = vscode.l10n.t('{0} run(s)', node.runs.length);
      item.tooltip = node.path;
      item.iconPath = new vscode.ThemeIcon('package');
      item.id = `ckpt:${node.path}`;
      return item;
    }
    if (node.kind === 'broken') {
      const item = new vscode.TreeItem(vscode.l10n.t('Unreadable run: {0}', node.broken.dir.split(/[\\/]/).pop() ?? node.broken.dir));
      item.description = node.broken.error;
      item.tooltip = `${node.broken.dir}\n${node.broken.error}`;
      item.iconPath = new vscode.ThemeIcon('warning');
      item.contextValue = 'vlmLens.brokenRun';
      return item;
    }
    const run = node.stored.run;
    const live = this.service.isActive(run.id);
    const item = new vscode.TreeItem(`${run.task ?? run.profile}`, vscode.TreeItemCollapsibleState.None);
    // the headline first: the view is narrow and cuts the end
    // a Slurm job still going says where it stands: its place in the queue and why, or its node
    const open = run.slurm && (run.status === 'queued' || run.status === 'running');
    const state = open && run.slurm ? slurmShort(run.slurm) : run.status === 'succeeded' ? '' : statusLabel(run.status);
    item.description = [headlineText(run), state, runTime(run), run.durationMs !== undefined ? formatSeconds(run.durationMs / 1000) : ''].filter(Boolean).join(' · ');
    const md = new vscode.MarkdownString(undefined, true);
    md.appendText(`${run.profile} · ${run.checkpoint}\n`);
    md.appendCodeblock(run.argv.join(' '), 'shell');
    md.appendText(`${statusLabel(run.status)} · ${new Date(run.startedAt ?? run.queuedAt).toLocaleString()}\n`);
    if (run.slurm) md.appendText(`Slurm ${run.slurm.jobId}${run.slurm.partition ? ` · ${run.slurm.partition}` : ''}: ${describeJob(run.slurm, slurmMessages())}${run.slurm.sbatch.length ? ` · sbatch ${run.slurm.sbatch.join(' ')}` : ''}\n`);
    if (run.failure) md.appendText(`${run.failure.message}\n`);
    if (run.reused) md.appendText(`${run.reused.reason}\n`);
    for (const r of run.results) if (r.aggregate) md.appendText(`${r.task ?? ''}: ${Object.entries(r.aggregate.metrics).map(([k, v]) => `${k} ${v.toFixed(4)}`).join(', ')}\n`);
    item.tooltip = md;
    item.iconPath = new vscode.ThemeIcon(STATUS_ICON[run.status], run.status === 'failed' ? new vscode.ThemeColor('testing.iconFailed') : run.status === 'succeeded' ? new vscode.ThemeColor('testing.iconPassed') : undefined);
    item.contextValue = live ? 'vlmLens.run.active' : 'vlmLens.run';
    item.id = `run:${run.id}`;
    item.command = { command: 'vlmLens.showRun', title: vscode.l10n.t('Show Run'), arguments: [run.id] };
    return item;
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    for (const s of this.subs) s.dispose();
    this.changed.dispose();
  }
}
