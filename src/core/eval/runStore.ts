import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { lstat, mkdir, readdir, readFile, realpath, rename, rm, stat, writeFile } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { isInside } from '../util/paths';
import { checkRunRecord, isInsideName, isSafeRunId, newRunId, runLabel, type RunRecord } from './runs';
import type { Convention } from '../geometry/types';
import { inputFacts, type EvalInputFacts, type SampleResult } from './predictionMetrics';
import { readPredictionText } from './predictionFile';

/** A listener list with the shape of VS Code's events (the extension and the CLI both subscribe). */
class Listeners<T> {
  private readonly all = new Set<(v: T) => void>();
  readonly event = (listener: (v: T) => void): { dispose(): void } => {
    this.all.add(listener);
    return { dispose: () => this.all.delete(listener) };
  };
  fire(v: T): void {
    for (const l of [...this.all]) l(v);
  }
  dispose(): void {
    this.all.clear();
  }
}

export interface StoredRun {
  run: RunRecord;
  dir: string;
}

export interface BrokenRun {
  dir: string;
  error: string;
}

/** A run folder or file name that would leave the run history: refused, never followed. */
export class UnsafeRunPath extends Error {}

/**
 * Run history under `<workspace>/.vlm-lens/runs/<id>/`: run.json (written atomically: a
 * temporary file renamed over it), the log, per-sample results. Read back on start; a corrupt
 * or half-written run.json is listed as broken, never fatal.
 *
 * Everything in a cloned repository is untrusted, `.vlm-lens/` included: a run's identity is
 * its folder's name (a run.json whose `id` disagrees is listed as unreadable), every path is
 * built through `fileOf` (resolved and refused unless it stays in the run's folder), and
 * folders or run.json files that are symbolic links, or a history folder that leads out of
 * the workspace, are refused.
 */
export class RunStore {
  private readonly changed = new Listeners<RunRecord | undefined>();
  /** a run was saved (its record) or the list changed (undefined) */
  readonly onDidChange = this.changed.event;

  /** the last listing, kept until a run is saved or deleted here (or `refresh`) */
  private listing: Promise<{ runs: StoredRun[]; broken: BrokenRun[] }> | undefined;

  /** @param workspace the folder the history must stay in (its `.vlm-lens` may not lead elsewhere) */
  constructor(
    readonly root: string,
    readonly workspace?: string,
  ) {}

  /** The history of a workspace folder: `<folder>/.vlm-lens/runs`. */
  static forFolder(folder: string): RunStore {
    return new RunStore(join(folder, '.vlm-lens', 'runs'), folder);
  }

  /** The folder of a run; throws UnsafeRunPath for an id that is not a plain folder name. */
  dirOf(id: string): string {
    if (!isSafeRunId(id)) throw new UnsafeRunPath(`not a run id: ${JSON.stringify(id)}`);
    return join(this.root, id);
  }

  /** A file of a run (its log, samples): refused unless it stays inside the run's folder. */
  fileOf(run: RunRecord, name: string): string {
    if (!isInsideName(name)) throw new UnsafeRunPath(`${JSON.stringify(name)} is outside the run folder of ${run.id}`);
    return join(this.dirOf(run.id), name);
  }

  /** Why the history folder may not be written: it (or `.vlm-lens`) is a link out of the workspace. */
  async outsideWorkspace(): Promise<string | undefined> {
    if (!this.workspace) return undefined;
    let real: string;
    let ws: string;
    try {
      ws = await realpath(this.workspace);
    } catch {
      return undefined;
    }
    // the deepest part of the root that exists
    let probe = this.root;
    for (;;) {
      try {
        real = join(await realpath(probe), relative(probe, this.root));
        break;
      } catch {
        const up = join(probe, '..');
        if (up === probe) return undefined;
        probe = up;
      }
    }
    return !isInside(ws, real) ? `${this.root} leads out of the workspace (to ${real}): VLM Lens does not read or write run history there` : undefined;
  }

