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
