/**
 * Reads Linux `/proc` for the eval runner: a process's start time and the boot id (recorded
 * with a run), and the processes of a group (to stop what an interrupted run left behind).
 * Elsewhere every answer is "unknown", and nothing is signalled.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { parseProcStat, type ProcStat } from './processGroup';

export function bootId(): string | undefined {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

export function procStat(pid: number): ProcStat | undefined {
  try {
    return parseProcStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return undefined;
  }
}

/** Every process this user can see (those that vanish while reading are skipped). */
export function* allProcs(): Generator<ProcStat> {
  let names: string[];
  try {
    names = readdirSync('/proc');
  } catch {
    return;
  }
  for (const n of names) {
    if (!/^\d+$/.test(n)) continue;
    const s = procStat(Number(n));
    if (s) yield s;
  }
}

/** SIGKILL to each pid (synchronous); returns how many were signalled. */
export function killAll(pids: number[]): number {
  let n = 0;
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
      n++;
    } catch {
      /* gone already */
    }
  }
  return n;
}
