import * as vscode from 'vscode';
import { findNodeAtOffset, parseTree } from 'jsonc-parser';
import { shapesAt } from '../core/geometry/shapesAt';
import { normalizeRecord } from '../core/records/normalize';
import { extractGeometry } from '../core/geometry/extract';
import { recordOverlays } from '../core/geometry/overlays';
import { shapesSvg } from '../core/geometry/svg';
import { resolveImage } from '../core/images/resolveImage';
import { type ImageService } from '../imaging/imageService';
import { type DiagnosticsService } from './diagnosticsService';
import { DATASET_SELECTOR, type FileContext } from './textValidation';
import { stat } from 'node:fs/promises';
import { realFile } from './textTwinFs';

const PREVIEW_PX = 360;


/**
 * Hover on a box, point or trajectory in the text editor: the record's image with that
 * geometry drawn on it (a PNG rendered with sharp), the convention used and the pixels.
 */
export class GeometryHoverProvider implements vscode.HoverProvider {
  static register(service: DiagnosticsService, files: FileContext, images: ImageService, boxesAreXywh: (uri: vscode.Uri) => boolean): vscode.Disposable {
    return vscode.languages.registerHoverProvider(DATASET_SELECTOR, new GeometryHoverProvider(service, files, images, boxesAreXywh));
  }

  constructor(
    private readonly service: DiagnosticsService,
    private readonly files: FileContext,
    private readonly images: ImageService,
    private readonly boxesAreXywh: (uri: vscode.Uri) => boolean,
  ) {}

  async provideHover(doc: vscode.TextDocument, pos: vscode.Position, token: vscode.CancellationToken): Promise<vscode.Hover | undefined> {
    const rec = this.service.textValidation(doc.uri)?.recordAt(pos);
    if (!rec) return undefined;
    const offset = doc.offsetAt(pos) - rec.start;
    const tree = parseTree(rec.text);
    const node = tree ? findNodeAtOffset(tree, offset, true) : undefined;
    if (!node) return undefined;
    let value: unknown;
    try {
      value = JSON.parse(rec.text);
    } catch {
      return undefined;
    }
    const file = realFile(doc.uri);
    const nrec = normalizeRecord(value);
    const g = extractGeometry(nrec, value, { boxesAreXywh: this.boxesAreXywh(file) });
    const shapes = shapesAt(nrec, g.shapes, rec.text, node, offset);
    if (shapes.length === 0) return undefined;

    const settings = this.files.overlay(file);
    const md = new vscode.MarkdownString();
    md.supportHtml = false;
    const ref = nrec.images[0]?.ref;
    const resolved = ref ? await resolveImage(ref, this.files.resolveContext(file), (p) => stat(p).then((st) => st.isFile(), () => false)) : undefined;
    if (token.isCancellationRequested) return undefined;
    let size = nrec.declaredSize;
    let picture: string | undefined;
    let note: string | undefined;
    if (resolved && (resolved.kind === 'file' || resolved.kind === 'data')) {
      try {
        const input = resolved.kind === 'file' ? { kind: 'file' as const, path: resolved.path } : { kind: 'data' as const, uri: ref ?? '' };
        const info = await this.images.info(input);
        size = { width: info.width, height: info.height };
        const overlays = recordOverlays(nrec, { shapes, ego: [] }, size, settings);
        const p = await this.images.preview(input, PREVIEW_PX, (s, scale) => shapesSvg(overlays.shapes, s, scale));
        picture = `![${vscode.l10n.t('image with the geometry drawn on it')}](data:image/png;base64,${p.png.toString('base64')})`;
      } catch (e) {
        note = vscode.l10n.t('The image cannot be read: {0}', e instanceof Error ? e.message : String(e));
      }
    } else if (resolved?.kind === 'missing') note = vscode.l10n.t('Image not found: {0} (looked in: {1})', ref ?? '', resolved.tried.join(', '));
    else if (!ref) note = vscode.l10n.t('This record has no image.');
    else note = vscode.l10n.t('The image {0} is not a local file.', ref);

    const o = recordOverlays(nrec, { shapes, ego: [] }, size, settings);
    if (picture) md.appendMarkdown(picture + '\n\n');
    // each shape is read in its own convention when its format implies one (InternVL tags: norm1000)
    const used = [...new Set(o.shapes.map((s) => s.convention))];
    const byFormat = o.shapes.length > 0 && o.shapes.every((s) => s.conventionSource === 'format');
    const reason = byFormat ? vscode.l10n.t('set by the format') : o.choice.reason;
    md.appendMarkdown(`**${vscode.l10n.t('Coordinates: {0}', used.length > 0 ? used.join(', ') : o.choice.convention)}** — ${escapeMd(reason)}\n\n`);
    for (const s of o.shapes) {
      md.appendMarkdown(`- ${escapeMd(`${s.role} ${s.kind}${s.label ? ` “${s.label}”` : ''}`)}: \`${JSON.stringify(roundDeep(s.pixels))}\` px${s.flags.length ? ` ⚠ ${escapeMd(s.flags.join('; '))}` : ''}\n`);
    }
    if (o.noImage) md.appendMarkdown(`\n${escapeMd(vscode.l10n.t('No image size is known for this record: the geometry is not converted to pixels.'))}\n`);
    if (note) md.appendMarkdown(`\n${escapeMd(note)}\n`);
    const range = new vscode.Range(doc.positionAt(rec.start + node.offset), doc.positionAt(rec.start + node.offset + node.length));
    return new vscode.Hover(md, range);
  }
}

function roundDeep(v: number[] | number[][]): unknown {
  return (v as Array<number | number[]>).map((x) => (Array.isArray(x) ? x.map((y) => Math.round(y)) : Math.round(x)));
}

/** Dataset text is untrusted: shown as text, never as markdown or HTML. */
function escapeMd(s: string): string {
  return s.replace(/[\\`*_{}[\]()#+\-.!|<>~]/g, (c) => `\\${c}`);
}
