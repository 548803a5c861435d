/** Messages between the extension host and the dataset worker thread (dist/datasetWorker.js). */
import type { IndexSnapshot } from '../core/index/recordIndex';
import type { ScanStatus } from '../core/dataset/scanRecords';
import type { SearchQuery, SearchUpdate } from '../core/search/searchRecords';

export type WorkerRequest =
  /** parse every record: format mix and located parse failures */
  | { type: 'scan'; job: number; path: string; index: IndexSnapshot; maxRecordBytes: number }
  /** find the records matching a query */
  | { type: 'search'; job: number; path: string; index: IndexSnapshot; query: SearchQuery; maxMatches: number }
  /** stop a job (it answers with `cancelled`) */
  | { type: 'cancel'; job: number };

export type WorkerMessage =
  | { type: 'scanProgress'; job: number; status: ScanStatus }
  | { type: 'searchProgress'; job: number; update: SearchUpdate }
  | { type: 'done'; job: number }
  | { type: 'cancelled'; job: number }
  | { type: 'error'; job: number; message: string; syntax: boolean };
