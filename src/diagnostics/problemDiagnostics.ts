import * as vscode from 'vscode';
import { type Problem } from '../core/validate/validator';
import { type RuleCode, type Severity } from '../core/validate/rules';
import { localizedMessage } from './messages';

export const SOURCE = 'VLM Lens';

const SEVERITY: Record<Severity, vscode.DiagnosticSeverity> = {
  error: vscode.DiagnosticSeverity.Error,
  warning: vscode.DiagnosticSeverity.Warning,
  info: vscode.DiagnosticSeverity.Information,
  hint: vscode.DiagnosticSeverity.Hint,
};

/** The command a rule code links to (Problems panel and hover: "VLM010" is a link). */
export function ruleLink(code: RuleCode): vscode.Uri {
  return vscode.Uri.parse(`command:vlmLens.explainRule?${encodeURIComponent(JSON.stringify([code]))}`);
}

export function rangeOf(p: { line: number; column: number; endLine: number; endColumn: number }): vscode.Range {
  return new vscode.Range(p.line, p.column, p.endLine, p.endColumn);
}

/** A problem as VS Code shows it: the exact range, localized message, code linked to its explanation. */
export function toDiagnostic(p: Problem, uri: vscode.Uri): vscode.Diagnostic {
  const d = new vscode.Diagnostic(rangeOf(p), localizedMessage(p.messageId, p.args), SEVERITY[p.severity]);
  d.source = SOURCE;
  d.code = { value: p.code, target: ruleLink(p.code) };
  if (p.related) {
    d.relatedInformation = p.related.map(
      (r) => new vscode.DiagnosticRelatedInformation(new vscode.Location(uri, new vscode.Position(r.line, r.column)), p.code === 'VLM050' ? vscode.l10n.t('first use of “{0}”', p.args[0]) : r.message),
    );
  }
  return d;
}

/** "N more problems are not shown": the cap is never silent. */
export function moreProblemsDiagnostic(shown: number, total: number, max: number): vscode.Diagnostic {
  const d = new vscode.Diagnostic(new vscode.Range(0, 0, 0, 1), localizedMessage('moreProblems', [total - shown, max]), vscode.DiagnosticSeverity.Information);
  d.source = SOURCE;
  return d;
}

/** Validation stopped before the end of the file: what is listed covers part of it only. */
export function partialDiagnostic(processed: number, total: number): vscode.Diagnostic {
  const d = new vscode.Diagnostic(new vscode.Range(0, 0, 0, 1), vscode.l10n.t('Validation was cancelled after {0} of {1} records: problems further on are not listed. Run “VLM Lens: Validate File” to check the rest.', processed, total), vscode.DiagnosticSeverity.Information);
  d.source = SOURCE;
  return d;
}

/** VS Code keeps at most this many diagnostics per file (more are dropped with a note of its own). */
export const VSCODE_MAX_PER_FILE = 1000;

/**
 * The problems as diagnostics, with the summary when some are not shown. The summary and
 * the cancelled note count against VS Code's own limit, so they are never the ones dropped.
 */
export function diagnosticsFor(uri: vscode.Uri, problems: Problem[], total: number, max: number, partial?: { processed: number; total: number }): vscode.Diagnostic[] {
  const room = VSCODE_MAX_PER_FILE - (partial ? 1 : 0);
  let limit = Math.min(max, room);
  if (total > limit) limit = Math.min(limit, room - 1);
  const shown = problems.slice(0, limit);
  const out = shown.map((p) => toDiagnostic(p, uri));
  if (total > shown.length) out.push(moreProblemsDiagnostic(shown.length, total, limit));
  if (partial) out.push(partialDiagnostic(partial.processed, partial.total));
  return out;
}
