import { relative, resolve } from 'node:path';
import { readMetricsFile } from '../core/eval/readMetricsFile';
import type { MetricsFileView } from '../core/eval/metricsFile';
import { comparePdm } from '../core/eval/trainingLogs';
import { EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, UsageError, type CliCommand, type CliIO } from './main';

const fmt = (v: number) => (Number.isInteger(v) ? String(v) : Math.abs(v) < 1e-3 && v !== 0 ? v.toExponential(3) : v.toFixed(4));

export const readCommand: CliCommand = {
  name: 'read',
  summary: 'the metrics and curves of a training log, metrics CSV, trainer_state.json, results JSON or eval log',
  usage: `Usage: vlm-lens read <file> [--json] [--compare OTHER]

What "Show Metrics in VLM Lens" shows, as text: for a HF Trainer trainer_state.json the facts (steps,
best checkpoint), the last and lowest loss / eval loss, and each curve (points, first, last,
lowest); for an lmms-eval *_results.json (or any JSON of numbers) the metrics per task; for a
RoboInter log or a generation.py output the per-task IoU / accuracy / DTW lines, errors and
missing files (a log without those lines: its "key: value" lines, said in a note). Python's
bare NaN / Infinity in JSON are read as missing values and counted.
Also: CSV files of metrics per step (PyTorch Lightning's metrics.csv, rewards.csv, any CSV with
a step / epoch column), NAVSIM run_pdm_score result CSVs (sub-score means over the valid
scenes, checked against the file's average row, the worst scenes), a JSON list of per-step
dicts, and the stdout of HF Trainer / TRL runs ({'loss': …, 'rewards/…': …} lines); curves
are grouped by what they measure (loss, reward, kl, length, eval, learning rate, grad norm,
other) with the best point of each; the failure a log ended with (out of memory, argparse,
a missing file, an NCCL timeout, a traceback's last frame) is said with its line.

Options:
  --json           print the whole view (metrics, facts, curves as {name, group, points, best},
                   notes, errors, failure) as JSON
  --compare OTHER  two NAVSIM PDM result CSVs scene by scene (this one → OTHER): how many
                   scenes got better / worse and by how much
Exit codes: 0 metrics or curves found, 1 none found, 2 usage or I/O error.`,
  options: { json: { type: 'boolean' }, compare: { type: 'string' } },
  async run({ values, positionals }, io) {
    if (positionals.length !== 1) throw new UsageError('expected one file (see vlm-lens read --help)');
    const file = resolve(positionals[0]);
    const name = relative(process.cwd(), file) || file;
    let v;
    try {
      v = await readMetricsFile(file, { maxPoints: Infinity });
    } catch (e) {
      io.stderr.write(`vlm-lens read: ${name}: ${e instanceof Error ? e.message : String(e)}\n`);
      return EXIT_USAGE;
    }
    if (!v) return EXIT_USAGE;
    if (values.compare) return compare(v, resolve(values.compare as string), !!values.json, io);
    if (values.json) {
      io.stdout.write(`${JSON.stringify({ file, ...v }, null, 2)}\n`);
      return found(v);
    }
    io.stdout.write(`${name} (${v.kind})\n`);
    for (const f of v.facts) io.stdout.write(`  ${f.name}: ${f.value}\n`);
    if (v.metrics.length) io.stdout.write('metrics:\n');
    const taskWidth = Math.max(0, ...v.metrics.map((m) => (m.task ?? '').length));
    for (const m of v.metrics) io.stdout.write(`  ${taskWidth ? `${(m.task ?? '').padEnd(taskWidth)}  ` : ''}${m.name.padEnd(18)} ${fmt(m.value)}  (${m.source})\n`);
    if (v.curves.length) io.stdout.write('curves (points, first → last, lowest):\n');
    for (const c of v.curves) {
      const pts = c.points.filter((p) => p.value !== null) as Array<{ step: number; value: number }>;
      if (!pts.length) continue;
      const low = pts.reduce((a, p) => (p.value < a.value ? p : a));
      const best = c.best && c.best.higherIsBetter ? `, best (highest) ${fmt(c.best.value)} at step ${c.best.step}` : '';
      io.stdout.write(`  ${c.name.padEnd(18)} ${c.total}, step ${pts[0].step} ${fmt(pts[0].value)} → step ${pts[pts.length - 1].step} ${fmt(pts[pts.length - 1].value)}, lowest ${fmt(low.value)} at step ${low.step}${best}\n`);
    }
    if (v.pdm?.worst.length) {
      io.stdout.write('worst scenes (line, token, score):\n');
      for (const w of v.pdm.worst.slice(0, 10)) io.stdout.write(`  ${w.line}\t${w.token}\t${fmt(w.score)}\n`);
      io.stdout.write(`score distribution: ${v.pdm.histogram.map((b) => `${b.from.toFixed(1)}–${b.to.toFixed(1)}: ${b.count}`).join(', ')}\n`);
    }
    for (const n of v.notes) io.stdout.write(`note: ${n}\n`);
    for (const e of v.errors) io.stderr.write(`${name}: ${e}\n`);
    return found(v);
  },
};

/** The exit code of a read: 0 when the file holds metrics or curves (text and --json alike). */
const found = (v: MetricsFileView) => (v.metrics.length || v.curves.length ? EXIT_OK : EXIT_FINDINGS);

/** Two NAVSIM PDM result files scene by scene. */
async function compare(a: MetricsFileView, otherPath: string, json: boolean, io: CliIO): Promise<number> {
  let b: MetricsFileView | undefined;
  try {
    b = await readMetricsFile(otherPath, { maxPoints: Infinity });
  } catch (e) {
    io.stderr.write(`vlm-lens read: ${otherPath}: ${e instanceof Error ? e.message : String(e)}\n`);
    return EXIT_USAGE;
  }
  if (!a.pdm || !b?.pdm) {
    io.stderr.write('vlm-lens read: --compare takes two NAVSIM PDM result CSVs (a token column and PDM sub-scores)\n');
    return EXIT_USAGE;
  }
  const c = comparePdm(a.pdm.sceneList, b.pdm.sceneList);
  if (json) {
    io.stdout.write(`${JSON.stringify(c, null, 2)}\n`);
    return EXIT_OK;
  }
  io.stdout.write(`${c.common} scene(s) valid in both: mean score ${fmt(c.meanA)} → ${fmt(c.meanB)}\n`);
  io.stdout.write(`  better ${c.better}, worse ${c.worse}, same ${c.same}; only in the first ${c.onlyA}, only in the second ${c.onlyB}\n`);
  io.stdout.write('largest changes (token, first, second, change):\n');
  for (const r of c.largest.slice(0, 10)) io.stdout.write(`  ${r.token}\t${fmt(r.a)}\t${fmt(r.b)}\t${r.delta > 0 ? '+' : ''}${fmt(r.delta)}\n`);
  return EXIT_OK;
}
