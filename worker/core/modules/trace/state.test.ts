// Supply-chain traceability on chain (Y.4560 I.1): mapping records with every I.1 field, lots
// held by one account, split and merge under new identifiers, and the rules (only the holder
// moves a lot; a consumed lot takes nothing more; no identifier is made twice, so no cycle).
// Replayed and rebuilt from state alike.
import { describe, expect, it } from 'vitest';
import {
  executeBlock,
  failurePrefix,
  replayBlock,
  stateFromEntries,
  type ChainState,
  type ExecutedBlock,
} from '../../ledger';
import { devChain, testIdentity, type TestIdentity } from '../../testing';
import { checkTx, signTx, type Tx } from '../../tx';
import type { BotError } from '../../errors';
import { decodeRecord, traceLotPrefix, traceRecordPrefix, expectedRecord } from './state';
import { traceSplitPartsMax } from './limits';

const farm = testIdentity('trace farm');
const mill = testIdentity('trace mill');
const packer = testIdentity('trace packer');
const shop = testIdentity('trace shop');
const everyone = [farm, mill, packer, shop];
const server = 'https://farm.example/lots/doc.json';
const hash = 'ab'.repeat(32);

let nonces = new Map<string, number>();
function tx(from: TestIdentity, chain: string, type: string, body: unknown): Tx {
  const nonce = (nonces.get(from.did) ?? 0) + 1;
  nonces.set(from.did, nonce);
  return signTx(
    { chain, type, from: from.did, nonce, time: 1_700_000_000_000 + nonce, body },
    from.seed,
  );
}

function run(state: ChainState, txs: Tx[]): ExecutedBlock {
  const executed = executeBlock(
    state,
    txs,
    { time: state.headTime + 1, proposer: farm.did, round: 0 },
    false,
  );
  expect(executed.rejected).toEqual([]);
  for (const id of everyone) nonces.set(id.did, executed.state.nonces.get(id.did) ?? 0);
  return executed;
}

const failures = (executed: ExecutedBlock) => executed.failed.map((f) => f.error?.code);

function fresh(): ChainState {
  nonces = new Map();
  return devChain(farm).state;
}

const codeOf = (type: string, body: unknown) => {
  try {
    checkTx({ chain: 'c', type, from: farm.did, nonce: 1, time: 1, body, sig: new Uint8Array(64) });
    return 'accepted';
  } catch (error) {
    return (error as BotError).code;
  }
};

describe('trace body rules', () => {
  it('refuses malformed bodies with typed errors', () => {
    expect(codeOf('trace.record', { id: 'LOT-1', server, hash })).not.toBe('MALFORMED');
    expect(codeOf('trace.record', { id: 'LOT-1', server })).toBe('BAD_FIELD_TYPE');
    expect(codeOf('trace.record', { id: '', server, hash })).toBe('BAD_FIELD_TYPE');
    expect(codeOf('trace.record', { id: 'x\u0001', server, hash })).toBe('BAD_FIELD_TYPE');
    expect(codeOf('trace.record', { id: 'L', server: 'ftp://x', hash })).toBe('BAD_FIELD_TYPE');
    expect(codeOf('trace.record', { id: 'L', server: `https://${'a'.repeat(600)}`, hash })).toBe(
      'TOO_LARGE',
    );
    expect(codeOf('trace.record', { id: 'L', server, hash: 'AB'.repeat(32) })).toBe(
      'BAD_FIELD_TYPE',
    );
    expect(codeOf('trace.record', { id: 'L', server, hash, extra: 1 })).toBe('MALFORMED');
    expect(codeOf('trace.transfer', { id: 'L', server, hash, to: 'bob' })).toBe('BAD_FIELD_TYPE');
    expect(codeOf('trace.split', { id: 'L', into: ['L'], server, hash })).toBe('BAD_REQUEST');
    expect(codeOf('trace.split', { id: 'L', into: ['A', 'A'], server, hash })).toBe('BAD_REQUEST');
    expect(codeOf('trace.split', { id: 'L', into: [], server, hash })).toBe('BAD_FIELD_TYPE');
    const many = Array.from({ length: traceSplitPartsMax + 1 }, (_, i) => `P${i}`);
    expect(codeOf('trace.split', { id: 'L', into: many, server, hash })).toBe('TOO_LARGE');
    expect(codeOf('trace.merge', { ids: ['A', 'B'], into: 'A', server, hash })).toBe('BAD_REQUEST');
  });
});

