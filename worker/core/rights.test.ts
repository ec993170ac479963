// Roles and policies of a chain (issue 15 "roles per chain", issue 17 "policies enforced"):
// set by votes on a consortium chain, by the administrator on a private chain, absent on a
// public chain; enforced by block validity (the proposer leaves a transaction out, a block that
// holds it is BAD_BLOCK on replay) and refused at once by the mempool.
import { describe, expect, it } from 'vitest';
import {
  executeBlock,
  genesisState,
  replayBlock,
  stateFromEntries,
  type ChainState,
  type Genesis,
} from './ledger';
import { bftGenesis, testIdentity, type TestIdentity } from './testing';
import { checkTx, signTx, txIdOf, type Tx } from './tx';
import { Mempool } from './mempool';
import { readRoleOf } from './modules/governance';
import type { BotError } from './errors';

const ids = [0, 1, 2, 3].map((i) => testIdentity(`rights validator ${i}`)) as TestIdentity[];
const [v0, v1, v2, v3] = ids as [TestIdentity, TestIdentity, TestIdentity, TestIdentity];
const admin = testIdentity('rights admin');

function chain(genesis: Genesis) {
  const start = genesisState(genesis);
  /** A transaction of `from` with the next nonce after `state` (plus `offset`: earlier ones in the block). */
  const tx = (state: ChainState, from: TestIdentity, type: string, body: unknown, offset = 0): Tx =>
    signTx(
      {
        chain: start.state.chainId,
        type,
        from: from.did,
        nonce: (state.nonces.get(from.did) ?? 0) + 1 + offset,
        time: genesis.time,
        body,
      },
      from.seed,
    );
  const block = (state: ChainState, txs: Tx[], strict = false) =>
    executeBlock(
      state,
      txs,
      { time: genesis.time + state.height + 1, proposer: v0.did, round: 0 },
      strict,
    );
  /** Propose a change and pass it (3 of 4 approvals) in one block; it applies from the next. */
  const pass = (state: ChainState, change: unknown) => {
    const propose = tx(state, v0, 'member.propose', { change, height: state.height + 2 });
    const proposal = txIdOf(propose);
    const done = block(state, [
      propose,
      tx(state, v1, 'member.vote', { proposal, approve: true }),
      tx(state, v2, 'member.vote', { proposal, approve: true }),
    ]);
    expect(done.failed).toEqual([]);
    return done;
  };
  return { start, tx, block, pass };
}

/** `state` as a peer that ignores every role and policy would hold it. */
function ignoringRights(state: ChainState): ChainState {
  return { ...state, governance: { ...state.governance!, roles: new Map(), policies: new Map() } };
}

