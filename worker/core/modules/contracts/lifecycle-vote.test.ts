// Contract upgrade and retirement by a passed governance proposal (issue 17): a change of kind
// "contract" names the contract, the action and, for an upgrade, the SHA-256 of the new code; once
// it passed and its height came, anyone carries it out with contract.upgrade / .retire { proposal },
// once. The policy contracts.managedBy "vote" leaves only that path. The sandbox is a stand-in
// (the real engine: worker/host/contract-lifecycle.test.ts).
import { describe, expect, it } from 'vitest';
import { toHex, utf8 } from '../../bytes';
import { sha256 } from '../../crypto/hash';
import { executeBlock, genesisState, type ChainState, type ExecutedBlock } from '../../ledger';
import { bftGenesis, testIdentity, type TestIdentity } from '../../testing';
import { checkTx, signTx, txIdOf, type Tx } from '../../tx';
import type { ContractRuntime } from '.';

const v = [0, 1, 2, 3].map((i) => testIdentity(`ctvote ${i}`));
const owner = testIdentity('ctvote owner');
const anyone = testIdentity('ctvote anyone');

/** check() lists the functions in the code; no calls are made here. */
const standIn: ContractRuntime = {
  name: 'lifecycle stand-in',
  lastRunSteps: 1,
  check: (code: string) => ({
    ok: true as const,
    methods: [...code.matchAll(/function (\w+)/g)].map((m) => m[1]!),
  }),
  call: () => ({ ok: true as const, resultJson: 'null' }),
};

const v1 = 'function a() {}';
const v2 = 'function a() {} function b() {}';
const hashOf = (code: string) => toHex(sha256(utf8(code)));

class Chain {
  state: ChainState;
  readonly nonces = new Map<string, number>();
  readonly genesis = bftGenesis('ctvote', v);
  constructor() {
    this.state = { ...genesisState(this.genesis).state, contractRuntime: standIn };
  }
  tx(from: TestIdentity, type: string, body: unknown): Tx {
    const nonce = (this.nonces.get(from.did) ?? 0) + 1;
    this.nonces.set(from.did, nonce);
    return signTx(
      { chain: this.state.chainId, type, from: from.did, nonce, time: this.genesis.time, body },
      from.seed,
    );
  }
  block(txs: Tx[] = []): ExecutedBlock {
    const executed = executeBlock(
      this.state,
      txs,
      { time: this.genesis.time + this.state.height + 1, proposer: v[0]!.did, round: 0 },
      false,
    );
    expect(executed.rejected).toEqual([]);
    this.state = executed.state;
    return executed;
  }
  /** Proposes `change` (by v0) and, unless `pass` is false, votes it through (v1, v2). */
  propose(change: unknown, pass = true): string {
    const tx = this.tx(v[0]!, 'member.propose', { change, height: this.state.height + 2 });
    const id = txIdOf(tx);
    this.block([tx]);
    if (pass)
      this.block([1, 2].map((i) => this.tx(v[i]!, 'member.vote', { proposal: id, approve: true })));
    this.block();
    return id;
  }
  contract() {
    return this.state.contracts!.contracts.get('job')!;
  }
}

const codes = (b: ExecutedBlock) => b.failed.map((f) => f.error!.code);

function deployed(): Chain {
  const chain = new Chain();
  expect(
    chain.block([chain.tx(owner, 'contract.deploy', { name: 'job', code: v1 })]).failed,
  ).toEqual([]);
  return chain;
}