describe('trace records and lots', () => {
  it('records an origin, transfers, splits and merges with every I.1 field, replayed and reloaded alike', () => {
    let state = fresh();
    const c = state.chainId;
    const origin = tx(farm, c, 'trace.record', { id: 'WHEAT-1', server, hash });
    const wheat2 = tx(farm, c, 'trace.record', { id: 'WHEAT-2', server, hash });
    const toMill = tx(farm, c, 'trace.transfer', { id: 'WHEAT-1', to: mill.did, server, hash });
    let b = run(state, [origin, wheat2, toMill]);
    expect(failures(b)).toEqual([]);
    state = b.state;
    const rec = decodeRecord(b.writes.get(traceRecordPrefix + b.txIds[0])!);
    expect(rec).toMatchObject({
      kind: 'origin',
      ids: ['WHEAT-1'],
      server,
      hash,
      out: null,
      in: farm.did,
      height: 1,
    });
    expect(rec.time).toBe(origin.time);
    const moved = decodeRecord(b.writes.get(traceRecordPrefix + b.txIds[2])!);
    expect(moved).toMatchObject({ kind: 'transfer', out: farm.did, in: mill.did });
    expect(state.trace?.lots.get('WHEAT-1')?.holder).toBe(mill.did);
    // the stored record is what the signed transaction alone derives (the query's check)
    expect(expectedRecord(origin, b.txIds[0]!, 1, true)).toEqual(rec);

    const split = tx(mill, c, 'trace.split', {
      id: 'WHEAT-1',
      into: ['FLOUR-1', 'FLOUR-2'],
      server,
      hash,
    });
    const toPacker = tx(mill, c, 'trace.transfer', { id: 'FLOUR-1', to: packer.did, server, hash });
    const w2 = tx(farm, c, 'trace.transfer', { id: 'WHEAT-2', to: packer.did, server, hash });
    b = run(state, [split, toPacker, w2]);
    expect(failures(b)).toEqual([]);
    state = b.state;
    const merge = tx(packer, c, 'trace.merge', {
      ids: ['FLOUR-1', 'WHEAT-2'],
      into: 'BOX-1',
      server,
      hash,
    });
    const toShop = tx(packer, c, 'trace.transfer', { id: 'BOX-1', to: shop.did, server, hash });
    b = run(state, [merge, toShop]);
    expect(failures(b)).toEqual([]);
    const replayed = replayBlock(state, b.block);
    expect(replayed.hash).toEqual(b.hash);
    state = b.state;
    const lots = state.trace!.lots;
    expect(lots.get('BOX-1')).toMatchObject({
      holder: shop.did,
      parents: ['FLOUR-1', 'WHEAT-2'],
      consumedBy: null,
    });
    expect(lots.get('FLOUR-1')?.consumedBy).toBe(b.txIds[0]);
    expect(lots.get('FLOUR-2')).toMatchObject({ holder: mill.did, parents: ['WHEAT-1'] });
    expect(lots.get('WHEAT-1')?.records).toHaveLength(3); // origin, transfer, split

    // rebuilt from the stored entries, the lots are the same
    const entries = [...b.writes].filter(([k]) => k.startsWith(traceLotPrefix));
    const all = new Map<string, Uint8Array>();
    for (const [k, v] of entries) all.set(k, v);
    const reloaded = stateFromEntries(state.genesis, b.block.header, b.hash, all);
    expect(reloaded.trace?.lots.get('BOX-1')).toEqual(lots.get('BOX-1'));
  });

  it('refuses a non-holder, a consumed lot, a reused identifier and an unknown lot, changing nothing', () => {
    let state = fresh();
    const c = state.chainId;
    let b = run(state, [
      tx(farm, c, 'trace.record', { id: 'A', server, hash }),
      tx(farm, c, 'trace.record', { id: 'B', server, hash }),
    ]);
    state = b.state;
    b = run(state, [tx(farm, c, 'trace.split', { id: 'A', into: ['A1', 'A2'], server, hash })]);
    state = b.state;
    const attempts = [
      tx(mill, c, 'trace.transfer', { id: 'B', to: mill.did, server, hash }), // not the holder
      tx(mill, c, 'trace.record', { id: 'B', server, hash }), // not the holder
      tx(farm, c, 'trace.transfer', { id: 'A', to: mill.did, server, hash }), // consumed
      tx(farm, c, 'trace.split', { id: 'A', into: ['A3'], server, hash }), // consumed
      tx(farm, c, 'trace.merge', { ids: ['A1', 'B'], into: 'A2', server, hash }), // A2 exists
      tx(farm, c, 'trace.split', { id: 'B', into: ['A'], server, hash }), // A exists: a cycle
      tx(farm, c, 'trace.transfer', { id: 'NOPE', to: mill.did, server, hash }),
      tx(mill, c, 'trace.merge', { ids: ['A1', 'A2'], into: 'M', server, hash }), // not the holder
    ];
    const codes = [
      'UNAUTHORIZED',
      'UNAUTHORIZED',
      'BAD_REQUEST',
      'BAD_REQUEST',
      'BAD_REQUEST',
      'BAD_REQUEST',
      'NOT_FOUND',
      'UNAUTHORIZED',
    ];
    const before = state.trace!.lots;
    b = run(state, attempts);
    expect(failures(b)).toEqual(codes);
    expect(b.state.trace!.lots).toBe(before); // nothing changed
    expect(
      [...b.writes.keys()].every((k) => k.startsWith(failurePrefix) || !k.startsWith('trace/')),
    ).toBe(true);
  });
});
