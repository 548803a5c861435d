#!/usr/bin/env node
// `npm test`: installs what is missing, then type-check, lint, package, unit tests (node's
// test runner, plain Node) and end-to-end tests (the packaged VSIX in code-server, driven
// in Debian's Chromium). Stops at the first failing step with a non-zero exit code.
// Options: --unit (only the unit tier: build, then node --test; no system packages, type-check,
// lint or packaging), --e2e (only the e2e tier, after packaging),
//          any other argument is passed to node --test as a file filter (substring match).
import { spawnSync } from 'node:child_process';
import { readdirSync, rmSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ensureCodeServer, ensureNodeModules, ensureSystemPackages, log, packageExtension, root } from './lib/setup.mjs';

const args = process.argv.slice(2);
const onlyUnit = args.includes('--unit');
const onlyE2e = args.includes('--e2e');
const filters = args.filter((a) => !a.startsWith('--'));

function step(name, fn) {
  const started = Date.now();
  log(`── ${name}`);
  fn();
  log(`   ${name}: ok (${((Date.now() - started) / 1000).toFixed(1)} s)`);
}

function run(cmd, cmdArgs, env = {}) {
  const r = spawnSync(cmd, cmdArgs, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  if (r.status !== 0) {
    log(`FAILED: ${cmd} ${cmdArgs.join(' ')} (exit ${r.status ?? r.signal})`);
    process.exit(r.status || 1);
  }
}

function findTests(dir, suffix) {
  return readdirSync(dir)
    .flatMap((name) => {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) return findTests(p, suffix);
      return p.endsWith(suffix) ? [p] : [];
    })
    .filter((p) => filters.length === 0 || filters.some((f) => p.includes(f)))
    .map((p) => relative(root, p))
    .sort();
}

const npx = (bin) => join(root, 'node_modules', '.bin', bin);

try {
  // the unit tier alone needs no system package (the Slurm tests skip themselves without slurm-wlm outside CI)
  if (!onlyUnit) step('system packages', () => ensureSystemPackages());
  step('npm packages', () => ensureNodeModules());
} catch (e) {
  log(e instanceof Error ? e.message : String(e));
  process.exit(1);
}

if (!onlyE2e && !onlyUnit) {
  step('type-check (host, webview, tests)', () => run('npm', ['run', '--silent', 'typecheck']));
  step('lint', () => run(npx('eslint'), ['--max-warnings', '0', '.']));
}
let vsix;
if (onlyUnit) {
  // the CLI tests run dist/cli.js: built, not packaged
  step('build', () => run(process.execPath, [join(root, 'scripts', 'build.mjs')]));
} else {
  step('build and package the VSIX', () => {
    vsix = packageExtension();
  });
}

if (!onlyE2e) {
  const unit = findTests(join(root, 'test'), '.unit.test.ts');
  step(`unit tests (${unit.length} files, node --test)`, () =>
    run(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', ...unit]),
  );
}

if (!onlyUnit) {
  step('code-server for the e2e tier', () => ensureCodeServer());
  const e2e = findTests(join(root, 'test', 'e2e'), '.e2e.test.ts');
  if (e2e.length === 0) {
    log('no e2e tests matched');
    process.exit(1);
  }
  rmSync(join(root, 'test-results'), { recursive: true, force: true });
  step(`e2e tests in code-server + Chromium (${e2e.length} files)`, () =>
    run(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', '--test-concurrency=1', '--test-timeout=600000', ...e2e], { VLM_LENS_VSIX: vsix }),
  );
  log(`screenshots in ${relative(process.cwd(), join(root, 'test-results')) || 'test-results'}/`);
}
log('all tests passed');
