import { imageFileProblem } from '../core/images/sniff';
import { dirname, resolve } from 'node:path';
import { stat } from 'node:fs/promises';
import { NodeFile } from '../core/io/randomAccessFile';
import { RecordIndex } from '../core/index/recordIndex';
import { loadRecords, type LoadedRecord } from '../core/dataset/loadRecords';
import { resolveImage, type ResolvedImage } from '../core/images/resolveImage';
import { FORMAT_LABELS, type MetaEntry, type NormalizedRecord } from '../core/records/model';
import { checkMetaPaths } from '../core/dataset/metaPaths';
import { readImageInfo } from '../imaging/imageService';
import { extractGeometry } from '../core/geometry/extract';
import { recordOverlays } from '../core/geometry/overlays';
import { CONVENTIONS, type Convention } from '../core/geometry/types';
import { sampleFileConvention } from '../core/dataset/conventionSample';
import { EXIT_FINDINGS, EXIT_OK, UsageError, type CliCommand } from './main';
import { loadFormatOption } from './formatOption';
import { leRobotRootOf } from '../core/lerobot/dataset';
import { inspectLeRobot } from './lerobot';

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
  usage: `Usage: vlm-lens inspect <file> [--index N] [--json] [--image-root DIR]... [--convention C] [--format FILE]
       vlm-lens inspect <lerobot-dataset-folder> [--episode E [--frame F]] [--json]

Prints the detected format of record N (0-based, default 0) of a .jsonl / .json dataset,
its turns, its images resolved like the viewer does (the dataset's folder, then each
--image-root) with their size, and its overlays: every box, point and trajectory in
pixels of the first image, with the coordinate convention used and why. The format is
the first descriptor of the format registry that matches, and why is said; a record no
descriptor matches is listed field by field, its geometry found by shape.

Options:
  --index N          record to show (0-based; default 0)
  --image-root DIR   folder for relative image paths (repeatable)
  --convention C     read coordinates as C (${CONVENTIONS.join(', ')});
                     default: what the format says, else detected from the file
  --xywh             structured bbox fields are COCO x, y, width, height
  --format FILE      a JSON file of user format descriptors (as the vlmLens.formats setting)
  --json             machine-readable output

A LeRobot dataset folder (or its meta/info.json; v2.0, v2.1 and v3.0 layouts) is shown as a
dataset: version, fps, robot, cameras with their codecs, features with their names, episodes,
frames, tasks, and every problem found (a missing data or video file, a broken meta line).
  --episode E        one episode: its frames, videos, signals and label counts
  --frame F          (with --episode) one frame: its values by named component, its label
                     (the argmax of reward_bins), and each camera's video file and time in it
Exit codes: 0 ok, 1 the record does not parse or an image is missing (a dataset or episode
with problems), 2 usage or I/O error.`,
  options: {
    index: { type: 'string' },
    json: { type: 'boolean' },
    'image-root': { type: 'string', multiple: true },
    convention: { type: 'string' },
    xywh: { type: 'boolean' },
    format: { type: 'string' },
    episode: { type: 'string' },
    frame: { type: 'string' },
  },
  async run({ values, positionals }, io) {
    if (positionals.length !== 1) throw new UsageError('expected one dataset file (see vlm-lens inspect --help)');
    const path = resolve(positionals[0]);
    const lerobot = await leRobotRootOf(path);
    if (lerobot) return inspectLeRobot(lerobot, values, io);
    if ((await stat(path).catch(() => undefined))?.isDirectory()) throw new UsageError(`${path} is a folder, and not a LeRobot dataset (no meta/info.json in it): give a dataset file`);
    if (values.episode !== undefined || values.frame !== undefined) throw new UsageError('--episode and --frame are for a LeRobot dataset folder');
    const k = values.index === undefined ? 0 : Number(values.index);
    if (!Number.isInteger(k) || k < 0) throw new UsageError(`--index must be a non-negative integer, got '${String(values.index)}'`);
    const override = values.convention as string | undefined;
    if (override !== undefined && !(CONVENTIONS as string[]).includes(override)) throw new UsageError(`--convention must be one of ${CONVENTIONS.join(', ')}, got '${override}'`);
    const formats = values.format ? await loadFormatOption(resolve(values.format as string), path) : undefined;
    const file = await NodeFile.open(path).catch((e: unknown) => {
      throw new UsageError(`cannot open ${path}: ${e instanceof Error ? e.message : String(e)}`);
    });
    try {
      const index = await RecordIndex.build(file, { fileName: path });
      if (k >= index.count) throw new UsageError(`record ${k} is out of range: ${path} has ${index.count} records`);
      const [rec] = await loadRecords(file, index, k, 1, { formats });
      const roots = ((values['image-root'] as string[] | undefined) ?? []).map((r) => resolve(r));
      const ctx = { datasetDir: dirname(path), imageRoots: roots };
      const exists = async (p: string) => (await stat(p).catch(() => undefined))?.isFile() === true;
      const images: InspectedImage[] = [];
      for (const m of rec.record?.images ?? []) images.push(await inspectImage(m.ref, await resolveImage(m.ref, ctx, exists)));
      const xywh = values.xywh === true;
      const geometry = rec.record ? extractGeometry(rec.record, rec.value, { boxesAreXywh: xywh }) : { shapes: [], ego: [] };
      const firstImageSize = async (r: LoadedRecord) => {
        const ref = r.record?.images[0]?.ref;
        if (!ref) return undefined;
        const res = await resolveImage(ref, ctx, exists);
        if (res.kind !== 'file') return undefined;
        const info = await readImageInfo({ kind: 'file', path: res.path });
        return { width: info.width, height: info.height };
      };
      const fileConv = override ? undefined : await sampleFileConvention(file, index, { boxesAreXywh: xywh, imageSize: firstImageSize });
      const first = images[0];
      const imageSize = first?.width && first.height ? { width: first.width, height: first.height } : rec.record?.declaredSize;
      const ov = rec.record ? recordOverlays(rec.record, geometry, imageSize, { override: override as Convention | undefined, fileGuess: fileConv?.guess }) : undefined;
      const out = {
        file: path,
        kind: index.kind,
        records: index.count,
        index: k,
        line: rec.line + 1,
        format: rec.record?.format,
        formatLabel: rec.record ? (rec.record.formatLabel ?? FORMAT_LABELS[rec.record.format]) : undefined,
        formatWhy: rec.record?.formatWhy,
        listKey: index.listKey,
        fields: rec.record?.format === 'unknown' || rec.record?.format === 'user' ? fieldList(rec.value) : undefined,
        metaEntries: rec.record?.metaEntries ? await checkMetaPaths(rec.record.metaEntries, [process.cwd(), dirname(path)]) : undefined,
        id: rec.record?.id,
        turns: (rec.record?.turns ?? []).map((t) => ({ role: t.role, rawRole: t.rawRole, kind: t.kind, text: t.text })),
        images,
        notes: rec.record?.notes ?? [],
        imageSize: ov?.image,
        convention: ov ? { ...ov.choice, mixedInFile: fileConv?.mixed ? fileConv.seen : undefined } : undefined,
        overlays: (ov?.shapes ?? []).map((s) => ({
          kind: s.kind,
          role: s.role,
          label: s.label,
          source: { turn: s.source.turn, field: s.source.field, text: s.source.text },
          convention: s.convention,
          conventionSource: s.conventionSource,
          pixels: roundPixels(s.pixels),
          flags: s.flags.length ? s.flags : undefined,
        })),
        notConverted: [...(ov?.noImage ? [ov.noImage] : []), ...(ov?.skipped ?? []).map((x) => x.reason)],
        egoTrajectories: (ov?.ego ?? []).map((e) => ({ role: e.role, poses: e.poses, source: { turn: e.source.turn, field: e.source.field } })),
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
    // sharp's own message can stop short ("Input file has corrupt header:"): say what the bytes are
    let error = (e instanceof Error ? e.message : String(e)).trim().replace(/\s*\n\s*/g, ' ');
    const sniffed = r.kind === 'file' ? await imageFileProblem(r.path) : undefined;
    if (sniffed && !error.includes(sniffed)) error = error.endsWith(':') ? `${error} ${sniffed}` : `${error} (${sniffed})`;
    return { ...base, path: r.kind === 'file' ? r.path : undefined, error };
  }
}

function roundPixels(p: number[] | number[][]): number[] | number[][] {
  const r = (v: number) => Math.round(v * 100) / 100;
  return typeof p[0] === 'number' ? (p as number[]).map(r) : (p as number[][]).map((q) => q.map(r));
}

interface FieldEntry {
  path: string;
  type: string;
  value?: string;
}

/** A record's fields, for records no descriptor knows: dotted paths, types and short values (at most 200, 4 levels). */
function fieldList(value: unknown): FieldEntry[] {
  const out: FieldEntry[] = [];
  const walk = (v: unknown, path: string, depth: number) => {
    if (out.length >= 200) return;
    if (Array.isArray(v) && v.length <= 8 && v.every((x) => x === null || typeof x !== 'object')) {
      // a short list of plain values (a box, a point) on one line
      const text = JSON.stringify(v);
      out.push({ path: path || '(root)', type: `list of ${v.length}`, value: text.length > 80 ? `${text.slice(0, 77)}…` : text });
    } else if (Array.isArray(v)) {
      out.push({ path: path || '(root)', type: `list of ${v.length}` });
      if (depth < 4) v.slice(0, 3).forEach((x, i) => walk(x, `${path}[${i}]`, depth + 1));
    } else if (typeof v === 'object' && v !== null) {
      if (path) out.push({ path, type: 'object' });
      if (depth < 4) for (const [k, x] of Object.entries(v)) walk(x, path ? `${path}.${k}` : k, depth + 1);
    } else {
      const text = JSON.stringify(v) ?? String(v);
      out.push({ path: path || '(root)', type: v === null ? 'null' : typeof v, value: text.length > 80 ? `${text.slice(0, 77)}…` : text });
    }
  };
  walk(value, '', 0);
  return out;
}

type Report = {
  file: string;
  metaEntries?: MetaEntry[];
  formatWhy?: string;
  listKey?: string;
  fields?: FieldEntry[];
  kind: string;
  records: number;
  index: number;
  line: number;
  formatLabel?: string;
  id?: string;
  images: InspectedImage[];
  turns: Array<{ rawRole: string; kind?: string; text: string }>;
  notes: string[];
  parseError?: { line: number; column: number; message: string };
  tooLarge?: { bytes: number };
  imageSize?: { width: number; height: number };
  convention?: { convention: string; source: string; reason: string; mixedInFile?: Partial<Record<string, number>> };
  overlays: Array<{ kind: string; role: string; label?: string; convention: string; conventionSource: string; pixels: number[] | number[][]; flags?: string[]; source: { turn?: number; field?: string } }>;
  notConverted: string[];
  egoTrajectories: Array<{ role: string; poses: number[][] }>;
};

function textReport(o: Report, rec: NormalizedRecord | undefined): string {
  const lines = textReportHead(o, rec);
  if (o.overlays.length || o.notConverted.length) {
    lines.push(`overlays (pixels of the ${o.imageSize ? `${o.imageSize.width}×${o.imageSize.height}` : '?'} image):`);
    if (o.overlays.some((s) => s.conventionSource !== 'format')) lines.push(`  file convention: ${o.convention?.convention} (${o.convention?.source}: ${o.convention?.reason})`);
    for (const s of o.overlays) {
      const from = s.source.turn !== undefined ? `turn ${s.source.turn}` : `field ${s.source.field}`;
      lines.push(`  ${s.role} ${s.kind}${s.label ? ` "${s.label}"` : ''} ${JSON.stringify(s.pixels)} [${s.convention} (${s.conventionSource}), ${from}]${s.flags ? ` ⚠ ${s.flags.join('; ')}` : ''}`);
    }
    for (const n of o.notConverted) lines.push(`  not converted: ${n}`);
    if (o.convention?.mixedInFile) lines.push(`  note: records in this file disagree on the convention: ${JSON.stringify(o.convention.mixedInFile)}`);
  }
  for (const e of o.egoTrajectories) lines.push(`ego trajectory (${e.role}, bird's-eye frame, not drawn on the image): ${e.poses.length} poses`);
  return lines.join('\n') + '\n';
}

function textReportHead(o: { file: string; kind: string; records: number; index: number; line: number; formatLabel?: string; formatWhy?: string; listKey?: string; fields?: FieldEntry[]; metaEntries?: MetaEntry[]; id?: string; images: InspectedImage[]; turns: Array<{ rawRole: string; kind?: string; text: string }>; notes: string[]; parseError?: { line: number; column: number; message: string }; tooLarge?: { bytes: number } }, rec: NormalizedRecord | undefined): string[] {
  const lines = [`${o.file} (${o.kind}${o.listKey ? `, the "${o.listKey}" list` : ''}, ${o.records} records)`, `record ${o.index} (line ${o.line})${o.formatLabel ? ` · ${o.formatLabel}` : ''}${o.id !== undefined ? ` · id ${o.id}` : ''}`];
  if (o.formatWhy) lines.push(`read as ${o.formatLabel ?? '?'}: ${o.formatWhy}`);
  if (o.metaEntries?.length) {
    lines.push('datasets (name, annotation, root, repeat_time, length → samples per epoch):');
    const miss = (ok: boolean | undefined) => (ok === false ? ' (NOT FOUND)' : '');
    for (const e of o.metaEntries) lines.push(`  ${e.name}\t${e.annotation ?? '-'}${miss(e.annotationFound)}\t${e.root ?? '-'}${miss(e.rootFound)}\t${e.repeatTime ?? 1}\t${e.length ?? '?'} → ${e.effective ?? '?'}`);
    lines.push(`  ${o.metaEntries.length} datasets, ${o.metaEntries.reduce((n, e) => n + (e.effective ?? 0), 0)} samples per epoch; paths looked for in ${(o.metaEntries[0].lookedIn ?? []).join(', ')}`);
  }
  if (o.fields?.length) {
    lines.push('fields:');
    for (const f of o.fields) lines.push(`  ${f.path}: ${f.type}${f.value !== undefined ? ` = ${f.value}` : ''}`);
  }
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
  return lines;
}
