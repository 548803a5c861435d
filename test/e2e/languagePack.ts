/**
 * Builds (once, cached under .cache/) a minimal zh-cn language pack VSIX. code-server
 * resolves the display language to English unless a language pack for the requested
 * locale is installed, and VS Code only loads an extension's zh-cn l10n bundle and
 * package.nls.zh-cn.json when the resolved language is zh-cn. The real pack lives on
 * the marketplace, which these machines cannot reach; this one translates nothing in
 * the workbench itself, which is all the tests need.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './harness';

export function zhCnLanguagePack(): string {
  const dir = join(repoRoot, '.cache', 'e2e-language-pack-zh-cn');
  const vsix = join(dir, 'language-pack-zh-cn.vsix');
  if (existsSync(vsix)) return vsix;
  mkdirSync(join(dir, 'src', 'translations'), { recursive: true });
  writeFileSync(
    join(dir, 'src', 'package.json'),
    JSON.stringify(
      {
        name: 'e2e-language-pack-zh-cn',
        displayName: 'Chinese (Simplified) test language pack',
        description: 'Test-only language pack: makes VS Code resolve the zh-cn display language.',
        publisher: 'vlm-lens-test',
        version: '1.100.0',
        license: 'MIT',
        engines: { vscode: '^1.100.0' },
        categories: ['Language Packs'],
        contributes: {
          localizations: [
            {
              languageId: 'zh-cn',
              languageName: 'Chinese Simplified',
              localizedLanguageName: '中文(简体)',
              translations: [{ id: 'vscode', path: './translations/main.i18n.json' }],
            },
          ],
        },
      },
      null,
      2,
    ),
  );
  writeFileSync(join(dir, 'src', 'translations', 'main.i18n.json'), JSON.stringify({ version: '1.0.0', contents: {} }));
  writeFileSync(join(dir, 'src', 'README.md'), 'Test-only language pack.\n');
  writeFileSync(join(dir, 'src', 'LICENSE'), 'MIT\n');
  execFileSync(process.execPath, [join(repoRoot, 'node_modules/@vscode/vsce/vsce'), 'package', '--allow-missing-repository', '--out', vsix], {
    cwd: join(dir, 'src'),
    stdio: 'pipe',
  });
  return vsix;
}

/**
 * VS Code's server reads installed language packs from `<user-data>/languagepacks.json`,
 * which it only refreshes when asked for the installed languages (the "Configure Display
 * Language" command), not after a command-line install. Written here so the first start
 * already resolves zh-cn.
 */
export function writeLanguagePackIndex(userDataDir: string, extensionsDir: string): void {
  const folder = readdirSync(extensionsDir).find((d) => d.startsWith('vlm-lens-test.e2e-language-pack-zh-cn-'));
  if (!folder) throw new Error('the zh-cn test language pack is not installed');
  const index = {
    'zh-cn': {
      hash: 'e2e-zh-cn-1',
      label: '中文(简体)',
      extensions: [{ extensionIdentifier: { id: 'vlm-lens-test.e2e-language-pack-zh-cn' }, version: '1.100.0' }],
      translations: { vscode: join(extensionsDir, folder, 'translations', 'main.i18n.json') },
    },
  };
  writeFileSync(join(userDataDir, 'languagepacks.json'), JSON.stringify(index, null, 2));
}
