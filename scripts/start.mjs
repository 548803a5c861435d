#!/usr/bin/env node
// `npm start`: installs what is missing, builds and packages the extension, starts a real
// VS Code (code-server) with it installed on the example workspace, prints the URL to
// open and stays in the foreground until Ctrl+C.
// Environment: VLM_LENS_PORT (default 8080), VLM_LENS_HOST (default 127.0.0.1),
//              VLM_LENS_WORKSPACE (default examples/).
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { codeServerEntry, ensureCodeServer, ensureNodeModules, ensureSystemPackages, log, packageExtension, root } from './lib/setup.mjs';

const port = Number(process.env.VLM_LENS_PORT ?? 8080);
const host = process.env.VLM_LENS_HOST ?? '127.0.0.1';
const workspace = resolve(process.env.VLM_LENS_WORKSPACE ?? join(root, 'examples'));

try {
  ensureSystemPackages();
  ensureNodeModules();
} catch (e) {
  log(e instanceof Error ? e.message : String(e));
  process.exit(1);
}
const vsix = packageExtension();
ensureCodeServer();

const base = join(root, '.cache', 'start');
const userData = join(base, 'user-data');
const extensions = join(base, 'extensions');
mkdirSync(join(userData, 'User'), { recursive: true });
mkdirSync(extensions, { recursive: true });
const settingsFile = join(userData, 'User', 'settings.json');
if (!existsSync(settingsFile)) {
  writeFileSync(settingsFile, JSON.stringify({ 'workbench.startupEditor': 'none', 'telemetry.telemetryLevel': 'off', 'update.mode': 'none' }, null, 2));
}
const configFile = join(base, 'code-server.yaml');
writeFileSync(configFile, 'auth: none\n');
const common = ['--config', configFile, '--user-data-dir', userData, '--extensions-dir', extensions];
const install = spawnSync(process.execPath, [codeServerEntry, ...common, '--force', '--install-extension', vsix], { stdio: 'inherit' });
if (install.status !== 0) {
  log('installing the VSIX into code-server failed');
  process.exit(1);
}

const child = spawn(
  process.execPath,
  [codeServerEntry, ...common, '--auth', 'none', '--bind-addr', `${host}:${port}`, '--disable-telemetry', '--disable-update-check', workspace],
  { stdio: ['ignore', 'pipe', 'inherit'] },
);
child.stdout.on('data', (chunk) => {
  process.stdout.write(chunk);
  if (String(chunk).includes('HTTP server listening')) {
    const url = `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}/?folder=${encodeURIComponent(workspace)}`;
    log('');
    log(`VS Code with VLM Lens is running. Open: ${url}`);
    log(`(over SSH: forward the port first, e.g. ssh -L ${port}:127.0.0.1:${port} <server>). Ctrl+C stops it.`);
  }
});
const stop = () => {
  child.kill('SIGTERM');
  setTimeout(() => child.kill('SIGKILL'), 3000).unref();
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
child.on('exit', (code, signal) => {
  log(`code-server stopped (${signal ?? code})`);
  process.exit(code ?? 0);
});
