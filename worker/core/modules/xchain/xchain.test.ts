// Cross-chain operations between two real chains of the core (executeBlock, signed certificates):
// tokens, a record and a dataset grant moved all or nothing in contract mode (proofs checked by
// the on-chain light client), an operation aborted after its deadline, the relay and shared-nodes
// modes, and every forged, replayed or early step refused with a typed error, changing nothing.
import { describe, expect, it } from 'vitest';
import { decode } from '../../codec';
import { signCommit } from '../../block';
import { signSync } from '../../crypto/ed25519';
import { genesisState, stateFromEntries } from '../../ledger';
import { ids, relayView, TestChain } from '../../lightclient/testkit';
import { supplyCheck } from '../tokens';
import type { TestIdentity } from '../../testing';
import { mergeHeaders, planRelay, relayHeadersBytesMax, type RelayIntent } from './relay';
import { encode } from '../../codec';
import { lightClientUpdatesMax, type HeaderUpdate } from '../../lightclient';
import { attestationBytes } from './apply';
import { xchainEscrow, xchainReserve, type XOperation } from './types';

const valsA = ids('xa validator', 4);
const valsB = ids('xb validator', 4);
const [alice, bob, relay, notary2, notary3] = ids('xc party', 5) as [
  TestIdentity,
  TestIdentity,
  TestIdentity,
  TestIdentity,
  TestIdentity,
];

function tokensFor(name: string) {
  return {
    symbol: name,
    allocations: [
      { did: alice.did, amount: 1000 },
      { did: bob.did, amount: 1000 },
    ],
  };
}

function balance(chain: TestChain, account: string): number {
  return chain.state.tokens?.balances.get(account) ?? 0;
}

function lastFailure(chain: TestChain): string | null {
  const block = chain.blocks[chain.blocks.length - 1]!;
  return block.failed[0]?.code ?? null;
}

/** Two linked chains in contract mode, each bridge reserve funded by bob with 500. */
function linkedPair(mode: 'contract' | 'relay' | 'shared' = 'contract') {
  const a = new TestChain(`xa-${mode}`, valsA, tokensFor('AAA'));
  const b = new TestChain(`xb-${mode}`, valsB, tokensFor('BBB'));
  const linkBody = (remote: TestChain) =>
    mode === 'contract'
      ? { chain: remote.chainId, mode, genesis: remote.genesis }
      : mode === 'relay'
        ? { chain: remote.chainId, mode, notaries: [relay.did] }
        : {
            chain: remote.chainId,
            mode,
            notaries: [relay.did, notary2.did, notary3.did],
            quorum: 3,
          };
  a.commit([
    a.tx(valsA[0]!, 'xchain.link', linkBody(b)),
    a.tx(bob, 'xchain.fund', { amount: 500 }),
  ]);
  b.commit([
    b.tx(valsB[0]!, 'xchain.link', linkBody(a)),
    b.tx(bob, 'xchain.fund', { amount: 500 }),
  ]);
  expect(a.blocks[0]!.failed).toEqual([]);
  expect(b.blocks[0]!.failed).toEqual([]);
  return { a, b };
}

const notaries = [relay, notary2, notary3];
const attestAll = (chain: string, height: number, key: string, entry: Uint8Array) =>
  notaries.map((n) => ({
    signer: n.did,
    sig: signSync(n.seed, attestationBytes(chain, height, key, entry)),
  }));

/** Send the relay's intents, signed by `who`, to their chains, and commit both chains. */
function carry(chains: TestChain[], intents: RelayIntent[], who: TestIdentity = relay): void {
  for (const intent of intents) {
    const chain = chains.find((c) => c.chainId === intent.chain)!;
    chain.submit(chain.tx(who, intent.type, intent.body));
  }
  for (const chain of chains) chain.commit();
}

function relayRound(a: TestChain, b: TestChain, attest = attestAll): RelayIntent[] {
  const intents = [
    ...planRelay(relayView(a), relayView(b), attest),
    ...planRelay(relayView(b), relayView(a), attest),
  ];
  carry([a, b], intents);
  return intents;
}

