/**
 * Files of formats VLM Lens did not write, opened as a user does: a real ScreenSpot-Pro
 * result document (records under `details`), a record no descriptor knows (its fields as a
 * tree, "Describe this format…"), and video records (played in a <video> element; a codec
 * the webview cannot decode is said, not shown as a blank box).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Frame } from 'playwright-core';
import { VsCodeSession } from './harness';
import { jsonl, mkdirSync, tempWorkspace, writeImage } from './fixtures';

let vs: VsCodeSession;
const fixtures = join(__dirname, '..', 'fixtures');

before(async () => {
  const src = tempWorkspace('formats');
  mkdirSync(join(src, 'data'), { recursive: true });
  mkdirSync(join(src, 'video'), { recursive: true });
  await writeImage(join(src, 'images/frame.jpg'), 320, 180, { rect: [40, 30, 160, 120], rectColour: '#e63946' });
  copyFileSync(join(fixtures, 'real/screenspot-pro/qwen25vl.details-subset.json'), join(src, 'data/screenspot_results.json'));
  copyFileSync(join(fixtures, 'video/clip_vp9.webm'), join(src, 'video/clip_vp9.webm'));
  copyFileSync(join(fixtures, 'video/clip_mpeg4.mp4'), join(src, 'video/clip_mpeg4.mp4'));
  writeFileSync(
    join(src, 'data/videos.json'),
    JSON.stringify(
      [
        { messages: [{ role: 'user', content: '<video>What happens in this clip?' }, { role: 'assistant', content: 'A test pattern scrolls.' }], videos: ['../video/clip_vp9.webm'] },
        { messages: [{ role: 'user', content: '<video>And in this one?' }, { role: 'assistant', content: 'The same, in MPEG-4 Part 2.' }], videos: ['../video/clip_mpeg4.mp4'] },
      ],
      null,
      2,
    ),
  );
  writeFileSync(
    join(src, 'data/inhouse.jsonl'),
    jsonl([
      { frame: '../images/frame.jpg', detections: [{ category: 'red block', box: [40, 30, 160, 120] }], meta: { camera: 'wrist', step: 12 } },
      { frame: '../images/frame.jpg', detections: [], meta: { camera: 'head', step: 13 } },
    ]),
  );
  mkdirSync(join(src, 'data/ours'), { recursive: true });
  writeFileSync(join(src, 'data/ours/preds_3.jsonl'), jsonl([{ uid: 'q1', query: 'Which drawer is open?', answer_text: '<answer>B</answer>', truth: 'B', img: '../../images/frame.jpg' }]));
  mkdirSync(join(src, '.vscode'), { recursive: true });
  writeFileSync(
    join(src, '.vscode/settings.json'),
    JSON.stringify({
      'vlmLens.formats': [
        { name: 'our drawer eval', files: 'data/ours/preds_*.jsonl', id: 'uid', prompt: 'query', prediction: 'answer_text', reference: 'truth', images: 'img' },
        { name: 'half-written', prediction: ['ok', 3] },
      ],
    }),
  );
  vs = await VsCodeSession.launch({ name: 'formats', workspace: src });
  rmSync(src, { recursive: true, force: true });
});

after(async () => {
  await vs?.close();
});

/** .jsonl opens in the viewer; other .json files through the Explorer's "Open Records in VLM Lens". */
async function openInViewer(rel: string): Promise<Frame> {
  if (rel.endsWith('.jsonl')) await vs.openFile(rel);
  else await vs.explorerContextMenu(rel, 'Open Records in VLM Lens');
  const name = rel.split('/').pop() ?? rel;
  return vs.webviewFrame('VLM Lens Dataset', { selector: '.header .file-name', hasText: name });
}

