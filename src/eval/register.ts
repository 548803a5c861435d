import * as vscode from 'vscode';
import { readdir } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { isCheckpointFolder, orderCheckpoints, runLabel, runTime, usedVariables, type EvalProfile, type RunRecord } from '../core/eval/runs';
import { EvalService, type RunInputs } from './evalService';
import { readProfiles, setUpProfile } from './profiles';
import { runStoreForWorkspace, type RunStore } from './runStore';
import { RunsTreeProvider } from './runsTree';

export interface EvalWiring {
  disposable: vscode.Disposable;
  service?: EvalService;
  store?: RunStore;
}

type RunArg = string | { kind: 'run'; stored: { run: RunRecord } } | undefined;

/**
 * Scripts are code: they run only in a trusted workspace; and run records come from the
 * repository, so deleting them waits for trust too. Says why otherwise.
 */
async function requireTrust(what: 'run' | 'delete' = 'run'): Promise<boolean> {
  if (vscode.workspace.isTrusted) return true;
  const manage = vscode.l10n.t('Manage Workspace Trust');
  const pick = await vscode.window.showErrorMessage(
    what === 'run'
      ? vscode.l10n.t('VLM Lens runs eval scripts only in a trusted workspace: the profile runs a program on your machine, and this folder is open in Restricted Mode.')
      : vscode.l10n.t('VLM Lens changes run history only in a trusted workspace: this folder is open in Restricted Mode, and its .vlm-lens folder came with it.'),
    manage,
  );
  if (pick === manage) await vscode.commands.executeCommand('workbench.trust.manage');
  return false;
}

async function pickProfile(): Promise<EvalProfile | undefined> {
  const { profiles, problems } = readProfiles();
  if (problems.length) void vscode.window.showWarningMessage(vscode.l10n.t('Some eval profiles in vlmLens.evalProfiles are ignored: {0}', problems.join('; ')));
  if (profiles.length === 0) {
    const setUp = vscode.l10n.t('Set Up a Profile');
    const pick = await vscode.window.showInformationMessage(vscode.l10n.t('No eval profile yet. A profile says how to run your eval script on a checkpoint.'), setUp);
    return pick === setUp ? setUpProfile() : undefined;
  }
  if (profiles.length === 1) return profiles[0];
  const pick = await vscode.window.showQuickPick(
    profiles.map((p) => ({ label: p.name, description: p.command.join(' '), profile: p })),
    { title: vscode.l10n.t('Eval profile'), placeHolder: vscode.l10n.t('Which evaluation to run') },
  );
  return pick?.profile;
}

/** Asks for what the profile needs and does not fix: eval input, image folder, tasks. */
async function pickInputs(profile: EvalProfile, state: vscode.Memento): Promise<RunInputs | undefined> {
  const used = usedVariables(profile);
  let dataset = profile.dataset;
  if (!dataset && used.has('dataset')) {
    const last = state.get<string>(`vlmLens.eval.dataset.${profile.name}`);
    const uri = await vscode.window.showOpenDialog({ title: vscode.l10n.t('Eval input file for “{0}”', profile.name), canSelectMany: false, filters: { JSON: ['json', 'jsonl'] }, defaultUri: last ? vscode.Uri.file(last) : undefined });
    if (!uri?.[0]) return undefined;
    dataset = uri[0].fsPath;
    await state.update(`vlmLens.eval.dataset.${profile.name}`, dataset);
  }
  let imageDir = profile.imageDir;
  if (imageDir === undefined && used.has('imageDir')) {
    const uri = await vscode.window.showOpenDialog({ title: vscode.l10n.t('Image folder for “{0}”', profile.name), canSelectFiles: false, canSelectFolders: true, canSelectMany: false });
    if (!uri?.[0]) return undefined;
    imageDir = uri[0].fsPath;
  }
  let tasks: Array<string | undefined> = profile.tasks?.length ? profile.tasks : [undefined];
  if (profile.tasks && profile.tasks.length > 1) {
    const picked = await vscode.window.showQuickPick(
      profile.tasks.map((t) => ({ label: t, picked: true })),
      { title: vscode.l10n.t('Tasks to evaluate (one run each)'), canPickMany: true },
    );
    if (!picked || picked.length === 0) return undefined;
    tasks = picked.map((p) => p.label);
  }
  return { dataset, imageDir, questionType: profile.questionType, tasks };
}

async function subfolders(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name);
  } catch {
    return [];
  }
}

async function isCheckpoint(dir: string): Promise<boolean> {
  try {
    return isCheckpointFolder(basename(dir), await readdir(dir));
  } catch {
    return false;
  }
}

