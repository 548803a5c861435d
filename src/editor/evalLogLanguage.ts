import * as vscode from 'vscode';
import picomatch from 'picomatch';

export const EVAL_LOG_LANGUAGE = 'vlm-eval-log';
const DEFAULT_GLOBS = ['**/logs/*.log', '**/*eval*.log'];

/**
 * `.log` files matching `vlmLens.evalLogGlobs` open as VLM Eval Log (metric lines, errors,
 * progress bars highlighted). A setting rather than fixed file patterns so users can change
 * which logs are eval logs; only documents VS Code opened as plain Log / text are switched.
 */
export function registerEvalLogLanguage(): vscode.Disposable {
  let matchers: Array<(p: string) => boolean> = [];
  const load = () => {
    const globs = vscode.workspace.getConfiguration('vlmLens').get<string[]>('evalLogGlobs', DEFAULT_GLOBS);
    matchers = globs.filter((g) => typeof g === 'string' && g.trim() !== '').map((g) => picomatch(g, { dot: true, basename: !g.includes('/') }));
  };
  const apply = (doc: vscode.TextDocument) => {
    if (doc.languageId !== 'log' && doc.languageId !== 'plaintext') return;
    if (!/\.log$/i.test(doc.uri.path)) return;
    const rel = vscode.workspace.asRelativePath(doc.uri, false);
    if (matchers.some((m) => m(rel) || m(doc.uri.path))) void vscode.languages.setTextDocumentLanguage(doc, EVAL_LOG_LANGUAGE);
  };
  load();
  for (const d of vscode.workspace.textDocuments) apply(d);
  return vscode.Disposable.from(
    vscode.workspace.onDidOpenTextDocument(apply),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (!e.affectsConfiguration('vlmLens.evalLogGlobs')) return;
      load();
      for (const d of vscode.workspace.textDocuments) apply(d);
    }),
  );
}
