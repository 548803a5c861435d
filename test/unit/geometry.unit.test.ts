/**
 * Geometry parsers and conventions, on the real strings documented in
 * ../shared/notes/formats.md (RoboInter, Qwen, InternVL, Molmo, RoboBrain, ReCogDrive),
 * with numbers checked by hand.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { shapesFromText } from '../../src/core/geometry/parseText';
import { extractGeometry } from '../../src/core/geometry/extract';
import { roundHalfEven, scaleFor, smartResize } from '../../src/core/geometry/conventions';
import { toPixelShapes } from '../../src/core/geometry/convert';
import { guessFileConvention, guessRecordConvention, type ConventionGuess } from '../../src/core/geometry/detect';
import { recordOverlays } from '../../src/core/geometry/overlays';
import { dtw, endpointDistance, frechet, hausdorff, iou, rmse, type Pt } from '../../src/core/geometry/metrics';
import { normalizeRecord } from '../../src/core/records/normalize';
import { shapesAt } from '../../src/core/geometry/shapesAt';
import { shapesSvg } from '../../src/core/geometry/svg';
import { findNodeAtOffset, parseTree } from 'jsonc-parser';
import type { ConventionChoice, RawShape } from '../../src/core/geometry/types';

const gt = { role: 'gt' as const, turn: 1 };
const auto: ConventionChoice = { convention: 'pixel', source: 'auto', reason: '' };
const samples = join(__dirname, '..', 'fixtures', 'samples');

test('RoboInter JSON answers: boxes as corner pairs, contact points grouped, future_traj', () => {
  const box = shapesFromText('{"contact_bbox": [[69, 95], [184, 167]]}', gt);
  assert.deepEqual(box.shapes.map((s) => [s.kind, s.values, s.label, s.parser]), [['box', [69, 95, 184, 167], 'contact_bbox', 'RoboInter JSON']]);
  const pts = shapesFromText('{"contact_point": [[118, 60], [140, 62]]}', gt).shapes;
  assert.deepEqual(pts.map((s) => s.values), [[118, 60], [140, 62]]);
  assert.ok(pts[0].group && pts[0].group === pts[1].group, 'the two contact points are linked');
  const traj = shapesFromText('{"future_traj": [[10, 20], [15, 25], [20, 30]]}', gt).shapes;
  assert.deepEqual([traj[0].kind, traj[0].values], ['trajectory', [[10, 20], [15, 25], [20, 30]]]);
  // with prose around it, and flat boxes
  const prose = shapesFromText('Sure. The answer is {"current_bbox": [12, 30, 80, 99]} as requested.', gt).shapes;
  assert.deepEqual(prose[0].values, [12, 30, 80, 99]);
  // a shape's span is the JSON object holding its key
  assert.equal('Sure. The answer is {"current_bbox": [12, 30, 80, 99]} as requested.'.slice(prose[0].source.start, prose[0].source.end), '{"current_bbox": [12, 30, 80, 99]}');
  // not valid JSON, the key still names the value (metric_utils' regex fallback)
  const broken = shapesFromText('{"final_bbox": [[1, 2], [3, 4]], "note": oops}', gt).shapes;
  assert.deepEqual(broken.map((s) => s.values), [[1, 2, 3, 4]]);
});

test('Qwen2.5-VL / Qwen3-VL JSON: bbox_2d and point_2d in fences or bare, with labels', () => {
  const fenced = '```json\n[\n\t{"point_2d": [925, 618], "label": "point_1"}\n]\n```';
  const p = shapesFromText(fenced, gt).shapes;
  assert.deepEqual(p.map((s) => [s.kind, s.values, s.label, s.parser, s.implied]), [['point', [925, 618], 'point_1', 'Qwen2.5/3 JSON', undefined]]);
  const text = '[{"bbox_2d": [135, 114, 1016, 672], "label": "house"}, {"bbox_2d": [1, 2, 3, 4], "label": "door"}]';
  const bare = shapesFromText(text, gt).shapes;
  assert.deepEqual(bare.map((s) => s.label), ['house', 'door']);
  assert.deepEqual(bare.map((s) => text.slice(s.source.start, s.source.end)), ['{"bbox_2d": [135, 114, 1016, 672], "label": "house"}', '{"bbox_2d": [1, 2, 3, 4], "label": "door"}']);
  const inFence = shapesFromText(fenced, gt).shapes[0];
  assert.equal(fenced.slice(inFence.source.start, inFence.source.end), '{"point_2d": [925, 618], "label": "point_1"}');
});

test('Qwen2-VL box tokens (norm1000), Qwen-VL v1 <box>(…)</box> (norm999), InternVL <box>[[…]]</box> (norm1000)', () => {
  const q2 = shapesFromText('<|object_ref_start|>a dog<|object_ref_end|><|box_start|>(221,423),(569,886)<|box_end|> and <|box_start|>(10,20)<|box_end|>', gt).shapes;
  assert.deepEqual(q2.map((s) => [s.kind, s.values, s.label ?? '', s.implied]), [['box', [221, 423, 569, 886], 'a dog', 'norm1000'], ['point', [10, 20], '', 'norm1000']]);
  const v1 = shapesFromText('<ref>dog</ref><box>(123,45),(678,910)</box>', gt).shapes;
  assert.deepEqual(v1.map((s) => [s.values, s.label, s.implied]), [[[123, 45, 678, 910], 'dog', 'norm999']]);
  const iv = shapesFromText('<ref>person</ref><box>[[12, 30, 400, 990], [500, 10, 600, 200]]</box>', gt).shapes;
  assert.deepEqual(iv.map((s) => [s.values, s.label, s.implied, s.parser]), [[[12, 30, 400, 990], 'person', 'norm1000', 'InternVL <box> tags'], [[500, 10, 600, 200], 'person', 'norm1000', 'InternVL <box> tags']]);
});

test('Molmo points (percent) and RoboBrain lists', () => {
  const m = shapesFromText('<point x="61.5" y="40.3" alt="cup">cup</point> and <points x1="10.0" y1="20.0" x2="30.5" y2="40.5" alt="pens">pens</points>', gt).shapes;
  assert.deepEqual(m.map((s) => [s.values, s.label, s.implied]), [[[61.5, 40.3], 'cup', 'percent'], [[10, 20], 'pens', 'percent'], [[30.5, 40.5], 'pens', 'percent']]);
  assert.deepEqual(shapesFromText("'[0, 193, 226, 640]'", gt).shapes[0].values, [0, 193, 226, 640]);
  const traj = shapesFromText('<think>plan</think><answer>[(137, 116), (169, 94), (208, 84), (228, 80)]</answer>', { ...gt, hint: 'Please predict up to 10 key trajectory points' }).shapes;
  assert.deepEqual([traj[0].kind, (traj[0].values as number[][]).length], ['trajectory', 4]);
  const pointing = shapesFromText('[(376, 309), (332, 357), (310, 400)]', { ...gt, hint: 'pointing: find free space' }).shapes;
  assert.deepEqual(pointing.map((s) => s.kind), ['point', 'point', 'point']);
  // the RoboInter eval `gt` string: two corner pairs of a box
  assert.deepEqual(shapesFromText('[[72, 102], [192, 179]]', { ...gt, hint: 'contact_box' }).shapes[0].values, [72, 102, 192, 179]);
  // prose numbers are not geometry in an answer without a list
  assert.deepEqual(shapesFromText('The cup is 3 cm to the left (about 2 inches).', gt).shapes, []);
});

test('ReCogDrive [PT, …] is an ego-frame trajectory, never image coordinates', () => {
  const g = shapesFromText('Here is the planning trajectory [PT, (+5.31, +0.06, 0.0), (+10.67, +0.16, +0.02), (+16.0, 0.0, 0.0)].', gt);
  assert.equal(g.shapes.length, 0);
  assert.deepEqual(g.ego[0].poses, [[5.31, 0.06, 0], [10.67, 0.16, 0.02], [16, 0, 0]]);
});

test('smart resize: 640×480 → 644×476, 320×180 → 308×168 (Python rounding)', () => {
  assert.deepEqual(smartResize(480, 640), { height: 476, width: 644 });
  assert.deepEqual(smartResize(180, 320), { height: 168, width: 308 });
  assert.equal(roundHalfEven(2.5), 2);
  assert.equal(roundHalfEven(3.5), 4);
  assert.equal(roundHalfEven(-2.5), -2);
  // a large frame is capped at max_pixels: 1920×1080 → 1316×728 (Qwen processor defaults)
  const big = smartResize(1080, 1920);
  assert.ok(big.width * big.height <= 28 * 28 * 1280);
  assert.deepEqual(big, { height: 728, width: 1316 });
});

test('conventions: the same box in every convention lands on the same pixels', () => {
  const image = { width: 640, height: 480 };
  const pix = [64, 48, 320, 240];
  const cases: Array<[ConventionChoice['convention'], number[]]> = [
    ['pixel', pix],
    ['norm1', [0.1, 0.1, 0.5, 0.5]],
    ['norm1000', [100, 100, 500, 500]],
    ['norm999', [99.9, 99.9, 499.5, 499.5]],
    ['percent', [10, 10, 50, 50]],
    // qwen25: the smart-resized frame is 644×476
    ['qwen25', [64.4, 47.6, 322, 238]],
    ['resized', [30.8, 16.8, 154, 84]],
  ];
  for (const [convention, values] of cases) {
    const shape: RawShape = { kind: 'box', role: 'gt', values, source: { text: '' }, parser: 't' };
    const { shapes } = toPixelShapes([shape], { image, resized: { width: 308, height: 168 } }, { convention, source: 'override', reason: '' });
    const got = (shapes[0].pixels as number[]).map((v) => Math.round(v * 100) / 100);
    assert.deepEqual(got, pix, convention);
    assert.deepEqual(shapes[0].flags, []);
  }
  assert.deepEqual(scaleFor('resized', { image }), { error: 'the record has no resized size (new_w/new_h)' });
});

test('the RoboInter README box: smart_resize [[69,95],[184,167]] and origin [[72,102],[192,179]] coincide', () => {
  const value = (JSON.parse(readFileSync(join(samples, 'constructed/robointer_generation_eval_input.constructed.json'), 'utf8')) as unknown[])[0];
  const rec = normalizeRecord(value);
  const g = extractGeometry(rec, value);
  assert.deepEqual(g.shapes.map((s) => [s.role, s.implied, s.values]), [
    ['gt', 'resized', [69, 95, 184, 167]],
    ['gt', 'pixel', [72, 102, 192, 179]],
  ]);
  const o = recordOverlays(rec, g, { width: 320, height: 180 }, {});
  const [answer, field] = o.shapes.map((s) => (s.pixels as number[]).map(Math.round));
  // 69·320/308 = 71.7, 95·180/168 = 101.8, 184·320/308 = 191.2, 167·180/168 = 178.9: int() truncation upstream
  assert.deepEqual(answer, [72, 102, 191, 179]);
  assert.deepEqual(field, [72, 102, 192, 179]);
});

test('flags: outside the image, inverted and zero-area boxes, trajectory points outside', () => {
  const mk = (kind: RawShape['kind'], values: number[] | number[][]): RawShape => ({ kind, role: 'pred', values, source: { text: '' }, parser: 't' });
  const { shapes } = toPixelShapes([mk('box', [10, 10, 700, 50]), mk('box', [50, 50, 10, 60]), mk('box', [5, 5, 5, 9]), mk('trajectory', [[1, 1], [900, 1], [2, 500]])], { image: { width: 640, height: 480 } }, auto);
  assert.deepEqual(shapes.map((s) => s.flags), [['outside the 640×480 image'], ['inverted box (x2 < x1 or y2 < y1)'], ['zero-area box'], ['2 trajectory point(s) outside the 640×480 image']]);
});

test('convention detection: 0–1, values beyond the image, Qwen JSON within it, and mixed files', () => {
  const box = (values: number[], parser = 'list'): RawShape => ({ kind: 'box', role: 'gt', values, source: { text: '' }, parser });
  assert.equal(guessRecordConvention([box([0.1, 0.2, 0.5, 0.9])])?.convention, 'norm1');
  const n1000 = guessRecordConvention([box([135, 114, 1016, 672])], { width: 640, height: 480 });
  assert.equal(n1000?.convention, 'pixel', '1016 is beyond 1000: not normalized');
  const beyond = guessRecordConvention([box([135, 114, 998, 672])], { width: 640, height: 480 });
  assert.deepEqual(beyond, { convention: 'norm1000', reason: 'values up to 998 exceed the 640×480 image' });
  assert.equal(guessRecordConvention([box([10, 20, 300, 200], 'Qwen2.5/3 JSON')], { width: 640, height: 480 })?.convention, 'qwen25');
  assert.equal(guessRecordConvention([box([10, 20, 300, 200])], { width: 640, height: 480 })?.convention, 'pixel');
  const implied: RawShape = { ...box([1, 2, 3, 4]), implied: 'norm1000' };
  assert.equal(guessRecordConvention([implied]), undefined, 'nothing undetermined');
  const g = (convention: 'norm1' | 'pixel'): ConventionGuess => ({ convention, reason: convention });
  const file = guessFileConvention([...Array.from({ length: 9 }, () => g('norm1')), g('pixel')]);
  assert.equal(file.guess?.convention, 'norm1');
  assert.equal(file.mixed, true);
  assert.equal(guessFileConvention(Array.from({ length: 40 }, () => g('pixel'))).mixed, false);
});

test('records: turns give roles (answer gt, prediction pred, question prompt), fields and ms-swift objects', () => {
  const evalRec = (JSON.parse(readFileSync(join(samples, 'constructed/eval_details_contact_box.constructed.json'), 'utf8')) as unknown[])[1];
  const g = extractGeometry(normalizeRecord(evalRec), evalRec);
  assert.deepEqual(g.shapes.map((s) => [s.role, s.values]), [['pred', [120, 40, 210, 130]], ['gt', [118, 44, 205, 128]]]);
  const traj = { id: 't', images: 'x.jpg', h: 480, w: 640, new_h: 476, new_w: 644, task: 'traj', conversations: [{ from: 'human', value: '<image>\nThe gripper starts at (118, 44). Predict the trajectory.' }, { from: 'gpt', value: '{"future_traj": [[118, 44], [130, 60]]}' }] };
  const tg = extractGeometry(normalizeRecord(traj), traj);
  // the start point in the question is in the same resized frame as the answer
  assert.deepEqual(tg.shapes.map((s) => [s.role, s.kind, s.implied]), [['gt', 'trajectory', 'resized'], ['prompt', 'point', 'resized']]);
  const swift = { messages: [{ role: 'user', content: '<image>Find <ref-object>' }, { role: 'assistant', content: '<bbox>' }], images: ['a.jpg'], objects: { ref: ['sheep'], bbox: [[90.9, 160.8, 135, 212.8]], bbox_type: 'real' } };
  const sg = extractGeometry(normalizeRecord(swift), swift);
  assert.deepEqual(sg.shapes.map((s) => [s.label, s.implied, s.values]), [['sheep', 'pixel', [90.9, 160.8, 135, 212.8]]]);
  const coco = { image: 'a.jpg', bbox: [10, 20, 30, 40], conversations: [{ from: 'human', value: 'q' }] };
  const cg = extractGeometry(normalizeRecord(coco), coco, { boxesAreXywh: true });
  const { shapes } = toPixelShapes(cg.shapes, { image: { width: 100, height: 100 } }, auto);
  assert.deepEqual(shapes[0].pixels, [10, 20, 40, 60], 'COCO x, y, w, h');
  const navsim = { token: 'abc', poses: [[1, 0, 0], [2, 0.1, 0.05]] };
  assert.equal(extractGeometry(normalizeRecord(navsim), navsim).ego[0].poses.length, 2);
});

test('no image size: geometry is not guessed into pixels, and says so', () => {
  const rec = normalizeRecord({ conversations: [{ from: 'human', value: 'q' }, { from: 'gpt', value: '[0.1, 0.2, 0.3, 0.4]' }] });
  const g = extractGeometry(rec, {});
  const o = recordOverlays(rec, g, undefined, {});
  assert.equal(o.shapes.length, 0);
  assert.match(o.noImage ?? '', /no image size is known/);
});

test('metrics: IoU without +1, DTW, discrete Fréchet, Hausdorff, RMSE, endpoint distance', () => {
  assert.equal(iou([0, 0, 10, 10], [0, 0, 10, 10]), 1);
  assert.equal(iou([0, 0, 10, 10], [5, 0, 15, 10]), 50 / 150);
  assert.equal(iou([0, 0, 1, 1], [2, 2, 3, 3]), 0);
  const a: Pt[] = [[0, 0], [1, 0], [2, 0]];
  const b: Pt[] = [[0, 1], [1, 1], [2, 1]];
  assert.equal(dtw(a, b), 3);
  assert.equal(dtw(a, [[0, 0], [2, 0]]), 1, 'the middle point aligns to either neighbour at cost 1');
  assert.equal(frechet(a, b), 1);
  assert.equal(hausdorff(a, [[0, 0]]), 2);
  assert.equal(rmse(a, b), 1);
  assert.equal(rmse(a, [[0, 0]]), undefined);
  assert.equal(endpointDistance(a, [[2, 3]]), 3);
});

test('comparisons: pred boxes paired with gt by label, order or best IoU; trajectories by DTW', async () => {
  const { compareShapes } = await import('../../src/core/geometry/compare');
  const px = (kind: 'box' | 'trajectory' | 'point', role: 'gt' | 'pred', pixels: number[] | number[][], label?: string) => ({ kind, role, label, pixels, convention: 'pixel' as const, conventionSource: 'auto' as const, source: { text: '' }, parser: 't', flags: [] });
  const shapes = [px('box', 'gt', [0, 0, 10, 10], 'cup'), px('box', 'gt', [20, 20, 30, 30], 'block'), px('box', 'pred', [20, 20, 30, 25], 'block'), px('box', 'pred', [0, 0, 10, 5], 'cup')];
  const c = compareShapes(shapes);
  assert.deepEqual(c.map((x) => [x.pred, x.gt, x.kind === 'box' ? x.iou : -1]), [[2, 1, 0.5], [3, 0, 0.5]]);
  const unlabeled = compareShapes([px('box', 'gt', [0, 0, 10, 10]), px('box', 'gt', [50, 50, 60, 60]), px('box', 'pred', [51, 51, 60, 60])]);
  assert.deepEqual(unlabeled.map((x) => [x.pred, x.gt]), [[2, 1]], 'best IoU when counts differ');
  const t = compareShapes([px('trajectory', 'gt', [[0, 0], [10, 0]]), px('trajectory', 'pred', [[0, 3], [10, 4]])]);
  assert.deepEqual(t, [{ kind: 'trajectory', pred: 1, gt: 0, dtw: 7, endpoint: 4 }]);
});

test('shapesAt: the shapes written under the cursor (a field, or the one box of a text with several)', () => {
  const value = {
    id: 'x',
    image: 'a.jpg',
    bbox: [1, 2, 30, 40],
    conversations: [
      { from: 'human', value: '<image>\nFind both.' },
      { from: 'gpt', value: '<ref>cup</ref><box>[[10,20,30,40]]</box> and <ref>bowl</ref><box>[[500,500,600,600]]</box>' },
    ],
  };
  const text = JSON.stringify(value);
  const rec = normalizeRecord(value);
  const shapes = extractGeometry(rec, value).shapes;
  const tree = parseTree(text);
  assert.ok(tree);
  const at = (needle: string) => {
    const off = text.indexOf(needle) + 1;
    const node = findNodeAtOffset(tree, off, true);
    assert.ok(node);
    return shapesAt(rec, shapes, text, node, off).map((s) => s.label ?? s.source.field);
  };
  assert.deepEqual(at('[[500'), ['bowl']);
  assert.deepEqual(at('[[10'), ['cup']);
  assert.deepEqual(at('and <ref>'), ['cup', 'bowl'], 'between the shapes: every shape of the text');
  assert.deepEqual(at('2,30,40]'), ['bbox'], 'inside the bbox field');
  assert.deepEqual(at('Find both'), []);
});

test('shapesSvg: one rect per box (with its halo), circles for points, polylines for trajectories, labels escaped', () => {
  const base = { convention: 'pixel' as const, conventionSource: 'auto' as const, source: { text: '' }, parser: 't', flags: [] };
  const svg = shapesSvg(
    [
      { ...base, kind: 'box', role: 'gt', label: '<cup & "bowl">', pixels: [10, 20, 110, 220] },
      { ...base, kind: 'point', role: 'pred', pixels: [50, 60] },
      { ...base, kind: 'trajectory', role: 'prompt', pixels: [[0, 0], [10, 10], [20, 5]] },
    ],
    { width: 160, height: 120 },
    0.5,
  );
  assert.match(svg, /^<svg [^>]*width="160" height="120"/);
  assert.equal((svg.match(/<rect /g) ?? []).length, 2);
  assert.match(svg, /<rect x="5.0" y="10.0" width="50.0" height="100.0" stroke="#0072B2"/);
  assert.match(svg, /<circle cx="25.0" cy="30.0" [^>]*fill="#E69F00"/);
  assert.match(svg, /<polyline points="0.0,0.0 5.0,5.0 10.0,2.5" stroke="#009E73"/);
  assert.ok(svg.includes('&#60;cup &#38; &#34;bowl&#34;&#62;'));
  assert.ok(!svg.includes('<cup'));
});

test('Molmo2 <points coords>: the leading image (or "T:" frame time) is not a point; points are 0–1000', () => {
  const pts = (t: string) => shapesFromText(t, { role: 'pred' }).shapes.map((s) => [s.values, s.label ?? '', s.implied]);
  // as Molmo2-8B answers (the form of Ai2's playground and of pointing-benchmark parsers)
  assert.deepEqual(pts('Counting the <points coords="1 1 073 160 2 173 600" alt="boats">the boats</points> shows a total of 2.'), [[[73, 160], 'boats', 'norm1000'], [[173, 600], 'boats', 'norm1000']]);
  assert.deepEqual(pts('<points coords="1 1 308 305 2 752 377">curb ramp</points>'), [[[308, 305], 'curb ramp', 'norm1000'], [[752, 377], 'curb ramp', 'norm1000']]);
  assert.deepEqual(pts('<points coords="0: 1 500 250; 1: 1 700 300"/>'), [[[500, 250], '', 'norm1000'], [[700, 300], '', 'norm1000']]);
  // Molmo 1 stays in percent
  assert.deepEqual(pts('<point x="61.5" y="40.6" alt="cup">cup</point>'), [[[61.5, 40.6], 'cup', 'percent']]);
});
