import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from './runCli';

const cli = join(__dirname, '..', '..', 'dist', 'cli.js');

const root = join(__dirname, '..', '..');
const version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;

test('dist/cli.js starts with a node shebang and package.json registers it as the vlm-lens bin', () => {
  assert.match(readFileSync(cli, 'utf8').split('\n')[0], /^#!\/usr\/bin\/env node$/);
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { bin: Record<string, string> };
  assert.equal(pkg.bin['vlm-lens'], './dist/cli.js');
});

test('--version prints the package version and exits 0', () => {
  const r = runCli(['--version']);
  assert.equal(r.code, 0);
  assert.equal(r.stdout.trim(), version);
});

test('--help lists usage and the exit codes, exit 0', () => {
  const r = runCli(['--help']);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /Usage: vlm-lens <command>/);
  assert.match(r.stdout, /Exit codes: 0 ok, 1 findings, 2 usage or I\/O error/);
});

test('no arguments prints help and exits 2 (usage)', () => {
  const r = runCli([]);
  assert.equal(r.code, 2);
  assert.match(r.stdout, /Usage:/);
});

test('an unknown command is a one-line usage error with exit 2', () => {
  const r = runCli(['frobnicate']);
  assert.equal(r.code, 2);
  assert.equal(r.stderr.trim().split('\n').length, 1);
  assert.match(r.stderr, /unknown command 'frobnicate'/);
});

