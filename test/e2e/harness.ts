/**
 * End-to-end harness: a real VS Code (code-server from the npm registry) with the packaged
 * VSIX installed, driven in Debian's Chromium through playwright-core, the way a user works.
 *
 * One `VsCodeSession` = one code-server on a free loopback port with a fresh user-data dir,
 * extensions dir and (by default) a fresh copy of the workspace, plus one browser page.
 * `close()` stops everything it started, also when a test failed; a process 'exit' hook
 * kills the server's process group if the test process dies first.
 *
 * Setup (code-server, Chromium) is done by scripts/test.mjs; see README.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, createWriteStream } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Frame, type Locator, type Page } from 'playwright-core';
import { writeLanguagePackIndex, zhCnLanguagePack } from './languagePack';

export const repoRoot = resolve(__dirname, '..', '..');
export const resultsDir = join(repoRoot, 'test-results');
const CODE_SERVER_VERSION = '4.100.3';
const codeServerEntry = join(repoRoot, '.cache', `code-server-${CODE_SERVER_VERSION}`, 'node_modules/code-server/out/node/entry.js');

export function vsixPath(): string {
  if (process.env.VLM_LENS_VSIX) return process.env.VLM_LENS_VSIX;
  const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { name: string; version: string };
  return join(repoRoot, 'out', `${pkg.name}-${pkg.version}.vsix`);
}

export interface LaunchOptions {
  /** A name for logs and screenshots (e.g. the test file's name). */
  name: string;
  /** Folder to open. Copied to a temp dir first unless `copyWorkspace` is false. */
  workspace: string;
  copyWorkspace?: boolean;
  /** Extra user settings (merged over the harness defaults). */
  settings?: Record<string, unknown>;
  /** Turn workspace trust on (the harness turns it off by default so no dialog covers the editor). */
  workspaceTrust?: boolean;
  /** Display language passed to code-server (`--locale`). */
  locale?: string;
  viewport?: { width: number; height: number };
  /** Extra environment of code-server and so of the extension host (SLURM_CONF of a test cluster). */
  env?: Record<string, string>;
}

const liveServers = new Set<ChildProcess>();
process.on('exit', () => {
  for (const p of liveServers) killGroup(p);
});

function killGroup(p: ChildProcess): void {
  if (p.pid === undefined || p.exitCode !== null) return;
  try {
    process.kill(-p.pid, 'SIGKILL');
  } catch {
    /* already gone */
  }
}

async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => res(port));
    });
  });
}

async function waitForHttp(url: string, timeoutMs: number, server: ChildProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (server.exitCode !== null) throw new Error(`code-server exited with ${server.exitCode} before listening`);
    try {
      const r = await fetch(url, { redirect: 'manual' });
      if (r.status > 0) return;
    } catch {
      /* not yet */
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`code-server did not answer at ${url} within ${timeoutMs} ms`);
}

export class VsCodeSession {
  readonly screenshots: string[] = [];
  private closed = false;

  private constructor(
    readonly name: string,
    readonly page: Page,
    private readonly browser: Browser,
    private readonly server: ChildProcess,
    readonly baseDir: string,
    /** The workspace folder VS Code has open (a copy unless copyWorkspace was false). */
    readonly workspace: string,
    readonly url: string,
    readonly serverLog: string,
  ) {}

