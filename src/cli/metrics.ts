import { relative, resolve } from 'node:path';
import { CONVENTIONS, type Convention } from '../core/geometry/types';
import { scorePredictionFile } from '../core/eval/scoreFile';
import { EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, UsageError, type CliCommand } from './main';
import type { MetricAggregate, TaskKind } from '../core/eval/predictionMetrics';
import { loadFormatOption } from './formatOption';
import type { ClassificationReport } from '../core/eval/classification';

const KINDS: TaskKind[] = ['box', 'point', 'point-in-box', 'trajectory', 'choice', 'multi-select', 'numeric', 'class', 'text'];

/** The confusion matrix (rows = label, columns = prediction) and each class's precision and recall, as text. */
export function confusionText(c: ClassificationReport): string {
  const w = Math.max(5, ...c.matrix.flat().map((n) => String(n).length + 1));
  const lines = ['', 'confusion matrix (rows = label, columns = prediction):', `  ${'label'.padEnd(7)}${c.classes.map((k) => String(k).padStart(w)).join('')}`];
  c.classes.forEach((k, i) => lines.push(`  ${String(k).padEnd(7)}${c.matrix[i].map((n) => String(n).padStart(w)).join('')}`));
  lines.push('', 'per class: support, predicted, precision, recall, F1');
  const p = (v: number | undefined) => (v === undefined ? '-' : v.toFixed(4));
  for (const s of c.perClass) lines.push(`  class ${s.cls}: ${s.support}, ${s.predicted}, ${p(s.precision)}, ${p(s.recall)}, ${p(s.f1)}`);
  return lines.join('\n') + '\n';
}

const fmt = (v: number) => (Number.isInteger(v) ? String(v) : v.toFixed(4));

