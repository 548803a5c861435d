/**
 * A LeRobot dataset in a real VS Code (issue 17): right-click its folder → Open LeRobot Dataset
 * in VLM Lens; the episode list (a broken episode marked), the three AV1 cameras side by side
 * on one timeline (the keyboard moves all three to the frame), the reward-bin strip and the
 * signal charts (a click seeks); the label balance; a classifier's predictions scored against
 * the dataset's labels, its confusion matrix, a cell's frames opening the episode at them.
 * The dataset is built by test/lerobotFixture.ts (Parquet by DuckDB, tiny AV1 videos).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Frame } from 'playwright-core';
import { VsCodeSession } from './harness';
import { panelShot } from './panel';
import { tempWorkspace, writeFileSync, mkdirSync } from './fixtures';
import { BINS, CAMERAS, FPS, FRAMES, buildLeRobotDataset, expectedAction, expectedLabel } from '../lerobotFixture';

let vs: VsCodeSession;
let f: Frame;

// the classifier is right except on frames 5 and 25 of episode 0 (one class off, two classes off)
const predicted = (e: number, fr: number): number => (e === 0 && fr === 5 ? expectedLabel(0, 5) + 1 : e === 0 && fr === 25 ? expectedLabel(0, 25) - 2 : expectedLabel(e, fr));

before(async () => {
  const src = tempWorkspace('lerobot');
  await buildLeRobotDataset(join(src, 'aloha'), join(__dirname, '..', 'fixtures', 'lerobot', 'videos'));
  mkdirSync(join(src, 'outputs'), { recursive: true });
  const rows: string[] = [];
  for (let e = 0; e < FRAMES.length; e++) for (let fr = 0; fr < FRAMES[e]; fr++) rows.push(JSON.stringify({ episode_index: e, frame_index: fr, pred: predicted(e, fr) }));
  writeFileSync(join(src, 'outputs/reward_classifier_preds.jsonl'), rows.join('\n') + '\n');
  // the same predictions with their labels written in: any class-id file scores the same way, without the dataset
  const labelled: string[] = [];
  for (let e = 0; e < FRAMES.length; e++) for (let fr = 0; fr < FRAMES[e]; fr++) labelled.push(JSON.stringify({ episode_index: e, frame_index: fr, pred: predicted(e, fr), label: expectedLabel(e, fr) }));
  writeFileSync(join(src, 'outputs/labelled_preds.jsonl'), labelled.join('\n') + '\n');
  // episode 1's right wrist camera is a file this Chromium cannot decode (MPEG-4 Part 2)
  copyFileSync(join(__dirname, '..', 'fixtures', 'video', 'clip_mpeg4.mp4'), join(src, 'aloha/videos/chunk-000/observation.images.cam_right_wrist/episode_000001.mp4'));
  vs = await VsCodeSession.launch({ name: 'lerobot', workspace: src });
});

after(async () => {
  await vs?.close();
});

/** Each camera's currentTime, once none is seeking. */
async function cameraTimes(): Promise<number[]> {
  await f.waitForFunction(() => Array.from(document.querySelectorAll('video')).every((v) => !v.seeking && v.readyState >= 2));
  return f.evaluate(() => Array.from(document.querySelectorAll('video')).map((v) => v.currentTime));
}

async function readoutFrame(n: number): Promise<void> {
  await f.locator(`#frame-readout[data-frame="${n}"]`).waitFor();
}

