// The ITS state in memory as the chain grows (issue 20): a block's finish copies only the
// windows and trips it touched (the state before it stays as it was and shares the rest), the
// settled windows that ended more than itsWindowKeepMs ago are forgotten exactly as a scan of
// every window would forget them, and the state rebuilt from stored entries (itsFromEntries, a
// reload) equals the state built block by block at every height.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { executeBlock, genesisState, type ChainState, type Genesis } from '../../ledger';
import { bftGenesis, testIdentity, type TestIdentity } from '../../testing';
import { signTx, type Tx } from '../../tx';
import {
  decodeWindow,
  demoTownNetwork,
  forgottenThroughAt,
  itsFromEntries,
  itsWindowMsMax,
  itsWindowMsMin,
  itsWindowKeepMs,
  itsWindowPrefix,
  signTripCertificate,
  type ItsState,
} from '.';

const provider = testIdentity('its memory provider');
const t0 = 1_700_000_000_000;
const windowMs = 60_000;
const segments = demoTownNetwork.segments.slice(0, 20).map((s) => s.id);
const genesis: Genesis = {
  ...bftGenesis('its-memory', [provider], 'consortium'),
  time: t0,
  its: { providers: [provider.did], windowMs, corroborationMin: 2 },
};

class Chain {
  state: ChainState = genesisState(genesis).state;
  /** Every state entry written so far, the latest per key (what a store holds). */
  readonly entries = new Map(genesisState(genesis).writes);
  providerNonce = 0;
  trips = 0;

  /** A new trip's first observation, on `segment` at `time`. */
  observe(segment: string, time: number, speedKmh = 40): Tx {
    const trip: TestIdentity = testIdentity(`its memory trip ${this.trips++}`);
    const cert = signTripCertificate(
      this.state.chainId,
      provider.did,
      provider.seed,
      trip.did,
      time + 3_600_000,
    );
    return signTx(
      {
        chain: this.state.chainId,
        type: 'its.observe',
        from: trip.did,
        nonce: 1,
        time,
        body: { cert, segment, speedKmh, congestion: 1 },
      },
      trip.seed,
    );
  }

  settle(segment: string, window: number, time: number): Tx {
    this.providerNonce += 1;
    return signTx(
      {
        chain: this.state.chainId,
        type: 'its.settle',
        from: provider.did,
        nonce: this.providerNonce,
        time,
        body: { segment, window },
      },
      provider.seed,
    );
  }

  block(txs: Tx[], time: number): { before: ItsState; after: ItsState } {
    const before = this.its();
    const done = executeBlock(this.state, txs, { time, proposer: provider.did, round: 0 }, false);
    expect(done.failed.concat(done.rejected).map((f) => f.error?.message)).toEqual([]);
    this.state = done.state;
    for (const [key, value] of done.writes) this.entries.set(key, value);
    return { before, after: this.its() };
  }

  its(): ItsState {
    return this.state.its as ItsState;
  }

  /** The ITS state a reloaded peer rebuilds from the stored entries. */
  reloaded(): ItsState {
    const its = [...this.entries].filter(([key]) => key.startsWith('its/'));
    return itsFromEntries(its, genesis);
  }
}

/** Every window's keys and values, sorted: a deep copy to compare with later. */
const contents = (its: ItsState) =>
  structuredClone({
    windows: [...its.windows].sort(([a], [b]) => (a < b ? -1 : 1)),
    trips: [...its.trips].sort(([a], [b]) => (a < b ? -1 : 1)),
    latest: [...its.latest].sort(([a], [b]) => (a < b ? -1 : 1)),
  });

/** Two trips on each of the first `count` segments in the block at `time`. */
const busyBlock = (chain: Chain, time: number, count = segments.length) =>
  segments
    .slice(0, count)
    .flatMap((segment) => [chain.observe(segment, time), chain.observe(segment, time + 1)]);

