import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { EXIT_OK, type CliCommand } from './main';
import { RunStore } from '../core/eval/runStore';
import { runLabel, runTime, type RunRecord } from '../core/eval/runs';
import { profilesFromSettings } from '../core/eval/profileSettings';
import { SlurmClient, describeJob } from '../core/eval/slurm';
import { followSlurmRun, isSlurmRunOpen } from '../core/eval/slurmRunner';
import { startProcess } from '../eval/process.apis';
import { outcome } from './eval';

export const runsCommand: CliCommand = {
  name: 'runs',
  summary: 'list the eval runs of a workspace and their states; Slurm jobs are checked and collected',
  usage: `Usage: vlm-lens runs [--workspace DIR] [--json]

Lists the eval runs saved under DIR/.vlm-lens/runs (the extension's and vlm-lens eval's),
newest first, with their states. A Slurm run still queued or running is asked about once:
its state now (pending with its place and reason, running on which node), and when its job
has ended, the run is finished as "vlm-lens eval" would have: its log read, its predictions
scored, its record saved. Run folders that cannot be read are listed with the reason.

Options:
  --workspace DIR   the workspace folder (default: the current folder)
  --json            print {runs: [...], broken: [...]} as JSON
Exit codes: 0 listed (whatever the runs' states), 2 usage or I/O error.`,
  options: { workspace: { type: 'string' }, json: { type: 'boolean' } },
  async run({ values }, io) {
    const workspace = resolve((values.workspace as string | undefined) ?? '.');
    const store = RunStore.forFolder(workspace);
    const { runs, broken } = await store.list();
    const records = runs.map((r) => r.run);
    const open = records.filter(isSlurmRunOpen);
    if (open.length) {
      let bin: string | undefined;
      try {
        bin = profilesFromSettings(await readFile(join(workspace, '.vscode', 'settings.json'), 'utf8')).slurm?.bin;
      } catch {
        /* no settings: PATH */
      }
      const client = new SlurmClient(startProcess, { bin, cwd: workspace });
      for (const run of open) {
        // one look: a job still going is reported as it is; one that ended is finished
        await followSlurmRun(store, run, { client, isCancelled: () => false, once: true });
      }
    }
    records.sort((a, b) => b.id.localeCompare(a.id));
    if (values.json) {
      io.stdout.write(`${JSON.stringify({ runs: records, broken }, null, 2)}\n`);
      return EXIT_OK;
    }
    if (records.length === 0 && broken.length === 0) io.stdout.write(`no runs in ${store.root}\n`);
    for (const r of records) io.stdout.write(`${r.id}  ${runTime(r)}  ${r.profile}  ${runLabel(r)}  ${line(r)}\n`);
    for (const b of broken) io.stdout.write(`${b.dir}  unreadable: ${b.error}\n`);
    return EXIT_OK;
  },
};

function line(r: RunRecord): string {
  if (r.slurm && (r.status === 'queued' || r.status === 'running')) return `Slurm job ${r.slurm.jobId}: ${describeJob(r.slurm)}`;
  return outcome(r);
}
