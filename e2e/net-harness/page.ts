// Test-only page: starts the production network owner (worker/net/net-owner.ts) for a harness
// worker and exposes the worker's calls on window.net, and the page-side link stats on
// window.netStats.
import { startNetOwner } from '../../worker/net/net-owner';
import type { RtcLinkStats } from '../../worker/net/rtc-links';
import type { HarnessMethods } from './protocol';

declare global {
  interface Window {
    net: HarnessMethods;
    netStats(): RtcLinkStats;
  }
}

const worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
// `?direct=0`: every link stays on the page path (the fallback; e2e/net.spec.ts).
const owner = startNetOwner(worker, 1, {
  direct: new URLSearchParams(location.search).get('direct') !== '0',
});
let nextId = 1;
const pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
worker.onmessage = (event: MessageEvent<{ id: number; result?: unknown; error?: string }>) => {
  const call = pending.get(event.data.id);
  pending.delete(event.data.id);
  if (event.data.error !== undefined) call?.reject(new Error(event.data.error));
  else call?.resolve(event.data.result);
};

window.net = new Proxy({} as HarnessMethods, {
  get:
    (_target, method: string) =>
    (...params: unknown[]) =>
      new Promise((resolve, reject) => {
        const id = nextId++;
        pending.set(id, { resolve, reject });
        worker.postMessage({ id, method, params });
      }),
});
window.netStats = () => ({ ...owner.links.stats });
