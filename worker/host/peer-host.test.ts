import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { PeerHost } from './peer-host';
import { MemoryStorage } from '../store/memory';
import { bestVerifier, nobleVerifier, type Verifier } from './crypto';
import { checkProof } from '../core/proof';
import type { PeerEvent } from '../api';
import type { SignatureCheck } from '../core/block';
import { encodeTx } from '../core/tx';
import { put, testIdentity as identity } from '../core/testing';

async function startHost(storage: MemoryStorage, verifier?: Verifier) {
  const events: PeerEvent[] = [];
  const host = new PeerHost({
    storage,
    storageKind: 'memory',
    verifier: verifier ?? (await bestVerifier()),
    now: () => Date.now(),
    randomBytes: (n) => new Uint8Array(randomBytes(n)),
    emit: (e) => events.push(e),
    tickIntervalMs: 20,
  });
  await host.ready();
  return { host, events };
}

describe('PeerHost on the solo dev chain', () => {
  it('does not verify again what it has just signed, and still verifies what it is handed', async () => {
    const counted: SignatureCheck[] = [];
    const counting: Verifier = {
      backend: 'noble',
      async verifyBatch(checks) {
        counted.push(...checks);
        return nobleVerifier.verifyBatch(checks);
      },
    };
    const { host } = await startHost(new MemoryStorage(), counting);
    const before = counted.length;
    const own = [];
    for (let i = 0; i < 5; i++)
      own.push((await host.submit({ type: 'data.put', body: { key: `own${i}`, value: i } })).txId);
    for (const id of own)
      expect((await host.waitFor(id, { timeoutMs: 5000 })).status).toBe('committed');
    expect(counted.length).toBe(before);
    // A transaction signed elsewhere is verified, and a forged one refused.
    const other = identity('someone else');
    const chain = (await host.status()).chainId;
    const theirs = put(other, chain, 1, 'theirs', 1);
    const { txId } = await host.submitRaw(encodeTx(theirs));
    expect((await host.waitFor(txId, { timeoutMs: 5000 })).status).toBe('committed');
    expect(counted.length).toBe(before + 1);
    const signed = put(other, chain, 2, 'theirs', 2);
    const forged = { ...signed, sig: signed.sig.map((b, i) => (i === 0 ? b ^ 1 : b)) };
    await expect(host.submitRaw(encodeTx(forged))).rejects.toMatchObject({ code: 'BAD_SIGNATURE' });
    host.stop();
  });

  it('commits puts and deletes, serves values with proofs that verify, survives a restart', async () => {
    const storage = new MemoryStorage();
    const { host, events } = await startHost(storage);
    const ids = [];
    for (let i = 0; i < 20; i++)
      ids.push(
        (await host.submit({ type: 'data.put', body: { key: `k${i}`, value: { i } } })).txId,
      );
    const del = await host.submit({ type: 'data.delete', body: { key: 'k3' } });
    for (const id of [...ids, del.txId])
      expect((await host.waitFor(id, { timeoutMs: 5000 })).status).toBe('committed');
    expect(events.some((e) => e.type === 'block')).toBe(true);
    const got = (await host.get('k7'))!;
    expect(got.value).toEqual({ i: 7 });
    expect(checkProof(got.proof)).toMatchObject({ ok: true, value: { i: 7 } });
    const tomb = (await host.get('k3'))!;
    expect(tomb.deleted).toBe(true);
    expect((await host.history('k3')).map((v) => v.deleted)).toEqual([false, true]);
    const status = await host.status();
    host.stop();

    const again = await startHost(storage);
    const s2 = await again.host.status();
    expect(s2.height).toBe(status.height);
    expect(s2.headHash).toBe(status.headHash);
    expect(s2.integrity.ok).toBe(true);
    expect((await again.host.get('k7'))!.value).toEqual({ i: 7 });
    expect((await again.host.waitFor(ids[0]!)).status).toBe('committed');
    again.host.stop();
  });

  it('an own transaction that fails in execution uses its nonce: every own write signed after it commits (issue 14.1)', async () => {
    const storage = new MemoryStorage();
    const { host } = await startHost(storage);
    const before = [];
    for (let i = 0; i < 3; i++)
      before.push((await host.submit({ type: 'data.put', body: { key: `b${i}`, value: i } })).txId);
    // A vote on a proposal that does not exist: signed and admitted, then fails in its block.
    const doomed = (
      await host.submit({ type: 'member.vote', body: { proposal: 'ab'.repeat(32), approve: true } })
    ).txId;
    const after = [];
    for (let i = 0; i < 10; i++)
      after.push((await host.submit({ type: 'data.put', body: { key: `a${i}`, value: i } })).txId);
    for (const id of [...before, ...after])
      expect((await host.waitFor(id, { timeoutMs: 5000 })).status).toBe('committed');
    const failed = await host.waitFor(doomed, { timeoutMs: 5000 });
    expect(failed).toMatchObject({ status: 'rejected', error: { code: 'NOT_FOUND' } });
    expect(failed.height).toBeGreaterThan(0);
    expect((await host.get('a9'))!.value).toBe(9);
    host.stop();
    // After a restart the answer comes from the failure record in the state.
    const again = await startHost(storage);
    expect(await again.host.waitFor(doomed)).toMatchObject({
      status: 'rejected',
      height: failed.height,
      error: { code: 'NOT_FOUND' },
    });
    again.host.stop();
  });

  it('rejects bad input with typed errors and stores nothing', async () => {
    const storage = new MemoryStorage();
    const { host } = await startHost(storage);
    await expect(
      host.submit({ type: 'data.put', body: { key: 5, value: 1 } }),
    ).rejects.toMatchObject({ code: 'BAD_FIELD_TYPE' });
    await expect(host.submit({ type: 'nope', body: {} })).rejects.toMatchObject({
      code: 'UNKNOWN_TYPE',
    });
    await expect(host.submitRaw(new Uint8Array([1, 2, 3]))).rejects.toMatchObject({
      code: 'MALFORMED',
    });
    const before = await host.status();
    const ok = await host.submit({ type: 'data.put', body: { key: 'a', value: 1 } });
    expect((await host.waitFor(ok.txId, { timeoutMs: 5000 })).status).toBe('committed');
    expect((await host.status()).height).toBe(before.height + 1);
    host.stop();
  });

  it('detects a stored block changed behind its back and never serves it', async () => {
    const storage = new MemoryStorage();
    const { host } = await startHost(storage, nobleVerifier);
    const { txId } = await host.submit({ type: 'data.put', body: { key: 'a', value: 'original' } });
    const { height } = await host.waitFor(txId, { timeoutMs: 5000 });
    const chainId = (await host.status()).chainId;
    host.stop();
    const bytes = (await storage.getBlock(chainId, height!))!;
    const text = new TextDecoder().decode(bytes).replace('original', 'tampered');
    await storage.commitBlock({
      chainId,
      height: height!,
      block: new TextEncoder().encode(text),
      writes: new Map(),
      txIds: [],
    });
    const again = await startHost(storage, nobleVerifier);
    const report = await again.host.integrity();
    expect(report.ok).toBe(false);
    expect(report.problems[0]!.height).toBe(height);
    await expect(again.host.block(height!)).rejects.toMatchObject({ code: 'TAMPERED' });
    await expect(
      again.host.submit({ type: 'data.put', body: { key: 'b', value: 1 } }),
    ).rejects.toMatchObject({ code: 'TAMPERED' });
    again.host.stop();
  });

  it('detects a changed state entry', async () => {
    const storage = new MemoryStorage();
    const { host } = await startHost(storage);
    const { txId } = await host.submit({ type: 'data.put', body: { key: 'a', value: 'original' } });
    await host.waitFor(txId, { timeoutMs: 5000 });
    const chainId = (await host.status()).chainId;
    host.stop();
    await storage.commitBlock({
      chainId: 'elsewhere',
      height: 0,
      block: new Uint8Array(1),
      writes: new Map(),
      txIds: [],
    });
    const entry = (await storage.getState(chainId, 'data/a'))!;
    const changed = new TextEncoder().encode(
      new TextDecoder().decode(entry).replace('original', 'tampered'),
    );
    // Write the state entry alone, as someone editing IndexedDB would.
    (storage as unknown as { chains: Map<string, { state: Map<string, Uint8Array> }> }).chains
      .get(chainId)!
      .state.set('data/a', changed);
    const again = await startHost(storage);
    expect((await again.host.integrity()).stateVerified).toBe(false);
    await expect(again.host.get('a')).rejects.toMatchObject({ code: 'TAMPERED' });
    again.host.stop();
  });
});

