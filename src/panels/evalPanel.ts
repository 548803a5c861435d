import * as vscode from 'vscode';
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { isInside } from '../core/util/paths';
import { describeJob } from '../core/eval/slurm';
import { slurmMessages } from '../eval/evalService';
import { barCandidates, compareSamples, defaultBarRuns, higherIsBetterByName, errorDistribution, histogram, orderSamples, stepSeries, taskBars, toCsv } from '../core/eval/shaping';
import { scoreIsFraction, type SampleResult } from '../core/eval/predictionMetrics';
import { runLabel, runTime, type RunRecord } from '../core/eval/runs';
import type { CompareView, EvalPanelCommands, EvalPanelEvents, EvalPanelRequests, MetricsFileState, PanelState, RunView, SampleRowView, SamplesQuery } from '../protocol/evalPanel';
import { comparePdm } from '../core/eval/trainingLogs';
import { RpcEndpoint } from '../protocol/rpc';
import { buildWebviewHtml, webviewOptions } from '../util/webviewHtml';
import { type EvalService } from '../eval/evalService';
import { type RunStore } from '../eval/runStore';
import { evalPanelStrings } from './evalPanelStrings';
import { MetricsFiles } from './metricsFiles';

type HostEndpoint = RpcEndpoint<Record<string, never>, EvalPanelRequests, EvalPanelEvents, EvalPanelCommands>;

const SAMPLE_CACHE = 4;
/** runs offered as ticks for the bar chart (the newest; the rest are counted) */
const BAR_CANDIDATES = 40;
/** per-sample errors drawn in the trajectory chart (same unit: pixels) */
const TRAJECTORY_ERRORS = ['endpoint', 'frechet', 'hausdorff', 'rmse'];

/**
 * The "VLM Lens: Eval" panel: the selected run's metrics, an IoU (or DTW…) histogram, the
 * metric across checkpoint steps, the samples worst first (each opens the prediction file
 * in the dataset viewer, pred drawn over gt), and a per-sample comparison of two runs.
 * Live while a run is going (at most once a second); the selection survives reloads.
 */
export class EvalPanelProvider implements vscode.WebviewViewProvider, vscode.Disposable {
  static readonly viewId = 'vlmLens.evalPanel';
  private view: vscode.WebviewView | undefined;
  private rpc: HostEndpoint | undefined;
  private ready = false;
  private selected: string | undefined;
  /** the user picked a run that is not the newest: new runs do not take the panel from it */
  private pinned: boolean;
  /** a run to compare the selected one with, proposed once (Compare With…) */
  private compareWith: { for: string; with: string } | undefined;
  private live = new Map<string, RunRecord>();
  private readonly samples = new Map<string, SampleResult[]>();
  private readonly subs: vscode.Disposable[] = [];
  private timer: NodeJS.Timeout | undefined;
  private lastPush = 0;
  private readonly files = new MetricsFiles();
  /** shown files drawn over the selected one (curves), or compared with it (PDM scores) */
  private overlayIds: string[] = [];

