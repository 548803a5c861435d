import * as vscode from 'vscode';
import { basename } from 'node:path';
import { CONVENTIONS, type Convention } from '../core/geometry/types';
import { scoreAsRun, type RunnerMessages } from '../core/eval/runner';
import { headlineOf } from '../core/eval/shaping';
import { taskOfFile } from '../core/eval/logParse';
import type { RunRecord } from '../core/eval/runs';
import type { RunStore } from './runStore';

const CONVENTION_LABELS: Record<Convention, () => string> = {
  pixel: () => vscode.l10n.t('pixels of the image'),
  norm1: () => vscode.l10n.t('0–1 of the image size'),
  norm1000: () => vscode.l10n.t('0–1000 (Qwen2-VL, InternVL, CogVLM)'),
  norm999: () => vscode.l10n.t('0–999'),
  percent: () => vscode.l10n.t('0–100 (percent)'),
  qwen25: () => vscode.l10n.t('Qwen2.5-VL: pixels of the resized image'),
  resized: () => vscode.l10n.t('RoboInter: pixels of new_w × new_h'),
};

/**
 * Score Predictions: a prediction file the user already has, scored as a run without a
 * process (the same metrics as an evaluated checkpoint's, in the Eval panel and its
 * comparisons); Compare With… scores a second file of the same task and opens the
 * per-sample comparison. Reads files only, so it works in Restricted Mode too.
 */
export function registerScoreCommands(store: RunStore | undefined, conventionOf: (uri: vscode.Uri) => Convention | undefined, messages: () => RunnerMessages): vscode.Disposable {
  const noWorkspace = () => void vscode.window.showErrorMessage(vscode.l10n.t('Open a folder first: eval runs are saved in the workspace (.vlm-lens/runs).'));

  /** How the file's coordinates are meant: the file's own choice first (viewer override or setting), else asked. */
  const askConvention = async (uri: vscode.Uri): Promise<{ convention: Convention; dataset?: string } | undefined> => {
    const known = conventionOf(uri);
    const items = CONVENTIONS.map((c) => ({ label: c, description: CONVENTION_LABELS[c](), convention: c }));
    if (known) items.sort((a, b) => (a.convention === known ? -1 : b.convention === known ? 1 : 0));
    const pick = await vscode.window.showQuickPick(items, { ignoreFocusOut: true, title: vscode.l10n.t('Score {0}: the convention of its coordinates', basename(uri.fsPath)), placeHolder: known ? vscode.l10n.t('This file is read as {0} in the viewer', known) : vscode.l10n.t('Plain text answers (choices, numbers) score the same in any') });
    if (!pick) return undefined;
    if (pick.convention === 'pixel') return { convention: 'pixel' };
    // other conventions need each image's size: from the records, or joined from the eval input by id
    const skip = vscode.l10n.t('The records hold the image sizes');
    const choose = vscode.l10n.t('Choose the Eval Input…');
    const how = await vscode.window.showQuickPick([choose, skip], { ignoreFocusOut: true, title: vscode.l10n.t('{0} needs each image’s size', pick.convention) });
    if (!how) return undefined;
    if (how === skip) return { convention: pick.convention };
    const data = await vscode.window.showOpenDialog({ title: vscode.l10n.t('The eval input (joined by id for w, h, new_w, new_h)'), canSelectMany: false, filters: { JSON: ['json', 'jsonl'] } });
    if (!data?.[0]) return undefined;
    return { convention: pick.convention, dataset: data[0].fsPath };
  };

  const score = async (uri: vscode.Uri, how: { convention: Convention; dataset?: string }, task?: string): Promise<RunRecord | undefined> => {
    if (!store) return void noWorkspace();
    try {
      return await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Scoring {0}', basename(uri.fsPath)) }, () =>
        scoreAsRun(store, uri.fsPath, { ...how, gtConvention: how.convention, task, hostPid: process.pid, messages: messages() }),
      );
    } catch (e) {
      void vscode.window.showErrorMessage(vscode.l10n.t('Could not score {0}: {1}', uri.fsPath, e instanceof Error ? e.message : String(e)));
      return undefined;
    }
  };

  const say = (run: RunRecord) => {
    const h = headlineOf(run);
    if (run.status !== 'succeeded') void vscode.window.showErrorMessage(run.failure?.message ?? vscode.l10n.t('Nothing in {0} could be scored.', run.checkpointName));
    else if (!h) void vscode.window.showWarningMessage(vscode.l10n.t('{0}: no sample could be scored; the Eval panel lists why.', run.checkpointName));
  };

  return vscode.Disposable.from(
    vscode.commands.registerCommand('vlmLens.scorePredictions', async (uri?: vscode.Uri, uris?: vscode.Uri[]) => {
      const files = uris && uris.length > 1 ? uris : uri ? [uri] : (await vscode.window.showOpenDialog({ title: vscode.l10n.t('Prediction file to score'), canSelectMany: false, filters: { JSON: ['json', 'jsonl'] } })) ?? [];
      if (!files.length) return;
      const how = await askConvention(files[0]);
      if (!how) return;
      if (files.length === 2) return compare(files[0], files[1], how);
      let last: RunRecord | undefined;
      for (const f of files) {
        const run = await score(f, how);
        if (!run) continue;
        say(run);
        last = run;
      }
      if (last) await vscode.commands.executeCommand('vlmLens.showRun', last.id);
    }),
    vscode.commands.registerCommand('vlmLens.comparePredictions', async (uri?: vscode.Uri, uris?: vscode.Uri[]) => {
      let [a, b] = uris && uris.length === 2 ? uris : [uri, undefined];
      a ??= (await vscode.window.showOpenDialog({ title: vscode.l10n.t('Prediction file to score'), canSelectMany: false, filters: { JSON: ['json', 'jsonl'] } }))?.[0];
      if (!a) return;
      b ??= (await vscode.window.showOpenDialog({ title: vscode.l10n.t('Compare {0} with…', basename(a.fsPath)), canSelectMany: false, filters: { JSON: ['json', 'jsonl'] }, defaultUri: a }))?.[0];
      if (!b) return;
      const how = await askConvention(a);
      if (how) await compare(a, b, how);
    }),
  );

  /** Both files scored as one task (their names may differ), then the panel on the second, compared with the first. */
  async function compare(a: vscode.Uri, b: vscode.Uri, how: { convention: Convention; dataset?: string }): Promise<void> {
    const task = taskOfFile(a.fsPath);
    const ra = await score(a, how, task);
    const rb = ra && (await score(b, how, task));
    if (!ra || !rb) return;
    say(ra);
    say(rb);
    await vscode.commands.executeCommand('vlmLens.showRun', rb.id, ra.id);
  }
}
