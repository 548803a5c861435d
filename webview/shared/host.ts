/**
 * The only place that calls acquireVsCodeApi (it may be called once per page).
 * State saved here is UI state only (selection, search text), never dataset content.
 */
export interface HostApi<S> {
  postMessage(message: unknown): void;
  getState(): S | undefined;
  setState(state: S): void;
}

let api: HostApi<unknown> | undefined;

export function host<S>(): HostApi<S> {
  api ??= acquireVsCodeApi() as HostApi<unknown>;
  return api as HostApi<S>;
}
