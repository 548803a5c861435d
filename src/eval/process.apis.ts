/**
 * The one place that starts processes (execa). A program and an argument array, never a
 * shell string; output streamed as text chunks; stopping sends SIGTERM to the process group
 * (the script and the children it spawned), then SIGKILL after a grace period.
 */
import { execa } from 'execa';

import type { ProcessExit, ProcessHandlers, ProcessSpec, RunningProcess } from '../core/eval/process';

export type { ProcessExit, ProcessHandlers, ProcessSpec, RunningProcess };

export function startProcess(spec: ProcessSpec, on: ProcessHandlers): RunningProcess {
  let stopped = false;
  const child = execa(spec.file, spec.args, {
    cwd: spec.cwd,
    env: spec.env,
    extendEnv: true,
    reject: false,
    buffer: false,
    stdin: 'ignore',
    // its own process group, so stop() reaches the children (python → dataloader workers)
    detached: true,
    forceKillAfterDelay: false,
    encoding: 'utf8',
  });
  // decoded as UTF-8 by the stream (a character split across chunks stays whole)
  child.stdout?.setEncoding('utf8');
  child.stderr?.setEncoding('utf8');
  child.stdout?.on('data', (s: string) => on.stdout(s));
  child.stderr?.on('data', (s: string) => on.stderr(s));
  const signalGroup = (sig: NodeJS.Signals) => {
    if (child.pid === undefined) return;
    try {
      process.kill(-child.pid, sig);
    } catch {
      try {
        child.kill(sig);
      } catch {
        /* already gone */
      }
    }
  };
  const exited = child.then(
    (r) => {
      const spawnError = r.failed && r.exitCode === undefined && !r.signal ? r.shortMessage : undefined;
      return { exitCode: r.exitCode, signal: r.signal, spawnError, stopped };
    },
    (e: unknown) => ({ spawnError: e instanceof Error ? e.message : String(e), stopped }),
  );
  return {
    pid: child.pid,
    exited,
    kill() {
      stopped = true;
      signalGroup('SIGTERM');
      signalGroup('SIGKILL');
    },
    stop(graceMs = 3000) {
      if (stopped) return;
      stopped = true;
      signalGroup('SIGTERM');
      const timer = setTimeout(() => signalGroup('SIGKILL'), graceMs);
      void exited.then(() => {
        clearTimeout(timer);
        // children that outlived the script get the same treatment
        signalGroup('SIGKILL');
      });
    },
  };
}
