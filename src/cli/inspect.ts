import { dirname, resolve } from 'node:path';
import { stat } from 'node:fs/promises';
import { NodeFile } from '../core/io/randomAccessFile';
import { RecordIndex } from '../core/index/recordIndex';
import { loadRecords } from '../core/dataset/loadRecords';
import { resolveImage, type ResolvedImage } from '../core/images/resolveImage';
import { FORMAT_LABELS, type NormalizedRecord } from '../core/records/model';
import { readImageInfo } from '../imaging/imageService';
import { EXIT_FINDINGS, EXIT_OK, UsageError, type CliCommand } from './main';

export interface InspectedImage {
  ref: string;
  status: ResolvedImage['kind'];
  path?: string;
  exists: boolean;
  width?: number;
  height?: number;
  format?: string;
  tried?: string[];
  error?: string;
}

export const inspectCommand: CliCommand = {
  name: 'inspect',
  summary: 'show the detected format and a normalized record, with its images',
  usage: `Usage: vlm-lens inspect <file> [--index N] [--json] [--image-root DIR]...

Prints the detected format of record N (0-based, default 0) of a .jsonl / .json dataset,
its turns, and its images resolved like the viewer does (the dataset's folder, then each
--image-root), with their size.

Options:
  --index N          record to show (0-based; default 0)
  --image-root DIR   folder for relative image paths (repeatable)
  --json             machine-readable output
Exit codes: 0 ok, 1 the record does not parse or an image is missing, 2 usage or I/O error.`,
  options: {
    index: { type: 'string' },
    json: { type: 'boolean' },
    'image-root': { type: 'string', multiple: true },
  },
  async run({ values, positionals }, io) {
    if (positionals.length !== 1) throw new UsageError('expected one dataset file (see vlm-lens inspect --help)');
    const path = resolve(positionals[0]);
    const k = values.index === undefined ? 0 : Number(values.index);
    if (!Number.isInteger(k) || k < 0) throw new UsageError(`--index must be a non-negative integer, got '${String(values.index)}'`);
    const file = await NodeFile.open(path).catch((e: unknown) => {
      throw new UsageError(`cannot open ${path}: ${e instanceof Error ? e.message : String(e)}`);
    });
    try {
      const index = await RecordIndex.build(file, { fileName: path });
      if (k >= index.count) throw new UsageError(`record ${k} is out of range: ${path} has ${index.count} records`);
      const [rec] = await loadRecords(file, index, k, 1);
      const roots = ((values['image-root'] as string[] | undefined) ?? []).map((r) => resolve(r));
      const ctx = { datasetDir: dirname(path), imageRoots: roots };
      const exists = async (p: string) => (await stat(p).catch(() => undefined))?.isFile() === true;
      const images: InspectedImage[] = [];
      for (const m of rec.record?.images ?? []) images.push(await inspectImage(m.ref, await resolveImage(m.ref, ctx, exists)));
      const out = {
        file: path,
        kind: index.kind,
        records: index.count,
        index: k,
        line: rec.line + 1,
        format: rec.record?.format,
        formatLabel: rec.record ? FORMAT_LABELS[rec.record.format] : undefined,
        id: rec.record?.id,
        turns: (rec.record?.turns ?? []).map((t) => ({ role: t.role, rawRole: t.rawRole, kind: t.kind, text: t.text })),
        images,
        notes: rec.record?.notes ?? [],
        parseError: rec.parseError ? { line: rec.parseError.line + 1, column: rec.parseError.column + 1, message: rec.parseError.message } : undefined,
        tooLarge: rec.tooLarge ? { bytes: rec.tooLarge.bytes } : undefined,
      };
      io.stdout.write(values.json ? JSON.stringify(out, null, 2) + '\n' : textReport(out, rec.record));
      const findings = rec.parseError !== undefined || rec.tooLarge !== undefined || images.some((i) => !i.exists && (i.status === 'missing' || i.status === 'file'));
      return findings ? EXIT_FINDINGS : EXIT_OK;
    } finally {
      await file.close();
    }
  },
};

async function inspectImage(ref: string, r: ResolvedImage): Promise<InspectedImage> {
  const base: InspectedImage = { ref, status: r.kind, exists: r.kind === 'file' || r.kind === 'data' };
  if (r.kind === 'missing') return { ...base, tried: r.tried };
  if (r.kind !== 'file' && r.kind !== 'data') return base;
  try {
    const info = await readImageInfo(r.kind === 'file' ? { kind: 'file', path: r.path } : { kind: 'data', uri: ref });
    return { ...base, path: r.kind === 'file' ? r.path : undefined, width: info.width, height: info.height, format: info.format };
  } catch (e) {
    return { ...base, path: r.kind === 'file' ? r.path : undefined, error: e instanceof Error ? e.message : String(e) };
  }
}

function textReport(o: { file: string; kind: string; records: number; index: number; line: number; formatLabel?: string; id?: string; images: InspectedImage[]; turns: Array<{ rawRole: string; kind?: string; text: string }>; notes: string[]; parseError?: { line: number; column: number; message: string }; tooLarge?: { bytes: number } }, rec: NormalizedRecord | undefined): string {
  const lines = [`${o.file} (${o.kind}, ${o.records} records)`, `record ${o.index} (line ${o.line})${o.formatLabel ? ` · ${o.formatLabel}` : ''}${o.id !== undefined ? ` · id ${o.id}` : ''}`];
  if (o.parseError) lines.push(`parse error at ${o.parseError.line}:${o.parseError.column}: ${o.parseError.message}`);
  if (o.tooLarge) lines.push(`too large to parse here: ${o.tooLarge.bytes} bytes`);
  if (o.images.length) {
    lines.push('images:');
    o.images.forEach((im, i) => {
      const where = im.path ? ` → ${im.path}` : '';
      const size = im.width ? ` (${im.width}×${im.height}, ${im.format})` : '';
      const status = im.status === 'missing' ? ` MISSING (tried: ${(im.tried ?? []).join(', ')})` : im.status === 'file' || im.status === 'data' ? '' : ` (${im.status}: not a file)`;
      lines.push(`  [${i}] ${im.ref}${where}${size}${status}${im.error ? ` unreadable: ${im.error}` : ''}`);
    });
  }
  if (rec && rec.turns.length) {
    lines.push('turns:');
    for (const t of o.turns) lines.push(`  ${t.rawRole || 'user'}${t.kind ? ` [${t.kind}]` : ''}: ${t.text.replace(/\n/g, '\\n')}`);
  }
  for (const n of o.notes) lines.push(`note: ${n}`);
  return lines.join('\n') + '\n';
}
