import * as vscode from 'vscode';
import { basename } from 'node:path';
import { MemoryFile, NodeFile, type RandomAccessFile } from '../core/io/randomAccessFile';
import { AbortError, RecordIndex, type IndexProgress } from '../core/index/recordIndex';
import { loadRecords, type LoadedRecord } from '../core/dataset/loadRecords';
import { emptyScan, scanRecords, type ScanStatus } from '../core/dataset/scanRecords';
import { summarize } from '../core/records/normalize';
import { searchRecords, SearchSyntaxError, type SearchQuery, type SearchUpdate } from '../core/search/searchRecords';
import { DatasetWorkerClient, JobCancelledError, JobFailedError } from '../workers/datasetWorkerClient';
import { type IndexStatus, type OverlayState, type RecordDetail, type RecordGeometryView, type RowInfo, type ScanStatusView } from '../protocol/datasetViewer';
import { extractGeometry } from '../core/geometry/extract';
import { type FileConvention } from '../core/geometry/detect';
import { type Size } from '../core/geometry/types';
import { sampleFileConvention } from '../core/dataset/conventionSample';
import { Disposable } from '../util/dispose';
import { QuerySession } from '../core/query/querySession';
import { exportParquet } from '../core/query/parquetExport';
import { NearDuplicateFinder, dedupTexts, type DedupResult } from '../core/dedup/nearDuplicates';
import { RecordStatsAccumulator, type RecordStats } from '../core/dataset/recordStats';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { tableKindOf } from '../core/query/recordTable';
import { type ViewerConfig } from './viewerConfig';
import { type OverlayConfig } from './overlayConfig';

/** What a dataset document needs from the extension. */
export interface DatasetServices {
  config: ViewerConfig;
  overlay: OverlayConfig;
  /** the displayed size of a record's first image, if it can be read */
  firstImageSize: (doc: DatasetDocument, rec: LoadedRecord) => Promise<Size | undefined>;
  workerScript: string;
  log: vscode.LogOutputChannel;
  /** where Parquet datasets are converted to JSON Lines for the viewer (the extension's storage) */
  parquetCacheDir?: string;
}

export type FileChange = { kind: 'appended' | 'rewritten' | 'deleted' | 'restored'; records: number };

const MAX_RAW_CHARS = 200_000;
/** Records whose image size is read from the file (header) for the statistics; the rest are counted. */
const IMAGE_SIZES_READ = 500;

/** The webview's view of a scan: counts, the problems new since the last report, and whether to start over. */
export function scanView(s: ScanStatus, newProblems: ScanStatus['problems'], reset: boolean): ScanStatusView {
  const { problems: _all, ...counts } = s;
  return { ...counts, newProblems, reset };
}
const POLL_MS = 1500;

/**
 * A dataset opened in the viewer: the file on disk, its record index (never the whole
 * file in memory), a worker for whole-file passes, and a watch on the file so appends
 * extend the index and rewrites re-index it.
 */
export function isParquet(uri: vscode.Uri): boolean {
  return /\.parquet$/i.test(uri.path);
}

export class DatasetDocument extends Disposable implements vscode.CustomDocument {
  private _index = new RecordIndex();
  private _indexStatus: IndexStatus = { records: 0, scannedBytes: 0, totalBytes: 0, done: false };
  private _scan: ScanStatus = emptyScan();
  private _deleted = false;
  private _generation = 0;
  private scanAbort: AbortController | undefined;
  private indexAbort: AbortController | undefined;
  private refreshing: Promise<void> | undefined;
  private readonly recordCache = new Map<number, LoadedRecord>();
  private readonly worker: DatasetWorkerClient | undefined;
  /** the record the user last selected (survives the panel being hidden) */
  lastSelected: number | undefined;

