/**
 * Validation in a real VS Code: a dataset with problems opens in the viewer and its problems
 * are in the Problems panel (with a rule turned off in settings, a user schema and a broken
 * one); the viewer lists and filters them; a click on a problem lands on its line in the text
 * editor; a quick fix makes the problem go away; hovering a box shows the picture.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Frame } from 'playwright-core';
import { VsCodeSession } from './harness';
import { jsonl, llavaRecord, mkdirSync, tempWorkspace, writeImage } from './fixtures';

let vs: VsCodeSession;
let ws: string;

const BOX_ANSWER = '<ref>red block</ref><box>[[300,300,600,700]]</box>';
const LINES = [
  /* 1 */ llavaRecord(1, 'scene.jpg'),
  /* 2 VLM010 (fix) */ { ...llavaRecord(2, 'scene.jpg'), image: undefined, images: ['scene.jpg', 'scene.jpg'] },
  /* 3 box for the hover */ { id: 'rec-0003', image: 'scene.jpg', width: 320, height: 180, conversations: [{ from: 'human', value: '<image>\nWhere is the red block?' }, { from: 'gpt', value: BOX_ANSWER }] },
  /* 4 VLM050 */ llavaRecord(1, 'scene.jpg'),
  /* 5 VLM001 (fix) */ '{"id": "rec-0005", "image": "scene.jpg", "conversations": [{"from": "human", "value": "<image>\\nHi"}, {"from": "gpt", "value": "Hello"},]}',
  /* 6 VLM020 */ llavaRecord(6, 'nowhere/missing.jpg'),
  /* 7 VLM060 */ { id: 'rec-0007', image: 'scene.jpg', conversations: [{ from: 'human', value: '<image>\nlabel: äººç‰©' }, { from: 'gpt', value: 'ok' }] },
  /* 8 VLM033, turned off in settings */ { id: 'rec-0008', image: 'scene.jpg', conversations: [{ from: 'human', value: '<image>\nhi' }, { from: 'robot', value: 'beep' }] },
];

before(async () => {
  const src = tempWorkspace('diagnostics');
  await writeImage(join(src, 'data/scene.jpg'), 320, 180);
  mkdirSync(join(src, 'data/custom'), { recursive: true });
  mkdirSync(join(src, 'schemas'), { recursive: true });
  writeFileSync(join(src, 'data/train.jsonl'), jsonl(LINES));
  writeFileSync(join(src, 'data/custom/items.jsonl'), jsonl([{ id: 'a', split: 'train' }, { id: 'b', split: 'tset' }]));
  writeFileSync(join(src, 'schemas/items.schema.json'), JSON.stringify({ type: 'object', required: ['id', 'split'], properties: { split: { enum: ['train', 'val', 'test'] } } }, null, 2));
  writeFileSync(join(src, 'schemas/broken.schema.json'), '{\n  "type": "object",\n  "properties": {,}\n}\n');
  writeFileSync(join(src, 'data/eval_details_box.json'), JSON.stringify([{ id: 'e1', pred: '[1, 2, 3, 4]', gt: '[1, 2, 3, 5]' }, { id: 'e2', pred: '[1, 2, 3, 4]' }], null, 2));
  const mixed = (i: number, key: 'image' | 'images') => ({ id: `m${i}`, [key]: key === 'image' ? 'scene.jpg' : ['scene.jpg'], conversations: [{ from: 'human', value: '<image>\nWhat?' }, { from: 'gpt', value: 'A block.' }] });
  writeFileSync(join(src, 'data/mixed.jsonl'), jsonl([mixed(1, 'images'), mixed(2, 'image'), mixed(3, 'images'), mixed(4, 'image'), mixed(5, 'images')]));
  mkdirSync(join(src, 'logs'), { recursive: true });
  writeFileSync(join(src, 'logs/model_contact_box.log'), 'Evaluating 40 samples...\neval_details_contact_box.json : Mean IOU: 0.4231 Accuracy (IOU > 0.1): 0.7465\nError: CUDA out of memory\n');
  mkdirSync(join(src, '.vscode'), { recursive: true });
  writeFileSync(
    join(src, '.vscode/settings.json'),
    JSON.stringify({
      'vlmLens.validation.rules': { VLM033: 'off' },
      'vlmLens.schemas': [
        { fileMatch: ['data/custom/*.jsonl'], url: './schemas/items.schema.json' },
        { fileMatch: ['data/other/*.jsonl'], url: './schemas/broken.schema.json' },
      ],
    }),
  );
  vs = await VsCodeSession.launch({ name: 'diagnostics', workspace: src });
  ws = vs.workspace;
  rmSync(src, { recursive: true, force: true });
});

