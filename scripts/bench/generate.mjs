// Deterministic LLaVA-style JSONL for the benchmarks (same bytes every time).
import { createWriteStream, existsSync, statSync } from 'node:fs';

const WORDS = ['red', 'cup', 'block', 'table', 'gripper', 'left', 'right', 'pick', 'place', 'robot', 'move', 'the', 'a', 'on', 'near', 'blue'];

/**
 * Writes `n` records to `path`, then the `tail` lines as they are, unless a file with the
 * expected size is already there. Returns the size.
 */
export async function generateLlava(path, n, expectedSize, tail = []) {
  if (expectedSize && existsSync(path) && statSync(path).size === expectedSize) return expectedSize;
  let seed = 12345;
  const rnd = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
  const phrase = (k) => Array.from({ length: k }, () => WORDS[Math.floor(rnd() * WORDS.length)]).join(' ');
  const ws = createWriteStream(path);
  let buf = '';
  for (let i = 0; i < n; i++) {
    const rec = {
      id: `llava-${String(i).padStart(8, '0')}`,
      image: `coco/train2017/${String(i % 118287).padStart(12, '0')}.jpg`,
      conversations: [
        { from: 'human', value: `<image>\n${phrase(14)}?` },
        { from: 'gpt', value: phrase(28) + '.' },
      ],
    };
    buf += JSON.stringify(rec) + '\n';
    if (buf.length > 1 << 20) {
      if (!ws.write(buf)) await new Promise((r) => ws.once('drain', r));
      buf = '';
    }
  }
  for (const line of tail) buf += line + '\n';
  await new Promise((r) => ws.end(buf, r));
  return statSync(path).size;
}
