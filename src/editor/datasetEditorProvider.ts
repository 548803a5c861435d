import * as vscode from 'vscode';
import { RpcEndpoint } from '../protocol/rpc';
import { type ProblemView, type RecordScoresView, type ValidationView, type ViewerCommands, type ViewerEvents, type ViewerRequests } from '../protocol/datasetViewer';
import { QueryCancelled, QueryError } from '../core/query/recordTable';
import { SearchSyntaxError } from '../core/search/searchRecords';
import { FORMAT_LABELS } from '../core/records/model';
import { AbortError } from '../core/index/recordIndex';
import { JobCancelledError } from '../workers/datasetWorkerClient';
import { buildWebviewHtml, webviewOptions } from '../util/webviewHtml';
import { disposeAll } from '../util/dispose';
import { DatasetDocument, scanView } from './datasetDocument';
import { type ImageBridge } from './imageBridge';
import { VideoBridge } from './videoBridge';
import { describeRecordFields } from '../core/formats/userFormats';
import { basename, dirname } from 'node:path';
import { checkMetaPaths } from '../core/dataset/metaPaths';
import { type ViewerConfig } from './viewerConfig';
import { type OverlayConfig } from './overlayConfig';
import { noticeText, viewerStrings } from './viewerStrings';

/** What the viewer needs from validation (the diagnostics service). */
export interface ViewerValidation {
  attachViewer(doc: DatasetDocument): void;
  validationView(uri: vscode.Uri): ValidationView | undefined;
  readonly onDidChangeDisk: vscode.Event<{ uri: vscode.Uri }>;
  recordCodes(uri: vscode.Uri, record: number): string[] | undefined;
  recordSeverity(codes: string[]): 'error' | 'warning' | 'info' | undefined;
  problemRecords(uri: vscode.Uri, code: string | null): number[];
  recordProblems(doc: DatasetDocument, index: number): Promise<ProblemView[]>;
}

type HostEndpoint = RpcEndpoint<Record<string, never>, ViewerRequests, ViewerEvents, ViewerCommands>;

interface Panel {
  doc: DatasetDocument;
  panel: vscode.WebviewPanel;
  rpc: HostEndpoint;
}

/**
 * The dataset viewer: a read-only custom editor over the file on disk (the file never
 * goes through openTextDocument, whatever its size). One DatasetDocument per file, any
 * number of panels on it.
 */
export class DatasetEditorProvider implements vscode.CustomReadonlyEditorProvider<DatasetDocument> {
  /** `.jsonl`, `.ndjson` and dataset-like `.json` names: opens by default */
  static readonly viewType = 'vlmLens.dataset';
  /** any `.json`: offered through "Open Records in VLM Lens" / "Reopen Editor With…" */
  static readonly jsonViewType = 'vlmLens.datasetJson';

