// One behaviour suite every PeerNet passes (issue 13 item 5): the hub over the memory driver
// and signaling bus (worker/net/hub.ts) and the host tests' memory net (worker/host/memory-net.ts).
// What the host relies on: neighbours are reported, messages arrive whole and once from a
// proven did, broadcasts reach everyone else once, drops and leaves are seen, and a peer that
// comes back with the same identity is a neighbour again.
import { afterEach, describe, expect, it } from 'vitest';
import { testIdentity } from './testing';
import type { PeerNet } from './types';

export interface PeerNetWorld {
  /** A new, not yet started PeerNet in this world. */
  create(): PeerNet;
  /** Release what the world holds (after every net is stopped). */
  close?(): void;
}

interface Member {
  net: PeerNet;
  did: string;
  identity: ReturnType<typeof testIdentity>;
  received: Array<{ from: string; bytes: number[] }>;
  neighbours(): string[];
}

async function until(condition: () => boolean, what: string, timeoutMs = 8_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 200));

export function peerNetSuite(name: string, makeWorld: () => PeerNetWorld): void {
  describe(`PeerNet contract: ${name}`, () => {
    const started: PeerNet[] = [];
    let world: PeerNetWorld | null = null;

    afterEach(() => {
      for (const net of started.splice(0)) net.stop();
      world?.close?.();
      world = null;
    });

    function join(
      room: string,
      identity = testIdentity(),
      net = (world ??= makeWorld()).create(),
    ): Member {
      const received: Member['received'] = [];
      let neighbours: string[] = [];
      net.start(
        {
          did: identity.did,
          sign: identity.sign,
          room,
          validators: [],
          relays: [],
          iceServers: [],
        },
        {
          onMessage: (from, bytes) => received.push({ from, bytes: [...bytes] }),
          onNeighbours: (dids) => (neighbours = [...dids]),
        },
      );
      started.push(net);
      return { net, did: identity.did, identity, received, neighbours: () => neighbours };
    }

    const room = 'cd'.repeat(16);
    const meshed = (members: Member[]) => () =>
      members.every((m) => members.every((o) => o === m || m.neighbours().includes(o.did)));

    it('reports the peers of its room as neighbours, and names them in its view', async () => {
      const members = [join(room), join(room), join(room)];
      await until(meshed(members), 'a full mesh');
      const view = members[0]!.net.view();
      expect(view.did).toBe(members[0]!.did);
      expect(view.room).toBe(room);
      expect(
        view.neighbours
          .filter((n) => n.state === 'open')
          .map((n) => n.did)
          .sort(),
      ).toEqual([members[1]!.did, members[2]!.did].sort());
    });

    it('keeps rooms apart', async () => {
      const [a, b] = [join(room), join(room)];
      const other = join('ef'.repeat(16));
      await until(meshed([a, b]), 'a link in the room');
      await settle();
      expect(a.neighbours()).toEqual([b.did]);
      expect(other.neighbours()).toEqual([]);
      expect(a.net.send(other.did, Uint8Array.of(1))).toBe(false);
    });

    it('delivers a sent message whole and once, from the sender; sending to a stranger is false', async () => {
      const [a, b] = [join(room), join(room)];
      await until(meshed([a, b]), 'a link');
      const big = Array.from({ length: 200_000 }, (_, i) => i % 251);
      expect(a.net.send(b.did, Uint8Array.from(big))).toBe(true);
      expect(a.net.send(b.did, Uint8Array.of(9))).toBe(true);
      await until(() => b.received.length === 2, 'the messages');
      await settle();
      expect(b.received).toEqual([
        { from: a.did, bytes: big },
        { from: a.did, bytes: [9] },
      ]);
      expect(a.net.send(testIdentity().did, Uint8Array.of(1))).toBe(false);
    });

    it('delivers a broadcast to every other peer once, and not to the sender', async () => {
      const members = [join(room), join(room), join(room), join(room)];
      await until(meshed(members), 'a full mesh of four');
      members[0]!.net.broadcast(Uint8Array.of(42));
      await until(() => members.slice(1).every((m) => m.received.length === 1), 'the broadcast');
      await settle();
      expect(members.map((m) => m.received.map((r) => r.bytes))).toEqual([
        [],
        [[42]],
        [[42]],
        [[42]],
      ]);
    });

    it('drops a peer: it is no neighbour any more and cannot be sent to', async () => {
      const [a, b, c] = [join(room), join(room), join(room)];
      await until(meshed([a, b, c]), 'a full mesh');
      a.net.drop(b.did, 'it sent an invalid block');
      await until(() => !a.neighbours().includes(b.did), 'the drop');
      expect(a.net.send(b.did, Uint8Array.of(1))).toBe(false);
      await settle();
      expect(a.neighbours()).toEqual([c.did]);
      expect(a.net.send(c.did, Uint8Array.of(2))).toBe(true);
    });

    it('a stopped peer leaves its neighbours; back with the same identity, it is a neighbour again and carries messages', async () => {
      const [a, b] = [join(room), join(room)];
      await until(meshed([a, b]), 'a link');
      b.net.stop();
      await until(() => a.neighbours().length === 0, 'the leave');
      const back = join(room, b.identity);
      await until(meshed([a, back]), 'the link back');
      expect(a.net.send(back.did, Uint8Array.of(3))).toBe(true);
      await until(() => back.received.length === 1, 'a message to the returned peer');
      expect(back.received[0]).toEqual({ from: a.did, bytes: [3] });
    });
  });
}
