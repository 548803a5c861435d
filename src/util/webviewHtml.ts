import * as vscode from 'vscode';
import { randomBytes } from 'node:crypto';

export interface WebviewPageOptions {
  /** Title of the page (not shown by VS Code, useful for tests and accessibility). */
  title: string;
  /** Bundle name in dist/webview (without extension). */
  script: string;
  /** Stylesheets in media/ (file names). */
  styles: string[];
  /** Extra folders the page may load images from (image cache). */
  imgSources?: string[];
}

/** Webview options limited to what the page needs (samples `getWebviewOptions`). */
export function webviewOptions(extensionUri: vscode.Uri, extraRoots: vscode.Uri[] = []): vscode.WebviewOptions {
  return {
    enableScripts: true,
    localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist', 'webview'), vscode.Uri.joinPath(extensionUri, 'media'), ...extraRoots],
  };
}

/**
 * Builds a page with a strict CSP: nothing loads except our own bundle (nonce'd),
 * our stylesheets and images served through `asWebviewUri`. No remote loads, no inline
 * script, dataset text is never part of this HTML (it arrives as data over postMessage).
 */
export function buildWebviewHtml(webview: vscode.Webview, extensionUri: vscode.Uri, opts: WebviewPageOptions): string {
  const nonce = randomBytes(16).toString('base64');
  const scriptUri = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'webview', `${opts.script}.js`));
  const styleLinks = opts.styles
    .map((s) => `<link rel="stylesheet" href="${webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'media', s)).toString()}">`)
    .join('\n    ');
  const csp = [
    `default-src 'none'`,
    `img-src ${webview.cspSource} data: blob:`,
    `media-src ${webview.cspSource}`,
    // Our stylesheets only: the controls (@vscode-elements, Lit) style themselves with
    // constructed stylesheets, and no code sets a style attribute, so no 'unsafe-inline'.
    `style-src ${webview.cspSource}`,
    `font-src ${webview.cspSource}`,
    `script-src 'nonce-${nonce}'`,
  ].join('; ');
  return /* html */ `<!DOCTYPE html>
<html lang="${vscode.env.language}">
  <head>
    <meta charset="UTF-8">
    <meta http-equiv="Content-Security-Policy" content="${csp}">
    <meta name="viewport" content="width=device-width, initial-scale=1.0">
    ${styleLinks}
    <title>${escapeHtml(opts.title)}</title>
  </head>
  <body>
    <div id="app" role="application"></div>
    <script nonce="${nonce}" src="${scriptUri.toString()}"></script>
  </body>
</html>`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