/**
 * Keeps the context keys that put "Evaluate checkpoint" first for checkpoint folders and
 * offer "Evaluate all checkpoints" on their parents (folders named checkpoint-N are matched
 * in the menu's when clause; these find the others by their files).
 */
class CheckpointContext implements vscode.Disposable {
  private readonly subs: vscode.Disposable[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor() {
    const w = vscode.workspace.createFileSystemWatcher('**/{config.json,adapter_config.json,trainer_state.json}');
    this.subs.push(w, w.onDidCreate(() => this.schedule()), w.onDidDelete(() => this.schedule()));
    this.schedule();
  }

  private schedule(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.update(), 500);
  }

  private async update(): Promise<void> {
    const found = await vscode.workspace.findFiles('**/{config.json,adapter_config.json,trainer_state.json}', '{**/node_modules/**,**/.git/**,**/.vlm-lens/**}', 5000);
    const candidates = [...new Set(found.map((u) => dirname(u.fsPath)))];
    const checkpoints: string[] = [];
    for (const dir of candidates) if (await isCheckpoint(dir)) checkpoints.push(dir);
    const parents = new Map<string, number>();
    for (const c of checkpoints) parents.set(dirname(c), (parents.get(dirname(c)) ?? 0) + 1);
    // parents of folders named checkpoint-N (no marker files needed)
    for (const dir of new Set(checkpoints.map(dirname))) {
      const named = (await subfolders(dir)).filter((n) => /^(?:checkpoint|ckpt|global_step)[-_]?\d+/i.test(n));
      parents.set(dir, Math.max(parents.get(dir) ?? 0, named.length));
    }
    await vscode.commands.executeCommand('setContext', 'vlmLens.checkpointFolders', checkpoints);
    await vscode.commands.executeCommand('setContext', 'vlmLens.checkpointParents', [...parents.entries()].filter(([, n]) => n >= 2).map(([d]) => d));
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    for (const s of this.subs) s.dispose();
  }
}

