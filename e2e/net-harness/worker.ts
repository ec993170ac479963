/// <reference lib="webworker" />
// Test-only worker: the production browser PeerNet (worker/net/browser.ts) with a random
// identity, driven over postMessage by the harness page.
import { toHex } from '../../worker/core/bytes';
import { isNetDirectMessage, isNetPortMessage } from '../../worker/net/driver';
import type { DirectChannel } from '../../worker/net/direct';
import { createWorkerNet } from '../../worker/net/browser';
import { frameBytesMax } from '../../worker/net/limits';
import { testIdentity } from '../../worker/net/testing';
import type { HarnessMethods, HarnessStart, Received } from './protocol';

declare const self: DedicatedWorkerGlobalScope;

let port: MessagePort | null = null;
let current: ReturnType<typeof createWorkerNet> | null = null;
let neighbours: string[] = [];
const logs: string[] = [];
const received: Received[] = [];

function pattern(bytes: number): Uint8Array {
  const out = new Uint8Array(bytes);
  for (let i = 0; i < bytes; i++) out[i] = (i * 7 + (i >> 16)) & 255;
  return out;
}

async function sha256(bytes: Uint8Array): Promise<string> {
  return toHex(new Uint8Array(await crypto.subtle.digest('SHA-256', bytes as BufferSource)));
}

const methods: HarnessMethods = {
  async start(options: HarnessStart) {
    const identity = testIdentity();
    const signer = options.forgeKey ? testIdentity() : identity;
    const fake = 'sha-256 ' + Array(32).fill('AB').join(':');
    current = createWorkerNet({
      defaultRelay: options.defaultRelay ? undefined : null,
      broadcastChannel: options.broadcastChannel,
      ...(options.fakeFingerprint ? { helloLocalFingerprint: () => fake } : {}),
    });
    if (port) current.attachPort(port);
    current.net.start(
      {
        did: identity.did,
        sign: signer.sign,
        room: options.room,
        validators: [],
        relays: options.relays,
        iceServers: [],
      },
      {
        onMessage: (from, bytes) => {
          const at = Date.now();
          void sha256(bytes).then((digest) =>
            received.push({ from, bytes: bytes.length, sha256: digest, at }),
          );
        },
        onNeighbours: (dids) => (neighbours = dids),
        onLog: (level, message) => logs.push(`${level}: ${message}`),
      },
    );
    return identity.did;
  },
  async view() {
    return current!.net.view();
  },
  async neighbours() {
    return neighbours;
  },
  async logs() {
    return logs;
  },
  async received() {
    return received;
  },
  async send(to, bytes) {
    const payload = pattern(bytes);
    const digest = await sha256(payload);
    const at = Date.now();
    return { ok: current!.net.send(to, payload), sha256: digest, at };
  },
  async broadcast(bytes) {
    const payload = pattern(bytes);
    current!.net.broadcast(payload);
    return sha256(payload);
  },
  async raw(to, kind) {
    const net = current!.net;
    if (kind === 'garbage') return net.sendRawChunks(to, [Uint8Array.of(0xde, 0xad, 0xbe, 0xef)]);
    if (kind === 'unknown-frame') return net.sendRawFrame(to, Uint8Array.of(0x77, 1, 2, 3));
    const header = new Uint8Array(5);
    header[0] = 1;
    new DataView(header.buffer).setUint32(1, frameBytesMax + 1);
    return net.sendRawChunks(to, [header]);
  },
  async stop() {
    current?.net.stop();
  },
  async directStats() {
    return { ...current!.directStats };
  },
};

self.onmessage = async (event: MessageEvent) => {
  if (isNetPortMessage(event.data)) {
    port = event.data.netPort;
    current?.attachPort(port);
    return;
  }
  if (isNetDirectMessage(event.data)) {
    const { link, channel } = event.data.netDirect;
    current?.attachDirect(link, channel as unknown as DirectChannel);
    return;
  }
  const { id, method, params } = event.data as {
    id: number;
    method: keyof HarnessMethods;
    params: unknown[];
  };
  try {
    const result = await (methods[method] as (...args: unknown[]) => Promise<unknown>)(...params);
    self.postMessage({ id, result });
  } catch (error) {
    self.postMessage({ id, error: String((error as Error)?.message ?? error) });
  }
};
