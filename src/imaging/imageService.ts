/**
 * Images through sharp, for the extension host and the CLI (no vscode import):
 * metadata (size and EXIF orientation), and WebP renditions (list thumbnails, the detail
 * view downscaled to the panel) cached on disk by path + size + mtime, auto-oriented so
 * overlays drawn in displayed pixels line up. Formats a webview cannot show (TIFF, 16-bit
 * PNG) come out as WebP like everything else. Work goes through a bounded queue; requests
 * whose signal aborts before they start are dropped.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TaskQueue } from '../core/util/taskQueue';
import { AbortError } from '../core/index/recordIndex';
import { loadSharp } from './sharpInfo';

export interface ImageInfo {
  /** size as displayed (after EXIF orientation) */
  width: number;
  height: number;
  /** size as stored in the file */
  storedWidth: number;
  storedHeight: number;
  orientation: number;
  format: string;
  bytes: number;
}

export interface Rendition {
  /** the cached WebP file */
  file: string;
  width: number;
  height: number;
  source: ImageInfo;
}

export type ImageInput = { kind: 'file'; path: string } | { kind: 'data'; uri: string };

/** Bump when the rendition pipeline changes: old cache entries are then ignored. */
const PIPELINE_VERSION = 1;

export class ImageService {
  private readonly queue: TaskQueue;
  private readonly infoCache = new Map<string, Promise<ImageInfo>>();
  /**
   * Renders in progress, by cache key: concurrent requests for one rendition share it, and
   * it is dropped only when every requester has given up on it.
   */
  private readonly rendering = new Map<string, { job: Promise<Rendition>; ac: AbortController; waiting: number }>();

  constructor(
    private readonly cacheDir: string,
    concurrency = 3,
  ) {
    this.queue = new TaskQueue(concurrency);
  }

  get queued(): number {
    return this.queue.pending;
  }

  /** Size, orientation and format of an image (cached per path + size + mtime). */
  async info(input: ImageInput, signal?: AbortSignal): Promise<ImageInfo> {
    const key = await this.identity(input);
    let p = this.infoCache.get(key);
    if (!p) {
      p = this.queue.run(async () => this.readInfo(input), { signal, priority: 2 });
      this.infoCache.set(key, p);
      p.catch(() => this.infoCache.delete(key));
    }
    return p;
  }

  /** A WebP rendition no larger than `maxSize` on its longer side, from cache when possible. */
  async render(input: ImageInput, maxSize: number, opts: { signal?: AbortSignal; priority?: number } = {}): Promise<Rendition> {
    if (opts.signal?.aborted) throw new AbortError();
    const id = await this.identity(input);
    const key = createHash('sha1').update(`${PIPELINE_VERSION}|${id}|${maxSize}`).digest('hex');
    const dir = join(this.cacheDir, key.slice(0, 2));
    const file = join(dir, `${key}.webp`);
    const meta = join(dir, `${key}.json`);
    try {
      const cached = JSON.parse(await readFile(meta, 'utf8')) as Omit<Rendition, 'file'>;
      await stat(file);
      return { ...cached, file };
    } catch {
      /* not cached yet */
    }
    let shared = this.rendering.get(key);
    if (!shared) {
      const ac = new AbortController();
      const job = this.queue
        .run(
          async () => {
            const sharp = await loadSharp();
            const source = await this.readInfo(input);
            const { data, info } = await sharp(this.bytesOrPath(input), { failOn: 'none', limitInputPixels: 1 << 30 })
              .rotate()
              .resize({ width: maxSize, height: maxSize, fit: 'inside', withoutEnlargement: true })
              .webp({ quality: maxSize <= 256 ? 72 : 90 })
              .toBuffer({ resolveWithObject: true });
            await mkdir(dir, { recursive: true });
            // unique temp name, then an atomic rename: readers never see half a file
            const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
            await writeFile(tmp, data);
            await rename(tmp, file);
            const r: Omit<Rendition, 'file'> = { width: info.width, height: info.height, source };
            await writeJsonAtomically(meta, r);
            return { ...r, file };
          },
          { signal: ac.signal, priority: opts.priority ?? 0 },
        )
        .finally(() => this.rendering.delete(key));
      job.catch(() => undefined); // every requester handles the outcome through share()
      shared = { job, ac, waiting: 0 };
      this.rendering.set(key, shared);
    }
    return this.share(shared, opts.signal);
  }

