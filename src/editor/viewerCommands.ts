import * as vscode from 'vscode';
import { DatasetEditorProvider } from './datasetEditorProvider';

/** Commands of the dataset viewer: open in the viewer, reopen as text, go to record. */
export function registerViewerCommands(provider: DatasetEditorProvider, openOther?: (uri: vscode.Uri) => Promise<boolean>): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand('vlmLens.openInViewer', async (uri?: vscode.Uri) => {
      const target = uri ?? vscode.window.activeTextEditor?.document.uri;
      if (!target) {
        void vscode.window.showInformationMessage(vscode.l10n.t('Open a .jsonl or .json file first.'));
        return;
      }
      // a LeRobot dataset (its folder or its meta/info.json) opens in the LeRobot view
      if (openOther && (await openOther(target))) return;
      provider.wantViewer(target);
      await vscode.commands.executeCommand('vscode.openWith', target, DatasetEditorProvider.viewTypeFor(target));
    }),
    vscode.commands.registerCommand('vlmLens.reopenAsText', async (uri?: vscode.Uri) => {
      const target = uri ?? provider.activePanel?.doc.uri;
      if (target) await provider.reopenAsText(target);
    }),
    vscode.commands.registerCommand('vlmLens.goToRecord', async () => {
      const active = provider.activePanel;
      if (!active) {
        void vscode.window.showInformationMessage(vscode.l10n.t('Open a dataset in VLM Lens first.'));
        return;
      }
      const total = active.doc.index.readyCount;
      const answer = await vscode.window.showInputBox({
        prompt: vscode.l10n.t('Go to record (1–{0})', total),
        validateInput: (v) => {
          const n = Number(v);
          return Number.isInteger(n) && n >= 1 && n <= total ? undefined : vscode.l10n.t('Enter a number from 1 to {0}', total);
        },
      });
      if (answer) active.goTo(Number(answer) - 1);
    }),
  ];
}
