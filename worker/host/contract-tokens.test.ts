// Contracts hold and move tokens (issue 16), with the real QuickJS engine: an escrow takes a
// payment (contract.call with `pay`) and releases it to the seller or refunds it to the buyer;
// a call that fails, or that catches a refused transfer, moves nothing (all or nothing).
import { beforeAll, describe, expect, it } from 'vitest';
import { BotError } from '../core/errors';
import { executeBlock, genesisState, replayBlock, type ChainState } from '../core/ledger';
import { devGenesis, testIdentity, type TestIdentity } from '../core/testing';
import { checkTx, signTx, type Tx } from '../core/tx';
import {
  contractCallsPrefix,
  decodeContractCalls,
  type ContractRuntime,
} from '../core/modules/contracts';
import { balanceOf, emptyTokens, supplyCheck } from '../core/modules/tokens';
import { equalBytes } from '../core/bytes';
import { loadContractRuntime } from './contract-runtime';
import { signSync } from '../core/crypto/ed25519';
import { registerProofBytes } from '../core/modules/devices';

const validator = testIdentity('escrow validator');
const buyer = testIdentity('escrow buyer');
const seller = testIdentity('escrow seller');
const stranger = testIdentity('escrow stranger');
const escrow = 'contract:escrow';

const escrowCode = `
function open(ctx, args) {
  if (ctx.paid < 1) throw new Error('Pay into the escrow to open a deal.');
  if (ctx.get('deal/' + args.id)) throw new Error('This deal exists.');
  ctx.put('deal/' + args.id, { buyer: ctx.caller, seller: args.seller, amount: ctx.paid });
  return ctx.balance();
}
function release(ctx, args) {
  const deal = ctx.get('deal/' + args.id);
  if (!deal) throw new Error('No such deal.');
  if (ctx.caller !== deal.buyer) throw new Error('Only the buyer releases.');
  ctx.del('deal/' + args.id);
  ctx.transfer(deal.seller, deal.amount);
  return ctx.balance();
}
function refund(ctx, args) {
  const deal = ctx.get('deal/' + args.id);
  if (!deal) throw new Error('No such deal.');
  if (ctx.caller !== deal.seller) throw new Error('Only the seller refunds.');
  ctx.del('deal/' + args.id);
  ctx.transfer(deal.buyer, deal.amount);
  return ctx.balance();
}
function payThenThrow(ctx, args) { ctx.transfer(args.to, args.amount); throw new Error('after paying'); }
function overdraw(ctx, args) {
  try { ctx.transfer(args.to, 1000000); } catch (e) { /* swallowed: the call still fails */ }
  ctx.put('x', 1);
  return 'caught';
}
function balances(ctx, args) { return { mine: ctx.balance(), theirs: ctx.balance(args.of) }; }
`;

let runtime: ContractRuntime;
beforeAll(async () => {
  runtime = await loadContractRuntime();
});

const genesis = {
  ...devGenesis(validator, 'escrow'),
  tokens: {
    symbol: 'BOT',
    allocations: [
      { did: buyer.did, amount: 500 },
      { did: seller.did, amount: 10 },
    ],
  },
};

const nonces = new Map<string, number>();
function tx(from: TestIdentity, type: string, body: unknown, chain: ChainState): Tx {
  const nonce = (nonces.get(from.did) ?? 0) + 1;
  nonces.set(from.did, nonce);
  return signTx(
    { chain: chain.chainId, type, from: from.did, nonce, time: genesis.time + nonce, body },
    from.seed,
  );
}

function run(state: ChainState, txs: Tx[]) {
  return executeBlock(
    state,
    txs,
    { time: state.headTime + 1000, proposer: validator.did, round: 0 },
    false,
  );
}

function call(state: ChainState, from: TestIdentity, method: string, args: unknown, pay?: number) {
  return tx(
    from,
    'contract.call',
    { contract: 'escrow', method, args, ...(pay ? { pay } : {}) },
    state,
  );
}

function balance(state: ChainState, account: string): number {
  return balanceOf(state.tokens ?? emptyTokens(state.genesis), account);
}

function codes(executed: ReturnType<typeof run>): string[] {
  return executed.failed.map((f) => f.error!.code);
}

