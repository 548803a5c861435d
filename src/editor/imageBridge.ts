import * as vscode from 'vscode';
import { FileExistsCache } from '../util/existsCache';
import { dirname } from 'node:path';
import { resolveImage, type ResolveContext } from '../core/images/resolveImage';
import { ImageService, type ImageInput } from '../imaging/imageService';
import { type ImageView } from '../protocol/datasetViewer';
import { type DatasetDocument } from './datasetDocument';
import { type LoadedRecord } from '../core/dataset/loadRecords';
import { type Size } from '../core/geometry/types';
import { type ViewerConfig } from './viewerConfig';

/**
 * Turns a record's image reference into something a webview can show: resolves it like
 * the rest of VLM Lens (dataset folder, image roots, meta root), renders a cached WebP
 * through sharp, and hands back a webview URI. The webview only ever names a record and
 * an image number, never a path.
 */
export class ImageBridge {
  readonly service: ImageService;
  private readonly exists = new FileExistsCache(5000, 20_000);

  constructor(
    readonly cacheDir: vscode.Uri,
    private readonly config: ViewerConfig,
  ) {
    this.service = new ImageService(cacheDir.fsPath, 3);
  }

  context(doc: DatasetDocument, metaRoot?: string): ResolveContext {
    // a Parquet dataset's images were written beside its conversion
    return { datasetDir: dirname(doc.uri.fsPath), imageRoots: this.config.imageRoots(doc.uri), metaRoot, converted: doc.parquet?.dir };
  }

  /** Existence checks, remembered for a few seconds (a page of rows asks for the same folders). */
  private fileExists(p: string): Promise<boolean> {
    return this.exists.isFile(p);
  }

  /** The displayed size of a record's first image (cached by the image service), if it can be read. */
  async firstImageSize(doc: DatasetDocument, rec: LoadedRecord): Promise<Size | undefined> {
    const ref = rec.record?.images[0]?.ref;
    if (!ref) return undefined;
    const resolved = await resolveImage(ref, this.context(doc), (p) => this.fileExists(p));
    if (resolved.kind !== 'file' && resolved.kind !== 'data') return undefined;
    const info = await this.service.info(resolved.kind === 'file' ? { kind: 'file', path: resolved.path } : { kind: 'data', uri: ref });
    return { width: info.width, height: info.height };
  }

  async view(webview: vscode.Webview, doc: DatasetDocument, recordIndex: number, imageIndex: number, maxSize: number, signal: AbortSignal): Promise<ImageView> {
    const rec = await doc.record(recordIndex);
    const ref = rec?.record?.images[imageIndex];
    if (!ref) return { ref: '', status: 'invalid', message: `record ${recordIndex + 1} has no image ${imageIndex + 1}` };
    const resolved = await resolveImage(ref.ref, this.context(doc), (p) => this.fileExists(p));
    switch (resolved.kind) {
      case 'missing':
        return { ref: ref.ref, status: 'missing', tried: resolved.tried };
      case 'lmdb':
        return { ref: ref.ref, status: 'lmdb', message: `${resolved.episode} #${resolved.frame}` };
      case 'url':
        return { ref: ref.ref, status: 'url' };
      case 'invalid':
        return { ref: ref.ref, status: 'invalid', message: resolved.reason };
      case 'data':
      case 'file': {
        const input: ImageInput = resolved.kind === 'file' ? { kind: 'file', path: resolved.path } : { kind: 'data', uri: ref.ref };
        try {
          const r = await this.service.render(input, Math.min(4096, Math.max(32, Math.round(maxSize))), { signal, priority: maxSize > 256 ? 1 : 0 });
          return {
            ref: ref.ref,
            status: 'ok',
            uri: webview.asWebviewUri(vscode.Uri.file(r.file)).toString(),
            width: r.width,
            height: r.height,
            sourceWidth: r.source.width,
            sourceHeight: r.source.height,
          };
        } catch (e) {
          if (signal.aborted) throw e;
          return { ref: ref.ref, status: 'unreadable', message: e instanceof Error ? e.message : String(e), tried: resolved.kind === 'file' ? [resolved.path] : undefined };
        }
      }
    }
  }
}