describe('PeerHost submissions', () => {
  it('concurrent submits from one identity all commit, in nonce order, and a rejected one frees its nonce', async () => {
    const { host } = await startHost(new MemoryStorage());
    const results = await Promise.all(
      Array.from({ length: 64 }, (_, i) =>
        host.submit({ type: 'data.put', body: { key: `c${i}`, value: i } }),
      ),
    );
    const decided = await Promise.all(
      results.map(({ txId }) => host.waitFor(txId, { timeoutMs: 10_000 })),
    );
    expect(decided.filter((d) => d.status !== 'committed')).toEqual([]);
    // A body that passes the shape check but fails in the ledger is not possible for data.put;
    // a bad shape is refused before a nonce is taken, so the next submit still commits.
    await expect(host.submit({ type: 'data.put', body: { key: '' } })).rejects.toMatchObject({
      code: expect.any(String),
    });
    const next = await host.submit({ type: 'data.put', body: { key: 'after', value: 1 } });
    expect((await host.waitFor(next.txId, { timeoutMs: 10_000 })).status).toBe('committed');
    host.stop();
  });
});

/** Memory storage that holds each block write (height >= 1) until the test lets it through. */
class HeldStorage extends MemoryStorage {
  readonly held: Array<{ height: number; release: () => void }> = [];
  override async commitBlock(commit: Parameters<MemoryStorage['commitBlock']>[0]): Promise<void> {
    if (commit.height > 0)
      await new Promise<void>((release) => this.held.push({ height: commit.height, release }));
    return super.commitBlock(commit);
  }
  release(): void {
    this.held.shift()!.release();
  }
}