function lock(a: TestChain, b: TestChain, asset: unknown, deadline: number, to = alice.did) {
  const tx = a.tx(alice, 'xchain.lock', { target: b.chainId, to, asset, deadline });
  a.commit([tx]);
  expect(a.blocks[a.blocks.length - 1]!.failed).toEqual([]);
  return a.state.xchain!.outs.get(a.blocks[a.blocks.length - 1]!.txIds[0]!)!.op;
}

function circulating(chain: TestChain): number {
  return chain.state.tokens!.supply - balance(chain, xchainReserve) - balance(chain, xchainEscrow);
}

describe('cross-chain operations (contract mode: on-chain light clients)', () => {
  it('moves tokens from A to B all or nothing: lock, commit with a proof, finalize with a proof', () => {
    const { a, b } = linkedPair();
    const before = circulating(a) + circulating(b);
    const op = lock(a, b, { kind: 'tokens', amount: 100 }, a.height + 20);
    expect(balance(a, alice.did)).toBe(900);
    expect(balance(a, xchainEscrow)).toBe(100);
    relayRound(a, b); // headers of A to B, commit on B
    expect(b.state.xchain!.ins.get(op.id)?.s).toBe('committed');
    expect(balance(b, alice.did)).toBe(1100);
    expect(balance(b, xchainReserve)).toBe(400);
    expect(a.state.xchain!.outs.get(op.id)?.s).toBe('locked');
    relayRound(a, b); // headers of B to A, finalize on A
    expect(a.state.xchain!.outs.get(op.id)?.s).toBe('finalized');
    expect(balance(a, xchainEscrow)).toBe(0);
    expect(balance(a, xchainReserve)).toBe(600);
    expect(circulating(a) + circulating(b)).toBe(before);
    for (const chain of [a, b]) expect(supplyCheck(chain.state.tokens!)).toBeNull();
    // Recorded on both chains under the same id; a second round has nothing to do.
    expect(relayRound(a, b)).toEqual([]);
  });

  it('moves a record and a dataset grant (sealed to the grantee) to B', () => {
    const { a, b } = linkedPair();
    const record = lock(
      a,
      b,
      { kind: 'record', key: 'shared/report', value: { ok: true } },
      a.height + 20,
    );
    const sealed = new Uint8Array(48).fill(7);
    const dataset = 'ab'.repeat(32);
    const grant = lock(
      a,
      b,
      { kind: 'grant', dataset, grantee: bob.did, sealed },
      a.height + 20,
      bob.did,
    );
    relayRound(a, b);
    relayRound(a, b);
    expect(a.state.xchain!.outs.get(record.id)?.s).toBe('finalized');
    expect(a.state.xchain!.outs.get(grant.id)?.s).toBe('finalized');
    const written = b.entryAt(b.height, 'data/shared/report')!;
    expect(decode<{ v: unknown }>(written, 1 << 16).v).toEqual({ ok: true });
    const granted = decode<{ sealed: Uint8Array; op: string }>(
      b.entryAt(b.height, `xc/grant/${dataset}/${bob.did}`)!,
      1 << 16,
    );
    expect(granted).toMatchObject({ sealed, op: grant.id });
  });

  it('carries a long run of headers in transactions of at most relayHeadersBytesMax and lightClientUpdatesMax updates each', () => {
    const { a, b } = linkedPair();
    for (let i = 0; i < 40; i++) a.commit([]); // 40 headers of 4 signatures each to carry first
    const op = lock(a, b, { kind: 'tokens', amount: 10 }, a.height + 20);
    const intents = planRelay(relayView(a), relayView(b));
    const headers = intents.filter((i) => i.type === 'xchain.headers');
    const carried = headers.map((i) => (i.body as { updates: HeaderUpdate[] }).updates);
    expect(carried.flat().map((u) => u.header.height)).toEqual(
      Array.from({ length: a.height }, (_, i) => i + 1),
    );
    expect(carried.length).toBeGreaterThan(2); // split by bytes, not only by count
    for (const [i, updates] of carried.entries()) {
      expect(updates.length).toBeLessThanOrEqual(lightClientUpdatesMax);
      expect(encode(updates).length).toBeLessThanOrEqual(relayHeadersBytesMax);
      // full: one more update would have gone over the bytes (the last one takes what is left)
      const next = carried[i + 1]?.[0];
      if (next && updates.length < lightClientUpdatesMax)
        expect(encode([...updates, next]).length).toBeGreaterThan(relayHeadersBytesMax);
    }
    carry([a, b], intents);
    expect(b.state.xchain!.ins.get(op.id)?.s).toBe('committed');
  });

  it('aborts after the deadline when the target never committed, and returns the tokens', () => {
    const { a, b } = linkedPair();
    const op = lock(a, b, { kind: 'tokens', amount: 50 }, a.height + 3);
    // The relay withholds everything; blocks pass the deadline on A.
    for (let i = 0; i < 3; i++) a.commit([]);
    // A commit is still possible before anyone refuses; refuse it instead (any party may).
    const intents = planRelay(relayView(a), relayView(b));
    expect(intents.map((i) => i.type)).toEqual(['xchain.headers', 'xchain.refuse']);
    carry([a, b], intents, alice);
    expect(b.state.xchain!.ins.get(op.id)?.s).toBe('refused');
    // A late commit is refused on B: the operation is refused for ever.
    const late = b.tx(relay, 'xchain.commit', intents[1]!.body as never);
    b.commit([late]);
    expect(lastFailure(b)).toBe('BAD_REQUEST');
    relayRound(a, b);
    expect(a.state.xchain!.outs.get(op.id)?.s).toBe('aborted');
    expect(balance(a, alice.did)).toBe(1000);
    expect(balance(b, alice.did)).toBe(1000);
  });

  it('refuses forged, replayed, early and out-of-order steps with typed errors, changing nothing', () => {
    const { a, b } = linkedPair();
    const op = lock(a, b, { kind: 'tokens', amount: 100 }, a.height + 20);
    const [headers, commit] = planRelay(relayView(a), relayView(b)) as [RelayIntent, RelayIntent];
    const body = commit.body as {
      op: XOperation;
      proof: { height: number; entry: Uint8Array; siblings: Uint8Array[] };
    };
    const send = (chain: TestChain, type: string, txBody: unknown): string | null => {
      chain.commit([chain.tx(relay, type, txBody)]);
      return lastFailure(chain);
    };
    // Before the headers: the light client holds no header at the proof's height.
    expect(send(b, 'xchain.commit', body)).toBe('NOT_FOUND');
    // Forged headers: a certificate by outsiders, a tampered state root.
    const update = (headers.body as { updates: never[] }).updates[0] as never as ReturnType<
      TestChain['update']
    >;
    const forgedCert = {
      ...update,
      cert: {
        ...update.cert,
        sigs: [alice, bob, relay].map((id) =>
          signCommit(id.seed, id.did, a.chainId, 1, 0, update.cert.block),
        ),
      },
    };
    expect(send(b, 'xchain.headers', { chain: a.chainId, updates: [forgedCert] })).toBe(
      'BAD_CERTIFICATE',
    );
    expect(
      send(b, 'xchain.headers', {
        chain: a.chainId,
        updates: [{ ...update, validators: [{ did: alice.did, power: 1 }] }],
      }),
    ).toBe('TAMPERED');
    expect(send(b, 'xchain.headers', headers.body)).toBeNull();
    // A forged entry, another operation's content, a proof of another height.
    const entry = body.proof.entry.slice();
    entry[entry.length - 1] = entry[entry.length - 1]! ^ 1;
    expect(send(b, 'xchain.commit', { ...body, proof: { ...body.proof, entry } })).toBe('TAMPERED');
    const richer = { ...body.op, asset: { kind: 'tokens', amount: 400 } };
    expect(send(b, 'xchain.commit', { ...body, op: richer })).toBe('TAMPERED');
    expect(
      send(b, 'xchain.commit', {
        ...body,
        proof: { ...body.proof, height: body.proof.height - 1 },
      }),
    ).toBe('TAMPERED');
    // An early refusal: the source has not reached the deadline in the proof.
    expect(send(b, 'xchain.refuse', body)).toBe('BAD_REQUEST');
    expect(b.state.xchain?.ins.size ?? 0).toBe(0);
    expect(balance(b, alice.did)).toBe(1000);
    // An attestation where the link wants a Merkle proof.
    expect(
      send(b, 'xchain.commit', {
        op: body.op,
        proof: {
          height: body.proof.height,
          entry: body.proof.entry,
          attest: attestAll(a.chainId, body.proof.height, 'x', body.proof.entry),
        },
      }),
    ).toBe('BAD_REQUEST');
    // The real commit, then its replay.
    expect(send(b, 'xchain.commit', body)).toBeNull();
    expect(send(b, 'xchain.commit', body)).toBe('BAD_REQUEST');
    // On A: finalize with a proof of the lock instead of the commit; abort with the commit.
    const plan = planRelay(relayView(a), relayView(b));
    const finalize = plan[plan.length - 1];
    expect(finalize?.type).toBe('xchain.finalize');
    for (const intent of plan.slice(0, -1))
      expect(send(a, 'xchain.headers', intent.body)).toBeNull();
    const fin = finalize!.body as { id: string; proof: unknown };
    expect(send(a, 'xchain.abort', fin)).toBe('BAD_REQUEST');
    expect(send(a, 'xchain.finalize', { ...fin, id: 'cd'.repeat(32) })).toBe('NOT_FOUND');
    expect(a.state.xchain!.outs.get(op.id)?.s).toBe('locked');
    expect(send(a, 'xchain.finalize', fin)).toBeNull();
    expect(send(a, 'xchain.finalize', fin)).toBe('BAD_REQUEST');
    expect(send(a, 'xchain.abort', fin)).toBe('BAD_REQUEST');
    for (const chain of [a, b]) expect(supplyCheck(chain.state.tokens!)).toBeNull();
  });

  it('a step may carry the header updates it needs: one transaction; a failing one advances nothing', () => {
    const { a, b } = linkedPair();
    const op = lock(a, b, { kind: 'tokens', amount: 30 }, a.height + 20);
    const merged = mergeHeaders(planRelay(relayView(a), relayView(b)));
    expect(merged.map((i) => i.type)).toEqual(['xchain.commit']);
    const body = merged[0]!.body as { proof: { entry: Uint8Array } };
    const entry = body.proof.entry.slice();
    entry[3] = entry[3]! ^ 1;
    b.commit([b.tx(relay, 'xchain.commit', { ...body, proof: { ...body.proof, entry } })]);
    expect(lastFailure(b)).toBe('TAMPERED');
    expect(b.state.xchain!.links.get(a.chainId)!.lc!.height).toBe(0);
    carry([a, b], merged);
    expect(b.state.xchain!.ins.get(op.id)?.s).toBe('committed');
    expect(b.state.xchain!.links.get(a.chainId)!.lc!.height).toBe(a.height - 1);
    carry([a, b], mergeHeaders(planRelay(relayView(a), relayView(b))));
    expect(a.state.xchain!.outs.get(op.id)?.s).toBe('finalized');
  });

  it('refuses links by non-validators, locks without a link or with a bad deadline, short funds', () => {
    const a = new TestChain('xa-bad', valsA, tokensFor('AAA'));
    const b = new TestChain('xb-bad', valsB, tokensFor('BBB'));
    const send = (type: string, from: TestIdentity, body: unknown) => {
      a.commit([a.tx(from, type, body)]);
      return lastFailure(a);
    };
    const asset = { kind: 'tokens', amount: 10 };
    expect(
      send('xchain.lock', alice, { target: b.chainId, to: alice.did, asset, deadline: 10 }),
    ).toBe('NOT_FOUND');
    expect(
      send('xchain.link', alice, { chain: b.chainId, mode: 'contract', genesis: b.genesis }),
    ).toBe('UNAUTHORIZED');
    expect(
      send('xchain.link', valsA[0]!, { chain: b.chainId, mode: 'contract', genesis: a.genesis }),
    ).toBe('WRONG_CHAIN');
    expect(
      send('xchain.link', valsA[0]!, { chain: b.chainId, mode: 'contract', genesis: b.genesis }),
    ).toBeNull();
    expect(
      send('xchain.link', valsA[1]!, { chain: b.chainId, mode: 'relay', notaries: [relay.did] }),
    ).toBe('BAD_REQUEST');
    expect(
      send('xchain.lock', alice, {
        target: b.chainId,
        to: alice.did,
        asset,
        deadline: a.height + 1,
      }),
    ).toBe('BAD_REQUEST');
    expect(
      send('xchain.lock', alice, {
        target: b.chainId,
        to: alice.did,
        asset: { kind: 'tokens', amount: 5000 },
        deadline: a.height + 9,
      }),
    ).toBe('INSUFFICIENT_FUNDS');
    expect(balance(a, xchainEscrow)).toBe(0);
    // Stateless refusals (the transaction never reaches a block).
    expect(() =>
      a.tx(alice, 'xchain.lock', { target: 'nope', to: alice.did, asset, deadline: 9 }),
    ).not.toThrow();
  });

  it('rebuilds the same state from stored entries', () => {
    const { a, b } = linkedPair();
    lock(a, b, { kind: 'tokens', amount: 100 }, a.height + 20);
    relayRound(a, b);
    const entries = new Map<string, Uint8Array>(genesisState(b.genesis).writes);
    for (const block of b.blocks) for (const [k, v] of block.writes) entries.set(k, v);
    const loaded = stateFromEntries(
      b.genesis,
      b.blockAt(b.height).header,
      b.state.headHash,
      entries,
    );
    expect(loaded.trie.rootHash()).toEqual(b.state.trie.rootHash());
    expect(loaded.xchain).toEqual(b.state.xchain);
  });
});

