// A committed result is final (issue 14, section 3): a forged or replayed copy of a transaction
// shares its id (the id leaves out the signature) but never changes what the peer answers for it.
import { describe, expect, it } from 'vitest';
import { startTestHost } from './testing';
import { TxResults } from './tx-results';
import { encodeTx, type Tx } from '../core/tx';
import { botError } from '../core/errors';
import { put, testIdentity } from '../core/testing';
import type { PeerEvent } from '../api';

const device = testIdentity('a device that signs elsewhere');

function zeroSignature(tx: Tx): Uint8Array {
  return encodeTx({ ...tx, sig: new Uint8Array(64) });
}

function txEvents(events: PeerEvent[], txId: string) {
  return events.flatMap((e) => (e.type === 'tx' && e.txId === txId ? [e.result] : []));
}

describe('transaction results are final', () => {
  it('a committed transaction re-submitted with its signature zeroed stays committed, and no rejection is pushed', async () => {
    const { host, events } = await startTestHost();
    const chain = (await host.status()).chainId;
    const tx = put(device, chain, 1, 'door', 'open');
    const { txId } = await host.submitRaw(encodeTx(tx));
    const committed = await host.waitFor(txId, { timeoutMs: 5000 });
    expect(committed.status).toBe('committed');

    await expect(host.submitRaw(zeroSignature(tx))).rejects.toMatchObject({
      code: 'BAD_SIGNATURE',
    });
    await expect(host.submitRaw(encodeTx(tx))).rejects.toMatchObject({ code: 'NONCE_REPLAYED' });
    await host
      .submit({ type: 'data.put', body: { key: 'later', value: 1 } })
      .then((r) => host.waitFor(r.txId, { timeoutMs: 5000 })); // the copies' effects have run
    expect(await host.waitFor(txId)).toEqual(committed);
    expect(txEvents(events, txId)).toEqual([committed]);
    await host.stop();
  });

  it('a forged copy next to a pending valid one is refused to its sender; the valid one commits and its waiter hears only that', async () => {
    const { host, events } = await startTestHost();
    const chain = (await host.status()).chainId;
    const tx = put(device, chain, 1, 'valve', 'closed');
    const [valid, forged] = await Promise.allSettled([
      host.submitRaw(encodeTx(tx)),
      host.submitRaw(zeroSignature(tx)),
    ]);
    expect(forged).toMatchObject({ status: 'rejected', reason: { code: 'BAD_SIGNATURE' } });
    const txId = (valid as PromiseFulfilledResult<{ txId: string }>).value.txId;
    const result = await host.waitFor(txId, { timeoutMs: 5000 });
    expect(result.status).toBe('committed');
    expect(txEvents(events, txId).map((r) => r.status)).toEqual(['committed']);
    expect(
      (await host.log()).some((e) =>
        e.message.includes(`a copy of transaction ${txId.slice(0, 12)}`),
      ),
    ).toBe(true);
    await host.stop();
  });

  it('a forged copy alone is refused at once and leaves nothing under the id (the real one can still commit)', async () => {
    const { host, events } = await startTestHost();
    const chain = (await host.status()).chainId;
    const tx = put(device, chain, 1, 'gate', 'shut');
    await expect(host.submitRaw(zeroSignature(tx))).rejects.toMatchObject({
      code: 'BAD_SIGNATURE',
    });
    const { txId } = await host.submitRaw(encodeTx(tx));
    expect((await host.waitFor(txId, { timeoutMs: 5000 })).status).toBe('committed');
    expect(txEvents(events, txId).map((r) => r.status)).toEqual(['committed']);
    await host.stop();
  });

  it('submitRaw refuses at once what can be checked at once: wrong chain, used nonce, a gap', async () => {
    const { host } = await startTestHost();
    const chain = (await host.status()).chainId;
    await expect(
      host.submitRaw(encodeTx(put(device, 'another-chain', 1, 'k', 1))),
    ).rejects.toMatchObject({ code: 'WRONG_CHAIN' });
    await expect(host.submitRaw(encodeTx(put(device, chain, 3, 'k', 1)))).rejects.toMatchObject({
      code: 'NONCE_GAP',
    });
    const first = await host.submitRaw(encodeTx(put(device, chain, 1, 'k', 1)));
    await expect(host.submitRaw(encodeTx(put(device, chain, 1, 'k', 2)))).rejects.toMatchObject({
      code: 'NONCE_REPLAYED',
    });
    expect((await host.waitFor(first.txId, { timeoutMs: 5000 })).status).toBe('committed');
    await host.stop();
  });
});

describe('TxResults', () => {
  it('a failure in a block is as final as a commit: no retry or later rejection replaces it', async () => {
    const results = new TxResults(100);
    const failed = results.committed('t1', 7, botError('NOT_FOUND', 'No such proposal.'));
    expect(failed).toMatchObject({ status: 'rejected', height: 7, error: { code: 'NOT_FOUND' } });
    results.retrying('t1');
    expect(results.get('t1')).toEqual(failed);
    const later = await results.rejected(
      't1',
      botError('NONCE_REPLAYED', 'Used.'),
      async () => false,
    );
    expect(later.decision).toBe('ignored');
    expect(results.get('t1')).toEqual(failed);
  });
  const replayed = botError('NONCE_REPLAYED', 'Nonce 1 was already used.');
  const gap = botError('NONCE_GAP', 'Nonce 3 skips ahead.');
  const forged = botError('BAD_SIGNATURE', 'The signature does not match.');
  const nowhere = async () => false;

  it('never replaces a committed result, and never records a bad-signature rejection', async () => {
    const results = new TxResults(100);
    results.committed('a', 4);
    expect((await results.rejected('a', replayed, nowhere)).decision).toBe('ignored');
    expect((await results.rejected('a', gap, nowhere)).decision).toBe('ignored');
    results.retrying('a');
    expect(results.get('a')).toEqual({ status: 'committed', height: 4 });
    expect((await results.rejected('b', forged, nowhere)).decision).toBe('ignored');
    expect(results.get('b')).toBeUndefined();
  });

  it('asks the stored tx index before recording a replay of an id it no longer holds', async () => {
    const results = new TxResults(8);
    results.committed('old', 1);
    for (let i = 0; i < 20; i++) results.committed(`t${i}`, 2 + i); // 'old' leaves memory
    expect(results.get('old')).toBeUndefined();
    const asked: string[] = [];
    const stored = async (txId: string) => (asked.push(txId), txId === 'old');
    expect((await results.rejected('old', replayed, stored)).decision).toBe('ignored');
    expect(results.get('old')).toBeUndefined();
    expect((await results.rejected('new', replayed, stored)).decision).toBe('recorded');
    expect(asked).toEqual(['old', 'new']);
  });

  it('records the rejection of an undecided transaction, and a retry clears it; a later commit replaces it', async () => {
    const results = new TxResults(100);
    expect((await results.rejected('c', gap, nowhere)).decision).toBe('recorded');
    expect(results.get('c')).toMatchObject({ status: 'rejected', error: { code: 'NONCE_GAP' } });
    results.retrying('c');
    expect(results.get('c')).toBeUndefined();
    await results.rejected('c', gap, nowhere);
    results.committed('c', 9);
    expect(results.get('c')).toEqual({ status: 'committed', height: 9 });
  });
});
