/**
 * Every user-visible string ships in English and Simplified Chinese:
 *  - runtime strings (`vscode.l10n.t(...)` in src/) have an entry in l10n/bundle.l10n.zh-cn.json,
 *  - every `%key%` in package.json has an entry in package.nls.json and package.nls.zh-cn.json,
 *  - no translation is left over for a string the code no longer uses.
 * The strings are extracted with @vscode/l10n-dev, the tool VS Code's own l10n pipeline uses.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { getL10nJson } from '@vscode/l10n-dev';

const root = join(__dirname, '..', '..');

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return tsFiles(p);
    return p.endsWith('.ts') ? [p] : [];
  });
}

function readJson(rel: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(root, rel), 'utf8')) as Record<string, unknown>;
}

/** A bundle value is a string, or {message, comment} when the source gave a comment. */
function messageKeys(bundle: Record<string, unknown>): string[] {
  return Object.keys(bundle);
}

test('every vscode.l10n.t string has a zh-cn translation, and no translation is stale', async () => {
  const files = tsFiles(join(root, 'src')).map((p) => ({ contents: readFileSync(p, 'utf8'), extension: '.ts' }));
  const extracted = await getL10nJson(files);
  const source = messageKeys(extracted);
  assert.ok(source.length > 0, 'expected runtime strings in src/');
  const zh = readJson('l10n/bundle.l10n.zh-cn.json');
  const missing = source.filter((k) => !(k in zh));
  assert.deepEqual(missing, [], 'strings without a zh-cn translation');
  const stale = Object.keys(zh).filter((k) => !source.includes(k));
  assert.deepEqual(stale, [], 'zh-cn translations for strings the code no longer uses');
  for (const [k, v] of Object.entries(zh)) {
    const placeholders = (s: string) => [...s.matchAll(/\{(\d+)\}/g)].map((m) => m[1]).sort().join(',');
    assert.equal(placeholders(String(v)), placeholders(k), `placeholders differ in the translation of: ${k}`);
  }
});

test('every %key% in package.json is in package.nls.json and package.nls.zh-cn.json', () => {
  const pkgText = readFileSync(join(root, 'package.json'), 'utf8');
  const keys = [...new Set([...pkgText.matchAll(/"%([^%"]+)%"/g)].map((m) => m[1]))];
  assert.ok(keys.length > 0);
  const en = readJson('package.nls.json');
  const zh = readJson('package.nls.zh-cn.json');
  assert.deepEqual(keys.filter((k) => !(k in en)), [], 'missing in package.nls.json');
  assert.deepEqual(keys.filter((k) => !(k in zh)), [], 'missing in package.nls.zh-cn.json');
  assert.deepEqual(Object.keys(zh).filter((k) => !(k in en)), [], 'zh-cn keys with no English original');
  assert.deepEqual(Object.keys(en).filter((k) => !keys.includes(k)), [], 'package.nls.json keys package.json does not use');
});
