#!/usr/bin/env node
// Independent baselines for `npm run bench`, run in their own process: they share no code
// with VLM Lens. `parse FILE`: JSON.parse of every line, read in 4 MB chunks and cut at the
// newline bytes (the least a validator must do). `lines FILE`: count the newline bytes, read
// in 4 MB chunks (the least an index must do). Prints the count; the caller times the process.
import { closeSync, openSync, readSync } from 'node:fs';

const [, , what, file] = process.argv;
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
