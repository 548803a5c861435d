#!/usr/bin/env node
// Independent baselines for `npm run bench`, run in their own process: they share no code
// with VLM Lens. `parse FILE`: JSON.parse of every line, read in 4 MB chunks and cut at the
// newline bytes (the least a validator must do). `lines FILE`: count the newline bytes, read
// in 4 MB chunks (the least an index must do). Prints the count; the caller times the process.
// `head FILE N`: open the file, read its first 256 KB and JSON.parse its first N lines; `tail
// FILE`: read the last 64 KB and JSON.parse the last line (the least a viewer must do to show
// the first page, or a record at the end). These two print the median of 15 in-process times, ms.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

const [, , what, file, nArg] = process.argv;
if (what === 'head' || what === 'tail') {
  const times = [];
  for (let k = 0; k < 15; k++) {
    const t0 = performance.now();
    const f = openSync(file, 'r');
    const size = fstatSync(f).size;
    const len = Math.min(size, what === 'head' ? 256 << 10 : 64 << 10);
    const b = Buffer.alloc(len);
    readSync(f, b, 0, len, what === 'head' ? 0 : size - len);
    closeSync(f);
    const lines = b.toString('utf8').split('\n').filter((l) => l.trim());
    const pick = what === 'head' ? lines.slice(0, Number(nArg ?? 50)) : lines.slice(-1);
    for (const l of pick) {
      try {
        JSON.parse(l);
      } catch {
        /* a bad line is still read */
      }
    }
    times.push(performance.now() - t0);
  }
  times.sort((a, c) => a - c);
  console.log(times[Math.floor(times.length / 2)]);
  process.exit(0);
}
const fd = openSync(file, 'r');
const buf = Buffer.alloc(4 << 20);
let count = 0;
let carry = Buffer.alloc(0);
const parse = (b, from, to) => {
  if (to <= from) return;
  try {
    JSON.parse(b.toString('utf8', from, to));
  } catch {
    /* a bad line is still read */
  }
  count++;
};
for (;;) {
  const n = readSync(fd, buf, 0, buf.length, null);
  if (n === 0) break;
  const chunk = what === 'lines' || !carry.length ? buf.subarray(0, n) : Buffer.concat([carry, buf.subarray(0, n)]);
  let start = 0;
  for (let i = chunk.indexOf(10); i >= 0; i = chunk.indexOf(10, start)) {
    if (what === 'lines') count++;
    else parse(chunk, start, i);
    start = i + 1;
  }
  if (what !== 'lines') carry = Buffer.from(chunk.subarray(start));
}
if (what !== 'lines') parse(carry, 0, carry.length);
closeSync(fd);
console.log(count);