test('a record no descriptor knows: its fields as a tree, its box drawn, and a starting descriptor on request', async () => {
  const f = await openInViewer('data/inhouse.jsonl');
  await f.locator('.detail .format-tag', { hasText: 'Unknown' }).waitFor();
  const tree = f.locator('.detail .json-tree');
  await tree.waitFor();
  const text = await tree.innerText();
  assert.match(text, /detections/);
  assert.match(text, /red block/);
  assert.match(text, /camera/);
  // the image under `frame` is found by its value, the box under `box` by its shape
  await f.locator('.detail .image-frame img').first().waitFor();
  await f.waitForFunction(() => (JSON.parse(document.querySelector<HTMLCanvasElement>('.detail canvas.overlay')?.dataset.drawn ?? '[]') as Array<{ kind: string; label?: string }>).some((d) => d.kind === 'box' && d.label === 'red block'));
  await vs.screenshot('unknown-format');
  await f.locator('[data-action="describe-format"]').click();
  const editor = vs.page.locator('.editor-group-container .monaco-editor', { hasText: 'vlmLens.formats' }).first();
  await editor.waitFor({ timeout: 20_000 });
  const shown = await editor.innerText();
  assert.match(shown, /"files":/);
  assert.match(shown, /inhouse/);
  await vs.screenshot('describe-format');
});

test('a real ScreenSpot-Pro result document opens as its records, read as GUI grounding', async () => {
  const f = await openInViewer('data/screenspot_results.json');
  await f.locator('.header .record-count', { hasText: '6 records' }).waitFor();
  await f.locator('.notices .notice', { hasText: 'the "details" list' }).waitFor();
  await f.locator('.detail .format-tag', { hasText: 'GUI grounding results' }).waitFor();
  assert.match((await f.locator('.detail .format-tag').getAttribute('title')) ?? '', /Read as GUI grounding results: a screenshot/);
  assert.match(await f.locator('.detail .turns').innerText(), /Close All/);
  await vs.screenshot('screenspot-result-document');
});

test('vlmLens.formats: an in-house layout is read by its descriptor (named, with why); a broken entry is said, not fatal', async () => {
  const f = await openInViewer('data/ours/preds_3.jsonl');
  await f.locator('.detail .format-tag', { hasText: 'our drawer eval' }).waitFor();
  assert.match((await f.locator('.detail .format-tag').getAttribute('title')) ?? '', /the user format "our drawer eval"/);
  const turns = await f.locator('.detail .turns').innerText();
  assert.match(turns, /Which drawer is open\?/);
  assert.match(turns, /prediction\s+B\s+assistant\s+ground truth\s+B/, 'the prediction and the reference, each as its turn');
  assert.equal(await f.locator('.detail .detail-id').innerText(), 'id: q1');
  await f.locator('.detail .image-frame img').first().waitFor();
  await f.locator('.notices .notice', { hasText: 'format "half-written": "prediction" must be a field name' }).waitFor();
  await vs.screenshot('user-format');
});

test('video records: a VP9 clip plays in the record view; an MPEG-4 Part 2 clip says it cannot be played here', async () => {
  const f = await openInViewer('data/videos.json');
  await f.locator('.detail .detail-title', { hasText: 'Record 1 of 2' }).waitFor();
  const frame = f.locator('.detail .video-frame').first();
  await f.locator('.detail .video-frame[data-status="playable"]').waitFor({ timeout: 20_000 });
  const dims = await frame.locator('video').evaluate((v: HTMLVideoElement) => [v.videoWidth, v.videoHeight, v.duration]);
  assert.deepEqual(dims.slice(0, 2), [96, 64], 'the clip decoded (its real size is known)');
  assert.ok(dims[2] > 0.5 && dims[2] < 2, `duration ${dims[2]}`);
  await vs.screenshot('video-playable');
  await f.locator('.vrow[data-index="1"]').click();
  await f.locator('.detail .detail-title', { hasText: 'Record 2 of 2' }).waitFor();
  await f.locator('.detail .video-frame[data-status="unplayable"]').waitFor({ timeout: 20_000 });
  assert.match(await f.locator('.detail .video-frame').innerText(), /cannot be played here/);
  await vs.screenshot('video-unplayable');
});
