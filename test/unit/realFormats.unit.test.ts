/**
 * Real public files (test/fixtures/real, PROVENANCE.md; test/fixtures/samples, README.md) read
 * through the format registry: the detected format, the turns, the geometry in pixels, and
 * the scores, each expected value computed here from the file itself (a result file that
 * states its own accuracy is reproduced). Constructed records pin the answer-reading rules.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { normalizeRecord, summarize } from '../../src/core/records/normalize';
import { describe as describeFormat, recordId } from '../../src/core/formats/registry';
import { compileUserFormats, describeRecordFields } from '../../src/core/formats/userFormats';
import { extractGeometry } from '../../src/core/geometry/extract';
import { toPixelShapes } from '../../src/core/geometry/convert';
import { recordOverlays } from '../../src/core/geometry/overlays';
import { predictionMetrics } from '../../src/core/eval/predictionMetrics';
import { scorePredictionFile } from '../../src/core/eval/scoreFile';
import { answerText, letterSet, normalizeAnswer, referenceKind } from '../../src/core/eval/answers';
import { RecordIndex } from '../../src/core/index/recordIndex';
import { readRecords } from '../../src/core/index/recordReader';
import { NodeFile } from '../../src/core/io/randomAccessFile';
import { runCli } from './runCli';

const real = join(__dirname, '..', 'fixtures', 'real');
const samples = join(__dirname, '..', 'fixtures', 'samples');
const formats = join(__dirname, '..', 'fixtures', 'formats');
const json = (p: string) => JSON.parse(readFileSync(p, 'utf8')) as unknown;
const jsonl = (p: string) => readFileSync(p, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as unknown);
type Obj = Record<string, unknown>;

test('DriveLM predictions: answer is the model output, gt_answer the reference; scores as DriveLM exact match', async () => {
  const file = join(real, 'drivelm', 'output.first8.json');
  const recs = json(file) as Obj[];
  const n = normalizeRecord(recs[1]);
  assert.equal(n.format, 'drivelm');
  assert.deepEqual(n.turns.map((t) => [t.role, t.kind ?? '', t.segments[0].path.join('.')]), [['user', '', 'question'], ['assistant', 'prediction', 'answer'], ['assistant', 'reference', 'gt_answer']]);
  const scored = await scorePredictionFile(file);
  // the model's answer is never taken as the ground truth
  scored.samples.forEach((s, i) => assert.equal(s.gtText, recs[i].gt_answer));
  const choice = scored.samples.filter((s) => s.kind === 'choice');
  assert.deepEqual(choice.map((s) => s.gtText), ['D', 'No.', 'B'], 'option letters and yes/no are choices');
  // DriveLM's own accuracy: exact string match of answer and gt_answer
  const exact = choice.filter((s) => (recs[s.index].answer as string).trim() === (recs[s.index].gt_answer as string).trim()).length / choice.length;
  const group = scored.aggregate.groups?.find((g) => g.kind === 'choice');
  assert.equal(group?.metrics.accuracy, exact);
  assert.equal(scored.samples.find((s) => s.gtText === 'No.')?.score, 0, '"…it is not a road barrier" is not the answer "No."');
  assert.ok(scored.samples.filter((s) => s.kind === 'text').length === 5, 'descriptions mentioning <c1,CAM_BACK,…> tags are text, not points');
  // the object tags are drawn as points, labelled, on their camera
  const g = extractGeometry(normalizeRecord(recs[0]), recs[0]);
  assert.deepEqual(g.shapes.filter((s) => s.role === 'gt').map((s) => [s.label, s.view, s.values]), [['c1', 'CAM_BACK', [1088.3, 497.5]], ['c2', 'CAM_BACK', [864.2, 468.3]], ['c3', 'CAM_FRONT', [1043.2, 82.2]]]);
});

test('ScreenSpot-Pro results: records are the details list; clicks scored inside the target box, as the file says', async () => {
  const file = join(real, 'screenspot-pro', 'qwen25vl.details-subset.json');
  const details = (json(file) as { details: Obj[] }).details;
  const f = await NodeFile.open(file);
  const idx = await RecordIndex.build(f, { fileName: 'qwen25vl.json' });
  assert.equal(idx.kind, 'json-array');
  assert.equal(idx.listKey, 'details');
  assert.equal(idx.count, details.length);
  assert.equal(idx.trailingDataAt, -1);
  const raws = await readRecords(f, idx, 0, idx.count);
  await f.close();
  assert.deepEqual(raws.map((r) => JSON.parse(r.text ?? 'null') as unknown), details);
  assert.deepEqual(raws.map((r) => r.line + 1), [3, 27, 48, 69, 93, 117]);

  const n = normalizeRecord(details[0]);
  assert.equal(n.format, 'gui-grounding');
  assert.deepEqual(n.images.map((i) => i.ref), [details[0].img_path]);
  const g = extractGeometry(n, details[0]);
  assert.deepEqual(g.shapes.map((s) => [s.kind, s.role, s.values]), [['box', 'gt', [337, 68, 538, 93]], ['point', 'pred', details[0].pred]]);

  const scored = await scorePredictionFile(file);
  assert.equal(scored.aggregate.kind, 'point-in-box');
  const inside = details.map((d) => {
    const p = d.pred as number[] | null;
    const b = d.bbox as number[];
    return p !== null && p[0] >= b[0] && p[0] <= b[2] && p[1] >= b[1] && p[1] <= b[3] ? 1 : 0;
  });
  assert.deepEqual(scored.samples.map((s) => s.score), inside);
  assert.equal(scored.aggregate.metrics.accuracy, details.filter((d) => d.correctness === 'correct').length / details.length, 'the file\'s own correctness is reproduced');
  assert.equal(scored.aggregate.unscored, 0, 'a null prediction (wrong_format) is a miss, not unscorable');
});

test('R1-V result document {accuracy, results}: the stated accuracy is reproduced; the input example is the question', async () => {
  const file = join(formats, 'r1v_geoqa_res.constructed.json');
  const doc = json(file) as { accuracy: number; results: Obj[] };
  const scored = await scorePredictionFile(file);
  assert.equal(scored.listKey, 'results');
  assert.equal(scored.aggregate.kind, 'numeric');
  assert.equal(scored.aggregate.metrics.accuracy * 100, doc.accuracy);
  assert.deepEqual(scored.samples.map((s) => s.score === 1), doc.results.map((r) => r.is_correct));
  assert.ok(scored.aggregate.notes.some((x) => /states accuracy = 50.*agree/.test(x)));
  const n = normalizeRecord(doc.results[0]);
  assert.equal(n.format, 'r1-result');
  assert.equal(n.turns[0].role, 'user');
  assert.match(n.turns[0].text, /^As shown in the figure, in triangle ABC/);
  assert.deepEqual(n.images.map((i) => [i.ref, i.path.join('.')]), [['./Geo170K/images/test/0.png', 'question.image_path']]);
});

test('LLaVA-Bench captions: instances[].bbox drawn as 0–1 boxes with their categories', () => {
  const recs = jsonl(join(real, 'llava-bench', 'caps_boxes_coco2014_val_80.first3.jsonl')) as Obj[];
  const rec = recs[2];
  const n = normalizeRecord(rec);
  assert.equal(n.format, 'llava-bench-caps');
  assert.equal(n.images[0].ref, '000000052312.jpg');
  assert.equal(n.turns.filter((t) => t.kind === 'reference').length, (rec.captions as string[]).length);
  const g = extractGeometry(n, rec);
  const inst = rec.instances as Array<{ category: string; bbox: number[] }>;
  assert.deepEqual(g.shapes.map((s) => [s.label, s.values, s.implied]), inst.map((i) => [i.category, i.bbox, 'norm1']));
  const image = { width: 640, height: 480 };
  const px = toPixelShapes(g.shapes, { image }, { convention: 'norm1', source: 'format', reason: '' });
  assert.deepEqual(px.shapes[0].pixels, [inst[0].bbox[0] * 640, inst[0].bbox[1] * 480, inst[0].bbox[2] * 640, inst[0].bbox[3] * 480]);
});

test('alpaca (LLaMA-Factory demo): instruction and input are the question, output the reference; nothing to score', () => {
  const file = join(real, 'llamafactory', 'alpaca_en_demo.subset.json');
  const recs = json(file) as Obj[];
  const n = normalizeRecord(recs[1]);
  assert.equal(n.format, 'alpaca');
  assert.deepEqual(n.turns.map((t) => [t.role, t.kind ?? '', t.text]), [['user', '', recs[1].instruction], ['user', '', recs[1].input], ['assistant', 'reference', recs[1].output]]);
  assert.equal(normalizeRecord(recs[0]).turns.length, 2, 'an empty input is not a turn');
  const r = runCli(['metrics', file]);
  assert.equal(r.code, 1, 'no sample could be scored: exit 1');
  assert.match(r.stdout, /unscorable: the record has no prediction field/);
  assert.doesNotMatch(r.stdout, /exact_match/);
});

test('real samples already in the repository: videos listed, R1 solutions, LLaMA-Factory formats', () => {
  const video = json(join(samples, 'llamafactory', 'mllm_video_demo.json')) as Obj[];
  const nv = normalizeRecord(video[0]);
  assert.ok(nv.videos.length > 0 && nv.videos[0].ref.endsWith('.mp4'));
  assert.ok(nv.turns.some((t) => t.parts.some((p) => p.type === 'media' && p.media === 'video')));
  const qwen = json(join(samples, 'qwenvl', 'qwen3vl_finetune_demo_video.json')) as Obj[];
  assert.equal(normalizeRecord(qwen[0]).videos.length, 1);
  const r1 = json(join(samples, 'humanomniv2', 'emer_rewrite.first3.json')) as Obj[];
  const nr = normalizeRecord(r1[0]);
  assert.equal(nr.format, 'r1');
  assert.equal(nr.turns.at(-1)?.kind, 'reference');
});

test('answers: <answer> tags, option letters, letter sets, numbers; references that cannot be scored', () => {
  assert.deepEqual(answerText('<think>so</think><answer> B </answer>'), { text: 'B', extracted: true });
  for (const said of ['B', 'B.', '(B)', 'B. 2', 'the answer is B', '<answer>B</answer>', 'Answer: (B)']) assert.equal(normalizeAnswer(said), 'b', said);
  assert.notEqual(normalizeAnswer('A car is parked'), 'a', 'prose starting with "A" is not option A');
  assert.deepEqual([...(letterSet('A, C') ?? [])], ['A', 'C']);
  assert.deepEqual([...(letterSet('<answer>A,C</answer>') ?? [])], ['A', 'C']);
  const m = predictionMetrics([
    { id: '1', pred: '<think>…</think><answer>B</answer>', gt: 'B' },
    { id: '2', pred: 'A,C', gt: 'A, C' },
    { id: '3', pred: '<answer>139,132</answer>', gt: '139132' },
    { id: '4', pred: '[10, 20]', gt: 'masks/000123_2.png' },
  ]);
  const by = new Map(m.samples.map((s) => [s.id, s]));
  assert.deepEqual([by.get('1')?.kind, by.get('1')?.score], ['choice', 1]);
  assert.deepEqual([by.get('2')?.kind, by.get('2')?.score], ['multi-select', 1]);
  assert.deepEqual([by.get('3')?.kind, by.get('3')?.score], ['numeric', 1]);
  assert.equal(by.get('4')?.score, undefined, 'a mask path is never a point');
  assert.match(by.get('4')?.note ?? '', /unscorable: the reference is a file path/);
  assert.equal(referenceKind(undefined).unscorable, 'there is no reference (ground-truth) field');
});

test('ego-frame plans: [PT, (x, y, heading)…] and [[x, y, yaw]…] triples score ADE / FDE in metres', () => {
  const gt = [[1, 0, 0], [2, 0, 0], [3, 1, 0.1]];
  const pred = [[1, 1, 0], [2, 0, 0], [3, 3, 0.2]];
  const m = predictionMetrics([
    { id: 'a', pred: `[PT, ${pred.map((p) => `(${p.join(', ')})`).join(', ')}]`, gt: `[PT, ${gt.map((p) => `(${p.join(', ')})`).join(', ')}]` },
    { id: 'b', pred: JSON.stringify(pred), gt: JSON.stringify(gt) },
  ]);
  const d = pred.map((p, i) => Math.hypot(p[0] - gt[i][0], p[1] - gt[i][1]));
  for (const s of m.samples) {
    assert.equal(s.kind, 'trajectory');
    assert.ok(Math.abs(s.metrics.ade - (d[0] + d[1] + d[2]) / 3) < 1e-12, `${s.id} ADE`);
    assert.equal(s.metrics.fde, d[2]);
  }
  assert.equal(m.aggregate.unit, 'm');
  assert.equal(m.aggregate.convention, undefined, 'ego-frame metres have no image convention');
});

test('the file name never decides the task: "checkpoint" is not a point task', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vlm-kind-'));
  try {
    const file = join(dir, 'checkpoint-100_preds.json');
    writeFileSync(file, JSON.stringify([{ id: 'x', pred: '[[10, 10], [50, 50]]', gt: '[[10, 10], [60, 60]]' }]));
    const r = await scorePredictionFile(file);
    assert.equal(r.aggregate.kind, 'box');
    assert.equal(r.samples[0].score, (40 * 40) / (50 * 50));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('user formats: a descriptor of field names, matched by glob; an unknown record still shows its fields and geometry', () => {
  const { formats: fs, problems } = compileUserFormats([
    { name: 'our eval', files: '**/preds_*.jsonl', id: 'uid', prompt: 'query', prediction: 'pred_box', reference: 'gt_box', images: 'img', convention: 'norm1000' },
    { name: 'broken', prediction: 42 },
  ]);
  assert.equal(fs.length, 1);
  assert.match(problems.join(), /format "broken": "prediction" must be a field name/);
  assert.ok(fs[0].appliesTo('runs/preds_step100.jsonl'));
  assert.ok(!fs[0].appliesTo('runs/train.jsonl'));
  const rec = { uid: 7, query: 'Where is the cup?', img: 'frames/7.png', pred_box: '[100, 100, 500, 500]', gt_box: [100, 100, 500, 400] };
  const n = normalizeRecord(rec, { formats: fs });
  assert.deepEqual([n.format, n.formatLabel, n.id, n.images[0]?.ref], ['user', 'our eval', '7', 'frames/7.png']);
  assert.equal(describeFormat(rec, fs).why, 'the user format "our eval" (its fields `pred_box`, `gt_box` are present)');
  const m = predictionMetrics([{ ...rec, w: 1000, h: 1000 }], { formats: fs });
  assert.equal(m.aggregate.convention, 'norm1000', 'the descriptor\'s convention applies');
  assert.equal(m.samples[0].score, (400 * 300) / (400 * 400));
  // "Describe this format…": a starting descriptor from a record's fields
  const spec = describeRecordFields({ idx: 3, question: 'q', model_output: 'a', label: 'b', frame: 'x.jpg' }, 'preds.jsonl');
  assert.deepEqual([spec.id, spec.prompt, spec.prediction, spec.reference, spec.images], ['idx', 'question', 'model_output', 'label', ['frame']]);

  const unknown = { frame: 'f.jpg', detections: [{ category: 'cup', box: [1, 2, 3, 4] }], click: { x: 5, y: 6 }, pred_path: [[0, 0], [1, 1]] };
  const nu = normalizeRecord(unknown);
  assert.equal(nu.format, 'unknown');
  assert.deepEqual(nu.images.map((i) => i.ref), ['f.jpg']);
  const g = extractGeometry(nu, unknown);
  assert.deepEqual(g.shapes.map((s) => [s.kind, s.role, s.label ?? '', s.values]), [['box', 'gt', 'cup', [1, 2, 3, 4]], ['point', 'gt', '', [5, 6]], ['trajectory', 'pred', '', [[0, 0], [1, 1]]]]);
  assert.equal(recordId({ sample_id: 's0' })?.id, 's0');
});

