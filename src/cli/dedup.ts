import { open as openFile, realpath, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { resolveImage } from '../core/images/resolveImage';
import { findImageDuplicates, type HashedImage } from '../core/dedup/imageDuplicates';
import { dhash } from '../imaging/perceptualHash';
import { NodeFile } from '../core/io/randomAccessFile';
import { RecordIndex } from '../core/index/recordIndex';
import { loadRecords } from '../core/dataset/loadRecords';
import { readRecords } from '../core/index/recordReader';
import { NearDuplicateFinder, dedupTexts, type DedupResult } from '../core/dedup/nearDuplicates';
import { EXIT_FINDINGS, EXIT_OK, UsageError, type CliCommand } from './main';
import { loadFormatOption } from './formatOption';

interface FileRef {
  path: string;
  /** global index of the file's first record */
  offset: number;
  records: number;
  kind: string;
}

interface Where {
  file: string;
  /** 1-based record number and line */
  record: number;
  line: number;
  id?: string;
}

const BATCH = 2000;
const TEXT_CLUSTERS = 100;
const TEXT_MEMBERS = 10;

export const dedupCommand: CliCommand = {
  name: 'dedup',
  summary: 'exact and near-duplicate records (MinHash over word shingles), in one file or across files',
  usage: `Usage: vlm-lens dedup <file> [<file>…] [--threshold T] [--images [--image-root DIR]… [--image-distance D]] [--write OUT] [--json] [--format FILE]

Finds records that repeat, in one dataset or across several (train vs test):
  exact    the same prompt and answer once case, whitespace, punctuation and <image>
           placeholders are ignored
  near     prompts and answers that each have a Jaccard similarity of at least T (word
           3-shingles; candidates from MinHash/LSH, every candidate measured exactly).
           Templated prompts that differ only in the object named, with different answers,
           are not duplicates.
Each cluster keeps its first record (in the order the files are given) and lists the
others with their line, id and similarity to the kept one. Records that do not parse are
skipped and counted.

With --images, the records' images are compared too, by a 64-bit perceptual hash (dHash):
resized, re-encoded or recompressed copies of a picture are found even when different
records or files name them by different paths, and with several files, an image used in
more than one of them (the same picture in train and test) is said.

Options:
  --threshold T   minimum similarity of prompts and of answers, 0 < T <= 1 (default 0.8)
  --images        compare the records' images too (read with sharp)
  --image-root DIR  folder for relative image paths (repeatable; the dataset's folder first)
  --image-distance D  most differing hash bits for two images to be one picture (default 4)
  --write OUT     write a copy of the one .jsonl / .json array given without the duplicates
                  (the kept record of each cluster stays; the original is never modified)
  --format FILE   a JSON file of user format descriptors (as the vlmLens.formats setting)
  --json          print {files, records, duplicates, exactDuplicates, clusters: [...]} as JSON
Exit codes: 0 no duplicates, 1 duplicates found, 2 usage or I/O error.`,
  options: {
    threshold: { type: 'string' },
    write: { type: 'string' },
    json: { type: 'boolean' },
    format: { type: 'string' },
    images: { type: 'boolean' },
    'image-root': { type: 'string', multiple: true },
    'image-distance': { type: 'string' },
  },
  async run({ values, positionals }, io) {
    if (positionals.length === 0) throw new UsageError('expected one or more dataset files (see vlm-lens dedup --help)');
    const threshold = values.threshold === undefined ? 0.8 : Number(values.threshold);
    if (!(threshold > 0 && threshold <= 1)) throw new UsageError(`--threshold must be a number in (0, 1], got '${String(values.threshold)}'`);
    const paths = positionals.map((p) => resolve(p));
    const out = values.write === undefined ? undefined : resolve(values.write as string);
    if (out && paths.length !== 1) throw new UsageError('--write takes one input file');
    if (out) {
      const input = await realpath(paths[0]).catch(() => paths[0]);
      const target = await realpath(out).catch(() => out);
      if (input === target) throw new UsageError(`--write ${out} is the input file: the original is never modified; write to another file`);
    }
    const distance = values['image-distance'] === undefined ? 4 : Number(values['image-distance']);
    if (!Number.isInteger(distance) || distance < 0 || distance > 20) throw new UsageError(`--image-distance must be an integer from 0 to 20, got '${String(values['image-distance'])}'`);
    const roots = ((values['image-root'] as string[] | undefined) ?? []).map((r) => resolve(r));
    const images = values.images ? new ImageUses() : undefined;
    const finder = new NearDuplicateFinder({ threshold });
    const files: FileRef[] = [];
    const where = new Map<number, Where>();
    let skipped = 0;
    let offset = 0;
    for (const path of paths) {
      const file = await NodeFile.open(path).catch((e: unknown) => {
        throw new UsageError(`cannot open ${path}: ${e instanceof Error ? e.message : String(e)}`);
      });
      try {
        const formats = values.format ? await loadFormatOption(resolve(values.format as string), path) : undefined;
        const index = await RecordIndex.build(file, { fileName: path });
        if (index.kind !== 'jsonl' && index.kind !== 'json-array') throw new UsageError(`${path} is a ${index.kind} file: dedup reads JSON Lines or a JSON array of records`);
        files.push({ path, offset, records: index.count, kind: index.kind });
        for (let first = 0; first < index.count; first += BATCH) {
          for (const rec of await loadRecords(file, index, first, BATCH, { formats })) {
            if (rec.value === undefined) {
              skipped++;
              continue;
            }
            const g = offset + rec.index;
            if (images) for (const m of rec.record?.images ?? []) await images.add(m.ref, { datasetDir: dirname(path), imageRoots: roots }, { file: path, record: rec.index + 1, line: rec.line + 1, id: rec.record?.id });
            const { prompt, answer } = dedupTexts(rec.record, rec.value);
            const before = finder.added;
            finder.add({ index: g, prompt, answer });
            if (finder.added > before) where.set(g, { file: path, record: rec.index + 1, line: rec.line + 1, id: rec.record?.id });
          }
        }
        offset += index.count;
      } finally {
        await file.close();
      }
    }
    const result = finder.result();
    const imageReport = images ? await images.report(distance, paths.length > 1) : undefined;
    // only the records in a cluster need their place kept
    const inClusters = new Set(result.clusters.flatMap((c) => [c.kept, ...c.members.map((m) => m.index)]));
    for (const k of [...where.keys()]) if (!inClusters.has(k)) where.delete(k);
    if (out) await writeCopy(paths[0], out, files[0], result);
    if (values.json) {
      io.stdout.write(
        `${JSON.stringify(
          {
            files: files.map((f) => ({ path: f.path, records: f.records })),
            records: offset,
            skipped,
            threshold,
            duplicates: result.duplicates,
            exactDuplicates: result.exactDuplicates,
            clusters: result.clusters.map((c) => ({ kept: where.get(c.kept), members: c.members.map((m) => ({ ...where.get(m.index), similarity: m.similarity, exact: m.exact })) })),
            written: out,
            images: imageReport,
          },
          null,
          2,
        )}\n`,
      );
    } else {
      const many = paths.length > 1;
      const at = (w: Where | undefined) => (w ? `${many ? `${w.file}:` : ''}L${w.line}${w.id ? ` (${w.id})` : ''}` : '?');
      io.stdout.write(`${offset} records${skipped ? ` (${skipped} that do not parse skipped)` : ''}: ${result.duplicates} duplicate${result.duplicates === 1 ? '' : 's'} in ${result.clusters.length} cluster${result.clusters.length === 1 ? '' : 's'} (${result.exactDuplicates} exact), similarity ≥ ${threshold}\n`);
      // the first clusters and members are printed; --json has all of them
      for (const c of result.clusters.slice(0, TEXT_CLUSTERS)) {
        const shown = c.members.slice(0, TEXT_MEMBERS).map((m) => `${at(where.get(m.index))} ${m.exact ? 'exact' : m.similarity.toFixed(2)}`);
        if (c.members.length > TEXT_MEMBERS) shown.push(`and ${c.members.length - TEXT_MEMBERS} more`);
        io.stdout.write(`keep ${at(where.get(c.kept))} ← ${shown.join(', ')}\n`);
      }
      if (result.clusters.length > TEXT_CLUSTERS) io.stdout.write(`… and ${result.clusters.length - TEXT_CLUSTERS} more clusters (--json lists them all)\n`);
      if (imageReport) {
        const r = imageReport;
        io.stdout.write(`${r.images} images${r.missing ? `, ${r.missing} not found` : ''}${r.unreadable ? `, ${r.unreadable} unreadable` : ''}: ${r.clusters.length} pictures with near-identical copies (dHash within ${distance} bits)${paths.length > 1 ? `, ${r.sharedAcrossFiles.length} used in more than one file` : ''}\n`);
        const use = (u: Where) => `${many ? `${u.file}:` : ''}L${u.line}`;
        for (const c of r.clusters.slice(0, TEXT_CLUSTERS)) io.stdout.write(`image ${c.kept.path} (${c.kept.uses.slice(0, 3).map(use).join(', ')}) ≈ ${c.members.slice(0, TEXT_MEMBERS).map((m) => `${m.path} (${m.distance} bits; ${m.uses.slice(0, 3).map(use).join(', ')})`).join(', ')}\n`);
        for (const sh of r.sharedAcrossFiles.slice(0, TEXT_CLUSTERS)) io.stdout.write(`in several files: ${sh.path}: ${sh.uses.slice(0, TEXT_MEMBERS).map(use).join(', ')}\n`);
      }
      if (out) io.stdout.write(`wrote ${out}: ${files[0].records - result.duplicates} records kept\n`);
    }
    const found = result.duplicates > 0 || (imageReport !== undefined && (imageReport.clusters.length > 0 || imageReport.sharedAcrossFiles.length > 0));
    return found ? EXIT_FINDINGS : EXIT_OK;
  },
};

/** Writes the file's records except the duplicates, each as its original text (JSON Lines: one per line; an array: a JSON array). */
async function writeCopy(path: string, out: string, ref: FileRef, result: DedupResult): Promise<void> {
  const drop = new Set(result.clusters.flatMap((c) => c.members.map((m) => m.index - ref.offset)));
  const file = await NodeFile.open(path);
  const handle = await openFile(out, 'w');
  try {
    const index = await RecordIndex.build(file, { fileName: path });
    let first = true;
    if (ref.kind === 'json-array') await handle.write('[\n');
    for (let k = 0; k < index.count; k += BATCH) {
      const parts: string[] = [];
      for (const raw of await readRecords(file, index, k, BATCH, { maxRecordBytes: Number.MAX_SAFE_INTEGER })) {
        if (drop.has(raw.index) || raw.text === undefined) continue;
        if (ref.kind === 'json-array') parts.push(`${first ? '' : ',\n'}${raw.text.trim()}`);
        else parts.push(`${raw.text.replace(/\r$/, '')}\n`);
        first = false;
      }
      await handle.write(parts.join(''));
    }
    if (ref.kind === 'json-array') await handle.write('\n]\n');
  } finally {
    await handle.close();
    await file.close();
  }
}

interface ImageUnit {
  path: string;
  uses: Where[];
  files: Set<string>;
}

/** The records' images, by resolved file, with the records that use each. */
class ImageUses {
  private readonly units = new Map<string, ImageUnit>();
  missing = 0;

  async add(ref: string, ctx: { datasetDir: string; imageRoots: string[] }, use: Where): Promise<void> {
    const r = await resolveImage(ref, ctx, async (p) => (await stat(p).catch(() => undefined))?.isFile() === true);
    if (r.kind !== 'file') {
      this.missing++;
      return;
    }
    const path = await realpath(r.path).catch(() => r.path);
    let u = this.units.get(path);
    if (!u) {
      u = { path, uses: [], files: new Set() };
      this.units.set(path, u);
    }
    u.uses.push(use);
    u.files.add(use.file);
  }

  /** Hashes every image (four at a time) and groups the near-identical ones. */
  async report(distance: number, severalFiles: boolean) {
    const units = [...this.units.values()];
    const hashed: HashedImage[] = [];
    let unreadable = 0;
    let next = 0;
    const worker = async () => {
      while (next < units.length) {
        const k = next++;
        try {
          const h = await dhash(units[k].path);
          hashed.push({ key: k, hi: h.hi, lo: h.lo });
        } catch {
          unreadable++;
        }
      }
    };
    await Promise.all([worker(), worker(), worker(), worker()]);
    const clusters = findImageDuplicates(hashed, distance).map((c) => ({
      kept: { path: units[c.kept].path, uses: units[c.kept].uses },
      members: c.members.map((m) => ({ path: units[m.key].path, distance: m.distance, uses: units[m.key].uses })),
    }));
    const sharedAcrossFiles = severalFiles ? units.filter((u) => u.files.size > 1).map((u) => ({ path: u.path, uses: u.uses })) : [];
    return { images: units.length, missing: this.missing, unreadable, distance, clusters, sharedAcrossFiles };
  }
}
