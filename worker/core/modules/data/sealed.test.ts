// Sealed values under read roles (issue 15: "who may read which key prefixes ... enforced by
// block validity, not only by the proposer's peer"): a plaintext data.put under a read role, or
// a sealed one whose wraps do not name exactly the role's holders with a published X25519 key,
// is left out by the proposer, refused by the mempool, and makes a block holding it BAD_BLOCK.
import { describe, expect, it } from 'vitest';
import { encode } from '../../codec';
import { encodeBlock } from '../../block';
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
import { bftGenesis, testIdentity, type TestIdentity } from '../../testing';
import { checkTx, signTx, txIdOf, type Tx } from '../../tx';
import { bindingFromSeed, wrappedKeyBytes } from '../datasets/keys';
import { dataPrefix, decodeDataEntry, sealedReadersOf, type SealedValue } from '.';

const ids = [0, 1, 2, 3].map((i) => testIdentity(`sealed validator ${i}`)) as TestIdentity[];
const [v0, v1, v2, v3] = ids as [TestIdentity, TestIdentity, TestIdentity, TestIdentity];
const genesis = bftGenesis('sealed consortium', ids, 'consortium');
const start = genesisState(genesis);

function tx(state: ChainState, from: TestIdentity, type: string, body: unknown, offset = 0): Tx {
  const nonce = (state.nonces.get(from.did) ?? 0) + 1 + offset;
  return signTx(
    { chain: start.state.chainId, type, from: from.did, nonce, time: genesis.time, body },
    from.seed,
  );
}

function block(state: ChainState, txs: Tx[]) {
  return executeBlock(
    state,
    txs,
    {
      time: genesis.time + state.height + 1,
      proposer: v0.did,
      round: 0,
    },
    false,
  );
}

/** Propose a change and pass it (3 of 4 approvals) in one block; it applies from the next. */
function pass(state: ChainState, change: unknown) {
  const propose = tx(state, v0, 'member.propose', { change, height: state.height + 2 });
  const proposal = txIdOf(propose);
  const done = block(state, [
    propose,
    tx(state, v1, 'member.vote', { proposal, approve: true }),
    tx(state, v2, 'member.vote', { proposal, approve: true }),
  ]);
  expect(done.failed).toEqual([]);
  return done;
}

function publishKey(state: ChainState, who: TestIdentity) {
  const binding = bindingFromSeed(who.seed, who.did);
  const done = block(state, [
    tx(state, who, 'identity.x25519', { key: binding.x25519, signature: binding.signature }),
  ]);
  expect(done.failed).toEqual([]);
  return done;
}

/** A sealed value of the right shape for `readers` (validity cannot look inside the wraps). */
function sealedFor(readers: TestIdentity[], boxBytes = 40): SealedValue {
  return {
    box: new Uint8Array(boxBytes).fill(9),
    keys: readers.map((r) => ({
      reader: r.did,
      ephemeral: new Uint8Array(32).fill(5),
      sealed: new Uint8Array(wrappedKeyBytes).fill(6),
    })),
  };
}

/** A block made by a peer that ignores read roles, replayed by one that enforces them. */
function replayOn(state: ChainState, txs: Tx[]): BotError {
  const roles = new Map([...state.governance!.roles].filter(([role]) => !role.startsWith('read:')));
  const ignoring = { ...state, governance: { ...state.governance!, roles } };
  const made = executeBlock(
    ignoring,
    txs,
    { time: state.headTime + 1, proposer: v0.did, round: 0 },
    false,
  );
  expect(made.rejected).toEqual([]);
  try {
    replayBlock(state, made.block);
  } catch (error) {
    return error as BotError;
  }
  throw new Error('the block was accepted');
}

// read:lab/ held by v1 (key published) and v2 (no key yet); v3 writes, holding no read role.
const role = pass(start.state, { kind: 'role', role: 'read:lab/', dids: [v1.did, v2.did] });
const keyed = publishKey(role.state, v1);
const s1 = keyed.state;