describe('ITS state in memory', () => {
  it('copies only what a block touched, and leaves the state before it as it was', () => {
    const chain = new Chain();
    for (let i = 0; i < 6; i++) {
      const time = t0 + i * windowMs;
      chain.block(busyBlock(chain, time, 10), time);
      expect(chain.reloaded()).toEqual(chain.its());
    }
    expect(chain.its().windows.size).toBe(6 * 10);
    expect(chain.its().trips.size).toBe(6 * 2 * 10);
    const time = t0 + 6 * windowMs;
    const beforeContents = contents(chain.its());
    const { before, after } = chain.block([chain.observe('h20', time)], time);
    // One window, one trip and one latest entry changed: one path of the trie each (at most 7
    // nodes); a copy of every map would be over a hundred.
    expect(after.windows.nodesNotSharedWith(before.windows)).toBeLessThanOrEqual(7);
    expect(after.trips.nodesNotSharedWith(before.trips)).toBeLessThanOrEqual(7);
    expect(after.latest.nodesNotSharedWith(before.latest)).toBeLessThanOrEqual(7);
    expect(contents(before)).toEqual(beforeContents);
    expect(after.windows.size).toBe(before.windows.size + 1);
    expect(after.trips.size).toBe(before.trips.size + 1);
    expect(chain.reloaded()).toEqual(after);
  });

  it('forgets the settled windows that ended long ago as a scan of every window would, and a reload agrees', () => {
    const chain = new Chain();
    const w0 = Math.floor(t0 / windowMs);
    for (let i = 0; i < 4; i++) {
      const time = (w0 + i) * windowMs;
      chain.block(busyBlock(chain, time), time);
    }
    // Settle the first three windows of half of the segments (the rest stay open: never forgotten).
    let time = (w0 + 5) * windowMs;
    for (let i = 0; i < 3; i++) {
      const settles = segments.slice(0, 10).map((s) => chain.settle(s, w0 + i, time));
      chain.block(settles, time);
      expect(chain.reloaded()).toEqual(chain.its());
      time += 1_000;
    }
    const settledCount = (its: ItsState) =>
      [...its.windows.values()].filter((w) => w.settledAt >= 0).length;
    expect(settledCount(chain.its())).toBe(30);
    // A block each minute from the moment the first window expires: window by window, they go.
    const firstExpiry = (w0 + 1) * windowMs + itsWindowKeepMs;
    const expected: number[] = [];
    const seen: number[] = [];
    for (let i = 0; i < 5; i++) {
      time = firstExpiry + i * windowMs + 1;
      chain.block([chain.observe('v20', time)], time);
      // The windows a scan of every stored window keeps: all but the settled ones that ended
      // more than itsWindowKeepMs before the block.
      const kept = [...chain.entries]
        .filter(([key]) => key.startsWith(itsWindowPrefix))
        .map(([key, bytes]) => [key.slice(itsWindowPrefix.length), decodeWindow(bytes)] as const)
        .filter(
          ([, w]) => !(w.settledAt >= 0 && (w.window + 1) * windowMs + itsWindowKeepMs < time),
        )
        .map(([key]) => key)
        .sort();
      expect([...chain.its().windows.keys()].sort()).toEqual(kept);
      expect(chain.reloaded()).toEqual(chain.its());
      expected.push(Math.max(0, 30 - 10 * (i + 1)));
      seen.push(settledCount(chain.its()));
    }
    expect(seen).toEqual(expected);
    // The open windows (one trip, or not settled) stay; the forgotten ones left the index too.
    expect(chain.its().settledByWindow.size).toBe(0);
    expect(chain.its().windows.size).toBe(4 * segments.length - 30 + 5);
  });

  it('forgets a window exactly when its end is more than itsWindowKeepMs before the block (the old rule)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: itsWindowMsMin, max: itsWindowMsMax }),
        fc.integer({ min: 0, max: 2 ** 28 }),
        // Around a window's end, where an off-by-one would show, and anywhere.
        fc.oneof(fc.integer({ min: -2, max: 2 }), fc.integer({ min: 0, max: itsWindowMsMax })),
        fc.integer({ min: -3, max: 3 }),
        (windowMs, windows, delta, offset) => {
          const time = itsWindowKeepMs + windows * windowMs + delta;
          const through = forgottenThroughAt(time, windowMs);
          const window = through + offset;
          const oldRule = (window + 1) * windowMs + itsWindowKeepMs < time;
          expect(window <= through).toBe(oldRule);
        },
      ),
      { numRuns: 2_000, seed: 20 },
    );
  });
});