test('right-click the dataset folder: episodes, three cameras on one timeline moved together by the keyboard, the reward strip and the signals', async () => {
  // the Explorer offers the item once the extension has found the workspace's LeRobot datasets
  const item = 'Open LeRobot Dataset in VLM Lens';
  const deadline = Date.now() + 30_000;
  while (!(await vs.explorerContextMenuItems('aloha')).includes(item)) {
    if (Date.now() > deadline) throw new Error(`'${item}' never appeared in the context menu of aloha/`);
    await vs.page.waitForTimeout(500);
  }
  await vs.explorerContextMenu('aloha', item);
  f = await vs.webviewFrame('LeRobot aloha', { selector: '.episode-row' }, 60_000);
  // the episode list: three episodes, the one with no files marked
  assert.equal(await f.locator('.episode-row').count(), 3);
  assert.match((await f.locator('.episode-row[data-episode="2"]').getAttribute('class')) ?? '', /has-problems/);
  assert.match(await f.locator('.lr-header').innerText(), /v2\.1[\s\S]*aloha[\s\S]*10/);
  // episode 0 opens first: three cameras, each playable (AV1 in this Chromium)
  await f.locator('.ep-title', { hasText: 'Episode 0' }).waitFor();
  for (const cam of CAMERAS) await f.locator(`figure.camera[data-camera="${cam}"][data-status="playable"]`).waitFor({ timeout: 30_000 });
  assert.deepEqual(await f.locator('.signal-title').allInnerTexts(), ['action', 'observation.state', 'reward_bins']);
  // keyboard: End, then Home and five steps right: every camera shows frame 5 (its middle: 0.55 s)
  await f.locator('#timeline').focus();
  await f.locator('#timeline').press('End');
  await readoutFrame(FRAMES[0] - 1);
  await f.locator('#timeline').press('Home');
  for (let i = 0; i < 5; i++) await f.locator('#timeline').press('ArrowRight');
  await readoutFrame(5);
  const at5 = await cameraTimes();
  assert.equal(at5.length, 3);
  for (const t of at5) assert.ok(Math.abs(t - (5 + 0.5) / FPS) < 0.02, `a camera at ${t} s, not frame 5`);
  assert.match(await f.locator('#frame-readout').innerText(), new RegExp(`frame 5 / ${FRAMES[0] - 1} · 0\\.5(00)? s · label ${expectedLabel(0, 5)}`));
  // the strip is drawn: reward bins, the label row, the cursor
  const ink = await f.evaluate(() => {
    const c = document.querySelector<HTMLCanvasElement>('#strip');
    if (!c || c.width === 0) return 0;
    const d = c.getContext('2d')?.getImageData(0, 0, c.width, c.height).data ?? new Uint8ClampedArray();
    let n = 0;
    for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++;
    return n;
  });
  assert.ok(ink > 1000, `the strip has ${ink} painted pixels`);
  await vs.screenshot('episode-frame-5');
  // Shift+→ twice: frame 25, all three cameras with it
  await f.locator('#timeline').press('Shift+ArrowRight');
  await f.locator('#timeline').press('Shift+ArrowRight');
  await readoutFrame(25);
  for (const t of await cameraTimes()) assert.ok(Math.abs(t - 25.5 / FPS) < 0.02, `a camera at ${t} s, not frame 25`);
  await vs.screenshot('episode-frame-25');
  // a click on the action chart's left part seeks there
  const chart = f.locator('canvas[data-signal="action"]');
  const box = await chart.boundingBox();
  assert.ok(box);
  await chart.click({ position: { x: box.width * 0.25, y: box.height / 2 } });
  await f.waitForFunction(() => Number(document.querySelector<HTMLElement>('#frame-readout')?.dataset.frame) < 15);
  const clicked = Number(await f.locator('#frame-readout').getAttribute('data-frame'));
  for (const t of await cameraTimes()) assert.ok(Math.abs(t - (clicked + 0.5) / FPS) < 0.02, `a camera at ${t} s, not frame ${clicked}`);
  // the episode whose files are missing says so, and the view stays usable
  await f.locator('.episode-row[data-episode="2"]').click();
  await f.locator('.ep-problems', { hasText: 'data file data/chunk-000/episode_000002.parquet is missing' }).waitFor();
  assert.equal(await f.locator('figure.camera .placeholder-text', { hasText: 'Video missing' }).count(), 3);
  await f.locator('.episode-row[data-episode="1"]').click();
  await f.locator('.ep-problems', { hasText: `episodes list says ${FRAMES[1] + 1} frames, its Parquet file has ${FRAMES[1]}` }).waitFor();
  // a camera whose file cannot be played says so, by file and codec; the others play, the signals are drawn
  await f.locator('figure.camera[data-camera="observation.images.cam_right_wrist"][data-status="unplayable"]', { hasText: 'cannot play videos/chunk-000/observation.images.cam_right_wrist/episode_000001.mp4' }).waitFor({ timeout: 30_000 });
  for (const cam of CAMERAS.slice(0, 2)) await f.locator(`figure.camera[data-camera="${cam}"][data-status="playable"]`).waitFor({ timeout: 30_000 });
  assert.equal(await f.locator('canvas[data-signal]').count(), 3);
  for (let i = 0; i < 3; i++) await f.locator('#timeline').press('ArrowRight');
  await readoutFrame(3);
  for (const t of await cameraTimes()) assert.ok(Math.abs(t - 3.5 / FPS) < 0.02, `a camera at ${t} s, not frame 3`);
  await vs.screenshot('episode-unplayable-camera');
});

