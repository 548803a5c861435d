import * as vscode from 'vscode';
import { basename, dirname, join } from 'node:path';
import { openLeRobot, leRobotRootOf, type LeRobotDataset } from '../core/lerobot/dataset';
import { readEpisodeFrames } from '../core/lerobot/frames';
import { confinedPath, looksLikeLeRobotInfo } from '../core/lerobot/meta';
import { computeStats, datasetView, labelBalance, scoreClassifierFile } from '../core/lerobot/views';
import type { CameraPane, EpisodeView, LeRobotCommands, LeRobotEvents, LeRobotRequests } from '../protocol/lerobot';
import { RpcEndpoint } from '../protocol/rpc';
import { buildWebviewHtml, webviewOptions } from '../util/webviewHtml';
import { serveVideo } from '../editor/videoBridge';
import { lerobotStrings } from './lerobotStrings';

type HostEndpoint = RpcEndpoint<Record<string, never>, LeRobotRequests, LeRobotEvents, LeRobotCommands>;

/** The most meta/info.json files looked at for the Explorer's "Open in VLM Lens" on folders. */
const ROOTS_SCANNED = 500;

/**
 * LeRobot dataset views: one editor panel per dataset folder (Open in VLM Lens on the folder
 * or on its meta/info.json). The dataset is read in core; this adapter serves its videos to
 * the page (through links in the cache folder, never the files' own paths) and answers the
 * page's requests.
 */
