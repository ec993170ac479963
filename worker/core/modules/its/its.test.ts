// Road-condition exchange on the pure core (issue 20): trips admitted by their provider's
// certificate on a consortium chain, observations counted per segment and window, implausible
// ones recorded as rejected, settlement paying the vehicles that agree with the median and not
// the liar, revocation, every bad input refused with a typed error, and a reloaded chain
// holding the same ITS state.
import { describe, expect, it } from 'vitest';
import {
  executeBlock,
  genesisState,
  mayWrite,
  replayBlock,
  stateFromEntries,
  type ChainState,
  type ExecutedBlock,
  type Genesis,
} from '../../ledger';
import { bftGenesis, testIdentity, type TestIdentity } from '../../testing';
import { checkTx, signTx, txIdOf, type Tx } from '../../tx';
import { sha256 } from '../../crypto/hash';
import { verifyStateProof } from '../../state-trie';
import { BotError } from '../../errors';
import { balanceOf, emptyTokens } from '../tokens';
import {
  decodeCondition,
  decodeObservation,
  emptyIts,
  itsEngineRpmMax,
  itsObservationPrefix,
  itsSegmentPrefix,
  signTripCertificate,
  type ItsState,
  type TripCertificate,
} from '.';

const provider = testIdentity('its provider');
const otherProvider = testIdentity('its other provider');
const outsider = testIdentity('its outsider');
const t0 = 1_700_000_000_000;
const windowMs = 60_000;

function itsGenesis(): Genesis {
  return {
    ...bftGenesis('its', [provider], 'consortium'),
    time: t0,
    tokens: { symbol: 'BOT', allocations: [{ did: provider.did, amount: 1_000 }] },
    its: { providers: [provider.did], windowMs, reward: 5, corroborationMin: 2 },
  };
}

class Chain {
  state: ChainState;
  readonly blocks: ExecutedBlock[] = [];
  readonly nonces = new Map<string, number>();
  time = t0;
  constructor(readonly genesis: Genesis = itsGenesis()) {
    this.state = genesisState(genesis).state;
  }
  cert(trip: TestIdentity, by = provider, expires = t0 + 3_600_000): TripCertificate {
    return signTripCertificate(this.state.chainId, by.did, by.seed, trip.did, expires);
  }
  tx(from: TestIdentity, type: string, body: unknown, time = this.time): Tx {
    const nonce = (this.nonces.get(from.did) ?? 0) + 1;
    this.nonces.set(from.did, nonce);
    return signTx(
      { chain: this.state.chainId, type, from: from.did, nonce, time, body },
      from.seed,
    );
  }
  block(txs: Tx[]): ExecutedBlock {
    const executed = executeBlock(
      this.state,
      txs,
      { time: this.time, proposer: provider.did, round: 0 },
      false,
    );
    this.state = executed.state;
    this.blocks.push(executed);
    return executed;
  }
  its(): ItsState {
    return this.state.its ?? emptyIts(this.genesis);
  }
  entry(key: string): Uint8Array | undefined {
    for (const b of [...this.blocks].reverse()) {
      const bytes = b.writes.get(key);
      if (bytes) return bytes;
    }
    return undefined;
  }
  condition(segment: string) {
    return decodeCondition(this.entry(itsSegmentPrefix + segment)!);
  }
  verdict(tx: Tx) {
    return decodeObservation(this.entry(itsObservationPrefix + txIdOf(tx))!);
  }
  balance(id: TestIdentity): number {
    return balanceOf(this.state.tokens ?? emptyTokens(this.genesis), id.did);
  }
}

const trip = (name: string) => testIdentity(`its trip ${name}`);
const observe = (extra: Record<string, unknown> = {}) => ({
  segment: 'h20',
  speedKmh: 42,
  congestion: 1,
  ...extra,
});