describe('sealed values under a read role (block validity)', () => {
  it('knows whom a key under the role is sealed for: holders with a published key', () => {
    expect(sealedReadersOf(s1.governance, s1.datasets?.keys, 'lab/x')).toEqual({
      role: 'read:lab/',
      readers: [v1.did],
      holdersWithoutKey: [v2.did],
    });
    expect(sealedReadersOf(s1.governance, s1.datasets?.keys, 'other')).toBeNull();
  });

  it('refuses a plaintext value under the role: left out, refused by the mempool, BAD_BLOCK on replay', () => {
    const plain = tx(s1, v3, 'data.put', { key: 'lab/x', value: 'the secret' });
    const made = block(s1, [plain]);
    expect(made.txIds).toEqual([]);
    expect(made.rejected[0]?.error).toMatchObject({
      code: 'UNAUTHORIZED',
      message: expect.stringContaining('read role read:lab/'),
    });
    expect(new Mempool().admit(s1, txIdOf(plain), plain)?.code).toBe('UNAUTHORIZED');
    const error = replayOn(s1, [plain]);
    expect(error.code).toBe('BAD_BLOCK');
    expect(error.message).toContain('sealed');
    // Keys outside the prefix stay plain.
    const outside = block(s1, [tx(s1, v3, 'data.put', { key: 'labx', value: 1 })]);
    expect(outside.rejected).toEqual([]);
  });

  it('takes a value sealed for exactly the holders with a key, and stores no plaintext', () => {
    const sealed = sealedFor([v1]);
    const put = tx(s1, v3, 'data.put', { key: 'lab/x', sealed });
    const made = block(s1, [put]);
    expect(made.rejected).toEqual([]);
    expect(made.failed).toEqual([]);
    const entry = decodeDataEntry(made.writes.get(`${dataPrefix}lab/x`)!);
    expect(entry).toMatchObject({ value: null, deleted: false, height: s1.height + 1 });
    expect(entry.sealed).toEqual(sealed);
    // Deterministic: a replay on another peer reaches the same block hash and state root, and a
    // peer loading the chain from its entries holds the same.
    const replayed = replayBlock(s1, made.block);
    expect(replayed.hash).toEqual(made.hash);
    expect(replayed.state.trie.rootHash()).toEqual(made.state.trie.rootHash());
    const entries = [...start.writes, ...role.writes, ...keyed.writes, ...made.writes];
    const loaded = stateFromEntries(genesis, made.block.header, made.hash, entries);
    expect(loaded.trie.rootHash()).toEqual(made.state.trie.rootHash());
    expect(loaded.datasets?.keys.has(v1.did)).toBe(true);
    expect(encodeBlock(made.block).length).toBeGreaterThan(sealed.box.length);
  });

  it('refuses a sealed value with a wrap for anyone but the holders with a key, or with none (BAD_KEY)', () => {
    for (const readers of [[], [v1, v2], [v1, v3], [v3]]) {
      const put = tx(s1, v3, 'data.put', { key: 'lab/x', sealed: sealedFor(readers) });
      const made = block(s1, [put]);
      expect(made.txIds).toEqual([]);
      expect(made.rejected[0]?.error?.code).toBe('BAD_KEY');
      expect(made.rejected[0]?.error?.message).toContain('read:lab/');
    }
    // A peer ignoring the rule cannot slip one into a block: replay refuses it.
    const wrong = tx(s1, v3, 'data.put', { key: 'lab/x', sealed: sealedFor([v3]) });
    const made = executeBlock(s1, [], { time: s1.headTime + 1, proposer: v0.did, round: 0 }, false);
    const forged = { ...made.block, txs: [wrong] };
    expect(() => replayBlock(s1, forged)).toThrow(expect.objectContaining({ code: 'BAD_BLOCK' }));
  });

  it('takes a value sealed before a holder published its key, and leaves that holder to a share', () => {
    // v2 publishes its key in the block before the write, which v3's peer sealed for v1 only (it
    // had not seen v2's key): the write goes in. Refusing it lost the write and left v3's later
    // transactions with a nonce gap.
    const s2 = publishKey(s1, v2).state;
    const put = tx(s2, v3, 'data.put', { key: 'lab/x', sealed: sealedFor([v1]) });
    const made = block(s2, [put]);
    expect(made.rejected).toEqual([]);
    expect(made.failed).toEqual([]);
    expect(replayBlock(s2, made.block).hash).toEqual(made.hash);
    // Still refused: a wrap for a holder without a key, for a non-holder, or no wrap at all.
    for (const readers of [[], [v3], [v1, v3]]) {
      const bad = block(s2, [tx(s2, v3, 'data.put', { key: 'lab/x', sealed: sealedFor(readers) })]);
      expect(bad.rejected[0]?.error?.code).toBe('BAD_KEY');
    }
  });

  it('refuses a plaintext data.put held for multisig approval (its body is in the block too)', () => {
    const held = { type: 'data.put', body: { key: 'lab/x', value: 'the secret' } };
    const made = block(s1, [tx(s1, v1, 'multisig.propose', held)]);
    expect(made.txIds).toEqual([]);
    expect(made.rejected[0]?.error?.code).toBe('UNAUTHORIZED');
    const error = replayOn(s1, [tx(s1, v1, 'multisig.propose', held)]);
    expect(error.code).toBe('BAD_BLOCK');
  });

  it('refuses a sealed value under a key no read role covers (BAD_REQUEST)', () => {
    const made = block(s1, [tx(s1, v3, 'data.put', { key: 'open/x', sealed: sealedFor([v1]) })]);
    expect(made.rejected[0]?.error?.code).toBe('BAD_REQUEST');
  });

  it('a holder who publishes a key later, and a revoked one, change whom new values are sealed for', () => {
    const both = publishKey(s1, v2).state;
    const onlyV1 = tx(both, v3, 'data.put', { key: 'lab/x', sealed: sealedFor([v1]) });
    // sealed before v2's key was seen: taken, v2 gets it by a share (the test above)
    expect(block(both, [onlyV1]).rejected).toEqual([]);
    const two = tx(both, v3, 'data.put', { key: 'lab/x', sealed: sealedFor([v2, v1]) });
    expect(block(both, [two]).rejected).toEqual([]);
    // v1 revoked: the next value is sealed without it.
    const revoked = pass(both, { kind: 'role', role: 'read:lab/', dids: [v2.did] }).state;
    const stale = tx(revoked, v3, 'data.put', { key: 'lab/x', sealed: sealedFor([v2, v1]) });
    expect(block(revoked, [stale]).rejected[0]?.error?.code).toBe('BAD_KEY');
    const fresh = tx(revoked, v3, 'data.put', { key: 'lab/x', sealed: sealedFor([v2]) });
    expect(block(revoked, [fresh]).rejected).toEqual([]);
    // The role opened again (dids null): values are plain again, a sealed one is refused.
    const opened = pass(revoked, { kind: 'role', role: 'read:lab/', dids: null }).state;
    expect(
      block(opened, [tx(opened, v3, 'data.put', { key: 'lab/x', value: 1 })]).rejected,
    ).toEqual([]);
    const late = tx(opened, v3, 'data.put', { key: 'lab/x', sealed: sealedFor([v2]) });
    expect(block(opened, [late]).rejected[0]?.error?.code).toBe('BAD_REQUEST');
  });

  it('counts the sealed value against data.valueBytesMax', () => {
    const policy = pass(s1, { kind: 'policy', name: 'data.valueBytesMax', value: 20 }).state;
    const small = tx(policy, v3, 'data.put', { key: 'lab/x', sealed: sealedFor([v1], 36) });
    expect(block(policy, [small]).rejected).toEqual([]);
    const big = tx(policy, v3, 'data.put', { key: 'lab/x', sealed: sealedFor([v1], 37) });
    expect(block(policy, [big]).rejected[0]?.error?.code).toBe('POLICY');
  });
});

