// Cross-chain proofs survive a restart (issue 18): a peer runs chains A and B on LevelDB stores
// (the Node peer's), blocks are made on both and a lock is taken on A before B links A; the
// peer stops and its stores are closed; a new MultiHost opens the same directories. Only then
// does B link A, so the relay has to carry A's headers (and B's, for the finalize) of blocks
// made before the restart: their light-client material (each block's validator set and its
// Merkle proof) must come back from the store, since the store keeps only the head's state trie.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { MultiHost } from './multi-host';
import { LevelStorage } from '../store/level';
import { startTestMultiHost, until } from './testing';
import type { PeerHost } from './peer-host';
import { snapshotView } from './xchain';

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

async function startPeer(root: string): Promise<{ multi: MultiHost; stop(): Promise<void> }> {
  const storage = await LevelStorage.open(join(root, 'primary'));
  const multi = await startTestMultiHost(
    { storage, storageKind: 'disk', contractRuntime: null },
    {
      async openChain(chainId) {
        const chainStorage = await LevelStorage.open(join(root, chainId));
        return { storage: chainStorage, close: () => chainStorage.shutdown() };
      },
      relayIntervalMs: 50,
    },
  );
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await multi.stop();
    await storage.shutdown();
  };
  cleanup.push(stop);
  return { multi, stop };
}

async function committed(host: PeerHost, pending: Promise<{ txId: string }>) {
  const { txId } = await pending;
  const result = await host.waitFor(txId, { timeoutMs: 10_000 });
  expect(result.error).toBeUndefined();
}

describe('cross-chain proofs after a restart', () => {
  it('relays headers of blocks made before the restart, and the lock finalizes', async () => {
    const root = mkdtempSync(join(tmpdir(), 'bot-xc-restart-'));
    cleanup.push(() => rmSync(root, { recursive: true, force: true }));
    const first = await startPeer(root);
    const one = first.multi;
    const did = (await one.identity()).did;
    const chain = (name: string, symbol: string) =>
      one.createChain({
        name,
        mode: 'public',
        consensus: 'solo',
        tokens: { symbol, allocations: [{ did, amount: 1000 }] },
      });
    const idA = (await chain('xa', 'AAA')).chainId;
    const idB = (await chain('xb', 'BBB')).chainId;
    const a = one.chainHost(idA);
    const b = one.chainHost(idB);
    await committed(b, b.xchainFund(300));
    const genesisA = (await a.xchain()).genesis as Record<string, unknown>;
    const genesisB = (await b.xchain()).genesis as Record<string, unknown>;
    await committed(a, a.xchainLink({ chain: idB, mode: 'contract', genesis: genesisB }));
    const lock = await a.xchainLock({ target: idB, asset: { kind: 'tokens', amount: 70 } });
    await committed(a, Promise.resolve(lock));
    for (let i = 0; i < 3; i++)
      await committed(a, a.submit({ type: 'data.put', body: { key: `tick/${i}`, value: i } }));
    const heightA = (await a.status()).height;
    const heightB = (await b.status()).height;
    await first.stop(); // the stores closed: nothing of this process is reused below

    const two = (await startPeer(root)).multi;
    const a2 = two.chainHost(idA);
    const b2 = two.chainHost(idB);
    expect((await a2.status()).height).toBe(heightA);
    expect((await b2.status()).height).toBe(heightB);
    // Every header of A from block 1 can be served again, with its proof.
    const view = await snapshotView(await a2.xchainEndpoint(), 1, []);
    for (let height = 1; height <= heightA; height++)
      expect(view.update(height).header.height).toBe(height);

    await committed(b2, b2.xchainLink({ chain: idA, mode: 'contract', genesis: genesisA }));
    const status = async (host: PeerHost) =>
      (await host.xchain()).operations.find((o) => o.id === lock.id)?.status;
    await until(async () => (await status(a2)) === 'finalized');
    expect(await status(b2)).toBe('committed');
    expect((await b2.xchainEndpoint()).durable().tokens?.balances.get(did)).toBe(1000 - 300 + 70);
  }, 60_000);
});
