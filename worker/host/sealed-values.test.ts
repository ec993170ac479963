// Sealing and opening values under read roles on the host (sealed-values.ts), with real crypto:
// a value sealed for several holders opens for each and for no one else; a changed box, a box
// moved to another key or a wrap for someone else is TAMPERED, never garbage; a write with no
// holder that could read it is refused; anything that is not a plain data.put under a role is
// left as it is. The chain state is a real one (a solo dev chain with the role set and the keys
// published), so sealRequest judges what the block rules judge.
import { describe, expect, it } from 'vitest';
import { executeBlock, type ChainState } from '../core/ledger';
import { devChain, testIdentity, type TestIdentity } from '../core/testing';
import { signTx, txIdOf } from '../core/tx';
import { Mempool } from '../core/mempool';
import { bindingFromSeed, type WrappedKey } from '../core/modules/datasets/keys';
import type { SealedValue } from '../core/modules/data/sealed';
import { SealedValues } from './sealed-values';
import type { HostState } from './host-state';

const validator = testIdentity('sealed host validator');
const [holder1, holder2, outsider] = ['one', 'two', 'out'].map((n) =>
  testIdentity(`sealed host ${n}`),
) as [TestIdentity, TestIdentity, TestIdentity];

let nonce = 0;
function run(state: ChainState, type: string, body: unknown, from = validator): ChainState {
  const tx = signTx(
    {
      chain: state.chainId,
      type,
      from: from.did,
      nonce: from === validator ? ++nonce : 1,
      time: state.headTime + 1,
      body,
    },
    from.seed,
  );
  const made = executeBlock(
    state,
    [tx],
    { time: state.headTime + 1, proposer: validator.did, round: 0 },
    false,
  );
  expect(made.rejected).toEqual([]);
  expect(made.failed).toEqual([]);
  return made.state;
}

/** A dev chain where read:lab/ is held by holder1 and holder2, both with published keys. */
function chainWithRole(): ChainState {
  let state = devChain(validator).state;
  const change = { kind: 'role', role: 'read:lab/', dids: [holder1.did, holder2.did] };
  state = run(state, 'member.propose', { change, height: state.height + 2 });
  for (const h of [holder1, holder2]) {
    const b = bindingFromSeed(h.seed, h.did);
    state = run(state, 'identity.x25519', { key: b.x25519, signature: b.signature }, h);
  }
  return state;
}

function peerOf(
  who: TestIdentity,
  entries: ReadonlyMap<string, Uint8Array> = new Map(),
): SealedValues {
  const state = { identityView: { did: who.did }, seed: who.seed } as unknown as HostState;
  return new SealedValues({
    state,
    storage: { getState: async (_chain, key) => entries.get(key) },
    submitBackground: async () => ({ txId: '' }),
    record: () => {},
  });
}

const chain = chainWithRole();
const writer = peerOf(outsider);
const value = { reading: 21.5, note: 'confidential' };

async function sealed(key = 'lab/a', v: unknown = value): Promise<SealedValue> {
  const request = await writer.sealRequest(chain, { type: 'data.put', body: { key, value: v } });
  const body = request.body as { sealed: SealedValue; value?: unknown };
  expect(body.value).toBeUndefined();
  return body.sealed;
}

