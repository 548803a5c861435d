/**
 * A small LeRobot v2.1 dataset built for the tests, shaped like the Aloha reward-classifier
 * data (three cameras cam_high / cam_left_wrist / cam_right_wrist, `reward_bins` per frame):
 * meta files as text, each episode's Parquet file written by DuckDB (not by the code under
 * test), the camera videos copied from test/fixtures/lerobot/videos (AV1, 160x120, 10 fps; how
 * they were made is in that folder's README).
 *
 * Episode 0: 30 frames; episode 1: 24 frames but listed as 25 (a length that disagrees);
 * episode 2: listed, with neither data nor videos. The values follow formulas the tests
 * compute on their own: see `expected*` below.
 */
import { copyFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { DuckDBInstance } from '@duckdb/node-api';
import { join } from 'node:path';

export const FPS = 10;
export const CAMERAS = ['observation.images.cam_high', 'observation.images.cam_left_wrist', 'observation.images.cam_right_wrist'];
export const JOINTS = ['waist', 'shoulder', 'elbow', 'gripper'];
export const BINS = 3;
export const FRAMES = [30, 24];
export const TASK = 'Put the cube in the bowl';

/** action[j] at frame f of episode e */
export const expectedAction = (e: number, f: number, j: number): number => Math.round((j + f / 100 + e) * 1000) / 1000;
/** observation.state[j] */
export const expectedState = (e: number, f: number, j: number): number => Math.round((-j - f / 100 - e) * 1000) / 1000 + 0; // + 0: no -0
/** the reward bin (label) of frame f: 0 for the first third (and frame 0, whose bins are all zero), then 1, then 2 */
export const expectedLabel = (e: number, f: number): number => (f === 0 ? 0 : Math.min(BINS - 1, Math.floor((BINS * f) / FRAMES[e])));

function info(): Record<string, unknown> {
  const video = { dtype: 'video', shape: [120, 160, 3], names: ['height', 'width', 'channels'], info: { 'video.height': 120, 'video.width': 160, 'video.codec': 'av1', 'video.pix_fmt': 'yuv420p', 'video.is_depth_map': false, 'video.fps': FPS, 'video.channels': 3, has_audio: false } };
  return {
    codebase_version: 'v2.1',
    robot_type: 'aloha',
    total_episodes: 3,
    total_frames: FRAMES[0] + FRAMES[1],
    total_tasks: 1,
    total_videos: 9,
    total_chunks: 1,
    chunks_size: 1000,
    fps: FPS,
    splits: { train: '0:3' },
    data_path: 'data/chunk-{episode_chunk:03d}/episode_{episode_index:06d}.parquet',
    video_path: 'videos/chunk-{episode_chunk:03d}/{video_key}/episode_{episode_index:06d}.mp4',
    features: {
      action: { dtype: 'float32', shape: [4], names: JOINTS },
      // the object form of names, as older LeRobot datasets write it
      'observation.state': { dtype: 'float32', shape: [4], names: { motors: JOINTS } },
      reward_bins: { dtype: 'float32', shape: [BINS], names: null },
      ...Object.fromEntries(CAMERAS.map((c) => [c, video])),
      timestamp: { dtype: 'float32', shape: [1], names: null },
      frame_index: { dtype: 'int64', shape: [1], names: null },
      episode_index: { dtype: 'int64', shape: [1], names: null },
      index: { dtype: 'int64', shape: [1], names: null },
      task_index: { dtype: 'int64', shape: [1], names: null },
    },
  };
}

/** Builds the dataset under `root` (created). */
export async function buildLeRobotDataset(root: string, videosFrom: string): Promise<void> {
  mkdirSync(join(root, 'meta'), { recursive: true });
  writeFileSync(join(root, 'meta/info.json'), JSON.stringify(info(), null, 4));
  writeFileSync(join(root, 'meta/tasks.jsonl'), JSON.stringify({ task_index: 0, task: TASK }) + '\n');
  writeFileSync(
    join(root, 'meta/episodes.jsonl'),
    [
      { episode_index: 0, tasks: [TASK], length: FRAMES[0] },
      { episode_index: 1, tasks: [TASK], length: FRAMES[1] + 1 },
      { episode_index: 2, tasks: [TASK], length: 10 },
    ]
      .map((e) => JSON.stringify(e))
      .join('\n') + '\n',
  );
  const stats = (e: number) => ({
    episode_index: e,
    stats: {
      action: { min: JOINTS.map((_, j) => expectedAction(e, 0, j)), max: JOINTS.map((_, j) => expectedAction(e, FRAMES[e] - 1, j)), mean: JOINTS.map((_, j) => expectedAction(e, (FRAMES[e] - 1) / 2, j)), std: JOINTS.map(() => 0.1), count: [FRAMES[e]] },
      timestamp: { min: [0], max: [(FRAMES[e] - 1) / FPS], mean: [(FRAMES[e] - 1) / FPS / 2], std: [0.5], count: [FRAMES[e]] },
    },
  });
  writeFileSync(join(root, 'meta/episodes_stats.jsonl'), [stats(0), stats(1)].map((s) => JSON.stringify(s)).join('\n') + '\n');

  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  let index = 0;
  try {
    for (let e = 0; e < FRAMES.length; e++) {
      const rows = [];
      for (let f = 0; f < FRAMES[e]; f++) {
        const bins = Array.from({ length: BINS }, (_, b) => (f > 0 && b === expectedLabel(e, f) ? 0.8 : f > 0 ? 0.1 : 0));
        rows.push({ action: JOINTS.map((_, j) => expectedAction(e, f, j)), state: JOINTS.map((_, j) => expectedState(e, f, j)), bins, timestamp: f / FPS, frame_index: f, episode_index: e, index: index++, task_index: 0 });
      }
      const dir = join(root, 'data/chunk-000');
      mkdirSync(dir, { recursive: true });
      const json = join(dir, `episode_${e}.tmp.json`);
      writeFileSync(json, JSON.stringify(rows));
      const out = join(dir, `episode_${String(e).padStart(6, '0')}.parquet`);
      await conn.run(
        `COPY (SELECT CAST(action AS FLOAT[]) AS "action", CAST(state AS FLOAT[]) AS "observation.state", CAST(bins AS FLOAT[]) AS reward_bins, CAST(timestamp AS FLOAT) AS timestamp, CAST(frame_index AS BIGINT) AS frame_index, CAST(episode_index AS BIGINT) AS episode_index, CAST("index" AS BIGINT) AS "index", CAST(task_index AS BIGINT) AS task_index FROM read_json('${json}')) TO '${out}' (FORMAT parquet)`,
      );
      rmSync(json);
      for (const cam of CAMERAS) {
        const vdir = join(root, 'videos/chunk-000', cam);
        mkdirSync(vdir, { recursive: true });
        copyFileSync(join(videosFrom, `${cam.replace('observation.images.', '')}_ep${e}.mp4`), join(vdir, `episode_${String(e).padStart(6, '0')}.mp4`));
      }
    }
  } finally {
    conn.closeSync();
    db.closeSync();
  }
}
