/**
 * LeRobot datasets: real public meta files (a v2.1 dataset's info with names nested in a
 * list, its episodes and episode statistics; a v3.0 info; a meta/info.json that is not
 * LeRobot's) and a constructed v2.1 dataset with Parquet written by DuckDB and AV1 videos
 * (test/lerobotFixture.ts), whose values follow formulas this test computes on its own.
 * Also: path templates that lead outside, an unknown version, broken meta lines, a corrupt
 * Parquet file, a v3.0 chunked layout, the classification report and `vlm-lens metrics` on a
 * classifier's output with labels taken from the dataset.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { combineStats, EPISODE_CAP, leRobotRootOf, openLeRobot } from '../../src/core/lerobot/dataset';
import { computeStats, labelBalance } from '../../src/core/lerobot/views';
import { argmax, frameAt, readEpisodeFrames, rowAtTime, rowOfFrame } from '../../src/core/lerobot/frames';
import { confinedPath, DatasetFiles, featureNames, fillTemplate, parseInfo } from '../../src/core/lerobot/meta';
import { classId, classificationReport } from '../../src/core/eval/classification';
import { isClassifierOutput, predictionMetrics } from '../../src/core/eval/predictionMetrics';
import { detectFormat } from '../../src/core/records/normalize';
import { BINS, CAMERAS, expectedAction, expectedLabel, expectedState, FPS, FRAMES, JOINTS, TASK, buildLeRobotDataset } from '../lerobotFixture';
import { runCli } from './runCli';

const real = join(__dirname, '..', 'fixtures', 'real', 'lerobot');
const videos = join(__dirname, '..', 'fixtures', 'lerobot', 'videos');
let tmp: string;
let ds: string;

before(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'vlm-lens-lerobot-'));
  ds = join(tmp, 'aloha');
  await buildLeRobotDataset(ds, videos);
});

after(() => rmSync(tmp, { recursive: true, force: true }));

test('real v2.1 meta (YifanTian07/G1-policy-train): names nested in a list, one AV1 camera, episodes and their statistics', async () => {
  const root = join(real, 'g1-policy-train');
  assert.equal(await leRobotRootOf(root), root);
  assert.equal(await leRobotRootOf(join(root, 'meta', 'info.json')), root);
  const d = await openLeRobot(root);
  assert.equal(d.info.version, 'v2.1');
  assert.equal(d.info.fps, 30);
  assert.equal(d.info.robotType, 'Unitree_G1_Inspire');
  const state = d.info.features.find((f) => f.key === 'observation.state');
  assert.equal(state?.names?.length, 26);
  assert.equal(state?.names?.[0], 'kLeftShoulderPitch');
  assert.equal(state?.names?.[25], 'kRightHandThumbRotation');
  const cams = d.info.features.filter((f) => f.dtype === 'video');
  assert.deepEqual(cams.map((c) => [c.key, c.video?.codec, c.video?.width, c.video?.height]), [['observation.images.cam_high', 'av1', 640, 480]]);
  // the five episode lines kept, with their lengths as written
  assert.deepEqual(d.episodes.map((e) => e.length), [479, 393, 343, 459, 357]);
  assert.equal(d.episodes[0].duration, 479 / 30);
  assert.deepEqual(d.episodes[0].tasks, ['Pick up the yellow bottle on the table.']);
  assert.deepEqual(d.tasks, [{ index: 0, task: 'Pick up the yellow bottle on the table.' }]);
  // statistics: episode 0's numeric features (the camera's are left out), count 479
  assert.equal(d.episodes[0].stats?.action.count, 479);
  assert.equal(d.episodes[0].stats?.action.min.length, 26);
  assert.equal(d.episodes[0].stats?.action.max[23], 1.0);
  assert.equal(d.episodes[0].stats?.['observation.images.cam_high'], undefined);
  assert.equal(d.statsSource, 'episodes_stats.jsonl');
  assert.equal(d.stats.timestamp.max[0], 15.933333333333334);
  // the repository holds meta only: every data and video file is said missing, and the count disagreement
  assert.ok(d.episodes.every((e) => !e.dataExists && e.problems.some((p) => /data file data\/chunk-000\/episode_00000\d\.parquet is missing/.test(p))));
  assert.ok(d.problems.some((p) => /total_episodes is 100, the episode list has 5/.test(p.message)));
  // opened as files, its meta lines are LeRobot records, not "Unknown" ones
  const firstLine = (f: string) => JSON.parse(readFileSync(join(root, 'meta', f), 'utf8').split('\n')[0]) as unknown;
  assert.equal(detectFormat(firstLine('episodes.jsonl')), 'lerobot-episode');
  assert.equal(detectFormat(firstLine('episodes_stats.jsonl')), 'lerobot-episode-stats');
  assert.equal(detectFormat(firstLine('tasks.jsonl')), 'lerobot-task');
  assert.equal(detectFormat(JSON.parse(readFileSync(join(root, 'meta', 'info.json'), 'utf8'))), 'lerobot-info');
  // a classifier's output is not an episode line
  assert.notEqual(detectFormat({ episode_index: 0, frame_index: 3, pred: 1 }), 'lerobot-episode');
});

test('real v3.0 info (paulpacaud/lerobot) is read; a meta/info.json that is not LeRobot\'s (Trace-Datasets) is refused by what it lacks', async () => {
  const d = await openLeRobot(join(real, 'paulpacaud-lerobot-v3'));
  assert.equal(d.info.version, 'v3.0');
  assert.equal(d.info.dataPath, 'data/chunk-{chunk_index:03d}/file-{file_index:03d}.parquet');
  assert.deepEqual(d.info.features.find((f) => f.key === 'action')?.names?.slice(0, 2), ['shoulder_pan.pos', 'shoulder_lift.pos']);
  assert.equal(d.info.features.find((f) => f.key === 'observation.images.front')?.video?.codec, undefined);
  assert.equal(d.episodes.length, 0);
  assert.ok(d.problems.some((p) => p.file === 'meta/episodes/' && /no episode list/.test(p.message)));
  await assert.rejects(openLeRobot(join(real, 'trace-painting-not-lerobot')), /no "codebase_version": not a LeRobot dataset/);
});

test('feature names: a flat list, a nested list, {motors: [...]}, and unusable ones', () => {
  assert.deepEqual(featureNames(['a', 'b'], [2]), ['a', 'b']);
  assert.deepEqual(featureNames([['a', 'b']], [2]), ['a', 'b']);
  assert.deepEqual(featureNames({ motors: ['a', 'b'] }, [2]), ['a', 'b']);
  assert.equal(featureNames([1, 2], [2]), undefined);
  assert.equal(featureNames(null, [1]), undefined);
  assert.equal(featureNames(['a', 'b', 'c'], [2]), undefined);
  assert.deepEqual(featureNames(['height', 'width', 'channels'], [480, 640, 3]), ['height', 'width', 'channels']);
});

test('path templates: Python format specs filled; a template or link that leads outside the dataset is refused', async () => {
  assert.equal(fillTemplate('data/chunk-{episode_chunk:03d}/episode_{episode_index:06d}.parquet', { episode_chunk: 1, episode_index: 1042 }), 'data/chunk-001/episode_001042.parquet');
  assert.equal(fillTemplate('videos/{video_key}/x.mp4', { video_key: 'observation.images.top' }), 'videos/observation.images.top/x.mp4');
  assert.throws(() => fillTemplate('data/{nope}.parquet', {}), /names \{nope\}/);
  const root = join(tmp, 'confined');
  mkdirSync(join(root, 'data'), { recursive: true });
  await assert.rejects(confinedPath(root, '../outside.parquet'), /leads outside/);
  await assert.rejects(confinedPath(root, '/etc/passwd'), /leads outside/);
  symlinkSync('/etc', join(root, 'data', 'link'));
  await assert.rejects(confinedPath(root, 'data/link/passwd'), /links outside/);
  assert.equal(await confinedPath(root, 'data/ok.parquet'), join(root, 'data', 'ok.parquet'));
  // the episode checks list each folder once: a folder or a file linked out of the dataset is refused too
  writeFileSync(join(root, 'data', 'ok.parquet'), 'x');
  symlinkSync('/etc/passwd', join(root, 'data', 'out.parquet'));
  symlinkSync(join(root, 'data', 'ok.parquet'), join(root, 'data', 'in.parquet'));
  const files = new DatasetFiles(root);
  assert.equal(await files.exists('data/ok.parquet'), true);
  assert.equal(await files.exists('data/in.parquet'), true, 'a link inside the dataset is followed');
  assert.equal(await files.exists('data/missing.parquet'), false);
  assert.equal(await files.exists('nowhere/missing.parquet'), false);
  await assert.rejects(files.exists('data/out.parquet'), /links outside/);
  await assert.rejects(files.exists('data/link/passwd'), /links outside/);
  await assert.rejects(files.exists('../x.parquet'), /leads outside/);
  // a hostile info.json: its data_path climbs out; the episode says so, nothing is read from outside
  const hostile = join(tmp, 'hostile');
  mkdirSync(join(hostile, 'meta'), { recursive: true });
  writeFileSync(join(hostile, 'meta/info.json'), JSON.stringify({ codebase_version: 'v2.1', fps: 10, features: {}, data_path: '../../../../etc/passwd' }));
  writeFileSync(join(hostile, 'meta/episodes.jsonl'), '{"episode_index": 0, "tasks": [], "length": 1}\n');
  const h = await openLeRobot(hostile);
  assert.match(h.episodes[0].problems.join('\n'), /leads outside the dataset folder/);
  await assert.rejects(readEpisodeFrames(h, h.episodes[0]), /no data file|leads outside/);
});

test('an unknown codebase version is refused by name; broken meta lines cost only themselves, each located', async () => {
  const root = join(tmp, 'v9');
  mkdirSync(join(root, 'meta'), { recursive: true });
  writeFileSync(join(root, 'meta/info.json'), JSON.stringify({ codebase_version: 'v9.0', fps: 30, features: {} }));
  const d = await openLeRobot(root);
  assert.equal(d.info.version, undefined);
  assert.match(d.problems[0].message, /codebase_version "v9\.0" is not a layout VLM Lens reads/);
  assert.equal(d.episodes.length, 0);
  assert.throws(() => parseInfo('{"codebase_version": "v2.1", "features": {}, "fps": 0}'), /no usable "fps"/);
  assert.throws(() => parseInfo('{"codebase_version": "v2.1", "features": {'), /not JSON/);

  const broken = join(tmp, 'broken');
  await buildLeRobotDataset(broken, videos);
  appendFileSync(join(broken, 'meta/episodes.jsonl'), '{"episode_index": 3, "tasks": [\n{"episode_index": 0, "tasks": [], "length": 5}\n');
  const b = await openLeRobot(broken);
  assert.deepEqual(b.episodes.map((e) => e.index), [0, 1, 2]);
  assert.ok(b.problems.some((p) => p.file === 'meta/episodes.jsonl' && p.line === 4 && /not JSON/.test(p.message)));
  assert.ok(b.problems.some((p) => p.line === 5 && /episode 0 is listed twice/.test(p.message)));
  // many broken lines: the first 100 listed, the rest counted; past the episode cap, lines are counted, not read
  const noisy = join(tmp, 'noisy');
  mkdirSync(join(noisy, 'meta'), { recursive: true });
  writeFileSync(join(noisy, 'meta/info.json'), JSON.stringify({ codebase_version: 'v2.1', fps: 10, features: {} }));
  const good = Array.from({ length: EPISODE_CAP + 3 }, (_, i) => `{"episode_index":${i},"tasks":[],"length":1}`);
  writeFileSync(join(noisy, 'meta/episodes.jsonl'), [...Array.from({ length: 105 }, () => '{"episode_index": '), ...good].join('\n') + '\n');
  const nz = await openLeRobot(noisy);
  const listed = nz.problems.filter((p) => p.file === 'meta/episodes.jsonl' && p.line !== undefined);
  assert.equal(listed.length, 100);
  assert.ok(nz.problems.some((p) => p.message === '5 more lines are not JSON objects (the first 100 are listed)'));
  assert.equal(nz.episodes.length, EPISODE_CAP);
  assert.equal(nz.episodesNotRead, 3);
  // a corrupt Parquet file: that episode cannot be read, with the reason; the other still can
  writeFileSync(join(broken, 'data/chunk-000/episode_000001.parquet'), 'PAR1 this is not parquet');
  await assert.rejects(readEpisodeFrames(b, b.episodes[1]), /./);
  assert.equal((await readEpisodeFrames(b, b.episodes[0])).rows, FRAMES[0]);
});

test('the constructed Aloha-style dataset: overview, problems per episode, statistics combined from the episodes', async () => {
  const d = await openLeRobot(ds);
  assert.equal(d.info.fps, FPS);
  assert.deepEqual(d.info.features.filter((f) => f.dtype === 'video').map((f) => f.key), CAMERAS);
  assert.deepEqual(d.info.features.find((f) => f.key === 'observation.state')?.names, JOINTS);
  assert.deepEqual(d.episodes.map((e) => [e.index, e.length, e.dataExists]), [[0, FRAMES[0], true], [1, FRAMES[1] + 1, true], [2, 10, false]]);
  assert.deepEqual(d.episodes[0].problems, []);
  assert.equal(d.episodes[2].problems.length, 1 + CAMERAS.length);
  assert.ok(d.episodes[0].videos.every((v) => v.exists && v.from === 0));
  assert.equal(d.episodes[0].videos[2].file, 'videos/chunk-000/observation.images.cam_right_wrist/episode_000000.mp4');
  // dataset statistics: min of mins, max of maxes, means weighted by frame count
  const n0 = FRAMES[0];
  const n1 = FRAMES[1];
  assert.equal(d.stats.action.min[2], expectedAction(0, 0, 2));
  assert.equal(d.stats.action.max[2], expectedAction(1, n1 - 1, 2));
  assert.ok(Math.abs(d.stats.action.mean[1] - (expectedAction(0, (n0 - 1) / 2, 1) * n0 + expectedAction(1, (n1 - 1) / 2, 1) * n1) / (n0 + n1)) < 1e-9);
  assert.deepEqual(combineStats([]), {});
});

test('an episode\'s frames: every joint of action and state as written, reward-bin labels, timestamps; frame lookup and the cameras\' times', async () => {
  const d = await openLeRobot(ds);
  for (const e of [0, 1]) {
    const f = await readEpisodeFrames(d, d.episodes[e]);
    assert.equal(f.rows, FRAMES[e]);
    const action = f.signals.find((s) => s.key === 'action');
    const state = f.signals.find((s) => s.key === 'observation.state');
    assert.deepEqual(action?.names, JOINTS);
    assert.deepEqual(state?.names, JOINTS);
    for (let fr = 0; fr < FRAMES[e]; fr++) {
      for (let j = 0; j < JOINTS.length; j++) {
        assert.equal(action?.values[j][fr], expectedAction(e, fr, j), `action ${j} at episode ${e} frame ${fr}`);
        assert.equal(state?.values[j][fr], expectedState(e, fr, j));
      }
      assert.equal(f.labels?.values[fr], expectedLabel(e, fr), `label at episode ${e} frame ${fr}`);
      assert.equal(f.timestamp[fr], fr / FPS);
    }
    assert.equal(f.labels?.classes, BINS);
    assert.equal(f.labels?.rule, 'argmax');
    assert.deepEqual(f.problems, e === 1 ? [`episodes list says ${FRAMES[1] + 1} frames, its Parquet file has ${FRAMES[1]}`] : []);
  }
  const f0 = await readEpisodeFrames(d, d.episodes[0]);
  const row = rowOfFrame(f0, 12) as number;
  const at = frameAt(d.episodes[0], f0, row);
  assert.equal(at.frame, 12);
  assert.equal(at.label, expectedLabel(0, 12));
  assert.deepEqual(at.values.action, Object.fromEntries(JOINTS.map((n, j) => [n, expectedAction(0, 12, j)])));
  assert.deepEqual(at.cameras.map((c) => [c.key, c.time]), CAMERAS.map((c) => [c, 1.2]));
  assert.equal(at.task, TASK);
  assert.equal(rowAtTime(f0, 1.2), 12);
  assert.equal(rowAtTime(f0, 1.249), 12);
  assert.equal(rowAtTime(f0, 99), FRAMES[0] - 1);
  assert.equal(argmax([0, 0, 0]), 0);
  assert.equal(argmax([0.1, 0.7, 0.7]), 1);
});

test('label balance over the data files, and statistics computed from them when the dataset ships none', async () => {
  const root = join(tmp, 'nostats');
  await buildLeRobotDataset(root, videos);
  rmSync(join(root, 'meta', 'episodes_stats.jsonl'));
  const d = await openLeRobot(root);
  assert.equal(d.statsSource, 'none');
  const bal = await labelBalance(d);
  const counts = [0, 0, 0];
  const per = FRAMES.map(() => [0, 0, 0]);
  FRAMES.forEach((n, e) => {
    for (let f = 0; f < n; f++) {
      counts[expectedLabel(e, f)]++;
      per[e][expectedLabel(e, f)]++;
    }
  });
  assert.deepEqual(bal?.total, counts);
  assert.deepEqual(bal?.perEpisode, per.map((c, episode) => ({ episode, counts: c })));
  assert.equal(bal?.unlabelled, 0);
  const { rows, filesRead } = await computeStats(d);
  assert.equal(filesRead, 2);
  const action = rows.find((r) => r.key === 'action');
  assert.deepEqual(action?.names, JOINTS);
  const all = FRAMES.flatMap((n, e) => Array.from({ length: n }, (_, f) => [e, f]));
  JOINTS.forEach((_, j) => {
    const vals = all.map(([e, f]) => expectedAction(e, f, j));
    const close = (a: number | undefined, b: number, what: string) => assert.ok(a !== undefined && Math.abs(a - b) < 1e-5, `${what} of joint ${j}: ${a} vs ${b}`);
    close(action?.min[j], Math.min(...vals), 'min');
    close(action?.max[j], Math.max(...vals), 'max');
    close(action?.mean[j], vals.reduce((a, b) => a + b, 0) / vals.length, 'mean');
  });
  assert.equal(action?.count, all.length);
  assert.ok(!rows.some((r) => r.key === 'episode_index' || r.key.startsWith('observation.images')), 'bookkeeping columns and cameras are left out');
  assert.ok(rows.some((r) => r.key === 'timestamp' && r.names[0] === 'timestamp'));
});

test('v3.0: episodes from meta/episodes Parquet, frames picked from a shared data file, camera times offset by from_timestamp', async () => {
  const root = join(tmp, 'v3');
  mkdirSync(join(root, 'meta/episodes/chunk-000'), { recursive: true });
  mkdirSync(join(root, 'data/chunk-000'), { recursive: true });
  mkdirSync(join(root, 'videos/observation.images.top/chunk-000'), { recursive: true });
  writeFileSync(join(root, 'meta/info.json'), JSON.stringify({ codebase_version: 'v3.0', fps: 10, features: { action: { dtype: 'float32', shape: [2], names: ['x', 'y'] }, 'observation.images.top': { dtype: 'video', shape: [120, 160, 3], info: { 'video.codec': 'av1' } }, timestamp: { dtype: 'float32', shape: [1] }, frame_index: { dtype: 'int64', shape: [1] }, episode_index: { dtype: 'int64', shape: [1] } }, data_path: 'data/chunk-{chunk_index:03d}/file-{file_index:03d}.parquet', video_path: 'videos/{video_key}/chunk-{chunk_index:03d}/file-{file_index:03d}.mp4' }));
  writeFileSync(join(root, 'videos/observation.images.top/chunk-000/file-000.mp4'), '');
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  try {
    await conn.run(`COPY (SELECT * FROM (VALUES (0, ['pick'], 3, 0, 0, 0, 0, 0.0), (1, ['place'], 2, 0, 0, 0, 0, 0.3)) t(episode_index, tasks, length, "data/chunk_index", "data/file_index", "videos/observation.images.top/chunk_index", "videos/observation.images.top/file_index", "videos/observation.images.top/from_timestamp")) TO '${join(root, 'meta/episodes/chunk-000/file-000.parquet')}' (FORMAT parquet)`);
    await conn.run(`COPY (SELECT CAST(a AS FLOAT[]) AS action, CAST(t AS FLOAT) AS timestamp, CAST(f AS BIGINT) AS frame_index, CAST(e AS BIGINT) AS episode_index FROM (VALUES ([0, 0], 0.0, 0, 0), ([1, 1], 0.1, 1, 0), ([2, 2], 0.2, 2, 0), ([10, 20], 0.0, 0, 1), ([11, 21], 0.1, 1, 1)) v(a, t, f, e)) TO '${join(root, 'data/chunk-000/file-000.parquet')}' (FORMAT parquet)`);
  } finally {
    conn.closeSync();
    db.closeSync();
  }
  const d = await openLeRobot(root);
  assert.deepEqual(d.episodes.map((e) => [e.index, e.length, e.tasks[0], e.dataExists]), [[0, 3, 'pick', true], [1, 2, 'place', true]]);
  const f1 = await readEpisodeFrames(d, d.episodes[1]);
  assert.equal(f1.rows, 2);
  assert.deepEqual(f1.signals[0].values, [[10, 11], [20, 21]]);
  const at = frameAt(d.episodes[1], f1, 1);
  assert.ok(Math.abs(at.cameras[0].time - 0.4) < 1e-6, `camera time ${at.cameras[0].time}`);
});

test('classification: accuracy, the confusion matrix (rows = label), per-class precision / recall, off-by-one; absent where nothing divides', () => {
  const pairs = [
    { label: 0, pred: 0 },
    { label: 0, pred: 1 },
    { label: 1, pred: 1 },
    { label: 2, pred: 1 },
    { label: 2, pred: 0 },
  ];
  const r = classificationReport(pairs, { ordinal: true });
  assert.deepEqual(r.classes, [0, 1, 2]);
  assert.deepEqual(r.matrix, [[1, 1, 0], [0, 1, 0], [1, 1, 0]]);
  assert.equal(r.accuracy, 2 / 5);
  assert.equal(r.offByOne, 4 / 5);
  assert.equal(r.perClass[0].precision, 1 / 2);
  assert.equal(r.perClass[1].precision, 1 / 3);
  assert.equal(r.perClass[1].recall, 1);
  assert.equal(r.perClass[2].precision, undefined, 'class 2 is never predicted: no precision');
  assert.equal(r.perClass[2].recall, 0);
  assert.equal(classificationReport(pairs).offByOne, undefined);
  assert.equal(classificationReport([]).accuracy, undefined);
  assert.equal(classId('<answer>2</answer>'), 2);
  assert.equal(classId(1.5), undefined);
  assert.equal(classId('B'), undefined);
  // which files are class ids: from their fields
  assert.equal(isClassifierOutput([{ id: 'a', pred: 2, label: 1 }, { id: 'b', pred: 0, label: 0 }]), true, 'integer pred beside integer label');
  assert.equal(isClassifierOutput([{ id: 'a', pred: 'B', gt: 'C' }]), false);
  assert.equal(isClassifierOutput([{ id: 'a', pred: '3', answer: 3 }]), false, 'a counting answer is a number, not a class');
  assert.equal(isClassifierOutput([{ prompt: 'p', completion: 'c', label: true }]), false, 'a KTO label is a boolean');
  const m = predictionMetrics([{ id: 'a', pred: 2, label: 1 }, { id: 'b', pred: 0, label: 0 }, { id: 'c', pred: 1, label: 1 }]);
  assert.equal(m.aggregate.kind, 'class');
  assert.equal(m.aggregate.metrics.accuracy, 2 / 3);
  assert.deepEqual(m.aggregate.classification?.matrix, [[1, 0, 0], [0, 1, 1], [0, 0, 0]]);
});

test('vlm-lens inspect DIR and --episode/--frame; metrics on a classifier\'s output with labels from the dataset', () => {
  const o = runCli(['inspect', ds, '--json']);
  assert.equal(o.code, 1, o.stderr); // episode 2 has no files, episode 1's length disagrees: findings
  const ov = JSON.parse(o.stdout) as { codebaseVersion: string; episodes: number; cameras: { key: string; codec: string }[]; problems: { episode?: number; message: string }[] };
  assert.equal(ov.codebaseVersion, 'v2.1');
  assert.equal(ov.episodes, 3);
  assert.deepEqual(ov.cameras.map((c) => c.codec), ['av1', 'av1', 'av1']);
  assert.ok(ov.problems.some((p) => p.episode === 2 && /data file .* is missing/.test(p.message)));
  const fr = runCli(['inspect', join(ds, 'meta', 'info.json'), '--episode', '1', '--frame', '20', '--json']);
  assert.equal(fr.code, 0, fr.stderr);
  const at = JSON.parse(fr.stdout) as { frame: number; timestamp: number; label: number; values: Record<string, Record<string, number>>; cameras: { key: string; time: number; file: string }[] };
  assert.equal(at.frame, 20);
  assert.equal(at.timestamp, 2);
  assert.equal(at.label, expectedLabel(1, 20));
  assert.equal(at.values['observation.state'].elbow, expectedState(1, 20, 2));
  assert.deepEqual(at.cameras.map((c) => c.time), [2, 2, 2]);
  assert.equal(at.cameras[1].file, 'videos/chunk-000/observation.images.cam_left_wrist/episode_000001.mp4');
  assert.equal(runCli(['inspect', ds, '--episode', '7']).code, 2);
  assert.equal(runCli(['inspect', tmp]).code, 2);

  // predictions: right on every frame of episode 0 except frames 5 and 25, which are off by one and two;
  // episode 1 frame 3 carries probs only; one frame points at an episode not in the dataset
  const preds: Record<string, unknown>[] = [];
  const truth: Array<[number, number]> = [];
  for (let f = 0; f < FRAMES[0]; f++) {
    const label = expectedLabel(0, f);
    const pred = f === 5 ? label + 1 : f === 25 ? label - 2 : label;
    preds.push({ episode_index: 0, frame_index: f, pred });
    truth.push([label, pred]);
  }
  preds.push({ episode_index: 1, frame_index: 3, probs: [0.7, 0.2, 0.1] });
  truth.push([expectedLabel(1, 3), 0]);
  preds.push({ episode_index: 9, frame_index: 0, pred: 1 });
  const file = join(tmp, 'classifier_preds.jsonl');
  writeFileSync(file, preds.map((p) => JSON.stringify(p)).join('\n') + '\n');
  const m = runCli(['metrics', file, '--dataset', ds, '--json']);
  assert.equal(m.code, 0, m.stderr);
  const out = JSON.parse(m.stdout) as { aggregate: { kind: string; metrics: Record<string, number>; unscored: number; classification: { matrix: number[][]; classes: number[] }; notes: string[] } };
  assert.equal(out.aggregate.kind, 'class');
  const right = truth.filter(([l, p]) => l === p).length;
  assert.equal(out.aggregate.metrics.accuracy, right / truth.length);
  assert.equal(out.aggregate.metrics.off_by_one, truth.filter(([l, p]) => Math.abs(l - p) <= 1).length / truth.length);
  assert.equal(out.aggregate.unscored, 1, 'the frame of an episode not in the dataset has no label: unscorable');
  const expected = [0, 1, 2].map((l) => [0, 1, 2].map((p) => truth.filter(([a, b]) => a === l && b === p).length));
  assert.deepEqual(out.aggregate.classification.matrix, expected);
  assert.ok(out.aggregate.notes.some((n) => /label\(s\) taken from the dataset aloha \(reward_bins, the argmax of its bins\)/.test(n)));
  assert.ok(out.aggregate.notes.some((n) => /1 prediction\(s\) taken as the argmax of their probs/.test(n)));
  const text = runCli(['metrics', file, '--dataset', ds]);
  assert.match(text.stdout, /confusion matrix \(rows = label, columns = prediction\)/);
  assert.match(text.stderr, /episode 9 is not in the dataset aloha/);
});
