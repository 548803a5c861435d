import * as vscode from 'vscode';
import { findNodeAtLocation, parseTree } from 'jsonc-parser';
import type { Problem } from '../core/validate/validator';
import { rangeOf } from './problemDiagnostics';
import { type DiagnosticsService } from './diagnosticsService';
import { DATASET_SELECTOR } from './textValidation';

class RenameAllAction extends vscode.CodeAction {
  constructor(readonly doc: vscode.TextDocument) {
    super(vscode.l10n.t('Rename “image” to “images” in every record of this file'), vscode.CodeActionKind.QuickFix);
  }
}


/**
 * Quick fixes, offered only where the fix is certain: rename `image` → `images` (one record
 * or all), add the missing `<image>` placeholders to the first user turn, put back the
 * UTF-8 text of a mojibake string, drop a trailing comma.
 */
export class QuickFixProvider implements vscode.CodeActionProvider {
  static readonly kinds = [vscode.CodeActionKind.QuickFix];

  static register(service: DiagnosticsService): vscode.Disposable {
    return vscode.languages.registerCodeActionsProvider(DATASET_SELECTOR, new QuickFixProvider(service), { providedCodeActionKinds: QuickFixProvider.kinds });
  }

  constructor(private readonly service: DiagnosticsService) {}

  provideCodeActions(doc: vscode.TextDocument, _range: vscode.Range, context: vscode.CodeActionContext): vscode.CodeAction[] {
    const tv = this.service.textValidation(doc.uri);
    if (!tv?.result || tv.result.version !== doc.version) return [];
    const problems = this.service.problemsOn(doc.uri);
    const out: vscode.CodeAction[] = [];
    let renameAll = false;
    for (const d of context.diagnostics) {
      const code = typeof d.code === 'object' ? String(d.code.value) : undefined;
      const p = problems.find((x) => x.code === code && rangeOf(x).isEqual(d.range));
      if (!p?.fix) continue;
      const action = this.actionFor(doc, p, tv.record(p.record));
      if (!action) continue;
      action.diagnostics = [d];
      action.isPreferred = true;
      out.push(action);
      if (p.fix.kind === 'rename-key') renameAll = true;
    }
    if (renameAll) out.push(new RenameAllAction(doc));
    return out;
  }

  /** The whole-file rename is worked out only when chosen. */
  resolveCodeAction(action: vscode.CodeAction): vscode.CodeAction {
    if (action instanceof RenameAllAction) action.edit = this.renameAll(action.doc);
    return action;
  }

  private actionFor(doc: vscode.TextDocument, p: Problem, rec: { text: string; start: number } | undefined): vscode.CodeAction | undefined {
    const fix = p.fix;
    if (!fix) return undefined;
    const edit = new vscode.WorkspaceEdit();
    let title: string;
    switch (fix.kind) {
      case 'rename-key':
        edit.replace(doc.uri, rangeOf(p), JSON.stringify(fix.to));
        title = vscode.l10n.t('Rename “image” to “images”');
        break;
      case 'replace-value':
        edit.replace(doc.uri, rangeOf(p), fix.replacement);
        title = vscode.l10n.t('Replace with the UTF-8 text: {0}', shorten(fix.replacement));
        break;
      case 'remove':
        edit.delete(doc.uri, new vscode.Range(fix.line, fix.column, fix.line, fix.column + fix.length));
        title = vscode.l10n.t('Remove the trailing comma');
        break;
      case 'add-placeholder': {
        if (!rec) return undefined;
        const tree = parseTree(rec.text);
        const node = tree ? findNodeAtLocation(tree, fix.valuePath) : undefined;
        if (!node || node.type !== 'string') return undefined;
        const at = doc.positionAt(rec.start + node.offset + 1);
        edit.insert(doc.uri, at, `${fix.placeholder}\\n`.repeat(fix.count));
        title = fix.count === 1 ? vscode.l10n.t('Add the missing {0} placeholder to the first user turn', fix.placeholder) : vscode.l10n.t('Add the {0} missing {1} placeholders to the first user turn', fix.count, fix.placeholder);
        break;
      }
    }
    const action = new vscode.CodeAction(title, vscode.CodeActionKind.QuickFix);
    action.edit = edit;
    return action;
  }

  /** Every record of the file whose top-level `image` key can become `images` (no `images` key already). */
  private renameAll(doc: vscode.TextDocument): vscode.WorkspaceEdit {
    const edit = new vscode.WorkspaceEdit();
    const tv = this.service.textValidation(doc.uri);
    if (!tv) return edit;
    for (let k = 0; k < tv.recordCount; k++) {
      const rec = tv.record(k);
      if (!rec || !rec.text.includes('"image"')) continue;
      const tree = parseTree(rec.text);
      if (tree?.type !== 'object' || !tree.children) continue;
      const keys = tree.children.map((prop) => prop.children?.[0]);
      if (keys.some((key) => key?.value === 'images')) continue;
      const key = keys.find((x) => x?.value === 'image');
      if (!key) continue;
      edit.replace(doc.uri, new vscode.Range(doc.positionAt(rec.start + key.offset), doc.positionAt(rec.start + key.offset + key.length)), '"images"');
    }
    return edit;
  }
}

function shorten(s: string): string {
  return s.length > 60 ? `${s.slice(0, 57)}…` : s;
}
