/**
 * The dataset viewer in a real VS Code: a .jsonl opens in the viewer by default, records
 * and real images show, search and go-to work, a broken line opens as text at its line,
 * files that change or are bad say so.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Frame } from 'playwright-core';
import { VsCodeSession } from './harness';
import { jsonl, llavaRecord, mkdirSync, tempWorkspace, writeImage } from './fixtures';

let vs: VsCodeSession;
let ws: string;
const TOTAL = 60;
const BROKEN_LINE = 7; // 1-based

before(async () => {
  const src = tempWorkspace('viewer');
  await writeImage(join(src, 'images/scene.jpg'), 320, 180);
  // Stored 200x100 with EXIF orientation 6: displayed 100x200.
  await writeImage(join(src, 'images/rotated.jpg'), 200, 100, { orientation: 6, background: '#2a9d8f' });
  const rows: unknown[] = [];
  for (let i = 1; i <= TOTAL; i++) {
    if (i === BROKEN_LINE) rows.push('{"id": "rec-0007", "conversations": [{"from": "human", "value": "broken" }, }');
    else if (i === 3) rows.push(llavaRecord(i, 'rotated.jpg'));
    else if (i === 5) rows.push(llavaRecord(i, 'nowhere/missing.jpg'));
    else if (i === 9) rows.push({ ...llavaRecord(i, 'scene.jpg'), conversations: [{ from: 'human', value: '<image>\nIs the block red?' }, { from: 'gpt', value: '<think>The rectangle in the middle is red.</think><answer>Yes</answer>' }] });
    else if (i === 42) rows.push(llavaRecord(i, 'scene.jpg', { note: 'needle-in-the-haystack' }));
    else if (i === 44) rows.push({ id: 'rec-0044', conversations: [{ from: 'human', value: 'label: äººç‰©' }, { from: 'gpt', value: 'ok' }] });
    else rows.push(llavaRecord(i, 'scene.jpg'));
  }
  mkdirSync(join(src, 'data'), { recursive: true });
  writeFileSync(join(src, 'data/train.jsonl'), jsonl(rows));
  writeFileSync(join(src, 'data/eval_details_contact_box.json'), JSON.stringify([{ id: 'e1', pred: 'system\nS\nuser\nQ?\nassistant\n[1, 2, 3, 4]', gt: '[1, 2, 3, 5]', image_path: '../images/scene.jpg' }], null, 2));
  writeFileSync(join(src, 'package.json'), JSON.stringify({ name: 'not-a-dataset', version: '1.0.0' }, null, 2));
  writeFileSync(join(src, 'data/empty.jsonl'), '');
  writeFileSync(join(src, 'data/binary.jsonl'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 13, 0, 1, 2]));
  writeFileSync(join(src, 'data/meta_eval_qa.json'), JSON.stringify({ dvqa: { root: 'images/', annotation: 'data/train.jsonl', length: 60, repeat_time: 2 }, gone: { root: 'nowhere/', annotation: 'data/gone.jsonl', length: 10, repeat_time: 0.5 } }, null, 2));
  writeFileSync(join(src, 'data/cut_qa.json'), '[\n  {"id": 1, "conversations": []},\n  {"id": 2, "conv');
  mkdirSync(join(src, '.vscode'), { recursive: true });
  writeFileSync(join(src, '.vscode/settings.json'), JSON.stringify({ 'vlmLens.imageRoots': ['images'] }));
  vs = await VsCodeSession.launch({ name: 'viewer', workspace: src });
  ws = vs.workspace;
  rmSync(src, { recursive: true, force: true });
});

after(async () => {
  await vs?.close();
});

/** The viewer showing `fileName` (train.jsonl unless said otherwise). */
async function viewer(fileName = 'train.jsonl'): Promise<Frame> {
  return vs.webviewFrame('VLM Lens Dataset', { selector: '.header .file-name', hasText: fileName });
}

/** Opens a file the way a user does (Quick Open): it lands in the viewer when VS Code picks it. */
async function openInViewer(rel: string): Promise<Frame> {
  await vs.openFile(rel);
  return viewer(rel.split('/').pop());
}

/** Explorer → "Open Records in VLM Lens" (also when the file was last shown as text). */
async function showInViewer(rel: string): Promise<Frame> {
  await vs.explorerContextMenu(rel, 'Open Records in VLM Lens');
  return viewer(rel.split('/').pop());
}