  /** run folders this store made for runs it is about to create (reserveId) */
  private readonly reserved = new Set<string>();

  /**
   * An id for a run queued now, its folder made at once so that no other process (another
   * `vlm-lens eval`, the extension) can take it: ids are made to the second, and two writers
   * may queue runs in the same second. Refused when the history leads out of the workspace.
   */
  async reserveId(now: Date, salt: number): Promise<string> {
    const why = await this.outsideWorkspace();
    if (why) throw new UnsafeRunPath(why);
    await mkdir(this.root, { recursive: true });
    for (let s = salt; s < salt + 1000; s++) {
      const id = newRunId(now, s);
      try {
        await mkdir(this.dirOf(id));
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EEXIST') continue;
        throw e;
      }
      this.reserved.add(id);
      return id;
    }
    throw new Error(`no free run id in ${this.root} for ${now.toISOString()} (1000 runs queued in one second?)`);
  }

  /** Saves a new run in a folder of its own (made by reserveId, or now); never over another run (throws if the folder exists). */
  async create(run: RunRecord): Promise<string> {
    const why = await this.outsideWorkspace();
    if (why) throw new UnsafeRunPath(why);
    const dir = this.dirOf(run.id);
    if (!this.reserved.delete(run.id)) {
      await mkdir(this.root, { recursive: true });
      await mkdir(dir);
    }
    await this.save(run);
    return dir;
  }

  /** when this store last wrote each run's record (to tell its own writes from another process's) */
  private readonly written = new Map<string, number>();

  /** Whether this store wrote the run's record in the last `ms` milliseconds (a file watcher's event is then its own). */
  wroteRecently(id: string, ms = 2000): boolean {
    const t = this.written.get(id);
    return t !== undefined && Date.now() - t < ms;
  }

  async save(run: RunRecord): Promise<void> {
    this.written.set(run.id, Date.now());
    if (this.written.size > 1000) this.written.delete(this.written.keys().next().value as string);
    const dir = this.dirOf(run.id);
    const tmp = join(dir, `.run.json.${process.pid}.tmp`);
    await writeFile(tmp, JSON.stringify(run, null, 2));
    await rename(tmp, join(dir, 'run.json'));
    this.listing = undefined;
    this.changed.fire(run);
  }

  /** The same, synchronously (while the extension host shuts down); never throws. */
  saveSync(run: RunRecord): void {
    try {
      const dir = this.dirOf(run.id);
      mkdirSync(dir, { recursive: true });
      const tmp = join(dir, `.run.json.${process.pid}.tmp`);
      writeFileSync(tmp, JSON.stringify(run, null, 2));
      renameSync(tmp, join(dir, 'run.json'));
    } catch {
      /* the next start ends the run as interrupted */
    }
  }

  async writeJson(run: RunRecord, name: string, value: unknown): Promise<void> {
    await writeFile(this.fileOf(run, name), JSON.stringify(value));
  }

  async readJson(run: RunRecord, name: string): Promise<unknown> {
    return JSON.parse(await readFile(this.fileOf(run, name), 'utf8')) as unknown;
  }

  /** A run's per-sample results (its first samples file); [] when it has none or it is unreadable. */
  async samples(run: RunRecord): Promise<SampleResult[]> {
    const file = run.results.find((r) => r.samplesFile)?.samplesFile;
    if (!file) return [];
    try {
      const v = await this.readJson(run, file);
      return Array.isArray(v) ? (v as SampleResult[]) : [];
    } catch {
      return [];
    }
  }

  /** Every run (newest first) and the unreadable ones; read from disk once per change. */
  list(): Promise<{ runs: StoredRun[]; broken: BrokenRun[] }> {
    this.listing ??= this.read();
    return this.listing;
  }

  /** Forgets the listing (runs written by another window) and says the list changed. */
  refresh(): void {
    this.listing = undefined;
    this.changed.fire(undefined);
  }