  private readonly _onIndexProgress = this._register(new vscode.EventEmitter<IndexStatus>());
  readonly onIndexProgress = this._onIndexProgress.event;
  private readonly _onScanProgress = this._register(new vscode.EventEmitter<ScanStatusView>());
  readonly onScanProgress = this._onScanProgress.event;
  private readonly _onFileChanged = this._register(new vscode.EventEmitter<FileChange>());
  readonly onFileChanged = this._onFileChanged.event;
  private readonly _onDidDispose = this._register(new vscode.EventEmitter<void>());
  readonly onDidDispose = this._onDidDispose.event;
  private readonly _onOverlayState = this._register(new vscode.EventEmitter<OverlayState>());
  /** the overlay settings changed (a convention was chosen, settings changed, the file sample is done) */
  readonly onOverlayState = this._onOverlayState.event;
  private fileConvention: (FileConvention & { sampled: number }) | undefined;
  private readonly config: ViewerConfig;
  private readonly log: vscode.LogOutputChannel;

  private constructor(
    readonly uri: vscode.Uri,
    private file: RandomAccessFile,
    private readonly services: DatasetServices,
    /** opened for validation only (no viewer): no format scan, no coordinate sample */
    readonly headless: boolean,
  ) {
    super();
    this.config = services.config;
    this.log = services.log;
    this.worker = file instanceof NodeFile ? new DatasetWorkerClient(services.workerScript) : undefined;
    this._register(services.overlay.onDidChange((u) => {
      if (!u || u.toString() === this.uri.toString()) this._onOverlayState.fire(this.overlayState());
    }));
    // the query table reads the file as it was: a change means reading it again
    this._register(this.onFileChanged(() => this.query?.invalidate()));
    this._register({ dispose: () => this.query?.dispose() });
  }

  private query: QuerySession | undefined;

  /**
   * The file as a SQL table for the viewer's filter (DuckDB, opened on the first query);
   * undefined when it cannot be one (not on disk, one JSON object, a list under a key).
   */
  querySession(): QuerySession | undefined {
    if (this.uri.scheme !== 'file') return undefined;
    const kind = this._index.listKey === undefined ? tableKindOf(this.uri.fsPath, this._index.kind) : undefined;
    if (!kind) return undefined;
    if (this.query?.kind !== kind) {
      this.query?.dispose();
      this.query = new QuerySession(this.uri.fsPath, kind);
    }
    return this.query;
  }