test('a .jsonl opens in the viewer: header, records, and a real image in the detail pane', async () => {
  const f = await openInViewer('data/train.jsonl');
  await f.locator('.header .record-count', { hasText: `${TOTAL} records` }).waitFor();
  await f.locator('.header .parse-errors', { hasText: '1 failed to parse' }).waitFor();
  assert.match(await f.locator('.header .format-mix').innerText(), /LLaVA 100%/);
  // the first rows are listed, with thumbnails
  await f.locator('.vrow[data-index="0"] .thumb img').waitFor();
  assert.match(await f.locator('.vrow[data-index="0"] .row-snippet').innerText(), /Question number 1/);
  // the detail pane shows record 1 with its image decoded (not a broken icon)
  await f.locator('.detail .detail-title', { hasText: 'Record 1 of 60' }).waitFor();
  const img = f.locator('.detail .image-frame img').first();
  await img.waitFor();
  await f.waitForFunction(() => {
    const el = document.querySelector<HTMLImageElement>('.detail .image-frame img');
    return !!el && el.complete && el.naturalWidth > 0;
  });
  const size = await img.evaluate((el: HTMLImageElement) => [el.naturalWidth, el.naturalHeight, el.dataset.sourceWidth]);
  assert.deepEqual(size, [320, 180, '320']);
  await vs.screenshot('jsonl-opened');
});

test('EXIF orientation is applied, a missing image is a placeholder with the paths tried', async () => {
  const f = await viewer();
  await f.locator('.vrow[data-index="2"]').click();
  await f.locator('.detail .detail-title', { hasText: 'Record 3 of 60' }).waitFor();
  await f.waitForFunction(() => (document.querySelector<HTMLImageElement>('.detail .image-frame img')?.naturalWidth ?? 0) > 0);
  const rotated = await f.locator('.detail .image-frame img').evaluate((el: HTMLImageElement) => [el.naturalWidth, el.naturalHeight]);
  assert.deepEqual(rotated, [100, 200], 'displayed upright (EXIF 6), not as stored (200x100)');
  await f.locator('.vrow[data-index="4"]').click();
  const placeholder = f.locator('.detail .image-placeholder');
  await placeholder.waitFor();
  const text = await placeholder.innerText();
  assert.match(text, /Image not found: nowhere\/missing\.jpg/);
  assert.match(text, /data\/nowhere\/missing\.jpg/);
  assert.match(text, /images\/nowhere\/missing\.jpg/);
  assert.equal(await f.locator('.detail img').count(), 0, 'no broken <img>');
  assert.match(text, /Add that folder to the image folders VLM Lens looks in/);
  await vs.screenshot('missing-image');
  // one click to the setting that says where images are kept
  await placeholder.locator('a.image-roots-open').click();
  await vs.page.locator('.settings-editor .setting-item-contents', { hasText: 'Image Roots' }).first().waitFor({ timeout: 15_000 });
  await vs.runCommand('View: Close Editor');
  await vs.page.locator('.settings-editor').waitFor({ state: 'detached', timeout: 10_000 });
});

test('keyboard navigation, go to record, reasoning shown collapsible', async () => {
  const f = await viewer();
  await f.locator('.vrow[data-index="0"]').click();
  await f.locator('.vlist').press('End');
  await f.locator('.detail .detail-title', { hasText: `Record ${TOTAL} of ${TOTAL}` }).waitFor();
  await f.locator('.vlist').press('Home');
  await f.locator('.detail .detail-title', { hasText: 'Record 1 of' }).waitFor();
  await f.locator('.vlist').press('j');
  await f.locator('.vlist').press('ArrowDown');
  await f.locator('.detail .detail-title', { hasText: 'Record 3 of' }).waitFor();
  await f.locator('.vlist').press('k');
  await f.locator('.detail .detail-title', { hasText: 'Record 2 of' }).waitFor();
  await f.locator('.vlist').press('PageDown');
  await f.locator('.detail .detail-title', { hasText: /Record (1[0-9]|[5-9]) of/ }).waitFor();
  const go = f.locator('vscode-textfield.goto input');
  await go.fill('9');
  await go.press('Enter');
  await f.locator('.detail .detail-title', { hasText: 'Record 9 of' }).waitFor();
  const reasoning = f.locator('.detail details.reasoning-think');
  await reasoning.waitFor();
  assert.equal(await reasoning.getAttribute('open'), null, 'collapsed by default');
  await reasoning.locator('summary').click();
  assert.match(await reasoning.innerText(), /The rectangle in the middle is red/);
  assert.match(await f.locator('.detail .turn.role-assistant .turn-body').innerText(), /Yes/);
});

