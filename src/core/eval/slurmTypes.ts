/**
 * What an eval profile and a run record hold of Slurm, as plain data with its checker: no
 * Node import, so the webviews' types (which see run records) can include it.
 */

/** `"slurm"` of an eval profile and the user-level `vlmLens.slurm` default. */
export interface SlurmSettings {
  /** sbatch options, each a separate argument: `["--partition=gpu", "--gres=gpu:1", "--time=02:00:00"]` */
  sbatch?: string[];
  /** the folder holding sbatch, squeue, scontrol, scancel and sacct (default: found on PATH) */
  bin?: string;
  /** submit the runs of one request as a job array (default true; one job per run when false or when the cluster refuses arrays) */
  array?: boolean;
}

/** What a run record keeps of its Slurm job. */
export interface SlurmJobRecord {
  /** `123`, or `123_4` for task 4 of job array 123 */
  jobId: string;
  /** Slurm's word for the job's state: PENDING, RUNNING, COMPLETED, FAILED, TIMEOUT… */
  state?: string;
  /** why it waits (Priority, Resources, QOSMaxGRESPerUser…) or why it ended */
  reason?: string;
  node?: string;
  partition?: string;
  /** its place among the pending jobs of its partition (1 = next) */
  position?: number;
  /** `code:signal` as Slurm prints it */
  exitCode?: string;
  /** the sbatch options it was submitted with */
  sbatch: string[];
  /** Slurm's own messages for the job (a time limit, a node failure), relative to the runs folder */
  output?: string;
}

/** Checks `"slurm"` of a profile or of `vlmLens.slurm`; returns what is wrong, or nothing. */
export function checkSlurmSettings(v: unknown, where: string): string | undefined {
  if (v === undefined || typeof v === 'boolean') return undefined;
  if (!v || typeof v !== 'object' || Array.isArray(v)) return `${where}: "slurm" must be an object ({"sbatch": ["--partition=gpu", …]})`;
  const o = v as Record<string, unknown>;
  if (o.sbatch !== undefined && (!Array.isArray(o.sbatch) || !o.sbatch.every((a) => typeof a === 'string')))
    return `${where}: "slurm.sbatch" must be a list of strings, one option each (["--partition=gpu", "--time=02:00:00"]), not a shell string`;
  if (o.bin !== undefined && typeof o.bin !== 'string') return `${where}: "slurm.bin" must be a folder path`;
  if (o.array !== undefined && typeof o.array !== 'boolean') return `${where}: "slurm.array" must be true or false`;
  return undefined;
}
