/**
 * Host side of the dataset worker: one worker thread per open dataset, started on first
 * use. A job that does not stop within a grace period after cancel (a runaway regex) gets
 * the whole worker terminated and replaced.
 */
import { Worker } from 'node:worker_threads';
import { type IndexSnapshot } from '../core/index/recordIndex';
import { type ScanStatus } from '../core/dataset/scanRecords';
import { type SearchQuery, type SearchUpdate } from '../core/search/searchRecords';
import { type ValidateConfig, type ValidateResult, type WorkerMessage, type WorkerRequest } from './datasetWorkerProtocol';
import { type ValidationUpdate } from '../core/validate/validateFile';

export class JobCancelledError extends Error {
  constructor() {
    super('cancelled');
    this.name = 'JobCancelledError';
  }
}

export class JobFailedError extends Error {
  constructor(
    message: string,
    readonly syntax: boolean,
  ) {
    super(message);
  }
}

interface Job {
  /** the worker running it: a replaced worker's late events concern only its own jobs */
  worker: Worker;
  onMessage: (m: WorkerMessage) => void;
  reject: (e: Error) => void;
}

export class DatasetWorkerClient {
  private worker: Worker | undefined;
  private nextJob = 1;
  private readonly jobs = new Map<number, Job>();
  private disposed = false;

  constructor(
    private readonly scriptPath: string,
    private readonly cancelGraceMs = 2000,
  ) {}

  scan(path: string, index: IndexSnapshot, opts: { maxRecordBytes: number; signal?: AbortSignal; onProgress: (s: ScanStatus) => void; formatSpecs?: unknown[]; relPath?: string }): Promise<void> {
    return this.start((job) => ({ type: 'scan', job, path, index, maxRecordBytes: opts.maxRecordBytes, formatSpecs: opts.formatSpecs, relPath: opts.relPath }), opts.signal, (m) => {
      if (m.type === 'scanProgress') opts.onProgress(m.status);
    });
  }

  search(path: string, index: IndexSnapshot, query: SearchQuery, opts: { maxMatches: number; signal?: AbortSignal; onUpdate: (u: SearchUpdate) => void }): Promise<void> {
    return this.start((job) => ({ type: 'search', job, path, index, query, maxMatches: opts.maxMatches }), opts.signal, (m) => {
      if (m.type === 'searchProgress') opts.onUpdate(m.update);
    });
  }

  /** Validates a range of records; resolves with the counts and the state for the merge. */
  validate(path: string, index: IndexSnapshot, config: ValidateConfig, range: { from: number; to: number }, part: boolean, opts: { signal?: AbortSignal; onProgress: (u: ValidationUpdate) => void }): Promise<ValidateResult> {
    let result: ValidateResult | undefined;
    return this.start((job) => ({ type: 'validate', job, path, index, config, range, part }), opts.signal, (m) => {
      if (m.type === 'validateProgress') opts.onProgress(m.update);
      else if (m.type === 'validateResult') result = m.result;
    }).then(() => {
      if (!result) throw new JobFailedError('the validation ended without a result', false);
      return result;
    });
  }

  private start(make: (job: number) => WorkerRequest, signal: AbortSignal | undefined, onProgress: (m: WorkerMessage) => void): Promise<void> {
    if (this.disposed) return Promise.reject(new Error('dataset worker disposed'));
    if (signal?.aborted) return Promise.reject(new JobCancelledError());
    const job = this.nextJob++;
    const worker = this.ensureWorker();
    return new Promise<void>((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const onAbort = () => {
        worker.postMessage({ type: 'cancel', job } satisfies WorkerRequest);
        // A job stuck in a long synchronous step (a catastrophic regex) cannot see the cancel.
        timer = setTimeout(() => this.restart(worker), this.cancelGraceMs);
      };
      const finish = () => {
        this.jobs.delete(job);
        signal?.removeEventListener('abort', onAbort);
        if (timer) clearTimeout(timer);
        if (this.jobs.size === 0) this.worker?.unref(); // idle: do not keep the process alive
      };
      this.jobs.set(job, {
        worker,
        reject: (e) => {
          finish();
          reject(e);
        },
        onMessage: (m) => {
          if (m.type === 'done') {
            finish();
            resolve();
          } else if (m.type === 'cancelled') {
            finish();
            reject(new JobCancelledError());
          } else if (m.type === 'error') {
            finish();
            reject(new JobFailedError(m.message, m.syntax));
          } else onProgress(m);
        },
      });
      signal?.addEventListener('abort', onAbort, { once: true });
      worker.ref(); // busy: keep the process alive until the job ends
      worker.postMessage(make(job));
    });
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const w = new Worker(this.scriptPath);
    w.on('message', (m: WorkerMessage) => this.jobs.get(m.job)?.onMessage(m));
    w.on('error', (e) => this.failAll(w, e));
    w.on('exit', (code) => {
      if (this.worker === w) this.worker = undefined;
      this.failAll(w, new Error(`dataset worker exited (${code})`));
    });
    w.unref();
    this.worker = w;
    return w;
  }

  private failAll(w: Worker, e: Error): void {
    if (this.worker === w) this.worker = undefined;
    for (const job of [...this.jobs.values()]) if (job.worker === w) job.reject(e);
  }

  private restart(w: Worker): void {
    if (this.worker !== w) return;
    this.worker = undefined;
    for (const job of [...this.jobs.values()]) if (job.worker === w) job.reject(new JobCancelledError());
    void w.terminate();
  }

  dispose(): void {
    this.disposed = true;
    const w = this.worker;
    this.worker = undefined;
    for (const [, job] of [...this.jobs]) job.reject(new JobCancelledError());
    void w?.terminate();
  }
}
