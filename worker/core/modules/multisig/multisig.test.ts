// Multi-signature permission on the pure core (D-8-data): a covered transaction sent directly is
// not valid in a block; proposed, it is held until k signers approve, then executes in the
// approving transaction; a held transaction that would fail leaves the proposal pending; only
// signers propose and approve, each once; a reloaded chain holds the same proposals.
import { describe, expect, it } from 'vitest';
import { executeBlock } from '../../ledger';
import { testIdentity } from '../../testing';
import { checkGenesis } from '../../ledger';
import { MarketChain, marketGenesis, validator } from '../market/testing';

const a = testIdentity('msig a');
const b = testIdentity('msig b');
const c = testIdentity('msig c');
const outsider = testIdentity('msig outsider');

function chain(k = 2): MarketChain {
  return new MarketChain({
    ...marketGenesis([
      [a, 1000],
      [outsider, 10],
    ]),
    multisig: {
      signers: [a.did, b.did, c.did],
      k,
      types: [{ type: 'token.transfer', amountOver: 100 }, { type: 'contract.deploy' }],
    },
  });
}

describe('multi-signature permission', () => {
  it('holds a large transfer until 2 of 3 signers approve, then executes it once', () => {
    const ch = chain();
    // Small transfers go directly; a large one sent directly is not valid in a block.
    expect(ch.run(a, 'token.transfer', { to: outsider.did, amount: 100 })).toBeNull();
    const direct = executeBlock(
      ch.state,
      [ch.tx(a, 'token.transfer', { to: outsider.did, amount: 500 })],
      { time: ch.genesis.time + ch.state.height + 1, proposer: validator.did, round: 0 },
      false,
    );
    expect(direct.rejected[0]?.error).toMatchObject({ code: 'UNAUTHORIZED' });
    expect(direct.rejected[0]?.error?.message).toMatch(/above 100 needs 2 of 3 signatures/);
    ch.nonces.set(a.did, ch.nonces.get(a.did)! - 1);

    const held = { type: 'token.transfer', body: { to: outsider.did, amount: 500 } };
    expect(ch.run(outsider, 'multisig.propose', held)).toBe('UNAUTHORIZED');
    expect(
      ch.run(a, 'multisig.propose', {
        type: 'token.transfer',
        body: { to: outsider.did, amount: 5 },
      }),
    ).toBe('BAD_REQUEST');
    expect(ch.run(a, 'multisig.propose', held)).toBeNull();
    const id = ch.lastTx();
    expect(ch.balance(outsider)).toBe(110);
    expect(ch.state.multisig!.proposals.get(id)).toMatchObject({
      state: 'pending',
      approvals: [a.did],
    });
    expect(ch.run(a, 'multisig.approve', { proposal: id })).toBe('BAD_REQUEST');
    expect(ch.run(outsider, 'multisig.approve', { proposal: id })).toBe('UNAUTHORIZED');
    expect(ch.balance(outsider)).toBe(110);
    // The second approval executes it as a's transfer, in the same transaction.
    expect(ch.run(b, 'multisig.approve', { proposal: id })).toBeNull();
    expect(ch.balance(outsider)).toBe(610);
    expect(ch.balance(a)).toBe(400);
    expect(ch.state.multisig!.proposals.get(id)).toMatchObject({
      state: 'executed',
      approvals: [a.did, b.did],
    });
    expect(ch.run(c, 'multisig.approve', { proposal: id })).toBe('BAD_REQUEST');
    expect(ch.balance(outsider)).toBe(610);
    expect(ch.reload().multisig).toEqual(ch.state.multisig);
  });

  it('leaves a held transaction that would fail pending, changing nothing', () => {
    const ch = chain();
    expect(
      ch.run(a, 'multisig.propose', {
        type: 'token.transfer',
        body: { to: outsider.did, amount: 5000 },
      }),
    ).toBeNull();
    const id = ch.lastTx();
    expect(ch.run(b, 'multisig.approve', { proposal: id })).toBe('INSUFFICIENT_FUNDS');
    expect(ch.state.multisig!.proposals.get(id)).toMatchObject({
      state: 'pending',
      approvals: [a.did],
    });
    expect(ch.balance(a)).toBe(1000);
    // A held body is checked by its type's rules when it executes.
    expect(
      ch.run(a, 'multisig.propose', { type: 'token.transfer', body: { to: 'bob', amount: 500 } }),
    ).toBe('BAD_FIELD_TYPE');
  });

  it('runs a released transaction under the roles and refusals a direct one meets', () => {
    const ch = chain();
    expect(
      ch.run(a, 'multisig.propose', {
        type: 'token.transfer',
        body: { to: outsider.did, amount: 500 },
      }),
    ).toBeNull();
    const id = ch.lastTx();
    // Governance gives token transfers to b alone: a's held transfer may not run either.
    ch.state = {
      ...ch.state,
      governance: {
        ...ch.state.governance!,
        roles: new Map([['transact:token.transfer', [b.did]]]),
      },
    };
    expect(ch.run(b, 'multisig.approve', { proposal: id })).toBe('UNAUTHORIZED');
    expect(ch.state.multisig!.proposals.get(id)).toMatchObject({ state: 'pending' });
    expect(ch.balance(a)).toBe(1000);
  });

  it('checks the genesis rule', () => {
    const base = marketGenesis([[a, 1]]);
    const bad = (multisig: unknown) => {
      try {
        checkGenesis({ ...base, multisig } as never);
        return 'ok';
      } catch (error) {
        return (error as Error).message;
      }
    };
    expect(bad({ signers: [a.did], k: 1, types: [{ type: 'token.transfer' }] })).toBe('ok');
    expect(bad({ signers: [a.did], k: 2, types: [{ type: 'token.transfer' }] })).toMatch(
      /k is a whole number from 1 to 1/,
    );
    expect(bad({ signers: ['x'], k: 1, types: [{ type: 'token.transfer' }] })).toMatch(/signers/);
    expect(bad({ signers: [a.did], k: 1, types: [{ type: 'multisig.approve' }] })).toMatch(
      /themselves/,
    );
    expect(bad({ signers: [a.did], k: 1, types: [] })).toMatch(/types/);
  });
});
