import * as vscode from 'vscode';
import { dirname } from 'node:path';
import picomatch from 'picomatch';
import { RULES, type RuleCode } from '../core/validate/rules';
import { type ViewerConfig } from '../editor/viewerConfig';
import { type OverlayConfig } from '../editor/overlayConfig';
import { DEFAULT_JSON_DATASET_GLOBS } from '../editor/editorAssociations';
import { type ImageService } from '../imaging/imageService';
import { type DatasetDocument } from '../editor/datasetDocument';
import { DiagnosticsService } from './diagnosticsService';
import { WorkerPool } from './diskValidation';
import { GeometryHoverProvider } from './geometryHover';
import { ruleSummary } from './messages';
import { QuickFixProvider } from './quickFixes';
import { type FileContext } from './textValidation';
import { TextTwinFileSystem } from './textTwinFs';
import { ValidationSettingsService } from './validationSettings';

/** How validation sees a file: its overlay settings, image lookup, size limits, dataset-like names. */
export function fileContext(viewer: ViewerConfig, overlay: OverlayConfig): FileContext {
  return {
    overlay: (uri) => {
      const q = overlay.qwenPixels();
      return { override: overlay.override(uri), setting: overlay.setting(uri), run: overlay.fromRun(uri), qwenMinPixels: q.min, qwenMaxPixels: q.max };
    },
    resolveContext: (uri) => ({ datasetDir: dirname(uri.fsPath), imageRoots: viewer.imageRoots(uri) }),
    maxRecordBytes: () => viewer.maxRecordBytes(),
    isJsonDatasetName: (uri) => {
      const globs = vscode.workspace.getConfiguration('vlmLens').get<string[]>('jsonDatasetGlobs', DEFAULT_JSON_DATASET_GLOBS);
      const rel = vscode.workspace.asRelativePath(uri, false);
      return globs.some((g) => {
        const m = picomatch(g, { dot: true, basename: !g.includes('/') });
        return m(rel) || m(uri.fsPath);
      });
    },
  };
}

export interface ValidationWiring {
  service: DiagnosticsService;
  disposable: vscode.Disposable;
}

/** Validation in the editor: diagnostics, quick fixes, hovers, the text twin file system and the commands. */
export function registerValidation(
  context: vscode.ExtensionContext,
  deps: { viewer: ViewerConfig; overlay: OverlayConfig; images: ImageService; openHeadless: (uri: vscode.Uri) => Promise<DatasetDocument>; log: vscode.LogOutputChannel },
): ValidationWiring {
  const settings = new ValidationSettingsService(vscode.Uri.joinPath(context.extensionUri, 'dist', 'schemas').fsPath);
  const pool = new WorkerPool(vscode.Uri.joinPath(context.extensionUri, 'dist', 'datasetWorker.js').fsPath);
  const files = fileContext(deps.viewer, deps.overlay);
  const service = new DiagnosticsService({ settings, files, pool, openHeadless: deps.openHeadless, log: deps.log });
  const disposable = vscode.Disposable.from(
    settings,
    service,
    { dispose: () => pool.dispose() },
    TextTwinFileSystem.register(),
    QuickFixProvider.register(service),
    GeometryHoverProvider.register(service, files, deps.images, (uri) => deps.overlay.boxesAreXywh(uri)),
    deps.overlay.onDidChange(() => settings.invalidate()),
    vscode.commands.registerCommand('vlmLens.cancelValidation', () => service.cancelAll()),
    vscode.commands.registerCommand('vlmLens.validateFile', async (uri?: vscode.Uri) => {
      const tab = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
      const target = uri ?? (tab instanceof vscode.TabInputCustom || tab instanceof vscode.TabInputText ? tab.uri : undefined);
      if (!target) {
        void vscode.window.showInformationMessage(vscode.l10n.t('Open a .jsonl or .json file first.'));
        return;
      }
      await service.validateFile(target);
    }),
    vscode.commands.registerCommand('vlmLens.explainRule', async (code?: string) => {
      let c = (typeof code === 'string' ? code : '').toUpperCase();
      if (!(c in RULES)) {
        // from the Command Palette: pick the rule
        const pick = await vscode.window.showQuickPick(
          (Object.keys(RULES) as RuleCode[]).map((r) => ({ label: r, description: RULES[r].severity, detail: ruleSummary(r) })),
          { title: vscode.l10n.t('Explain Validation Rule'), matchOnDetail: true },
        );
        if (!pick) return;
        c = pick.label;
      }
      const rule = c as RuleCode;
      const configure = vscode.l10n.t('Change its severity');
      const answer = await vscode.window.showInformationMessage(
        `${rule}: ${ruleSummary(rule)}`,
        { modal: false, detail: vscode.l10n.t('Default severity: {0}. Change it, or turn the rule off, in the setting vlmLens.validation.rules.', RULES[rule].severity) },
        configure,
      );
      if (answer === configure) await vscode.commands.executeCommand('workbench.action.openSettings', 'vlmLens.validation.rules');
    }),
  );
  return { service, disposable };
}
