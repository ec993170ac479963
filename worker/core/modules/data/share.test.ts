// Sharing sealed values with holders granted a read role later (data.share, ./share.ts): block
// validity takes a share only from a holder that can open the value, for holders with a key that
// cannot read it yet, of the value's current version; anything else is left out by the proposer,
// refused by the mempool and BAD_BLOCK on replay, and changes nothing.
import { describe, expect, it } from 'vitest';
import type { BotError } from '../../errors';
import {
  executeBlock,
  genesisState,
  replayBlock,
  stateFromEntries,
  type ChainState,
} from '../../ledger';
import * as limits from '../../limits';
import { Mempool } from '../../mempool';
import { PersistentMap } from '../../persistent-map';
import { bftGenesis, testIdentity, type TestIdentity } from '../../testing';
import { checkTx, signTx, txIdOf, type Tx } from '../../tx';
import { bindingFromSeed, wrappedKeyBytes, type WrappedKey } from '../datasets/keys';
import {
  dataPrefix,
  decodeDataEntry,
  decodeSealedWrap,
  holdersMissing,
  sealedShareError,
  sealedWrapKey,
  decodeSealedEarlier,
  decodeSealedEarlierWrap,
  sealedEarlierKey,
  sealedEarlierWrapKey,
  type SealedValue,
} from '.';

const ids = [0, 1, 2, 3].map((i) => testIdentity(`share validator ${i}`)) as TestIdentity[];
const [v0, v1, v2, v3] = ids as [TestIdentity, TestIdentity, TestIdentity, TestIdentity];
const genesis = bftGenesis('share consortium', ids, 'consortium');
const start = genesisState(genesis);
const allWrites: Array<[string, Uint8Array]> = [...start.writes];

function tx(state: ChainState, from: TestIdentity, type: string, body: unknown, offset = 0): Tx {
  const nonce = (state.nonces.get(from.did) ?? 0) + 1 + offset;
  return signTx(
    { chain: start.state.chainId, type, from: from.did, nonce, time: genesis.time, body },
    from.seed,
  );
}

function block(state: ChainState, txs: Tx[]) {
  const meta = { time: genesis.time + state.height + 1, proposer: v0.did, round: 0 };
  return executeBlock(state, txs, meta, false);
}

/** A block that must take every transaction; its writes are kept for the load test. */
function commit(state: ChainState, txs: Tx[]): ChainState {
  const done = block(state, txs);
  expect(done.rejected).toEqual([]);
  expect(done.failed).toEqual([]);
  allWrites.push(...done.writes);
  return done.state;
}

function pass(state: ChainState, change: unknown): ChainState {
  const propose = tx(state, v0, 'member.propose', { change, height: state.height + 2 });
  const proposal = txIdOf(propose);
  const vote = (who: TestIdentity) => tx(state, who, 'member.vote', { proposal, approve: true });
  return commit(state, [propose, vote(v1), vote(v2)]);
}

function publishKey(state: ChainState, who: TestIdentity): ChainState {
  const b = bindingFromSeed(who.seed, who.did);
  return commit(state, [
    tx(state, who, 'identity.x25519', { key: b.x25519, signature: b.signature }),
  ]);
}

function wrapFor(reader: TestIdentity | string, fill = 6): WrappedKey {
  return {
    reader: typeof reader === 'string' ? reader : reader.did,
    ephemeral: new Uint8Array(32).fill(5),
    sealed: new Uint8Array(wrappedKeyBytes).fill(fill),
  };
}

function sealedFor(readers: TestIdentity[]): SealedValue {
  return { box: new Uint8Array(40).fill(9), keys: readers.map((r) => wrapFor(r)) };
}

function errorOf(state: ChainState, t: Tx): BotError | null {
  return block(state, [t]).rejected[0]?.error ?? null;
}

