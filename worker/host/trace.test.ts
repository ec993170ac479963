// The backward query on a peer (Y.4560 I.1.5 (2)): from a shop's box back to both farms' lots
// through a transfer, a split and a merge; every step checked against the state root, its
// block and its signature, and every information-server document against its hash. A changed
// document and a changed stored record are reported as tampered for their step.
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryStorage } from '../store/memory';
import { startTestHost } from './testing';
import { testIdentity, type TestIdentity } from '../core/testing';
import { encodeTx, signTx } from '../core/tx';
import { sha256 } from '../core/crypto/hash';
import { toHex, utf8 } from '../core/bytes';
import { encodeRecord, decodeRecord, traceRecordPrefix } from '../core/modules/trace';
import type { PeerHost } from './peer-host';

const mill = testIdentity('trace mill');
const packer = testIdentity('trace packer');
const shop = testIdentity('trace shop');

/** The information servers: address -> document. */
const documents = new Map<string, string>();
const fetchDocument = async (url: string) => {
  const text = documents.get(url);
  if (text === undefined) throw new Error('HTTP 404');
  return utf8(text);
};
const hashOf = (text: string) => toHex(sha256(utf8(text)));

let host: PeerHost | null = null;
afterEach(() => host?.stop());

async function journey() {
  const storage = new MemoryStorage();
  const started = await startTestHost(storage, { fetchDocument });
  host = started.host;
  const farm = (await host.identity()).did;
  const chain = (await host.status()).chainId;
  const nonces = new Map<string, number>();
  const raw = async (who: TestIdentity, type: string, body: Record<string, unknown>) => {
    const nonce = (nonces.get(who.did) ?? 0) + 1;
    nonces.set(who.did, nonce);
    const tx = signTx({ chain, type, from: who.did, nonce, time: Date.now(), body }, who.seed);
    const { txId } = await host!.submitRaw(encodeTx(tx));
    return txId;
  };
  const done = async (txId: string) =>
    expect((await host!.waitFor(txId, { timeoutMs: 10_000 })).status).toBe('committed');
  const doc = (name: string, text: string) => {
    const url = `http://127.0.0.1:9/${name}.json`;
    documents.set(url, text);
    return { server: url, hash: hashOf(text) };
  };
  for (const [name, text] of [
    ['wheat1', '{"farm":"North","harvest":"2026-07-01"}'],
    ['wheat2', '{"farm":"South","harvest":"2026-07-03"}'],
  ])
    documents.set(`http://127.0.0.1:9/${name}.json`, text!);
  // the host (the farm) leaves the hash out: it fetches and hashes the document itself
  const w1 = await host.traceRecord({ id: 'WHEAT-1', server: 'http://127.0.0.1:9/wheat1.json' });
  expect(w1.hash).toBe(hashOf(documents.get('http://127.0.0.1:9/wheat1.json')!));
  await done(w1.txId);
  await done(
    (await host.traceRecord({ id: 'WHEAT-2', server: 'http://127.0.0.1:9/wheat2.json' })).txId,
  );
  await done(
    (await host.traceTransfer({ id: 'WHEAT-1', to: mill.did, ...doc('ship1', 'truck 7') })).txId,
  );
  await done(
    (await host.traceTransfer({ id: 'WHEAT-2', to: packer.did, ...doc('ship2', 'truck 9') })).txId,
  );
  await done(
    await raw(mill, 'trace.split', {
      id: 'WHEAT-1',
      into: ['FLOUR-1', 'FLOUR-2'],
      ...doc('mill', 'milled 2026-07-05'),
    }),
  );
  await done(
    await raw(mill, 'trace.transfer', { id: 'FLOUR-1', to: packer.did, ...doc('ship3', 'van 2') }),
  );
  await done(
    await raw(packer, 'trace.merge', {
      ids: ['FLOUR-1', 'WHEAT-2'],
      into: 'BOX-1',
      ...doc('pack', 'boxed'),
    }),
  );
  await done(
    await raw(packer, 'trace.transfer', { id: 'BOX-1', to: shop.did, ...doc('ship4', 'van 5') }),
  );
  return { storage, chain, farm, host };
}

