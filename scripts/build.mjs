#!/usr/bin/env node
// One build script for every bundle (the hexeditor / esbuild-sample pattern):
//   dist/extension.js        extension host (Node, CJS; vscode, sharp and DuckDB external)
//   dist/cli.js              the `vlm-lens` CLI (Node, CJS, shebang; sharp and DuckDB external)
//   dist/*Worker.js          worker threads used by the host
//   dist/webview/*.js|.css   webview bundles (browser, IIFE)
// Type checking is separate (`npm run typecheck`), as esbuild does not type-check.
// Usage: node scripts/build.mjs [--production] [--watch]
import * as esbuild from 'esbuild';
import { cpSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

/** Prints errors in the form VS Code's esbuild problem matcher understands. */
const problemMatcher = {
  name: 'problem-matcher',
  setup(build) {
    build.onEnd((result) => {
      for (const { text, location } of result.errors) {
        console.error(`✘ [ERROR] ${text}`);
        if (location) console.error(`    ${location.file}:${location.line}:${location.column}:`);
      }
    });
  },
};

const common = {
  bundle: true,
  minify: production,
  sourcemap: production ? false : 'linked',
  sourcesContent: false,
  logLevel: 'warning',
  absWorkingDir: root,
  plugins: [problemMatcher],
  define: { 'process.env.VLM_LENS_BUILD': JSON.stringify(production ? 'production' : 'development') },
};

/** Host-side bundles: the extension and the worker threads it starts. */
const nodeEntries = [
  { in: 'src/extension.ts', out: 'extension' },
  { in: 'src/workers/datasetWorker.ts', out: 'datasetWorker' },
];

/** Webview bundles, one per surface. */
const webviewEntries = [
  { in: 'webview/datasetViewer/main.ts', out: 'datasetViewer' },
  { in: 'webview/evalPanel/main.ts', out: 'evalPanel' },
  { in: 'webview/lerobot/main.ts', out: 'lerobot' },
];

const configs = [
  {
    ...common,
    entryPoints: nodeEntries,
    outdir: join(root, 'dist'),
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['vscode', 'sharp', '@duckdb/node-api'],
    mainFields: ['module', 'main'],
  },
  {
    ...common,
    entryPoints: [{ in: 'src/cli.ts', out: 'cli' }],
    outdir: join(root, 'dist'),
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['sharp', '@duckdb/node-api'],
    mainFields: ['module', 'main'],
    banner: { js: '#!/usr/bin/env node' },
  },
  webviewEntries.length > 0 && {
    ...common,
    entryPoints: webviewEntries,
    outdir: join(root, 'dist/webview'),
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
  },
].filter(Boolean);

function copyStatic() {
  const schemas = join(root, 'src/core/schemas/builtin');
  if (existsSync(schemas)) {
    mkdirSync(join(root, 'dist/schemas'), { recursive: true });
    cpSync(schemas, join(root, 'dist/schemas'), { recursive: true });
  }
}

if (!watch) rmSync(join(root, 'dist'), { recursive: true, force: true });
copyStatic();
if (watch) {
  const contexts = await Promise.all(configs.map((c) => esbuild.context(c)));
  await Promise.all(contexts.map((c) => c.watch()));
  console.log('[build] watching for changes…');
} else {
  const started = Date.now();
  await Promise.all(configs.map((c) => esbuild.build(c)));
  console.log(`[build] ${production ? 'production' : 'development'} bundles in dist/ (${Date.now() - started} ms)`);
}