export const metricsCommand: CliCommand = {
  name: 'metrics',
  summary: 'score a prediction file (eval_details_*.json, samples_*.jsonl): IoU, DTW, accuracy…',
  usage: `Usage: vlm-lens metrics <predictions-file> [--task T] [--convention C] [--dataset eval-input] [--json]

Reads each record's prediction and reference as its format names them (the format registry:
RoboInter pred/gt, lmms-eval filtered_resps/target, R1-V model_output/ground_truth, DriveLM
answer/gt_answer, ScreenSpot pred/bbox, or pred/prediction/response beside gt/ground_truth/
target/label/answer). A JSON document holding a list of records under a key
({accuracy, results: [...]}) is read as those records. Each sample's kind comes from the
shape of its reference: boxes → IoU, mean IoU, Acc@IoU; a point answered for a box → hit if
inside (GUI grounding); points → distance; trajectories → DTW, discrete Fréchet, Hausdorff,
RMSE, endpoint distance, and ADE / FDE in metres for ego-frame (x, y, heading) plans; option
letters / yes-no → accuracy; letter sets → accuracy (as sets); numbers → accuracy (equal as
numbers); text → exact match. A classifier's output ({episode_index, frame_index, pred,
label?, probs?}, or records with probs / logits) is scored as class ids: accuracy, macro F1,
per-class precision and recall and the confusion matrix (rows = label, columns = prediction). Answers inside <answer>…</answer> are read from there. A
reference that cannot be scored (a file path, a missing field) is counted as unscorable, with
the reason, never as a number.

Options:
  --task T           task name (default: from the file name, eval_details_<T>.json): a label,
                     and a hint where a shape is ambiguous (two corners or a two-point path)
  --kind K           score every sample as ${KINDS.join(', ')}
  --format FILE      a JSON file of user format descriptors (as the vlmLens.formats setting)
  --convention C     convention of the predictions (${CONVENTIONS.join(', ')}; default pixel)
  --gt-convention C  convention of the ground truth (default: the same as --convention)
  --dataset FILE     the eval input, joined by id for w / h / new_w / new_h (needed for any
                     convention other than pixel); or, for a classifier's output, the LeRobot
                     dataset folder its frames come from: labels missing from the file are its
                     frames' labels (the argmax of reward_bins), looked up by episode and frame
  --ordinal          class ids are ordered bins: also give the accuracy within one class
  --threshold X      an IoU threshold for Acc@IoU (repeatable; default 0.1 and 0.5)
  --json             print {aggregate, samples} as JSON
Exit codes: 0 scored, 1 no sample could be scored, 2 usage or I/O error.`,
  options: {
    task: { type: 'string' },
    kind: { type: 'string' },
    format: { type: 'string' },
    convention: { type: 'string' },
    'gt-convention': { type: 'string' },
    dataset: { type: 'string' },
    threshold: { type: 'string', multiple: true },
    ordinal: { type: 'boolean' },
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
    const kind = values.kind as string | undefined;
    if (kind !== undefined && !(KINDS as string[]).includes(kind)) throw new UsageError(`--kind must be one of ${KINDS.join(', ')}, got '${kind}'`);
    const file = resolve(positionals[0]);
    let r;
    try {
      const formats = values.format ? await loadFormatOption(resolve(values.format as string), file) : undefined;
      r = await scorePredictionFile(file, {
        task: values.task as string | undefined,
        kind: kind as TaskKind | undefined,
        formats,
        convention: conv('convention'),
        gtConvention: conv('gt-convention'),
        dataset: values.dataset ? resolve(values.dataset as string) : undefined,
        thresholds: thresholds.length ? thresholds : undefined,
        ordinal: values.ordinal === true ? true : undefined,
      });
    } catch (e) {
      io.stderr.write(`vlm-lens metrics: ${e instanceof Error ? e.message : String(e)}\n`);
      return EXIT_USAGE;
    }
    for (const p of r.problems) io.stderr.write(`${relative(process.cwd(), file) || file}: ${p}\n`);
    const a = r.aggregate;
    const scored = r.samples.filter((s) => s.score !== undefined).length;
    const code = scored > 0 ? EXIT_OK : EXIT_FINDINGS;
    if (values.json) {
      io.stdout.write(`${JSON.stringify({ file: r.file, listKey: r.listKey, stated: r.stated, aggregate: a, samples: r.samples }, null, 2)}\n`);
      if (code !== EXIT_OK) io.stderr.write(`vlm-lens metrics: no sample could be scored (${a.decision ?? ''})\n`);
      return code;
    }
    const head = (g: MetricAggregate, samples: number) => `${g.task} (${g.kind}${g.convention ? `, ${g.convention}` : ''}${g.unit === 'm' ? ', metres' : ''}): ${samples} samples, ${samples - g.unscored} scorable`;
    io.stdout.write(`${head(a, a.samples)}\n`);
    if (a.decision) io.stdout.write(`  decided: ${a.decision}\n`);
    for (const g of a.groups ?? [a]) {
      if (a.groups) io.stdout.write(`  [${g.kind}] ${g.samples} samples, ${g.samples - g.unscored} scorable\n`);
      for (const [k, v] of Object.entries(g.metrics)) io.stdout.write(`  ${a.groups ? '  ' : ''}${k.padEnd(16)} ${fmt(v)}\n`);
      if (a.groups) for (const n of g.notes) io.stdout.write(`    note: ${n}\n`);
    }
    for (const n of a.notes) io.stdout.write(`  note: ${n}\n`);
    const c = a.classification ?? a.groups?.find((g) => g.classification)?.classification;
    if (c) io.stdout.write(confusionText(c));
    io.stdout.write('\nper sample (line, id, kind, score):\n');
    for (const s of r.samples) io.stdout.write(`  ${s.line === undefined ? '-' : s.line + 1}\t${s.id ?? '-'}\t${s.kind}\t${s.score === undefined ? '-' : fmt(s.score)}${s.note ? `\t${s.note}` : ''}\n`);
    if (code !== EXIT_OK) io.stderr.write('vlm-lens metrics: no sample could be scored: every number above would be a guess, so none is given\n');
    return code;
  },
};
