/**
 * Which processes of an eval run's group survived the window that started it, read from
 * Linux `/proc/<pid>/stat` lines. A run record names its group (the leader's pid, which is
 * the group id) with the leader's start time and the boot it ran in: a group is only taken
 * for the run's when the boot is the same and every member started no earlier than the
 * leader, so a reused number (or a planted run.json naming someone else's process) never
 * gets a signal. Pure.
 */

export interface ProcStat {
  pid: number;
  /** process group id */
  pgrp: number;
  /** start time in clock ticks after boot */
  startTicks: number;
}

/** Parses one `/proc/<pid>/stat` line (the command name may hold spaces and parentheses). */
export function parseProcStat(text: string): ProcStat | undefined {
  const close = text.lastIndexOf(')');
  const open = text.indexOf('(');
  if (close < 0 || open < 0) return undefined;
  const pid = Number(text.slice(0, open).trim());
  // fields after the name: state(3) ppid(4) pgrp(5) … starttime(22)
  const rest = text.slice(close + 1).trim().split(/\s+/);
  const pgrp = Number(rest[2]);
  const startTicks = Number(rest[19]);
  if (!Number.isInteger(pid) || !Number.isInteger(pgrp) || !Number.isFinite(startTicks)) return undefined;
  return { pid, pgrp, startTicks };
}

export interface RecordedGroup {
  pgid: number;
  startTicks?: number;
  bootId?: string;
}

/**
 * The pids still in the recorded group, or why none may be signalled: nothing recorded to
 * tell the group apart (no start time, another boot) means none.
 */
export function survivingMembers(group: RecordedGroup, bootIdNow: string | undefined, procs: Iterable<ProcStat>): { pids: number[]; reason?: string } {
  if (group.startTicks === undefined || group.bootId === undefined || bootIdNow === undefined) return { pids: [], reason: 'the run record does not say when its process started, so it cannot be told from another process with the same number' };
  if (group.bootId !== bootIdNow) return { pids: [], reason: 'the machine has restarted since the run started' };
  const pids: number[] = [];
  for (const p of procs) if (p.pgrp === group.pgid && p.startTicks >= group.startTicks) pids.push(p.pid);
  return { pids };
}
