import { relative, resolve } from 'node:path';
import { CONVENTIONS, type Convention } from '../core/geometry/types';
import { scorePredictionFile } from '../core/eval/scoreFile';
import { EXIT_OK, EXIT_USAGE, UsageError, type CliCommand } from './main';

const fmt = (v: number) => (Number.isInteger(v) ? String(v) : v.toFixed(4));

export const metricsCommand: CliCommand = {
  name: 'metrics',
  summary: 'score a prediction file (eval_details_*.json, samples_*.jsonl): IoU, DTW, accuracy…',
  usage: `Usage: vlm-lens metrics <predictions-file> [--task T] [--convention C] [--dataset eval-input] [--json]

Reads each record's prediction (pred / prediction / filtered_resps; a decoded chat prefix is
cut at the last "assistant\\n") and ground truth (gt / target / answer), parses boxes, points
and trajectories with the same readers as the viewer, converts both to original-image pixels
and scores them: boxes → IoU, mean IoU, Acc@IoU; points → distance; trajectories → DTW,
discrete Fréchet, Hausdorff, RMSE, endpoint distance; choices → accuracy (an empty
prediction is wrong); text → exact match.

Options:
  --task T           task name (default: from the file name, eval_details_<T>.json); decides
                     how answers are read (…box, traj…, …choice, …point, qa…)
  --convention C     convention of the predictions (${CONVENTIONS.join(', ')}; default pixel)
  --gt-convention C  convention of the ground truth (default: the same as --convention)
  --dataset FILE     the eval input, joined by id for w / h / new_w / new_h (needed for any
                     convention other than pixel)
  --threshold X      an IoU threshold for Acc@IoU (repeatable; default 0.1 and 0.5)
  --json             print {aggregate, samples} as JSON
Exit codes: 0 scored, 2 usage or I/O error.`,
  options: {
    task: { type: 'string' },
    convention: { type: 'string' },
    'gt-convention': { type: 'string' },
    dataset: { type: 'string' },
    threshold: { type: 'string', multiple: true },
    json: { type: 'boolean' },
  },
  async run({ values, positionals }, io) {
    if (positionals.length !== 1) throw new UsageError('expected one prediction file (see vlm-lens metrics --help)');
    const conv = (name: string): Convention | undefined => {
      const v = values[name] as string | undefined;
      if (v !== undefined && !(CONVENTIONS as string[]).includes(v)) throw new UsageError(`--${name} must be one of ${CONVENTIONS.join(', ')}, got '${v}'`);
      return v as Convention | undefined;
    };
    const thresholds = ((values.threshold as string[] | undefined) ?? []).map((t) => {
      const n = Number(t);
      if (!(n >= 0 && n <= 1)) throw new UsageError(`--threshold must be between 0 and 1, got '${t}'`);
      return n;
    });
    const file = resolve(positionals[0]);
    let r;
    try {
      r = await scorePredictionFile(file, {
        task: values.task as string | undefined,
        convention: conv('convention'),
        gtConvention: conv('gt-convention'),
        dataset: values.dataset ? resolve(values.dataset as string) : undefined,
        thresholds: thresholds.length ? thresholds : undefined,
      });
    } catch (e) {
      io.stderr.write(`vlm-lens metrics: ${e instanceof Error ? e.message : String(e)}\n`);
      return EXIT_USAGE;
    }
    for (const p of r.problems) io.stderr.write(`${relative(process.cwd(), file) || file}: ${p}\n`);
    if (values.json) {
      io.stdout.write(`${JSON.stringify({ file: r.file, aggregate: r.aggregate, samples: r.samples }, null, 2)}\n`);
      return EXIT_OK;
    }
    const a = r.aggregate;
    io.stdout.write(`${a.task} (${a.kind}${a.convention ? `, ${a.convention}` : ''}): ${a.samples} samples, ${a.samples - a.unscored} scored\n`);
    for (const [k, v] of Object.entries(a.metrics)) io.stdout.write(`  ${k.padEnd(16)} ${fmt(v)}\n`);
    for (const n of a.notes) io.stdout.write(`  note: ${n}\n`);
    io.stdout.write('\nper sample (line, id, score):\n');
    for (const s of r.samples) io.stdout.write(`  ${s.line === undefined ? '-' : s.line + 1}\t${s.id ?? '-'}\t${s.score === undefined ? '-' : fmt(s.score)}${s.note ? `\t${s.note}` : ''}\n`);
    return EXIT_OK;
  },
};