// read:lab/ held by v1 (key published); v3 writes lab/a sealed for v1; then v2 is granted the
// role and publishes its key: v2 is a holder that cannot open lab/a yet.
let s = pass(start.state, { kind: 'role', role: 'read:lab/', dids: [v1.did] });
s = publishKey(s, v1);
const put = tx(s, v3, 'data.put', { key: 'lab/a', sealed: sealedFor([v1]) });
const putId = txIdOf(put);
s = commit(s, [put, tx(s, v3, 'data.put', { key: 'lab/b', sealed: sealedFor([v1]) }, 1)]);
s = pass(s, { kind: 'role', role: 'read:lab/', dids: [v1.did, v2.did] });
s = publishKey(s, v2);
const granted = s;
/** The state entries up to `granted` (other tests' role changes branch off it). */
const grantedWrites = [...allWrites];
const share = (
  from: TestIdentity,
  readers: Array<TestIdentity | string>,
  key = 'lab/a',
  version = putId,
) =>
  tx(granted, from, 'data.share', {
    shares: [{ key, tx: version, keys: readers.map((r) => wrapFor(r)) }],
  });

describe('data.share: a holder granted later is given a wrap of an earlier value', () => {
  it('knows who cannot read a value yet: holders with a key and no wrap', () => {
    const entry = granted.data!.sealed.get('lab/a')!;
    expect(entry).toEqual({ tx: putId, readers: [v1.did] });
    expect(holdersMissing(granted.governance, granted.datasets?.keys, 'lab/a', entry)).toEqual([
      v2.did,
    ]);
  });

  it('takes a share from a holder that can open it; the value and its box are untouched', () => {
    const shared = share(v1, [v2]);
    const made = block(granted, [shared]);
    expect(made.rejected).toEqual([]);
    expect(made.failed).toEqual([]);
    expect([...made.writes.keys()].filter((k) => k.startsWith(dataPrefix))).toEqual([]);
    const wrap = decodeSealedWrap(made.writes.get(sealedWrapKey(v2.did, 'lab/a'))!);
    expect(wrap).toEqual({ tx: putId, wrap: wrapFor(v2), height: granted.height + 1 });
    expect(made.state.data!.sealed.get('lab/a')).toEqual({ tx: putId, readers: [v1.did, v2.did] });
    expect(
      holdersMissing(
        made.state.governance,
        made.state.datasets?.keys,
        'lab/a',
        made.state.data!.sealed.get('lab/a')!,
      ),
    ).toEqual([]);
    // Deterministic, and a peer loading the chain from its entries holds the same index.
    const replayed = replayBlock(granted, made.block);
    expect(replayed.state.trie.rootHash()).toEqual(made.state.trie.rootHash());
    const loaded = stateFromEntries(genesis, made.block.header, made.hash, [
      ...allWrites,
      ...made.writes,
    ]);
    expect(loaded.trie.rootHash()).toEqual(made.state.trie.rootHash());
    expect(loaded.data!.sealed.get('lab/a')).toEqual({ tx: putId, readers: [v1.did, v2.did] });
    expect(loaded.data!.sealed.get('lab/b')).toEqual({ tx: expect.any(String), readers: [v1.did] });
    // Shared once: a second share for v2 is refused.
    const again = tx(made.state, v1, 'data.share', {
      shares: [{ key: 'lab/a', tx: putId, keys: [wrapFor(v2)] }],
    });
    expect(errorOf(made.state, again)?.code).toBe('BAD_KEY');
    // A new value written now is sealed for both holders (the put's own rule), and replaces the index entry.
    const next = tx(made.state, v3, 'data.put', { key: 'lab/a', sealed: sealedFor([v1, v2]) });
    const after = block(made.state, [next]);
    expect(after.rejected).toEqual([]);
    expect(after.state.data!.sealed.get('lab/a')).toEqual({
      tx: txIdOf(next),
      readers: [v1.did, v2.did],
    });
    expect(decodeDataEntry(after.writes.get(`${dataPrefix}lab/a`)!).sealed?.keys).toHaveLength(2);
  });

  it('refuses shares that block validity can tell are wrong, with typed errors', () => {
    const cases: Array<[Tx, string, string]> = [
      [share(v3, [v2]), 'UNAUTHORIZED', 'does not hold the role'], // not a holder
      [share(v2, [v2]), 'UNAUTHORIZED', 'holds no wrap'], // a holder that cannot open it
      [share(v1, [v3]), 'BAD_KEY', v3.did], // not a holder
      [share(v1, [v1]), 'BAD_KEY', v1.did], // can read it already
      [share(v1, [v2, v3]), 'BAD_KEY', v3.did],
      [share(v1, [v2], 'lab/a', '0'.repeat(64)), 'BAD_REQUEST', 'neither the current version'], // no such version
      [share(v1, [v2], 'lab/none'), 'NOT_FOUND', 'nothing to share'],
    ];
    for (const [t, code, words] of cases) {
      const error = errorOf(granted, t);
      expect(error, `${code} ${words}`).toMatchObject({
        code,
        message: expect.stringContaining(words),
      });
      expect(new Mempool().admit(granted, txIdOf(t), t)?.code).toBe(code);
    }
    // A holder without a published key gets no wrap: it could not open one.
    const unkeyed = pass(granted, {
      kind: 'role',
      role: 'read:lab/',
      dids: [v1.did, v2.did, v0.did],
    });
    const t = tx(unkeyed, v1, 'data.share', {
      shares: [{ key: 'lab/a', tx: putId, keys: [wrapFor(v0)] }],
    });
    expect(errorOf(unkeyed, t)?.code).toBe('BAD_KEY');
    // A removed holder cannot share any more, though it still holds its wrap.
    const removed = pass(granted, { kind: 'role', role: 'read:lab/', dids: [v2.did] });
    const byRemoved = tx(removed, v1, 'data.share', {
      shares: [{ key: 'lab/a', tx: putId, keys: [wrapFor(v2)] }],
    });
    expect(errorOf(removed, byRemoved)?.code).toBe('UNAUTHORIZED');
    // The role opened (no read role): nothing is shared by wraps.
    const opened = pass(granted, { kind: 'role', role: 'read:lab/', dids: null });
    const noRole = tx(opened, v1, 'data.share', {
      shares: [{ key: 'lab/a', tx: putId, keys: [wrapFor(v2)] }],
    });
    expect(errorOf(opened, noRole)?.code).toBe('BAD_REQUEST');
  });

  it('a block holding a forged share is BAD_BLOCK on every honest peer, and a bad batch writes nothing', () => {
    const good = { key: 'lab/b', tx: '', keys: [wrapFor(v2)] };
    good.tx = granted.data!.sealed.get('lab/b')!.tx;
    // one good value and one wrap for a non-holder in the same transaction: the whole of it is refused
    const mixed = tx(granted, v1, 'data.share', {
      shares: [good, { key: 'lab/a', tx: putId, keys: [wrapFor(v3)] }],
    });
    const made = block(granted, [mixed]);
    expect(made.txIds).toEqual([]);
    expect([...made.writes.keys()].some((k) => k.startsWith('sealwrap/'))).toBe(false);
    const empty = executeBlock(
      granted,
      [],
      { time: granted.headTime + 1, proposer: v0.did, round: 0 },
      false,
    );
    expect(() => replayBlock(granted, { ...empty.block, txs: [mixed] })).toThrow(
      expect.objectContaining({ code: 'BAD_BLOCK' }),
    );
  });

  it('in one block: a second share for the same holder fails, and so does a share after the value is rewritten', () => {
    const first = share(v1, [v2]);
    const second = tx(
      granted,
      v1,
      'data.share',
      { shares: [{ key: 'lab/a', tx: putId, keys: [wrapFor(v2, 7)] }] },
      1,
    );
    const made = block(granted, [first, second]);
    expect(made.failed.map((f) => f.txId)).toEqual([txIdOf(second)]);
    expect(made.failed[0]?.error?.message).toContain('earlier in this block');
    expect(decodeSealedWrap(made.writes.get(sealedWrapKey(v2.did, 'lab/a'))!).wrap).toEqual(
      wrapFor(v2),
    );
    expect(made.state.data!.sealed.get('lab/a')?.readers).toEqual([v1.did, v2.did]);
    const rewrite = tx(granted, v3, 'data.put', { key: 'lab/a', sealed: sealedFor([v1, v2]) });
    const late = block(granted, [rewrite, share(v1, [v2])]);
    expect(late.failed[0]?.error?.message).toContain('written again earlier in this block');
    expect(late.writes.has(sealedWrapKey(v2.did, 'lab/a'))).toBe(false);
    expect(late.state.data!.sealed.get('lab/a')).toEqual({
      tx: txIdOf(rewrite),
      readers: [v1.did, v2.did],
    });
    // A plain write or a delete takes the key out of the index.
    const deleted = block(granted, [tx(granted, v3, 'data.delete', { key: 'lab/a' })]);
    expect(deleted.state.data!.sealed.has('lab/a')).toBe(false);
  });

  it('keeps a value within sealedValueHoldersMax wraps', () => {
    const many = Array.from(
      { length: limits.sealedValueHoldersMax },
      (_, i) => testIdentity(`reader ${i}`).did,
    );
    const index = PersistentMap.empty<{ tx: string; readers: string[] }>().set('lab/a', {
      tx: putId,
      readers: many,
    });
    const rights = {
      ...granted.governance!,
      roles: new Map([['read:lab/', [v1.did, v2.did, ...many.slice(2)]]]),
    };
    const withV1 = index.set('lab/a', { tx: putId, readers: [v1.did, ...many.slice(1)] });
    const error = sealedShareError(
      rights as never,
      granted.datasets?.keys,
      { sealed: withV1 },
      share(v1, [v2]),
    );
    expect(error).toMatchObject({
      code: 'TOO_LARGE',
      message: expect.stringContaining('sealedValueHoldersMax'),
    });
  });
});

