// Set-up shared by `npm start` and `npm test`. Node built-ins only: this runs before
// node_modules exists on a fresh clone.
//   ensureSystemPackages()  Debian packages (Chromium, ripgrep, CJK fonts, krb5 headers)
//   ensureNodeModules()     `npm ci` when node_modules is missing or older than the lockfile
//   ensureCodeServer()      code-server from the npm registry, set up once under .cache/
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** code-server 4.100.x is VS Code 1.100 and the last line that runs on Node 20. */
export const CODE_SERVER_VERSION = '4.100.3';
export const codeServerDir = join(root, '.cache', `code-server-${CODE_SERVER_VERSION}`);
export const codeServerEntry = join(codeServerDir, 'node_modules/code-server/out/node/entry.js');
export const chromiumPath = '/usr/bin/chromium';

/** Debian packages the e2e tier and `npm start` need, with a file that proves each is there. */
const SYSTEM_PACKAGES = [
  { pkg: 'chromium', probe: chromiumPath, why: 'the browser the e2e tests drive' },
  { pkg: 'ripgrep', probe: '/usr/bin/rg', why: "code-server's search (its own download of rg is blocked)" },
  { pkg: 'libkrb5-dev', probe: '/usr/include/gssapi/gssapi.h', why: "headers for code-server's kerberos module" },
  { pkg: 'python3', probe: '/usr/bin/python3', why: 'the fixture eval script the "Evaluate checkpoint" tests run' },
  { pkg: 'slurm-wlm', probe: '/usr/sbin/slurmctld', why: 'a one-node Slurm cluster for the Slurm tests (sbatch, squeue, scontrol, scancel)' },
  { pkg: 'munge', probe: '/usr/sbin/munged', why: 'the authentication the Slurm test cluster needs' },
  { pkg: 'fonts-noto-cjk', probe: '/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc', why: 'Chinese text in screenshots' },
];

export function log(msg) {
  console.log(`[vlm-lens] ${msg}`);
}

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', ...opts });
  if (r.error) throw r.error;
  return r.status ?? 1;
}

function mustRun(cmd, args, opts = {}) {
  const code = run(cmd, args, opts);
  if (code !== 0) throw new Error(`${cmd} ${args.join(' ')} exited with ${code}`);
}

/** Installs missing Debian packages when root; otherwise says exactly what to install. */
export function ensureSystemPackages() {
  const missing = SYSTEM_PACKAGES.filter((p) => !existsSync(p.probe));
  if (missing.length === 0) return;
  const names = missing.map((p) => p.pkg);
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot) {
    const lines = missing.map((p) => `  ${p.pkg.padEnd(15)} ${p.why}`).join('\n');
    throw new Error(`Missing system packages:\n${lines}\nInstall them with:\n  sudo apt-get update && sudo apt-get install -y ${names.join(' ')}`);
  }
  log(`installing Debian packages: ${names.join(', ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  mustRun('apt-get', ['update', '-qq'], { env });
  mustRun('apt-get', ['install', '-y', '-qq', ...names], { env });
}

/** Runs `npm ci` when node_modules is missing or older than package-lock.json. */
export function ensureNodeModules() {
  const marker = join(root, 'node_modules/.package-lock.json');
  const lock = join(root, 'package-lock.json');
  if (existsSync(marker) && statSync(marker).mtimeMs >= statSync(lock).mtimeMs) return;
  log('installing npm packages (npm ci)');
  mustRun('npm', ['ci', '--no-audit', '--no-fund'], { cwd: root, env: { ...process.env, npm_config_unsafe_perm: 'true' } });
}

/**
 * Installs code-server from the npm registry into .cache/ (once). Its postinstall would
 * download ripgrep from GitHub, which is not reachable, so: install without scripts, put
 * Debian's rg in place, then rebuild the native modules (see README "How the e2e tier works").
 */
export function ensureCodeServer() {
  const ready = join(codeServerDir, '.ready');
  if (existsSync(ready)) return codeServerDir;
  log(`setting up code-server ${CODE_SERVER_VERSION} in ${codeServerDir} (once; cached afterwards)`);
  rmSync(codeServerDir, { recursive: true, force: true });
  mkdirSync(codeServerDir, { recursive: true });
  writeFileSync(join(codeServerDir, 'package.json'), JSON.stringify({ name: 'vlm-lens-code-server', private: true }, null, 2));
  const env = { ...process.env, npm_config_unsafe_perm: 'true', npm_config_audit: 'false', npm_config_fund: 'false' };
  mustRun('npm', ['install', `code-server@${CODE_SERVER_VERSION}`, '--ignore-scripts', '--no-package-lock'], { cwd: codeServerDir, env });
  const vscodeDir = join(codeServerDir, 'node_modules/code-server/lib/vscode');
  mustRun('npm', ['install', '--omit=dev', '--ignore-scripts', '--no-package-lock'], { cwd: vscodeDir, env });
  const rgDir = join(vscodeDir, 'node_modules/@vscode/ripgrep/bin');
  mkdirSync(rgDir, { recursive: true });
  copyFileSync('/usr/bin/rg', join(rgDir, 'rg'));
  // node-pty's post-install step ends with an optional `npx node-gyp` that fails offline,
  // after pty.node is built: the exit code is not trusted, the built modules are checked.
  run('npm', ['rebuild'], { cwd: vscodeDir, env });
  for (const mod of ['node_modules/@vscode/spdlog/build/Release/spdlog.node', 'node_modules/node-pty/build/Release/pty.node']) {
    if (!existsSync(join(vscodeDir, mod))) throw new Error(`code-server set-up failed: ${mod} was not built`);
  }
  if (!existsSync(join(vscodeDir, 'node_modules.asar'))) symlinkSync('node_modules', join(vscodeDir, 'node_modules.asar'));
  mustRun('npm', ['rebuild', 'argon2', '--build-from-source'], { cwd: codeServerDir, env });
  writeFileSync(ready, `${new Date().toISOString()}\n`);
  return codeServerDir;
}

/** Builds and packages the extension; returns the VSIX path. */
export function packageExtension() {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const out = join(root, 'out', `${pkg.name}-${pkg.version}.vsix`);
  mkdirSync(dirname(out), { recursive: true });
  execFileSync(process.execPath, [join(root, 'scripts/package.mjs'), '--out', out], { cwd: root, stdio: 'inherit' });
  return out;
}
