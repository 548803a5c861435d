/**
 * What a run needs of a process, as types: the program and argument array to start, where
 * its output goes, and how it ends. The one module that starts processes (execa) is
 * `src/eval/process.apis.ts`; tests pass a stand-in with the same shape.
 */
export interface ProcessSpec {
  file: string;
  args: string[];
  cwd: string;
  env?: Record<string, string>;
}

export interface ProcessHandlers {
  stdout(chunk: string): void;
  stderr(chunk: string): void;
}

export interface ProcessExit {
  exitCode?: number;
  signal?: string;
  /** the program could not be started (not found, not executable, bad cwd) */
  spawnError?: string;
  /** stopped through `stop()` */
  stopped: boolean;
}

export interface RunningProcess {
  readonly pid: number | undefined;
  readonly exited: Promise<ProcessExit>;
  /** SIGTERM to the group, SIGKILL after `graceMs` if it is still there. */
  stop(graceMs?: number): void;
  /** SIGTERM then SIGKILL to the whole group, now, synchronously (the window is closing). */
  kill(): void;
}

/** Starts a run's process; it must be its own group leader for the group to be recorded and stopped. */
export type ProcessStarter = (spec: ProcessSpec, on: ProcessHandlers) => RunningProcess;
