/**
 * Which frame a time shows, from the frames' timestamps: pure (no imports), so the host and
 * the LeRobot view's webview place frames by one rule.
 */

/** The row shown at `seconds` into the episode: the last frame whose timestamp is at or before it (0 before the first, or with none). */
export function rowAtTime(timestamp: ArrayLike<number>, seconds: number): number {
  let lo = 0;
  let hi = timestamp.length - 1;
  if (hi < 0) return 0;
  const t = seconds + 1e-6;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (timestamp[mid] <= t) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}
