// The signal router's choice of path for an addressed envelope: the addressee's link, else a
// signaling channel it was heard on, else a flood through every neighbour.
import { describe, expect, it } from 'vitest';
import type { Link, LinkTable } from './link';
import { peerSignalTtl } from './limits';
import { MemoryBus } from './memory-driver';
import { SignalRouter } from './signal-router';
import type { SignalEnvelope } from './signaling';
import { testIdentity } from './testing';

const room = 'cd'.repeat(16);

function routerOnBus(bus: MemoryBus, did: string, neighbours: Link[]) {
  const sentOnLinks: Array<{ to: string }> = [];
  const delivered: SignalEnvelope[] = [];
  const links = {
    neighbourLink: (to: string) => neighbours.find((link) => link.did === to) ?? null,
    openLinks: () => neighbours,
  } as unknown as LinkTable;
  const router = new SignalRouter(
    {
      WebSocket: null,
      broadcastChannel: false,
      defaultRelay: null,
      extraSignaling: (onText) => [bus.channel(onText)],
    },
    {
      me: () => ({ did, room }),
      links,
      send: (link) => {
        sentOnLinks.push({ to: link.did });
        return true;
      },
      log: () => {},
      deliver: (envelope) => delivered.push(envelope),
      onRelayOpen: () => {},
    },
  );
  router.open(room, did, []);
  return { router, sentOnLinks, delivered };
}

const envelope = (from: string, to: string | undefined, id: string): SignalEnvelope => ({
  v: 1,
  kind: 'announce',
  room,
  from,
  id,
  ttl: peerSignalTtl,
  ...(to ? { to } : {}),
});

describe('signal router', () => {
  it('sends an envelope for a peer heard on an open signaling channel on that channel alone, and floods through its neighbours one for a peer not heard there', async () => {
    const bus = new MemoryBus(true);
    const [a, c, far] = [testIdentity().did, testIdentity().did, testIdentity().did];
    const neighbours = [testIdentity().did, testIdentity().did].map(
      (did) => ({ did }) as unknown as Link,
    );
    const atA = routerOnBus(bus, a, neighbours);
    const atC = routerOnBus(bus, c, []);
    atC.router.emit(envelope(c, undefined, 'c0000001')); // C announces on the bus
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(atA.delivered.map((e) => e.from)).toEqual([c]);

    atA.router.emit(envelope(a, c, 'a0000001')); // a reply to C's announce
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(atC.delivered.map((e) => e.id)).toEqual(['a0000001']);
    // C shares the bus with A: no copy went through A's neighbours.
    expect(atA.sentOnLinks).toEqual([]);

    atA.router.emit(envelope(a, far, 'a0000002')); // a peer A never heard on the bus
    expect(atA.sentOnLinks.map((s) => s.to)).toEqual(neighbours.map((link) => link.did));
  });
});
