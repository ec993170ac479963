// Device wallets (issue 16, U-II.4): a registered device's account pays only within the spending
// rule its owner set on chain (per payment, per UTC day of block time, allowed payees); anything
// outside it, or any payment before a rule exists, is refused UNAUTHORIZED and moves nothing.
import { describe, expect, it } from 'vitest';
import {
  executeBlock,
  genesisState,
  stateFromEntries,
  type ChainState,
  type Genesis,
} from '../../ledger';
import { devGenesis, testIdentity, type TestIdentity } from '../../testing';
import { checkTx, signTx, type Tx } from '../../tx';
import { signSync } from '../../crypto/ed25519';
import { registerProofBytes } from '../devices';
import { balanceOf, emptyTokens, supplyCheck } from '.';
import * as limits from '../../limits';

const owner = testIdentity('rule owner');
const washer = testIdentity('rule washer');
const supplier = testIdentity('rule supplier');
const other = testIdentity('rule other');
const day = limits.tokenRuleDayMs;

const genesis: Genesis = {
  ...devGenesis(owner, 'device wallets'),
  time: 20_000 * day, // midnight UTC
  tokens: {
    symbol: 'BOT',
    allocations: [
      { did: owner.did, amount: 1000 },
      { did: washer.did, amount: 500 },
    ],
    fee: 1,
  },
};

class Chain {
  state: ChainState = genesisState(genesis).state;
  readonly writes = new Map(genesisState(genesis).writes);
  private readonly nonces = new Map<string, number>();
  tx(from: TestIdentity, type: string, body: unknown): Tx {
    const nonce = (this.nonces.get(from.did) ?? 0) + 1;
    this.nonces.set(from.did, nonce);
    return signTx(
      { chain: this.state.chainId, type, from: from.did, nonce, time: 0, body },
      from.seed,
    );
  }
  block(txs: Tx[], at = this.state.headTime + 1): string[] {
    const executed = executeBlock(
      this.state,
      txs,
      { time: at, proposer: owner.did, round: 0 },
      false,
    );
    this.state = executed.state;
    for (const [k, v] of executed.writes) this.writes.set(k, v);
    return executed.txIds.map(
      (id) => executed.failed.find((f) => f.txId === id)?.error?.code ?? 'ok',
    );
  }
  balance(id: TestIdentity): number {
    return balanceOf(this.state.tokens ?? emptyTokens(genesis), id.did);
  }
  pay(amount: number, to = supplier): Tx {
    return this.tx(washer, 'token.transfer', { to: to.did, amount });
  }
}

function registered(): Chain {
  const chain = new Chain();
  const register = chain.tx(owner, 'device.register', {
    did: washer.did,
    id: 'washer-1',
    kind: 'sensor',
    name: 'Washer',
    gateway: owner.did,
    owner: owner.did,
    capabilities: ['detergent'],
    policy: { mode: 'owner' },
    proof: signSync(washer.seed, registerProofBytes(chain.state.chainId, washer.did, owner.did)),
  });
  expect(chain.block([register])).toEqual(['ok']);
  return chain;
}