  private async read(): Promise<{ runs: StoredRun[]; broken: BrokenRun[] }> {
    const runs: StoredRun[] = [];
    const broken: BrokenRun[] = [];
    let names: string[];
    try {
      names = await readdir(this.root);
    } catch {
      return { runs, broken };
    }
    const outside = await this.outsideWorkspace();
    if (outside) return { runs, broken: [{ dir: this.root, error: outside }] };
    for (const name of names) {
      const dir = join(this.root, name);
      const runJson = join(dir, 'run.json');
      try {
        const d = await lstat(dir);
        if (d.isSymbolicLink()) {
          broken.push({ dir, error: 'the run folder is a symbolic link: run history is never followed out of its folder' });
          continue;
        }
        if (!d.isDirectory()) continue;
        if ((await lstat(runJson)).isSymbolicLink()) {
          broken.push({ dir, error: 'run.json is a symbolic link: run history is never followed out of its folder' });
          continue;
        }
      } catch {
        continue; // a folder being created, or not a run
      }
      let text: string;
      try {
        text = await readFile(runJson, 'utf8');
      } catch {
        continue;
      }
      try {
        const r = checkRunRecord(JSON.parse(text), name);
        if ('run' in r) runs.push({ run: r.run, dir });
        else broken.push({ dir, error: r.error });
      } catch (e) {
        broken.push({ dir, error: `run.json is not valid JSON (${e instanceof Error ? e.message : String(e)})` });
      }
    }
    runs.sort((a, b) => b.run.queuedAt.localeCompare(a.run.queuedAt));
    return { runs, broken };
  }

  /** Deletes a run's folder (by its folder name; a link is removed, never followed). */
  async delete(id: string): Promise<void> {
    const dir = this.dirOf(id);
    const why = await this.outsideWorkspace();
    if (why) throw new UnsafeRunPath(why);
    await rm(dir, { recursive: true, force: true });
    this.refresh();
  }

  dispose(): void {
    this.changed.dispose();
  }
}

/**
 * The prediction files runs scored, each with the coordinate convention its newest run read
 * it in (and that run, in words): a file opened from a run is shown as the run scored it.
 */
export function predictionFileConventions(runs: RunRecord[]): Map<string, { convention: Convention; run: string; dataset?: string }> {
  const out = new Map<string, { convention: Convention; run: string; dataset?: string }>();
  const newestFirst = [...runs].sort((a, b) => (b.startedAt ?? b.queuedAt).localeCompare(a.startedAt ?? a.queuedAt));
  for (const run of newestFirst) {
    for (const r of run.results) {
      const convention = r.aggregate?.convention;
      if (!r.predictionsFile || !convention) continue;
      const path = isAbsolute(r.predictionsFile) ? r.predictionsFile : resolve(run.cwd, r.predictionsFile);
      if (!out.has(path)) out.set(path, { convention, run: `${runLabel(run)} (${run.profile})`, dataset: run.dataset });
    }
  }
  return out;
}

/** Eval input files larger than this are not read to give a prediction file's records their image sizes. */
export const MAX_EVAL_INPUT_BYTES = 256 * 1024 * 1024;

/**
 * The image sizes of an eval input's records by id (`w`, `h`, `new_w`, `new_h`, `image_size`),
 * as scoring joins them to predictions: what a prediction file's records lack to be drawn in a
 * `resized` convention. Undefined when the file is too large or unreadable (said by `why`).
 */
export async function evalInputSizes(dataset: string): Promise<{ facts?: Map<string, EvalInputFacts>; why?: string }> {
  try {
    const { size } = await stat(dataset);
    if (size > MAX_EVAL_INPUT_BYTES) return { why: `${dataset} is larger than ${MAX_EVAL_INPUT_BYTES >> 20} MB` };
    return { facts: inputFacts(readPredictionText(await readFile(dataset, 'utf8')).records) };
  } catch (e) {
    return { why: `${dataset}: ${e instanceof Error ? e.message : String(e)}` };
  }
}