describe('data.share: bad input gets typed errors (body rules)', () => {
  const codeOf = (body: unknown) => {
    try {
      checkTx(tx(granted, v1, 'data.share', body));
    } catch (error) {
      return (error as BotError).code;
    }
    return 'accepted';
  };
  const item = { key: 'lab/a', tx: putId, keys: [wrapFor(v2)] };

  it('refuses malformed shares', () => {
    expect(codeOf({ shares: [item] })).toBe('accepted');
    expect(codeOf('share')).toBe('MALFORMED');
    expect(codeOf({ shares: [item], extra: 1 })).toBe('MALFORMED');
    expect(codeOf({ shares: [] })).toBe('BAD_FIELD_TYPE');
    expect(codeOf({ shares: [{ ...item, x: 1 }] })).toBe('MALFORMED');
    expect(codeOf({ shares: [{ ...item, tx: 'abc' }] })).toBe('BAD_FIELD_TYPE');
    expect(codeOf({ shares: [{ ...item, keys: [] }] })).toBe('BAD_FIELD_TYPE');
    expect(codeOf({ shares: [{ ...item, key: '' }] })).toBe('BAD_KEY');
    expect(codeOf({ shares: [{ ...item, keys: [wrapFor(v2), wrapFor(v2)] }] })).toBe('BAD_REQUEST');
    expect(codeOf({ shares: [item, item] })).toBe('BAD_REQUEST');
    expect(
      codeOf({ shares: [{ ...item, keys: [{ ...wrapFor(v2), sealed: new Uint8Array(3) }] }] }),
    ).toBe('BAD_FIELD_TYPE');
  });

  it('enforces sealedSharesPerTxMax and sealedValueHoldersMax', () => {
    const batch = (n: number) =>
      Array.from({ length: n }, (_, i) => ({
        key: `lab/${i}`,
        tx: i.toString(16).padStart(64, '0'),
        keys: [wrapFor(v2)],
      }));
    expect(codeOf({ shares: batch(limits.sealedSharesPerTxMax) })).toBe('accepted');
    expect(codeOf({ shares: batch(limits.sealedSharesPerTxMax + 1) })).toBe('TOO_LARGE');
    const wraps = Array.from({ length: limits.sealedValueHoldersMax + 1 }, (_, i) =>
      wrapFor(testIdentity(`w ${i}`).did),
    );
    expect(codeOf({ shares: [{ ...item, keys: wraps }] })).toBe('TOO_LARGE');
  });
});

