// Test support: a PeerHost on memory storage with Node's randomness and fast ticks.
import { randomBytes } from 'node:crypto';
import { PeerHost, type HostOptions } from './peer-host';
import { MemoryStorage } from '../store/memory';
import { bestVerifier } from './crypto';
import type { PeerEvent } from '../api';

export async function startTestHost(storage = new MemoryStorage(), options: Partial<HostOptions> = {}): Promise<{ host: PeerHost; events: PeerEvent[] }> {
  const events: PeerEvent[] = [];
  const host = new PeerHost({
    storage,
    storageKind: 'memory',
    verifier: await bestVerifier(),
    now: () => Date.now(),
    randomBytes: (n) => new Uint8Array(randomBytes(n)),
    emit: (e) => events.push(e),
    tickIntervalMs: 20,
    ...options,
  });
  await host.ready();
  return { host, events };
}
