#!/usr/bin/env node
// `npm run bench`: the performance figures the issues name, each printed beside a
// baseline measured in the same run (ratios, not absolute times: machines are noisy).
// Benchmarks are not tests: a missed target is reported, the exit code stays 0.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ensureNodeModules, root } from './lib/setup.mjs';
import { generateLlava } from './bench/generate.mjs';
import { build } from 'esbuild';

ensureNodeModules();
const dataDir = join(root, 'bench-data');
mkdirSync(dataDir, { recursive: true });
const big = join(dataDir, 'llava_1m.jsonl');
const small = join(dataDir, 'llava_1k.jsonl');
console.log('[bench] generating data (cached in bench-data/)…');
// three bad records at the end (as in the file issue 15 was measured on): validation must find them
const BAD = [
  '{"id": "llava-00000007", "image": "coco/train2017/000000000007.jpg", "conversations": [{"from": "human", "value": "<image>\\nagain?"}, {"from": "gpt", "value": "yes."}]}',
  '{"id": "bad-truncated", "image": "coco/train2017/000000000001.jpg", "conversations": [{"from": "human", "value": "<image>\\ncut',
  '{"id": "bad-placeholders", "image": "coco/train2017/000000000002.jpg", "conversations": [{"from": "human", "value": "<image>\\n<image>\\ntwo?"}, {"from": "gpt", "value": "one."}]}',
];
const bigSize = await generateLlava(big, 1_000_000, 357_408_749 + BAD.reduce((n, l) => n + Buffer.byteLength(l) + 1, 0), BAD);
const smallSize = await generateLlava(small, 1_000, undefined);

// The worker thread and schemas as shipped (dist/), and the cases bundled the same way.
execFileSync(process.execPath, [join(root, 'scripts/build.mjs'), '--production'], { cwd: root, stdio: 'inherit' });
const casesJs = join(dataDir, 'bench-cases.cjs');
await build({ entryPoints: [join(root, 'scripts/bench/cases.ts')], bundle: true, platform: 'node', format: 'cjs', target: 'node20', mainFields: ['module', 'main'], outfile: casesJs, external: ['sharp', '@duckdb/node-api'], logLevel: 'warning' });

