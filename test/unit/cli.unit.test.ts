import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');
const cli = join(root, 'dist', 'cli.js');
const version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;

/** Runs the built CLI (dist/cli.js, as shipped: npm test builds it before this tier). */
export function runCli(args: string[], opts: { cwd?: string; input?: string } = {}) {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', cwd: opts.cwd ?? root, input: opts.input });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

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
