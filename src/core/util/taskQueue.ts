import { AbortError } from '../index/recordIndex';

interface Entry {
  run: () => Promise<unknown>;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
  priority: number;
  signal?: AbortSignal;
  onAbort?: () => void;
}

/**
 * A bounded work queue: at most `concurrency` tasks run at once, higher priority first,
 * and a task whose signal aborts before it starts is dropped (rejected with AbortError).
 * Used to keep image decoding off the critical path and to forget work for rows the user
 * has scrolled away from.
 */
export class TaskQueue {
  private running = 0;
  private readonly waiting: Entry[] = [];

  constructor(private readonly concurrency: number) {}

  get pending(): number {
    return this.waiting.length;
  }

  get active(): number {
    return this.running;
  }

  run<T>(task: () => Promise<T>, opts: { signal?: AbortSignal; priority?: number } = {}): Promise<T> {
    if (opts.signal?.aborted) return Promise.reject(new AbortError());
    return new Promise<T>((resolve, reject) => {
      const entry: Entry = { run: task, resolve: resolve as (v: unknown) => void, reject, priority: opts.priority ?? 0, signal: opts.signal };
      if (opts.signal) {
        entry.onAbort = () => {
          const i = this.waiting.indexOf(entry);
          if (i >= 0) {
            this.waiting.splice(i, 1);
            reject(new AbortError());
          }
        };
        opts.signal.addEventListener('abort', entry.onAbort, { once: true });
      }
      // keep `waiting` sorted by priority (stable for equal priorities)
      let at = this.waiting.length;
      while (at > 0 && this.waiting[at - 1].priority < entry.priority) at--;
      this.waiting.splice(at, 0, entry);
      this.pump();
    });
  }

  private pump(): void {
    while (this.running < this.concurrency && this.waiting.length > 0) {
      const e = this.waiting.shift() as Entry;
      if (e.onAbort) e.signal?.removeEventListener('abort', e.onAbort);
      this.running++;
      e.run()
        .then(e.resolve, e.reject)
        .finally(() => {
          this.running--;
          this.pump();
        });
    }
  }
}