test('search: streamed results, next/previous, the match highlighted', async () => {
  const f = await viewer();
  const field = f.locator('vscode-textfield.search input');
  await field.fill('needle-in-the');
  await f.locator('.search-status', { hasText: '1 of 1' }).waitFor();
  await f.locator('.detail .detail-title', { hasText: 'Record 42 of' }).waitFor();
  // the hit is only in the raw JSON (a `note` field): that section opens to show it
  await f.locator('.detail details.raw[open] .raw-json mark', { hasText: 'needle-in-the' }).waitFor();
  // regex and case options
  await field.fill('QUESTION NUMBER 1[0-9]:');
  await f.locator('.search-status', { hasText: 'no matches' }).waitFor();
  await f.locator('vscode-checkbox.opt-regex').click();
  await f.locator('.search-status', { hasText: /of 10$/ }).waitFor();
  await field.press('Enter');
  const first = await f.locator('.detail .detail-title').innerText();
  await f.locator('vscode-button.next-match').click();
  await f.waitForFunction((t) => document.querySelector('.detail .detail-title')?.textContent !== t, first);
  assert.match(await f.locator('.search-status').innerText(), /\d+ of 10/);
  await vs.screenshot('search');
  await field.fill('');
  await f.locator('.search-status', { hasText: /^$/ }).waitFor({ state: 'attached' });
});

test('a broken line: listed as an error row, and "Open at line" lands on it in a text editor', async () => {
  const f = await viewer();
  await f.locator('.header .parse-errors').click();
  await f.locator('.detail .detail-title', { hasText: `Record ${BROKEN_LINE} of` }).waitFor();
  const problem = await f.locator('.detail .problem.error').innerText();
  // `…"broken" }, }`: after the comma the array needs a value, and there is `}` at column 77
  assert.match(problem, new RegExp(`Line ${BROKEN_LINE}, column 77: a value is expected here`));
  assert.ok(await f.locator(`.vrow[data-index="${BROKEN_LINE - 1}"].error-row`).count());
  await vs.screenshot('broken-line');
  const col = Number(/column (\d+)/.exec(problem)?.[1]);
  await f.locator('.detail vscode-button[data-action="open-at-line"]').click();
  // a text editor on train.jsonl with the cursor on the broken line
  const editor = vs.page.locator('.editor-instance .monaco-editor');
  await editor.first().waitFor();
  await vs.page.locator('.statusbar', { hasText: `Ln ${BROKEN_LINE}, Col ${col}` }).waitFor();
  await vs.screenshot('broken-line-as-text');
});

test('mojibake is flagged in the header and in the record', async () => {
  const f = await showInViewer('data/train.jsonl');
  await f.locator('.header .mojibake-count', { hasText: '1 with mojibake' }).waitFor();
  const go = f.locator('vscode-textfield.goto input');
  await go.fill('44');
  await go.press('Enter');
  // said once: as the record's VLM060 problem row once validation has run, else as a notice
  const said = f.locator('.detail .problem.mojibake, .detail .record-problem[data-code="VLM060"]');
  await said.first().waitFor();
  assert.equal(await said.count(), 1, 'the record says it once, not as a notice and a problem row');
  assert.match(await said.first().innerText(), /“äººç‰©”.*“人物”/);
});

test('the file grows on disk: new records appear without reopening', async () => {
  const f = await viewer();
  appendFileSync(join(ws, 'data/train.jsonl'), jsonl([llavaRecord(61, 'scene.jpg'), llavaRecord(62, 'scene.jpg')]));
  await f.locator('.header .record-count', { hasText: '62 records' }).waitFor({ timeout: 15_000 });
  const go = f.locator('vscode-textfield.goto input');
  await go.fill('62');
  await go.press('Enter');
  await f.locator('.detail .detail-title', { hasText: 'Record 62 of 62' }).waitFor();
});

test('ordinary JSON stays in the text editor; eval_details_*.json opens in the viewer', async () => {
  await vs.openFile('package.json');
  await vs.page.locator('.tab.active', { hasText: 'package.json' }).waitFor();
  await vs.page.locator('.editor-instance .monaco-editor').first().waitFor();
  const f = await openInViewer('data/eval_details_contact_box.json');
  await f.locator('.header .record-count', { hasText: '1 record' }).waitFor();
  const pred = f.locator('.detail .turn.kind-pred .turn-body');
  await pred.waitFor();
  assert.equal((await pred.innerText()).trim(), '[1, 2, 3, 4]', 'the chat prefix is stripped from pred');
  assert.match(await f.locator('.detail .turn.kind-gt .turn-body').innerText(), /\[1, 2, 3, 5\]/);
});

