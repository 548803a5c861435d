/**
 * LeRobot dataset metadata (`meta/info.json`): which codebase version wrote it, its fps and
 * features, and the path templates of its data and video files. Everything here is read
 * from a folder the user did not necessarily write: a template that leads outside the
 * dataset folder is refused, a feature's odd `names` never fails the file.
 */
import { readdir, realpath, stat } from 'node:fs/promises';
import type { Dirent } from 'node:fs';
import { basename, dirname, join, sep } from 'node:path';
import { isInside } from '../util/paths';

/** The layouts read: v2.0 and v2.1 (one Parquet file per episode), v3.0 (chunked files). */
export const LEROBOT_VERSIONS = ['v2.0', 'v2.1', 'v3.0'] as const;
export type LeRobotVersion = (typeof LEROBOT_VERSIONS)[number];

export interface LeRobotFeature {
  key: string;
  dtype: string;
  shape: number[];
  /** one name per component (flattened from the list, nested-list and {motors: [...]} forms); undefined when absent or unusable */
  names?: string[];
  /** for a `video` feature: what `info` says of it */
  video?: { codec?: string; width?: number; height?: number; fps?: number; pixFmt?: string };
}

export interface LeRobotInfo {
  /** as written, e.g. "v2.1" */
  codebaseVersion: string;
  /** the layout it is read as; undefined for a version this reader does not know */
  version?: LeRobotVersion;
  robotType?: string;
  fps: number;
  totalEpisodes?: number;
  totalFrames?: number;
  totalTasks?: number;
  chunksSize: number;
  dataPath: string;
  videoPath?: string;
  splits: Record<string, string>;
  features: LeRobotFeature[];
}

/** A located complaint about the dataset: the file, and for records the 1-based line. */
export interface LeRobotProblem {
  file: string;
  line?: number;
  episode?: number;
  message: string;
}

const META_CAP = 8 * 1024 * 1024;

/** The camera features: `dtype` video (decoded from the episode's video file) or image. */
export function cameraFeatures(info: LeRobotInfo): LeRobotFeature[] {
  return info.features.filter((f) => f.dtype === 'video');
}

