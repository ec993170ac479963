// A peer whose first announce reached nobody (it was lost, or went out before the others had
// started) links within seconds, not at its next announce announceIntervalMs later: a starting
// peer announces again after 1, 2, 4 s ... while it wants links (hub.ts start), and an offer
// puts its sender on the ring as an announce does (dialer.ts heard). Virtual time (SimClock):
// the run is the same every time.
import { describe, expect, it } from 'vitest';
import { SimClock } from '../sim/sim-clock';
import { Hub } from './hub';
import { MemoryBus, MemoryDriver } from './memory-driver';
import type { SignalingChannel } from './signaling';
import { rankRefusedTriangle, type TestIdentity } from './testing';

const room = 'ef'.repeat(16);

function start(
  clock: SimClock,
  bus: MemoryBus,
  identity: TestIdentity,
  dropFirstAnnounce = false,
): { hub: Hub; neighbours: () => string[] } {
  let neighbours: string[] = [];
  let dropped = !dropFirstAnnounce;
  const hub = new Hub({
    driver: new MemoryDriver({ clock }),
    clock,
    WebSocket: null,
    broadcastChannel: false,
    defaultRelay: null,
    extraSignaling: (onText) => {
      const channel = bus.channel(onText);
      const lossy: SignalingChannel = {
        ...channel,
        send: (text) => {
          if (!dropped && text.includes('"announce"')) {
            dropped = true;
            return true;
          }
          return channel.send(text);
        },
      };
      return [lossy];
    },
  });
  hub.start(
    {
      did: identity.did,
      sign: identity.sign,
      room,
      validators: [],
      relays: [],
      iceServers: [],
      linksMax: 2,
    },
    { onMessage: () => {}, onNeighbours: (dids) => (neighbours = dids) },
  );
  return { hub, neighbours: () => neighbours };
}

describe('a peer whose first announce went nowhere', () => {
  it('links within seconds with a full triangle whose ranks refuse it', async () => {
    // The triangle's ranks of the newcomer are below their links: only the ring takes it, and
    // only once the triangle hears of it.
    const picked = rankRefusedTriangle(room, 12, 1);
    expect(picked).not.toBeNull();
    const clock = new SimClock(0);
    const bus = new MemoryBus(false, clock);
    const triangle = picked!.triangle.map((identity) => start(clock, bus, identity));
    await clock.run(3_000);
    expect(triangle.map((p) => p.neighbours().length)).toEqual([2, 2, 2]);
    const newcomer = start(clock, bus, picked!.outsiders[0]!, true);
    // Before the change: its next announce at 13 s, the triangle's refresh at 15 s.
    await clock.run(9_000);
    expect(newcomer.neighbours().length).toBeGreaterThanOrEqual(1);
    for (const p of [...triangle, newcomer]) p.hub.stop();
  });
});
