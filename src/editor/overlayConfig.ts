import * as vscode from 'vscode';
import picomatch from 'picomatch';
import { QWEN_MAX_PIXELS, QWEN_MIN_PIXELS } from '../core/geometry/conventions';
import { CONVENTIONS, type Convention } from '../core/geometry/types';
import { evalInputSizes } from '../core/eval/runStore';
import type { EvalInputFacts } from '../core/eval/predictionMetrics';

const OVERRIDE_KEY = 'vlmLens.conventionOverrides';

/**
 * Overlay settings: the convention the user picked for a file in the viewer (remembered per
 * file in workspace state), `vlmLens.coordinateConvention` (glob → convention),
 * the Qwen2.5-VL processor's min/max pixels, and whether structured `bbox` fields are COCO
 * x, y, width, height.
 */
export class OverlayConfig {
  private readonly _onDidChange = new vscode.EventEmitter<vscode.Uri | undefined>();
  /** fires with the file whose override changed, or undefined when settings changed */
  readonly onDidChange = this._onDidChange.event;

  /** prediction files of eval runs: the convention their newest run scored them in, and its eval input */
  private runs = new Map<string, { convention: Convention; run: string; dataset?: string }>();
  /** eval inputs' image sizes by record id, read once each */
  private readonly inputs = new Map<string, Promise<Map<string, EvalInputFacts> | undefined>>();

  constructor(private readonly state: vscode.Memento) {}

  /** The conventions runs scored their prediction files in (path → convention and run); the files whose entry changed are redrawn. */
  setRunConventions(next: Map<string, { convention: Convention; run: string; dataset?: string }>): void {
    const changed = new Set<string>();
    for (const [k, v] of next) if (this.runs.get(k)?.convention !== v.convention) changed.add(k);
    for (const k of this.runs.keys()) if (!next.has(k)) changed.add(k);
    this.runs = next;
    for (const k of changed) this._onDidChange.fire(vscode.Uri.file(k));
  }

  /**
   * The image sizes of this file's records from the eval input of the run that scored it
   * (joined by id, as scoring does): a RoboInter prediction file has no w/h/new_w/new_h of
   * its own, and its boxes are in the resized frame.
   */
  runInputSizes(uri: vscode.Uri): Promise<Map<string, EvalInputFacts> | undefined> {
    const dataset = uri.scheme === 'file' ? this.runs.get(uri.fsPath)?.dataset : undefined;
    if (!dataset) return Promise.resolve(undefined);
    let p = this.inputs.get(dataset);
    if (!p) {
      p = evalInputSizes(dataset).then((r) => r.facts);
      this.inputs.set(dataset, p);
    }
    return p;
  }

  /** The convention of the eval run that scored this file, with the run named. */
  fromRun(uri: vscode.Uri): { convention: Convention; reason: string } | undefined {
    const r = uri.scheme === 'file' ? this.runs.get(uri.fsPath) : undefined;
    return r ? { convention: r.convention, reason: r.run } : undefined;
  }

  register(): vscode.Disposable {
    return vscode.Disposable.from(
      this._onDidChange,
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (['vlmLens.coordinateConvention', 'vlmLens.qwen', 'vlmLens.boxFormat'].some((k) => e.affectsConfiguration(k))) this._onDidChange.fire(undefined);
      }),
    );
  }

  override(uri: vscode.Uri): Convention | undefined {
    const v = this.state.get<Record<string, string>>(OVERRIDE_KEY, {})[uri.toString()];
    return CONVENTIONS.find((c) => c === v);
  }

  async setOverride(uri: vscode.Uri, convention: Convention | undefined): Promise<void> {
    const all = { ...this.state.get<Record<string, string>>(OVERRIDE_KEY, {}) };
    if (convention) all[uri.toString()] = convention;
    else delete all[uri.toString()];
    await this.state.update(OVERRIDE_KEY, all);
    this._onDidChange.fire(uri);
  }

  /** The first `vlmLens.coordinateConvention` glob matching the file (workspace-relative or absolute path). */
  setting(uri: vscode.Uri): Convention | undefined {
    const map = vscode.workspace.getConfiguration('vlmLens', uri).get<Record<string, string>>('coordinateConvention', {});
    const rel = vscode.workspace.asRelativePath(uri, false);
    for (const [glob, conv] of Object.entries(map)) {
      const c = CONVENTIONS.find((x) => x === conv);
      if (!c) continue;
      const isMatch = picomatch(glob, { dot: true });
      if (isMatch(rel) || isMatch(uri.fsPath) || (!glob.includes('/') && isMatch(uri.path.split('/').pop() ?? ''))) return c;
    }
    return undefined;
  }

  qwenPixels(): { min: number; max: number } {
    const cfg = vscode.workspace.getConfiguration('vlmLens.qwen');
    return { min: cfg.get<number>('minPixels', QWEN_MIN_PIXELS), max: cfg.get<number>('maxPixels', QWEN_MAX_PIXELS) };
  }

  boxesAreXywh(uri: vscode.Uri): boolean {
    return vscode.workspace.getConfiguration('vlmLens', uri).get<string>('boxFormat', 'xyxy') === 'xywh';
  }
}