  /** the runs ticked for the bar chart, per profile */
  private barRuns: Record<string, string[]>;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly store: RunStore,
    private readonly service: EvalService,
    private readonly openRecord: (uri: vscode.Uri, index: number) => Promise<void>,
  ) {
    this.selected = context.workspaceState.get<string>('vlmLens.evalPanel.selected');
    this.pinned = context.workspaceState.get<boolean>('vlmLens.evalPanel.pinned') ?? false;
    this.barRuns = context.workspaceState.get<Record<string, string[]>>('vlmLens.evalPanel.barRuns') ?? {};
    this.subs.push(
      this.files,
      this.files.onDidChange(() => this.schedule()),
      service.onDidUpdate((r) => {
        const isNew = !this.live.has(r.id);
        this.live.set(r.id, r);
        // a run that starts takes the panel, unless the user pinned another run
        if (isNew && r.status === 'running' && !this.pinned && this.selected !== r.id) void this.select(r.id, false);
        if (r.status !== 'running') this.samples.delete(r.id);
        this.schedule();
      }),
      store.onDidChange(() => this.schedule()),
    );
  }

  resolveWebviewView(view: vscode.WebviewView): void {
    this.view = view;
    this.ready = false;
    view.webview.options = webviewOptions(this.context.extensionUri);
    view.webview.html = buildWebviewHtml(view.webview, this.context.extensionUri, { title: 'VLM Lens Eval', script: 'evalPanel', styles: ['virtualList.css', 'evalPanel.css'] });
    const rpc: HostEndpoint = new RpcEndpoint((m) => void view.webview.postMessage(m), 0, (method, e) => console.error(`eval panel ${method} failed`, e));
    this.rpc = rpc;
    const subs = [view.webview.onDidReceiveMessage((m: unknown) => void rpc.handleMessage(m))];
    view.onDidDispose(() => {
      for (const s of subs) s.dispose();
      rpc.dispose();
      if (this.rpc === rpc) this.rpc = undefined;
      this.view = undefined;
    });
    rpc.onRequest('ready', async () => {
      this.ready = true;
      return { strings: evalPanelStrings(), state: await this.state() };
    });
    rpc.onRequest('samples', (q) => this.querySamples(q));
    rpc.onRequest('compare', ({ a, b }) => this.compare(a, b));
    rpc.onNotification('select', ({ runId }) => void this.pick(runId));
    rpc.onNotification('followNewest', () => void this.followNewest());
    rpc.onNotification('openSample', ({ runId, index }) => void this.openSample(runId, index));
    rpc.onNotification('openLog', ({ runId }) => void vscode.commands.executeCommand('vlmLens.openRunLog', runId));
    rpc.onNotification('exportSamples', (p) => void this.exportSamples(p.runId, p.order));
    rpc.onNotification('exportCompare', ({ a, b }) => void this.exportCompare(a, b));
    rpc.onNotification('savePng', ({ name, dataUrl }) => void this.savePng(name, dataUrl));
    rpc.onNotification('setBarRuns', ({ ids }) => void this.setBarRuns(ids));
    // vscode.open: a prediction file opens in the dataset viewer (editor associations), a log as text
    rpc.onNotification('openFile', ({ path }) => {
      if (mayOpen(path)) void vscode.commands.executeCommand('vscode.open', vscode.Uri.file(path));
    });
    rpc.onNotification('exportFileMetrics', ({ id }) => void this.exportFileMetrics(id));
    rpc.onNotification('setOverlays', ({ ids }) => {
      this.overlayIds = ids.filter((id) => id !== this.selected);
      this.schedule();
    });
    rpc.onNotification('closeFile', ({ id }) => {
      this.files.close(id);
      if (this.selected === id) void this.select(this.files.list()[0]?.id ?? '', false);
    });
  }

  /** Reads a log / results / trainer_state file and shows its metrics in the panel. */
  async showFile(uri: vscode.Uri): Promise<void> {
    let file;
    try {
      file = await this.files.show(uri.fsPath);
    } catch (e) {
      void vscode.window.showErrorMessage(vscode.l10n.t('Could not read {0}: {1}', uri.fsPath, e instanceof Error ? e.message : String(e)));
      return;
    }
    if (file) await this.reveal(file.id);
  }

  private async setBarRuns(ids: string[]): Promise<void> {
    const run = await this.runById(this.selected ?? '');
    if (!run) return;
    this.barRuns = { ...this.barRuns, [run.profile]: ids };
    await this.context.workspaceState.update('vlmLens.evalPanel.barRuns', this.barRuns);
    await this.push();
  }

  /** Shows the panel with this run (or shown file) selected; a run that is not the newest stays (pinned). */
  async reveal(runId: string, compareWith?: string): Promise<void> {
    this.compareWith = compareWith ? { for: runId, with: compareWith } : undefined;
    await this.pick(runId);
    await vscode.commands.executeCommand(`${EvalPanelProvider.viewId}.focus`);
  }

  /** The user chose a run or file: an older run pins the panel to it; the newest run or a file follows new runs. */
  private async pick(id: string): Promise<void> {
    const runs = await this.allRuns();
    const isRun = runs.some((r) => r.id === id);
    await this.select(id, isRun && runs[0]?.id !== id);
  }

  private async followNewest(): Promise<void> {
    const newest = (await this.allRuns())[0];
    await this.select(newest?.id ?? this.selected ?? '', false);
  }

  private async select(runId: string, pinned: boolean): Promise<void> {
    this.selected = runId;
    this.pinned = pinned;
    await this.context.workspaceState.update('vlmLens.evalPanel.selected', runId);
    await this.context.workspaceState.update('vlmLens.evalPanel.pinned', pinned);
    await this.push();
  }

  private schedule(): void {
    if (this.timer) return;
    const wait = Math.max(0, 1000 - (Date.now() - this.lastPush));
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.push();
    }, wait);
  }

  private async push(): Promise<void> {
    this.lastPush = Date.now();
    if (this.rpc && this.ready) this.rpc.notify('state', await this.state());
  }

  private async allRuns(): Promise<RunRecord[]> {
    const { runs } = await this.store.list();
    const byId = new Map(runs.map((r) => [r.run.id, r.run]));
    for (const [id, r] of this.live) if (r.status === 'running' || !byId.has(id)) byId.set(id, r);
    return [...byId.values()].sort((a, b) => b.queuedAt.localeCompare(a.queuedAt));
  }

  private async runById(id: string): Promise<RunRecord | undefined> {
    return (await this.allRuns()).find((r) => r.id === id);
  }

  private async samplesOf(run: RunRecord): Promise<SampleResult[]> {
    const hit = this.samples.get(run.id);
    if (hit) return hit;
    const list = await this.store.samples(run);
    this.samples.set(run.id, list);
    while (this.samples.size > SAMPLE_CACHE) this.samples.delete(this.samples.keys().next().value as string);
    return list;
  }

  private async state(): Promise<PanelState> {
    const runs = await this.allRuns();
    const views = runs.map((r) => this.runView(r));
    const files = this.files.list();
    const file = this.selected ? this.files.get(this.selected) : undefined;
    if (file) return { runs: views, files, selected: file.id, pinned: false, file: withoutScenes(file), ...this.overlaysOf(file) };
    const selected = runs.find((r) => r.id === this.selected) ?? runs[0];
    const state: PanelState = { runs: views, files, selected: selected?.id ?? files[0]?.id, pinned: this.pinned && selected?.id === this.selected && runs[0]?.id !== selected?.id, file: selected ? undefined : files[0] && this.files.get(files[0].id) };
    if (!selected) return state;
    const view = views.find((v) => v.id === selected.id);
    const agg = selected.results.find((r) => r.aggregate)?.aggregate;
    if (agg) {
      const samples = await this.samplesOf(selected);
      const scores = samples.map((s) => s.score ?? NaN);
      state.histogram = { metric: agg.kind === 'box' ? 'IoU' : agg.primary.replace(/^mean_/, ''), ...histogram(scores, scoreIsFraction(agg.kind) ? { bins: 10, min: 0, max: 1 } : { bins: 12 }) };
      if (agg.kind === 'trajectory' || agg.kind === 'point') state.trajectory = { unit: agg.unit ?? 'px', curves: errorDistribution(samples, agg.kind === 'point' ? ['distance'] : TRAJECTORY_ERRORS) };
    }
    state.bars = this.bars(runs, selected);
    if (this.compareWith?.for === selected.id) state.compareWith = this.compareWith.with;
    const metric = view?.primary;
    if (metric) state.series = { profile: selected.profile, task: selected.task, metric, higherIsBetter: view.higherIsBetter, points: stepSeries(runs, selected.profile, selected.task, metric) };
    return state;
  }

  private bars(runs: RunRecord[], selected: RunRecord): PanelState['bars'] {
    const ofProfile = barCandidates(runs, selected);
    const known = new Set(ofProfile.map((r) => r.id));
    const stored = this.barRuns[selected.profile]?.filter((id) => known.has(id));
    const chosen = stored && stored.length ? stored : defaultBarRuns(runs, selected);
    const candidates = ofProfile.slice(0, BAR_CANDIDATES);
    // a ticked run stays listed even when it is older than the listed ones
    for (const id of chosen) if (!candidates.some((c) => c.id === id)) candidates.push(ofProfile.find((r) => r.id === id) as RunRecord);
    return {
      groups: taskBars(runs, chosen),
      chosen,
      candidates: candidates.map((r) => ({ id: r.id, checkpointName: r.checkpointName, step: r.step, task: r.task })),
      moreCandidates: ofProfile.length - candidates.length,
    };
  }

  private runView(r: RunRecord): RunView {
    const aggs = r.results.flatMap((x) => (x.aggregate ? [x.aggregate] : []));
    const first = aggs[0];
    const liveSummary = r.status === 'running' ? this.live.get(r.id) : undefined;
    return {
      id: r.id,
      label: runLabel(r),
      profile: r.profile,
      checkpointName: r.checkpointName,
      step: r.step,
      task: r.task,
      status: r.status,
      startedAt: r.startedAt,
      when: runTime(r),
      reused: r.reused?.reason,
      slurm: r.slurm ? `${vscode.l10n.t('Slurm job {0}', r.slurm.jobId)}${r.slurm.node ? ` · ${r.slurm.node}` : ''}: ${describeJob(r.slurm, slurmMessages())}${r.slurm.sbatch.length ? ` · sbatch ${r.slurm.sbatch.join(' ')}` : ''}` : undefined,
      durationMs: r.durationMs ?? (r.startedAt && r.status === 'running' ? Date.now() - Date.parse(r.startedAt) : undefined),
      exitCode: r.exitCode,
      failure: r.failure?.message,
      stderrTail: r.stderrTail,
      samples: liveSummary?.samples ?? r.samples,
      errors: r.errors ?? [],
      metrics: [
        ...aggs.flatMap((a) => Object.entries(a.metrics).map(([name, value]) => ({ task: a.task, name, value, source: 'computed' }))),
        ...r.logMetrics.map((m) => ({ task: m.task, name: m.name, value: m.value, source: m.source })),
      ],
      counts: aggs.map((a) => {
        const c = a.classification ?? a.groups?.find((g) => g.classification)?.classification;
        return { task: a.task, samples: a.samples, unscored: a.unscored, unparsed: a.unparsed, notes: a.notes, kind: a.kind, convention: a.convention, confusion: c ? { classes: c.classes, matrix: c.matrix } : undefined };
      }),
      progress: this.service.progressOf(r.id),
      primary: first?.primary ?? r.logMetrics[0]?.name,
      higherIsBetter: first?.higherIsBetter ?? higherIsBetterByName(r.logMetrics[0]?.name ?? ''),
      hasSamples: r.results.some((x) => x.samplesFile),
      predictionsFile: r.results.find((x) => x.predictionsFile)?.predictionsFile,
    };
  }

  private async querySamples(q: SamplesQuery): Promise<{ total: number; rows: SampleRowView[] }> {
    const run = await this.runById(q.runId);
    if (!run) return { total: 0, rows: [] };
    const list = await this.samplesOf(run);
    const higher = run.results.find((r) => r.aggregate)?.aggregate?.higherIsBetter ?? true;
    let order = orderSamples(list, q.order, higher);
    if (q.range) {
      const [from, to] = q.range;
      order = order.filter((i) => {
        const s = list[i].score;
        return s !== undefined && s >= from && s <= to;
      });
    }
    if (q.text) {
      const t = q.text.toLowerCase();
      order = order.filter((i) => `${list[i].id ?? ''}\n${list[i].predText}\n${list[i].gtText}`.toLowerCase().includes(t));
    }
    const rows = order.slice(q.start, q.start + Math.min(q.count, 500)).map((i): SampleRowView => {
      const s = list[i];
      return { index: s.index, line: s.line, id: s.id, score: s.score, pred: s.predText.slice(0, 300), gt: s.gtText.slice(0, 300), note: s.note };
    });
    return { total: order.length, rows };
  }

  /**
   * The overlays of a selected file: the curves of the other ticked files, and for a PDM
   * result file the first other PDM file, scene by scene.
   */
  private overlaysOf(file: MetricsFileState): Pick<PanelState, 'overlays' | 'pdmCompare'> {
    const others = this.overlayIds.flatMap((id) => {
      const f = this.files.get(id);
      return f && f.id !== file.id ? [f] : [];
    });
    const out: Pick<PanelState, 'overlays' | 'pdmCompare'> = {};
    const withCurves = others.filter((f) => f.view.curves.length);
    if (withCurves.length && file.view.curves.length) out.overlays = withCurves.map((f) => ({ id: f.id, name: f.name, curves: f.view.curves }));
    const pdm = others.find((f) => f.view.pdm);
    if (file.view.pdm && pdm?.view.pdm) out.pdmCompare = { other: pdm.id, otherName: pdm.name, ...comparePdm(file.view.pdm.sceneList, pdm.view.pdm.sceneList) };
    return out;
  }

  private async compare(a: string, b: string): Promise<CompareView | { error: string }> {
    const ra = await this.runById(a);
    const rb = await this.runById(b);
    if (!ra || !rb) return { error: vscode.l10n.t('Run not found.') };
    const agg = rb.results.find((r) => r.aggregate)?.aggregate;
    if (!agg) return { error: vscode.l10n.t('{0} has no per-sample results to compare.', runLabel(rb)) };
    const c = compareSamples(await this.samplesOf(ra), await this.samplesOf(rb), agg.higherIsBetter);
    return { a, b, metric: agg.primary, higherIsBetter: agg.higherIsBetter, ...c };
  }

  private async openSample(runId: string, index: number): Promise<void> {
    const run = await this.runById(runId);
    const file = run?.results.find((r) => r.predictionsFile)?.predictionsFile;
    if (!file || !mayOpen(file)) return;
    await this.openRecord(vscode.Uri.file(file), index);
  }

  private async saveAs(name: string, filters: Record<string, string[]>, data: string | Uint8Array): Promise<void> {
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    const uri = await vscode.window.showSaveDialog({ defaultUri: folder ? vscode.Uri.joinPath(folder, name) : undefined, filters });
    if (!uri) return;
    await writeFile(uri.fsPath, data);
    void vscode.window.showInformationMessage(vscode.l10n.t('Saved {0}', uri.fsPath));
  }

  private async exportSamples(runId: string, order: SamplesQuery['order']): Promise<void> {
    const run = await this.runById(runId);
    if (!run) return;
    const list = await this.samplesOf(run);
    const higher = run.results.find((r) => r.aggregate)?.aggregate?.higherIsBetter ?? true;
    const rows = orderSamples(list, order, higher).map((i) => {
      const s = list[i];
      return [s.index, s.line === undefined ? undefined : s.line + 1, s.id, s.score, s.predText, s.gtText, s.note];
    });
    await this.saveAs(`${run.checkpointName}-${run.task ?? 'samples'}.csv`, { CSV: ['csv'] }, toCsv(['index', 'line', 'id', 'score', 'pred', 'gt', 'note'], rows));
  }

  private async exportCompare(a: string, b: string): Promise<void> {
    const c = await this.compare(a, b);
    if ('error' in c) return;
    await this.saveAs(`compare-${a}-${b}.csv`, { CSV: ['csv'] }, toCsv(['id', 'a', 'b', 'delta', 'change'], c.rows.map((r) => [r.id, r.a, r.b, r.delta, r.change])));
  }

  private async exportFileMetrics(id: string): Promise<void> {
    const file = this.files.get(id);
    if (!file) return;
    await this.saveAs(`${file.name.replace(/\.[^.]+$/, '')}-metrics.csv`, { CSV: ['csv'] }, toCsv(['task', 'metric', 'value', 'source'], file.view.metrics.map((m) => [m.task, m.name, m.value, m.source])));
  }

  private async savePng(name: string, dataUrl: string): Promise<void> {
    const m = /^data:image\/png;base64,(.+)$/.exec(dataUrl);
    if (!m) return;
    await this.saveAs(name.endsWith('.png') ? name : `${name}.png`, { PNG: ['png'] }, Buffer.from(m[1], 'base64'));
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    for (const s of this.subs) s.dispose();
  }
}

/**
 * Paths in run records come from the workspace's `.vlm-lens` folder: in Restricted Mode only
 * files inside the workspace are opened from them (and a refusal is said).
 */
function mayOpen(path: string): boolean {
  if (vscode.workspace.isTrusted) return true;
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  if (folder && isInside(folder, path) && resolve(folder, path) !== folder) return true;
  void vscode.window.showWarningMessage(vscode.l10n.t('In Restricted Mode VLM Lens opens only files inside the workspace from run records: {0}', path));
  return false;
}

/** A file's state for the webview: a PDM file's per-scene list stays on the host (thousands of rows; the panel gets the summary). */
function withoutScenes(file: MetricsFileState): MetricsFileState {
  const pdm = file.view.pdm;
  return pdm ? { ...file, view: { ...file.view, pdm: { ...pdm, sceneList: [] } } } : file;
}