describe('contracts hold and move tokens', () => {
  it('an escrow takes a payment, then releases it to the seller or refunds it to the buyer', () => {
    nonces.clear();
    let state: ChainState = { ...genesisState(genesis).state, contractRuntime: runtime };
    const deploy = run(state, [
      tx(seller, 'contract.deploy', { name: 'escrow', code: escrowCode }, state),
    ]);
    expect(deploy.failed).toEqual([]);
    state = deploy.state;

    const opened = run(state, [
      call(state, buyer, 'open', { id: 'a', seller: seller.did }, 120),
      call(state, buyer, 'open', { id: 'b', seller: seller.did }, 30),
    ]);
    expect(opened.failed).toEqual([]);
    expect(balance(opened.state, buyer.did)).toBe(350);
    expect(balance(opened.state, escrow)).toBe(150);
    const calls = decodeContractCalls(opened.writes.get(contractCallsPrefix + 'escrow')!);
    expect(calls.map((c) => [c.paid, c.result])).toEqual([
      [120, 120],
      [30, 150],
    ]);
    // Another peer replays the block to the same state root.
    expect(
      equalBytes(
        replayBlock(state, opened.block).block.header.stateRoot,
        opened.block.header.stateRoot,
      ),
    ).toBe(true);
    state = opened.state;

    const settled = run(state, [
      call(state, stranger, 'release', { id: 'a' }),
      call(state, buyer, 'release', { id: 'a' }),
      call(state, seller, 'refund', { id: 'b' }),
      call(state, buyer, 'release', { id: 'b' }),
    ]);
    expect(codes(settled)).toEqual(['CONTRACT_FAILED', 'CONTRACT_FAILED']);
    expect(balance(settled.state, seller.did)).toBe(130);
    expect(balance(settled.state, buyer.did)).toBe(380);
    expect(balance(settled.state, escrow)).toBe(0);
    expect(supplyCheck(settled.state.tokens!)).toBeNull();
    expect(settled.state.tokens!.supply).toBe(510);
  });

  it('a failing call moves nothing: a short payment, a throw after paying, a caught overdraft', () => {
    nonces.clear();
    let state: ChainState = { ...genesisState(genesis).state, contractRuntime: runtime };
    state = run(state, [
      tx(seller, 'contract.deploy', { name: 'escrow', code: escrowCode }, state),
    ]).state;
    state = run(state, [call(state, buyer, 'open', { id: 'a', seller: seller.did }, 100)]).state;
    const before = { buyer: balance(state, buyer.did), escrow: balance(state, escrow) };
    const executed = run(state, [
      call(state, buyer, 'open', { id: 'z', seller: seller.did }, 401), // buyer holds 400
      call(state, stranger, 'payThenThrow', { to: stranger.did, amount: 50 }),
      call(state, stranger, 'overdraw', { to: stranger.did }),
      call(state, stranger, 'payThenThrow', { to: 'contract:escrow', amount: 1 }),
      call(state, stranger, 'payThenThrow', { to: 'contract:nobody', amount: 1 }),
      call(state, stranger, 'payThenThrow', { to: stranger.did, amount: 0.5 }),
    ]);
    expect(codes(executed)).toEqual([
      'INSUFFICIENT_FUNDS',
      'CONTRACT_FAILED',
      'INSUFFICIENT_FUNDS',
      'BAD_REQUEST',
      'BAD_FIELD_TYPE',
      'BAD_FIELD_TYPE',
    ]);
    expect(executed.failed[0]!.error!.message).toMatch(/You hold 400/);
    expect(executed.failed[2]!.error!.message).toMatch(/contract "escrow" holds 100/);
    expect(balance(executed.state, buyer.did)).toBe(before.buyer);
    expect(balance(executed.state, escrow)).toBe(before.escrow);
    expect(balance(executed.state, stranger.did)).toBe(0);
    expect(executed.state.contracts!.state.has('escrow/x')).toBe(false);
    expect(executed.state.contracts!.state.has('escrow/deal/z')).toBe(false);
    expect([...executed.writes.keys()].filter((k) => k.startsWith('tok/'))).toEqual([]);
    // A contract reads any account's balance, its own by default.
    const read = run(executed.state, [
      call(executed.state, stranger, 'balances', { of: buyer.did }),
    ]);
    const result = decodeContractCalls(read.writes.get(contractCallsPrefix + 'escrow')!)[0]!.result;
    expect(result).toEqual({ mine: 100, theirs: 400 });
  });

  it("a device pays a contract only within its owner's spending rule (UNAUTHORIZED outside it)", () => {
    nonces.clear();
    const washer = testIdentity('escrow washer');
    let state: ChainState = { ...genesisState(genesis).state, contractRuntime: runtime };
    const register = tx(
      buyer,
      'device.register',
      {
        did: washer.did,
        id: 'washer-1',
        kind: 'sensor',
        name: 'Washer',
        gateway: buyer.did,
        owner: buyer.did,
        capabilities: ['detergent'],
        policy: { mode: 'owner' },
        proof: signSync(washer.seed, registerProofBytes(state.chainId, washer.did, buyer.did)),
      },
      state,
    );
    state = run(state, [
      register,
      tx(seller, 'contract.deploy', { name: 'escrow', code: escrowCode }, state),
      tx(buyer, 'token.transfer', { to: washer.did, amount: 100 }, state),
      tx(buyer, 'token.rule', { device: washer.did, perTxMax: 30, perDayMax: 50 }, state),
    ]).state;
    const deviceCall = (id: string, pay: number) =>
      tx(
        washer,
        'contract.call',
        { contract: 'escrow', method: 'open', args: { id, seller: seller.did }, device: true, pay },
        state,
      );
    const executed = run(state, [deviceCall('a', 30), deviceCall('b', 31), deviceCall('c', 21)]);
    expect(codes(executed)).toEqual(['UNAUTHORIZED', 'UNAUTHORIZED']);
    expect(executed.failed[0]!.error!.message).toMatch(/at most 30 at a time/);
    expect(executed.failed[1]!.error!.message).toMatch(/50 a day and has paid 30/);
    expect(balance(executed.state, washer.did)).toBe(70);
    expect(balance(executed.state, escrow)).toBe(30);
    expect(executed.state.contracts!.state.has('escrow/deal/b')).toBe(false);
  });

  it('refuses a bad pay before signing', () => {
    const state = genesisState(genesis).state;
    for (const pay of [0, -1, 1.5, '3'])
      expect(() =>
        checkTx(
          signTx(
            {
              chain: state.chainId,
              type: 'contract.call',
              from: buyer.did,
              nonce: 1,
              time: 0,
              body: { contract: 'escrow', method: 'open', args: null, pay },
            },
            buyer.seed,
          ),
        ),
      ).toThrow(BotError);
  });
});