test('inspect --json: format, turns, images resolved against --image-root with their size', async () => {
  const { mkdtempSync, mkdirSync, writeFileSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const sharp = (await import('sharp')).default;
  const dir = mkdtempSync(join(tmpdir(), 'vlm-cli-'));
  try {
    mkdirSync(join(dir, 'imgs/sub'), { recursive: true });
    await sharp({ create: { width: 64, height: 48, channels: 3, background: '#08f' } }).png().toFile(join(dir, 'imgs/sub/a.png'));
    const rows = [
      { id: 'r0', image: 'sub/a.png', conversations: [{ from: 'human', value: '<image>\nWhat?' }, { from: 'gpt', value: 'A square.' }] },
      { id: 'r1', image: 'sub/missing.png', conversations: [{ from: 'human', value: '<image>\nWhere?' }, { from: 'gpt', value: '?' }] },
      '{"id": "r2", "conversations": [}',
    ];
    writeFileSync(join(dir, 'd.jsonl'), rows.map((r) => (typeof r === 'string' ? r : JSON.stringify(r))).join('\n') + '\n');
    const ok = runCli(['inspect', join(dir, 'd.jsonl'), '--json', '--image-root', join(dir, 'imgs')]);
    assert.equal(ok.code, 0, ok.stderr);
    const j = JSON.parse(ok.stdout) as { format: string; id: string; records: number; turns: Array<{ role: string; text: string }>; images: Array<{ status: string; width: number; height: number; path: string }> };
    assert.equal(j.format, 'llava');
    assert.equal(j.records, 3);
    assert.deepEqual(j.turns.map((t) => t.role), ['user', 'assistant']);
    assert.deepEqual([j.images[0].status, j.images[0].width, j.images[0].height, j.images[0].path], ['file', 64, 48, join(dir, 'imgs/sub/a.png')]);

    const missing = runCli(['inspect', join(dir, 'd.jsonl'), '--index', '1', '--image-root', join(dir, 'imgs')]);
    assert.equal(missing.code, 1, 'a missing image is a finding');
    assert.match(missing.stdout, /MISSING \(tried: .*d\.jsonl.*|MISSING \(tried: .*imgs\/sub\/missing\.png/);

    const broken = runCli(['inspect', join(dir, 'd.jsonl'), '--index', '2', '--json']);
    assert.equal(broken.code, 1);
    assert.deepEqual((JSON.parse(broken.stdout) as { parseError: unknown }).parseError, { line: 3, column: 32, message: 'a value is expected here' });

    const out = runCli(['inspect', join(dir, 'd.jsonl'), '--index', '9']);
    assert.equal(out.code, 2);
    assert.match(out.stderr, /record 9 is out of range: .* has 3 records/);
    assert.equal(runCli(['inspect']).code, 2);
    assert.equal(runCli(['inspect', join(dir, 'nope.jsonl')]).code, 2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('inspect adds overlays: pixels of the original image, convention and where each shape came from', async () => {
  const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const sharp = (await import('sharp')).default;
  const dir = mkdtempSync(join(tmpdir(), 'vlm-cli-'));
  try {
    await sharp({ create: { width: 640, height: 480, channels: 3, background: '#345' } }).jpeg().toFile(join(dir, 'a.jpg'));
    const rows = [
      { image: 'a.jpg', conversations: [{ from: 'human', value: '<image>\nWhere?' }, { from: 'gpt', value: '<ref>cup</ref><box>[[100, 200, 500, 750]]</box>' }] },
      { image: 'a.jpg', conversations: [{ from: 'human', value: '<image>\nWhere?' }, { from: 'gpt', value: '[64, 48, 320, 240]' }] },
      { image: 'missing.jpg', conversations: [{ from: 'human', value: '<image>\nWhere?' }, { from: 'gpt', value: '[0.1, 0.1, 0.5, 0.5]' }] },
    ];
    writeFileSync(join(dir, 'd.jsonl'), rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
    type Out = { imageSize?: { width: number; height: number }; overlays: Array<{ kind: string; role: string; label?: string; convention: string; pixels: number[]; source: { turn?: number } }>; notConverted: string[] };
    const a = JSON.parse(runCli(['inspect', join(dir, 'd.jsonl'), '--json']).stdout) as Out;
    assert.deepEqual(a.imageSize, { width: 640, height: 480 });
    assert.deepEqual(a.overlays, [{ kind: 'box', role: 'gt', label: 'cup', source: { turn: 1, text: '<ref>cup</ref><box>[[100, 200, 500, 750]]</box>' }, convention: 'norm1000', conventionSource: 'format', pixels: [64, 96, 320, 360] }]);
    const b = JSON.parse(runCli(['inspect', join(dir, 'd.jsonl'), '--json', '--index', '1']).stdout) as Out;
    assert.deepEqual(b.overlays.map((o) => [o.convention, o.pixels]), [['pixel', [64, 48, 320, 240]]]);
    const c = JSON.parse(runCli(['inspect', join(dir, 'd.jsonl'), '--json', '--index', '1', '--convention', 'norm1000']).stdout) as Out;
    assert.deepEqual(c.overlays.map((o) => [o.convention, o.pixels]), [['norm1000', [40.96, 23.04, 204.8, 115.2]]]);
    const missing = JSON.parse(runCli(['inspect', join(dir, 'd.jsonl'), '--json', '--index', '2']).stdout) as Out;
    assert.deepEqual(missing.overlays, []);
    assert.match(missing.notConverted[0], /no image size is known/);
    assert.equal(runCli(['inspect', join(dir, 'd.jsonl'), '--convention', 'furlongs']).code, 2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('validate: silent and exit 0 on real samples (images not checked: the samples ship without them)', () => {
  const s = join(root, 'test/fixtures/samples');
  const files = ['llamafactory/mllm_demo.json', 'llamafactory/v1_multimodal_demo.jsonl', 'qwenvl/qwen3vl_finetune_demo_single_images.json', 'constructed/eval_details_contact_box.constructed.json'].map((f) => join(s, f));
  const r = runCli(['validate', '--no-images', ...files]);
  assert.equal(r.stdout, '');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /no problems in 4 file\(s\)/);
});

test('validate: file:line:col lines, JSON output, rule settings, --schema, the cap said, exit codes', async () => {
  const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const dir = mkdtempSync(join(tmpdir(), 'vlm-cli-validate-'));
  try {
    const rec = (id: string, extra: Record<string, unknown> = {}) => ({ id, image: 'a.jpg', conversations: [{ from: 'human', value: '<image>\nWhat?' }, { from: 'gpt', value: 'A cup.' }], ...extra });
    writeFileSync(
      join(dir, 'd.jsonl'),
      [JSON.stringify(rec('a')), JSON.stringify(rec('b', { image: ['a.jpg', 'b.jpg'] })), '{"id": "c", "conversations": [],}', JSON.stringify(rec('a'))].join('\n') + '\n',
    );
    // a JPEG's first bytes: it exists and looks like an image (a text file would be VLM020 now)
    writeFileSync(join(dir, 'a.jpg'), Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 16, 0x4a, 0x46, 0x49, 0x46, 0]));
    const text = runCli(['validate', 'd.jsonl'], { cwd: dir });
    assert.equal(text.code, 1, 'errors were found');
    const lines = text.stdout.trim().split('\n');
    assert.deepEqual(
      lines.map((l) => l.split(' ').slice(0, 3).join(' ')),
      ['d.jsonl:2:19 error VLM010', 'd.jsonl:2:28 error VLM020', 'd.jsonl:3:33 error VLM001', 'd.jsonl:4:7 warning VLM050'],
    );
    assert.match(lines[0], /^d\.jsonl:2:\d+ error VLM010 1 <image> placeholder\(s\) but 2 image\(s\)$/);
    assert.match(lines[1], /^d\.jsonl:2:\d+ error VLM020 Image not found: b\.jpg/);
    assert.match(lines[3], /Duplicate id “a” \(first used on line 1\)/);
    assert.match(text.stderr, /4 problem\(s\), 3 error\(s\), in 1 file\(s\)/);

    const json = runCli(['validate', 'd.jsonl', '--json', '--no-images'], { cwd: dir });
    const list = JSON.parse(json.stdout) as Array<{ file: string; line: number; column: number; endLine: number; endColumn: number; severity: string; code: string; message: string }>;
    assert.deepEqual(list.map((p) => p.code), ['VLM010', 'VLM001', 'VLM050']);
    assert.deepEqual(Object.keys(list[0]).sort(), ['code', 'column', 'endColumn', 'endLine', 'file', 'line', 'message', 'severity']);
    assert.equal(list[1].line, 3);
    assert.equal(list[1].column, 33);

    const relaxed = runCli(['validate', 'd.jsonl', '--no-images', '--rule', 'VLM010=warning', '--rule', 'VLM001=off', '--rule', 'vlm050=off'], { cwd: dir });
    assert.equal(relaxed.code, 0, 'only warnings left');
    assert.equal(relaxed.stdout.trim().split('\n').length, 1);
    assert.match(relaxed.stdout, /warning VLM010/);

    const capped = runCli(['validate', 'd.jsonl', '--no-images', '--max-problems', '1'], { cwd: dir });
    assert.equal(capped.stdout.trim().split('\n').length, 1);
    assert.match(capped.stderr, /d\.jsonl: 2 more problem\(s\) not listed \(--max-problems 1\)/);

    writeFileSync(join(dir, 'mine.schema.json'), JSON.stringify({ type: 'object', required: ['split'] }));
    const schema = runCli(['validate', 'd.jsonl', '--no-images', '--schema', 'mine.schema.json', '--rule', 'VLM001=off'], { cwd: dir });
    assert.equal(schema.code, 1);
    assert.equal((schema.stdout.match(/VLM004 must have required property 'split'/g) ?? []).length, 3);

    writeFileSync(join(dir, 'broken.schema.json'), '{"type": }');
    const broken = runCli(['validate', 'd.jsonl', '--schema', 'broken.schema.json'], { cwd: dir });
    assert.equal(broken.code, 2);
    assert.match(broken.stderr, /^broken\.schema\.json:1:\d+ error schema the schema is not valid JSON/);

    assert.equal(runCli(['validate', 'nope.jsonl'], { cwd: dir }).code, 2);
    assert.equal(runCli(['validate'], { cwd: dir }).code, 2);
    assert.equal(runCli(['validate', 'd.jsonl', '--rule', 'VLM999=off'], { cwd: dir }).code, 2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('validate: a large file is checked on worker threads with the same result as one thread', async () => {
  const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const dir = mkdtempSync(join(tmpdir(), 'vlm-cli-validate-big-'));
  try {
    const lines: string[] = [];
    for (let i = 0; i < 45_000; i++) {
      const id = i === 40_000 ? 'r7' : `r${i}`; // a duplicate across parts
      const conv = i % 10_000 === 5 ? [{ from: 'gpt', value: 'first' }] : [{ from: 'human', value: 'hi' }, { from: 'gpt', value: 'ok' }];
      // ids under `sample_id`: the parallel merge once read only `id` and said Duplicate id "?"
      lines.push(JSON.stringify({ sample_id: id, conversations: conv }));
    }
    writeFileSync(join(dir, 'big.jsonl'), lines.join('\n') + '\n');
    const par = runCli(['validate', 'big.jsonl', '--json', '--jobs', '3'], { cwd: dir });
    const one = runCli(['validate', 'big.jsonl', '--json', '--jobs', '1'], { cwd: dir });
    assert.equal(par.code, 0, par.stderr);
    const a = JSON.parse(par.stdout) as Array<{ line: number; code: string }>;
    const b = JSON.parse(one.stdout) as Array<{ line: number; code: string }>;
    assert.deepEqual(a, b);
    assert.deepEqual(a.map((p) => `${p.code}@${p.line}`), ['VLM030@6', 'VLM030@10006', 'VLM030@20006', 'VLM030@30006', 'VLM050@40001', 'VLM030@40006']);
    const dup = (a as unknown as Array<{ code: string; message: string }>).find((p) => p.code === 'VLM050');
    assert.match(dup?.message ?? '', /“r7”/, 'the duplicate is named by its sample_id in both modes');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('metrics: a RoboInter eval_details file scored in original pixels, joined to its eval input; usage errors', () => {
  const dir = join(root, 'test', 'fixtures', 'samples', 'constructed');
  const preds = join(dir, 'eval_details_contact_box.constructed.json');
  const text = runCli(['metrics', preds, '--task', 'contact_box']);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /^contact_box \(box, pixel\): 2 samples, 2 scorable$/m);
  assert.match(text.stdout, /acc@iou>0\.5\s+1\n/);
  assert.match(text.stdout, /^ {2}2\tdroid_val_000001\tbox\t0\.\d{4}$/m, 'per-sample rows carry the 1-based line, the id and the kind');
  const json = runCli(['metrics', preds, '--task', 'contact_box', '--convention', 'resized', '--dataset', join(dir, 'robointer_generation_eval_input.constructed.json'), '--json']);
  assert.equal(json.code, 0, json.stderr);
  const r = JSON.parse(json.stdout) as { aggregate: { unscored: number; notes: string[] }; samples: Array<{ id: string; gt?: number[]; score?: number }> };
  assert.equal(r.aggregate.unscored, 1, 'the second record is not in the input: no size, not scored');
  assert.deepEqual(r.samples[0].gt?.map(Math.round), [72, 102, 191, 179]);
  assert.equal(runCli(['metrics']).code, 2);
  assert.equal(runCli(['metrics', preds, '--convention', 'inches']).code, 2);
  const missing = runCli(['metrics', join(dir, 'nope.json')]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /ENOENT/);
});

test('read: a trainer_state.json and a generation.py output, as text and as JSON; no metrics exits 1; a missing file 2', () => {
  const samples = join(root, 'test/fixtures/samples');
  const state = runCli(['read', join(samples, 'hf_trainer/trainer_state_smolvlm_kvasir.json')]);
  assert.equal(state.code, 0, state.stderr);
  assert.match(state.stdout, /\(trainerState\)/);
  assert.match(state.stdout, /best_model_checkpoint: .*checkpoint-900/);
  assert.match(state.stdout, /loss +90, step 10 19\.2262 → step 900 0\.0023, lowest 0\.0021 at step 810/);
  const gen = runCli(['read', join(samples, 'constructed/generation_py.stdout.constructed.txt')]);
  assert.equal(gen.code, 0, gen.stderr);
  assert.match(gen.stdout, /traj_wo_init_pos +mean_dtw +305\.1183/);
  assert.match(gen.stdout, /note: not found: .*contact_decide/);
  const json = JSON.parse(runCli(['read', join(samples, 'constructed/generation_py.stdout.constructed.txt'), '--json']).stdout) as { kind: string; metrics: Array<{ task?: string; name: string; value: number }> };
  assert.equal(json.kind, 'log');
  assert.equal(json.metrics.find((m) => m.task === 'grasppose_choice')?.value, 0.5873);
  const none = runCli(['read', join(samples, 'constructed/eval_lang.stderr_stub.txt')]);
  assert.equal(none.code, 1, none.stdout);
  assert.equal(runCli(['read', join(root, 'no-such-file.json')]).code, 2);
  assert.equal(runCli(['read']).code, 2);
});