/** A block made by a peer that ignores roles and policies, replayed by one that enforces them. */
function replayOn(state: ChainState, txs: Tx[]): BotError {
  const made = executeBlock(
    ignoringRights(state),
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

describe('roles per chain (consortium: set by votes)', () => {
  const c = chain(bftGenesis('rights consortium', ids, 'consortium'));
  const s0 = c.start.state;

  it('with no role set every member does everything (today behaviour)', () => {
    const one = c.block(s0, [c.tx(s0, v3, 'data.put', { key: 'a', value: 1 })]);
    expect(one.rejected).toEqual([]);
    expect(one.failed).toEqual([]);
  });

  it('a transact role set by votes refuses others by block validity, naming the role', () => {
    const passed = c.pass(s0, { kind: 'role', role: 'transact:data.put', dids: [v1.did] });
    const s1 = passed.state;
    expect(s1.governance?.roles.get('transact:data.put')).toEqual([v1.did]);
    const allowed = c.tx(s1, v1, 'data.put', { key: 'b', value: 2 });
    const refused = c.tx(s1, v3, 'data.put', { key: 'c', value: 3 });
    const next = c.block(s1, [allowed, refused]);
    expect(next.txIds).toEqual([txIdOf(allowed)]);
    expect(next.rejected[0]?.error?.code).toBe('UNAUTHORIZED');
    expect(next.rejected[0]?.error?.message).toContain('role transact:data.put');
    // The same transaction in a block made by a peer that ignores the role: BAD_BLOCK here.
    const error = replayOn(s1, [refused]);
    expect(error.code).toBe('BAD_BLOCK');
    expect(error.message).toContain('transact:data.put');
    // The mempool refuses it at once.
    const pool = new Mempool();
    expect(pool.admit(s1, txIdOf(refused), refused)?.code).toBe('UNAUTHORIZED');
    // Other types are not restricted by a role on data.put.
    const other = c.tx(s1, v3, 'data.delete', { key: 'a' });
    expect(pool.admit(s1, txIdOf(other), other)).toBeNull();
    // Loading the chain rebuilds the role.
    const entries = new Map([...c.start.writes, ...passed.writes]);
    const loaded = stateFromEntries(s1.genesis, passed.block.header, passed.hash, [...entries]);
    expect(loaded.governance?.roles.get('transact:data.put')).toEqual([v1.did]);
    // Opening the role again (dids null) restores the default.
    const reopened = c.pass(s1, { kind: 'role', role: 'transact:data.put', dids: null });
    expect(reopened.state.governance?.roles.has('transact:data.put')).toBe(false);
    const again = c.tx(reopened.state, v3, 'data.put', { key: 'c', value: 3 });
    expect(c.block(reopened.state, [again]).rejected).toEqual([]);
  });

  it('the deploy role names who deploys contracts; read roles cover key prefixes', () => {
    const passed = c.pass(s0, { kind: 'role', role: 'deploy', dids: [v2.did] });
    const deploy = c.tx(passed.state, v3, 'contract.deploy', { code: 'x' });
    const refusal = new Mempool().admit(passed.state, txIdOf(deploy), deploy);
    expect(refusal?.code).toBe('UNAUTHORIZED');
    expect(refusal?.message).toContain('role deploy');
    const read = c.pass(passed.state, { kind: 'role', role: 'read:lab/', dids: [v1.did] });
    const more = c.pass(read.state, { kind: 'role', role: 'read:lab/secret/', dids: [v2.did] });
    const rights = more.state.governance;
    expect(readRoleOf(rights, 'lab/x')?.dids).toEqual([v1.did]);
    expect(readRoleOf(rights, 'lab/secret/x')?.role).toBe('read:lab/secret/');
    expect(readRoleOf(rights, 'other')).toBeNull();
  });

  it('refuses a malformed role or policy change (typed errors, nothing applied)', () => {
    for (const change of [
      { kind: 'role', role: 'rule', dids: [] },
      { kind: 'role', role: 'transact', dids: ['not a did'] },
      { kind: 'role', role: 'transact', dids: 'everyone' },
      { kind: 'policy', name: 'data.valueBytesMax', value: 'big' },
      { kind: 'policy', name: 'tx.perSenderPerBlockMax', value: 0 },
      { kind: 'policy', name: 'tx.allowedTypes', value: ' ' },
    ]) {
      expect(() => checkTx(c.tx(s0, v0, 'member.propose', { change, height: 9 }))).toThrow(
        expect.objectContaining({ code: 'BAD_FIELD_TYPE' }),
      );
    }
    expect(() =>
      checkTx(
        c.tx(s0, v0, 'admin.set', { change: { kind: 'addValidator', did: v1.did, power: 1 } }),
      ),
    ).toThrow(expect.objectContaining({ code: 'BAD_FIELD_TYPE' }));
    expect(() =>
      checkTx(
        c.tx(s0, v0, 'member.propose', {
          change: { kind: 'multisig', policy: { signers: [], k: 1, types: [] } },
          height: 9,
        }),
      ),
    ).toThrow(expect.objectContaining({ code: 'BAD_FIELD_TYPE' }));
  });
});

describe('roles on a private chain (its administrator) and a public one (none)', () => {
  it('the administrator sets roles alone; a vote or another sender cannot', () => {
    const genesis: Genesis = { ...bftGenesis('rights private', ids, 'private'), admin: admin.did };
    const c = chain(genesis);
    const s0 = c.start.state;
    const byVote = c.block(s0, [
      c.tx(s0, v0, 'member.propose', {
        change: { kind: 'role', role: 'transact', dids: [v0.did] },
        height: 5,
      }),
      c.tx(s0, v1, 'admin.set', { change: { kind: 'role', role: 'transact', dids: [v1.did] } }),
    ]);
    expect(byVote.failed.map((f) => f.error?.code)).toEqual(['UNAUTHORIZED', 'UNAUTHORIZED']);
    expect(byVote.failed[0]?.error?.message).toContain('administrator');
    // The administrator need not be a member to govern (admin.set is never restricted).
    const s1 = byVote.state;
    const set = c.block(s1, [
      c.tx(s1, admin, 'admin.set', {
        change: { kind: 'role', role: 'transact', dids: [v1.did] },
      }),
      c.tx(
        s1,
        admin,
        'admin.set',
        { change: { kind: 'policy', name: 'data.valueBytesMax', value: 8 } },
        1,
      ),
    ]);
    expect(set.failed).toEqual([]);
    expect(set.state.governance?.roles.get('transact')).toEqual([v1.did]);
    const s2 = set.state;
    const next = c.block(s2, [
      c.tx(s2, v2, 'data.put', { key: 'k', value: 1 }),
      c.tx(s2, v1, 'data.put', { key: 'k', value: 'a value longer than eight bytes' }),
    ]);
    expect(next.rejected.map((r) => r.error?.code)).toEqual(['UNAUTHORIZED', 'POLICY']);
    expect(next.rejected[1]?.error?.message).toContain('Policy data.valueBytesMax');
    expect(c.block(s2, [c.tx(s2, v1, 'data.put', { key: 'k', value: 1 })]).txIds).toHaveLength(1);
  });

  it('a public chain has no roles to set', () => {
    const c = chain(bftGenesis('rights public', ids, 'public'));
    const s0 = c.start.state;
    const refused = c.block(s0, [
      c.tx(s0, v0, 'member.propose', {
        change: { kind: 'role', role: 'transact', dids: [v0.did] },
        height: 5,
      }),
    ]);
    expect(refused.failed[0]?.error?.code).toBe('BAD_REQUEST');
    expect(refused.failed[0]?.error?.message).toContain('public chain');
  });

  it('a genesis names an administrator only on a private chain', () => {
    expect(() =>
      genesisState({ ...bftGenesis('rights bad', ids, 'consortium'), admin: admin.did }),
    ).toThrow(expect.objectContaining({ code: 'BAD_FIELD_TYPE' }));
  });
});

describe('policies in gov/policy/* are enforced', () => {
  const c = chain(bftGenesis('rights policies', ids, 'public'));
  const s0 = c.start.state;

  it('data.valueBytesMax: a larger value is refused naming the policy, and BAD_BLOCK on replay', () => {
    const passed = c.pass(s0, { kind: 'policy', name: 'data.valueBytesMax', value: 16 });
    const big = c.tx(passed.state, v3, 'data.put', { key: 'big', value: 'x'.repeat(40) });
    const next = c.block(passed.state, [big]);
    expect(next.rejected[0]?.error).toMatchObject({ code: 'POLICY' });
    expect(next.rejected[0]?.error?.message).toContain('data.valueBytesMax');
    const error = replayOn(passed.state, [big]);
    expect(error.code).toBe('BAD_BLOCK');
    expect(error.message).toContain('data.valueBytesMax');
  });

  it('tx.allowedTypes: a type or module not listed is refused; governance still works', () => {
    const passed = c.pass(s0, {
      kind: 'policy',
      name: 'tx.allowedTypes',
      value: 'data.put, devices',
    });
    const s1 = passed.state;
    const next = c.block(s1, [c.tx(s1, v3, 'data.delete', { key: 'a' })]);
    expect(next.rejected[0]?.error?.message).toContain('tx.allowedTypes');
    const put = c.tx(s1, v3, 'data.put', { key: 'a', value: 1 });
    expect(c.block(s1, [put]).txIds).toEqual([txIdOf(put)]);
    // A further policy change still passes: governance is never restricted.
    c.pass(s1, { kind: 'policy', name: 'tx.allowedTypes', value: 'data' });
  });

  it('tx.perSenderPerBlockMax: the proposer leaves the extra for the next block; a block over it is BAD_BLOCK', () => {
    const passed = c.pass(s0, { kind: 'policy', name: 'tx.perSenderPerBlockMax', value: 2 });
    const s1 = passed.state;
    const three = [0, 1, 2].map((i) => c.tx(s1, v3, 'data.put', { key: `p${i}`, value: i }, i));
    const next = c.block(s1, three);
    expect(next.txIds).toEqual(three.slice(0, 2).map((t) => txIdOf(t)));
    expect(next.rejected).toEqual([]);
    expect(c.block(next.state, three.slice(2)).txIds).toHaveLength(1);
    const error = replayOn(s1, three);
    expect(error.code).toBe('BAD_BLOCK');
    expect(error.message).toContain('tx.perSenderPerBlockMax');
  });
});

describe('private mode: the administrator (one key or k of n) admits members and sets the multisig rule', () => {
  const outsider = testIdentity('rights outsider');
  const heldPut = { signers: [v0.did, v1.did], k: 2, types: [{ type: 'data.put' }] };

  it('the administrator adds and removes a member directly; nobody else may, nor on a consortium chain', () => {
    const c = chain({ ...bftGenesis('private members', ids, 'private'), admin: admin.did });
    const s0 = c.start.state;
    const add = { change: { kind: 'addMember', did: outsider.did } };
    const refused = c.block(s0, [c.tx(s0, v1, 'admin.set', add)]);
    expect(refused.failed[0]?.error?.code).toBe('UNAUTHORIZED');
    const added = c.block(refused.state, [c.tx(refused.state, admin, 'admin.set', add)]);
    expect(added.failed).toEqual([]);
    expect(added.state.governance?.members.has(outsider.did)).toBe(true);
    const s2 = added.state;
    const removed = c.block(s2, [
      c.tx(s2, admin, 'admin.set', { change: { kind: 'removeMember', did: outsider.did } }),
    ]);
    expect(removed.state.governance?.members.has(outsider.did)).toBe(false);
    const consortium = chain(bftGenesis('consortium members', ids, 'consortium'));
    const k0 = consortium.start.state;
    const byAdmin = consortium.block(k0, [consortium.tx(k0, v0, 'admin.set', add)]);
    expect(byAdmin.failed[0]?.error?.code).toBe('UNAUTHORIZED');
  });

  it('k of n administrators: admin.set is held until 2 of 3 approve, then admits the member', () => {
    const c = chain({
      ...bftGenesis('private k of n', ids, 'private'),
      admin: v0.did,
      multisig: { signers: [v0.did, v1.did, v2.did], k: 2, types: [{ type: 'admin.set' }] },
    });
    const s0 = c.start.state;
    const add = { change: { kind: 'addMember', did: outsider.did } };
    const alone = c.block(s0, [c.tx(s0, v0, 'admin.set', add)]);
    expect(alone.rejected[0]?.error?.code).toBe('UNAUTHORIZED');
    const proposeTx = c.tx(s0, v1, 'multisig.propose', { type: 'admin.set', body: add });
    const proposed = c.block(s0, [proposeTx]);
    expect(proposed.failed).toEqual([]);
    expect(proposed.state.governance?.members.has(outsider.did)).toBe(false);
    const s1 = proposed.state;
    const approved = c.block(s1, [
      c.tx(s1, v2, 'multisig.approve', { proposal: txIdOf(proposeTx) }),
    ]);
    expect(approved.failed).toEqual([]);
    expect(approved.state.governance?.members.has(outsider.did)).toBe(true);
  });

  it('the administrator sets the multisig rule of a private chain; votes cannot', () => {
    const c = chain({ ...bftGenesis('private rule', ids, 'private'), admin: admin.did });
    const s0 = c.start.state;
    const change = { kind: 'multisig', policy: heldPut };
    const byVote = c.block(s0, [c.tx(s0, v0, 'member.propose', { change, height: 1 })]);
    expect(byVote.failed[0]?.error?.code).toBe('UNAUTHORIZED');
    const set = c.block(s0, [c.tx(s0, admin, 'admin.set', { change })]);
    expect(set.failed).toEqual([]);
    const s1 = set.state;
    expect(s1.multisig?.policy).toEqual(heldPut);
    const put = c.block(s1, [c.tx(s1, v2, 'data.put', { key: 'k', value: 1 })]);
    expect(put.rejected[0]?.error?.message).toMatch(/needs 2 of 2 signatures/);
  });
});

describe('consortium mode: a passed proposal sets or drops the multisig rule', () => {
  it('holds data.put for 2 of 2 signatures after the vote, survives a reload, and is dropped by a second vote', () => {
    const genesis = bftGenesis('consortium rule', ids, 'consortium');
    const c = chain(genesis);
    const s0 = c.start.state;
    const writes = new Map(c.start.writes);
    const policy = { signers: [v0.did, v1.did], k: 2, types: [{ type: 'data.put' }] };
    const passed = c.pass(s0, { kind: 'multisig', policy });
    for (const [k, v] of passed.writes) writes.set(k, v);
    const s1 = passed.state;
    expect(s1.multisig?.policy).toEqual(policy);
    const direct = c.block(s1, [c.tx(s1, v3, 'data.put', { key: 'k', value: 1 })]);
    expect(direct.rejected[0]?.error?.code).toBe('UNAUTHORIZED');
    const loaded = stateFromEntries(genesis, passed.block.header, s1.headHash, writes);
    expect(loaded.multisig?.policy).toEqual(policy);
    expect(loaded.trie.rootHash()).toEqual(s1.trie.rootHash());
    const dropped = c.pass(s1, { kind: 'multisig', policy: null });
    const s2 = dropped.state;
    expect(s2.multisig?.policy).toBeNull();
    expect(c.block(s2, [c.tx(s2, v3, 'data.put', { key: 'k', value: 1 })]).txIds).toHaveLength(1);
  });
});