  private readonly panels = new Set<Panel>();
  private readonly videos: VideoBridge;
  private active: Panel | undefined;
  /** validation of the files open in the viewer (set once the diagnostics are wired) */
  validation: ViewerValidation | undefined;
  /** a record's scores in recent eval runs (set once eval is wired; absent without a workspace) */
  recordScores: ((file: string, index: number, id: string | undefined) => Promise<RecordScoresView | undefined>) | undefined;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly config: ViewerConfig,
    private readonly images: ImageBridge,
    private readonly overlay: OverlayConfig,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.videos = new VideoBridge(images.cacheDir, images);
  }

  static register(context: vscode.ExtensionContext, config: ViewerConfig, images: ImageBridge, overlay: OverlayConfig, log: vscode.LogOutputChannel): DatasetEditorProvider {
    const provider = new DatasetEditorProvider(context, config, images, overlay, log);
    const options = { webviewOptions: { retainContextWhenHidden: false }, supportsMultipleEditorsPerDocument: true };
    context.subscriptions.push(
      vscode.window.registerCustomEditorProvider(DatasetEditorProvider.viewType, provider, options),
      vscode.window.registerCustomEditorProvider(DatasetEditorProvider.jsonViewType, provider, options),
    );
    return provider;
  }

  /** The viewer panel the user worked in last. */
  get activePanel(): { doc: DatasetDocument; goTo(index: number): void } | undefined {
    const p = this.active;
    return p ? { doc: p.doc, goTo: (index) => p.rpc.notify('goToRecord', { index }) } : undefined;
  }

  /**
   * Reopen as Text: the file in VS Code's text editor, in the viewer's column, with the cursor
   * on the line of the record selected in the viewer; the viewer's tab is closed, so one tab
   * stands for the file and a click in Problems lands in the text, not in the viewer.
   */
  async reopenAsText(uri: vscode.Uri, column?: vscode.ViewColumn): Promise<void> {
    const key = uri.toString();
    const panel = [...this.panels].find((p) => p.doc.uri.toString() === key);
    const selected = panel?.doc.lastSelected;
    const line = panel && selected !== undefined && selected < panel.doc.index.readyCount ? panel.doc.index.lineOf(selected) : undefined;
    const at = line === undefined ? undefined : new vscode.Range(line, 0, line, 0);
    await vscode.commands.executeCommand('vscode.openWith', uri, 'default', { viewColumn: column ?? panel?.panel.viewColumn, selection: at, preview: false } satisfies vscode.TextDocumentShowOptions);
    await this.closeViewerTabs(key);
  }

  /**
   * Closes this viewer's tabs of a file (in one column, or all), as they are now: tab objects
   * from before an editor opened are stale and cannot be closed.
   */
  private async closeViewerTabs(key: string, column?: vscode.ViewColumn): Promise<void> {
    const ours = vscode.window.tabGroups.all
      .filter((g) => column === undefined || g.viewColumn === column)
      .flatMap((g) => g.tabs)
      .filter((t) => t.input instanceof vscode.TabInputCustom && t.input.uri.toString() === key && (t.input.viewType === DatasetEditorProvider.viewType || t.input.viewType === DatasetEditorProvider.jsonViewType));
    if (ours.length) await vscode.window.tabGroups.close(ours, true);
  }

  /** The viewer for a file: the JSONL one, or the one for JSON documents. */
  static viewTypeFor(uri: vscode.Uri): string {
    return /\.(jsonl|ndjson|parquet)$/i.test(uri.path) ? DatasetEditorProvider.viewType : DatasetEditorProvider.jsonViewType;
  }

  /** files VLM Lens itself asked to show in the viewer, for a few seconds: never sent back to their text */
  private readonly asked = new Map<string, ReturnType<typeof setTimeout>>();

  /** Marks that the viewer is wanted for `uri` (Open Records in VLM Lens, a sample from the Eval panel). */
  wantViewer(uri: vscode.Uri): void {
    const key = uri.toString();
    clearTimeout(this.asked.get(key));
    this.asked.set(
      key,
      setTimeout(() => this.asked.delete(key), 5000),
    );
  }

  /**
   * VS Code opens a file's default editor (this viewer) even where the file is open as text
   * in the same group: a click on a problem, Go to File. When nothing of VLM Lens asked for
   * the viewer and the text tab is still there a moment later (Reopen Editor With… replaces
   * it, and then the viewer stays), the text is shown again and this viewer closed.
   */
  private async backToText(doc: DatasetDocument, panel: vscode.WebviewPanel): Promise<boolean> {
    const key = doc.uri.toString();
    if (this.asked.has(key) || doc.uri.scheme !== 'file') return false;
    const textTab = () =>
      vscode.window.tabGroups.all.find((g) => g.viewColumn === panel.viewColumn)?.tabs.find((t) => t.input instanceof vscode.TabInputText && t.input.uri.toString() === key);
    if (!textTab()) return false;
    await new Promise((r) => setTimeout(r, 300));
    if (!textTab() || this.asked.has(key)) return false;
    await vscode.window.showTextDocument(doc.uri, { viewColumn: panel.viewColumn, preview: false });
    await this.closeViewerTabs(key, panel.viewColumn);
    return true;
  }

  /** Opens `uri` in the viewer at record `index` (e.g. a sample linked from the eval panel). */
  async revealRecord(uri: vscode.Uri, index: number): Promise<void> {
    this.wantViewer(uri);
    const viewType = DatasetEditorProvider.viewTypeFor(uri);
    for (const p of this.panels) if (p.doc.uri.toString() === uri.toString()) p.doc.lastSelected = index;
    await vscode.commands.executeCommand('vscode.openWith', uri, viewType);
    for (const p of this.panels) {
      if (p.doc.uri.toString() !== uri.toString()) continue;
      // a panel that is still loading starts at lastSelected; a ready one is told to go there
      p.doc.lastSelected = index;
      p.rpc.notify('goToRecord', { index });
    }
  }

  /** Called by VS Code when a dataset is opened in the viewer (once per file). */
  async openCustomDocument(uri: vscode.Uri): Promise<DatasetDocument> {
    const doc = await this.openDocument(uri);
    // a Parquet dataset is validated through its conversion once it is written, its problems placed on rows
    this.validation?.attachViewer(doc);
    return doc;
  }

  /** A dataset document over the file on disk; `headless`: for validation only (no viewer). */
  openDocument(uri: vscode.Uri, headless = false): Promise<DatasetDocument> {
    const workerScript = vscode.Uri.joinPath(this.context.extensionUri, 'dist', 'datasetWorker.js').fsPath;
    return DatasetDocument.open(
      uri,
      {
        config: this.config,
        overlay: this.overlay,
        firstImageSize: (doc, rec) => this.images.firstImageSize(doc, rec),
        workerScript,
        log: this.log,
        parquetCacheDir: vscode.Uri.joinPath(this.context.globalStorageUri, 'parquet').fsPath,
      },
      { headless },
    );
  }

  /** Called by VS Code for every editor panel showing the document. */
  resolveCustomEditor(doc: DatasetDocument, panel: vscode.WebviewPanel): void {
    void this.backToText(doc, panel).catch((e: unknown) => this.log.warn(`could not show ${doc.uri.fsPath} as text again: ${String(e)}`));
    const webview = panel.webview;
    webview.options = webviewOptions(this.context.extensionUri, [this.images.cacheDir]);
    const disposables: vscode.Disposable[] = [];
    let ready = false;
    const rpc: HostEndpoint = new RpcEndpoint(
      (m) => void webview.postMessage(m),
      0,
      (method, e) => this.log.error(`viewer notification ${method} failed: ${String(e)}`),
    );
    const entry: Panel = { doc, panel, rpc };
    this.panels.add(entry);
    if (panel.active) this.active = entry;
    const imageRequests = new Map<number, AbortController>();
    let search: { id: number; ac: AbortController } | undefined;
    let query: { id: number; ac: AbortController } | undefined;
    let nextSearchId = 1;

    disposables.push(webview.onDidReceiveMessage((m: unknown) => void rpc.handleMessage(m)));
    disposables.push(panel.onDidChangeViewState(() => {
      if (panel.active) this.active = entry;
    }));
    const notify = <K extends keyof ViewerEvents>(method: K, params: ViewerEvents[K]) => {
      if (ready) rpc.notify(method, params);
    };
    disposables.push(doc.onIndexProgress((s) => notify('indexProgress', s.done ? { ...s, notices: doc.notices(noticeText) } : s)));
    disposables.push(doc.onScanProgress((s) => notify('scanProgress', s)));
    disposables.push(doc.onFileChanged((c) => notify('fileChanged', c)));
    disposables.push(doc.onOverlayState((o) => notify('overlayState', o)));
    const validation = this.validation;
    if (validation) {
      disposables.push(
        validation.onDidChangeDisk(({ uri }) => {
          const view = uri.toString() === doc.uri.toString() ? validation.validationView(uri) : undefined;
          if (view) notify('validation', view);
        }),
      );
    }

    rpc.onRequest('ready', () => {
      ready = true;
      const scan = scanView(doc.scanStatus, doc.scanStatus.problems, true);
      return {
        fileName: doc.fileName,
        fileSize: doc.indexStatus.totalBytes,
        kind: doc.index.kind,
        queryable: doc.querySession() !== undefined,
        parquet: doc.parquet !== undefined,
        strings: viewerStrings(),
        formatLabels: FORMAT_LABELS,
        index: doc.indexStatus,
        notices: doc.notices(noticeText),
        scan,
        overlay: doc.overlayState(),
        initialIndex: doc.lastSelected,
        deleted: doc.deleted,
        validation: validation?.validationView(doc.uri),
      };
    });
    rpc.onRequest('getRows', async ({ start, count }) => {
      const rows = await doc.rows(start, Math.min(count, 500));
      if (validation)
        for (const r of rows) {
          r.problemCodes = validation.recordCodes(doc.uri, r.index);
          if (r.problemCodes) r.problemSeverity = validation.recordSeverity(r.problemCodes);
        }
      return rows;
    });
    rpc.onRequest('getRecord', async ({ index }) => {
      const d = await doc.detail(index);
      if (validation) d.problems = await validation.recordProblems(doc, index);
      // an InternVL meta file: say which annotation files and roots exist (from the workspace folder or beside the file)
      if (d.record?.metaEntries && doc.uri.scheme === 'file') {
        const folder = vscode.workspace.getWorkspaceFolder(doc.uri)?.uri.fsPath;
        d.record.metaEntries = await checkMetaPaths(d.record.metaEntries, [...(folder ? [folder] : []), dirname(doc.uri.fsPath)]);
      }
      return d;
    });
    rpc.onRequest('recordScores', async ({ index, id }) => {
      if (!this.recordScores || doc.uri.scheme !== 'file') return null;
      return (await this.recordScores(doc.uri.fsPath, index, id).catch((e: unknown) => this.log.warn(`record scores: ${String(e)}`))) ?? null;
    });
    rpc.onRequest('problemRecords', ({ code }) => ({ records: validation?.problemRecords(doc.uri, code) ?? [] }));
    rpc.onRequest('getImage', async ({ index, image, maxSize, requestId }) => {
      const ac = new AbortController();
      imageRequests.set(requestId, ac);
      try {
        return await this.images.view(webview, doc, index, image, maxSize, ac.signal);
      } finally {
        imageRequests.delete(requestId);
      }
    });
    rpc.onRequest('getVideo', ({ index, video }) => this.videos.view(webview, doc, index, video));
    rpc.onRequest('describeFormat', async ({ index }) => {
      const rec = await doc.record(index);
      const spec = describeRecordFields(rec?.value, basename(doc.uri.fsPath));
      const text = `// ${vscode.l10n.t('A starting descriptor for this file: check the field names, then add the object to the "vlmLens.formats" setting (a list).')}\n${JSON.stringify([spec], null, 2)}\n`;
      const d = await vscode.workspace.openTextDocument({ language: 'jsonc', content: text });
      await vscode.window.showTextDocument(d, { viewColumn: vscode.ViewColumn.Beside, preview: false });
      return null;
    });
    rpc.onNotification('cancelImages', ({ requestIds }) => {
      for (const id of requestIds) imageRequests.get(id)?.abort();
    });
    rpc.onRequest('startSearch', (q) => {
      search?.ac.abort();
      const id = nextSearchId++;
      const ac = new AbortController();
      search = { id, ac };
      let last = 0;
      let pending: number[] = [];
      doc
        .search({ text: q.text, regex: q.regex, caseSensitive: q.caseSensitive }, this.config.maxSearchResults(), ac.signal, (u) => {
          // batched: at most ~10 notifications a second, and always the last one
          pending = pending.concat(u.matches);
          if (!u.done && Date.now() - last < 100) return;
          last = Date.now();
          notify('searchProgress', { searchId: id, matches: pending, scannedBytes: u.scannedBytes, totalBytes: u.totalBytes, totalMatches: u.totalMatches, done: u.done, capped: u.capped });
          pending = [];
        })
        .catch((e: unknown) => {
          if (e instanceof JobCancelledError || e instanceof AbortError) return;
          const message = e instanceof SearchSyntaxError ? vscode.l10n.t('Invalid regular expression: {0}', e.message) : String(e);
          notify('searchProgress', { searchId: id, matches: [], scannedBytes: 0, totalBytes: 0, totalMatches: 0, done: true, capped: false, error: message });
        });
      return { searchId: id };
    });
    rpc.onNotification('cancelSearch', ({ searchId }) => {
      if (search?.id === searchId) search.ac.abort();
    });
    // the filter: a SQL condition over the records' fields, through DuckDB (src/core/query)
    rpc.onRequest('queryFields', async () => {
      const session = doc.querySession();
      if (!session) return { fields: [], error: vscode.l10n.t('Filtering needs JSON Lines, a JSON array of records or Parquet on disk.') };
      try {
        return { fields: await session.fields() };
      } catch (e) {
        return { fields: [], error: e instanceof Error ? e.message : String(e) };
      }
    });
    /**
     * One exploration job at a time (a filter, the statistics, the duplicates): a new one
     * cancels the one running; a cancelled one answers `cancelled`, a failed one `failed(e)`.
     */
    const exploreJob = async <R extends object>(queryId: number, what: string, work: (signal: AbortSignal) => Promise<R>, failed: (e: unknown) => R): Promise<R | { queryId: number; cancelled: true }> => {
      query?.ac.abort();
      const ac = new AbortController();
      query = { id: queryId, ac };
      try {
        return await work(ac.signal);
      } catch (e) {
        if (e instanceof QueryCancelled || e instanceof AbortError || ac.signal.aborted) return { queryId, cancelled: true };
        if (!(e instanceof QueryError)) this.log.error(`${what} of ${doc.uri.fsPath} failed: ${String(e)}`);
        return failed(e);
      } finally {
        if (query?.id === queryId) query = undefined;
      }
    };
    const message = (e: unknown) => (e instanceof Error ? e.message : String(e));
    const unavailable = () => vscode.l10n.t('Filtering needs JSON Lines, a JSON array of records or Parquet on disk.');
    rpc.onRequest('queryRecords', ({ text, queryId }) =>
      exploreJob<ViewerRequests['queryRecords']['result']>(
        queryId,
        'filtering',
        async (signal) => {
          const session = doc.querySession();
          if (!session) return { queryId, error: { message: unavailable(), part: 'file' as const } };
          const started = Date.now();
          let phase: 'schema' | 'filter' = 'filter';
          await doc.indexed(signal);
          const out = await session.run(text, doc.index.count, {
            signal,
            onPhase: (p) => {
              phase = p;
              notify('queryProgress', { queryId, percent: 0, phase });
            },
            onProgress: (percent) => notify('queryProgress', { queryId, percent, phase }),
          });
          return { queryId, records: Array.from(out.records), sorted: out.sorted, total: out.total, unreadable: out.unreadable, ms: Date.now() - started };
        },
        (e) => ({ queryId, error: e instanceof QueryError ? { message: e.message, at: e.at, part: e.part } : { message: message(e), part: 'file' as const } }),
      ),
    );
    rpc.onRequest('fieldStats', ({ queryId }) =>
      exploreJob<ViewerRequests['fieldStats']['result']>(
        queryId,
        'field statistics',
        async (signal) => {
          const session = doc.querySession();
          if (!session) return { queryId, error: unavailable() };
          const started = Date.now();
          let phase: 'schema' | 'stats' = 'stats';
          await doc.indexed(signal);
          // the records as VLM records (this process) while DuckDB reads the fields (its threads)
          const records = doc.recordStats({ cap: RECORD_STATS_CAP, signal });
          records.catch(() => undefined);
          const stats = await session.stats(doc.index.count, {
            signal,
            onPhase: (p) => {
              phase = p === 'schema' ? 'schema' : 'stats';
              notify('queryProgress', { queryId, percent: 0, phase });
            },
            onProgress: (percent) => {
              if (phase === 'schema') notify('queryProgress', { queryId, percent, phase });
            },
            onField: (done, total) => notify('queryProgress', { queryId, percent: total ? (100 * done) / total : 100, phase: 'stats' }),
          });
          return { queryId, stats, records: await records, ms: Date.now() - started };
        },
        (e) => ({ queryId, error: message(e) }),
      ),
    );
    rpc.onRequest('findDuplicates', ({ queryId }) =>
      exploreJob<ViewerRequests['findDuplicates']['result']>(
        queryId,
        'looking for duplicates',
        async (signal) => {
          const started = Date.now();
          let last = 0;
          const r = await doc.duplicates({
            signal,
            onProgress: (done, total) => {
              if (Date.now() - last < 200 && done < total) return;
              last = Date.now();
              notify('queryProgress', { queryId, percent: total ? (100 * done) / total : 100, phase: 'dedup' });
            },
          });
          return { queryId, clusters: r.clusters, duplicates: r.duplicates, exactDuplicates: r.exactDuplicates, ms: Date.now() - started };
        },
        (e) => ({ queryId, error: message(e) }),
      ),
    );
    rpc.onNotification('cancelQuery', ({ queryId }) => {
      if (query?.id === queryId) query.ac.abort();
    });
    rpc.onNotification('openAtLine', ({ line, column }) => void openAtLine(doc.uri, line, column));
    rpc.onNotification('openImageRoots', () => void vscode.commands.executeCommand('workbench.action.openSettings', 'vlmLens.imageRoots'));
    rpc.onNotification('reopenAsText', () => void this.reopenAsText(doc.uri, panel.viewColumn));
    rpc.onNotification('copy', ({ text }) => void vscode.env.clipboard.writeText(text));
    rpc.onNotification('selectionChanged', ({ index }) => {
      doc.lastSelected = index;
    });
    rpc.onNotification('showRun', ({ runId }) => void vscode.commands.executeCommand('vlmLens.showRun', runId));
    rpc.onNotification('setConvention', ({ convention }) => void this.overlay.setOverride(doc.uri, convention ?? undefined));

    panel.onDidDispose(() => {
      search?.ac.abort();
      query?.ac.abort();
      for (const ac of imageRequests.values()) ac.abort();
      rpc.dispose();
      disposeAll(disposables);
      this.panels.delete(entry);
      if (this.active === entry) this.active = undefined;
    });

    webview.html = buildWebviewHtml(webview, this.context.extensionUri, {
      title: 'VLM Lens Dataset',
      script: 'datasetViewer',
      styles: ['virtualList.css', 'viewer.css'],
    });
  }
}

/** records read for the viewer's record statistics (turns, text per role, where boxes fall): the rest is said, not read */
const RECORD_STATS_CAP = 50_000;

/** Opens the file in VS Code's text editor with the cursor at a 0-based position. */
export async function openAtLine(uri: vscode.Uri, line: number, column: number): Promise<void> {
  const pos = new vscode.Position(Math.max(0, line), Math.max(0, column));
  await vscode.commands.executeCommand('vscode.openWith', uri, 'default', { selection: new vscode.Range(pos, pos), preview: false } satisfies vscode.TextDocumentShowOptions);
}