describe('cross-chain operations (trusted relay and shared nodes)', () => {
  it('relay mode: one named notary attests; an outsider cannot', () => {
    const { a, b } = linkedPair('relay');
    const op = lock(a, b, { kind: 'tokens', amount: 70 }, a.height + 20);
    const byOutsider = (chain: string, height: number, key: string, entry: Uint8Array) => [
      { signer: alice.did, sig: signSync(alice.seed, attestationBytes(chain, height, key, entry)) },
    ];
    carry([a, b], planRelay(relayView(a), relayView(b), byOutsider));
    expect(lastFailure(b)).toBe('BAD_SIGNATURE');
    relayRound(a, b);
    relayRound(a, b);
    expect(b.state.xchain!.ins.get(op.id)?.s).toBe('committed');
    expect(a.state.xchain!.outs.get(op.id)?.s).toBe('finalized');
  });

  it('shared-nodes mode: a quorum of the notaries must attest', () => {
    const { a, b } = linkedPair('shared');
    const op = lock(a, b, { kind: 'tokens', amount: 70 }, a.height + 20);
    const twoOfThree = (chain: string, height: number, key: string, entry: Uint8Array) =>
      attestAll(chain, height, key, entry).slice(0, 2);
    carry([a, b], planRelay(relayView(a), relayView(b), twoOfThree));
    expect(lastFailure(b)).toBe('BAD_SIGNATURE');
    relayRound(a, b);
    relayRound(a, b);
    expect(a.state.xchain!.outs.get(op.id)?.s).toBe('finalized');
  });
});
