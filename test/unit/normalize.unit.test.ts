import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { detectFormat, normalizeRecord, stripChatPrefix, summarize } from '../../src/core/records/normalize';
import { type NormalizedRecord, type Part } from '../../src/core/records/model';

const samples = join(__dirname, '..', 'fixtures', 'samples');
const json = (rel: string) => JSON.parse(readFileSync(join(samples, rel), 'utf8')) as unknown[];
const jsonl = (rel: string) => readFileSync(join(samples, rel), 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as unknown);

const media = (r: NormalizedRecord, turn: number) => r.turns[turn].parts.filter((p): p is Extract<Part, { type: 'media' }> => p.type === 'media');

test('LLaMA-Factory sharegpt (mllm_demo.json): <image> placeholders map to images in order across turns', () => {
  const recs = json('llamafactory/mllm_demo.json').map((v) => normalizeRecord(v));
  const r = recs[0];
  assert.equal(r.format, 'sharegpt');
  assert.deepEqual(r.turns.map((t) => t.role), ['user', 'assistant', 'user', 'assistant']);
  assert.equal(r.images.length, 2);
  assert.deepEqual(media(r, 0).map((p) => p.index), [0]);
  assert.deepEqual(media(r, 2).map((p) => p.index), [1]);
  assert.equal(r.images[1].ref, 'mllm_demo_data/1.jpg');
  assert.deepEqual(r.images[1].path, ['images', 1]);
  assert.deepEqual(r.notes, []);
});

test('video placeholders (mllm_video_demo.json, Qwen video.json)', () => {
  const r = normalizeRecord(json('llamafactory/mllm_video_demo.json')[0]);
  assert.equal(r.videos.length, 1);
  assert.equal(media(r, 0)[0].media, 'video');
  const q = normalizeRecord(json('qwenvl/qwen3vl_finetune_demo_video.json')[0]);
  assert.equal(q.format, 'llava');
  assert.equal(q.videos.length, 1);
});

test('Qwen finetune demo (LLaVA style, <image> at the end of the prompt)', () => {
  const r = normalizeRecord(json('qwenvl/qwen3vl_finetune_demo_single_images.json')[0]);
  assert.equal(r.format, 'llava');
  const parts = r.turns[0].parts;
  assert.equal(parts[parts.length - 1].type, 'media');
  assert.equal(r.turns[1].role, 'assistant');
});

test('LLaMA-Factory v1 content parts: images at their position, text from `value`', () => {
  const r = normalizeRecord(jsonl('llamafactory/v1_multimodal_demo.jsonl')[0]);
  assert.equal(r.format, 'llamafactory-v1');
  assert.equal(r.images.length, 2);
  assert.deepEqual(r.images[0].path, ['messages', 0, 'content', 0, 'value']);
  assert.equal(r.turns[0].text, 'Who are they?');
  assert.equal(r.turns[0].parts[0].type, 'media');
  // second user turn: text first, then the image
  assert.deepEqual(r.turns[2].parts.map((p) => p.type), ['text', 'media']);
  assert.deepEqual(r.turns[0].segments[0].path, ['messages', 0, 'content', 1, 'value']);
});

test('Qwen / OpenAI content parts: image, image_url.url and text', () => {
  const r = normalizeRecord({
    messages: [
      { role: 'user', content: [{ type: 'image', image: 'a.jpg' }, { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } }, { type: 'text', text: 'Compare.' }] },
      { role: 'assistant', content: 'The left one.' },
    ],
  });
  assert.equal(r.format, 'openai-messages');
  assert.deepEqual(r.images.map((i) => i.ref), ['a.jpg', 'data:image/png;base64,AAAA']);
  assert.deepEqual(r.images[1].path, ['messages', 0, 'content', 1, 'image_url', 'url']);
  assert.equal(r.turns[1].text, 'The left one.');
});

test('preference records: LLaMA-Factory dpo, KTO, v1 chosen/rejected messages, ms-swift rejected_response', () => {
  const dpo = normalizeRecord(json('llamafactory/dpo_en_demo.2shortest.json')[0]);
  assert.equal(dpo.format, 'preference');
  assert.deepEqual(dpo.turns.map((t) => t.kind ?? '-'), ['-', 'chosen', 'rejected']);
  const kto = normalizeRecord(json('llamafactory/kto_en_demo.2shortest.json')[0]);
  assert.equal(kto.format, 'kto');
  assert.equal(typeof kto.label, 'boolean');
  const v1 = normalizeRecord(jsonl('llamafactory/v1_dpo_demo.first2.jsonl')[0]);
  assert.equal(v1.format, 'preference');
  assert.deepEqual(v1.turns.map((t) => `${t.role}:${t.kind ?? '-'}`), ['system:-', 'user:-', 'assistant:chosen', 'assistant:rejected']);
  const swift = normalizeRecord({ messages: [{ role: 'user', content: '<image>Which?' }, { role: 'assistant', content: 'A' }], images: ['x.png'], rejected_response: 'B' });
  assert.deepEqual(swift.turns.map((t) => t.kind ?? '-'), ['-', '-', 'rejected']);
});