describe('device wallets under spending rules', () => {
  it('a device pays nothing before its owner sets a rule; only the owner sets one', () => {
    const chain = registered();
    expect(chain.block([chain.pay(10)])).toEqual(['UNAUTHORIZED']);
    expect(
      chain.block([
        chain.tx(other, 'token.rule', { device: washer.did, perTxMax: 50, perDayMax: 100 }),
        chain.tx(owner, 'token.rule', { device: other.did, perTxMax: 50, perDayMax: 100 }),
      ]),
    ).toEqual(['UNAUTHORIZED', 'NOT_FOUND']);
    expect(chain.balance(washer)).toBe(500);
  });

  it('refuses a payment above the per-payment limit, past the daily limit, or to another payee', () => {
    const chain = registered();
    const start = chain.state.headTime;
    chain.block([
      chain.tx(owner, 'token.rule', {
        device: washer.did,
        perTxMax: 50,
        perDayMax: 100,
        payees: [supplier.did],
      }),
    ]);
    // 49 + fee 1 = 50 fits; 50 + 1 does not; another payee is refused; 49 + 1 again = 100 today.
    expect(chain.block([chain.pay(49), chain.pay(50), chain.pay(5, other), chain.pay(49)])).toEqual(
      ['ok', 'UNAUTHORIZED', 'UNAUTHORIZED', 'ok'],
    );
    expect(chain.balance(supplier)).toBe(98);
    expect(chain.balance(washer)).toBe(400);
    // The day is spent: even 1 is refused, with a plain reason.
    expect(chain.block([chain.pay(1)])).toEqual(['UNAUTHORIZED']);
    // The next UTC day of block time starts afresh.
    expect(chain.block([chain.pay(1)], start + day)).toEqual(['ok']);
    expect(supplyCheck(chain.state.tokens!)).toBeNull();
    // The rule and what was spent survive a reload from the stored entries.
    const reloaded = stateFromEntries(
      genesis,
      { ...chain.state, height: chain.state.height, time: chain.state.headTime } as never,
      chain.state.headHash,
      chain.writes,
    );
    expect(reloaded.tokens!.rules).toEqual(chain.state.tokens!.rules);
  });

  it('refuses a rule, and a payment, for a device whose gateway is not its owner (UNAUTHORIZED)', () => {
    const chain = registered();
    // A second device behind the owner's gateway but owned by another account.
    const lent = testIdentity('rule lent device');
    const register = chain.tx(owner, 'device.register', {
      did: lent.did,
      id: 'lent-1',
      kind: 'sensor',
      name: 'Lent',
      gateway: owner.did,
      owner: other.did,
      capabilities: ['detergent'],
      policy: { mode: 'owner' },
      proof: signSync(lent.seed, registerProofBytes(chain.state.chainId, lent.did, owner.did)),
    });
    const fund = chain.tx(owner, 'token.transfer', { to: lent.did, amount: 100 });
    expect(chain.block([register, fund])).toEqual(['ok', 'ok']);
    const rule = chain.tx(other, 'token.rule', { device: lent.did, perTxMax: 50, perDayMax: 100 });
    const executed = executeBlock(
      chain.state,
      [rule],
      { time: chain.state.headTime + 1, proposer: owner.did, round: 0 },
      false,
    );
    expect(executed.failed[0]?.error?.code).toBe('UNAUTHORIZED');
    expect(executed.failed[0]?.error?.message).toMatch(
      /behind the gateway .* but owned by .*: a device pays from its wallet only when its owner is also its gateway/,
    );
    // A rule an earlier state kept for it (before this check) does not let it pay either.
    const kept = new Map(chain.state.tokens!.rules ?? []);
    kept.set(lent.did, { perTxMax: 50, perDayMax: 100, payees: [], day: 0, spent: 0 });
    chain.state = { ...chain.state, tokens: { ...chain.state.tokens!, rules: kept } };
    const pay = chain.tx(lent, 'token.transfer', { to: supplier.did, amount: 5 });
    expect(chain.block([pay])).toEqual(['UNAUTHORIZED']);
    expect(balanceOf(chain.state.tokens!, lent.did)).toBe(100);
    // The owner's own device (gateway and owner one account) still pays under its rule.
    chain.block([
      chain.tx(owner, 'token.rule', { device: washer.did, perTxMax: 50, perDayMax: 100 }),
    ]);
    expect(chain.block([chain.pay(5)])).toEqual(['ok']);
  });

  it('refuses bad rules before signing', () => {
    const chain = new Chain();
    for (const body of [
      { device: washer.did, perTxMax: 0, perDayMax: 5 },
      { device: washer.did, perTxMax: 5 },
      { device: 'washer', perTxMax: 5, perDayMax: 5 },
      { device: washer.did, perTxMax: 5, perDayMax: 5, payees: ['x'] },
      { device: washer.did, perTxMax: 5, perDayMax: 5, payees: Array(17).fill(owner.did) },
    ])
      expect(() => checkTx(chain.tx(owner, 'token.rule', body))).toThrow();
  });
});
