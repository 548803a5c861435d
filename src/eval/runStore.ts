import * as vscode from 'vscode';
import { RunStore } from '../core/eval/runStore';

export { RunStore, UnsafeRunPath, type BrokenRun, type StoredRun } from '../core/eval/runStore';

/** The run history of the first workspace folder (none without a folder). */
export function runStoreForWorkspace(): RunStore | undefined {
  const folder = vscode.workspace.workspaceFolders?.[0];
  return folder ? RunStore.forFolder(folder.uri.fsPath) : undefined;
}
