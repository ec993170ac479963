// Who shares a sealed value with a holder granted later, and when (sealed-share.ts), on a real
// chain state and real crypto: the first holder able to open it (did order) shares at once, the
// second only after sealedShareWaitBlocks blocks (it covers a first sharer whose peer is
// offline), a holder without a wrap and a non-holder never; shareSealed sends at once; what it
// sends passes the block rules and opens for the new holder.
import { describe, expect, it } from 'vitest';
import { executeBlock, type ChainState } from '../core/ledger';
import * as limits from '../core/limits';
import { Mempool } from '../core/mempool';
import { devChain, testIdentity, type TestIdentity } from '../core/testing';
import { signTx, txIdOf } from '../core/tx';
import { bindingFromSeed } from '../core/modules/datasets/keys';
import { decodeDataEntry, type SealedValue } from '../core/modules/data';
import { SealedValues } from './sealed-values';
import { SealedShares, sharerRank, sharesDueFor } from './sealed-share';
import type { HostState } from './host-state';

const validator = testIdentity('share host validator');
const [h1, h2, late, outsider] = ['one', 'two', 'late', 'out'].map((n) =>
  testIdentity(`share host ${n}`),
) as [TestIdentity, TestIdentity, TestIdentity, TestIdentity];
const [first, second] = [h1, h2].sort((a, b) => (a.did < b.did ? -1 : 1)) as [
  TestIdentity,
  TestIdentity,
];
const writes = new Map<string, Uint8Array>();
let nonce = 0;

function step(state: ChainState, type: string, body: unknown, from = validator): ChainState {
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
  return made.state;
}

function publish(state: ChainState, who: TestIdentity): ChainState {
  const b = bindingFromSeed(who.seed, who.did);
  return step(state, 'identity.x25519', { key: b.x25519, signature: b.signature }, who);
}

function peer(who: TestIdentity, sent: Array<{ type: string; body: unknown }>) {
  const state = { identityView: { did: who.did }, seed: who.seed } as unknown as HostState;
  const deps = { state, storage: { getState: async (_c: string, k: string) => writes.get(k) } };
  const sealed = new SealedValues({
    ...deps,
    submitBackground: async () => ({ txId: '' }),
    record: () => {},
  });
  const shares = new SealedShares({
    state,
    sealed,
    record: () => {},
    submitBackground: async (request) => {
      sent.push(request);
      return { txId: 'sent' };
    },
  });
  return { sealed, shares };
}

async function chainWithLateHolder(): Promise<ChainState> {
  let state = devChain(validator).state;
  const role = (dids: string[]) => ({
    change: { kind: 'role', role: 'read:lab/', dids },
    height: state.height + 2,
  });
  state = step(state, 'member.propose', role([h1.did, h2.did]));
  state = publish(publish(state, h1), h2);
  const writer = peer(outsider, []).sealed;
  for (const key of ['lab/a', 'lab/b']) {
    const request = await writer.sealRequest(state, {
      type: 'data.put',
      body: { key, value: `v ${key}` },
    });
    state = step(state, 'data.put', request.body, outsider);
  }
  state = step(state, 'member.propose', role([h1.did, h2.did, late.did]));
  return publish(state, late);
}