describe('sealed values: bad input gets typed errors (body rules)', () => {
  const codeOf = (body: unknown) => {
    try {
      checkTx(tx(s1, v3, 'data.put', body));
    } catch (error) {
      return (error as BotError).code;
    }
    return 'accepted';
  };
  const wrap = sealedFor([v1]).keys[0]!;

  it('refuses malformed sealed values', () => {
    expect(codeOf({ key: 'lab/x', sealed: sealedFor([v1]) })).toBe('accepted');
    expect(codeOf({ key: 'lab/x', sealed: sealedFor([v1]), value: 1 })).toBe('MALFORMED');
    expect(codeOf({ key: 'lab/x', sealed: 'ciphertext' })).toBe('MALFORMED');
    expect(codeOf({ key: 'lab/x', sealed: { box: new Uint8Array(40), keys: [], x: 1 } })).toBe(
      'MALFORMED',
    );
    expect(codeOf({ key: 'lab/x', sealed: { box: 'abc', keys: [] } })).toBe('BAD_FIELD_TYPE');
    expect(codeOf({ key: 'lab/x', sealed: { box: new Uint8Array(15), keys: [] } })).toBe(
      'BAD_FIELD_TYPE',
    );
    expect(codeOf({ key: 'lab/x', sealed: { box: new Uint8Array(40), keys: {} } })).toBe(
      'BAD_FIELD_TYPE',
    );
    expect(
      codeOf({
        key: 'lab/x',
        sealed: { box: new Uint8Array(40), keys: [{ ...wrap, reader: 'x' }] },
      }),
    ).not.toBe('accepted');
    expect(
      codeOf({
        key: 'lab/x',
        sealed: { box: new Uint8Array(40), keys: [{ ...wrap, sealed: new Uint8Array(3) }] },
      }),
    ).toBe('BAD_FIELD_TYPE');
    expect(codeOf({ key: 'lab/x', sealed: { box: new Uint8Array(40), keys: [wrap, wrap] } })).toBe(
      'BAD_REQUEST',
    );
  });

  it('enforces sealedValueBytesMax and sealedValueHoldersMax', () => {
    const over = new Uint8Array(limits.sealedValueBytesMax + 1);
    expect(codeOf({ key: 'lab/x', sealed: { box: over, keys: [] } })).toBe('TOO_LARGE');
    const many = Array.from({ length: limits.sealedValueHoldersMax + 1 }, (_, i) => ({
      ...wrap,
      reader: testIdentity(`sealed holder ${i}`).did,
    }));
    expect(codeOf({ key: 'lab/x', sealed: { box: new Uint8Array(40), keys: many } })).toBe(
      'TOO_LARGE',
    );
    // The largest value sealed for the most holders still fits a transaction body.
    const full = { box: new Uint8Array(limits.sealedValueBytesMax), keys: many.slice(1) };
    expect(encode({ key: 'lab/x', sealed: full }).length).toBeLessThanOrEqual(
      limits.txBodyBytesMax,
    );
    // A read role names at most sealedValueHoldersMax holders.
    const dids = many.map((w) => w.reader);
    const change = { kind: 'role', role: 'read:lab/', dids };
    expect(() => checkTx(tx(s1, v0, 'member.propose', { change, height: 9 }))).toThrow(
      expect.objectContaining({ code: 'TOO_LARGE' }),
    );
  });
});
