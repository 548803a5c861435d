/**
 * Overlays in the real viewer: boxes, a trajectory and contact points drawn where they
 * belong (asserted on the geometry the webview reports having drawn, and in screenshots),
 * gt/pred toggles, IoU, switching the coordinate convention, hover and click-to-source.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
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
  // two small camera frames (320×180) and two boxes sharing a corner at the top edge
  await writeImage(join(ws, 'img/cam_high.png'), 320, 180, { rect: [10, 2, 150, 90] });
  await writeImage(join(ws, 'img/cam_wrist.png'), 320, 180, { background: '#2a9d8f', rect: [100, 60, 220, 150] });
  writeFileSync(
    join(ws, 'data/cameras.jsonl'),
    jsonl([
      {
        id: 'cams',
        images: ['../img/cam_high.png', '../img/cam_wrist.png'],
        conversations: [
          { from: 'human', value: '<image>\n<image>\nWhere is the gripper, at contact and now?' },
          { from: 'gpt', value: '<ref>gripper contact box</ref><box>[[31, 11, 469, 500]]</box> and <ref>current gripper box</ref><box>[[38, 17, 475, 506]]</box>' },
        ],
      },
    ]),
  );
  // a real DriveLM scene (test_eval.json, first key frame): six cameras, object tags naming the camera
  writeFileSync(join(ws, 'data/drivelm_qa.json'), readFileSync(join(__dirname, '..', 'fixtures', 'real', 'drivelm', 'test_eval.first-keyframe.json')));
  const scene = JSON.parse(readFileSync(join(ws, 'data/drivelm_qa.json'), 'utf8')) as Record<string, { key_frames: Record<string, { image_paths: Record<string, string> }> }>;
  const frame = Object.values(Object.values(scene)[0].key_frames)[0];
  for (const [cam, rel] of Object.entries(frame.image_paths)) await writeImage(join(ws, 'data', rel), 1600, 900, { background: cam === 'CAM_BACK' ? '#6d597a' : '#355070', rect: [1000, 400, 1200, 600] });
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

test('two small camera frames: side by side and scaled up, a layout toggle, labels that do not collide, a tooltip inside the window', async () => {
  const f = await open('data/cameras.jsonl');
  await drawn(f, 2);
  const figs = f.locator('.detail .media-group figure.media-image');
  assert.equal(await figs.count(), 2);
  await f.locator('.detail .media-group.layout-row').waitFor();
  await f.waitForFunction(() => Array.from(document.querySelectorAll<HTMLImageElement>('.detail .media-group img')).every((i) => i.complete && i.clientWidth > 0));
  const [a, b] = await Promise.all([figs.nth(0).boundingBox(), figs.nth(1).boundingBox()]);
  assert.ok(a && b && b.x >= a.x + a.width - 1 && Math.abs(b.y - a.y) < 2, `side by side: ${JSON.stringify([a, b])}`);
  const shown = await f.locator('.detail .image-frame img').first().evaluate((el: HTMLImageElement) => ({ w: el.clientWidth, h: el.clientHeight }));
  assert.ok(a && shown.w >= a.width - 2, `each frame fills its share of the pane (shown ${shown.w} wide in ${a?.width})`);
  // the two labels: on the image, not over each other
  const labels = JSON.parse((await f.locator('.detail canvas.overlay').getAttribute('data-labels')) ?? '[]') as Array<{ text: string; x: number; y: number; w: number; h: number }>;
  assert.equal(labels.length, 2, JSON.stringify(labels));
  const [l1, l2] = labels;
  assert.ok(!(l1.x < l2.x + l2.w && l2.x < l1.x + l1.w && l1.y < l2.y + l2.h && l2.y < l1.y + l1.h), `labels overlap: ${JSON.stringify(labels)}`);
  for (const l of labels) assert.ok(l.x >= 0 && l.y >= 0 && l.x + l.w <= shown.w + 1 && l.y + l.h <= shown.h + 1, `label off the image: ${JSON.stringify(l)}`);
  await vs.screenshot('cameras-side-by-side');

  // the tooltip of a box near the right edge of the pane is not cut by the image frame
  const d = await drawn(f, 2);
  const [x1, y1, , y2] = d[0].screen as number[];
  await f.locator('.detail canvas.overlay').hover({ position: { x: x1, y: (y1 + y2) / 2 } });
  const tip = f.locator('.overlay-tip');
  await tip.waitFor();
  // in the webview's own coordinates (the page's would add the frame's offset)
  const { t, vp } = await tip.evaluate((el) => {
    const r = el.getBoundingClientRect();
    return { t: { x: r.x, y: r.y, width: r.width, height: r.height }, vp: { w: window.innerWidth, h: window.innerHeight } };
  });
  assert.ok(t.x >= 0 && t.y >= 0 && t.x + t.width <= vp.w && t.y + t.height <= vp.h, `tooltip ${JSON.stringify(t)} inside ${JSON.stringify(vp)}`);
  await vs.dismissHover();

  // stacked: the second camera under the first
  await f.locator('.layout-toggle').first().click();
  await f.locator('.detail .media-group.layout-stack').waitFor();
  const [c, e] = await Promise.all([figs.nth(0).boundingBox(), figs.nth(1).boundingBox()]);
  assert.ok(c && e && e.y >= c.y + c.height - 1, `stacked: ${JSON.stringify([c, e])}`);
  // with the whole width, the 320-pixel frame is scaled up
  await f.waitForFunction(() => (document.querySelector<HTMLImageElement>('.detail .image-frame img')?.clientWidth ?? 0) > 320);
  await vs.screenshot('cameras-stacked');
});

test('a DriveLM scene: each camera’s object tags are drawn on that camera’s image', async () => {
  const f = await open('data/drivelm_qa.json');
  const canvasOf = (cam: number) => f.locator(`.detail .image-frame[data-image="${cam}"] canvas.overlay`);
  // CAM_FRONT is the first image (c3), CAM_BACK the fourth (c1, c2)
  await canvasOf(3).waitFor();
  await f.waitForFunction(() => (JSON.parse(document.querySelector<HTMLCanvasElement>('.detail .image-frame[data-image="3"] canvas.overlay')?.dataset.drawn ?? '[]') as unknown[]).length >= 2);
  const back = JSON.parse((await canvasOf(3).getAttribute('data-drawn')) ?? '[]') as Drawn[];
  const front = JSON.parse((await canvasOf(0).getAttribute('data-drawn')) ?? '[]') as Drawn[];
  assert.deepEqual([...new Set(back.map((d) => d.label))].sort(), ['c1', 'c2'], JSON.stringify(back));
  assert.ok(back.some((d) => d.label === 'c1' && near(d.pixels as number[], [1088.3, 497.5], 0.01)), 'c1 at its pixels on CAM_BACK');
  assert.deepEqual([...new Set(front.map((d) => d.label))], ['c3']);
  assert.equal(await f.locator('.detail .overlay-notes', { hasText: 'CAM_BACK' }).count(), 0, 'no “not drawn: on CAM_BACK” note: it is drawn there');
  await vs.screenshot('drivelm-cameras');
});
