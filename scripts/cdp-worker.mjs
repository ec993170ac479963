// Shared by the benchmarks (scripts/bench.mjs, scripts/bench-mesh.mjs): CPU profiles of a peer's worker.

/**
 * A CDP channel to the page's dedicated worker: the page session auto-attaches to it (not
 * flattened, so that Playwright's own session is untouched) and messages are relayed with
 * Target.sendMessageToTarget.
 */
export async function workerChannel(page) {
  const client = await page.context().newCDPSession(page);
  let sessionId = null;
  let nextId = 1;
  const pending = new Map();
  let attached;
  const ready = new Promise((resolve) => (attached = resolve));
  client.on('Target.attachedToTarget', (event) => {
    if (event.targetInfo.type !== 'worker' || sessionId) return;
    sessionId = event.sessionId;
    attached();
  });
  client.on('Target.receivedMessageFromTarget', (event) => {
    if (event.sessionId !== sessionId) return;
    const message = JSON.parse(event.message);
    const waiter = pending.get(message.id);
    if (!waiter) return;
    pending.delete(message.id);
    if (message.error) waiter.reject(new Error(`${message.error.message} (${waiter.method})`));
    else waiter.resolve(message.result);
  });
  await client.send('Target.setAutoAttach', {
    autoAttach: true,
    waitForDebuggerOnStart: false,
    flatten: false,
  });
  return {
    ready,
    /** Ends the CDP session (and the worker session under it). */
    detach: () => client.detach(),
    send(method, params = {}) {
      const id = nextId++;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject, method });
        client
          .send('Target.sendMessageToTarget', {
            sessionId,
            message: JSON.stringify({ id, method, params }),
          })
          .catch(reject);
      });
    },
  };
}