describe('contract lifecycle by vote (issue 17)', () => {
  it('anyone carries out a passed upgrade with the voted code, once', () => {
    const chain = deployed();
    const upgrade = { kind: 'contract', name: 'job', action: 'upgrade', codeHash: hashOf(v2) };
    const id = chain.propose(upgrade);
    // without the proposal a stranger is no manager
    const direct = chain.block([chain.tx(anyone, 'contract.upgrade', { name: 'job', code: v2 })]);
    expect(codes(direct)).toEqual(['UNAUTHORIZED']);
    const wrongCode = chain.block([
      chain.tx(anyone, 'contract.upgrade', { name: 'job', code: v1 + ' ', proposal: id }),
    ]);
    expect(codes(wrongCode)).toEqual(['BAD_REQUEST']);
    expect(wrongCode.failed[0]!.error!.message).toMatch(/voted for/);
    const done = chain.block([
      chain.tx(anyone, 'contract.upgrade', { name: 'job', code: v2, proposal: id }),
    ]);
    expect(done.failed).toEqual([]);
    expect(chain.contract().version).toBe(2);
    expect(chain.contract().methods).toEqual(['a', 'b']);
    expect(chain.contract().versions!.at(-1)).toMatchObject({ by: anyone.did, proposal: id });
    const again = chain.block([
      chain.tx(owner, 'contract.upgrade', { name: 'job', code: v2, proposal: id }),
    ]);
    expect(codes(again)).toEqual(['BAD_REQUEST']);
    expect(again.failed[0]!.error!.message).toMatch(/already carried out/);
    expect(chain.contract().version).toBe(2);
  });

  it('refuses a proposal not passed, of another kind, contract or action', () => {
    const chain = deployed();
    const pending = chain.propose({ kind: 'contract', name: 'job', action: 'retire' }, false);
    const notPassed = chain.block([
      chain.tx(anyone, 'contract.retire', { name: 'job', note: 'end', proposal: pending }),
    ]);
    expect(codes(notPassed)).toEqual(['BAD_REQUEST']);
    expect(notPassed.failed[0]!.error!.message).toMatch(/not passed/);
    const other = chain.propose({ kind: 'contract', name: 'other', action: 'retire' });
    const retire = chain.propose({ kind: 'contract', name: 'job', action: 'retire' });
    const policy = chain.propose({ kind: 'policy', name: 'x.y', value: 1 });
    const refused = chain.block([
      chain.tx(anyone, 'contract.retire', { name: 'job', note: 'end', proposal: other }),
      chain.tx(anyone, 'contract.upgrade', { name: 'job', code: v2, proposal: retire }),
      chain.tx(anyone, 'contract.retire', { name: 'job', note: 'end', proposal: policy }),
      chain.tx(anyone, 'contract.retire', { name: 'job', note: 'end', proposal: 'ab'.repeat(32) }),
    ]);
    expect(codes(refused)).toEqual(['BAD_REQUEST', 'BAD_REQUEST', 'NOT_FOUND', 'NOT_FOUND']);
    expect(chain.contract().retired ?? null).toBeNull();
    const done = chain.block([
      chain.tx(anyone, 'contract.retire', { name: 'job', note: 'end', proposal: retire }),
    ]);
    expect(done.failed).toEqual([]);
    expect(chain.contract().retired).toMatchObject({ by: anyone.did, proposal: retire });
    const again = chain.block([
      chain.tx(anyone, 'contract.retire', { name: 'job', note: 'end', proposal: retire }),
    ]);
    expect(again.failed[0]!.error!.message).toMatch(/already carried out/);
  });

  it('under policy contracts.managedBy "vote" refuses the deployer’s direct upgrade', () => {
    const chain = deployed();
    chain.propose({ kind: 'policy', name: 'contracts.managedBy', value: 'vote' });
    const direct = chain.block([chain.tx(owner, 'contract.upgrade', { name: 'job', code: v2 })]);
    expect(codes(direct)).toEqual(['POLICY']);
    expect(direct.failed[0]!.error!.message).toMatch(/contracts\.managedBy/);
    const retire = chain.block([chain.tx(owner, 'contract.retire', { name: 'job', note: 'end' })]);
    expect(codes(retire)).toEqual(['POLICY']);
    const id = chain.propose({
      kind: 'contract',
      name: 'job',
      action: 'upgrade',
      codeHash: hashOf(v2),
    });
    const voted = chain.block([
      chain.tx(owner, 'contract.upgrade', { name: 'job', code: v2, proposal: id }),
    ]);
    expect(voted.failed).toEqual([]);
    expect(chain.contract().version).toBe(2);
  });

  it('checks the bodies: the change, the proposal id and the policy value, with typed errors', () => {
    const chain = new Chain();
    const refused = (type: string, body: unknown) => {
      try {
        checkTx(chain.tx(v[0]!, type, body));
      } catch (error) {
        return (error as { code: string }).code;
      }
      return null;
    };
    const propose = (change: unknown) => refused('member.propose', { change, height: 9 });
    expect(
      propose({ kind: 'contract', name: 'job', action: 'upgrade', codeHash: hashOf(v2) }),
    ).toBeNull();
    expect(propose({ kind: 'contract', name: 'job', action: 'retire' })).toBeNull();
    expect(propose({ kind: 'contract', name: 'job', action: 'upgrade' })).toBe('BAD_FIELD_TYPE');
    expect(
      propose({ kind: 'contract', name: 'job', action: 'upgrade', codeHash: 'AB'.repeat(32) }),
    ).toBe('BAD_FIELD_TYPE');
    expect(propose({ kind: 'contract', name: 'job', action: 'retire', codeHash: hashOf(v2) })).toBe(
      'BAD_FIELD_TYPE',
    );
    expect(propose({ kind: 'contract', name: 'job', action: 'delete' })).toBe('BAD_FIELD_TYPE');
    expect(propose({ kind: 'contract', name: 'Job!', action: 'retire' })).toBe('BAD_FIELD_TYPE');
    expect(propose({ kind: 'contract', name: 'job', action: 'retire', extra: 1 })).not.toBeNull();
    expect(propose({ kind: 'policy', name: 'contracts.managedBy', value: 'vote' })).toBeNull();
    expect(propose({ kind: 'policy', name: 'contracts.managedBy', value: 'anyone' })).toBe(
      'BAD_FIELD_TYPE',
    );
    expect(refused('contract.upgrade', { name: 'job', code: v2, proposal: 'xyz' })).toBe(
      'BAD_FIELD_TYPE',
    );
    expect(refused('contract.retire', { name: 'job', note: 'n', proposal: 7 })).toBe(
      'BAD_FIELD_TYPE',
    );
    expect(
      refused('contract.retire', { name: 'job', note: 'n', proposal: 'ab'.repeat(32) }),
    ).toBeNull();
  });
});
