import { RpcEndpoint, type NotificationMap, type RequestMap } from '../../src/protocol/rpc';
import { host } from './host';

/**
 * The webview's end of the RPC: requests go to the host, notifications come from it.
 * @typeParam Req requests the host answers
 * @typeParam Cmd notifications the webview sends
 * @typeParam Ev  notifications the host sends
 */
export function connect<Req extends RequestMap, Cmd extends NotificationMap, Ev extends NotificationMap>(): RpcEndpoint<Req, Record<string, never>, Cmd, Ev> {
  const vscode = host();
  const rpc = new RpcEndpoint<Req, Record<string, never>, Cmd, Ev>((m) => vscode.postMessage(m), 60_000, (method, e) => console.error(`handler for ${method} failed`, e));
  window.addEventListener('message', (event: MessageEvent<unknown>) => void rpc.handleMessage(event.data));
  return rpc;
}
