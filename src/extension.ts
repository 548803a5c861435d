import * as vscode from 'vscode';
import { registerAboutCommand } from './commands/about';
import { extensionVersion } from './util/extensionInfo';

/**
 * Called by VS Code when one of the activation events in package.json fires.
 * Wires the services; every disposable goes into `context.subscriptions`.
 */
export function activate(context: vscode.ExtensionContext): void {
  const log = vscode.window.createOutputChannel('VLM Lens', { log: true });
  context.subscriptions.push(log);
  log.info(`VLM Lens ${extensionVersion(context)} activating`);

  context.subscriptions.push(registerAboutCommand(context, log));
}

export function deactivate(): void {
  // Everything is disposed through context.subscriptions.
}
