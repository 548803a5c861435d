import * as vscode from 'vscode';
import { isAbsolute, join, relative } from 'node:path';
import { userFormatsFor, type UserFormat } from '../core/formats/userFormats';

/** The viewer's settings, read when used (so changes apply without a reload). */
export class ViewerConfig {
  private get cfg(): vscode.WorkspaceConfiguration {
    return vscode.workspace.getConfiguration('vlmLens');
  }

  /** Records larger than this are shown as "too large to render" with a preview. */
  maxRecordBytes(): number {
    const mb = this.cfg.get<number>('viewer.maxRecordSizeMB', 16);
    return Math.max(1, mb) * 1024 * 1024;
  }

  /** Cap on the matches a search lists (the total is always counted). */
  maxSearchResults(): number {
    return Math.max(100, this.cfg.get<number>('search.maxResults', 10_000));
  }

  /**
   * `vlmLens.imageRoots` as absolute folders: relative entries are taken relative to the
   * workspace folder of the dataset (or every workspace folder when it is outside them).
   */
  imageRoots(datasetUri: vscode.Uri): string[] {
    const roots = vscode.workspace.getConfiguration('vlmLens', datasetUri).get<string[]>('imageRoots', []);
    const folder = vscode.workspace.getWorkspaceFolder(datasetUri);
    const bases = folder ? [folder.uri.fsPath] : (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath);
    const out: string[] = [];
    for (const r of roots) {
      if (typeof r !== 'string' || r.trim() === '') continue;
      const expanded = r.replace(/^\$\{workspaceFolder\}/, bases[0] ?? '');
      if (isAbsolute(expanded)) out.push(expanded);
      else for (const b of bases) out.push(join(b, expanded));
    }
    return out;
  }

  /** `vlmLens.formats` descriptors that apply to this file, and the entries that were skipped (with why). */
  formats(datasetUri: vscode.Uri): { formats: UserFormat[]; problems: string[] } {
    const { specs, relPath } = this.formatSpecs(datasetUri);
    return userFormatsFor(specs, relPath);
  }

  /** The `vlmLens.formats` entries as written, and the path their globs are matched against. */
  formatSpecs(datasetUri: vscode.Uri): { specs: unknown[]; relPath: string } {
    const specs = vscode.workspace.getConfiguration('vlmLens', datasetUri).get<unknown[]>('formats', []);
    const folder = vscode.workspace.getWorkspaceFolder(datasetUri);
    const relPath = folder ? relative(folder.uri.fsPath, datasetUri.fsPath).split('\\').join('/') : datasetUri.fsPath.split(/[\\/]/).pop() ?? '';
    return { specs: Array.isArray(specs) ? specs.filter((x) => typeof x === 'object' && x !== null) : [], relPath };
  }
}