describe('ITS on a consortium chain', () => {
  it('admits a trip key by its provider certificate only, and counts its observation', () => {
    const chain = new Chain();
    const a = trip('a');
    const first = chain.tx(a, 'its.observe', { ...observe(), cert: chain.cert(a) });
    expect(mayWrite(chain.state, a.did, undefined, first)).toBe(true);
    expect(mayWrite(chain.state, a.did)).toBe(false);
    const uncertified = chain.tx(outsider, 'its.observe', observe());
    const forged = chain.tx(trip('forged'), 'its.observe', {
      ...observe(),
      cert: chain.cert(trip('forged'), outsider),
    });
    const done = chain.block([first, uncertified, forged]);
    expect(done.rejected.map((r) => r.error?.code)).toEqual(['NOT_MEMBER', 'NOT_MEMBER']);
    expect(done.failed).toEqual([]);
    expect(chain.verdict(first)).toMatchObject({ status: 'counted', reason: null, segment: 'h20' });
    const condition = chain.condition('h20');
    expect(condition).toMatchObject({
      trips: 1,
      speedMedianKmh: 42,
      congestionMedian: 1,
      settled: false,
    });
    // Once known, the trip writes without its certificate; the condition has a state proof.
    expect(mayWrite(chain.state, a.did)).toBe(true);
    const key = itsSegmentPrefix + 'h20';
    const proof = chain.state.trie.prove(key)!;
    expect(
      verifyStateProof(chain.state.trie.rootHash(), key, sha256(chain.entry(key)!), proof),
    ).toBe(true);
    // The chain does not name the vehicle: the trip record holds the provider and the key only.
    expect(chain.its().trips.get(a.did)).toMatchObject({ provider: provider.did, accepted: 1 });
  });

  it('aggregates a window (median, mean, humidity), pays the agreeing vehicles and not the liar', () => {
    const chain = new Chain();
    const [a, b, c, liar] = ['a', 'b', 'c', 'liar'].map(trip) as [
      TestIdentity,
      TestIdentity,
      TestIdentity,
      TestIdentity,
    ];
    const sends = [
      chain.tx(a, 'its.observe', {
        ...observe({ speedKmh: 38, humidityPct: 80 }),
        cert: chain.cert(a),
      }),
      chain.tx(b, 'its.observe', {
        ...observe({ speedKmh: 41, humidityPct: 90 }),
        cert: chain.cert(b),
      }),
      chain.tx(c, 'its.observe', {
        ...observe({ speedKmh: 44, temperatureC: 4 }),
        cert: chain.cert(c),
      }),
      chain.tx(liar, 'its.observe', {
        ...observe({ speedKmh: 5, congestion: 3 }),
        cert: chain.cert(liar),
      }),
    ];
    chain.block(sends);
    expect(chain.condition('h20')).toMatchObject({
      trips: 4,
      speedMedianKmh: 39, // floor((38 + 41) / 2)
      speedMeanKmh: 32,
      humidityMeanPct: 85,
      temperatureMeanC: 4,
    });
    const window = Math.floor(t0 / windowMs);
    const early = chain.tx(a, 'its.settle', { segment: 'h20', window });
    const refused = chain.block([early]);
    expect(refused.failed.map((f) => f.error?.code)).toEqual(['BAD_REQUEST']);
    chain.time = (window + 1) * windowMs;
    const settle = chain.tx(a, 'its.settle', { segment: 'h20', window });
    const settled = chain.block([settle]);
    expect(settled.failed).toEqual([]);
    expect([a, b, c].map((x) => chain.balance(x))).toEqual([5, 5, 5]);
    expect(chain.balance(liar)).toBe(0);
    expect(chain.balance(provider)).toBe(985);
    expect(chain.its().trips.get(liar.did)).toMatchObject({ rejected: 1, paid: 0 });
    expect(chain.condition('h20')).toMatchObject({ settled: true });
    // A settled window is settled once; a late observation is recorded but not counted.
    chain.time += 1;
    const again = chain.tx(b, 'its.settle', { segment: 'h20', window });
    const d = trip('d');
    const late = chain.tx(d, 'its.observe', { ...observe(), cert: chain.cert(d) }, t0 + 5);
    const after = chain.block([again, late]);
    expect(after.failed.map((f) => f.error?.code)).toEqual(['BAD_REQUEST']);
    expect(chain.verdict(late)).toMatchObject({ status: 'not-counted', reason: 'settled' });
  });

  it('carries the engine rpm of an OBD-II adapter: the window mean over the observations that had one', () => {
    const chain = new Chain();
    const [a, b, c] = ['a', 'b', 'c'].map(trip) as [TestIdentity, TestIdentity, TestIdentity];
    const withRpm = chain.tx(a, 'its.observe', {
      ...observe({ rpm: 1_800 }),
      cert: chain.cert(a),
    });
    chain.block([
      withRpm,
      chain.tx(b, 'its.observe', { ...observe({ rpm: itsEngineRpmMax }), cert: chain.cert(b) }),
      chain.tx(c, 'its.observe', { ...observe(), cert: chain.cert(c) }),
    ]);
    expect(chain.condition('h20')).toMatchObject({
      trips: 3,
      engineRpmMean: Math.round((1_800 + itsEngineRpmMax) / 2),
    });
    expect(chain.verdict(withRpm)).toMatchObject({ status: 'counted', rpm: 1_800 });
    // Without any rpm the segment's summary has no such field at all (encoded as before).
    const d = trip('d');
    chain.block([
      chain.tx(d, 'its.observe', { ...observe({ segment: 'h21' }), cert: chain.cert(d) }),
    ]);
    expect('engineRpmMean' in chain.condition('h21')).toBe(false);
  });

  it('records implausible observations as rejected: speed, jump, time, humidity; three flag the trip', () => {
    const chain = new Chain();
    const a = trip('a');
    chain.time = t0 + 100_000;
    // Admission is judged on the state before the block: a trip's observations in its first
    // block each carry the certificate (the host always attaches it).
    const cert = chain.cert(a);
    const ok = chain.tx(a, 'its.observe', { ...observe({ segment: 'h00' }), cert }, t0 + 90_000);
    const fast = chain.tx(
      a,
      'its.observe',
      { ...observe({ segment: 'h00', speedKmh: 200 }), cert },
      t0 + 91_000,
    );
    const jump = chain.tx(a, 'its.observe', { ...observe({ segment: 'h43' }), cert }, t0 + 95_000);
    const wet = chain.tx(
      a,
      'its.observe',
      { ...observe({ segment: 'h01', humidityPct: 140 }), cert },
      t0 + 96_000,
    );
    const flagged = chain.tx(
      a,
      'its.observe',
      { ...observe({ segment: 'h01' }), cert },
      t0 + 97_000,
    );
    const done = chain.block([ok, fast, jump, wet, flagged]);
    expect(done.failed).toEqual([]);
    expect(done.rejected).toEqual([]);
    expect([ok, fast, jump, wet, flagged].map((tx) => chain.verdict(tx).reason)).toEqual([
      null,
      'speed',
      'jump',
      'humidity',
      'flagged',
    ]);
    const b = trip('b');
    const certB = chain.cert(b);
    const future = chain.tx(b, 'its.observe', { ...observe(), cert: certB }, chain.time + 120_000);
    const counted = chain.tx(b, 'its.observe', { ...observe(), cert: certB }, t0 + 99_500);
    const backwards = chain.tx(b, 'its.observe', { ...observe(), cert: certB }, t0 + 99_000);
    chain.block([future, counted, backwards]);
    expect(chain.verdict(future).reason).toBe('future');
    expect(chain.verdict(backwards).reason).toBe('time-backwards');
    expect(chain.verdict(counted).status).toBe('counted');
    expect(chain.condition('h00')).toMatchObject({ trips: 1, rejected: 1 });
  });

  it('lets the certifying provider revoke a trip (and one not yet seen); others may not', () => {
    const genesis = itsGenesis();
    genesis.validators = [provider, otherProvider].map((v) => ({ did: v.did, power: 1 }));
    genesis.its!.providers.push(otherProvider.did);
    const chain = new Chain(genesis);
    const a = trip('a');
    const ahead = trip('ahead');
    chain.block([chain.tx(a, 'its.observe', { ...observe(), cert: chain.cert(a) })]);
    const wrong = chain.tx(otherProvider, 'its.revoke', { trips: [a.did] });
    const byOutsider = chain.tx(outsider, 'its.revoke', { trips: [a.did] });
    const revoke = chain.tx(provider, 'its.revoke', { trips: [a.did, ahead.did] });
    const done = chain.block([wrong, byOutsider, revoke]);
    expect(done.failed.map((f) => f.error?.code)).toEqual(['UNAUTHORIZED']);
    expect(done.rejected.map((r) => r.error?.code)).toEqual(['NOT_MEMBER']);
    expect(mayWrite(chain.state, a.did)).toBe(false);
    const later = chain.tx(ahead, 'its.observe', { ...observe(), cert: chain.cert(ahead) });
    expect(mayWrite(chain.state, ahead.did, undefined, later)).toBe(false);
  });

  it('refuses every bad input with a typed error naming the field', () => {
    const chain = new Chain();
    const a = trip('a');
    const cases: Array<[unknown, string, RegExp]> = [
      [null, 'MALFORMED', /map/],
      [{ ...observe(), extra: 1 }, 'MALFORMED', /extra/],
      [{ speedKmh: 4, congestion: 0 }, 'BAD_FIELD_TYPE', /segment/],
      [observe({ segment: 'nowhere' }), 'NOT_FOUND', /road network/],
      [observe({ speedKmh: 301 }), 'BAD_FIELD_TYPE', /speedKmh/],
      [observe({ speedKmh: 4.5 }), 'BAD_FIELD_TYPE', /whole/],
      [{ segment: 'h20', congestion: 0 }, 'MISSING_FIELD', /speedKmh/],
      [observe({ congestion: 4 }), 'BAD_FIELD_TYPE', /congestion/],
      [observe({ humidityPct: 'wet' }), 'BAD_FIELD_TYPE', /humidityPct/],
      [observe({ rpm: 16_384 }), 'BAD_FIELD_TYPE', /rpm.*16383 \(itsEngineRpmMax/],
      [observe({ rpm: -1 }), 'BAD_FIELD_TYPE', /rpm.*itsEngineRpmMax/],
      [observe({ rpm: 1800.5 }), 'BAD_FIELD_TYPE', /rpm.*whole/],
      [observe({ rpm: '1800' }), 'BAD_FIELD_TYPE', /rpm.*whole/],
      [observe({ cert: { provider: 'x' } }), 'BAD_CERTIFICATE', /did:key/],
      [observe({ cert: 'x' }), 'BAD_CERTIFICATE', /certificate/],
    ];
    for (const [body, code, message] of cases) {
      const tx = signTx(
        { chain: chain.state.chainId, type: 'its.observe', from: a.did, nonce: 1, time: t0, body },
        a.seed,
      );
      let error: unknown;
      try {
        checkTx(tx);
      } catch (e) {
        error = e;
      }
      expect(error, JSON.stringify(body)).toBeInstanceOf(BotError);
      expect((error as BotError).code, JSON.stringify(body)).toBe(code);
      expect((error as BotError).message).toMatch(message);
    }
    const revokes: Array<[unknown, string]> = [
      [{ trips: [] }, 'BAD_FIELD_TYPE'],
      [{ trips: ['nope'] }, 'BAD_FIELD_TYPE'],
      [{ trips: [a.did, a.did] }, 'BAD_REQUEST'],
      [{ trips: Array.from({ length: 65 }, (_, i) => trip(`${i}`).did) }, 'TOO_LARGE'],
    ];
    for (const [body, code] of revokes) {
      const tx = signTx(
        {
          chain: chain.state.chainId,
          type: 'its.revoke',
          from: provider.did,
          nonce: 1,
          time: t0,
          body,
        },
        provider.seed,
      );
      expect(() => checkTx(tx)).toThrow(expect.objectContaining({ code }));
    }
    // Stateful refusals: fail in the block, change nothing but the nonce.
    const b = trip('b');
    const c = trip('c');
    const e = trip('e');
    const forChain = new Chain();
    const otherChainCert = signTripCertificate(
      'other-chain',
      provider.did,
      provider.seed,
      b.did,
      t0 + 1000,
    );
    const expired = forChain.cert(c, provider, t0 - 1);
    const tooLong = forChain.cert(e, provider, t0 + 30 * 24 * 3_600_000);
    const sends = [
      forChain.tx(b, 'its.observe', { ...observe(), cert: otherChainCert }),
      forChain.tx(c, 'its.observe', { ...observe(), cert: expired }),
      forChain.tx(e, 'its.observe', { ...observe(), cert: tooLong }),
      forChain.tx(provider, 'its.settle', { segment: 'h20', window: Math.floor(t0 / windowMs) }),
    ];
    const done = executeBlock(
      { ...forChain.state, genesis: { ...forChain.state.genesis, mode: 'public' } },
      sends,
      { time: t0, proposer: provider.did, round: 0 },
      false,
    );
    expect(done.failed.map((f) => f.error?.code)).toEqual([
      'BAD_CERTIFICATE',
      'BAD_CERTIFICATE',
      'BAD_CERTIFICATE',
      'NOT_FOUND',
    ]);
    expect([...done.writes.keys()].filter((k) => k.startsWith('its/'))).toEqual([]);
  });

  it('reloads and replays to the same ITS state', () => {
    const chain = new Chain();
    const [a, b] = [trip('a'), trip('b')];
    chain.block([
      chain.tx(a, 'its.observe', { ...observe(), cert: chain.cert(a) }),
      chain.tx(b, 'its.observe', { ...observe({ speedKmh: 48 }), cert: chain.cert(b) }),
    ]);
    chain.time = t0 + 2 * windowMs;
    chain.block([chain.tx(a, 'its.settle', { segment: 'h20', window: Math.floor(t0 / windowMs) })]);
    let replayed = genesisState(chain.genesis).state;
    for (const x of chain.blocks) replayed = replayBlock(replayed, x.block).state;
    expect(replayed.its).toEqual(chain.state.its);
    const entries = new Map(genesisState(chain.genesis).writes);
    for (const x of chain.blocks) for (const [k, v] of x.writes) entries.set(k, v);
    const head = chain.blocks.at(-1)!;
    const loaded = stateFromEntries(chain.genesis, head.block.header, head.hash, entries);
    expect(loaded.its).toEqual(chain.state.its);
    expect(loaded.trie.rootHash()).toEqual(chain.state.trie.rootHash());
  });
});
