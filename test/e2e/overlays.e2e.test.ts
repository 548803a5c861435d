/**
 * Overlays in the real viewer: boxes, a trajectory and contact points drawn where they
 * belong (asserted on the geometry the webview reports having drawn, and in screenshots),
 * gt/pred toggles, IoU, switching the coordinate convention, hover and click-to-source.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Frame } from 'playwright-core';
import { VsCodeSession } from './harness';
import { jsonl, mkdirSync, tempWorkspace, writeImage } from './fixtures';

let vs: VsCodeSession;
// The picture: 400×300, a red block at pixels [100, 80, 200, 160].
const BLOCK = [100, 80, 200, 160];

interface Drawn {
  kind: string;
  role: string;
  label?: string;
  pixels: number[] | number[][];
  screen: number[] | number[][];
}

before(async () => {
  const ws = tempWorkspace('overlays');
  await writeImage(join(ws, 'img/scene.png'), 400, 300, { rect: BLOCK as [number, number, number, number] });
  mkdirSync(join(ws, 'data'), { recursive: true });
  writeFileSync(
    join(ws, 'data/grounding.jsonl'),
    jsonl([
      // InternVL tags: 0–1000 by format. 250/1000·400 = 100, 267/1000·300 = 80.1 …
      { id: 'internvl', image: '../img/scene.png', conversations: [{ from: 'human', value: '<image>\nWhere is the red block?' }, { from: 'gpt', value: '<ref>red block</ref><box>[[250, 267, 500, 533]]</box>' }] },
      // RoboInter answer with a trajectory and two contact points, in pixels
      {
        id: 'manip',
        image: '../img/scene.png',
        conversations: [
          { from: 'human', value: '<image>\nThe gripper starts at (50, 250). Predict the trajectory and the contact points.' },
          { from: 'gpt', value: 'Plan: {"future_traj": [[50, 250], [100, 200], [150, 150]], "contact_point": [[100, 120], [200, 120]]}' },
        ],
      },
      // a ReCogDrive plan: ego frame, drawn beside the image, not on it
      { id: 'drive', image: '../img/scene.png', conversations: [{ from: 'human', value: '<image>\nPlan.' }, { from: 'gpt', value: 'Here is the planning trajectory [PT, (+5.31, +0.06, 0.0), (+10.67, +0.16, +0.02), (+16.10, +0.40, +0.05)].' }] },
    ]),
  );
  writeFileSync(
    join(ws, 'data/eval_details_contact_box.json'),
    JSON.stringify(
      [
        {
          id: 'e1',
          pred: 'system\nYou are a helpful assistant.\nuser\nPredict the box.\nassistant\n{"contact_bbox": [[110, 90], [210, 170]]}',
          gt: '{"contact_bbox": [[100, 80], [200, 160]]}',
          image_path: '../img/scene.png',
        },
      ],
      null,
      2,
    ),
  );
  // Qwen JSON boxes: convention not fixed by the format (Qwen2.5 absolute vs Qwen3 0–1000)
  writeFileSync(join(ws, 'data/qwen.jsonl'), jsonl([{ messages: [{ role: 'user', content: [{ type: 'image', image: '../img/scene.png' }, { type: 'text', text: 'Find the block.' }] }, { role: 'assistant', content: '```json\n[{"bbox_2d": [100, 80, 200, 160], "label": "block"}]\n```' }] }]));
  vs = await VsCodeSession.launch({ name: 'overlays', workspace: ws, copyWorkspace: false });
});

after(async () => {
  await vs?.close();
});

async function open(rel: string): Promise<Frame> {
  await vs.openFile(rel);
  return vs.webviewFrame('VLM Lens Dataset', { selector: '.header .file-name', hasText: rel.split('/').pop() });
}

async function drawn(f: Frame, count?: number): Promise<Drawn[]> {
  const canvas = f.locator('.detail canvas.overlay');
  await canvas.waitFor();
  if (count !== undefined) await f.waitForFunction((n) => (JSON.parse(document.querySelector<HTMLCanvasElement>('.detail canvas.overlay')?.dataset.drawn ?? '[]') as unknown[]).length === n, count);
  return JSON.parse((await canvas.getAttribute('data-drawn')) ?? '[]') as Drawn[];
}

const near = (a: number[], b: number[], tol = 0.6) => a.length === b.length && a.every((v, i) => Math.abs(v - b[i]) <= tol);

test('InternVL box (0–1000) lands on the block in pixels; the screen box matches the displayed image', async () => {
  const f = await open('data/grounding.jsonl');
  const d = await drawn(f, 1);
  assert.equal(d[0].kind, 'box');
  assert.equal(d[0].label, 'red block');
  assert.ok(near(d[0].pixels as number[], [100, 80.1, 200, 159.9]), JSON.stringify(d[0].pixels));
  // screen coordinates are the pixels scaled to the displayed image
  const img = await f.locator('.detail .image-frame img').evaluate((el: HTMLImageElement) => el.clientWidth / 400);
  assert.ok(near(d[0].screen as number[], (d[0].pixels as number[]).map((v) => v * img), 0.5));
  assert.match(await f.locator('.convention-reason').innerText(), /InternVL <box> tags → norm1000/);
  // the list thumbnail shows the box too
  await f.locator('.vrow[data-index="0"] .thumb canvas.thumb-overlay[data-shapes="1"]').waitFor();
  await vs.screenshot('internvl-box');
});

test('trajectory with waypoints, linked contact points, the prompt start point; hover and click-to-source', async () => {
  const f = await open('data/grounding.jsonl');
  await f.locator('.vrow[data-index="1"]').click();
  const d = await drawn(f, 4);
  const traj = d.find((x) => x.kind === 'trajectory');
  assert.deepEqual(traj?.pixels, [[50, 250], [100, 200], [150, 150]]);
  const contacts = d.filter((x) => x.kind === 'point' && x.role === 'gt');
  assert.deepEqual(contacts.map((c) => c.pixels), [[100, 120], [200, 120]]);
  const start = d.find((x) => x.role === 'prompt');
  assert.deepEqual(start?.pixels, [50, 250]);
  await vs.screenshot('trajectory-contacts');
  // hover the first contact point: its description; click: its text is marked in the answer
  const [x, y] = contacts[0].screen as number[];
  const canvas = f.locator('.detail canvas.overlay');
  await canvas.hover({ position: { x, y } });
  const tip = f.locator('.overlay-tip');
  await tip.waitFor();
  const tipText = await tip.innerText();
  assert.match(tipText, /ground truth · point “contact_point”/);
  assert.match(tipText, /from turn 2 \(gpt\), read as RoboInter JSON/);
  assert.match(tipText, /pixels: \[100,120\]/);
  await canvas.click({ position: { x, y } });
  const mark = f.locator('.turn[data-turn="1"] mark.source-span');
  await mark.waitFor();
  assert.equal(await mark.innerText(), '{"future_traj": [[50, 250], [100, 200], [150, 150]], "contact_point": [[100, 120], [200, 120]]}');
  await vs.screenshot('hover-and-source');
});

test('an ego-frame trajectory is plotted beside the image, never on it', async () => {
  const f = await open('data/grounding.jsonl');
  await f.locator('.vrow[data-index="2"]').click();
  await f.locator('.detail figure.ego canvas[data-poses="[3]"]').waitFor();
  assert.match(await f.locator('.detail figure.ego figcaption').innerText(), /not image coordinates/);
  // nothing is drawn on the camera image
  assert.equal((await drawn(f)).length, 0);
});

test('pred and gt boxes: IoU shown, layers toggle', async () => {
  const f = await open('data/eval_details_contact_box.json');
  const d = await drawn(f, 2);
  assert.deepEqual(d.map((x) => [x.role, x.pixels]), [['pred', [110, 90, 210, 170]], ['gt', [100, 80, 200, 160]]]);
  // 90×70 overlap of two 100×80 boxes: 6300 / 9700
  await f.locator('.overlay-legend .metric-box', { hasText: 'IoU 0.649' }).waitFor();
  await vs.screenshot('iou');
  await f.locator('vscode-checkbox.layer-pred').click();
  assert.deepEqual((await drawn(f, 1)).map((x) => x.role), ['gt']);
  await f.locator('vscode-checkbox.layer-gt').click();
  await drawn(f, 0);
  await f.locator('vscode-checkbox.layer-pred').click();
  assert.deepEqual((await drawn(f, 1)).map((x) => x.role), ['pred']);
  await f.locator('vscode-checkbox.layer-gt').click();
  await drawn(f, 2);
});

test('switching the coordinate convention moves the overlay, and is remembered for the file', async () => {
  const f = await open('data/qwen.jsonl');
  let d = await drawn(f, 1);
  // detected: Qwen2.5 absolute pixels on the smart-resized 392×308 frame
  assert.ok(near(d[0].pixels as number[], [102.04, 77.92, 204.08, 155.84], 0.05), JSON.stringify(d[0].pixels));
  assert.match(await f.locator('.convention-reason').innerText(), /read as qwen25: detected/);
  await vs.screenshot('convention-qwen25');
  // the overlay bar may re-render while the list is open (the option is then detached): open and pick again
  const choose = async (c: string) => {
    for (let attempt = 1; ; attempt++) {
      try {
        await f.locator('vscode-single-select.convention').click({ timeout: 5000 });
        await f.locator('vscode-single-select.convention li[role="option"]', { hasText: new RegExp(`^\\s*${c}\\s*$`) }).click({ timeout: 5000 });
        return;
      } catch (e) {
        if (attempt >= 4) throw e;
        await f.locator('body').press('Escape').catch(() => undefined);
      }
    }
  };
  await choose('norm1000');
  await f.waitForFunction(() => (document.querySelector<HTMLElement>('.convention-reason')?.dataset.convention ?? '') === 'norm1000');
  d = await drawn(f, 1);
  assert.ok(near(d[0].pixels as number[], [40, 24, 80, 48], 0.01), JSON.stringify(d[0].pixels));
  assert.match(await f.locator('.convention-reason').innerText(), /read as norm1000: chosen for this file/);
  await vs.screenshot('convention-norm1000');
  await choose('pixel');
  await f.waitForFunction(() => (document.querySelector<HTMLElement>('.convention-reason')?.dataset.convention ?? '') === 'pixel');
  assert.ok(near((await drawn(f, 1))[0].pixels as number[], BLOCK, 0.01));
  // reopened: the choice for this file is remembered
  await vs.runCommand('View: Close All Editors');
  const again = await open('data/qwen.jsonl');
  await again.waitForFunction(() => (document.querySelector<HTMLElement>('.convention-reason')?.dataset.convention ?? '') === 'pixel');
  assert.ok(near((await drawn(again, 1))[0].pixels as number[], BLOCK, 0.01));
  await choose('auto').catch(() => undefined);
});
