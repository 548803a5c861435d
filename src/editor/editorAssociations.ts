import * as vscode from 'vscode';

/** Globs the viewer claims by default (package.json `customEditors` selectors of vlmLens.dataset). */
export const DEFAULT_LINE_GLOBS = ['*.jsonl', '*.ndjson'];
export const DEFAULT_JSON_DATASET_GLOBS = ['**/eval_details_*.json', '**/lang_eval_details_*.json', '**/*_qa.json', '**/*_qa_wo_init_pos.json'];

const OWNED_KEY = 'vlmLens.ownedEditorAssociations';

/**
 * The viewer opens `.jsonl` files and dataset-like `.json` files by default. Two settings
 * change that, and both are carried out through VS Code's own `workbench.editorAssociations`
 * (what "Reopen Editor With… → Configure default editor" writes), so "Reopen With" keeps
 * working either way:
 *   - `vlmLens.viewer.openByDefault: false` maps VLM Lens' default globs to the text editor;
 *   - `vlmLens.jsonDatasetGlobs` adds globs that open in the viewer (and a default glob
 *     removed from it goes back to the text editor).
 * Only associations VLM Lens wrote (remembered in global state) are ever changed or removed.
 */
export function desiredAssociations(openByDefault: boolean, jsonGlobs: string[]): Record<string, string> {
  const want: Record<string, string> = {};
  if (!openByDefault) {
    for (const g of [...DEFAULT_LINE_GLOBS, ...DEFAULT_JSON_DATASET_GLOBS]) want[g] = 'default';
    return want;
  }
  for (const g of DEFAULT_JSON_DATASET_GLOBS) if (!jsonGlobs.includes(g)) want[g] = 'default';
  for (const g of jsonGlobs) if (!DEFAULT_JSON_DATASET_GLOBS.includes(g)) want[g] = 'vlmLens.datasetJson';
  return want;
}

export function registerEditorAssociations(context: vscode.ExtensionContext, log: vscode.LogOutputChannel): vscode.Disposable {
  const sync = async () => {
    const cfg = vscode.workspace.getConfiguration('vlmLens');
    const want = desiredAssociations(cfg.get<boolean>('viewer.openByDefault', true), cfg.get<string[]>('jsonDatasetGlobs', DEFAULT_JSON_DATASET_GLOBS));
    const owned = context.globalState.get<Record<string, string>>(OWNED_KEY, {});
    const wb = vscode.workspace.getConfiguration('workbench');
    const current = { ...(wb.inspect<Record<string, string>>('editorAssociations')?.globalValue ?? {}) };
    let changed = false;
    for (const [glob, value] of Object.entries(owned)) {
      // remove what we wrote earlier and no longer want (unless the user changed it since)
      if (!(glob in want) && current[glob] === value) {
        delete current[glob];
        changed = true;
      }
    }
    for (const [glob, value] of Object.entries(want)) {
      if (current[glob] === value) continue;
      if (glob in current && !(glob in owned)) continue; // the user's own association wins
      current[glob] = value;
      changed = true;
    }
    await context.globalState.update(OWNED_KEY, want);
    if (changed) {
      log.info(`editor associations updated: ${JSON.stringify(want)}`);
      await wb.update('editorAssociations', current, vscode.ConfigurationTarget.Global);
    }
  };
  void sync().catch((e: unknown) => log.error(`updating editor associations failed: ${String(e)}`));
  return vscode.workspace.onDidChangeConfiguration((e) => {
    if (e.affectsConfiguration('vlmLens.viewer.openByDefault') || e.affectsConfiguration('vlmLens.jsonDatasetGlobs')) {
      void sync().catch((err: unknown) => log.error(`updating editor associations failed: ${String(err)}`));
    }
  });
}
