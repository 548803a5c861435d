/**
 * Worker thread for long passes over a dataset (whole-file scan, search), so the
 * extension host's event loop stays free whatever the file size or the regex.
 */
import { userFormatsFor } from '../core/formats/userFormats';
import { parentPort } from 'node:worker_threads';
import { NodeFile } from '../core/io/randomAccessFile';
import { AbortError, RecordIndex } from '../core/index/recordIndex';
import { scanRecords } from '../core/dataset/scanRecords';
import { searchRecords, SearchSyntaxError } from '../core/search/searchRecords';
import { type ValidateConfig, type WorkerMessage, type WorkerRequest } from './datasetWorkerProtocol';
import { SchemaSet } from '../core/validate/schemaSet';
import { RecordValidator } from '../core/validate/validator';
import { imageFileProblem, imageHeaderSize } from '../core/images/sniff';
import { validateFile } from '../core/validate/validateFile';
import { isFile, isFolder } from '../util/existsCache';

/** Compiled schemas, kept while the configuration stays the same. */
let schemaCache: { key: string; set: Promise<SchemaSet> } | undefined;
function schemaSetFor(c: ValidateConfig): Promise<SchemaSet> {
  const key = JSON.stringify([c.builtinDir, c.userSchemas, c.schemaStamp ?? 0]);
  if (schemaCache?.key !== key) schemaCache = { key, set: SchemaSet.create(c.builtinDir, c.userSchemas) };
  return schemaCache.set;
}

const port = parentPort;
if (!port) throw new Error('datasetWorker must run in a worker thread');
const jobs = new Map<number, AbortController>();
const post = (m: WorkerMessage, transfer: ArrayBuffer[] = []) => port.postMessage(m, transfer);

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
      const formats = userFormatsFor(req.formatSpecs, req.relPath ?? req.path).formats;
      await scanRecords(file, index, { signal, maxRecordBytes: req.maxRecordBytes, formats, onProgress: (status) => post({ type: 'scanProgress', job: req.job, status }) });
    } else if (req.type === 'validate') {
      const c = req.config;
      const schemas = await schemaSetFor(c);
      const validator = new RecordValidator({
        schemas,
        fileSchema: schemas.userSchemaFor(c.relPath, req.path),
        severities: c.severities,
        jsonl: c.jsonl,
        overlay: c.overlay,
        language: c.language,
        collectImages: c.images !== undefined,
        formats: userFormatsFor(c.formatSpecs, c.relPath).formats,
        placeholders: c.placeholders,
      });
      const res = await validateFile(file, index, validator, {
        maxProblems: c.maxProblems,
        maxRecordBytes: c.maxRecordBytes,
        signal,
        range: req.range,
        part: req.part,
        onProgress: (update) => post({ type: 'validateProgress', job: req.job, update }),
        images: c.images ? { ctx: c.images, exists: isFile, folderExists: isFolder, check: imageFileProblem, size: imageHeaderSize } : undefined,
      });
      // the part's tables are moved to the host, not copied: the worker no longer needs them
      const moved = [res.flags.records.buffer, res.flags.masks.buffer, ...(res.state ? [res.state.idSlots.buffer, res.state.image.buffer, res.state.images.buffer, res.state.convention.buffer] : [])].filter((b): b is ArrayBuffer => b instanceof ArrayBuffer);
      post({ type: 'validateResult', job: req.job, result: { totalProblems: res.totalProblems, totalErrors: res.totalErrors, capped: res.capped, state: res.state, flags: res.flags, schemaProblems: schemas.problems } }, [...new Set(moved)]);
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
