import * as vscode from 'vscode';
import { createHash } from 'node:crypto';
import { mkdir, stat, symlink, unlink, readlink } from 'node:fs/promises';
import { extname, join, dirname } from 'node:path';
import { isInside } from '../core/util/paths';
import { resolveImage } from '../core/images/resolveImage';
import { type VideoView } from '../protocol/datasetViewer';
import { type DatasetDocument } from './datasetDocument';
import { type ImageBridge } from './imageBridge';

const MIME: Record<string, string> = {
  '.mp4': 'video/mp4',
  '.m4v': 'video/mp4',
  '.webm': 'video/webm',
  '.mkv': 'video/x-matroska',
  '.mov': 'video/quicktime',
  '.avi': 'video/x-msvideo',
};

/**
 * A record's video for the webview's `<video>` element: resolved like images (dataset
 * folder, image roots), and served only when it lies inside the dataset's workspace folder
 * or its own folder: a link to it in the extension's cache folder (a webview resource root)
 * is handed over, never the file's path. The webview names a record and a video number only.
 */
export class VideoBridge {
  constructor(
    private readonly cacheDir: vscode.Uri,
    private readonly images: ImageBridge,
  ) {}

  async view(webview: vscode.Webview, doc: DatasetDocument, recordIndex: number, videoIndex: number): Promise<VideoView> {
    const rec = await doc.record(recordIndex);
    const ref = rec?.record?.videos[videoIndex];
    if (!ref) return { ref: '', status: 'invalid', message: `record ${recordIndex + 1} has no video ${videoIndex + 1}` };
    const resolved = await resolveImage(ref.ref, this.images.context(doc), async (p) => (await stat(p).catch(() => undefined))?.isFile() ?? false);
    switch (resolved.kind) {
      case 'missing':
        return { ref: ref.ref, status: 'missing', tried: resolved.tried };
      case 'url':
        return { ref: ref.ref, status: 'url' };
      case 'file':
        break;
      default:
        return { ref: ref.ref, status: 'invalid', message: resolved.kind === 'invalid' ? resolved.reason : `not a video file (${resolved.kind})` };
    }
    const folder = vscode.workspace.getWorkspaceFolder(doc.uri)?.uri.fsPath ?? dirname(doc.uri.fsPath);
    if (!isInside(folder, resolved.path)) return { ref: ref.ref, status: 'outside', message: resolved.path };
    const served = await serveVideo(webview, this.cacheDir, resolved.path);
    return { ref: ref.ref, status: 'ok', ...served };
  }
}

/**
 * A video file for a webview's `<video>`: a link to it in `cacheDir/videos` (a webview
 * resource root) is handed over, never the file's own path, so the page can reach that one
 * file and nothing beside it. The caller has checked that the file may be shown.
 */
export async function serveVideo(webview: vscode.Webview, cacheDir: vscode.Uri, path: string): Promise<{ uri: string; mime: string; bytes: number }> {
  const st = await stat(path);
  const ext = extname(path).toLowerCase();
  const name = `${createHash('sha1').update(`${path}\0${st.size}\0${st.mtimeMs}`).digest('hex').slice(0, 24)}${ext}`;
  const dir = join(cacheDir.fsPath, 'videos');
  const link = join(dir, name);
  await mkdir(dir, { recursive: true });
  const current = await readlink(link).catch(() => undefined);
  if (current !== path) {
    if (current !== undefined) await unlink(link).catch(() => undefined);
    await symlink(path, link);
  }
  return { uri: webview.asWebviewUri(vscode.Uri.file(link)).toString(), mime: MIME[ext] ?? 'video/*', bytes: st.size };
}
