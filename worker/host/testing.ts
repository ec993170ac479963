// Test support: a PeerHost on memory storage with Node's randomness and fast ticks.
import { randomBytes } from 'node:crypto';
import { PeerHost, type HostOptions } from './peer-host';
import { MultiHost, type MultiHostOptions } from './multi-host';
import { MemoryStorage } from '../store/memory';
import { bestVerifier, nobleVerifier } from './crypto';
import type { MemoryNetwork } from './memory-net';
import type { DeviceNotice, PeerEvent } from '../api';
import { realClock } from '../net/clock';

export async function startTestHost(
  storage = new MemoryStorage(),
  options: Partial<HostOptions> = {},
): Promise<{ host: PeerHost; events: PeerEvent[] }> {
  const events: PeerEvent[] = [];
  const host = new PeerHost({
    storage,
    storageKind: 'memory',
    verifier: await bestVerifier(),
    now: () => Math.floor(realClock.now()),
    randomBytes: (n) => new Uint8Array(randomBytes(n)),
    emit: (e) => events.push(e),
    tickIntervalMs: 20,
    ...options,
  });
  await host.ready();
  return { host, events };
}

/**
 * A MultiHost (the peer of a tab and of the Node server: every chain it creates runs in a slot of
 * its own) on memory storage, one MemoryStorage per chain (kept in `stores`), with fast ticks;
 * `options` override the first slot's host options, `multi` the rest (another openChain, the
 * relay interval). Stop it after the test.
 */
export async function startTestMultiHost(
  options: Partial<HostOptions> = {},
  {
    stores = new Map<string, MemoryStorage>(),
    ...multi
  }: Partial<Omit<MultiHostOptions, 'host'>> & { stores?: Map<string, MemoryStorage> } = {},
): Promise<MultiHost> {
  const host = new MultiHost({
    host: {
      storage: new MemoryStorage(),
      storageKind: 'memory',
      verifier: await bestVerifier(),
      now: () => Math.floor(realClock.now()),
      randomBytes: (n) => new Uint8Array(randomBytes(n)),
      emit: () => undefined,
      tickIntervalMs: 20,
      ...options,
    },
    async openChain(chainId) {
      let storage = stores.get(chainId);
      if (!storage) stores.set(chainId, (storage = new MemoryStorage()));
      return { storage };
    },
    ...multi,
  });
  await host.ready();
  return host;
}

/** Polls a condition every 20 ms until it holds; throws after timeoutMs (for tests across peers). */
export async function until(
  condition: () => Promise<boolean> | boolean,
  timeoutMs = 20_000,
): Promise<void> {
  const end = realClock.now() + timeoutMs;
  while (!(await condition())) {
    if (realClock.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => realClock.setTimeout(() => r(undefined), 20));
  }
}

/**
 * A host on an in-process network (memory-net.ts) with the pure-JS verifier, kept in `hosts` so
 * the test stops it; with its did and the device notices its page was told (events of type device).
 * `options` override the host's (another verifier, blobs) and `storage` its store.
 */
export async function startNetPeer(
  network: MemoryNetwork,
  hosts: PeerHost[],
  {
    storage = new MemoryStorage(),
    ...options
  }: Partial<HostOptions> & { storage?: MemoryStorage } = {},
): Promise<{
  host: PeerHost;
  did: string;
  events: PeerEvent[];
  notices: () => DeviceNotice[];
  net: ReturnType<MemoryNetwork['connect']>;
}> {
  const net = network.connect();
  const { host, events } = await startTestHost(storage, {
    verifier: nobleVerifier,
    net,
    inviteBase: 'http://localhost:8080/',
    ...options,
  });
  hosts.push(host);
  const notices = () =>
    events.flatMap((e): DeviceNotice[] => (e.type === 'device' ? [e.notice] : []));
  return { host, did: (await host.identity()).did, events, notices, net };
}

/** Waits for a submitted tx; throws with the peer's answer unless it committed. Returns its id. */
export async function committed(
  host: PeerHost,
  submitted: Promise<{ txId: string }>,
  timeoutMs = 20_000,
): Promise<string> {
  return (await committedAt(host, submitted, timeoutMs)).txId;
}

/** As committed, returning the height of the block that holds the tx as well. */
export async function committedAt(
  host: PeerHost,
  submitted: Promise<{ txId: string }>,
  timeoutMs = 20_000,
): Promise<{ txId: string; height: number }> {
  const { txId } = await submitted;
  const result = await host.waitFor(txId, { timeoutMs });
  if (result.status !== 'committed' || result.height === undefined)
    throw new Error(`tx ${txId} did not commit: ${JSON.stringify(result)}`);
  return { txId, height: result.height };
}

/**
 * A data.put under a read role, committed; retried while the chain knows no holder's X25519 key
 * yet (the holders' peers publish theirs by themselves). Returns the block's height.
 */
export async function putSealed(host: PeerHost, key: string, value: unknown): Promise<number> {
  let height = 0;
  await until(async () => {
    try {
      height = (await committedAt(host, host.submit({ type: 'data.put', body: { key, value } })))
        .height;
      return true;
    } catch (error) {
      if ((error as { message: string }).message.includes('published an X25519 key')) return false;
      throw error;
    }
  }, 20_000);
  return height;
}

/** The typed error a call is refused with; throws if the call succeeds. */
export async function refusal(call: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await call;
  } catch (error) {
    return error as { code: string; message: string };
  }
  throw new Error('expected a refusal');
}

/** As committed, returning only the height of the block that holds the tx. */
export async function committedHeight(
  host: PeerHost,
  submitted: Promise<{ txId: string }>,
  timeoutMs = 20_000,
): Promise<number> {
  return (await committedAt(host, submitted, timeoutMs)).height;
}
