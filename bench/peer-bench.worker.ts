/// <reference lib="webworker" />
// The peer benchmark, inside a Web Worker as the real peer runs: WebCrypto and pure-JS verify
// rates, then data.put transactions validated (signature), applied and persisted per second
// into IndexedDB, the share of block time spent persisting, and the JS heap afterwards.
import { PeerHost } from '../worker/host/peer-host';
import { IdbStorage } from '../worker/store/idb';
import { webCryptoVerifier, verifyWebCrypto, createSigner } from '../worker/host/crypto';
import { signSync, publicKeyFromSeed, verifyStrict } from '../worker/core/crypto/ed25519';
import { didFromPublicKey } from '../worker/core/crypto/did';
import { encodeTx, txSigningBytes, txIdOf, type UnsignedTx } from '../worker/core/tx';
import type { Storage } from '../worker/store/storage';

declare const self: DedicatedWorkerGlobalScope;
const progress = (text: string) => self.postMessage({ progress: text });

async function verifyRates() {
  const seed = crypto.getRandomValues(new Uint8Array(32));
  const publicKey = publicKeyFromSeed(seed);
  const checks = Array.from({ length: 4000 }, (_, i) => {
    const message = new TextEncoder().encode(`message ${i}`);
    return { publicKey, message, signature: signSync(seed, message) };
  });
  await Promise.all(checks.slice(0, 200).map(verifyWebCrypto)); // warm-up
  let t = performance.now();
  for (let i = 0; i < checks.length; i += 500) await Promise.all(checks.slice(i, i + 500).map(verifyWebCrypto));
  const webcrypto = checks.length / ((performance.now() - t) / 1000);
  t = performance.now();
  for (const c of checks.slice(0, 400)) verifyStrict(c.publicKey, c.message, c.signature);
  const noble = 400 / ((performance.now() - t) / 1000);
  return { webcrypto, noble };
}

function timedStorage(inner: Storage, sink: { persistMs: number; blocks: number }): Storage {
  return new Proxy(inner, {
    get(target, prop, receiver) {
      if (prop === 'commitBlock') {
        return async (commit: Parameters<Storage['commitBlock']>[0]) => {
          const t = performance.now();
          await target.commitBlock(commit);
          sink.persistMs += performance.now() - t;
          sink.blocks++;
        };
      }
      const value = Reflect.get(target, prop, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

async function throughput(txCount: number) {
  const sink = { persistMs: 0, blocks: 0 };
  const storage = timedStorage(await IdbStorage.open(`bench-${Date.now()}`), sink);
  const host = new PeerHost({ storage, storageKind: 'indexeddb', verifier: webCryptoVerifier, now: () => Date.now(), randomBytes: (n) => crypto.getRandomValues(new Uint8Array(n)), emit: () => {}, tickIntervalMs: 50 });
  const status = await host.ready();
  const accounts = await Promise.all(
    Array.from({ length: 100 }, async () => {
      const seed = crypto.getRandomValues(new Uint8Array(32));
      const did = didFromPublicKey(publicKeyFromSeed(seed));
      return { did, signer: await createSigner(seed) };
    }),
  );
  progress(`signing ${txCount} transactions…`);
  const encoded: Uint8Array[] = [];
  const lastIds: string[][] = [];
  const wave = 10_000;
  for (let start = 0; start < txCount; start += wave) {
    const count = Math.min(wave, txCount - start);
    const unsigned: UnsignedTx[] = Array.from({ length: count }, (_, i) => {
      const n = start + i;
      const account = accounts[n % accounts.length]!;
      return { chain: status.chainId, type: 'data.put', from: account.did, nonce: Math.floor(n / accounts.length) + 1, time: Date.now(), body: { key: `sensor/${n % 5000}`, value: { seq: n, celsius: 20 + (n % 100) / 10 } } };
    });
    const sigs = await Promise.all(unsigned.map((u, i) => accounts[(start + i) % accounts.length]!.signer.sign(txSigningBytes(u))));
    unsigned.forEach((u, i) => encoded.push(encodeTx({ ...u, sig: sigs[i]! })));
    lastIds.push(unsigned.slice(-accounts.length).map(txIdOf));
  }
  progress('submitting…');
  const t0 = performance.now();
  let waveIndex = 0;
  for (let start = 0; start < encoded.length; start += wave) {
    await Promise.all(encoded.slice(start, start + wave).map((bytes) => host.submitRaw(bytes)));
    const results = await Promise.all(lastIds[waveIndex++]!.map((id) => host.waitFor(id, { timeoutMs: 300_000 })));
    if (results.some((r) => r.status !== 'committed')) throw new Error(`a transaction was not committed: ${JSON.stringify(results.find((r) => r.status !== 'committed'))}`);
    progress(`${Math.min(start + wave, encoded.length)} committed`);
  }
  const elapsedMs = performance.now() - t0;
  const final = await host.status();
  host.stop();
  encoded.length = 0;
  const memory = (performance as unknown as { memory?: { usedJSHeapSize: number } }).memory;
  (globalThis as unknown as { gc?: () => void }).gc?.();
  return {
    txCount,
    elapsedMs,
    txPerSecond: txCount / (elapsedMs / 1000),
    blocks: sink.blocks,
    height: final.height,
    persistShare: sink.persistMs / elapsedMs,
    heapBytesAfter: memory?.usedJSHeapSize ?? null,
  };
}

self.onmessage = async (e: MessageEvent<{ txCount: number }>) => {
  try {
    const verify = await verifyRates();
    progress(`verify/s webcrypto ${verify.webcrypto.toFixed(0)} noble ${verify.noble.toFixed(0)}`);
    const run = await throughput(e.data.txCount);
    self.postMessage({ result: { verify, run, ratioTxToWebCryptoVerify: run.txPerSecond / verify.webcrypto } });
  } catch (error) {
    self.postMessage({ error: String((error as Error)?.stack ?? error) });
  }
};