function runCase(name, file, arg, nodeArgs = []) {
  const r = spawnSync(process.execPath, [...nodeArgs, casesJs, name, file, arg ?? ''], { cwd: root, encoding: 'utf8', maxBuffer: 1 << 24, env: { ...process.env, VLM_LENS_ROOT: root } });
  if (r.status !== 0) throw new Error(`bench case ${name} failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

function timeCommand(cmd, args, runs = 5) {
  spawnSync(cmd, args); // warm-up (page cache)
  const samples = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    const r = spawnSync(cmd, args, { encoding: 'utf8' });
    samples.push(performance.now() - t);
    if (r.status !== 0 && r.status !== 1) throw new Error(`${cmd} failed: ${r.stderr}`);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)];
}

const rows = [];
/** One row of the table; `ratio: false` for figures whose target is absolute (the baseline is context). */
function report(figure, value, unit, baselineLabel, baseline, target, ok, ratio = true) {
  const num = (v) => v.toFixed(v < 10 ? 2 : 0);
  rows.push({ figure, value: `${num(value)} ${unit}`, baseline: baseline === undefined ? baselineLabel : `${baselineLabel}: ${num(baseline)} ${unit}`, ratio: ratio ? `${(value / baseline).toFixed(2)}×` : '', target, ok });
}

const mb = (n) => `${(n / 1024 / 1024).toFixed(0)} MB`;
console.log(`[bench] ${big}: ${mb(bigSize)}, 1,000,000 records; ${small}: ${(smallSize / 1024).toFixed(0)} KB, 1,000 records`);

// Issue 3: dataset viewer engine
const wc = timeCommand('wc', ['-l', big]);
const idx = runCase('index', big).value;
report('full index of the 1M file', idx, 'ms', 'wc -l', wc, '≤ 2× wc -l', idx <= 2 * wc);

const fpBig = runCase('firstPage', big).value;
const fpSmall = runCase('firstPage', small).value;
// in-process figures: the baseline is the same least work done by scripts/bench/bare.mjs, timed inside its own process
const bareTime = (...args) => Number(execFileSync(process.execPath, [join(root, 'scripts/bench/bare.mjs'), ...args], { encoding: 'utf8' }).trim());
const headBare = bareTime('head', big, '50');
report(`first page (50 records parsed + normalized), 1M file (1k file: ${fpSmall.toFixed(2)} ms)`, fpBig, 'ms', 'bare read + JSON.parse of the first 50 lines', headBare, '≤ 1.5× 1k, < 100 ms', fpBig <= 1.5 * fpSmall && fpBig < 100);

const fetchLast = runCase('fetchRecord', big, 'last').value;
const fetchFirst = runCase('fetchRecord', big, '0').value;
report(`fetch record 999,999 after indexing (record 0: ${fetchFirst.toFixed(2)} ms)`, fetchLast, 'ms', 'bare read + JSON.parse of the last line', bareTime('tail', big), '≤ 5 ms', fetchLast <= 5, false);

const memBig = runCase('indexMemory', big, undefined, ['--expose-gc']).value;
const memSmall = runCase('indexMemory', small, undefined, ['--expose-gc']).value;
// the baseline: the whole peak RSS of a bare newline count over the same file, in its own process
const bareLinesRss = (() => {
  const r = spawnSync(process.execPath, ['--import', pathToFileURL(join(root, 'scripts/bench/maxrss.mjs')).href, join(root, 'scripts/bench/bare.mjs'), 'lines', big], { encoding: 'utf8' });
  return Number(/MAXRSS_KB (\d+)/.exec(r.stderr ?? '')?.[1] ?? NaN) / 1024;
})();
report(`peak extra RSS while indexing the 1M file (1k file: ${memSmall.toFixed(1)} MB)`, memBig, 'MB', 'peak RSS of a bare newline count (own process, all of it)', bareLinesRss, '≤ 64 MB', memBig <= 64, false);

const needle = 'llava-00777777';
const grep = timeCommand('grep', ['-c', needle, big]);
const search = runCase('search', big, needle);
report(`search for a string found once (${search.matches} match)`, search.value, 'ms', 'grep -c', grep, '≤ 3× grep -c', search.value <= 3 * grep && search.matches === 1);

// Issues 5 and 15: validation (schema + VLM rules, no image lookups). Baselines are independent
// processes (scripts/bench/bare.mjs shares no code with VLM Lens), run alternately with the
// figure, median of 5.
const bare = join(root, 'scripts/bench/bare.mjs');
const cli = join(root, 'dist/cli.js');
const rssHook = pathToFileURL(join(root, 'scripts/bench/maxrss.mjs')).href;
/** Wall time of a whole process (median of `runs`), alternating with another command; also its peak RSS when preloaded with the hook. */
function alternate(a, b, runs = 5) {
  spawnSync(a[0], a.slice(1));
  spawnSync(b[0], b.slice(1));
  const ta = [];
  const tb = [];
  let rss = 0;
  let lastStdout = '';
  for (let i = 0; i < runs; i++) {
    for (const [cmd, out] of [[a, ta], [b, tb]]) {
      const t = performance.now();
      const r = spawnSync(cmd[0], cmd.slice(1), { encoding: 'utf8', maxBuffer: 1 << 28 });
      out.push(performance.now() - t);
      if (cmd === a) lastStdout = r.stdout;
      if (r.status !== 0 && r.status !== 1) throw new Error(`${cmd.join(' ')} failed: ${r.stderr}`);
      const m = /MAXRSS_KB (\d+)/.exec(r.stderr ?? '');
      if (m) rss = Math.max(rss, Number(m[1]) / 1024);
    }
  }
  const med = (xs) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
  return { a: med(ta), b: med(tb), rss, stdout: lastStdout };
}
const val = alternate([process.execPath, '--import', rssHook, cli, 'validate', big, '--json', '--no-images'], [process.execPath, bare, 'parse', big]);
const found = (() => {
  try {
    return JSON.parse(val.stdout).map((p) => p.code).join(', ');
  } catch {
    return 'unreadable output';
  }
})();
report(`\`vlm-lens validate FILE --json\` on the 1M file, end to end (found: ${found})`, val.a, 'ms', 'bare JSON.parse of every line (own process)', val.b, '≤ 2×, the 3 bad records found', val.a <= 2 * val.b && found.split(', ').length === 3);
report('  its peak RSS', val.rss, 'MB', '—', undefined, '≤ 300 MB', val.rss <= 300, false);
const ins = alternate([process.execPath, cli, 'inspect', big, '--index', '999999'], [process.execPath, bare, 'lines', big]);
report('`vlm-lens inspect FILE --index 999999`, end to end', ins.a, 'ms', 'bare newline count (own process)', ins.b, '≤ 1.5×', ins.a <= 1.5 * ins.b);
const workers = runCase('validateWorkers', big);
report(`validate the 1M file as the extension does: ${workers.workers} worker thread(s) (${workers.problems} problems), index built`, workers.value, 'ms', 'bare JSON.parse of every line (own process)', val.b, '≤ 1.5×, 3 problems', workers.value <= 1.5 * val.b && workers.problems === 3);
const single = runCase('validateAll', big);
report('  the same on one thread (for reference)', single.value, 'ms', 'bare JSON.parse of every line (own process)', val.b, '(no target)', undefined);

// Issue 11: one 10k-point trajectory pair scored in bounded time and memory; the baseline is
// a bare JSON.parse of the same file and of both point lists, in its own process
const trajFile = join(dataDir, 'traj_10k_pair.json');
if (!existsSync(trajFile)) {
  const pts = (n, off) => Array.from({ length: n }, (_, i) => [+(i * 0.05 + off).toFixed(2), +(240 + 200 * Math.sin(i / 300)).toFixed(2)]);
  writeFileSync(trajFile, JSON.stringify([{ id: 'pair', pred: JSON.stringify(pts(10_000, 3)), gt: JSON.stringify(pts(10_000, 0)) }]));
}
const traj = runCase('trajectory', trajFile);
const bareParse = (() => {
  const script = "const t=require('fs').readFileSync(process.argv[1],'utf8');const xs=[];for(let i=0;i<6;i++){const s=performance.now();const r=JSON.parse(t);JSON.parse(r[0].pred);JSON.parse(r[0].gt);xs.push(performance.now()-s)}xs.shift();xs.sort((a,b)=>a-b);console.log(xs[2])";
  return Number(execFileSync(process.execPath, ['-e', script, trajFile], { encoding: 'utf8' }).trim());
})();
report(`score a 10k-point trajectory pair (DTW, Fréchet, Hausdorff, RMSE; peak +${traj.peakExtraMb.toFixed(0)} MB RSS)`, traj.value, 'ms', 'bare JSON.parse of the pair', bareParse, '< 1000 ms, ≤ 100 MB', traj.value < 1000 && traj.peakExtraMb <= 100, false);

// Issue 16: exploration through DuckDB. The baseline is the same bare JSON.parse of every
// line (its own process) as for validation; dedup is measured on 100k records with planted
// near copies against its 30 s target.
const where = "conversations[2].value LIKE '%red red red%'";
const filt = runCase('filter', big, where);
report(`a WHERE filter over the 1M file, its table open (${filt.matches} matches)`, filt.value, 'ms', 'bare JSON.parse of every line (own process)', val.b, '≤ 1×', filt.value <= val.b);
const firstQuery = alternate([process.execPath, cli, 'query', big, `SELECT count(*) FROM records WHERE ${where}`], [process.execPath, bare, 'parse', big], 3);
report('  the first filter, end to end (`vlm-lens query`: index, schema of every record, count, filter)', firstQuery.a, 'ms', 'bare JSON.parse of every line (own process)', firstQuery.b, '(no target)', undefined);
const statsRun = alternate([process.execPath, '--import', rssHook, cli, 'stats', big, '--json'], [process.execPath, bare, 'parse', big], 3);
report('`vlm-lens stats FILE --json` on the 1M file, end to end (every field)', statsRun.a, 'ms', 'bare JSON.parse of every line (own process)', statsRun.b, '≤ 2×', statsRun.a <= 2 * statsRun.b);
report('  its peak RSS', statsRun.rss, 'MB', '—', undefined, '(no target; DuckDB limited to 512 MB, then spills)', undefined, false);
const dedupFile = join(dataDir, 'dedup_100k.jsonl');
if (!existsSync(dedupFile)) {
  // 100k records of 30 + 25 words; one in ten repeats an earlier one with one word changed
  let seed = 1;
  const rand = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const vocab = Array.from({ length: 5000 }, (_, i) => `w${i.toString(36)}`);
  const words = (n) => Array.from({ length: n }, () => vocab[Math.floor(rand() * vocab.length)]);
  const rows = [];
  const out = [];
  for (let i = 0; i < 100_000; i++) {
    let q;
    let a;
    if (i > 1000 && rand() < 0.1) {
      const src = rows[Math.floor(rand() * rows.length)];
      q = [...src[0]];
      q[5] = 'changed';
      a = src[1];
    } else {
      q = words(30);
      a = words(25);
    }
    rows.push([q, a]);
    out.push(JSON.stringify({ id: `d${i}`, conversations: [{ from: 'human', value: q.join(' ') }, { from: 'gpt', value: a.join(' ') }] }));
  }
  writeFileSync(dedupFile, out.join('\n') + '\n');
}
const dd = alternate([process.execPath, '--import', rssHook, cli, 'dedup', dedupFile, '--json'], [process.execPath, bare, 'parse', dedupFile], 3);
const ddFound = (() => {
  try {
    return JSON.parse(dd.stdout).duplicates;
  } catch {
    return 'unreadable output';
  }
})();
report(`\`vlm-lens dedup\` on 100k records with planted near copies (${ddFound} duplicates; peak ${dd.rss.toFixed(0)} MB RSS)`, dd.a, 'ms', 'bare JSON.parse of every line (own process)', dd.b, '≤ 30 s', dd.a <= 30_000);

// A Parquet copy of the 1M file (DuckDB writes it once): its first page as the viewer gets it
const bigParquet = join(dataDir, 'llava_1m.parquet');
if (!existsSync(bigParquet)) {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const db = await DuckDBInstance.create(':memory:');
  const c = await db.connect();
  await c.run(`COPY (SELECT * FROM read_json('${big}', format='newline_delimited', ignore_errors=true)) TO '${bigParquet}' (FORMAT parquet)`);
  c.closeSync();
  db.closeSync();
}
const pqFirst = runCase('parquetFirstPage', bigParquet);
// baseline: DuckDB alone reading the first 50 rows into JS objects, in its own process (median of 5 after a warm-up)
const pqBare = (() => {
  const script = "const {DuckDBInstance}=require('@duckdb/node-api');(async()=>{const xs=[];for(let i=0;i<6;i++){const t=performance.now();const db=await DuckDBInstance.create(':memory:');const c=await db.connect();const r=await c.runAndReadAll(`SELECT * FROM read_parquet('${process.argv[1]}') LIMIT 50`);r.getRowObjectsJS();c.closeSync();db.closeSync();xs.push(performance.now()-t)}xs.shift();xs.sort((a,b)=>a-b);console.log(xs[2])})()";
  return Number(execFileSync(process.execPath, ['-e', script, bigParquet], { encoding: 'utf8', cwd: root }).trim());
})();
report(`first page of a Parquet dataset (the 1M file as Parquet, ${mb(statSync(bigParquet).size)}): first rows converted, indexed, 50 read`, pqFirst.value, 'ms', 'DuckDB alone reading its first 50 rows (own process)', pqBare, '< 1000 ms', pqFirst.value < 1000);

// Issue 16: about 1 GB of images in one Parquet file, as DuckDB's COPY writes it (images as
// {bytes, path}, 2,048 rows per page). Two files: small images (12 KB JPEGs, 25 MB pages), and
// large ones (190 KB JPEGs: 380 MB pages, which the default memory limit cannot hold; the
// reader goes on with more). Sixteen different noise JPEGs, a row's bytes made distinct, so
// that nothing compresses.
async function imageParquet(path, width, height) {
  if (existsSync(path)) return;
  const { createRequire } = await import('node:module');
  const sharp = createRequire(join(root, 'package.json'))('sharp');
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const jpgs = [];
  for (let k = 0; k < 16; k++) {
    const p = join(dataDir, `noise-${width}-${k}.jpg`);
    await sharp({ create: { width, height, channels: 3, noise: { type: 'gaussian', mean: 128, sigma: 50 } } }).jpeg({ quality: 85 }).toFile(p);
    jpgs.push(p);
  }
  const each = statSync(jpgs[0]).size;
  const rows = Math.ceil(1.05e9 / each);
  const db = await DuckDBInstance.create(':memory:');
  const c = await db.connect();
  await c.run(`CREATE TABLE jpg AS SELECT row_number() OVER () - 1 AS k, content FROM read_blob([${jpgs.map((p) => `'${p}'`).join(', ')}])`);
  await c.run(`COPY (SELECT 'img-' || i AS id, [{'role': 'user', 'content': '<image>What is in picture ' || i || '?'}, {'role': 'assistant', 'content': 'Noise, number ' || i || '.'}] AS messages, [{'bytes': jpg.content || CAST(md5(i::VARCHAR) AS BLOB), 'path': 'noise-' || i || '.jpg'}] AS images FROM range(${rows}) t(i) JOIN jpg ON jpg.k = i % 16 ORDER BY i) TO '${path}' (FORMAT parquet)`);
  c.closeSync();
  db.closeSync();
}
for (const [name, w, h, label] of [['images_12k.parquet', 160, 120, '12 KB JPEGs, 25 MB pages'], ['images_190k.parquet', 640, 480, '190 KB JPEGs, 380 MB pages']]) {
  const path = join(dataDir, name);
  await imageParquet(path, w, h);
  const first = runCase('parquetFirstPage', path);
  const bare = Number(execFileSync(process.execPath, ['-e', "const {DuckDBInstance}=require('@duckdb/node-api');(async()=>{const xs=[];for(let i=0;i<6;i++){const t=performance.now();const db=await DuckDBInstance.create(':memory:',{memory_limit:'4GB'});const c=await db.connect();const r=await c.runAndReadAll(`SELECT * FROM read_parquet('${process.argv[1]}') LIMIT 50`);r.getRowObjectsJS();c.closeSync();db.closeSync();xs.push(performance.now()-t)}xs.shift();xs.sort((a,b)=>a-b);console.log(xs[2])})()", path], { encoding: 'utf8', cwd: root }).trim());
  report(`first page of ${mb(statSync(path).size)} of images in Parquet (${label}): first rows converted, images written, 50 read`, first.value, 'ms', 'DuckDB alone (4 GB allowed) reading its first 50 rows (own process)', bare, '< 1000 ms', first.value < 1000);
}

// Issue 17: a LeRobot dataset of 400 episodes × 600 frames (action and state of 14 joints,
// 5 reward bins; no videos), its Parquet files written once by DuckDB. Baselines, each in its
// own process: the overview against reading episodes.jsonl with JSON.parse and one stat per
// file; an episode against DuckDB alone reading that file into JS columns; the label balance
// against DuckDB alone counting the argmax of every frame's bins over the files.
const lrRoot = join(dataDir, 'lerobot_400x600');
if (!existsSync(join(lrRoot, 'meta', 'info.json'))) {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  mkdirSync(join(lrRoot, 'meta'), { recursive: true });
  mkdirSync(join(lrRoot, 'data', 'chunk-000'), { recursive: true });
  const joints = Array.from({ length: 14 }, (_, j) => `joint_${j}`);
  const cams = ['cam_high', 'cam_left_wrist', 'cam_right_wrist'].map((c) => `observation.images.${c}`);
  const info = {
    codebase_version: 'v2.1', robot_type: 'aloha', total_episodes: 400, total_frames: 400 * 600, total_tasks: 1, chunks_size: 1000, fps: 30, splits: { train: '0:400' },
    data_path: 'data/chunk-{episode_chunk:03d}/episode_{episode_index:06d}.parquet',
    video_path: 'videos/chunk-{episode_chunk:03d}/{video_key}/episode_{episode_index:06d}.mp4',
    features: {
      action: { dtype: 'float32', shape: [14], names: joints }, 'observation.state': { dtype: 'float32', shape: [14], names: joints }, reward_bins: { dtype: 'float32', shape: [5], names: null },
      ...Object.fromEntries(cams.map((c) => [c, { dtype: 'video', shape: [480, 640, 3], info: { 'video.codec': 'av1' } }])),
      timestamp: { dtype: 'float32', shape: [1] }, frame_index: { dtype: 'int64', shape: [1] }, episode_index: { dtype: 'int64', shape: [1] }, index: { dtype: 'int64', shape: [1] }, task_index: { dtype: 'int64', shape: [1] },
    },
  };
  writeFileSync(join(lrRoot, 'meta', 'info.json'), JSON.stringify(info, null, 4));
  writeFileSync(join(lrRoot, 'meta', 'tasks.jsonl'), JSON.stringify({ task_index: 0, task: 'fold the towel' }) + '\n');
  writeFileSync(join(lrRoot, 'meta', 'episodes.jsonl'), Array.from({ length: 400 }, (_, e) => JSON.stringify({ episode_index: e, tasks: ['fold the towel'], length: 600 })).join('\n') + '\n');
  const db = await DuckDBInstance.create(':memory:');
  const c = await db.connect();
  for (let e = 0; e < 400; e++) {
    const out = join(lrRoot, 'data', 'chunk-000', `episode_${String(e).padStart(6, '0')}.parquet`);
    await c.run(`COPY (SELECT CAST(list_transform(range(14), j -> sin(i / 50 + j + ${e})) AS FLOAT[]) AS action, CAST(list_transform(range(14), j -> cos(i / 50 + j + ${e})) AS FLOAT[]) AS "observation.state", CAST(list_transform(range(5), b -> CASE WHEN b = (i * 5) // 600 THEN 0.8 ELSE 0.05 END) AS FLOAT[]) AS reward_bins, CAST(i / 30 AS FLOAT) AS timestamp, CAST(i AS BIGINT) AS frame_index, CAST(${e} AS BIGINT) AS episode_index, CAST(${e * 600} + i AS BIGINT) AS "index", CAST(0 AS BIGINT) AS task_index FROM range(600) t(i)) TO '${out}' (FORMAT parquet)`);
  }
  c.closeSync();
  db.closeSync();
}
const lrOpen = runCase('lerobotOpen', lrRoot);
const lrOpenBare = Number(execFileSync(process.execPath, ['-e', "const fs=require('fs'),p=require('path');const r=process.argv[1];const xs=[];for(let k=0;k<6;k++){const t=performance.now();const info=JSON.parse(fs.readFileSync(p.join(r,'meta/info.json'),'utf8'));const eps=fs.readFileSync(p.join(r,'meta/episodes.jsonl'),'utf8').split('\\n').filter(Boolean).map(l=>JSON.parse(l));for(const e of eps){const n=String(e.episode_index).padStart(6,'0');for(const f of ['data/chunk-000/episode_'+n+'.parquet',...['cam_high','cam_left_wrist','cam_right_wrist'].map(c=>'videos/chunk-000/observation.images.'+c+'/episode_'+n+'.mp4')]){try{fs.statSync(p.join(r,f))}catch{}}}xs.push(performance.now()-t)}xs.shift();xs.sort((a,b)=>a-b);console.log(xs[2])", lrRoot], { encoding: 'utf8', cwd: root }).trim());
report(`LeRobot overview: ${lrOpen.episodes} episodes read from meta, each one's data and three videos checked`, lrOpen.value, 'ms', 'JSON.parse of episodes.jsonl and a stat per file (own process)', lrOpenBare, '≤ 3×', lrOpen.value <= 3 * lrOpenBare);
const lrEp = runCase('lerobotEpisode', lrRoot, '200');
const epFile = join(lrRoot, 'data', 'chunk-000', 'episode_000200.parquet');
const lrEpBare = Number(execFileSync(process.execPath, ['-e', "const {DuckDBInstance}=require('@duckdb/node-api');(async()=>{const xs=[];for(let i=0;i<8;i++){const t=performance.now();const db=await DuckDBInstance.create(':memory:');const c=await db.connect();const r=await c.runAndReadAll(`SELECT * FROM read_parquet('${process.argv[1]}')`);r.getColumnsJS();c.closeSync();db.closeSync();xs.push(performance.now()-t)}xs.shift();xs.sort((a,b)=>a-b);console.log(xs[3])})()", epFile], { encoding: 'utf8', cwd: root }).trim());
report(`LeRobot episode: ${lrEp.rows} frames' signals, labels and timestamps from its Parquet file`, lrEp.value, 'ms', 'DuckDB alone reading the file into JS columns (own process)', lrEpBare, '≤ 2×', lrEp.value <= 2 * lrEpBare);
const lrBal = runCase('lerobotBalance', lrRoot);
const lrBalBare = Number(execFileSync(process.execPath, ['-e', "const {DuckDBInstance}=require('@duckdb/node-api');(async()=>{const xs=[];for(let i=0;i<4;i++){const t=performance.now();const db=await DuckDBInstance.create(':memory:');const c=await db.connect();const r=await c.runAndReadAll(`SELECT episode_index, list_position(reward_bins, list_max(reward_bins)) AS c, count(*) FROM read_parquet('${process.argv[1]}/data/*/*.parquet') GROUP BY ALL`);r.getRowObjectsJS();c.closeSync();db.closeSync();xs.push(performance.now()-t)}xs.shift();xs.sort((a,b)=>a-b);console.log(xs[1])})()", lrRoot], { encoding: 'utf8', cwd: root }).trim());
report(`LeRobot label balance: ${lrBal.frames} frames' reward-bin argmax counted per episode`, lrBal.value, 'ms', 'DuckDB alone, the same count over the files (own process)', lrBalBare, '≤ 1.5×', lrBal.value <= 1.5 * lrBalBare);

// ---- table ----
const cols = ['figure', 'value', 'baseline', 'ratio', 'target'];
const widths = cols.map((c) => Math.max(c.length, ...rows.map((r) => String(r[c]).length)));
const line = (cells) => cells.map((c, i) => String(c).padEnd(widths[i])).join('  ');
console.log('');
console.log(line(cols) + '  ok');
console.log(widths.map((w) => '-'.repeat(w)).join('  ') + '  --');
for (const r of rows) console.log(line(cols.map((c) => r[c])) + '  ' + (r.ok === undefined ? '-' : r.ok ? 'yes' : 'MISSED'));
const held = rows.filter((r) => r.ok !== undefined);
const missed = held.filter((r) => !r.ok).length;
console.log(`\n[bench] ${held.length - missed} of ${held.length} figures within target${missed ? ` (${missed} missed)` : ''}`);