test('bad input says what is wrong: empty, binary, object, truncated, deleted while open', async () => {
  let f = await openInViewer('data/empty.jsonl');
  await f.locator('.detail', { hasText: 'This file is empty.' }).waitFor();
  f = await openInViewer('data/binary.jsonl');
  await f.locator('.detail', { hasText: 'This is not a text file' }).waitFor();
  f = await openInViewer('data/meta_eval_qa.json');
  await f.locator('.notices', { hasText: 'is an object, not an array of records' }).waitFor();
  await f.locator('.detail table.meta', { hasText: 'dvqa' }).waitFor();
  // samples per epoch: 60 × 2 and 10 × 0.5; the missing annotation and root are said
  assert.match(await f.locator('.detail table.meta tr.meta-total').innerText(), /2 datasets\s+125/);
  await f.locator('.detail table.meta tr[data-annotation-found="true"]', { hasText: 'dvqa' }).waitFor();
  await f.locator('.detail table.meta tr[data-annotation-found="false"]', { hasText: 'gone' }).waitFor();
  await f.locator('.detail .meta-wrap .problem', { hasText: '1 dataset(s) name an annotation file or root that does not exist' }).waitFor();
  await vs.screenshot('internvl-meta');
  f = await openInViewer('data/cut_qa.json');
  await f.locator('.notices', { hasText: 'cut off before its closing bracket' }).waitFor();
  await f.locator('.header .parse-errors', { hasText: '1 failed to parse' }).waitFor();
  await vs.screenshot('truncated-json');
  rmSync(join(ws, 'data/cut_qa.json'));
  await f.locator('.notices', { hasText: 'The file was deleted on disk.' }).waitFor({ timeout: 15_000 });
});

test('explorer "Open Records in VLM Lens", and "Reopen as Text" one click from the viewer', async () => {
  // VS Code remembers that this file was last opened as text; the explorer command still opens the viewer
  await vs.runCommand('View: Close All Editors');
  const f = await showInViewer('data/train.jsonl');
  await f.locator('.vrow[data-index="0"]').waitFor();
  await f.locator('vscode-button.reopen-text').click();
  await vs.page.locator('.tab.active', { hasText: 'train.jsonl' }).waitFor();
  await vs.page.locator('.editor-instance .monaco-editor .view-lines', { hasText: 'rec-0001' }).first().waitFor();
});

test('the selection survives hiding and showing the editor', async () => {
  await vs.runCommand('View: Close All Editors');
  let f = await showInViewer('data/train.jsonl');
  const go = f.locator('vscode-textfield.goto input');
  await go.fill('23');
  await go.press('Enter');
  await f.locator('.detail .detail-title', { hasText: 'Record 23 of' }).waitFor();
  // another editor in front: the viewer's webview is discarded while hidden
  await vs.openFile('package.json');
  await vs.page.locator('.tab.active', { hasText: 'package.json' }).waitFor();
  await vs.page.locator('.tab', { hasText: 'train.jsonl' }).first().click();
  f = await viewer();
  await f.locator('.detail .detail-title', { hasText: 'Record 23 of' }).waitFor();
  const row = f.locator('.vrow.selected[data-index="22"]');
  await row.waitFor();
  // and the selected row is scrolled into view, not just selected
  const [r, l] = await Promise.all([row.boundingBox(), f.locator('.vlist').boundingBox()]);
  assert.ok(r && l && r.y >= l.y - 1 && r.y + r.height <= l.y + l.height + 1, `row ${JSON.stringify(r)} inside list ${JSON.stringify(l)}`);
});

test('theme-aware: light and high-contrast themes restyle the viewer', async () => {
  const f = await viewer();
  const bg = () => f.evaluate(() => getComputedStyle(document.body).backgroundColor);
  const dark = await bg();
  await vs.setColorTheme('Light Modern');
  await f.waitForFunction(() => document.body.classList.contains('vscode-light'), undefined, { timeout: 20_000 });
  const light = await bg();
  assert.notEqual(light, dark);
  await vs.screenshot('theme-light');
  await vs.setColorTheme('Dark High Contrast');
  await f.waitForFunction(() => document.body.classList.contains('vscode-high-contrast'), undefined, { timeout: 20_000 });
  assert.equal(await bg(), 'rgb(0, 0, 0)');
  await vs.screenshot('theme-high-contrast');
  await vs.setColorTheme('Dark Modern');
});
