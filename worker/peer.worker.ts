/// <reference lib="webworker" />
// Worker entry: one BoT peer. Claims a peer slot with navigator.locks (a reload gets the same
// slot back once the old worker is gone; a second tab gets the next one), opens its IndexedDB
// database, and answers typed RPC calls from the page through the API dispatcher
// (host/dispatch.ts: every parameter checked). Calls made before start-up are queued by the
// page's client.
import { openSecretBox } from './host/keys-at-rest';
import { installFastSha256 } from './host/fast-hash';
import { IdbBlobStore } from './data/blob-idb';
import { MultiHost, type ChainSlot } from './host/multi-host';
import { chainsActiveMax } from './core/limits';
import { dispatch, errorToApi } from './host/dispatch';
import { IdbStorage } from './store/idb';
import { browserVerifier } from './host/browser-verifier';
import { botError } from './core/errors';
import type { PeerEvent, RpcRequest, WorkerMessage } from './api';
import { rpcRequestFrom } from './rpc';

import { createWorkerNet, defaultRelayUrl } from './net/browser';
import { isNetDirectMessage, isNetPortMessage } from './net/driver';
import type { DirectChannel } from './net/direct';

declare const self: DedicatedWorkerGlobalScope;

const slotCountMax = 16;

function post(message: WorkerMessage): void {
  self.postMessage(message);
}

const preferredSlotWaitMs = 5_000;

function holdLock(name: string, wait: AbortSignal | null): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const options: LockOptions = wait ? { signal: wait } : { ifAvailable: true };
    navigator.locks
      .request(name, options, (lock) => {
        if (!lock) {
          resolve(false);
          return undefined;
        }
        resolve(true);
        return new Promise<void>(() => {}); // held until the worker ends
      })
      .catch(() => resolve(false));
  });
}

/**
 * Hold a slot lock for the life of this worker. The tab's previous slot (kept in
 * sessionStorage by the page, which survives reloads) is waited for briefly, since the worker
 * of the page being reloaded may still hold it; otherwise the first free slot.
 */
async function claimSlot(): Promise<number> {
  const preferred = Number(/slot=(\d+)/.exec(self.name)?.[1] ?? NaN);
  if (Number.isInteger(preferred) && preferred >= 0 && preferred < slotCountMax) {
    if (await holdLock(`bot-peer-slot-${preferred}`, AbortSignal.timeout(preferredSlotWaitMs)))
      return preferred;
  }
  for (let slot = 0; slot < slotCountMax; slot++) {
    if (await holdLock(`bot-peer-slot-${slot}`, null)) return slot;
  }
  throw botError(
    'NOT_READY',
    `All ${slotCountMax} peer slots of this browser are in use; close a tab.`,
  );
}

async function boot(): Promise<MultiHost> {
  // The core's SHA-256 (a small wasm, compiled and checked) is made while the slot and the
  // databases open; the host's start waits for the same promise.
  void installFastSha256();
  const slot = await claimSlot();
  post({ event: { type: 'slot', slot } });
  const storage = await IdbStorage.open(`bot-peer-${slot}`, {
    checkpointWorker: true,
    recordFiles: true,
  });
  const verifier = await browserVerifier();
  const blobs = await IdbBlobStore.open(`bot-blobs-${slot}`);
  // Several chains per peer (host/multi-host.ts): each further chain in IndexedDB databases of
  // its own, and on a network of its own (a hub bridged by one more port from the page).
  const openChain = async (chainId: string): Promise<ChainSlot> => {
    const net = extraNetworks.find((n) => !n.inUse);
    if (net) net.inUse = true;
    const chainStorage = await IdbStorage.open(`bot-peer-${slot}-chain-${chainId}`, {
      checkpointWorker: true,
      recordFiles: true,
    });
    const chainBlobs = await IdbBlobStore.open(`bot-blobs-${slot}-chain-${chainId}`);
    return {
      storage: chainStorage,
      blobs: chainBlobs,
      ...(net ? { net: net.net } : {}),
      async close() {
        chainStorage.close();
        await chainBlobs.close();
        if (net) net.inUse = false;
      },
    };
  };
  return new MultiHost({
    openChain,
    host: {
      storage,
      secretBox: await openSecretBox(storage),
      blobs,
      storageKind: 'indexeddb',
      verifier,
      now: () => Date.now(),
      randomBytes: (length) => crypto.getRandomValues(new Uint8Array(length)),
      emit: (event: PeerEvent) => post({ event }),
      net: network.net,
      inviteBase: `${self.location.origin}/`,
      defaultRelays: [defaultRelayUrl()].filter((url): url is string => url !== null),
    },
  });
}

/** The network (worker/net): the hub lives here with the key; its WebRTC links live on the page,
 * which hands over a MessagePort at start (worker/net/net-owner.ts). `network.net` is the PeerNet. */
export const network = createWorkerNet();
/** The networks of the further chains this peer may run at once (netIndex 1..chainsActiveMax-1). */
const extraNetworks = Array.from({ length: chainsActiveMax - 1 }, () => ({
  ...createWorkerNet(),
  inUse: false,
}));

const hostReady = boot();
// For `npm run bench:mesh` (read through CDP): when each step of the recent heights happened.
void hostReady.then((host) => {
  (self as unknown as { __botHeightTrace: () => unknown }).__botHeightTrace = () =>
    host.heightTrace();
});
// For `npm run bench:mesh` and e2e/mesh.spec.ts (read through CDP): whether the links' messages
// went on the direct channels (worker/net/direct.ts).
// Summed over the networks of every active chain (the bench's chain need not be the first).
(self as unknown as { __botDirectStats: () => unknown }).__botDirectStats = () => {
  const sum = { linksSwitched: 0, chunksSent: 0, chunksReceived: 0, bufferedBytesMax: 0 };
  for (const { directStats } of [network, ...extraNetworks]) {
    sum.linksSwitched += directStats.linksSwitched;
    sum.chunksSent += directStats.chunksSent;
    sum.chunksReceived += directStats.chunksReceived;
    sum.bufferedBytesMax = Math.max(sum.bufferedBytesMax, directStats.bufferedBytesMax);
  }
  return sum;
};

self.onmessage = async (message: MessageEvent<RpcRequest>) => {
  if (isNetPortMessage(message.data)) {
    const index = message.data.netIndex ?? 0;
    if (index === 0) network.attachPort(message.data.netPort);
    else extraNetworks[index - 1]?.attachPort(message.data.netPort);
    return;
  }
  if (isNetDirectMessage(message.data)) {
    const index = message.data.netIndex ?? 0;
    const { link, channel } = message.data.netDirect;
    (index === 0 ? network : extraNetworks[index - 1])?.attachDirect(
      link,
      channel as unknown as DirectChannel,
    );
    return;
  }
  const id = (message.data ?? ({} as RpcRequest)).id;
  try {
    const { method, params, chain } = rpcRequestFrom(message.data);
    const host = await hostReady;
    post({ id, result: await dispatch(host, method, params, chain) });
  } catch (error) {
    post({ id, error: errorToApi(error) });
  }
};