describe('PeerHost pipeline', () => {
  it('executes the next block while one is written, and tells nobody about a block before it is stored', async () => {
    const storage = new HeldStorage();
    const { host, events } = await startHost(storage);
    const blockEvents = () =>
      events.filter((e) => e.type === 'block').map((e) => (e as { height: number }).height);
    const decided: string[] = [];
    const a = await host.submit({ type: 'data.put', body: { key: 'a', value: 1 } });
    void host.waitFor(a.txId, { timeoutMs: 10_000 }).then(() => decided.push('a'));
    await expect.poll(() => storage.held.map((h) => h.height)).toEqual([1]);
    // Block 2 is executed while block 1 is still being written...
    const b = await host.submit({ type: 'data.put', body: { key: 'b', value: 2 } });
    void host.waitFor(b.txId, { timeoutMs: 10_000 }).then(() => decided.push('b'));
    await expect.poll(() => host['s'].peer.chain.height).toBe(2);
    // ...but nothing about block 1 has left: no event, no decided transaction, no status or value.
    expect(blockEvents()).toEqual([]);
    expect(decided).toEqual([]);
    expect((await host.status()).height).toBe(0);
    expect(await host.get('a')).toBeNull();
    expect(await storage.headHeight((await host.status()).chainId)).toBe(0);

    storage.release(); // block 1 is durable; block 2's write starts only now
    expect((await host.waitFor(a.txId)).status).toBe('committed');
    await expect.poll(() => storage.held.map((h) => h.height)).toEqual([2]);
    expect(blockEvents()).toEqual([1]);
    expect((await host.status()).height).toBe(1);
    expect((await host.get('a'))?.value).toBe(1);
    expect(await host.get('b')).toBeNull();
    expect(decided).toEqual(['a']);

    storage.release();
    expect((await host.waitFor(b.txId)).status).toBe('committed');
    expect(blockEvents()).toEqual([1, 2]);
    expect((await host.get('b'))?.value).toBe(2);
    await host.stop();
  });
});

describe('PeerHost waitFor', () => {
  it('answers a transaction decided while its tx index look-up was in flight', async () => {
    let lookups = 0;
    let answerLookup: (() => void) | null = null;
    class SlowIndex extends HeldStorage {
      override async txLocation(txId: string) {
        lookups++;
        await new Promise<void>((resolve) => (answerLookup = resolve));
        return super.txLocation(txId).then(() => undefined); // read before the block was stored
      }
    }
    const storage = new SlowIndex();
    const { host } = await startHost(storage);
    const { txId } = await host.submit({ type: 'data.put', body: { key: 'a', value: 1 } });
    await expect.poll(() => storage.held.length).toBe(1);
    const waiting = host.waitFor(txId, { timeoutMs: 2_000 });
    await expect.poll(() => lookups).toBe(1);
    storage.release(); // the block is stored and the tx decided, no waiter registered yet
    await expect.poll(() => host['submissions'].txResults.get(txId) !== undefined).toBe(true);
    answerLookup!();
    expect(await waiting).toEqual({ status: 'committed', height: 1 });
    await host.stop();
  });
});
