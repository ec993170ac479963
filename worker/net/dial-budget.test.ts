// Issue 19, the gossip reach fault: at 100 peers with 50 validators five validators got about
// 100 of 1,800 gossip messages. Traced (BENCHMARKS.md "five validators outside the gossip,
// traced"): every validator dials the fellow validators whose did is larger than its own, up
// to linksConnectingMax at once, and an offer that comes while that budget is full is ignored.
// Validators whose budgets were full of dials to one another each waited dialAnswerTimeoutMs
// (5 s) on offers the others ignored, with no link at all meanwhile. And every peer heard the
// room's announces in the same order and dialed the first ones heard, so the same few peers got
// nearly every first offer. Now at most linksDialingMax of the budget are our own dials (the
// rest answers offers), and peers heard in one burst, or waiting for room, are dialed highest
// link rank first (a hash of the pair: each peer's order differs). Either change alone leaves
// validators without a link at 2 s (3 and 6 of 40). 40 validators start at once on virtual time
// (SimClock, seeded identities and link ids): the run is the same every time.
import { afterEach, describe, expect, it } from 'vitest';
import { didFromPublicKey } from '../core/crypto/did';
import { publicKeyFromSeed, signSync } from '../core/crypto/ed25519';
import { Random } from '../sim/prng';
import { SimClock } from '../sim/sim-clock';
import { Hub } from './hub';
import * as limits from './limits';
import { MemoryBus, MemoryDriver } from './memory-driver';
import { setNetRandomness } from './names';

const room = 'd1'.repeat(16);

afterEach(() => setNetRandomness(null));

describe('dials and offers share the connecting budget', () => {
  it('40 validators starting at once each hold links within 2 s, below the 5 s an ignored offer costs', async () => {
    const random = new Random(19);
    setNetRandomness((length) => random.bytes(length));
    const clock = new SimClock(0);
    const bus = new MemoryBus(false, clock);
    const seeds = Array.from({ length: 40 }, () => random.bytes(32));
    const dids = seeds.map((seed) => didFromPublicKey(publicKeyFromSeed(seed)));
    const neighbours = dids.map(() => [] as string[]);
    const hubs = seeds.map((seed, i) => {
      const hub = new Hub({
        driver: new MemoryDriver({ clock, delayMs: () => random.int(1, 30) }),
        clock,
        WebSocket: null,
        broadcastChannel: false,
        defaultRelay: null,
        extraSignaling: (onText) => [bus.channel(onText)],
      });
      hub.start(
        {
          did: dids[i]!,
          sign: async (message) => signSync(seed, message),
          room,
          validators: dids,
          relays: [],
          iceServers: [],
          linksMax: 8,
        },
        { onMessage: () => {}, onNeighbours: (linked) => (neighbours[i] = linked) },
      );
      return hub;
    });
    // With every place taken by dials, a validator in the middle of the did order dialed 16
    // larger dids whose budgets were as full: no answer before dialAnswerTimeoutMs.
    expect(limits.dialAnswerTimeoutMs).toBeGreaterThan(2_000);
    await clock.run(2_000);
    const counts = neighbours.map((linked) => linked.length);
    for (const hub of hubs) hub.stop();
    expect(Math.min(...counts)).toBeGreaterThanOrEqual(8);
  });
});
