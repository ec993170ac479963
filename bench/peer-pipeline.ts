// The peer benchmark's measurements, shared by the Web Worker run (`npm run bench`, IndexedDB)
// and the Node run used for CPU profiles (`npx tsx bench/peer-node.ts`, memory store):
// WebCrypto and pure-JS verify rates, then data.put transactions validated (signature),
// applied and persisted per second, and the share of time spent verifying and persisting.
import { PeerHost } from '../worker/host/peer-host';
import { verifyWebCrypto, createSigner, type Verifier } from '../worker/host/crypto';
import { signSync, publicKeyFromSeed, verifyStrict } from '../worker/core/crypto/ed25519';
import { didFromPublicKey } from '../worker/core/crypto/did';
import { encodeTx, txSigningBytes, txIdOf, type UnsignedTx } from '../worker/core/tx';
import type { Storage } from '../worker/store/storage';

export interface VerifyRates {
  webcrypto: number;
  noble: number;
}

export interface ThroughputRun {
  txCount: number;
  elapsedMs: number;
  txPerSecond: number;
  blocks: number;
  height: number;
  /** Share of the run spent inside Storage.commitBlock. */
  persistShare: number;
  /** Share of the run spent waiting for signature verdicts (the host's verifyBatch calls). */
  verifyShare: number;
  /** Mean time of one commitBlock and of one block interval (run time / blocks), ms. */
  persistMsPerBlock: number;
  blockIntervalMs: number;
  /**
   * Checkpoints of the state store written during the measured part (IndexedDB: in their own
   * transactions, beside block commits) and their time from start to durable, ms.
   */
  checkpoints: number;
  checkpointMs: number;
}

/** Called around the measured part (submit to last commit), e.g. to run a CPU profiler over it. */
export interface MeasureWindow {
  start(): Promise<void> | void;
  end(): Promise<void> | void;
}

export async function verifyRates(): Promise<VerifyRates> {
  const seed = crypto.getRandomValues(new Uint8Array(32));
  const publicKey = publicKeyFromSeed(seed);
  const checks = Array.from({ length: 4000 }, (_, i) => {
    const message = new TextEncoder().encode(`message ${i}`);
    return { publicKey, message, signature: signSync(seed, message) };
  });
  await Promise.all(checks.slice(0, 200).map(verifyWebCrypto)); // warm-up
  let t = performance.now();
  for (let i = 0; i < checks.length; i += 500)
    await Promise.all(checks.slice(i, i + 500).map(verifyWebCrypto));
  const webcrypto = checks.length / ((performance.now() - t) / 1000);
  t = performance.now();
  for (const c of checks.slice(0, 400)) verifyStrict(c.publicKey, c.message, c.signature);
  const noble = 400 / ((performance.now() - t) / 1000);
  return { webcrypto, noble };
}

interface Sink {
  persistMs: number;
  blocks: number;
  verifyMs: number;
}

function timedStorage(inner: Storage, sink: Sink): Storage {
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

function timedVerifier(inner: Verifier, sink: Sink): Verifier {
  return {
    backend: inner.backend,
    async verifyBatch(checks) {
      const t = performance.now();
      const verdicts = await inner.verifyBatch(checks);
      sink.verifyMs += performance.now() - t;
      return verdicts;
    },
  };
}

/**
 * Runs the pipeline and returns the figures and the stopped peer, which the caller keeps
 * referenced while the heap is read (the heap of a live peer after the run, not of an empty worker).
 */
export async function throughput(
  openStorage: () => Promise<Storage>,
  storageKind: 'indexeddb' | 'memory',
  verifier: Verifier,
  txCount: number,
  progress: (text: string) => void,
  window?: MeasureWindow,
): Promise<{ run: ThroughputRun; peer: PeerHost }> {
  const sink: Sink = { persistMs: 0, blocks: 0, verifyMs: 0 };
  const inner = await openStorage();
  const storage = timedStorage(inner, sink);
  const checkpointStats = () =>
    (inner as { checkpointStats?: { count: number; ms: number } }).checkpointStats ?? {
      count: 0,
      ms: 0,
    };
  const host = new PeerHost({
    storage,
    storageKind,
    verifier: timedVerifier(verifier, sink),
    now: () => Date.now(),
    randomBytes: (n) => crypto.getRandomValues(new Uint8Array(n)),
    emit: () => {},
    tickIntervalMs: 50,
  });
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
      return {
        chain: status.chainId,
        type: 'data.put',
        from: account.did,
        nonce: Math.floor(n / accounts.length) + 1,
        time: Date.now(),
        body: { key: `sensor/${n % 5000}`, value: { seq: n, celsius: 20 + (n % 100) / 10 } },
      };
    });
    const sigs = await Promise.all(
      unsigned.map((u, i) =>
        accounts[(start + i) % accounts.length]!.signer.sign(txSigningBytes(u)),
      ),
    );
    unsigned.forEach((u, i) => encoded.push(encodeTx({ ...u, sig: sigs[i]! })));
    lastIds.push(unsigned.slice(-accounts.length).map(txIdOf));
  }
  sink.persistMs = 0;
  sink.blocks = 0;
  sink.verifyMs = 0;
  progress('submitting…');
  const checkpointsBefore = { ...checkpointStats() };
  await window?.start();
  const t0 = performance.now();
  let waveIndex = 0;
  for (let start = 0; start < encoded.length; start += wave) {
    await Promise.all(encoded.slice(start, start + wave).map((bytes) => host.submitRaw(bytes)));
    const results = await Promise.all(
      lastIds[waveIndex++]!.map((id) => host.waitFor(id, { timeoutMs: 300_000 })),
    );
    if (results.some((r) => r.status !== 'committed'))
      throw new Error(
        `a transaction was not committed: ${JSON.stringify(results.find((r) => r.status !== 'committed'))}`,
      );
    progress(`${Math.min(start + wave, encoded.length)} committed`);
  }
  const elapsedMs = performance.now() - t0;
  const checkpointsAfter = { ...checkpointStats() };
  await window?.end();
  const final = await host.status();
  host.stop();
  encoded.length = 0;
  const run = {
    txCount,
    elapsedMs,
    txPerSecond: txCount / (elapsedMs / 1000),
    blocks: sink.blocks,
    height: final.height,
    persistShare: sink.persistMs / elapsedMs,
    verifyShare: sink.verifyMs / elapsedMs,
    persistMsPerBlock: sink.persistMs / Math.max(sink.blocks, 1),
    blockIntervalMs: elapsedMs / Math.max(sink.blocks, 1),
    checkpoints: checkpointsAfter.count - checkpointsBefore.count,
    checkpointMs: checkpointsAfter.ms - checkpointsBefore.ms,
  };
  return { run, peer: host };
}
