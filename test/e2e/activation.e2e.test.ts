import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { repoRoot, VsCodeSession } from './harness';

let vs: VsCodeSession;

before(async () => {
  vs = await VsCodeSession.launch({ name: 'activation', workspace: join(repoRoot, 'examples') });
});

after(async () => {
  await vs?.close();
});

test('the extension activates in code-server and its About command reports the loaded image backend', async () => {
  await vs.runCommand('VLM Lens: About VLM Lens');
  const text = await vs.waitForNotification(/VLM Lens \d+\.\d+\.\d+ is active/);
  // sharp is a native module shipped inside the VSIX: this proves it loads in the extension host.
  assert.match(text, /sharp \d+\.\d+\.\d+, libvips \d+\.\d+\.\d+/);
  await vs.screenshot('about-notification');
});

test('with the display language set to Simplified Chinese, runtime strings come from the zh-cn bundle', async () => {
  const zh = await VsCodeSession.launch({ name: 'activation-zh', workspace: join(repoRoot, 'examples'), locale: 'zh-cn' });
  try {
    // Contributed titles come from package.nls.zh-cn.json, runtime messages from l10n/bundle.l10n.zh-cn.json.
    await zh.runCommand('VLM Lens: 关于 VLM Lens');
    const text = await zh.waitForNotification(/VLM Lens \d+\.\d+\.\d+ 已启用/);
    assert.match(text, /sharp \d+\.\d+\.\d+，libvips/);
    await zh.screenshot('about-zh-cn');
  } finally {
    await zh.close();
  }
});