describe('sealing and opening values under a read role', () => {
  it('seals for every holder with a key, each opens it, others see it sealed', async () => {
    const s = await sealed();
    expect(s.keys.map((k) => k.reader).sort()).toEqual([holder1.did, holder2.did].sort());
    for (const h of [holder1, holder2])
      expect(await peerOf(h).open(chain, 'lab/a', s, null)).toEqual({
        value,
        sealed: { role: 'read:lab/', readers: s.keys.map((k) => k.reader), opened: true },
      });
    const shut = await peerOf(outsider).open(chain, 'lab/a', s, null);
    expect(shut).toMatchObject({ value: null, sealed: { opened: false } });
    expect(shut.sealed?.reason).toContain('holds none');
    // The sealed transaction passes the block rules; two seals of one value differ (fresh keys).
    const tx = signTx(
      {
        chain: chain.chainId,
        type: 'data.put',
        from: outsider.did,
        nonce: 1,
        time: chain.headTime + 1,
        body: { key: 'lab/a', sealed: s },
      },
      outsider.seed,
    );
    expect(new Mempool().admit(chain, txIdOf(tx), tx)).toBeNull();
    expect((await sealed()).box).not.toEqual(s.box);
  });

  it('seals a data.put held for multisig approval too', async () => {
    const held = { type: 'data.put', body: { key: 'lab/a', value } };
    const request = await writer.sealRequest(chain, { type: 'multisig.propose', body: held });
    const inner = (request.body as { type: string; body: { key: string; sealed: SealedValue } })
      .body;
    expect(Object.keys(inner).sort()).toEqual(['key', 'sealed']);
    expect((await peerOf(holder2).open(chain, 'lab/a', inner.sealed, null)).value).toEqual(value);
  });

  it('a changed box, a box moved to another key or a swapped wrap is TAMPERED', async () => {
    const s = await sealed();
    const flipped = { ...s, box: s.box.slice() };
    flipped.box[3]! ^= 1;
    const reader = peerOf(holder1);
    await expect(reader.open(chain, 'lab/a', flipped, null)).rejects.toMatchObject({
      code: 'TAMPERED',
    });
    await expect(reader.open(chain, 'lab/b', s, null)).rejects.toMatchObject({
      code: 'TAMPERED',
      message: expect.stringContaining('"lab/b"'),
    });
    const other = await sealed('lab/a', 'another value');
    const mine = other.keys.find((k) => k.reader === holder1.did)!;
    const swapped = { ...s, keys: s.keys.map((k) => (k.reader === holder1.did ? mine : k)) };
    await expect(reader.open(chain, 'lab/a', swapped, null)).rejects.toMatchObject({
      code: 'TAMPERED',
    });
  });

  it('refuses a write nobody could read, and a value over the limit; leaves the rest alone', async () => {
    let noKeys = devChain(validator).state;
    nonce = 0;
    const change = { kind: 'role', role: 'read:lab/', dids: [outsider.did] };
    noKeys = run(noKeys, 'member.propose', { change, height: noKeys.height + 2 });
    await expect(
      writer.sealRequest(noKeys, { type: 'data.put', body: { key: 'lab/a', value: 1 } }),
    ).rejects.toMatchObject({
      code: 'UNAUTHORIZED',
      message: expect.stringContaining('none of its holders has published an X25519 key'),
    });
    await expect(
      writer.sealRequest(chain, {
        type: 'data.put',
        body: { key: 'lab/a', value: 'x'.repeat(9000) },
      }),
    ).rejects.toMatchObject({ code: 'TOO_LARGE' });
    for (const request of [
      { type: 'data.put', body: { key: 'open/a', value: 1 } },
      { type: 'data.delete', body: { key: 'lab/a' } },
      { type: 'data.put', body: { key: 'lab/a', sealed: 'made elsewhere' } },
      { type: 'data.put', body: 'not a map' },
    ])
      expect(await writer.sealRequest(chain, request)).toBe(request);
  });

  it('a wrap a holder shared (data.share) opens for its reader; a forged one is TAMPERED, never garbage', async () => {
    nonce = 0;
    const holder3 = testIdentity('sealed host three');
    const writes = new Map<string, Uint8Array>();
    const step = (state: ChainState, type: string, body: unknown, from: TestIdentity) => {
      const n = from === validator ? ++nonce : (state.nonces.get(from.did) ?? 0) + 1;
      const t = signTx(
        { chain: state.chainId, type, from: from.did, nonce: n, time: state.headTime + 1, body },
        from.seed,
      );
      const made = executeBlock(
        state,
        [t],
        { time: state.headTime + 1, proposer: validator.did, round: 0 },
        false,
      );
      expect(made.rejected).toEqual([]);
      expect(made.failed).toEqual([]);
      for (const [k, v] of made.writes) writes.set(k, v);
      return { state: made.state, txId: txIdOf(t) };
    };
    const publish = (state: ChainState, h: TestIdentity) => {
      const b = bindingFromSeed(h.seed, h.did);
      return step(state, 'identity.x25519', { key: b.x25519, signature: b.signature }, h).state;
    };
    let state = devChain(validator).state;
    const role = (dids: string[]) => ({
      change: { kind: 'role', role: 'read:lab/', dids },
      height: state.height + 2,
    });
    state = step(state, 'member.propose', role([holder1.did]), validator).state;
    state = publish(state, holder1);
    const request = await writer.sealRequest(state, {
      type: 'data.put',
      body: { key: 'lab/a', value },
    });
    const box = (request.body as { sealed: SealedValue }).sealed;
    const put = step(state, 'data.put', request.body, outsider);
    state = step(put.state, 'member.propose', role([holder1.did, holder3.did]), validator).state;
    state = publish(state, holder3);
    const before = await peerOf(holder3, writes).open(state, 'lab/a', box, null, put.txId);
    expect(before).toMatchObject({
      value: null,
      sealed: { opened: false, waiting: [holder3.did] },
    });
    expect(before.sealed?.reason).toContain('shares it with this peer by itself');
    // holder1's peer opens the content key and wraps it for holder3; the box is unchanged.
    const sharer = peerOf(holder1, writes);
    const contentKey = await sharer.contentKeyOf(state, 'lab/a', box, put.txId);
    const keys = await sharer.wrapFor(contentKey, box, [state.datasets!.keys.get(holder3.did)!]);
    const forged = { ...keys[0]!, sealed: keys[0]!.sealed.map((b) => b ^ 1) };
    const shareOf = (wrap: WrappedKey) => ({
      shares: [{ key: 'lab/a', tx: put.txId, keys: [wrap] }],
    });
    const good = step(state, 'data.share', shareOf(keys[0]!), holder1).state;
    expect(await peerOf(holder3, writes).open(good, 'lab/a', box, null, put.txId)).toEqual({
      value,
      sealed: { role: 'read:lab/', readers: [holder1.did, holder3.did], opened: true },
    });
    const bad = step(state, 'data.share', shareOf(forged), holder1).state;
    await expect(
      peerOf(holder3, writes).open(bad, 'lab/a', box, null, put.txId),
    ).rejects.toMatchObject({
      code: 'TAMPERED',
    });
  });
});