describe('traceability backward query', () => {
  it('finds every origin of a shop item through transfers, a split and a merge, each step verified', async () => {
    const { host, farm } = await journey();
    const back = await host.traceBack('BOX-1', { fetch: true });
    expect(back.truncated).toBeNull();
    expect(back.origins.sort()).toEqual(['WHEAT-1', 'WHEAT-2']);
    expect(back.lots.map((l) => l.id).sort()).toEqual(['BOX-1', 'FLOUR-1', 'WHEAT-1', 'WHEAT-2']);
    expect(back.steps.map((s) => s.kind)).toEqual([
      'origin',
      'origin',
      'transfer',
      'transfer',
      'split',
      'transfer',
      'merge',
      'transfer',
    ]);
    expect(
      back.steps.every((s) => s.status === 'verified' && s.document.status === 'verified'),
    ).toBe(true);
    expect(back.verified).toBe(true);
    const last = back.steps.at(-1)!;
    expect(last).toMatchObject({ out: packer.did, in: shop.did, ids: ['BOX-1'] });
    expect(back.steps[0]).toMatchObject({ out: null, in: farm });
    expect(last.blockHash).toMatch(/^[0-9a-f]{64}$/);
    // FLOUR-2 is not on the way back from BOX-1
    expect(back.lots.some((l) => l.id === 'FLOUR-2')).toBe(false);
    const lot = await host.traceLot('BOX-1');
    expect(lot).toMatchObject({ holder: shop.did, mine: false, parents: ['FLOUR-1', 'WHEAT-2'] });
    expect(await host.traceLot('NOPE')).toBeNull();
    await expect(host.traceBack('NOPE')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('refuses a transfer by a non-holder and of a consumed lot before signing', async () => {
    const { host } = await journey();
    const server = 'http://127.0.0.1:9/x.json';
    const hash = 'cd'.repeat(32);
    await expect(
      host.traceTransfer({ id: 'BOX-1', to: mill.did, server, hash }),
    ).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    await expect(
      host.traceSplit({ id: 'BOX-1', into: ['B2'], server, hash }),
    ).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    await expect(
      host.traceRecord({ id: 'NEW', server: 'http://127.0.0.1:9/absent.json' }),
    ).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('reports a changed information-server document as tampered for its step', async () => {
    const { host } = await journey();
    documents.set('http://127.0.0.1:9/mill.json', 'milled 2026-07-05 (edited later)');
    documents.delete('http://127.0.0.1:9/ship3.json');
    const back = await host.traceBack('BOX-1', { fetch: true });
    const split = back.steps.find((s) => s.kind === 'split')!;
    expect(split.status).toBe('verified'); // the record itself holds
    expect(split.document.status).toBe('tampered');
    expect(back.steps.find((s) => s.server.endsWith('ship3.json'))!.document.status).toBe(
      'unreachable',
    );
    expect(back.steps.filter((s) => s.document.status === 'verified')).toHaveLength(6);
    expect(back.verified).toBe(false);
    // without fetching, documents are not judged
    const quick = await host.traceBack('BOX-1');
    expect(quick.steps.every((s) => s.document.status === 'not-fetched')).toBe(true);
  });

  it('reports a stored record changed after it was written as tampered for its step (checked against the state root)', async () => {
    const { host, storage, chain } = await journey();
    const back = await host.traceBack('BOX-1');
    const merge = back.steps.find((s) => s.kind === 'merge')!;
    const key = traceRecordPrefix + merge.txId;
    const state = (
      storage as unknown as { chains: Map<string, { state: Map<string, Uint8Array> }> }
    ).chains.get(chain)!.state;
    const stored = decodeRecord(state.get(key)!);
    state.set(key, encodeRecord({ ...stored, ids: ['FLOUR-2', 'WHEAT-2'] }));
    const after = await host.traceBack('BOX-1');
    const forged = after.steps.find((s) => s.txId === merge.txId)!;
    expect(forged.status).toBe('tampered');
    expect(forged.problem).toMatch(/state root/);
    expect(after.verified).toBe(false);
    expect(after.steps.filter((s) => s.status === 'verified')).toHaveLength(7);
  });
});