export class LeRobotPanels implements vscode.Disposable {
  static readonly viewType = 'vlmLens.lerobot';
  private readonly panels = new Map<string, vscode.WebviewPanel>();
  private readonly subs: vscode.Disposable[] = [];

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly cacheDir: vscode.Uri,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.subs.push(
      vscode.commands.registerCommand('vlmLens.openLeRobotDataset', async (uri?: vscode.Uri) => {
        let target = uri instanceof vscode.Uri ? uri : undefined;
        if (!target) {
          const picked = await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, openLabel: vscode.l10n.t('Open LeRobot Dataset') });
          target = picked?.[0];
        }
        if (!target) return;
        const root = await leRobotRootOf(target.fsPath);
        if (!root) return void vscode.window.showWarningMessage(vscode.l10n.t('{0} is not a LeRobot dataset folder: it has no meta/info.json.', target.fsPath));
        await this.open(root);
      }),
    );
    // the Explorer offers "Open in VLM Lens" on dataset folders: their paths, kept current
    const watcher = vscode.workspace.createFileSystemWatcher('**/meta/info.json');
    this.subs.push(watcher, watcher.onDidCreate(() => void this.scanRoots()), watcher.onDidDelete(() => void this.scanRoots()), vscode.workspace.onDidChangeWorkspaceFolders(() => void this.scanRoots()));
    void this.scanRoots();
  }

  /** Whether `uri` is a LeRobot dataset (the folder or its meta/info.json); opens it if so. */
  async openIfDataset(uri: vscode.Uri): Promise<boolean> {
    if (uri.scheme !== 'file') return false;
    const root = await leRobotRootOf(uri.fsPath);
    if (!root) return false;
    try {
      const text = await vscode.workspace.fs.readFile(vscode.Uri.file(join(root, 'meta', 'info.json')));
      if (!looksLikeLeRobotInfo(Buffer.from(text).toString('utf8'))) return false;
    } catch {
      return false;
    }
    await this.open(root);
    return true;
  }

  private async scanRoots(): Promise<void> {
    try {
      const files = await vscode.workspace.findFiles('**/meta/info.json', '**/node_modules/**', ROOTS_SCANNED);
      const roots: string[] = [];
      for (const f of files) {
        const bytes = await vscode.workspace.fs.readFile(f).then(
          (b) => b,
          () => undefined,
        );
        if (bytes && bytes.length < 4 * 1024 * 1024 && looksLikeLeRobotInfo(Buffer.from(bytes).toString('utf8'))) roots.push(dirname(dirname(f.fsPath)));
      }
      await vscode.commands.executeCommand('setContext', 'vlmLens.leRobotRoots', roots);
    } catch (e) {
      this.log.warn(`LeRobot dataset scan failed: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  async open(root: string): Promise<void> {
    const existing = this.panels.get(root);
    if (existing) {
      existing.reveal();
      return;
    }
    let ds: LeRobotDataset;
    try {
      ds = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: vscode.l10n.t('Reading LeRobot dataset {0}…', basename(root)) }, () => openLeRobot(root));
    } catch (e) {
      void vscode.window.showErrorMessage(vscode.l10n.t('Cannot open {0} as a LeRobot dataset: {1}', root, e instanceof Error ? e.message : String(e)));
      return;
    }
    const panel = vscode.window.createWebviewPanel(LeRobotPanels.viewType, vscode.l10n.t('LeRobot: {0}', ds.name), vscode.ViewColumn.Active, {
      ...webviewOptions(this.context.extensionUri, [this.cacheDir]),
      retainContextWhenHidden: true,
    });
    this.panels.set(root, panel);
    panel.webview.html = buildWebviewHtml(panel.webview, this.context.extensionUri, { title: `LeRobot ${ds.name}`, script: 'lerobot', styles: ['lerobot.css'] });
    const rpc: HostEndpoint = new RpcEndpoint((m) => void panel.webview.postMessage(m), 0, (method, e) => this.log.error(`LeRobot view ${method} failed: ${String(e)}`));
    const subs = [panel.webview.onDidReceiveMessage((m: unknown) => void rpc.handleMessage(m))];
    panel.onDidDispose(() => {
      for (const s of subs) s.dispose();
      rpc.dispose();
      this.panels.delete(root);
    });
    const positionKey = `vlmLens.lerobot.position:${root}`;
    rpc.onRequest('ready', () => ({ strings: lerobotStrings(), dataset: datasetView(ds), position: this.context.workspaceState.get<{ episode: number; frame: number }>(positionKey) }));
    rpc.onRequest('episode', ({ index }) => this.episode(panel.webview, ds, index));
    rpc.onRequest('balance', async () => (await labelBalance(ds)) ?? null);
    rpc.onRequest('computeStats', () => computeStats(ds));
    rpc.onRequest('loadPredictions', async () => {
      const picked = await vscode.window.showOpenDialog({ canSelectFiles: true, canSelectMany: false, defaultUri: vscode.Uri.file(dirname(root)), filters: { [vscode.l10n.t('Predictions')]: ['jsonl', 'json', 'ndjson'] }, openLabel: vscode.l10n.t('Score Against This Dataset') });
      if (!picked?.[0]) return null;
      return scoreClassifierFile(picked[0].fsPath, ds);
    });
    rpc.onNotification('position', (p) => void this.context.workspaceState.update(positionKey, p));
    rpc.onNotification('openFile', ({ relativePath }) => {
      void confinedPath(root, relativePath).then((p) => vscode.commands.executeCommand('vscode.open', vscode.Uri.file(p)));
    });
  }

  private async episode(webview: vscode.Webview, ds: LeRobotDataset, index: number): Promise<EpisodeView> {
    const ep = ds.episodes.find((e) => e.index === index);
    if (!ep) throw new Error(`episode ${index} is not in the dataset`);
    const cameras: CameraPane[] = [];
    for (const v of ep.videos) {
      const feature = ds.info.features.find((f) => f.key === v.key);
      const pane: CameraPane = { key: v.key, label: v.key.replace(/^observation\.images\./, ''), codec: feature?.video?.codec, from: v.from, file: v.file, status: 'missing', message: v.file };
      if (v.exists) {
        try {
          const served = await serveVideo(webview, this.cacheDir, await confinedPath(ds.root, v.file));
          Object.assign(pane, { status: 'ok', uri: served.uri, mime: served.mime });
        } catch (e) {
          Object.assign(pane, { status: 'outside', message: e instanceof Error ? e.message : String(e) });
        }
      }
      cameras.push(pane);
    }
    if (!ep.dataExists) return { episode: ep.index, task: ep.tasks[0], rows: 0, frameIndex: [], timestamp: [], signals: [], cameras, problems: ep.problems, framesNotRead: 0 };
    const frames = await readEpisodeFrames(ds, ep);
    return {
      episode: ep.index,
      task: ep.tasks[0],
      rows: frames.rows,
      frameIndex: frames.frameIndex,
      timestamp: frames.timestamp,
      signals: frames.signals,
      labels: frames.labels,
      cameras,
      problems: [...ep.problems, ...frames.problems],
      framesNotRead: frames.framesNotRead,
    };
  }

  dispose(): void {
    for (const p of this.panels.values()) p.dispose();
    for (const s of this.subs) s.dispose();
  }
}
