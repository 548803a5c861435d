import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RpcEndpoint, RpcError, type WireMessage } from '../../src/protocol/rpc';

type HostReq = { add: { params: { a: number; b: number }; result: number }; fail: { params: null; result: never } };
type Notes = { progress: { n: number } };
type None = Record<string, never>;

/** Two endpoints wired back to back, with messages delivered asynchronously like postMessage. */
function pair() {
  const host = new RpcEndpoint<None, HostReq, Notes, None>((m) => queueMicrotask(() => void web.handleMessage(m)));
  const web = new RpcEndpoint<HostReq, None, None, Notes>((m) => queueMicrotask(() => void host.handleMessage(m)));
  return { host, web };
}

test('a request gets the handler result as its reply', async () => {
  const { host, web } = pair();
  host.onRequest('add', ({ a, b }) => a + b);
  assert.equal(await web.request('add', { a: 2, b: 3 }), 5);
});

test('a handler error rejects the caller with its message', async () => {
  const { host, web } = pair();
  host.onRequest('fail', () => {
    throw new Error('boom');
  });
  await assert.rejects(web.request('fail', null), (e: unknown) => e instanceof RpcError && e.message === 'boom');
});

test('an unknown method is an error reply, not a hang', async () => {
  const { web } = pair();
  await assert.rejects(web.request('add', { a: 1, b: 1 }), /No handler for 'add'/);
});

test('notifications reach every registered handler until removed', async () => {
  const { host, web } = pair();
  const seen: number[] = [];
  const off = web.onNotification('progress', ({ n }) => seen.push(n));
  host.notify('progress', { n: 1 });
  await new Promise((r) => setTimeout(r, 0));
  off();
  host.notify('progress', { n: 2 });
  await new Promise((r) => setTimeout(r, 0));
  assert.deepEqual(seen, [1]);
});

test('dispose rejects pending requests', async () => {
  const sent: WireMessage[] = [];
  const web = new RpcEndpoint<HostReq, None, None, None>((m) => sent.push(m));
  const p = web.request('add', { a: 1, b: 2 });
  web.dispose();
  await assert.rejects(p, /closed/);
  assert.equal(sent.length, 1);
});

test('a request with no reply times out', async () => {
  const web = new RpcEndpoint<HostReq, None, None, None>(() => undefined, 20);
  await assert.rejects(web.request('add', { a: 1, b: 2 }), /no reply within 20 ms/);
});

test('foreign messages are ignored', async () => {
  const { host } = pair();
  await host.handleMessage({ hello: 'world' });
  await host.handleMessage(null);
});