/** A feature's per-component names: `names` as a flat list, a nested list, or `{motors: [...]}`. */
export function featureNames(names: unknown, shape: number[]): string[] | undefined {
  const flat: unknown[] = [];
  const walk = (v: unknown, depth: number): void => {
    if (depth > 3) return;
    if (Array.isArray(v)) for (const x of v) walk(x, depth + 1);
    else if (v && typeof v === 'object') for (const x of Object.values(v)) walk(x, depth + 1);
    else flat.push(v);
  };
  walk(names, 0);
  if (flat.length === 0 || !flat.every((x) => typeof x === 'string')) return undefined;
  const size = shape.reduce((a, b) => a * b, 1);
  // image names ("height", "width", "channels") describe axes, not components: kept as they are
  return shape.length === 1 && flat.length !== size ? undefined : (flat);
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/**
 * Parses `meta/info.json`'s text. Throws an Error saying what is wrong when it is not a LeRobot
 * info file (no `codebase_version`, no `features`); an unknown version is read but left
 * without a layout (`version` undefined), for the caller to refuse by name.
 */
export function parseInfo(text: string): LeRobotInfo {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new Error(`meta/info.json is not JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new Error('meta/info.json is not a JSON object');
  const o = raw as Record<string, unknown>;
  if (typeof o.codebase_version !== 'string') throw new Error('meta/info.json has no "codebase_version": not a LeRobot dataset');
  if (!o.features || typeof o.features !== 'object' || Array.isArray(o.features)) throw new Error('meta/info.json has no "features" object');
  const features: LeRobotFeature[] = [];
  for (const [key, f] of Object.entries(o.features as Record<string, unknown>)) {
    if (!f || typeof f !== 'object') continue;
    const fo = f as Record<string, unknown>;
    const shape = Array.isArray(fo.shape) ? fo.shape.filter((x): x is number => typeof x === 'number') : [];
    const feature: LeRobotFeature = { key, dtype: typeof fo.dtype === 'string' ? fo.dtype : 'unknown', shape, names: featureNames(fo.names, shape) };
    const vi = (fo.info ?? fo.video_info) as Record<string, unknown> | undefined;
    if (feature.dtype === 'video') {
      feature.video = vi && typeof vi === 'object'
        ? {
            codec: typeof vi['video.codec'] === 'string' ? (vi['video.codec']) : undefined,
            width: num(vi['video.width']),
            height: num(vi['video.height']),
            fps: num(vi['video.fps']),
            pixFmt: typeof vi['video.pix_fmt'] === 'string' ? (vi['video.pix_fmt']) : undefined,
          }
        : {};
    }
    features.push(feature);
  }
  const version = (LEROBOT_VERSIONS as readonly string[]).includes(o.codebase_version) ? (o.codebase_version as LeRobotVersion) : undefined;
  const fps = num(o.fps);
  if (version && (fps === undefined || fps <= 0)) throw new Error(`meta/info.json has no usable "fps" (${JSON.stringify(o.fps)})`);
  const splits: Record<string, string> = {};
  if (o.splits && typeof o.splits === 'object') for (const [k, v] of Object.entries(o.splits)) if (typeof v === 'string') splits[k] = v;
  return {
    codebaseVersion: o.codebase_version,
    version,
    robotType: typeof o.robot_type === 'string' ? o.robot_type : undefined,
    fps: fps ?? 0,
    totalEpisodes: num(o.total_episodes),
    totalFrames: num(o.total_frames),
    totalTasks: num(o.total_tasks),
    chunksSize: num(o.chunks_size) ?? 1000,
    dataPath: typeof o.data_path === 'string' ? o.data_path : version === 'v3.0' ? 'data/chunk-{chunk_index:03d}/file-{file_index:03d}.parquet' : 'data/chunk-{episode_chunk:03d}/episode_{episode_index:06d}.parquet',
    videoPath: typeof o.video_path === 'string' ? o.video_path : undefined,
    splits,
    features,
  };
}

/** Whether `text` is a LeRobot `meta/info.json` (cheap: parsed, not checked further). */
export function looksLikeLeRobotInfo(text: string): boolean {
  try {
    parseInfo(text);
    return true;
  } catch {
    return false;
  }
}

/**
 * A path template of `info.json` (`data/chunk-{episode_chunk:03d}/episode_{episode_index:06d}.parquet`)
 * filled in: `{name}` and `{name:0Nd}` (Python's format spec, zero-padded integers). Throws on a
 * name it is not given.
 */
export function fillTemplate(template: string, values: Record<string, string | number>): string {
  return template.replace(/\{([A-Za-z_][A-Za-z0-9_]*)(?::(0?)(\d*)d)?\}/g, (_m, name: string, zero: string, width: string) => {
    const v = values[name];
    if (v === undefined) throw new Error(`the path template "${template}" names {${name}}, which this layout does not have`);
    const s = String(v);
    return width && typeof v === 'number' ? s.padStart(Number(width), zero ? '0' : ' ') : s;
  });
}

/**
 * The file a template leads to under `root`, or an Error when it leads outside (`..`, an
 * absolute path, a link out of the folder).
 */
export async function confinedPath(root: string, relativePath: string): Promise<string> {
  const path = joinedInside(root, relativePath);
  const real = await realpath(path).catch(() => undefined);
  if (real !== undefined && !within(await realpath(root).catch(() => root), real)) throw new Error(`refused "${relativePath}": it links outside the dataset folder`);
  return path;
}

/** `relativePath` joined to `root`; throws when the name itself leads outside (a NUL byte, `..`, an absolute path). */
function joinedInside(root: string, relativePath: string): string {
  if (relativePath.includes('\0')) throw new Error(`refused "${relativePath}": a NUL byte`);
  const path = join(root, relativePath);
  if (!isInside(root, path) || /^([/\\]|[A-Za-z]:)/.test(relativePath)) throw new Error(`refused "${relativePath}": it leads outside the dataset folder`);
  return path;
}

/** Whether the real path `real` is the real folder `realRoot` or lies in it. */
function within(realRoot: string, real: string): boolean {
  return real === realRoot || real.startsWith(realRoot.endsWith(sep) ? realRoot : realRoot + sep);
}

/**
 * Files of one dataset folder, checked as its templates name them: a name that leads outside
 * is refused (textually, and by where its folder and links really go). Each folder is listed
 * once (a dataset names thousands of files in a few folders), its real path found once.
 */
export class DatasetFiles {
  private realRoot: Promise<string> | undefined;
  private readonly dirs = new Map<string, Promise<{ real: string; entries: Map<string, Dirent> } | undefined>>();

  constructor(readonly root: string) {}

  /** Whether the file `relativePath` names exists (as a file); throws when the name leads outside the folder. */
  async exists(relativePath: string): Promise<boolean> {
    const path = joinedInside(this.root, relativePath);
    const dir = dirname(path);
    let listing = this.dirs.get(dir);
    if (!listing) {
      listing = (async () => {
        const entries = await readdir(dir, { withFileTypes: true }).catch(() => undefined);
        if (!entries) return undefined;
        return { real: await realpath(dir), entries: new Map(entries.map((e) => [e.name, e])) };
      })();
      this.dirs.set(dir, listing);
    }
    const l = await listing;
    const entry = l?.entries.get(basename(path));
    if (!l || !entry) return false;
    this.realRoot ??= realpath(this.root).catch(() => this.root);
    const realRoot = await this.realRoot;
    const inside = (p: string) => within(realRoot, p);
    if (!inside(l.real)) throw new Error(`refused "${relativePath}": its folder links outside the dataset folder`);
    if (entry.isFile()) return true;
    if (!entry.isSymbolicLink()) return false;
    const real = await realpath(path).catch(() => undefined);
    if (real === undefined) return false;
    if (!inside(real)) throw new Error(`refused "${relativePath}": it links outside the dataset folder`);
    return (await stat(real)).isFile();
  }
}

/** Runs `tasks` at most `limit` at a time, in order of start. */
export async function inBatches(tasks: Array<() => Promise<void>>, limit = 64): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < tasks.length) await tasks[next++]();
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
}

export { META_CAP };