test('CLI --format: metrics, inspect and validate read a user descriptor; a bad descriptor is a usage error', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vlm-format-'));
  try {
    const fmt = join(dir, 'formats.json');
    writeFileSync(fmt, JSON.stringify([{ name: 'our eval', files: '**/preds_*.jsonl', id: 'uid', prompt: 'query', prediction: 'answer_text', reference: 'truth' }]));
    const preds = join(dir, 'preds_1.jsonl');
    writeFileSync(preds, [{ uid: 'a', query: 'Which?', answer_text: '<answer>C</answer>', truth: 'C' }, { uid: 'b', query: 'Which?', answer_text: 'A', truth: 'B' }].map((r) => JSON.stringify(r)).join('\n') + '\n');
    const without = runCli(['metrics', preds, '--json'], { cwd: dir });
    assert.equal(without.code, 1, 'without the descriptor nothing names a prediction: exit 1');
    const m = runCli(['metrics', preds, '--format', fmt, '--json'], { cwd: dir });
    assert.equal(m.code, 0, m.stderr);
    const out = JSON.parse(m.stdout) as { aggregate: { kind: string; metrics: Record<string, number>; decision: string }; samples: Array<{ id: string; score: number }> };
    assert.equal(out.aggregate.kind, 'choice');
    assert.equal(out.aggregate.metrics.accuracy, 0.5);
    assert.deepEqual(out.samples.map((s) => [s.id, s.score]), [['a', 1], ['b', 0]]);
    assert.match(out.aggregate.decision, /our eval: prediction answer_text, reference truth/);
    const i = runCli(['inspect', preds, '--format', fmt], { cwd: dir });
    assert.match(i.stdout, /read as our eval: the user format "our eval"/);
    assert.match(i.stdout, /assistant \[prediction\]: <answer>C<\/answer>/);
    const v = runCli(['validate', preds, '--format', fmt], { cwd: dir });
    assert.equal(v.code, 0, v.stdout + v.stderr);
    writeFileSync(fmt, JSON.stringify([{ name: 'x', prediction: 7 }]));
    const bad = runCli(['metrics', preds, '--format', fmt], { cwd: dir });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /format "x": "prediction" must be a field name/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('InternVL meta (real): every entry with its samples per epoch; annotations and roots that do not exist are said', async () => {
  const { checkMetaPaths } = await import('../../src/core/dataset/metaPaths');
  const raw = json(join(samples, 'internvl', 'internvl_1_2_finetune_partial.meta.json')) as Record<string, { annotation: string; root: string; length: number; repeat_time: number }>;
  const n = normalizeRecord(raw);
  assert.equal(n.format, 'internvl-meta');
  assert.deepEqual(n.metaEntries?.map((e) => [e.name, e.effective]), Object.entries(raw).map(([k, v]) => [k, Math.floor(v.length * v.repeat_time)]));
  const half = normalizeRecord({ a: { annotation: 'a.jsonl', root: 'r/', length: 11, repeat_time: 0.5 } }).metaEntries?.[0];
  assert.equal(half?.effective, 5, 'InternVL samples int(len × r) below 1');
  const dir = mkdtempSync(join(tmpdir(), 'vlm-meta-'));
  try {
    writeFileSync(join(dir, 'here.jsonl'), '{}\n');
    const [ok, gone] = await checkMetaPaths([{ name: 'ok', annotation: 'here.jsonl', root: '.' }, { name: 'gone', annotation: 'gone.jsonl', root: 'nowhere' }], [dir]);
    assert.deepEqual([ok.annotationFound, ok.rootFound, gone.annotationFound, gone.rootFound], [true, true, false, false]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('DriveLM scene files (real): a map of scene token → key frames read as one record per scene, keyed, with cameras and QA', async () => {
  const file = join(real, 'drivelm', 'test_eval.first-keyframe.json');
  const doc = json(file) as Record<string, Obj>;
  const f = await NodeFile.open(file);
  const idx = await RecordIndex.build(f, { fileName: 'test_eval.json' });
  const raws = await readRecords(f, idx, 0, idx.count);
  await f.close();
  assert.equal(idx.recordMap, true);
  assert.deepEqual(raws.map((r) => r.key), Object.keys(doc));
  assert.deepEqual(raws.map((r) => JSON.parse(r.text ?? 'null') as unknown), Object.values(doc));
  const scene = Object.values(doc)[0];
  const n = normalizeRecord(scene);
  assert.equal(n.format, 'drivelm-scene');
  const frame = Object.values(scene.key_frames as Record<string, Obj>)[0];
  assert.deepEqual(n.images.map((i) => i.ref), Object.values(frame.image_paths as Record<string, string>));
  const qa = Object.entries(frame.QA as Record<string, Array<{ Q: string; A: string }>>).flatMap(([stage, list]) => list.flatMap((x) => [[stage, x.Q], ['assistant', x.A]]));
  assert.deepEqual(n.turns.map((t) => [t.rawRole, t.text]), qa);
  const g = extractGeometry(n, scene);
  assert.deepEqual(g.shapes.filter((s) => s.role === 'gt').slice(0, 3).map((s) => [s.label, s.view]), [['c1', 'CAM_BACK'], ['c2', 'CAM_BACK'], ['c3', 'CAM_FRONT']]);
  // drawn on the first image (CAM_FRONT) only when they are of that camera; the others are said, not drawn there
  assert.equal(n.images[0].view, 'CAM_FRONT');
  const ov = recordOverlays(n, g, { width: 1600, height: 900 }, {});
  assert.ok(ov.shapes.length > 0 && ov.shapes.every((s) => s.view === 'CAM_FRONT'));
  const front = g.shapes.filter((s) => s.view === 'CAM_FRONT').length;
  assert.equal(ov.shapes.length, front);
  assert.equal(ov.skipped.length, g.shapes.length - front);
  assert.match(ov.skipped[0].reason, /^on CAM_BACK, not on the image shown \(CAM_FRONT\)$/);
});

test('record maps: several keyed values (escaped keys, compact or pretty); documents that are not maps stay whole', async () => {
  const { MemoryFile } = await import('../../src/core/io/randomAccessFile');
  const { findRecordMap } = await import('../../src/core/index/recordIndex');
  const scenes = { 's"1': { key_frames: { a: { QA: {} } } }, s2: { key_frames: {} }, 's\\3': { key_frames: { b: {} } } };
  for (const text of [JSON.stringify(scenes), JSON.stringify(scenes, null, 2)]) {
    const file = new MemoryFile('m.json', new TextEncoder().encode(text));
    const idx = await RecordIndex.build(file, { fileName: 'm.json' });
    const raws = await readRecords(file, idx, 0, idx.count);
    assert.deepEqual(raws.map((r) => r.key), Object.keys(scenes));
    assert.deepEqual(raws.map((r) => JSON.parse(r.text ?? 'null') as unknown), Object.values(scenes));
  }
  const same = { a: { x: 1, y: 2, z: 3 }, b: { x: 4, y: 5, z: 6 } };
  assert.equal(findRecordMap(new TextEncoder().encode(JSON.stringify(same)), 0), 0, 'same-shaped values are records');
  for (const notMap of [readFileSync(join(samples, 'internvl', 'internvl_1_2_finetune_partial.meta.json')), readFileSync(join(samples, 'hf_trainer', 'trainer_state_smolvlm_kvasir.json')), Buffer.from(JSON.stringify({ a: { x: 1 }, b: { y: 2, z: 3, w: 4 } }))]) {
    assert.equal(findRecordMap(new Uint8Array(notMap), 0), undefined);
  }
});

test('class labels beside KTO booleans; a record with no question still has a line in the list', () => {
  const kto = normalizeRecord({ messages: [{ role: 'user', content: 'q' }, { role: 'assistant', content: 'a' }], label: true });
  assert.deepEqual([kto.format, kto.label, kto.classLabel], ['kto', true, undefined]);
  const cls = normalizeRecord({ messages: [{ role: 'user', content: '<image>Which reward bin?' }, { role: 'assistant', content: '3' }], images: ['f.jpg'], label: 3 });
  assert.deepEqual([cls.format, cls.classLabel], ['sharegpt', 3]);
  const unknown = normalizeRecord({ frame: 'f.jpg', note: 'wrist camera, step 12', detections: [] });
  assert.equal(summarize(unknown).snippet, 'wrist camera, step 12');
});
