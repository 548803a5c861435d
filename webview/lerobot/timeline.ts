/**
 * The LeRobot view's timeline, as plain functions (no DOM), tested in Node: where each camera's
 * video must be to show a frame, which frame a video time shows, when a camera has drifted
 * from the others, frame stepping, and what the strips and the confusion matrix draw.
 */
import { rowAtTime } from '../../src/core/lerobot/frameTime';

/**
 * The time to seek a camera to so that it shows frame `row`: the middle of the frame's
 * interval (its timestamp plus half a frame), so that rounding in the decoder never lands on
 * the frame before. `from` is the episode's start in the file (v3.0 files hold many episodes).
 */
export function seekTime(timestamp: number[], row: number, fps: number, from = 0): number {
  const t = timestamp[Math.max(0, Math.min(row, timestamp.length - 1))] ?? 0;
  return Math.max(0, from + t + 0.5 / fps);
}

/** The row a camera shows at `videoTime`: the last frame whose timestamp is at or before it (the host's rule). */
export function rowAtVideoTime(timestamp: number[], videoTime: number, from = 0): number {
  return rowAtTime(timestamp, videoTime - from);
}

/** Whether a camera at `time` is more than a frame and a half away from where `master` is. */
export function drifted(masterTime: number, masterFrom: number, time: number, from: number, fps: number): boolean {
  return Math.abs(masterTime - masterFrom - (time - from)) > 1.5 / fps;
}

/** Frame stepping: `row + delta`, kept inside the episode. */
export function stepRow(row: number, delta: number, rows: number): number {
  return Math.max(0, Math.min(rows - 1, row + delta));
}

/** The frame a keyboard key moves to (undefined: the key is not a timeline key). */
export function keyStep(key: string, shift: boolean, row: number, rows: number): number | undefined {
  switch (key) {
    case 'ArrowRight':
      return stepRow(row, shift ? 10 : 1, rows);
    case 'ArrowLeft':
      return stepRow(row, shift ? -10 : -1, rows);
    case 'Home':
      return 0;
    case 'End':
      return rows - 1;
    default:
      return undefined;
  }
}

/** The codec string `canPlayType` needs for a LeRobot `video.codec` name (undefined: unknown). */
export function codecString(codec: string | undefined): string | undefined {
  switch ((codec ?? '').toLowerCase()) {
    case 'av1':
    case 'libsvtav1':
    case 'libaom-av1':
    case 'libdav1d':
      return 'av01.0.05M.08';
    case 'h264':
    case 'libx264':
    case 'avc1':
      return 'avc1.42E01E';
    case 'hevc':
    case 'h265':
    case 'libx265':
      return 'hvc1.1.6.L93.B0';
    case 'vp9':
    case 'libvpx-vp9':
      return 'vp09.00.10.08';
    default:
      return undefined;
  }
}

/** The column (frame) of a strip or chart under x, for a strip `width` wide over `rows` frames. */
export function rowAtX(x: number, width: number, rows: number): number {
  if (rows <= 0 || width <= 0) return 0;
  return Math.max(0, Math.min(rows - 1, Math.floor((x / width) * rows)));
}

/** A bin value's shade in [0, 1] against the largest value of the episode's bins. */
export function shade(value: number, max: number): number {
  if (!Number.isFinite(value) || !(max > 0)) return 0;
  return Math.max(0, Math.min(1, value / max));
}

/**
 * Points of a long signal for a chart: every frame up to `max` points; beyond, each bucket's
 * smallest and largest value (in frame order), so spikes stay visible.
 */
export function decimate(values: number[], max = 2000): Array<{ x: number; y: number | null }> {
  const n = values.length;
  const point = (i: number) => ({ x: i, y: Number.isFinite(values[i]) ? values[i] : null });
  if (n <= max) return values.map((_, i) => point(i));
  const buckets = Math.max(1, Math.floor(max / 2));
  const size = n / buckets;
  const out: Array<{ x: number; y: number | null }> = [];
  for (let b = 0; b < buckets; b++) {
    const start = Math.floor(b * size);
    const end = Math.min(n, Math.floor((b + 1) * size));
    let lo = -1;
    let hi = -1;
    for (let i = start; i < end; i++) {
      if (!Number.isFinite(values[i])) continue;
      if (lo < 0 || values[i] < values[lo]) lo = i;
      if (hi < 0 || values[i] > values[hi]) hi = i;
    }
    if (lo < 0) out.push(point(start));
    else if (lo === hi) out.push(point(lo));
    else out.push(point(Math.min(lo, hi)), point(Math.max(lo, hi)));
  }
  return out;
}

/** Episodes shown under a task filter ('' = all). */
export function filterEpisodes<E extends { tasks: string[] }>(episodes: E[], task: string): E[] {
  return task ? episodes.filter((e) => e.tasks.includes(task)) : episodes;
}

/** The predicted frames in one cell of the confusion matrix (label row, prediction column). */
export function cellFrames<F extends { label?: number; pred?: number }>(frames: F[], label: number, pred: number): F[] {
  return frames.filter((f) => f.label === label && f.pred === pred);
}

/** An episode's predictions by frame index, for the strip under its labels. */
export function episodePredictions(frames: Array<{ episode: number; frame: number; pred?: number }>, episode: number): Map<number, number> {
  const out = new Map<number, number>();
  for (const f of frames) if (f.episode === episode && f.pred !== undefined) out.set(f.frame, f.pred);
  return out;
}
