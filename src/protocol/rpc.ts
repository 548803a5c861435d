/**
 * A small typed RPC over `postMessage`, used by the host and by every webview.
 *
 * Each surface declares four maps (see datasetViewer.ts, evalPanel.ts):
 *   - requests the *other* side answers   (method -> { params; result })
 *   - notifications the *other* side receives (method -> params)
 * and the endpoint is typed by what it sends and what it handles.
 *
 * Replies carry `inReplyTo`; an error reply rejects the caller's promise; pending
 * requests reject when the endpoint is disposed (the other side went away), so no
 * promise is left hanging (the hexeditor MessageHandler never did that).
 */

/** A request/response contract: method name -> params and result. */
export type RequestMap = Record<string, { params: unknown; result: unknown }>;
/** A notification contract: method name -> params. */
export type NotificationMap = Record<string, unknown>;

/** What travels over postMessage. */
export type WireMessage =
  | { kind: 'request'; id: number; method: string; params: unknown }
  | { kind: 'response'; inReplyTo: number; result: unknown }
  | { kind: 'error'; inReplyTo: number; message: string }
  | { kind: 'notification'; method: string; params: unknown };

/** Error raised on the caller's side when the remote handler failed or the endpoint closed. */
export class RpcError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RpcError';
  }
}

type Pending = { resolve: (v: unknown) => void; reject: (e: Error) => void; timer?: ReturnType<typeof setTimeout> };

export function isWireMessage(value: unknown): value is WireMessage {
  if (typeof value !== 'object' || value === null) return false;
  const kind = (value as { kind?: unknown }).kind;
  return kind === 'request' || kind === 'response' || kind === 'error' || kind === 'notification';
}

/**
 * One side of a conversation.
 * @typeParam OutReq   requests this side sends (the other side answers them)
 * @typeParam InReq    requests this side answers
 * @typeParam OutNote  notifications this side sends
 * @typeParam InNote   notifications this side receives
 */
export class RpcEndpoint<OutReq extends RequestMap, InReq extends RequestMap, OutNote extends NotificationMap, InNote extends NotificationMap> {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly requestHandlers = new Map<string, (params: unknown) => unknown>();
  private readonly notificationHandlers = new Map<string, Array<(params: unknown) => void>>();
  private disposed = false;

  /**
   * @param post        sends one message to the other side
   * @param timeoutMs   rejects a request with no reply after this long (0: never)
   * @param onHandlerError called when a notification handler throws (requests report errors to the caller)
   */
  constructor(
    private readonly post: (message: WireMessage) => void,
    private readonly timeoutMs = 0,
    private readonly onHandlerError: (method: string, error: unknown) => void = () => undefined,
  ) {}

  /** Sends a request and resolves with the other side's result. */
  request<K extends keyof OutReq & string>(method: K, params: OutReq[K]['params']): Promise<OutReq[K]['result']> {
    if (this.disposed) return Promise.reject(new RpcError(`RPC endpoint closed before '${method}'`));
    const id = this.nextId++;
    return new Promise<OutReq[K]['result']>((resolve, reject) => {
      const entry: Pending = { resolve, reject };
      if (this.timeoutMs > 0) {
        entry.timer = setTimeout(() => {
          this.pending.delete(id);
          reject(new RpcError(`'${method}' got no reply within ${this.timeoutMs} ms`));
        }, this.timeoutMs);
      }
      this.pending.set(id, entry);
      this.post({ kind: 'request', id, method, params });
    });
  }

  /** Sends a fire-and-forget notification. */
  notify<K extends keyof OutNote & string>(method: K, params: OutNote[K]): void {
    if (this.disposed) return;
    this.post({ kind: 'notification', method, params });
  }

  /** Registers the handler answering `method`; its return value (or promise) is the reply. */
  onRequest<K extends keyof InReq & string>(method: K, handler: (params: InReq[K]['params']) => InReq[K]['result'] | Promise<InReq[K]['result']>): void {
    this.requestHandlers.set(method, handler);
  }

  /** Registers a handler for a notification; returns a function that removes it. */
  onNotification<K extends keyof InNote & string>(method: K, handler: (params: InNote[K]) => void): () => void {
    const list = this.notificationHandlers.get(method) ?? [];
    const h = handler as (params: unknown) => void;
    list.push(h);
    this.notificationHandlers.set(method, list);
    return () => {
      const cur = this.notificationHandlers.get(method);
      if (cur) this.notificationHandlers.set(method, cur.filter((x) => x !== h));
    };
  }

  /** Feeds one incoming message (from `onDidReceiveMessage` / `window.onmessage`). Ignores foreign messages. */
  async handleMessage(raw: unknown): Promise<void> {
    if (!isWireMessage(raw) || this.disposed) return;
    switch (raw.kind) {
      case 'response':
      case 'error': {
        const p = this.pending.get(raw.inReplyTo);
        if (!p) return;
        this.pending.delete(raw.inReplyTo);
        if (p.timer) clearTimeout(p.timer);
        if (raw.kind === 'response') p.resolve(raw.result);
        else p.reject(new RpcError(raw.message));
        return;
      }
      case 'notification': {
        for (const h of this.notificationHandlers.get(raw.method) ?? []) {
          try {
            h(raw.params);
          } catch (e) {
            this.onHandlerError(raw.method, e);
          }
        }
        return;
      }
      case 'request': {
        const handler = this.requestHandlers.get(raw.method);
        if (!handler) {
          this.post({ kind: 'error', inReplyTo: raw.id, message: `No handler for '${raw.method}'` });
          return;
        }
        try {
          const result = await handler(raw.params);
          if (!this.disposed) this.post({ kind: 'response', inReplyTo: raw.id, result });
        } catch (e) {
          if (!this.disposed) this.post({ kind: 'error', inReplyTo: raw.id, message: e instanceof Error ? e.message : String(e) });
        }
        return;
      }
    }
  }

  /** Rejects every pending request and stops sending. */
  dispose(): void {
    this.disposed = true;
    for (const [, p] of this.pending) {
      if (p.timer) clearTimeout(p.timer);
      p.reject(new RpcError('RPC endpoint closed'));
    }
    this.pending.clear();
    this.requestHandlers.clear();
    this.notificationHandlers.clear();
  }
}
