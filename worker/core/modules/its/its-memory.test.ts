// The ITS state in memory as the chain grows (issue 20): a block's finish copies only the
// windows and trips it touched (the state before it stays as it was and shares the rest), the
// windows (settled or not) that ended more than itsWindowKeepMs ago are forgotten exactly as a
// scan of every window would forget them (and can no longer be settled), settlement reads only
// the index of corroborated unsettled windows, and the state rebuilt from stored entries (itsFromEntries, a
// reload) equals the state built block by block at every height.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { executeBlock, genesisState, type ChainState, type Genesis } from '../../ledger';
import { bftGenesis, testIdentity, type TestIdentity } from '../../testing';
import { signTx, type Tx } from '../../tx';
import {
  decodeWindow,
  demoTownNetwork,
  dueWindows,
  forgottenThroughAt,
  itsClockSkewMaxMs,
  itsFromEntries,
  itsTripPrefix,
  decodeTrip,
  itsWindowMsMax,
  itsWindowMsMin,
  itsWindowKeepMs,
  itsWindowPrefix,
  signTripCertificate,
  type ItsState,
} from '.';
import { lastWindowOf } from './trip-memory';

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
    return this.observeAs(trip, segment, time, speedKmh);
  }

  /**
   * An observation of `trip` at `time`: nonce 1 and a certificate valid for an hour unless told
   * (`expires` null: no certificate).
   */
  observeAs(
    trip: TestIdentity,
    segment: string,
    time: number,
    speedKmh = 40,
    options: { nonce?: number; expires?: number | null } = {},
  ): Tx {
    const { nonce = 1, expires = time + 3_600_000 } = options;
    const cert =
      expires === null
        ? {}
        : {
            cert: signTripCertificate(
              this.state.chainId,
              provider.did,
              provider.seed,
              trip.did,
              expires,
            ),
          };
    return signTx(
      {
        chain: this.state.chainId,
        type: 'its.observe',
        from: trip.did,
        nonce,
        time,
        body: { ...cert, segment, speedKmh, congestion: 1 },
      },
      trip.seed,
    );
  }

  settle(segment: string, window: number, time: number): Tx {
    return this.byProvider('its.settle', { segment, window }, time);
  }

  byProvider(type: string, body: unknown, time: number): Tx {
    this.providerNonce += 1;
    return signTx(
      {
        chain: this.state.chainId,
        type,
        from: provider.did,
        nonce: this.providerNonce,
        time,
        body,
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

/** The keys of the unsettled windows in memory with at least two trips, by a scan of them all. */
const corroboratedByScan = (its: ItsState) =>
  [...its.windows]
    .filter(([, w]) => w.settledAt < 0 && w.samples.length >= 2)
    .map(([key]) => key)
    .sort();

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

  it('forgets every window that ended long ago, settled or not, as a scan of every window would, and a reload agrees', () => {
    const chain = new Chain();
    const w0 = Math.floor(t0 / windowMs);
    for (let i = 0; i < 4; i++) {
      const time = (w0 + i) * windowMs;
      chain.block(busyBlock(chain, time), time);
    }
    // Settle the first three windows of half of the segments (the rest stay unsettled).
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
    expect(chain.its().windows.size).toBe(4 * segments.length);
    // A block each minute from the moment the first window expires: window by window, they go,
    // the unsettled ones with the settled ones.
    const firstExpiry = (w0 + 1) * windowMs + itsWindowKeepMs;
    const seen: number[] = [];
    for (let i = 0; i < 5; i++) {
      time = firstExpiry + i * windowMs + 1;
      chain.block([chain.observe('v20', time)], time);
      // The windows a scan of every stored window keeps: all but those that ended more than
      // itsWindowKeepMs before the block.
      const kept = [...chain.entries]
        .filter(([key]) => key.startsWith(itsWindowPrefix))
        .map(([key, bytes]) => [key.slice(itsWindowPrefix.length), decodeWindow(bytes)] as const)
        .filter(([, w]) => !((w.window + 1) * windowMs + itsWindowKeepMs < time))
        .map(([key]) => key)
        .sort();
      expect([...chain.its().windows.keys()].sort()).toEqual(kept);
      expect([...chain.its().corroborated.keys()].sort()).toEqual(corroboratedByScan(chain.its()));
      expect(chain.reloaded()).toEqual(chain.its());
      seen.push(chain.its().windows.size);
    }
    // Each minute one window number (20 segments) goes and one v20 window comes.
    expect(seen).toEqual([61, 42, 23, 4, 5]);
    expect(chain.its().byWindow.size).toBe(5);
    expect(chain.its().corroborated.size).toBe(0);
  });

  it('forgets a trip with the last window its samples can be in, as a scan of every trip would, keeps trips revoked ahead, and a reload agrees', () => {
    const chain = new Chain();
    const w0 = Math.floor(t0 / windowMs);
    let time = w0 * windowMs;
    const [a, b] = [testIdentity('its memory old trip a'), testIdentity('its memory old trip b')];
    const ahead = testIdentity('its memory trip revoked ahead');
    const expires = time + 3_600_000;
    chain.block(
      [
        chain.observeAs(a, 'h20', time),
        chain.observeAs(b, 'h20', time + 1),
        chain.byProvider('its.revoke', { trips: [ahead.did] }, time),
      ],
      time,
    );
    // Its samples are at most itsClockSkewMaxMs ahead of a block before its expiry.
    const last = lastWindowOf(chain.its().trips.get(a.did)!, windowMs);
    expect(last).toBe(Math.floor((expires + itsClockSkewMaxMs) / windowMs));
    // Kept up to the block at the end of that window's keep, forgotten one millisecond later.
    const lastChance = (last + 1) * windowMs + itsWindowKeepMs;
    chain.block([chain.observe('v20', lastChance)], lastChance);
    expect(chain.its().trips.has(a.did)).toBe(true);
    expect(chain.reloaded()).toEqual(chain.its());
    time = lastChance + 1;
    chain.block([chain.observe('v20', time)], time);
    expect([a, b].map((t) => chain.its().trips.has(t.did))).toEqual([false, false]);
    expect(chain.its().trips.get(ahead.did)).toMatchObject({ revoked: true, expires: 0 });
    expect(chain.reloaded()).toEqual(chain.its());
    // A forgotten trip sends nothing: without a certificate it is no member (left out of the
    // block), with its certificate it has expired, as before.
    const bare = chain.observeAs(a, 'h20', time, 40, { nonce: 2, expires: null });
    const again = chain.observeAs(b, 'h20', time, 40, { nonce: 2, expires });
    const refused = executeBlock(
      chain.state,
      [bare, again],
      { time, proposer: provider.did, round: 0 },
      false,
    );
    expect(refused.rejected.map((f) => f.error?.code)).toEqual(['NOT_MEMBER']);
    expect(refused.failed.map((f) => f.error?.code)).toEqual(['BAD_CERTIFICATE']);
    // Thirty hours of a block an hour with five new trips: memory holds the last 26 hours' (the
    // hour of a certificate, the skew, the 24 h keep), the trips a scan of every stored trip
    // keeps, not every trip the chain saw.
    const keptByScan = () =>
      [...chain.entries]
        .filter(([key]) => key.startsWith(itsTripPrefix))
        .map(([key, bytes]) => [key.slice(itsTripPrefix.length), decodeTrip(bytes)] as const)
        .filter(
          ([, trip]) =>
            trip.expires === 0 || lastWindowOf(trip, windowMs) > forgottenThroughAt(time, windowMs),
        )
        .map(([did]) => did)
        .sort();
    for (let hour = 1; hour <= 30; hour++) {
      time = lastChance + 1 + hour * 3_600_000;
      chain.block(
        segments.slice(0, 5).map((segment) => chain.observe(segment, time)),
        time,
      );
      expect([...chain.its().trips.keys()].sort()).toEqual(keptByScan());
      if (hour % 10 === 0) expect(chain.reloaded()).toEqual(chain.its());
    }
    expect(chain.trips).toBe(2 + 30 * 5);
    expect(chain.its().trips.size).toBe(26 * 5 + 1);
  });

  it('keeps the corroborated unsettled windows indexed, and settlement reads only them', () => {
    const chain = new Chain();
    const w0 = Math.floor(t0 / windowMs);
    // Window w0: two trips on 10 segments, one trip on 10 others; w0 + 1: two trips on 5.
    let time = w0 * windowMs;
    chain.block(
      [...busyBlock(chain, time, 10), ...segments.slice(10).map((s) => chain.observe(s, time + 2))],
      time,
    );
    time = (w0 + 1) * windowMs;
    chain.block(busyBlock(chain, time, 5), time);
    const its = () => chain.its();
    expect([...its().corroborated.keys()].sort()).toEqual(corroboratedByScan(its()));
    expect(its().corroborated.size).toBe(15);
    const settings = { windowMs, corroborationMin: 2 };
    // Halfway through w0 + 1, w0's ten corroborated windows are due (w0 + 1 is not over): the
    // windows are found without iterating the window map (it throws here).
    const unreadable = {
      ...its(),
      windows: Object.assign(Object.create(its().windows), {
        values: () => {
          throw new Error('the window map was scanned');
        },
        [Symbol.iterator]: () => {
          throw new Error('the window map was scanned');
        },
      }),
    } as ItsState;
    time = (w0 + 1) * windowMs + windowMs / 2;
    const due = dueWindows(unreadable, settings, time, 64);
    expect(due.map((w) => `${w.segment}/${w.window}`).sort()).toEqual(
      segments
        .slice(0, 10)
        .map((s) => `${s}/${w0}`)
        .sort(),
    );
    expect(dueWindows(its(), settings, time, 4)).toHaveLength(4);
    // Settled, they leave the index; w0 + 1's five stay until settled too.
    chain.block(
      due.map((w) => chain.settle(w.segment, w.window, time)),
      time,
    );
    expect(its().corroborated.size).toBe(5);
    expect([...its().corroborated.keys()].sort()).toEqual(corroboratedByScan(its()));
    expect(dueWindows(its(), settings, time + windowMs, 64)).toHaveLength(5);
    expect(chain.reloaded()).toEqual(its());
    // A policy asking for one trip (fewer than the genesis's two) reads every window.
    expect(dueWindows(its(), { windowMs, corroborationMin: 1 }, time + windowMs, 64)).toHaveLength(
      15,
    );
  });

  it('refuses to settle a window past its keep, whatever memory holds', () => {
    const chain = new Chain();
    const w0 = Math.floor(t0 / windowMs);
    chain.block(busyBlock(chain, w0 * windowMs, 1), w0 * windowMs);
    const segment = segments[0]!;
    // The block right at the keep's end may still settle it; one millisecond later may not.
    const lastChance = (w0 + 1) * windowMs + itsWindowKeepMs;
    const refused = executeBlock(
      chain.state,
      [chain.settle(segment, w0, lastChance + 1)],
      { time: lastChance + 1, proposer: provider.did, round: 0 },
      false,
    );
    expect(refused.failed.concat(refused.rejected).map((f) => f.error?.code)).toEqual([
      'BAD_REQUEST',
    ]);
    expect(String(refused.failed.concat(refused.rejected)[0]?.error?.message)).toContain(
      'can no longer be settled',
    );
    chain.providerNonce -= 1;
    chain.block([chain.settle(segment, w0, lastChance)], lastChance);
    expect(chain.its().windows.get(`${segment}/${w0}`)?.settledAt).toBeGreaterThan(0);
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
