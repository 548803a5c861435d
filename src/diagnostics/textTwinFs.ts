import * as vscode from 'vscode';
import { watch, type FSWatcher } from 'node:fs';
import { readFile, stat, writeFile } from 'node:fs/promises';

/**
 * `vlmlens-text:/abs/path.jsonl` is the same file as `file:///abs/path.jsonl`, read and written
 * through to disk. Diagnostics of a dataset that is not open as text are published on this
 * twin: the viewer does not claim this scheme (its selectors are scoped to file: and
 * vscode-remote:), so a click in the Problems panel opens VS Code's text editor at the
 * problem's line and column, in one step, although the viewer is the default for .jsonl.
 */
export const TEXT_TWIN_SCHEME = 'vlmlens-text';

export function textTwin(uri: vscode.Uri): vscode.Uri {
  return uri.with({ scheme: TEXT_TWIN_SCHEME });
}

/** The file a URI stands for (twins map back to file:). */
export function realFile(uri: vscode.Uri): vscode.Uri {
  return uri.scheme === TEXT_TWIN_SCHEME ? uri.with({ scheme: 'file' }) : uri;
}

export class TextTwinFileSystem implements vscode.FileSystemProvider {
  private readonly _onDidChangeFile = new vscode.EventEmitter<vscode.FileChangeEvent[]>();
  readonly onDidChangeFile = this._onDidChangeFile.event;

  static register(): vscode.Disposable {
    const fs = new TextTwinFileSystem();
    return vscode.Disposable.from(fs._onDidChangeFile, vscode.workspace.registerFileSystemProvider(TEXT_TWIN_SCHEME, fs, { isCaseSensitive: true }));
  }

  watch(uri: vscode.Uri): vscode.Disposable {
    let w: FSWatcher | undefined;
    try {
      w = watch(uri.fsPath, () => this._onDidChangeFile.fire([{ type: vscode.FileChangeType.Changed, uri }]));
    } catch {
      /* the file may not exist (yet) */
    }
    return new vscode.Disposable(() => w?.close());
  }

  async stat(uri: vscode.Uri): Promise<vscode.FileStat> {
    try {
      const s = await stat(uri.fsPath);
      return { type: s.isDirectory() ? vscode.FileType.Directory : vscode.FileType.File, ctime: s.ctimeMs, mtime: s.mtimeMs, size: s.size };
    } catch {
      throw vscode.FileSystemError.FileNotFound(uri);
    }
  }

  async readFile(uri: vscode.Uri): Promise<Uint8Array> {
    try {
      return await readFile(uri.fsPath);
    } catch {
      throw vscode.FileSystemError.FileNotFound(uri);
    }
  }

  async writeFile(uri: vscode.Uri, content: Uint8Array): Promise<void> {
    await writeFile(uri.fsPath, content);
    this._onDidChangeFile.fire([{ type: vscode.FileChangeType.Changed, uri }]);
  }

  readDirectory(): [string, vscode.FileType][] {
    throw vscode.FileSystemError.NoPermissions('a text twin is a single file');
  }
  createDirectory(): void {
    throw vscode.FileSystemError.NoPermissions('a text twin is a single file');
  }
  delete(): void {
    throw vscode.FileSystemError.NoPermissions('delete the file itself, not its text twin');
  }
  rename(): void {
    throw vscode.FileSystemError.NoPermissions('rename the file itself, not its text twin');
  }
}
