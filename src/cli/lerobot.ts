/**
 * `vlm-lens inspect DIR` on a LeRobot dataset folder: the overview (version, fps, features,
 * cameras, episodes, frames, tasks, problems), or with --episode E [--frame F] one episode or
 * one frame (its values by named component, its label, and each camera's video and time).
 */
import { openLeRobot, type LeRobotDataset } from '../core/lerobot/dataset';
import { frameAt, readEpisodeFrames, rowOfFrame } from '../core/lerobot/frames';
import { cameraFeatures } from '../core/lerobot/meta';
import { EXIT_FINDINGS, EXIT_OK, UsageError, type CliIO } from './main';

function overview(ds: LeRobotDataset) {
  const { info } = ds;
  const frames = ds.episodes.reduce((a, e) => a + e.length, 0);
  return {
    dataset: ds.root,
    kind: 'lerobot',
    codebaseVersion: info.codebaseVersion,
    robotType: info.robotType,
    fps: info.fps,
    episodes: ds.episodes.length + ds.episodesNotRead,
    frames,
    totalFramesStated: info.totalFrames,
    tasks: ds.tasks,
    cameras: cameraFeatures(info).map((c) => ({ key: c.key, codec: c.video?.codec, width: c.video?.width ?? c.shape[1], height: c.video?.height ?? c.shape[0] })),
    features: info.features.map((f) => ({ key: f.key, dtype: f.dtype, shape: f.shape, names: f.names })),
    splits: info.splits,
    statsSource: ds.statsSource,
    problems: [...ds.problems, ...ds.episodes.flatMap((e) => e.problems.map((message) => ({ file: e.dataFile ?? 'meta/episodes.jsonl', episode: e.index, message })))],
  };
}

const nonNeg = (v: unknown, name: string): number | undefined => {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`--${name} must be a non-negative integer, got '${typeof v === 'string' ? v : JSON.stringify(v)}'`);
  return n;
};

export async function inspectLeRobot(root: string, values: Record<string, unknown>, io: CliIO): Promise<number> {
  const ds = await openLeRobot(root).catch((e: unknown) => {
    throw new UsageError(`${root}: ${e instanceof Error ? e.message : String(e)}`);
  });
  const episode = nonNeg(values.episode, 'episode');
  const frame = nonNeg(values.frame, 'frame');
  if (frame !== undefined && episode === undefined) throw new UsageError('--frame needs --episode');
  const json = values.json === true;
  if (episode === undefined) {
    const o = overview(ds);
    if (json) io.stdout.write(JSON.stringify({ ...o, episodeList: ds.episodes.map((e) => ({ index: e.index, length: e.length, duration: e.duration, tasks: e.tasks, problems: e.problems })) }, null, 2) + '\n');
    else {
      io.stdout.write(`${ds.root}: LeRobot ${o.codebaseVersion} dataset${o.robotType ? ` (${o.robotType})` : ''}, ${o.fps} fps\n`);
      io.stdout.write(`  ${o.episodes} episodes, ${o.frames} frames, ${o.tasks.length} task(s)\n`);
      for (const c of o.cameras) io.stdout.write(`  camera ${c.key}: ${c.codec ?? 'codec not stated'}, ${c.width}x${c.height}\n`);
      for (const f of o.features) if (f.dtype !== 'video') io.stdout.write(`  feature ${f.key}: ${f.dtype}${JSON.stringify(f.shape)}${f.names ? ` (${f.names.join(', ')})` : ''}\n`);
      for (const t of o.tasks.slice(0, 20)) io.stdout.write(`  task ${t.index}: ${t.task}\n`);
      for (const p of o.problems) io.stdout.write(`  problem: ${p.file}${'line' in p && p.line ? `:${p.line}` : ''}${p.episode !== undefined ? ` (episode ${p.episode})` : ''}: ${p.message}\n`);
    }
    return o.problems.length > 0 || !ds.info.version ? EXIT_FINDINGS : EXIT_OK;
  }
  const ep = ds.episodes.find((e) => e.index === episode);
  if (!ep) throw new UsageError(`episode ${episode} is not in the dataset (it lists ${ds.episodes.length} episodes${ds.episodes.length ? `, ${ds.episodes[0].index}–${ds.episodes[ds.episodes.length - 1].index}` : ''})`);
  const frames = await readEpisodeFrames(ds, ep).catch((e: unknown) => {
    throw new UsageError(`episode ${episode}: ${e instanceof Error ? e.message : String(e)}`);
  });
  const problems = [...ep.problems, ...frames.problems];
  if (frame === undefined) {
    const out = { dataset: ds.root, episode: ep.index, length: ep.length, rows: frames.rows, duration: ep.duration, tasks: ep.tasks, videos: ep.videos, signals: frames.signals.map((s) => ({ key: s.key, names: s.names })), labels: frames.labels ? { key: frames.labels.key, rule: frames.labels.rule, classes: frames.labels.classes, counts: countLabels(frames.labels.values) } : undefined, problems };
    if (json) io.stdout.write(JSON.stringify(out, null, 2) + '\n');
    else {
      io.stdout.write(`episode ${ep.index}: ${frames.rows} frames (${ep.length} listed), ${ep.duration.toFixed(2)} s, task: ${ep.tasks.join(' | ') || '-'}\n`);
      for (const v of ep.videos) io.stdout.write(`  ${v.key}: ${v.file}${v.exists ? '' : ' (missing)'}\n`);
      for (const s of frames.signals) io.stdout.write(`  signal ${s.key}: ${s.names.join(', ')}\n`);
      if (out.labels) io.stdout.write(`  labels (${out.labels.key}, ${out.labels.rule}): ${Object.entries(out.labels.counts).map(([c, n]) => `${c}: ${n}`).join(', ')}\n`);
      for (const p of problems) io.stdout.write(`  problem: ${p}\n`);
    }
    return problems.length > 0 ? EXIT_FINDINGS : EXIT_OK;
  }
  const row = rowOfFrame(frames, frame);
  if (row === undefined) throw new UsageError(`episode ${episode} has no frame ${frame} (it has ${frames.rows} frames)`);
  const at = frameAt(ep, frames, row);
  if (json) io.stdout.write(JSON.stringify({ dataset: ds.root, ...at, problems }, null, 2) + '\n');
  else {
    io.stdout.write(`episode ${at.episode}, frame ${at.frame}, t = ${at.timestamp.toFixed(4)} s${at.label !== undefined ? `, label ${at.label}` : ''}\n`);
    for (const [k, v] of Object.entries(at.values)) io.stdout.write(`  ${k}: ${typeof v === 'number' ? v : Object.entries(v).map(([n, x]) => `${n}=${x}`).join(', ')}\n`);
    for (const c of at.cameras) io.stdout.write(`  ${c.key}: ${c.file} at ${c.time.toFixed(4)} s${c.exists ? '' : ' (missing)'}\n`);
    for (const p of problems) io.stdout.write(`  problem: ${p}\n`);
  }
  return EXIT_OK;
}

function countLabels(values: number[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of values) out[v < 0 ? 'none' : String(v)] = (out[v < 0 ? 'none' : String(v)] ?? 0) + 1;
  return out;
}
