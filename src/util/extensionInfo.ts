import type * as vscode from 'vscode';

/** The extension's version from its package.json. */
export function extensionVersion(context: vscode.ExtensionContext): string {
  const pkg = context.extension.packageJSON as { version?: unknown };
  return typeof pkg.version === 'string' ? pkg.version : 'unknown';
}