after(async () => {
  await vs?.close();
});

async function viewer(fileName: string): Promise<Frame> {
  return vs.webviewFrame('VLM Lens Dataset', { selector: '.header .file-name', hasText: fileName });
}

/** Waits until the Problems panel rows satisfy `ok`, and returns them. */
async function problemsUntil(ok: (rows: string[]) => boolean, what: string, timeoutMs = 60_000): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  let rows: string[] = [];
  while (Date.now() < deadline) {
    rows = await vs.problems();
    if (ok(rows)) return rows;
    await vs.page.waitForTimeout(1000);
  }
  throw new Error(`Problems panel never showed ${what}; it showed:\n${rows.join('\n')}`);
}

const has = (rows: string[], code: string) => rows.some((r) => r.includes(code));

test('a dataset opened in the viewer has its problems in the Problems panel, with rule settings applied', async () => {
  await vs.openFile('data/train.jsonl');
  await viewer('train.jsonl');
  const rows = await problemsUntil((r) => ['VLM010', 'VLM050', 'VLM001', 'VLM020', 'VLM060'].every((c) => has(r, c)), 'the five expected rules');
  assert.ok(!has(rows, 'VLM033'), 'VLM033 is turned off in settings');
  const v10 = rows.find((r) => r.includes('VLM010')) ?? '';
  assert.match(v10, /1 <image> placeholder\(s\) but 2 image\(s\)/);
  const v20 = rows.find((r) => r.includes('VLM020')) ?? '';
  assert.match(v20, /Image not found: nowhere\/missing\.jpg/);
  await vs.screenshot('problems-panel');
});

test('the viewer lists each record’s problems and filters to a rule', async () => {
  const f = await viewer('train.jsonl');
  await f.locator('.header .validation-problems').waitFor({ timeout: 60_000 });
  assert.match(await f.locator('.header .validation-problems').innerText(), /problems in \d+ records/);
  // an error (VLM010) is marked as one in the list, in the colour the detail pane and Problems use
  await f.locator('.vrow[data-index="1"] .row-problems.error', { hasText: '✖ VLM010' }).waitFor();
  // filter to VLM050: only the duplicate (record 4) is listed
  await f.locator('vscode-single-select.problem-filter').click();
  await f.locator('vscode-single-select.problem-filter li[role="option"]', { hasText: /^\s*VLM050/ }).click();
  await f.locator('.detail .detail-title', { hasText: 'Record 4 of 8' }).waitFor();
  await f.waitForFunction(() => document.querySelectorAll('.vrow[data-index]').length > 0);
  const listed = await f.locator('.vrow .row-num span:first-child').allInnerTexts();
  assert.deepEqual(listed.filter((t) => t.trim() !== ''), ['#4']);
  const problem = f.locator('.detail .record-problem[data-code="VLM050"]');
  await problem.waitFor();
  assert.match(await problem.innerText(), /Duplicate id “rec-0001” \(first used on line 1\)/);
  await vs.screenshot('viewer-problems-filtered');
  // back to all records
  await f.locator('vscode-single-select.problem-filter').click();
  await f.locator('vscode-single-select.problem-filter li[role="option"]', { hasText: 'All records' }).click();
  await f.waitForFunction(() => document.querySelectorAll('.vrow .row-num').length >= 8);
});