test('RoboInter eval details: the chat prefix is stripped from pred, gt is the reference', () => {
  const r = normalizeRecord(json('constructed/eval_details_contact_box.constructed.json')[0]);
  assert.equal(r.format, 'robointer-eval');
  assert.equal(r.id, 'droid_val_000001');
  const pred = r.turns.find((t) => t.kind === 'prediction');
  assert.equal(pred?.text, '{"contact_bbox": [[66, 90], [180, 165]]}');
  assert.equal(r.turns.find((t) => t.kind === 'reference')?.text, '{"contact_bbox": [[69, 95], [184, 167]]}');
  assert.match(r.turns[0].text, /^The task is 'put the marker in the cup'/);
  assert.equal(r.images[0].ref, '/data/RoboInter-VQA/Generation/image/val/contact_box/droid_val_000001.jpg');
  const s = stripChatPrefix('system\nYou are a helpful assistant.\nuser\nQ?\nassistant\nA');
  assert.deepEqual(s, { answer: 'A', offset: 'system\nYou are a helpful assistant.\nuser\nQ?\nassistant\n'.length, question: 'Q?' });
  assert.equal(normalizeRecord(json('constructed/lang_eval_details_task_planning.constructed.json')[0]).format, 'robointer-lang-eval');
});

test('RoboInter generation records: images list or string, resized frame from new_w/new_h, LMDB refs kept', () => {
  const recs = json('constructed/robointer_generation_eval_input.constructed.json').map((v) => normalizeRecord(v));
  assert.equal(recs[0].format, 'robointer');
  assert.deepEqual(recs[0].resizedSize, { width: 308, height: 168 });
  assert.deepEqual(recs[0].declaredSize, { width: 320, height: 180 });
  assert.equal(recs[0].task, 'contact_box');
  assert.ok(recs[1].images[0].ref.includes('#'));
});

test('R1 records with <context>/<think>/<answer>: reasoning parts, answer kept as text', () => {
  const r = normalizeRecord(json('humanomniv2/emer_rewrite.first3.json')[0]);
  assert.equal(r.format, 'r1');
  const sol = r.turns[1];
  assert.deepEqual(sol.parts.map((p) => (p.type === 'reasoning' ? p.tag : p.type)), ['context', 'think', 'text']);
  const answer = sol.parts[2];
  assert.equal(answer.type === 'text' && answer.text.trim().length > 0, true);
  assert.match(r.turns[0].text, /A\. Urgent/);
});

test('InternVL meta-json, HF trainer state and unknown shapes', () => {
  const meta = JSON.parse(readFileSync(join(samples, 'internvl/internvl_1_2_finetune_partial.meta.json'), 'utf8')) as unknown;
  const m = normalizeRecord(meta);
  assert.equal(m.format, 'internvl-meta');
  assert.ok((m.metaEntries?.length ?? 0) > 0);
  assert.ok(m.metaEntries?.every((e) => typeof e.annotation === 'string'));
  const ts = JSON.parse(readFileSync(join(samples, 'hf_trainer/trainer_state_smolvlm_kvasir.json'), 'utf8')) as unknown;
  assert.equal(detectFormat(ts), 'trainer-state');
  assert.equal(normalizeRecord({ foo: 1 }).format, 'unknown');
  assert.equal(normalizeRecord([1, 2]).format, 'unknown');
  assert.equal(normalizeRecord('text').turns.length, 0);
});

test('images without placeholders attach to the first user turn; too many placeholders is noted', () => {
  const r = normalizeRecord({ image: 'a.jpg', conversations: [{ from: 'human', value: 'What is this?' }, { from: 'gpt', value: 'A cup.' }] });
  assert.equal(media(r, 0).length, 1);
  assert.equal(media(r, 0)[0].placeholder, false);
  const over = normalizeRecord({ image: 'a.jpg', conversations: [{ from: 'human', value: '<image><image>Both?' }, { from: 'gpt', value: 'Yes' }] });
  assert.deepEqual(over.notes, ['2 <image> placeholder(s) but 1 image(s)']);
  const e = normalizeRecord({ id: 'q1', image_path: 'x.jpg', question: 'Where?', ground_truth: '[1,2,3,4]' });
  assert.equal(e.format, 'eval-input');
  assert.equal(media(e, 0).length, 1);
});

test('lmms-eval samples: input, filtered response, target', () => {
  const r = normalizeRecord({ doc_id: 7, target: 'B', filtered_resps: ['B'], input: 'Pick one <image>', exact_match: 1 });
  assert.equal(r.format, 'lmms-eval-sample');
  assert.equal(r.id, '7');
  assert.deepEqual(r.turns.map((t) => `${t.role}:${t.kind ?? '-'}:${t.text}`), ['user:-:Pick one <image>', 'assistant:prediction:B', 'assistant:reference:B']);
});

test('summaries: first question without placeholders, image count', () => {
  const s = summarize(normalizeRecord({ id: 'x', image: ['a.jpg', 'b.jpg'], conversations: [{ from: 'human', value: '<image>\n<image>\nWhat changed?' }, { from: 'gpt', value: 'x' }] }));
  assert.deepEqual(s, { format: 'llava', id: 'x', snippet: 'What changed?', imageCount: 2, videoCount: 0, firstImage: 'a.jpg' });
});