test('statistics: feature ranges and the label balance over the dataset, counted from the frames', async () => {
  await f.locator('.lr-tabs .tab[data-tab="stats"]').click();
  await f.locator('#balance .bar-row').first().waitFor({ timeout: 30_000 });
  const counts = new Array<number>(BINS).fill(0);
  for (let e = 0; e < FRAMES.length; e++) for (let fr = 0; fr < FRAMES[e]; fr++) counts[expectedLabel(e, fr)]++;
  const rows = await f.locator('#balance .bar-row').allInnerTexts();
  assert.equal(rows.length, BINS);
  rows.forEach((r, c) => assert.match(r, new RegExp(`class ${c}\\s+${counts[c]} \\(`), r));
  // the fixture's episode statistics hold action (four joints) and timestamp, combined over the two episodes
  const statRows = await f.locator('.stats-table tbody tr').allInnerTexts();
  assert.equal(statRows.length, 5);
  assert.match(statRows[2], new RegExp(`^action\\s+elbow\\s+${expectedAction(0, 0, 2)}\\s`));
  await vs.screenshot('statistics');
});

test('a classifier\'s predictions: scored against the dataset\'s labels, the confusion matrix, a cell\'s frames open the episode there', async () => {
  await f.locator('.lr-tabs .tab[data-tab="classifier"]').click();
  await f.locator('#load-predictions').click();
  // code-server's own file dialog: once it shows its starting folder, the file's path is typed and taken
  const input = vs.page.locator('.quick-input-widget input');
  // it opens on the dataset's parent folder (the workspace here); its value passes through other folders first
  const start = `${vs.workspace}/`;
  await vs.page.waitForFunction((p) => document.querySelector<HTMLInputElement>('.quick-input-widget input')?.value === p, start);
  await vs.page.waitForTimeout(300);
  const file = join(vs.workspace, 'outputs', 'reward_classifier_preds.jsonl');
  // typed as a user does, after the folder it shows (the dialog completes and filters as it goes)
  await input.press('End');
  await input.pressSequentially(file.startsWith(start) ? file.slice(start.length) : file, { delay: 20 });
  await vs.page.waitForFunction((p) => document.querySelector<HTMLInputElement>('.quick-input-widget input')?.value === p, file, { timeout: 10_000 }).catch(async (e: Error) => {
    await vs.screenshot('predictions-dialog-typed');
    throw new Error(`the dialog shows '${await input.inputValue()}' after '${file}' was typed after '${start}': ${e.message}`);
  });
  await vs.page.waitForTimeout(300); // the dialog validates the typed path asynchronously
  await input.press('Enter');
  await f.locator('#confusion').waitFor({ timeout: 30_000 }).catch(async (e: Error) => {
    await vs.screenshot('predictions-dialog-failed');
    throw e;
  });
  const pairs: Array<[number, number]> = [];
  for (let e = 0; e < FRAMES.length; e++) for (let fr = 0; fr < FRAMES[e]; fr++) pairs.push([expectedLabel(e, fr), predicted(e, fr)]);
  for (let l = 0; l < BINS; l++)
    for (let p = 0; p < BINS; p++) {
      const n = pairs.filter(([a, b]) => a === l && b === p).length;
      assert.equal(await f.locator(`#confusion td[data-label="${l}"][data-pred="${p}"]`).innerText(), String(n), `cell label ${l} prediction ${p}`);
    }
  const facts = await f.locator('.facts.metrics').innerText();
  assert.match(facts, new RegExp(`accuracy ${(pairs.filter(([a, b]) => a === b).length / pairs.length).toFixed(4)}`));
  assert.match(facts, new RegExp(`off_by_one ${(pairs.filter(([a, b]) => Math.abs(a - b) <= 1).length / pairs.length).toFixed(4)}`));
  await vs.screenshot('classifier');
  // the cell of frame 25 (labelled 2, predicted 0): its one frame opens episode 0 at frame 25, prediction shown
  const l25 = expectedLabel(0, 25);
  await f.locator(`#confusion td[data-label="${l25}"][data-pred="${l25 - 2}"]`).click();
  await f.locator('.frame-chip', { hasText: 'ep 0 · frame 25' }).click();
  await readoutFrame(25);
  assert.match(await f.locator('#frame-readout').innerText(), new RegExp(`label ${l25} · prediction ${l25 - 2}`));
  for (const t of await cameraTimes()) assert.ok(Math.abs(t - 25.5 / FPS) < 0.02);
  await vs.screenshot('prediction-strip');
});