export function registerEval(context: vscode.ExtensionContext): EvalWiring {
  const store = runStoreForWorkspace();
  const subs: vscode.Disposable[] = [];
  const service = store ? new EvalService(store) : undefined;
  const tree = store && service ? new RunsTreeProvider(store, service) : undefined;
  if (store && service && tree) subs.push(store, service, tree, vscode.window.registerTreeDataProvider('vlmLens.runs', tree));
  const recover = () => void service?.recoverInterrupted().catch((e: unknown) => console.error('VLM Lens: could not check for interrupted runs', e));
  recover();
  // in Restricted Mode the history is only read; interrupted runs are ended once it is trusted
  subs.push(vscode.workspace.onDidGrantWorkspaceTrust(recover));
  subs.push(new CheckpointContext());
  if (store) {
    // runs written by `vlm-lens eval` (a terminal, a cluster job) or another window appear without a manual refresh
    const w = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(store.root, '*/run.json'));
    let timer: NodeJS.Timeout | undefined;
    const again = () => {
      if (timer) clearTimeout(timer);
      timer = setTimeout(() => store.refresh(), 300);
    };
    // this window's own saves have refreshed already: only another writer's change is read again
    const changed = (uri: vscode.Uri) => {
      if (!store.wroteRecently(basename(dirname(uri.fsPath)))) again();
    };
    subs.push(w, w.onDidCreate(changed), w.onDidChange(changed), w.onDidDelete(again), { dispose: () => timer && clearTimeout(timer) });
  }

  const noWorkspace = () => void vscode.window.showErrorMessage(vscode.l10n.t('Open a folder first: eval runs are saved in the workspace (.vlm-lens/runs).'));
  const runOf = async (arg: RunArg): Promise<RunRecord | undefined> => {
    if (!store) return undefined;
    if (arg && typeof arg === 'object') return arg.stored.run;
    const { runs } = await store.list();
    if (typeof arg === 'string') return runs.find((r) => r.run.id === arg)?.run ?? service?.runs().find((r) => r.id === arg);
    const pick = await vscode.window.showQuickPick(runs.map((r) => ({ label: runLabel(r.run), description: `${r.run.status} · ${runTime(r.run)}`, run: r.run })), { title: vscode.l10n.t('Eval run') });
    return pick?.run;
  };

  const evaluate = async (uri: vscode.Uri | undefined, all: boolean) => {
    if (!service) return noWorkspace();
    if (!(await requireTrust())) return;
    let folder = uri;
    if (!folder) {
      const pick = await vscode.window.showOpenDialog({ title: all ? vscode.l10n.t('Folder with checkpoints') : vscode.l10n.t('Checkpoint folder'), canSelectFiles: false, canSelectFolders: true, canSelectMany: false, defaultUri: vscode.workspace.workspaceFolders?.[0]?.uri });
      folder = pick?.[0];
    }
    if (!folder) return;
    // a weights file inside a checkpoint folder (a shard of it) stands for the folder; a lone one (Lightning's .ckpt) is the checkpoint
    if (!all && /\.(?:ckpt|safetensors|pt|pth)$/i.test(folder.fsPath) && (await isCheckpoint(dirname(folder.fsPath)))) folder = vscode.Uri.file(dirname(folder.fsPath));
    let checkpoints = [folder.fsPath];
    if (all) {
      const names = orderCheckpoints(await subfolders(folder.fsPath));
      checkpoints = [];
      for (const n of names) if (await isCheckpoint(join(folder.fsPath, n))) checkpoints.push(join(folder.fsPath, n));
      if (checkpoints.length === 0) {
        void vscode.window.showWarningMessage(vscode.l10n.t('No checkpoint folders in {0} (a checkpoint has config.json with weights, adapter_config.json, or a name like checkpoint-3000).', folder.fsPath));
        return;
      }
    }
    const profile = await pickProfile();
    if (!profile) return;
    const inputs = await pickInputs(profile, context.workspaceState);
    if (!inputs) return;
    await service.enqueue(profile, checkpoints, inputs);
  };

  subs.push(
    vscode.commands.registerCommand('vlmLens.evaluateCheckpoint', (uri?: vscode.Uri) => evaluate(uri, false)),
    vscode.commands.registerCommand('vlmLens.evaluateAllCheckpoints', (uri?: vscode.Uri) => evaluate(uri, true)),
    vscode.commands.registerCommand('vlmLens.setUpEvalProfile', () => setUpProfile()),
    vscode.commands.registerCommand('vlmLens.showRunQueue', async () => {
      if (!service) return noWorkspace();
      const runs = service.runs();
      if (runs.length === 0) {
        void vscode.window.showInformationMessage(vscode.l10n.t('No eval runs are running or queued.'));
        return;
      }
      const pick = await vscode.window.showQuickPick(
        runs.map((r) => ({ label: `$(${r.status === 'running' ? 'loading~spin' : 'clock'}) ${runLabel(r)}`, description: r.status === 'running' ? vscode.l10n.t('running') : vscode.l10n.t('queued'), run: r })),
        { title: vscode.l10n.t('Eval queue: pick a run to cancel it') },
      );
      if (pick) await service.cancel(pick.run.id);
    }),
    vscode.commands.registerCommand('vlmLens.cancelRun', async (arg?: RunArg) => {
      const run = await runOf(arg);
      if (run && service) await service.cancel(run.id);
    }),
    vscode.commands.registerCommand('vlmLens.openRunLog', async (arg?: RunArg) => {
      const run = await runOf(arg);
      if (!run || !store) return;
      const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(store.fileOf(run, run.log)));
      await vscode.languages.setTextDocumentLanguage(doc, 'vlm-eval-log');
      await vscode.window.showTextDocument(doc, { preview: true });
    }),
    vscode.commands.registerCommand('vlmLens.showRunRecord', async (arg?: RunArg) => {
      const run = await runOf(arg);
      if (!run || !store) return;
      await vscode.window.showTextDocument(vscode.Uri.file(store.fileOf(run, 'run.json')), { preview: true });
    }),
    vscode.commands.registerCommand('vlmLens.rerun', async (arg?: RunArg) => {
      const run = await runOf(arg);
      if (!run || !service) return;
      if (!(await requireTrust())) return;
      const profile = readProfiles().profiles.find((p) => p.name === run.profile);
      if (!profile) {
        void vscode.window.showErrorMessage(vscode.l10n.t('The profile “{0}” is no longer in vlmLens.evalProfiles.', run.profile));
        return;
      }
      await service.enqueue(profile, [run.checkpoint], { dataset: run.dataset, imageDir: profile.imageDir, questionType: profile.questionType, tasks: [run.task] });
    }),
    vscode.commands.registerCommand('vlmLens.deleteRun', async (arg?: RunArg) => {
      const run = await runOf(arg);
      if (!run || !store || !service) return;
      if (!(await requireTrust('delete'))) return;
      if (service.isActive(run.id)) await service.cancel(run.id);
      const del = vscode.l10n.t('Delete');
      const ok = await vscode.window.showWarningMessage(vscode.l10n.t('Delete the run {0} ({1}) and its log?', runLabel(run), run.id), { modal: true }, del);
      if (ok === del) await store.delete(run.id);
    }),
    vscode.commands.registerCommand('vlmLens.refreshRuns', () => store?.refresh()),
  );
  return { disposable: vscode.Disposable.from(...subs), service, store };
}