describe('sharing sealed values with a holder granted later', () => {
  it('the first sharer shares at once, the second after sealedShareWaitBlocks, others never', async () => {
    const chain = await chainWithLateHolder();
    expect(sharesDueFor(chain, first.did).map((d) => [d.key, d.rank, d.missing])).toEqual([
      ['lab/a', 0, [late.did]],
      ['lab/b', 0, [late.did]],
    ]);
    expect(sharesDueFor(chain, second.did).map((d) => d.rank)).toEqual([1, 1]);
    expect(sharesDueFor(chain, late.did)).toEqual([]); // no wrap: cannot open them
    expect(sharesDueFor(chain, outsider.did)).toEqual([]);

    const byFirst: Array<{ type: string; body: unknown }> = [];
    expect(await peer(first, byFirst).shares.afterBlock(chain)).toMatchObject({
      shared: 2,
      waiting: 0,
    });
    const tx = signTx(
      {
        chain: chain.chainId,
        type: 'data.share',
        from: first.did,
        nonce: (chain.nonces.get(first.did) ?? 0) + 1,
        time: chain.headTime + 1,
        body: byFirst[0]!.body,
      },
      first.seed,
    );
    expect(new Mempool().admit(chain, txIdOf(tx), tx)).toBeNull(); // passes the block rules
    const shared = step(chain, 'data.share', byFirst[0]!.body, first);
    const reader = peer(late, []).sealed;
    const entry = (key: string) => shared.data!.sealed.get(key)!;
    const box = decodeDataEntry(writes.get('data/lab/a')!).sealed as SealedValue;
    expect((await reader.open(shared, 'lab/a', box, null, entry('lab/a').tx)).value).toBe(
      'v lab/a',
    );
    expect(sharesDueFor(shared, second.did)).toEqual([]); // nothing left once shared

    // The second sharer waits while the first may still do it, then covers it.
    const bySecond: Array<{ type: string; body: unknown }> = [];
    const secondPeer = peer(second, bySecond).shares;
    expect(await secondPeer.afterBlock(chain)).toMatchObject({ shared: 0, waiting: 2 });
    const later = { ...chain, height: chain.height + limits.sealedShareWaitBlocks } as ChainState;
    expect(await secondPeer.afterBlock(later)).toMatchObject({ shared: 2 });
    expect(bySecond).toHaveLength(1);
    // On demand it does not wait.
    const now: Array<{ type: string; body: unknown }> = [];
    expect(await peer(second, now).shares.shareNow(chain, 'lab/b')).toMatchObject({ shared: 1 });
    expect((now[0]!.body as { shares: Array<{ key: string }> }).shares.map((s) => s.key)).toEqual([
      'lab/b',
    ]);
    await expect(peer(second, now).shares.shareNow(chain, 7 as never)).rejects.toMatchObject({
      code: 'BAD_REQUEST',
    });
  });
});

describe("a value sealed before a holder's key was seen", () => {
  it('is shared with that holder after the block that wrote it (no role or key changed in it)', async () => {
    nonce = 0; // a fresh chain: the validator's nonces start again
    let state = devChain(validator).state;
    state = step(state, 'member.propose', {
      change: { kind: 'role', role: 'read:lab/', dids: [h1.did, h2.did] },
      height: state.height + 2,
    });
    state = publish(state, h1);
    // the writer's peer seals for h1 alone; h2's key reaches the chain before the write does
    const request = await peer(outsider, []).sealed.sealRequest(state, {
      type: 'data.put',
      body: { key: 'lab/c', value: 'raced' },
    });
    state = publish(state, h2);
    const sent: Array<{ type: string; body: unknown }> = [];
    const holder = peer(h1, sent).shares;
    expect(await holder.afterBlock(state)).toMatchObject({ shared: 0 });
    const roles = state.governance?.roles;
    state = step(state, 'data.put', request.body, outsider); // taken without h2's wrap
    // A block that changed no role keeps the roles map: the rescan here is the sealed value's.
    expect(state.governance?.roles).toBe(roles);
    expect(await holder.afterBlock(state)).toMatchObject({ shared: 1 });
    const shares = (sent[0]!.body as { shares: Array<{ key: string; keys: unknown[] }> }).shares;
    expect(shares.map((s) => [s.key, s.keys.length])).toEqual([['lab/c', 1]]);
    const shared = step(state, 'data.share', sent[0]!.body, h1);
    const box = decodeDataEntry(writes.get('data/lab/c')!).sealed as SealedValue;
    const entry = shared.data!.sealed.get('lab/c')!;
    expect((await peer(h2, []).sealed.open(shared, 'lab/c', box, null, entry.tx)).value).toBe(
      'raced',
    );
  });
});

describe('who shares first: the version writer, then did order', () => {
  it('puts the writer first when it can share, else keeps did order', () => {
    const sharers = ['did:a', 'did:b', 'did:c'];
    expect(sharers.map((me) => sharerRank(sharers, me, 'did:c'))).toEqual([1, 2, 0]);
    expect(sharers.map((me) => sharerRank(sharers, me, 'did:b'))).toEqual([1, 0, 2]);
    // the writer holds no wrap or no role (not a sharer), or is not known: did order
    expect(sharers.map((me) => sharerRank(sharers, me, 'did:x'))).toEqual([0, 1, 2]);
    expect(sharers.map((me) => sharerRank(sharers, me, null))).toEqual([0, 1, 2]);
  });
});
