import * as vscode from 'vscode';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { PROFILE_TEMPLATES, checkProfile, choosePython, type EvalProfile } from '../core/eval/runs';

/** The valid profiles in `vlmLens.evalProfiles`, and what is wrong with the others. */
export function readProfiles(): { profiles: EvalProfile[]; problems: string[] } {
  const raw = vscode.workspace.getConfiguration('vlmLens').get<unknown[]>('evalProfiles', []);
  const profiles: EvalProfile[] = [];
  const problems: string[] = [];
  for (const p of Array.isArray(raw) ? raw : []) {
    const r = checkProfile(p);
    if ('profile' in r) profiles.push(r.profile);
    else problems.push(r.error);
  }
  return { profiles, problems };
}

const TEMPLATE_LABELS: Record<string, () => { label: string; detail: string }> = {
  robointer: () => ({ label: vscode.l10n.t('RoboInter evaluation_intermediate.py'), detail: vscode.l10n.t('Writes eval_details_<task>.json; VLM Lens computes IoU / DTW from it') }),
  'lmms-eval': () => ({ label: 'lmms-eval', detail: vscode.l10n.t('python -m lmms_eval …; metrics read from *_results.json') }),
  generic: () => ({ label: vscode.l10n.t('Any script that prints metrics'), detail: vscode.l10n.t('Lines like "accuracy: 0.81" or "iou=0.52" become metrics') }),
};

/**
 * Guided setup: a template, the script, the eval input; written to the workspace settings
 * as a profile the user can then edit. Returns the new profile, or undefined if dismissed.
 */
export async function setUpProfile(): Promise<EvalProfile | undefined> {
  const pick = await vscode.window.showQuickPick(
    PROFILE_TEMPLATES.map((t) => ({ ...TEMPLATE_LABELS[t.id](), id: t.id })),
    { title: vscode.l10n.t('New eval profile (1/3): what runs the evaluation?'), ignoreFocusOut: true },
  );
  if (!pick) return undefined;
  const template = PROFILE_TEMPLATES.find((t) => t.id === pick.id);
  if (!template) return undefined;
  const profile: EvalProfile = structuredClone(template.profile);
  // the templates say `python`; stock Debian only has python3
  if (profile.command[0] === 'python') profile.command[0] = choosePython((process.env.PATH ?? '').split(delimiter), isExecutable);
  if (profile.command.includes('${script}')) {
    const script = await vscode.window.showOpenDialog({
      title: vscode.l10n.t('New eval profile (2/3): the eval script'),
      canSelectMany: false,
      filters: { Python: ['py'], [vscode.l10n.t('All files')]: ['*'] },
      defaultUri: vscode.workspace.workspaceFolders?.[0]?.uri,
    });
    if (!script?.[0]) return undefined;
    profile.command = profile.command.map((a) => (a === '${script}' ? script[0].fsPath : a));
  }
  if (profile.command.some((a) => a.includes('${dataset}'))) {
    const data = await vscode.window.showOpenDialog({
      title: vscode.l10n.t('New eval profile (3/3): the eval input file'),
      canSelectMany: false,
      filters: { JSON: ['json', 'jsonl'] },
      defaultUri: vscode.workspace.workspaceFolders?.[0]?.uri,
    });
    if (!data?.[0]) return undefined;
    profile.dataset = data[0].fsPath;
  }
  const name = await vscode.window.showInputBox({ title: vscode.l10n.t('Profile name'), value: profile.name, ignoreFocusOut: true });
  if (!name) return undefined;
  profile.name = name;
  const config = vscode.workspace.getConfiguration('vlmLens');
  const existing = config.get<unknown[]>('evalProfiles', []);
  await config.update('evalProfiles', [...existing, profile], vscode.ConfigurationTarget.Workspace);
  void vscode.window.showInformationMessage(vscode.l10n.t('Profile “{0}” saved in the workspace settings (vlmLens.evalProfiles); edit it there to change arguments, tasks or the coordinate convention.', name));
  return profile;
}

function isExecutable(dir: string, name: string): boolean {
  try {
    accessSync(join(dir, name), constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
