/**
 * Worker thread for long passes over a dataset (whole-file scan, search), so the
 * extension host's event loop stays free whatever the file size or the regex.
 */
import { parentPort } from 'node:worker_threads';
import { NodeFile } from '../core/io/randomAccessFile';
import { AbortError, RecordIndex } from '../core/index/recordIndex';
import { scanRecords } from '../core/dataset/scanRecords';
import { searchRecords, SearchSyntaxError } from '../core/search/searchRecords';
import { type WorkerMessage, type WorkerRequest } from './datasetWorkerProtocol';

const port = parentPort;
if (!port) throw new Error('datasetWorker must run in a worker thread');
const jobs = new Map<number, AbortController>();
const post = (m: WorkerMessage) => port.postMessage(m);

port.on('message', (req: WorkerRequest) => {
  if (req.type === 'cancel') {
    jobs.get(req.job)?.abort();
    return;
  }
  const ac = new AbortController();
  jobs.set(req.job, ac);
  void run(req, ac.signal).finally(() => jobs.delete(req.job));
});

async function run(req: Exclude<WorkerRequest, { type: 'cancel' }>, signal: AbortSignal): Promise<void> {
  let file: NodeFile | undefined;
  try {
    file = await NodeFile.open(req.path);
    const index = RecordIndex.fromSnapshot(req.index);
    if (req.type === 'scan') {
      await scanRecords(file, index, { signal, maxRecordBytes: req.maxRecordBytes, onProgress: (status) => post({ type: 'scanProgress', job: req.job, status }) });
    } else {
      await searchRecords(file, index, req.query, { signal, maxMatches: req.maxMatches, onUpdate: (update) => post({ type: 'searchProgress', job: req.job, update }) });
    }
    post({ type: 'done', job: req.job });
  } catch (e) {
    if (e instanceof AbortError) post({ type: 'cancelled', job: req.job });
    else post({ type: 'error', job: req.job, message: e instanceof Error ? e.message : String(e), syntax: e instanceof SearchSyntaxError });
  } finally {
    await file?.close().catch(() => undefined);
  }
}