describe('data.share of earlier versions: a holder granted later reads the history too', () => {
  /** `state` with lab/a written again, sealed for v1 and v2 (putId becomes an earlier version). */
  function rewritten(state: ChainState, times = 1) {
    const writes: Array<[string, Uint8Array]> = [];
    const puts: Tx[] = [];
    for (let i = 0; i < times; i++) {
      const put = tx(state, v3, 'data.put', {
        key: 'lab/a',
        sealed: { ...sealedFor([v1, v2]), box: new Uint8Array(40).fill(i) },
      });
      const made = block(state, [put]);
      expect(made.rejected).toEqual([]);
      writes.push(...made.writes);
      puts.push(put);
      state = made.state;
    }
    return { state, writes, puts };
  }

  it('keeps the version written over, takes a share of it, and loads the same index', () => {
    const over = rewritten(granted);
    const earlier = [{ tx: putId, readers: [v1.did] }];
    expect(over.state.data!.earlier.get('lab/a')).toEqual(earlier);
    expect(
      decodeSealedEarlier(over.writes.find(([k]) => k === sealedEarlierKey('lab/a'))![1]),
    ).toEqual(earlier);
    const shared = tx(over.state, v1, 'data.share', {
      shares: [{ key: 'lab/a', tx: putId, keys: [wrapFor(v2)] }],
    });
    const made = block(over.state, [shared]);
    expect(made.rejected).toEqual([]);
    expect(made.failed).toEqual([]);
    const wrap = decodeSealedEarlierWrap(made.writes.get(sealedEarlierWrapKey(v2.did, putId))!);
    expect(wrap).toEqual({
      key: 'lab/a',
      tx: putId,
      wrap: wrapFor(v2),
      height: over.state.height + 1,
    });
    expect(made.writes.has(sealedWrapKey(v2.did, 'lab/a'))).toBe(false);
    expect(made.state.data!.earlier.get('lab/a')).toEqual([
      { tx: putId, readers: [v1.did, v2.did] },
    ]);
    // the current version is untouched, and shared once: a second share for v2 is refused
    expect(made.state.data!.sealed.get('lab/a')?.tx).toBe(txIdOf(over.puts[0]!));
    const again = tx(made.state, v1, 'data.share', {
      shares: [{ key: 'lab/a', tx: putId, keys: [wrapFor(v2, 7)] }],
    });
    expect(errorOf(made.state, again)?.code).toBe('BAD_KEY');
    // deterministic, and a peer loading the entries holds the same earlier versions
    expect(replayBlock(over.state, made.block).state.trie.rootHash()).toEqual(
      made.state.trie.rootHash(),
    );
    const loaded = stateFromEntries(genesis, made.block.header, made.hash, [
      ...grantedWrites,
      ...over.writes,
      ...made.writes,
    ]);
    expect(loaded.trie.rootHash()).toEqual(made.state.trie.rootHash());
    expect(loaded.data!.earlier.get('lab/a')).toEqual([{ tx: putId, readers: [v1.did, v2.did] }]);
    // written over once more: the list moves on, v2 still counted a reader of putId
    const next = rewritten(made.state);
    expect(next.state.data!.earlier.get('lab/a')?.map((v) => v.tx)).toEqual([
      txIdOf(over.puts[0]!),
      putId,
    ]);
    expect(next.state.data!.earlier.get('lab/a')?.[1]?.readers).toEqual([v1.did, v2.did]);
  });

  it('refuses wrong shares of earlier versions with typed errors and writes nothing', () => {
    const over = rewritten(granted);
    const shareOf = (from: TestIdentity, readers: TestIdentity[], version = putId) =>
      tx(over.state, from, 'data.share', {
        shares: [{ key: 'lab/a', tx: version, keys: readers.map((r) => wrapFor(r)) }],
      });
    const cases: Array<[Tx, string, string]> = [
      [shareOf(v2, [v2]), 'UNAUTHORIZED', 'holds no wrap'],
      [shareOf(v3, [v2]), 'UNAUTHORIZED', 'does not hold the role'],
      [shareOf(v1, [v1]), 'BAD_KEY', v1.did],
      [shareOf(v1, [v3]), 'BAD_KEY', v3.did],
      [shareOf(v1, [v2], 'f'.repeat(64)), 'BAD_REQUEST', 'sealedVersionsKeptMax'],
    ];
    for (const [t, code, words] of cases) {
      expect(errorOf(over.state, t), `${code} ${words}`).toMatchObject({
        code,
        message: expect.stringContaining(words),
      });
      expect(new Mempool().admit(over.state, txIdOf(t), t)?.code).toBe(code);
    }
    // a batch with one bad share: nothing is written, and a block holding it is BAD_BLOCK
    const mixed = tx(over.state, v1, 'data.share', {
      shares: [
        { key: 'lab/a', tx: putId, keys: [wrapFor(v2)] },
        { key: 'lab/b', tx: over.state.data!.sealed.get('lab/b')!.tx, keys: [wrapFor(v3)] },
      ],
    });
    const made = block(over.state, [mixed]);
    expect(made.txIds).toEqual([]);
    expect([...made.writes.keys()].some((k) => k.startsWith('sealwrap'))).toBe(false);
    const empty = executeBlock(
      over.state,
      [],
      { time: over.state.headTime + 1, proposer: v0.did, round: 0 },
      false,
    );
    expect(() => replayBlock(over.state, { ...empty.block, txs: [mixed] })).toThrow(
      expect.objectContaining({ code: 'BAD_BLOCK' }),
    );
    // in one block, a second wrap of the same earlier version for the same holder fails
    const first = shareOf(v1, [v2]);
    const second = tx(
      over.state,
      v1,
      'data.share',
      { shares: [{ key: 'lab/a', tx: putId, keys: [wrapFor(v2, 7)] }] },
      1,
    );
    const both = block(over.state, [first, second]);
    expect(both.failed.map((f) => f.txId)).toEqual([txIdOf(second)]);
    expect(both.state.data!.earlier.get('lab/a')?.[0]?.readers).toEqual([v1.did, v2.did]);
  });

  it('keeps sealedVersionsKeptMax earlier versions; an older one stays closed', () => {
    const over = rewritten(granted, limits.sealedVersionsKeptMax + 1);
    const kept = over.state.data!.earlier.get('lab/a')!;
    expect(kept).toHaveLength(limits.sealedVersionsKeptMax);
    expect(kept.map((v) => v.tx)).not.toContain(putId);
    expect(kept[0]!.tx).toBe(txIdOf(over.puts.at(-2)!));
    const late = tx(over.state, v1, 'data.share', {
      shares: [{ key: 'lab/a', tx: putId, keys: [wrapFor(v2)] }],
    });
    expect(errorOf(over.state, late)).toMatchObject({
      code: 'BAD_REQUEST',
      message: expect.stringContaining('sealedVersionsKeptMax'),
    });
    // a delete keeps the deleted version among the earlier ones too
    const gone = block(over.state, [tx(over.state, v3, 'data.delete', { key: 'lab/a' })]);
    expect(gone.state.data!.sealed.has('lab/a')).toBe(false);
    expect(gone.state.data!.earlier.get('lab/a')?.[0]?.tx).toBe(txIdOf(over.puts.at(-1)!));
  });
});
