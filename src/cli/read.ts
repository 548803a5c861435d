import { relative, resolve } from 'node:path';
import { readMetricsFile } from '../core/eval/readMetricsFile';
import { EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, UsageError, type CliCommand } from './main';

const fmt = (v: number) => (Number.isInteger(v) ? String(v) : Math.abs(v) < 1e-3 && v !== 0 ? v.toExponential(3) : v.toFixed(4));

export const readCommand: CliCommand = {
  name: 'read',
  summary: 'the metrics of a trainer_state.json, an lmms-eval results.json or an eval log',
  usage: `Usage: vlm-lens read <file> [--json]

What "Show in VLM Lens" shows, as text: for a HF Trainer trainer_state.json the facts (steps,
best checkpoint), the last and lowest loss / eval loss, and each curve (points, first, last,
lowest); for an lmms-eval *_results.json (or any JSON of numbers) the metrics per task; for a
RoboInter log or a generation.py output the per-task IoU / accuracy / DTW lines, errors and
missing files (a log without those lines: its "key: value" lines, said in a note). Python's
bare NaN / Infinity in JSON are read as missing values and counted.

Options:
  --json   print the whole view (metrics, facts, curves, notes, errors) as JSON
Exit codes: 0 metrics found, 1 none found, 2 usage or I/O error.`,
  options: { json: { type: 'boolean' } },
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
    if (values.json) {
      io.stdout.write(`${JSON.stringify({ file, ...v }, null, 2)}\n`);
      return v.metrics.length ? EXIT_OK : EXIT_FINDINGS;
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
      io.stdout.write(`  ${c.name.padEnd(18)} ${c.total}, step ${pts[0].step} ${fmt(pts[0].value)} → step ${pts[pts.length - 1].step} ${fmt(pts[pts.length - 1].value)}, lowest ${fmt(low.value)} at step ${low.step}\n`);
    }
    for (const n of v.notes) io.stdout.write(`note: ${n}\n`);
    for (const e of v.errors) io.stderr.write(`${name}: ${e}\n`);
    return v.metrics.length ? EXIT_OK : EXIT_FINDINGS;
  },
};
