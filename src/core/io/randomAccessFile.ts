import { open, stat, type FileHandle } from 'node:fs/promises';

/** What the index and readers need from a file: stat and positional reads. */
export interface RandomAccessFile {
  readonly path: string;
  stat(): Promise<FileStat>;
  /** Reads up to `length` bytes at `position` into `target` (from `targetOffset`); returns bytes read. */
  readInto(target: Uint8Array, targetOffset: number, length: number, position: number): Promise<number>;
  close(): Promise<void>;
}

export interface FileStat {
  size: number;
  mtimeMs: number;
  /** device:inode of the file at this path, when the file system has one */
  id?: string;
}

/** A file on disk, read with positional reads (never loaded whole). */
export class NodeFile implements RandomAccessFile {
  private constructor(
    readonly path: string,
    private handle: FileHandle,
  ) {}

  static async open(path: string): Promise<NodeFile> {
    return new NodeFile(path, await open(path, 'r'));
  }

  async stat(): Promise<FileStat> {
    // By path, not by handle: a file replaced on disk (renamed over) shows up as a new id.
    const s = await stat(this.path);
    return { size: s.size, mtimeMs: s.mtimeMs, id: `${s.dev}:${s.ino}` };
  }

  async readInto(target: Uint8Array, targetOffset: number, length: number, position: number): Promise<number> {
    let total = 0;
    while (total < length) {
      const { bytesRead } = await this.handle.read(target, targetOffset + total, length - total, position + total);
      if (bytesRead === 0) break;
      total += bytesRead;
    }
    return total;
  }

  /** Re-opens the path (after the file was replaced by a new inode). */
  async reopen(): Promise<void> {
    const next = await open(this.path, 'r');
    await this.handle.close().catch(() => undefined);
    this.handle = next;
  }

  async close(): Promise<void> {
    await this.handle.close();
  }
}

/** A file held in memory (tests, and file systems VS Code exposes only as whole reads). */
export class MemoryFile implements RandomAccessFile {
  constructor(
    readonly path: string,
    public bytes: Uint8Array,
    public mtimeMs = 0,
  ) {}

  stat(): Promise<FileStat> {
    return Promise.resolve({ size: this.bytes.length, mtimeMs: this.mtimeMs });
  }

  readInto(target: Uint8Array, targetOffset: number, length: number, position: number): Promise<number> {
    const end = Math.min(this.bytes.length, position + length);
    if (position >= end) return Promise.resolve(0);
    target.set(this.bytes.subarray(position, end), targetOffset);
    return Promise.resolve(end - position);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** Reads exactly [start, end) (or less at EOF) into a new buffer. */
export async function readRange(file: RandomAccessFile, start: number, end: number): Promise<Uint8Array> {
  const buf = new Uint8Array(Math.max(0, end - start));
  const n = await file.readInto(buf, 0, buf.length, start);
  return n === buf.length ? buf : buf.subarray(0, n);
}