  static async launch(opts: LaunchOptions): Promise<VsCodeSession> {
    if (!existsSync(codeServerEntry)) throw new Error(`code-server is not set up (${codeServerEntry}); run npm test, which sets it up`);
    const vsix = vsixPath();
    if (!existsSync(vsix)) throw new Error(`VSIX not found at ${vsix}; run npm test (it packages the extension first)`);
    const baseDir = mkdtempSync(join(tmpdir(), `vlm-lens-e2e-${opts.name.replace(/[^\w-]/g, '_')}-`));
    const userData = join(baseDir, 'user-data');
    const extensions = join(baseDir, 'extensions');
    mkdirSync(join(userData, 'User'), { recursive: true });
    mkdirSync(extensions, { recursive: true });
    let workspace = opts.workspace;
    if (opts.copyWorkspace !== false) {
      workspace = join(baseDir, 'workspace');
      cpSync(opts.workspace, workspace, { recursive: true });
    }
    const settings = {
      'security.workspace.trust.enabled': opts.workspaceTrust ?? false,
      'security.workspace.trust.startupPrompt': 'never',
      'workbench.startupEditor': 'none',
      'workbench.tips.enabled': false,
      'workbench.enableExperiments': false,
      'telemetry.telemetryLevel': 'off',
      'update.mode': 'none',
      'extensions.autoCheckUpdates': false,
      'explorer.compactFolders': false,
      'window.restoreWindows': 'none',
      'workbench.colorTheme': 'Default Dark Modern',
      ...opts.settings,
    };
    writeFileSync(join(userData, 'User', 'settings.json'), JSON.stringify(settings, null, 2));
    const configFile = join(baseDir, 'code-server.yaml');
    writeFileSync(configFile, 'auth: none\n');
    const common = ['--config', configFile, '--user-data-dir', userData, '--extensions-dir', extensions];

    const toInstall = [vsix, ...(opts.locale === 'zh-cn' ? [zhCnLanguagePack()] : [])];
    for (const pkg of toInstall) {
      const install = spawnSync(process.execPath, [codeServerEntry, ...common, '--install-extension', pkg], { encoding: 'utf8', timeout: 120_000 });
      if (install.status !== 0) throw new Error(`installing ${pkg} failed (${install.status}): ${install.stderr || install.stdout}`);
    }

    if (opts.locale === 'zh-cn') writeLanguagePackIndex(userData, extensions);
    const port = await freePort();
    const serverLog = join(baseDir, 'code-server.log');
    const logStream = createWriteStream(serverLog);
    const args = [codeServerEntry, ...common, '--auth', 'none', '--bind-addr', `127.0.0.1:${port}`, '--disable-telemetry', '--disable-update-check'];
    if (!opts.workspaceTrust) args.push('--disable-workspace-trust');
    if (opts.locale) args.push('--locale', opts.locale);
    args.push(workspace);
    const server = spawn(process.execPath, args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...opts.env, VSCODE_CLI: undefined } });
    liveServers.add(server);
    server.stdout?.pipe(logStream);
    server.stderr?.pipe(logStream);
    server.on('exit', () => liveServers.delete(server));
    const url = `http://127.0.0.1:${port}/?folder=${encodeURIComponent(workspace)}`;
    let browser: Browser | undefined;
    try {
      await waitForHttp(`http://127.0.0.1:${port}/healthz`, 60_000, server);
      browser = await chromium.launch({
        executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
        headless: true,
        args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic', '--disable-dev-shm-usage'],
      });
      const context = await browser.newContext({ viewport: opts.viewport ?? { width: 1400, height: 900 }, deviceScaleFactor: 1, locale: opts.locale });
      await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: `http://127.0.0.1:${port}` });
      const page = await context.newPage();
      page.setDefaultTimeout(30_000);
      await page.goto(url);
      await page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: 60_000 });
      // The explorer is ready when the workspace folder's rows are listed.
      await page.locator('.explorer-folders-view .monaco-list-row').first().waitFor({ timeout: 60_000 });
      return new VsCodeSession(opts.name, page, browser, server, baseDir, workspace, url, serverLog);
    } catch (e) {
      await browser?.close().catch(() => undefined);
      killGroup(server);
      const tail = existsSync(serverLog) ? readFileSync(serverLog, 'utf8').slice(-2000) : '';
      throw new Error(`${e instanceof Error ? e.message : String(e)}\n--- code-server log (tail) ---\n${tail}`);
    }
  }

  /**
   * Runs a command by its title through the command palette (F1), as a user would.
   * The palette lists the commands known when it opens, and contributed commands appear
   * once the extension host has registered the extension, so an absent row is retried
   * with a fresh palette until `timeoutMs`.
   */
  async runCommand(title: string, timeoutMs = 30_000): Promise<void> {
    const input = this.page.locator('.quick-input-widget input');
    const row = this.page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first();
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      await this.focusWorkbench();
      try {
        await this.page.keyboard.press('F1');
        await input.waitFor({ state: 'visible', timeout: 3000 });
        // an editor that opens at this moment can take the focus and close the palette: then try again
        await input.fill(`>${title}`, { timeout: 3000 });
        await row.waitFor({ state: 'visible', timeout: 3000 });
        // the palette can also close between finding the row and clicking it
        await row.click({ timeout: 3000 });
        return;
      } catch (e) {
        await this.page.keyboard.press('Escape');
        if (Date.now() > deadline) {
          await this.screenshot(`command-not-run-${title.replace(/\W+/g, '-')}`);
          throw e;
        }
      }
    }
  }

  /**
   * Opens a workspace file through Quick Open (Ctrl+P) by its relative path. Enter is
   * pressed once the focused row is that file (the picker re-filters asynchronously and
   * first shows the history), and the picker must close.
   */
  async openFile(relPath: string): Promise<void> {
    const input = this.page.locator('.quick-input-widget input');
    await this.focusWorkbench();
    await this.page.keyboard.press('Control+P');
    await input.waitFor({ state: 'visible' });
    await input.fill(relPath);
    const base = relPath.split('/').pop() ?? relPath;
    const dir = relPath.includes('/') ? relPath.slice(0, relPath.lastIndexOf('/')) : '';
    const focused = this.page.locator('.quick-input-list .monaco-list-row.focused', { hasText: base });
    await focused.filter({ hasText: dir }).first().waitFor({ state: 'visible' });
    await this.page.keyboard.press('Enter');
    await this.page.locator('.quick-input-widget').waitFor({ state: 'hidden' });
  }

  /**
   * Moves keyboard focus out of any webview back to the workbench: a shortcut pressed in a
   * webview's text field stays in the webview.
   */
  async focusWorkbench(): Promise<void> {
    await this.page.evaluate(() => {
      const el = document.activeElement;
      if (el instanceof HTMLElement && el.tagName === 'IFRAME') el.blur();
    });
  }

  /** Clicks an action in the active editor's title bar (e.g. "Show Metrics in VLM Lens"). */
  async editorTitleAction(label: string): Promise<void> {
    await this.dismissHover();
    const action = this.page.locator(`.editor-group-container.active .editor-actions .action-label[aria-label^="${label}"]`).first();
    await action.waitFor({ state: 'visible', timeout: 15_000 });
    await action.click();
  }

  /** Moves the mouse off whatever it rests on, so a hover tooltip does not cover the next click. */
  async dismissHover(): Promise<void> {
    await this.page.mouse.move(1, 1);
    await this.page.locator('.context-view .hover-contents').first().waitFor({ state: 'hidden', timeout: 3000 }).catch(() => undefined);
  }

  /** The explorer row for a workspace-relative path (expanding its parent folders). */
  async explorerRow(relPath: string): Promise<Locator> {
    await this.dismissHover();
    // another view container (e.g. the extension's own) may be showing in the side bar
    if (!(await this.page.locator('.explorer-folders-view').isVisible())) await this.runCommand('View: Show Explorer');
    const parts = relPath.split('/');
    for (let i = 0; i < parts.length; i++) {
      const row = this.page.locator(`.explorer-folders-view .monaco-list-row[aria-label="${parts[i]}"]`).first();
      await this.scrollExplorerTo(row);
      if (i === parts.length - 1) return row;
      // a folder row that re-renders under the click (the tree refreshing after a file event) stays shut: click again
      for (let attempt = 0; attempt < 3 && (await row.getAttribute('aria-expanded')) === 'false'; attempt++) {
        await row.click();
        await this.page.waitForFunction((el) => el?.getAttribute('aria-expanded') === 'true', await row.elementHandle(), { timeout: 3000 }).catch(() => undefined);
      }
    }
    throw new Error('unreachable');
  }

  /**
   * Waits for an explorer row, scrolling the tree when it is not rendered: the tree is a
   * virtual list, so a row below (or above) what fits in the side bar is not in the page.
   */
  private async scrollExplorerTo(row: Locator): Promise<void> {
    if (await row.waitFor({ state: 'visible', timeout: 3000 }).then(() => true, () => false)) return;
    const tree = this.page.locator('.explorer-folders-view .monaco-list').first();
    for (const dy of [...Array<number>(15).fill(240), ...Array<number>(30).fill(-240)]) {
      await tree.hover();
      await this.page.mouse.wheel(0, dy);
      if (await row.waitFor({ state: 'visible', timeout: 200 }).then(() => true, () => false)) return;
    }
    await row.waitFor({ state: 'visible', timeout: 5000 }).catch(async (e: Error) => {
      const rows = await this.page.locator('.explorer-folders-view .monaco-list-row').evaluateAll((els) => els.map((el) => `${el.getAttribute('aria-label') ?? ''}${el.getAttribute('aria-expanded') === 'true' ? ' (open)' : ''}`));
      await this.screenshot('explorer-row-missing');
      throw new Error(`${e.message}\nexplorer rows: ${rows.join(' | ')}`);
    });
  }

  /** Right-clicks an explorer row (no hover tooltip in the way) and returns the open context menu. */
  private async openExplorerMenu(relPath: string): Promise<Locator> {
    const row = await this.explorerRow(relPath);
    await this.dismissHover();
    await row.click({ button: 'right' });
    const menu = this.page.locator('.context-view .monaco-menu');
    await menu.waitFor({ state: 'visible' });
    // the menu shows before its items are laid out: read it once it has them (a run once read none)
    await menu.locator('.action-item .action-label').first().waitFor({ state: 'visible' });
    return menu;
  }

  /**
   * Right-clicks an explorer row and picks a context-menu item by its label. The item is
   * chosen with the keyboard: VS Code ignores a mouse click that lands right after the
   * menu opened (it guards against the right-click's own release).
   */
  async explorerContextMenu(relPath: string, item: string): Promise<void> {
    let menu = await this.openExplorerMenu(relPath);
    const labels = (await menu.locator('.action-item:not(.disabled) .action-label').allInnerTexts()).map((l) => l.trim());
    if (!labels.includes(item)) throw new Error(`'${item}' is not in the context menu: ${labels.join(' | ')}`);
    // the mouse over an item focuses it (a click right after opening would be ignored); Enter then picks it
    const itemOf = (m: Locator) => m.locator('.action-item:not(.disabled)', { has: this.page.locator('.action-label', { hasText: new RegExp(`^\\s*${item.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*$`) }) }).first();
    let target = itemOf(menu);
    // a webview that takes focus back closes the menu: then the explorer is focused and the menu opened again
    if (!(await target.hover({ timeout: 3000 }).then(() => true, () => false))) {
      await this.page.keyboard.press('Escape');
      await this.runCommand('File: Focus on Files Explorer');
      menu = await this.openExplorerMenu(relPath);
      target = itemOf(menu);
      await target.hover();
    }
    const focused = await target.evaluate((el) => el.classList.contains('focused'));
    if (focused) {
      await this.page.keyboard.press('Enter');
      return;
    }
    const seen: string[] = [];
    for (let i = 0; i < labels.length + 2; i++) {
      await this.page.keyboard.press('ArrowDown');
      const f = (await menu.locator('.action-item.focused .action-label').allInnerTexts()).map((l) => l.trim());
      seen.push(f[0] ?? '?');
      if (f[0] === item) {
        await this.page.keyboard.press('Enter');
        return;
      }
    }
    throw new Error(`could not focus '${item}' in the context menu (${labels.join(' | ')}); focus went: ${seen.join(' → ')}`);
  }

  /** Labels of the context-menu items shown for an explorer row (the menu is closed again). */
  async explorerContextMenuItems(relPath: string): Promise<string[]> {
    const menu = await this.openExplorerMenu(relPath);
    const labels = await menu.locator('.action-label').allInnerTexts();
    await this.page.keyboard.press('Escape');
    return labels.map((l) => l.trim()).filter((l) => l.length > 0);
  }

  /**
   * Opens the Problems panel and returns its rows: the accessible label (severity, message,
   * position) followed by the row's text (where the source and rule code are).
   */
  async problems(): Promise<string[]> {
    await this.runCommand('View: Focus Problems');
    const panel = this.page.locator('.markers-panel');
    await panel.waitFor({ state: 'visible' });
    return panel.locator('.monaco-list-row').evaluateAll((rows) => rows.map((r) => `${r.getAttribute('aria-label') ?? ''} | ${r.textContent ?? ''}`));
  }

  /** Types into the Problems panel's filter box (empty: no filter) and returns the rows then shown. */
  async filterProblems(text: string): Promise<string[]> {
    await this.problems();
    const box = this.page.locator('.panel .viewpane-filter input, .panel .markers-panel-action-filter input').first();
    await box.fill(text);
    await this.page.waitForTimeout(500); // the panel filters after a short delay
    return this.page.locator('.markers-panel .monaco-list-row').evaluateAll((rows) => rows.map((r) => `${r.getAttribute('aria-label') ?? ''} | ${r.textContent ?? ''}`));
  }

  /** Picks an item of the open quick pick by typing its label and pressing Enter on it. */
  async pickQuickItem(label: string): Promise<void> {
    const input = this.page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible' });
    await input.fill(label);
    await this.page.locator('.quick-input-list .monaco-list-row.focused', { hasText: label }).first().waitFor({ state: 'visible' });
    await this.page.keyboard.press('Enter');
    await this.page.locator('.quick-input-widget').waitFor({ state: 'hidden' });
  }

  /** Texts of the notification toasts currently shown. */
  /** Closes every notification toast (they sit over the panel area and take clicks). */
  async clearNotifications(): Promise<void> {
    if ((await this.page.locator('.notifications-toasts .notification-toast').count()) === 0) return;
    await this.runCommand('Notifications: Clear All Notifications');
    await this.page.locator('.notifications-toasts .notification-toast').first().waitFor({ state: 'detached', timeout: 5000 }).catch(() => undefined);
  }

  async notifications(): Promise<string[]> {
    return this.page.locator('.notifications-toasts .notification-toast .notification-list-item-message').allInnerTexts();
  }

  /** Waits for a notification whose text matches and returns its text. */
  async waitForNotification(pattern: RegExp, timeoutMs = 30_000): Promise<string> {
    const loc = this.page.locator('.notifications-toasts .notification-list-item-message', { hasText: pattern }).first();
    await loc.waitFor({ state: 'visible', timeout: timeoutMs });
    return loc.innerText();
  }

  /**
   * The content frame of a webview whose page <title> equals `title` (webviews are an
   * iframe.webview holding an inner #active-frame; this finds the inner one). With
   * `where`, the frame must also contain a visible element matching that selector/text
   * (several webviews of the same kind can exist).
   */
  async webviewFrame(title: string, where?: { selector: string; hasText?: string | RegExp }, timeoutMs = 30_000): Promise<Frame> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      for (const f of this.page.frames()) {
        if (f.isDetached()) continue;
        const t = await f.title().catch(() => '');
        if (t !== title) continue;
        if (!where) return f;
        const hit = f.locator(where.selector, where.hasText !== undefined ? { hasText: where.hasText } : {});
        if (await hit.first().isVisible().catch(() => false)) return f;
      }
      await this.page.waitForTimeout(250);
    }
    // what was on screen instead, for the one reading the failure
    const shot = await this.screenshot(`failed-webview-${title}`).catch(() => '');
    throw new Error(`no webview titled '${title}'${where ? ` showing ${where.selector} ${String(where.hasText ?? '')}` : ''} within ${timeoutMs} ms (screen: ${shot})`);
  }

  /** Saves a screenshot of the whole window under test-results/ and returns its path. */
  async screenshot(label: string): Promise<string> {
    mkdirSync(resultsDir, { recursive: true });
    const file = join(resultsDir, `${this.name}--${label}.png`);
    await this.page.screenshot({ path: file });
    this.screenshots.push(file);
    return file;
  }

  /** Switches the colour theme the way a user does (Preferences: Color Theme). */
  async setColorTheme(name: string): Promise<void> {
    await this.runCommand('Preferences: Color Theme');
    const input = this.page.locator('.quick-input-widget input');
    await input.fill(name);
    await this.page.locator('.quick-input-list .monaco-list-row', { hasText: name }).first().waitFor();
    await this.page.keyboard.press('Enter');
    await this.page.locator('.quick-input-widget').waitFor({ state: 'hidden' });
  }

  /** Text of the status bar. */
  async statusBarText(): Promise<string> {
    return this.page.locator('.statusbar').innerText();
  }

  /** Stops the browser and the server and removes the temp dirs. Safe to call twice. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.browser.close().catch(() => undefined);
    killGroup(this.server);
    if (this.server.exitCode === null) {
      await Promise.race([new Promise((r) => this.server.once('exit', r)), new Promise((r) => setTimeout(r, 5000))]);
    }
    if (process.env.VLM_LENS_KEEP_E2E !== '1') rmSync(this.baseDir, { recursive: true, force: true });
  }
}