test('a click on a problem opens the text editor at its line and column, although the viewer is the default', async () => {
  await vs.problems();
  await vs.page.locator('.markers-panel .monaco-list-row', { hasText: 'VLM010' }).first().click();
  const editor = vs.page.locator('.editor-group-container.active .monaco-editor').first();
  await editor.waitFor({ state: 'visible' });
  await vs.page.locator('.statusbar', { hasText: /Ln 2, Col \d+/ }).waitFor();
  const tab = await vs.page.locator('.tabs-container .tab.active').innerText();
  assert.match(tab, /train\.jsonl/);
  await vs.screenshot('problem-opened-as-text');
});

/**
 * train.jsonl's lines once the save has reached the disk whole: the editor's write may be caught
 * half done (one CI run read the file between its truncation and its last line), so the file is
 * read again until every record is there and line 2 carries the fix.
 */
async function savedLines(): Promise<string[]> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const lines = readFileSync(join(ws, 'data/train.jsonl'), 'utf8').split('\n').filter((l) => l.trim());
    if (lines.length === LINES.length && /Question number 2/.test(lines[1]) && lines[1].includes('<image>\\n<image>')) return lines;
    if (Date.now() > deadline) throw new Error(`train.jsonl on disk has ${lines.length} of ${LINES.length} lines, line 2: ${lines[1] ?? '(none)'}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('a quick fix adds the missing <image> placeholder and the problem goes away', async () => {
  await vs.page.locator('.editor-group-container.active .monaco-editor textarea').first().focus();
  await vs.page.keyboard.press('Control+.');
  const fix = vs.page.locator('.action-widget .monaco-list-row', { hasText: 'Add the missing <image> placeholder' }).first();
  await fix.waitFor();
  await vs.screenshot('quick-fix-menu');
  await vs.page.keyboard.press('Enter');
  await problemsUntil((r) => !has(r, 'VLM010') && has(r, 'VLM050'), 'VLM010 gone');
  await vs.runCommand('File: Save');
  const line2 = (await savedLines())[1];
  assert.match(line2, /"value":"<image>\\n<image>\\nQuestion number 2/);
});

test('hovering a box shows the image with the box drawn, and the convention', async () => {
  const text = (await savedLines())[2];
  const col = text.indexOf('[[300') + 3;
  await vs.page.locator('.tabs-container .tab', { hasText: 'train.jsonl' }).last().click();
  await vs.runCommand('Go to Line/Column...');
  const input = vs.page.locator('.quick-input-widget input');
  await input.fill(`:3:${col}`);
  await vs.page.waitForTimeout(300); // the picker reads the typed value asynchronously
  await vs.page.keyboard.press('Enter');
  await vs.page.locator('.statusbar', { hasText: `Ln 3, Col ${col}` }).waitFor();
  await vs.runCommand('Show or Focus Hover');
  const hover = vs.page.locator('.monaco-hover', { hasText: 'Coordinates: norm1000' }).first();
  await hover.waitFor({ timeout: 30_000 });
  const img = hover.locator('img[src^="data:image/png"]');
  await img.waitFor();
  await vs.page.waitForFunction(() => {
    const el = document.querySelector<HTMLImageElement>('.monaco-hover img[src^="data:image/png"]');
    return !!el && el.complete && el.naturalWidth > 0;
  });
  assert.match(await hover.innerText(), /gt box “red block”: \[96,54,192,126\] px/);
  await vs.page.waitForTimeout(500); // the hover fades in
  await vs.screenshot('geometry-hover');
  await vs.page.keyboard.press('Escape');
});

test('“rename image to images in every record” fixes the whole file at once', async () => {
  await vs.openFile('data/mixed.jsonl');
  await viewer('mixed.jsonl');
  // train.jsonl has a VLM013 of its own (its minority key is `images`): count mixed.jsonl's by their text
  const mixedRow = (x: string) => x.includes('VLM013') && x.includes('records use `images`');
  await problemsUntil((r) => r.filter(mixedRow).length === 2, 'two VLM013 in mixed.jsonl');
  await vs.page.locator('.markers-panel .monaco-list-row', { hasText: 'records use `images`' }).first().click();
  await vs.page.locator('.statusbar', { hasText: /Ln 2, Col \d+/ }).waitFor();
  await vs.runCommand('Quick Fix...');
  const all = vs.page.locator('.action-widget .monaco-list-row', { hasText: 'in every record of this file' }).first();
  await all.waitFor();
  // the menu is keyboard-driven (a pointer block covers it): move the focus down to the file-wide fix
  const focusedAll = vs.page.locator('.action-widget .monaco-list-row.focused', { hasText: 'in every record of this file' });
  for (let i = 0; i < 5 && !(await focusedAll.count()); i++) await vs.page.keyboard.press('ArrowDown');
  await focusedAll.waitFor({ timeout: 5000 });
  await vs.screenshot('quick-fix-whole-file');
  await vs.page.keyboard.press('Enter');
  await problemsUntil((r) => !r.some(mixedRow) && !r.some((x) => /problems? in file mixed\.jsonl/.test(x)), 'no problem left in mixed.jsonl');
  await vs.runCommand('File: Save');
  const text = readFileSync(join(ws, 'data/mixed.jsonl'), 'utf8');
  assert.equal((text.match(/"images":/g) ?? []).length, 5);
  assert.equal((text.match(/"image":/g) ?? []).length, 0);
});

test('in the text editor, <image> placeholders and box coordinates are highlighted inside JSON strings', async () => {
  const colour = (text: string) =>
    vs.page.evaluate((t) => {
      const span = Array.from(document.querySelectorAll('.editor-group-container.active .view-lines span span')).find((s) => s.textContent === t);
      return span ? getComputedStyle(span).color : undefined;
    }, text);
  // train.jsonl as text (the viewer is its default editor)
  // train.jsonl as text: Quick Open brings back its text tab if an earlier test opened one,
  // otherwise the viewer (its default editor), which is then reopened as text
  await vs.openFile('data/train.jsonl');
  const ref = vs.page.locator('.editor-group-container.active .view-lines span span', { hasText: '<ref>' }).first();
  if (!(await ref.waitFor({ timeout: 5000 }).then(() => true, () => false))) {
    await viewer('train.jsonl');
    await vs.runCommand('VLM Lens: Reopen as Text');
    await ref.waitFor();
  }
  const placeholder = await colour('<image>');
  const tag = await colour('<ref>');
  const box = await colour('[[300,300,600,700]]');
  const plain = await colour('Where is the red block?"') ?? await colour('Where is the red block?');
  assert.ok(placeholder && tag && box, `tokens found: ${placeholder} ${tag} ${box}`);
  assert.notEqual(placeholder, plain, 'the placeholder is not coloured as the rest of the string');
  assert.notEqual(box, plain, 'the coordinates are not coloured as the rest of the string');
});

test('a log under logs/ opens as VLM Eval Log with its metric lines highlighted', async () => {
  await vs.openFile('logs/model_contact_box.log');
  await vs.page.locator('.statusbar', { hasText: 'VLM Eval Log' }).waitFor();
  await vs.page.locator('.editor-group-container.active .view-lines span span', { hasText: '0.4231' }).first().waitFor();
  await vs.screenshot('eval-log');
});

test('a user schema from vlmLens.schemas checks its files; a broken schema is reported on the schema file', async () => {
  await vs.openFile('data/custom/items.jsonl');
  await viewer('items.jsonl');
  const rows = await problemsUntil((r) => r.some((x) => x.includes('VLM004') && /allowed values/.test(x)) && r.some((x) => /broken\.schema\.json could not be used/.test(x)), 'the user schema error and the broken schema');
  assert.ok(rows.some((x) => /\/split: must be equal to one of the allowed values/.test(x)));
});

test('eval_details_*.json opened as text is checked by VS Code’s JSON service with the built-in schema', async () => {
  await vs.openFile('data/eval_details_box.json');
  await viewer('eval_details_box.json');
  await vs.runCommand('VLM Lens: Reopen as Text');
  // the text editor shows the file's content (a blank editor here would be ours to fix)
  await vs.page.locator('.editor-group-container.active .view-lines', { hasText: '"gt"' }).first().waitFor();
  const schemaError = (r: string[]) => r.some((x) => /Missing property "gt"/.test(x));
  try {
    await problemsUntil(schemaError, 'the JSON service’s schema error', 30_000);
  } catch {
    // VS Code's JSON service sometimes validates the document as it is created, empty ("Expected
    // a JSON object, array or literal" at 1:1), and keeps that result while the editor shows the
    // content (seen once in CI). Opening the text again makes it validate what is shown.
    await vs.runCommand('View: Close Editor');
    await vs.openFile('data/eval_details_box.json');
    await viewer('eval_details_box.json');
    await vs.runCommand('VLM Lens: Reopen as Text');
    await problemsUntil(schemaError, 'the JSON service’s schema error, after opening the text again');
  }
  await vs.screenshot('json-validation');
});

test('Reopen as Text: the text at the selected record replaces the viewer tab, and a problem’s click lands in that text', async () => {
  await vs.runCommand('View: Close All Editors');
  await vs.openFile('data/custom/items.jsonl');
  const f = await viewer('items.jsonl');
  await f.locator('.vrow[data-index="1"]').click();
  await f.locator('.detail .detail-title', { hasText: 'Record 2 of' }).waitFor();
  await vs.runCommand('VLM Lens: Reopen as Text');
  await vs.page.locator('.editor-group-container.active .view-lines', { hasText: '"tset"' }).first().waitFor();
  await vs.page.locator('.statusbar', { hasText: 'Ln 2, Col 1' }).waitFor();
  // one tab for the file: the viewer's is closed once the text is open
  await vs.page.waitForFunction(() => Array.from(document.querySelectorAll('.tabs-container .tab')).filter((t) => t.textContent?.includes('items.jsonl')).length === 1, undefined, { timeout: 10_000 });

  // another file in front, then the problem clicked: VS Code opens the file's default editor
  // (the viewer) for it; the text tab the user chose comes back instead, and the viewer goes
  await vs.openFile('logs/model_contact_box.log');
  await vs.page.locator('.tab.active', { hasText: 'model_contact_box.log' }).waitFor();
  await vs.problems();
  await vs.page.locator('.markers-panel .monaco-list-row', { hasText: 'must be equal to one of the allowed values' }).first().click();
  await vs.page.locator('.tab.active', { hasText: 'items.jsonl' }).waitFor();
  await vs.page.waitForFunction(() => Array.from(document.querySelectorAll('.tabs-container .tab')).filter((t) => t.textContent?.includes('items.jsonl')).length === 1, undefined, { timeout: 10_000 }).catch(async () => {
    await vs.screenshot('reopen-as-text-then-problem-failed');
    throw new Error(`the viewer stayed beside the text: tabs ${(await vs.page.locator('.tabs-container .tab').allInnerTexts()).join(' | ')}`);
  });
  await vs.page.locator('.editor-group-container.active .view-lines', { hasText: '"tset"' }).first().waitFor();
  await vs.page.locator('.statusbar', { hasText: /Ln 2, Col \d+/ }).waitFor();
  await vs.screenshot('reopen-as-text-then-problem');
});

test('a file’s problems stay in Problems after its editors close, until the file changes on disk', async () => {
  const hasItems = (r: string[]) => r.some((x) => x.includes('must be equal to one of the allowed values'));
  await problemsUntil(hasItems, 'the items.jsonl schema problem');
  await vs.runCommand('View: Close All Editors');
  await vs.page.waitForTimeout(1500); // VS Code closes the text document a moment after its tab
  assert.ok(hasItems(await vs.problems()), 'still listed after the editor closed');
  // fixed on disk (another tool, git checkout): the kept problem goes
  writeFileSync(join(ws, 'data/custom/items.jsonl'), jsonl([{ id: 'a', split: 'train' }, { id: 'b', split: 'test' }]));
  await problemsUntil((r) => !hasItems(r), 'the problem gone once the file changed');
});
