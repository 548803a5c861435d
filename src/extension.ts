import { predictionFileConventions } from './core/eval/runStore';
import { registerScoreCommands } from './eval/scoreCommand';
import { runnerMessages } from './eval/evalService';
import * as vscode from 'vscode';
import { registerAboutCommand } from './commands/about';
import { DatasetEditorProvider } from './editor/datasetEditorProvider';
import { registerEditorAssociations } from './editor/editorAssociations';
import { ImageBridge } from './editor/imageBridge';
import { registerViewerCommands } from './editor/viewerCommands';
import { ViewerConfig } from './editor/viewerConfig';
import { OverlayConfig } from './editor/overlayConfig';
import { extensionVersion } from './util/extensionInfo';
import { registerValidation } from './diagnostics/register';
import { registerEvalLogLanguage } from './editor/evalLogLanguage';
import { registerEval } from './eval/register';
import { EvalPanelProvider } from './panels/evalPanel';
import { RecordScores } from './eval/recordScores';
import { LeRobotPanels } from './panels/lerobotPanel';

/**
 * Called by VS Code when one of the activation events in package.json fires.
 * Wires the services; every disposable goes into `context.subscriptions`.
 */
export function activate(context: vscode.ExtensionContext): void {
  const log = vscode.window.createOutputChannel('VLM Lens', { log: true });
  context.subscriptions.push(log);
  log.info(`VLM Lens ${extensionVersion(context)} activating`);

  context.subscriptions.push(registerAboutCommand(context, log));

  const viewerConfig = new ViewerConfig();
  const images = new ImageBridge(vscode.Uri.joinPath(context.globalStorageUri, 'image-cache'), viewerConfig);
  const overlay = new OverlayConfig(context.workspaceState);
  context.subscriptions.push(overlay.register());
  const viewer = DatasetEditorProvider.register(context, viewerConfig, images, overlay, log);
  const lerobot = new LeRobotPanels(context, images.cacheDir, log);
  context.subscriptions.push(lerobot, ...registerViewerCommands(viewer, (uri) => lerobot.openIfDataset(uri)), registerEditorAssociations(context, log));
  const validation = registerValidation(context, { viewer: viewerConfig, overlay, images: images.service, openHeadless: (uri) => viewer.openDocument(uri, true), log });
  context.subscriptions.push(validation.disposable);
  viewer.validation = validation.service;
  context.subscriptions.push(registerEvalLogLanguage());
  const evaluation = registerEval(context);
  context.subscriptions.push(evaluation.disposable, registerScoreCommands(evaluation.store, (uri) => overlay.override(uri) ?? overlay.setting(uri) ?? overlay.fromRun(uri)?.convention, runnerMessages));
  if (evaluation.store) {
    // a run's prediction file is shown in the convention the run scored it in
    const store = evaluation.store;
    const learn = () =>
      void store
        .list()
        .then(({ runs }) => overlay.setRunConventions(predictionFileConventions(runs.map((r) => r.run))))
        .catch(() => undefined);
    learn();
    context.subscriptions.push(store.onDidChange(learn));
  }
  let showFile = (_uri: vscode.Uri): Promise<void> => Promise.resolve(void vscode.window.showWarningMessage(vscode.l10n.t('Open a folder first: VLM Lens keeps eval runs and the Eval panel per workspace.')));
  context.subscriptions.push(
    vscode.commands.registerCommand('vlmLens.showInVlmLens', (uri?: vscode.Uri) => {
      const target = uri instanceof vscode.Uri ? uri : vscode.window.activeTextEditor?.document.uri;
      if (!target || target.scheme !== 'file') return void vscode.window.showWarningMessage(vscode.l10n.t('Open a log, a results JSON or a trainer_state.json first.'));
      return showFile(target);
    }),
  );
  if (evaluation.store && evaluation.service) {
    const panel = new EvalPanelProvider(context, evaluation.store, evaluation.service, (uri, index) => viewer.revealRecord(uri, index));
    const scores = new RecordScores(evaluation.store);
    viewer.recordScores = (file, index, id) => scores.scoresFor(file, index, id);
    showFile = (uri) => panel.showFile(uri);
    context.subscriptions.push(
      panel,
      scores,
      vscode.window.registerWebviewViewProvider(EvalPanelProvider.viewId, panel, { webviewOptions: { retainContextWhenHidden: false } }),
      vscode.commands.registerCommand('vlmLens.showRun', (arg?: string | { kind: 'run'; stored: { run: { id: string } } }, compareWith?: string) => {
        const id = typeof arg === 'string' ? arg : arg?.stored.run.id;
        return id ? panel.reveal(id, typeof compareWith === 'string' ? compareWith : undefined) : vscode.commands.executeCommand(`${EvalPanelProvider.viewId}.focus`);
      }),
    );
  }
}

export function deactivate(): void {
  // Everything is disposed through context.subscriptions.
}
