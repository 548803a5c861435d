/**
 * Near-duplicate images by perceptual hash (64-bit dHash): images whose hashes differ in at
 * most `maxDistance` bits are the same picture (resized, re-encoded, recompressed). Pairs
 * are found without comparing every image with every other: by the pigeonhole principle two
 * hashes within `maxDistance` bits agree exactly on at least one of `maxDistance + 1` chunks
 * of the hash, so only images sharing a chunk are compared. Clusters keep their first image.
 */
import { UnionFind } from './unionFind';

export interface HashedImage {
  /** caller's key (an index into its list of images) */
  key: number;
  hi: number;
  lo: number;
}

export interface ImageCluster {
  kept: number;
  members: Array<{ key: number; distance: number }>;
}

function popcount(x: number): number {
  let v = x >>> 0;
  v -= (v >>> 1) & 0x55555555;
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24) & 0xff;
}

export function hamming(a: { hi: number; lo: number }, b: { hi: number; lo: number }): number {
  return popcount(a.hi ^ b.hi) + popcount(a.lo ^ b.lo);
}

/** Bits [from, from + n) of the 64-bit hash, as a number (n ≤ 32). */
function chunk(h: { hi: number; lo: number }, from: number, n: number): number {
  let v = 0;
  for (let i = 0; i < n; i++) {
    const b = from + i;
    const bit = b < 32 ? (h.lo >>> b) & 1 : (h.hi >>> (b - 32)) & 1;
    v |= bit << i;
  }
  return v >>> 0;
}

export function findImageDuplicates(images: HashedImage[], maxDistance = 4, bucketCap = 200): ImageCluster[] {
  const chunks = maxDistance + 1;
  const width = Math.ceil(64 / chunks);
  const buckets: Array<Map<number, number[]>> = Array.from({ length: chunks }, () => new Map<number, number[]>());
  const uf = new UnionFind();
  const byKey = new Map(images.map((im, i) => [im.key, i]));
  const order = [...images].sort((a, b) => a.key - b.key);
  for (const im of order) {
    const cands = new Set<number>();
    for (let c = 0; c < chunks; c++) {
      const from = c * width;
      const n = Math.min(width, 64 - from);
      if (n <= 0) break;
      const k = chunk(im, from, n);
      const bucket = buckets[c].get(k);
      if (!bucket) buckets[c].set(k, [im.key]);
      else {
        for (const other of bucket) cands.add(other);
        if (bucket.length < bucketCap) bucket.push(im.key);
      }
    }
    for (const other of cands) {
      const o = images[byKey.get(other)!];
      if (hamming(im, o) <= maxDistance) uf.union(other, im.key);
    }
  }
  const groups = new Map<number, number[]>();
  for (const k of uf.members()) {
    const root = uf.find(k);
    if (root === k) continue;
    const g = groups.get(root);
    if (g) g.push(k);
    else groups.set(root, [k]);
  }
  return [...groups.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([kept, ms]) => ({ kept, members: ms.sort((a, b) => a - b).map((key) => ({ key, distance: hamming(images[byKey.get(kept)!], images[byKey.get(key)!]) })) }));
}