test('Score Predictions on a class-id file with its labels: the Eval panel shows its accuracy and confusion matrix', async () => {
  await vs.runCommand('File: Focus on Files Explorer');
  await vs.explorerContextMenu('outputs/labelled_preds.jsonl', 'Score Predictions');
  await vs.pickQuickItem('pixel');
  const e = await vs.webviewFrame('VLM Lens Eval', { selector: 'table.confusion' }, 60_000);
  const pairs: Array<[number, number]> = [];
  for (let ep = 0; ep < FRAMES.length; ep++) for (let fr = 0; fr < FRAMES[ep]; fr++) pairs.push([expectedLabel(ep, fr), predicted(ep, fr)]);
  for (let l = 0; l < BINS; l++)
    for (let p = 0; p < BINS; p++) assert.equal(await e.locator(`table.confusion td[data-label="${l}"][data-pred="${p}"]`).innerText(), String(pairs.filter(([a, b]) => a === l && b === p).length));
  assert.match(await e.locator('table.metrics tr.primary').innerText(), new RegExp(`accuracy\\s+${(pairs.filter(([a, b]) => a === b).length / pairs.length).toFixed(4)}`));
  await panelShot(vs, 'eval-panel-confusion', e.locator('table.confusion'));
});

test('Open Records in VLM Lens on a dataset\'s meta/info.json opens the LeRobot view, not its JSON as records', async () => {
  await vs.runCommand('View: Close All Editors');
  await vs.page.locator('.tabs-container .tab', { hasText: 'LeRobot: aloha' }).waitFor({ state: 'detached' });
  await vs.runCommand('File: Focus on Files Explorer');
  await vs.explorerContextMenu('aloha/meta/info.json', 'Open Records in VLM Lens');
  const g = await vs.webviewFrame('LeRobot aloha', { selector: '.episode-row' }, 60_000);
  assert.equal(await g.locator('.episode-row').count(), 3);
  // the view comes back where it was left: episode 0, frame 25 (the last frame the tests showed)
  await g.locator('#frame-readout[data-frame="25"]').waitFor();
  assert.equal(await vs.page.locator('.tabs-container .tab', { hasText: 'info.json' }).count(), 0, 'no editor of the JSON itself');
});