  /**
   * Reads the file's first `limit` records (all of them by default) in batches of 1,000,
   * passing each batch to `each`; between batches it reports progress and yields to the
   * event loop. The record cache (kept for the pages on screen) is left as it is.
   */
  private async eachBatch(opts: { limit?: number; signal?: AbortSignal; onProgress?: (done: number, total: number) => void }, each: (recs: LoadedRecord[]) => void | Promise<void>): Promise<void> {
    await this.indexed(opts.signal);
    const total = Math.min(this._index.count, opts.limit ?? Infinity);
    const BATCH = 1000;
    for (let first = 0; first < total; first += BATCH) {
      if (opts.signal?.aborted || this.isDisposed) throw new AbortError();
      await each(await this.load(first, Math.min(BATCH, total - first), false));
      opts.onProgress?.(Math.min(total, first + BATCH), total);
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  /** Exact and near-duplicate records of the file (src/core/dedup): each record's prompt and answer shingled. */
  async duplicates(opts: { threshold?: number; signal?: AbortSignal; onProgress?: (done: number, total: number) => void } = {}): Promise<DedupResult & { records: number }> {
    const finder = new NearDuplicateFinder({ threshold: opts.threshold });
    await this.eachBatch(opts, (recs) => {
      for (const r of recs) if (r.value !== undefined) finder.add({ index: r.index, ...dedupTexts(r.record, r.value) });
    });
    return { ...finder.result(), records: this._index.count };
  }

  /** Statistics of the records as VLM records (turns, text per role, media, where boxes fall), over the first `cap` records. */
  async recordStats(opts: { cap?: number; signal?: AbortSignal; onProgress?: (done: number, total: number) => void } = {}): Promise<RecordStats & { of: number }> {
    const acc = new RecordStatsAccumulator();
    const xywh = this.services.overlay.boxesAreXywh(this.uri);
    let read = 0;
    await this.eachBatch({ ...opts, limit: opts.cap }, async (recs) => {
      for (const r of recs) {
        if (!r.record) {
          acc.skip();
          continue;
        }
        acc.add(r.record, extractGeometry(r.record, r.value, { boxesAreXywh: xywh }));
        // image sizes: the record's own (declared), else the first image's header for the first few hundred records
        if (r.record.images.length === 0 || r.record.declaredSize) continue;
        if (read >= IMAGE_SIZES_READ) {
          acc.imageSizeNotRead();
          continue;
        }
        read++;
        const size = await this.services.firstImageSize(this, r).catch(() => undefined);
        if (size) acc.imageSize(size.width, size.height, 'read');
        else acc.imageSizeUnknown();
      }
    });
    return { ...acc.result(), of: this._index.count };
  }

  /** Resolves when the record index is complete (at once if it is): for Parquet, once all of it is converted. */
  async indexed(signal?: AbortSignal): Promise<void> {
    if (this.parquetExport) await this.parquetExport;
    if (this.parquet && this._index.count < this.parquet.rows) await this.refresh();
    while (!this._indexStatus.done && !this.isDisposed && !signal?.aborted) {
      await new Promise<void>((resolve) => {
        const sub = this.onIndexProgress((p) => {
          if (p.done) {
            sub.dispose();
            resolve();
          }
        });
        setTimeout(() => {
          sub.dispose();
          resolve();
        }, 1000);
      });
    }
  }

  static async open(uri: vscode.Uri, services: DatasetServices, opts: { headless?: boolean } = {}): Promise<DatasetDocument> {
    if (isParquet(uri)) return DatasetDocument.openParquet(uri, services, opts);
    // Files on disk (local, or on the remote host) are read positionally; anything else
    // (virtual file systems) is read once through VS Code.
    const file: RandomAccessFile = uri.scheme === 'file' ? await NodeFile.open(uri.fsPath) : new MemoryFile(uri.path, await vscode.workspace.fs.readFile(uri));
    const doc = new DatasetDocument(uri, file, services, opts.headless === true);
    doc.startIndexing();
    doc.watch();
    return doc;
  }

  /** the conversion of a Parquet dataset to JSON Lines, while it runs (undefined: not Parquet, or done) */
  private parquetExport: Promise<unknown> | undefined;
  /** a Parquet dataset, read through its JSON Lines conversion */
  parquet: { rows: number; dir: string } | undefined;

  /** a Parquet dataset whose conversion is still being written (its records are not all there yet) */
  get converting(): boolean {
    return this.parquetExport !== undefined;
  }

  /**
   * A Parquet dataset: converted to JSON Lines (images to files) in the extension's storage,
   * the first rows at once and the rest while the viewer shows them; the viewer reads the
   * conversion like any JSON Lines file, and it grows as the rest is written.
   */
  private static async openParquet(uri: vscode.Uri, services: DatasetServices, opts: { headless?: boolean }): Promise<DatasetDocument> {
    if (uri.scheme !== 'file' || !services.parquetCacheDir) throw new Error(vscode.l10n.t('Parquet datasets open from disk only.'));
    const key = createHash('sha1').update(uri.fsPath).digest('hex').slice(0, 16);
    const ac = new AbortController();
    const dir = join(services.parquetCacheDir, key);
    const ex = await exportParquet(uri.fsPath, dir, { signal: ac.signal });
    const doc = new DatasetDocument(uri, await NodeFile.open(ex.jsonl), services, opts.headless === true);
    doc.parquet = { rows: ex.rows, dir };
    doc._register({ dispose: () => ac.abort() });
    doc.parquetExport = ex.done.then(
      () => {
        doc.parquetExport = undefined;
        return doc.refresh();
      },
      (e: unknown) => {
        doc.parquetExport = undefined;
        if (!ac.signal.aborted) services.log.error(`converting ${uri.fsPath} failed: ${String(e)}`);
      },
    );
    doc.startIndexing();
    doc.watch();
    return doc;
  }

  /** The file's overlay settings: the user's choice, the setting, the sampled guess. */
  overlayState(): OverlayState {
    const q = this.services.overlay.qwenPixels();
    const fc = this.fileConvention;
    return {
      settings: {
        override: this.services.overlay.override(this.uri),
        setting: this.services.overlay.setting(this.uri),
        run: this.services.overlay.fromRun(this.uri),
        fileGuess: fc?.guess,
        qwenMinPixels: q.min,
        qwenMaxPixels: q.max,
      },
      mixed: fc?.mixed ? fc.seen : undefined,
      sampled: fc?.sampled ?? 0,
    };
  }

  /** Guesses the file's coordinate convention from a sample of its records. */
  private sampleConvention(gen: number): void {
    if (this.headless) return;
    sampleFileConvention(this.file, this._index, {
      boxesAreXywh: this.services.overlay.boxesAreXywh(this.uri),
      imageSize: (rec) => this.services.firstImageSize(this, rec),
    })
      .then((fc) => {
        if (gen !== this._generation || this.isDisposed) return;
        this.fileConvention = fc;
        this._onOverlayState.fire(this.overlayState());
      })
      .catch((e: unknown) => this.log.warn(`sampling coordinates of ${this.uri.fsPath} failed: ${String(e)}`));
  }

  private geometryOf(r: LoadedRecord): RecordGeometryView | undefined {
    if (!r.record) return undefined;
    const g = extractGeometry(r.record, r.value, { boxesAreXywh: this.services.overlay.boxesAreXywh(this.uri) });
    if (g.shapes.length === 0 && g.ego.length === 0) return undefined;
    return { shapes: g.shapes, ego: g.ego, resizedSize: r.record.resizedSize, declaredSize: r.record.declaredSize };
  }

  get fileName(): string {
    return basename(this.uri.path);
  }
  /** the name the index reads the file by (a Parquet dataset's conversion is JSON Lines) */
  private get indexName(): string {
    return this.parquet ? 'records.jsonl' : this.fileName;
  }
  get index(): RecordIndex {
    return this._index;
  }
  get indexStatus(): IndexStatus {
    return this._indexStatus;
  }
  get scanStatus(): ScanStatus {
    return this._scan;
  }
  get deleted(): boolean {
    return this._deleted;
  }
  /** bumps on every re-index: answers computed for an older generation are stale */
  get generation(): number {
    return this._generation;
  }
  get fsPath(): string | undefined {
    return this.file instanceof NodeFile ? this.file.path : undefined;
  }

  /** Notes about the file as a whole, for the viewer header. */
  notices(t: (key: 'object' | 'list' | 'truncated' | 'trailing' | 'binary' | 'empty' | 'formats', ...args: Array<string | number>) => string): string[] {
    const idx = this._index;
    const out: string[] = [];
    if (!idx.complete) return out;
    for (const p of this.config.formats(this.uri).problems) out.push(t('formats', p));
    if (idx.kind === 'json-object') out.push(t('object'));
    if (idx.listKey !== undefined) out.push(t('list', idx.listKey));
    if (idx.kind === 'binary') out.push(t('binary'));
    if (idx.kind === 'empty') out.push(t('empty'));
    if (idx.truncated) out.push(t('truncated'));
    if (idx.trailingDataAt >= 0) out.push(t('trailing', idx.trailingDataAt));
    return out;
  }

  private startIndexing(): void {
    this.indexAbort?.abort();
    const ac = new AbortController();
    this.indexAbort = ac;
    const gen = ++this._generation;
    const index = new RecordIndex();
    this._index = index;
    this.recordCache.clear();
    let lastFire = 0;
    const report = (p: IndexProgress) => {
      this._indexStatus = { records: p.records, scannedBytes: p.scannedBytes, totalBytes: p.totalBytes, done: p.done };
      const now = Date.now();
      // throttled: about ten updates a second while indexing, and always the last one
      if (p.done || now - lastFire > 100) {
        lastFire = now;
        this._onIndexProgress.fire(this._indexStatus);
      }
    };
    index
      .scan(this.file, { fileName: this.indexName, signal: ac.signal, onProgress: report })
      .then(() => {
        if (gen !== this._generation) return;
        this.startScan(true);
        this.sampleConvention(gen);
      })
      .catch((e: unknown) => {
        if (!(e instanceof AbortError)) this.log.error(`indexing ${this.uri.fsPath} failed: ${String(e)}`);
      });
  }

  /** The whole-file pass (format mix, parse failures), in the worker when there is one. */
  private startScan(reset: boolean): void {
    if (this.headless) return;
    this.scanAbort?.abort();
    const ac = new AbortController();
    this.scanAbort = ac;
    const gen = this._generation;
    this._scan = emptyScan(this._index.readyCount);
    let first = reset;
    const onProgress = (s: ScanStatus) => {
      if (gen !== this._generation || ac.signal.aborted) return;
      const all = this._scan.problems.concat(s.problems);
      this._scan = { ...s, problems: all };
      this._onScanProgress.fire(scanView(s, s.problems, first));
      first = false;
    };
    const maxRecordBytes = this.config.maxRecordBytes();
    const { specs: formatSpecs, relPath } = this.config.formatSpecs(this.uri);
    const run = this.worker && this.fsPath
      ? this.worker.scan(this.fsPath, this._index.snapshot(), { maxRecordBytes, signal: ac.signal, onProgress, formatSpecs, relPath })
      : scanRecords(this.file, this._index, { maxRecordBytes, signal: ac.signal, onProgress, formats: this.config.formats(this.uri).formats }).then(() => undefined);
    run.catch((e: unknown) => {
      if (e instanceof JobCancelledError && !ac.signal.aborted && gen === this._generation) {
        // the worker was replaced (a runaway search): run the pass again
        this.startScan(true);
      } else if (!(e instanceof JobCancelledError) && !(e instanceof AbortError)) {
        this.log.error(`scanning ${this.uri.fsPath} failed: ${String(e)}`);
      }
    });
  }

  private watch(): void {
    if (this.uri.scheme !== 'file') return;
    const dir = vscode.Uri.joinPath(this.uri, '..');
    const watcher = this._register(vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(dir, this.fileName)));
    const kick = () => void this.refresh();
    this._register(watcher.onDidChange(kick));
    this._register(watcher.onDidCreate(kick));
    this._register(watcher.onDidDelete(kick));
    // Polling as well: network file systems (common on GPU servers) do not always send events.
    const timer = setInterval(kick, POLL_MS);
    this._register({ dispose: () => clearInterval(timer) });
  }

  /** Checks the file on disk and follows what happened to it. */
  refresh(): Promise<void> {
    this.refreshing ??= this.doRefresh().finally(() => (this.refreshing = undefined));
    return this.refreshing;
  }

  private async doRefresh(): Promise<void> {
    if (this.isDisposed || !(this.file instanceof NodeFile)) return;
    const file = this.file;
    let exists = true;
    try {
      await file.stat();
    } catch {
      exists = false;
    }
    if (!exists) {
      if (!this._deleted) {
        this._deleted = true;
        this._onFileChanged.fire({ kind: 'deleted', records: this._index.count });
      }
      return;
    }
    if (this._deleted) {
      this._deleted = false;
      await file.reopen();
      this.startIndexing();
      this._onFileChanged.fire({ kind: 'restored', records: 0 });
      return;
    }
    if (!this._index.complete) return; // still indexing: look again later
    const before = this._index.count;
    const change = await this._index.refresh(file, { fileName: this.indexName });
    if (change === 'appended') {
      this.recordCache.delete(before - 1); // the last record may have grown
      this._indexStatus = { records: this._index.count, scannedBytes: this._index.scanned, totalBytes: this._index.scanned, done: true };
      this._onIndexProgress.fire(this._indexStatus);
      this._onFileChanged.fire({ kind: 'appended', records: this._index.count });
      this.startScan(true);
      this.sampleConvention(this._generation);
    } else if (change === 'rewritten') {
      await file.reopen();
      this.startIndexing();
      this._onFileChanged.fire({ kind: 'rewritten', records: 0 });
    }
  }

  /** Rows of the record list. */
  async rows(start: number, count: number): Promise<RowInfo[]> {
    const recs = await this.load(start, count);
    return recs.map((r) => ({
      index: r.index,
      line: r.line,
      summary: r.record ? summarize(r.record) : undefined,
      parseError: r.parseError ? { message: r.parseError.message, line: r.parseError.line, column: r.parseError.column } : undefined,
      tooLarge: r.tooLarge?.bytes,
      geometry: this.geometryOf(r),
    }));
  }

  /** One record, loaded (cached: the detail pane and image requests ask for the same ones). */
  async record(k: number): Promise<LoadedRecord | undefined> {
    const cached = this.recordCache.get(k);
    if (cached) return cached;
    return (await this.load(k, 1))[0];
  }

  private async load(start: number, count: number, cache = true): Promise<LoadedRecord[]> {
    const recs = await loadRecords(this.file, this._index, start, count, { maxRecordBytes: this.config.maxRecordBytes(), formats: this.config.formats(this.uri).formats });
    // a run's prediction file: each record's image sizes from the run's eval input, by id
    const sizes = await this.services.overlay.runInputSizes(this.uri);
    if (sizes) {
      for (const r of recs) {
        const f = r.record?.id !== undefined ? sizes.get(String(r.record.id)) : undefined;
        if (!r.record || !f) continue;
        r.record = { ...r.record, declaredSize: r.record.declaredSize ?? f.image, resizedSize: r.record.resizedSize ?? f.resized };
      }
    }
    if (!cache) return recs;
    for (const r of recs) this.recordCache.set(r.index, r);
    while (this.recordCache.size > 500) this.recordCache.delete(this.recordCache.keys().next().value as number);
    return recs;
  }

  async detail(k: number): Promise<RecordDetail> {
    const r = await this.record(k);
    if (!r) throw new Error(`record ${k + 1} is not available`);
    let rawText = r.text ?? '';
    if (r.value !== undefined) rawText = JSON.stringify(r.value, null, 2);
    const detail: RecordDetail = {
      index: r.index,
      line: r.line,
      column: r.column,
      record: r.record,
      rawText: rawText.length > MAX_RAW_CHARS ? rawText.slice(0, MAX_RAW_CHARS) : rawText,
      parseError: r.parseError ? { message: r.parseError.message, line: r.parseError.line, column: r.parseError.column } : undefined,
      tooLarge: r.tooLarge,
      invalidUtf8: r.invalidUtf8,
      mojibake: r.mojibake,
      geometry: this.geometryOf(r),
    };
    if (rawText.length > MAX_RAW_CHARS) detail.rawTruncated = { shown: MAX_RAW_CHARS, total: rawText.length };
    return detail;
  }

  /** Whole-file search (in the worker for files on disk). */
  async search(query: SearchQuery, maxMatches: number, signal: AbortSignal, onUpdate: (u: SearchUpdate) => void): Promise<void> {
    try {
      if (this.worker && this.fsPath) await this.worker.search(this.fsPath, this._index.snapshot(), query, { maxMatches, signal, onUpdate });
      else await searchRecords(this.file, this._index, query, { maxMatches, signal, onUpdate });
    } catch (e) {
      if (e instanceof JobFailedError && e.syntax) throw new SearchSyntaxError(e.message);
      throw e;
    }
  }

  override dispose(): void {
    if (this.isDisposed) return;
    this.indexAbort?.abort();
    this.scanAbort?.abort();
    this.worker?.dispose();
    void this.file.close().catch(() => undefined);
    this._onDidDispose.fire();
    super.dispose();
  }
}
