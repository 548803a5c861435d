import * as vscode from 'vscode';
import { imagingVersions } from '../imaging/sharpInfo';
import { extensionVersion } from '../util/extensionInfo';

/**
 * `VLM Lens: About`: shows the version and the image backend that loaded in this
 * extension host (proves the native sharp module works where the extension runs,
 * e.g. on a Remote-SSH server).
 */
export function registerAboutCommand(context: vscode.ExtensionContext, log: vscode.LogOutputChannel): vscode.Disposable {
  return vscode.commands.registerCommand('vlmLens.about', async () => {
    const version = extensionVersion(context);
    let message: string;
    try {
      const v = await imagingVersions();
      message = vscode.l10n.t('VLM Lens {0} is active (sharp {1}, libvips {2}).', version, v.sharp, v.vips);
    } catch (e) {
      const reason = e instanceof Error ? e.message : String(e);
      log.error(`sharp failed to load: ${reason}`);
      message = vscode.l10n.t('VLM Lens {0} is active, but the image backend (sharp) failed to load: {1}', version, reason);
    }
    log.info(message);
    void vscode.window.showInformationMessage(message);
    return message;
  });
}