  /**
   * A PNG no larger than `maxSize`, with an SVG drawn over it (`overlay` gets the picture's
   * size and its scale from image pixels). Not cached: hovers ask for one at a time.
   */
  async preview(input: ImageInput, maxSize: number, overlay: (size: { width: number; height: number }, scale: number) => string): Promise<{ png: Buffer; width: number; height: number; source: ImageInfo }> {
    return this.queue.run(
      async () => {
        const sharp = await loadSharp();
        const source = await this.readInfo(input);
        const scale = Math.min(1, maxSize / Math.max(source.width, source.height));
        const width = Math.max(1, Math.round(source.width * scale));
        const height = Math.max(1, Math.round(source.height * scale));
        const base = await sharp(this.bytesOrPath(input), { failOn: 'none', limitInputPixels: 1 << 30 }).rotate().resize({ width, height, fit: 'fill' }).toBuffer();
        const svg = Buffer.from(overlay({ width, height }, scale));
        const png = await sharp(base).composite([{ input: svg, top: 0, left: 0 }]).png({ compressionLevel: 8 }).toBuffer();
        return { png, width, height, source };
      },
      { priority: 2 },
    );
  }

  /** One requester's view of a shared render: its own abort rejects it, the last one stops the work. */
  private share(shared: { job: Promise<Rendition>; ac: AbortController; waiting: number }, signal: AbortSignal | undefined): Promise<Rendition> {
    if (signal?.aborted) return Promise.reject(new AbortError());
    shared.waiting++;
    return new Promise<Rendition>((resolve, reject) => {
      const onAbort = () => {
        shared.waiting--;
        if (shared.waiting === 0) shared.ac.abort();
        reject(new AbortError());
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      shared.job.then(
        (v) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(v);
        },
        (e: unknown) => {
          signal?.removeEventListener('abort', onAbort);
          reject(e instanceof Error ? e : new Error(String(e)));
        },
      );
    });
  }

  private readInfo(input: ImageInput): Promise<ImageInfo> {
    return readImageInfo(input);
  }

  private bytesOrPath(input: ImageInput): string | Buffer {
    return bytesOrPath(input);
  }

  /** path + size + mtime for files, a hash of the URI for data: images. */
  private async identity(input: ImageInput): Promise<string> {
    if (input.kind === 'data') return 'data:' + createHash('sha1').update(input.uri).digest('hex');
    const s = await stat(input.path);
    return `${input.path}|${s.size}|${s.mtimeMs}`;
  }
}

function bytesOrPath(input: ImageInput): string | Buffer {
  return input.kind === 'file' ? input.path : decodeDataUri(input.uri);
}

/** Size (as displayed, after EXIF orientation), orientation and format of an image. */
export async function readImageInfo(input: ImageInput): Promise<ImageInfo> {
  const sharp = await loadSharp();
  const src = bytesOrPath(input);
  const m = await sharp(src, { failOn: 'none' }).metadata();
  const orientation = m.orientation ?? 1;
  const w = m.width ?? 0;
  const h = m.height ?? 0;
  const swap = orientation >= 5 && orientation <= 8;
  const bytes = typeof src === 'string' ? (await stat(src)).size : src.length;
  return { width: swap ? h : w, height: swap ? w : h, storedWidth: w, storedHeight: h, orientation, format: m.format ?? 'unknown', bytes };
}

async function writeJsonAtomically(path: string, value: unknown): Promise<void> {
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(tmp, JSON.stringify(value));
  await rename(tmp, path);
}

export function decodeDataUri(uri: string): Buffer {
  const comma = uri.indexOf(',');
  if (comma < 0) throw new Error('malformed data: URI');
  const header = uri.slice(0, comma);
  const body = uri.slice(comma + 1);
  return /;base64$/i.test(header) ? Buffer.from(body, 'base64') : Buffer.from(decodeURIComponent(body), 'utf8');
}
