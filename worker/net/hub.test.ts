// The hub's logic over the in-memory driver and signaling buses: discovery, the handshake,
// framing, gossip, peer-relayed signaling, and what happens to bad peers.
import { afterEach, describe, expect, it } from 'vitest';
import { concatBytes, equalBytes } from '../core/bytes';
import { testIdentity } from './testing';
import { realClock, type Clock } from './clock';
import { Hub, type HubOptions } from './hub';
import {
  chunkBytesMax,
  dialAnswerTimeoutMs,
  frameBytesMax,
  linkSilenceMsMax,
  resumeGapMs,
} from './limits';
import { MemoryBus, MemoryDriver } from './memory-driver';
import type { SignalingChannel } from './signaling';
import { encodeFrame, peerTag } from './wire';

const room = 'ab'.repeat(16);
const started: Hub[] = [];

afterEach(() => {
  for (const hub of started.splice(0)) hub.stop();
});

function peer(
  buses: MemoryBus[],
  options: {
    identity?: ReturnType<typeof testIdentity>;
    hooks?: Partial<HubOptions>;
    validators?: string[];
  } = {},
) {
  const identity = options.identity ?? testIdentity();
  const driver = new MemoryDriver();
  const hub = new Hub({
    driver,
    WebSocket: null,
    broadcastChannel: false,
    defaultRelay: null,
    extraSignaling: (onText) => buses.map((bus) => bus.channel(onText)),
    ...options.hooks,
  });
  const received: Array<{ from: string; bytes: Uint8Array }> = [];
  const logs: string[] = [];
  let neighbours: string[] = [];
  hub.start(
    {
      did: identity.did,
      sign: identity.sign,
      room,
      validators: options.validators ?? [],
      relays: [],
      iceServers: [],
    },
    {
      onMessage: (from, bytes) => received.push({ from, bytes: bytes.slice() }),
      onNeighbours: (dids) => (neighbours = dids),
      onLog: (_level, message) => logs.push(message),
    },
  );
  started.push(hub);
  return { hub, driver, did: identity.did, received, logs, neighbours: () => neighbours };
}

async function until(condition: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('hub', () => {
  it('links three peers with mutual authentication and carries direct and gossip messages', async () => {
    const bus = new MemoryBus();
    const [a, b, c] = [peer([bus]), peer([bus]), peer([bus])];
    await until(() => [a, b, c].every((p) => p.neighbours().length === 2), 'a full mesh');
    expect(a.neighbours().sort()).toEqual([b.did, c.did].sort());

    const big = new Uint8Array(3 * 1024 * 1024 + 17).map((_, i) => i % 251);
    expect(a.hub.send(b.did, big)).toBe(true);
    await until(() => b.received.length === 1, 'the big message');
    expect(b.received[0]!.from).toBe(a.did);
    expect(equalBytes(b.received[0]!.bytes, big)).toBe(true);
    expect(a.driver.chunkBytesSeenMax).toBeLessThanOrEqual(chunkBytesMax);
    expect(a.hub.send(c.did, new Uint8Array(frameBytesMax))).toBe(false);
    expect(a.hub.send('did:key:z6MkNobody', Uint8Array.of(1))).toBe(false);

    a.hub.broadcast(Uint8Array.of(42));
    await until(() => c.received.length === 1 && b.received.length === 2, 'the gossip');
    await new Promise((resolve) => setTimeout(resolve, 100));
    // C hears it from A only (the frame names B as covered, so B does not forward it); delivered
    // once. A never gets its own back.
    expect(c.received.map((m) => [...m.bytes])).toEqual([[42]]);
    expect(b.received).toHaveLength(2);
    expect(a.received).toHaveLength(0);

    const view = a.hub.view();
    expect(view.room).toBe(room);
    expect(view.neighbours.map((n) => n.state)).toEqual(['open', 'open']);
    expect(view.neighbours[0]!.via).toBe('broadcast-channel');
    await until(
      () => a.hub.view().neighbours.every((n) => n.rttMs !== null),
      'round-trip times',
      4_000,
    );
  });

  it('carries a burst of small messages in order, in far fewer data-channel messages', async () => {
    const bus = new MemoryBus();
    const [a, b] = [peer([bus]), peer([bus])];
    await until(() => a.neighbours().length === 1 && b.neighbours().length === 1, 'a link');
    const before = a.driver.chunksSent;
    // 500 messages of 200 bytes (a vote or a gossiped transaction each) sent at once.
    for (let i = 0; i < 500; i++)
      expect(
        a.hub.send(
          b.did,
          new Uint8Array(200)
            .fill(7)
            .fill(i & 255, 0, 1)
            .fill(i >> 8, 1, 2),
        ),
      ).toBe(true);
    await until(() => b.received.length === 500, 'the burst');
    expect(b.received.map((m) => m.bytes[0]! + m.bytes[1]! * 256)).toEqual([...Array(500).keys()]);
    expect(a.driver.chunksSent - before).toBeLessThan(100);
  });

  it('honours the gossip TTL', async () => {
    const bus = new MemoryBus();
    const [a, b, c] = [peer([bus]), peer([bus]), peer([bus])];
    await until(() => [a, b, c].every((p) => p.neighbours().length === 2), 'a full mesh');
    const gossip = (ttl: number, tag: number) =>
      encodeFrame({
        type: 'gossip',
        ttl,
        id: new Uint8Array(16).fill(tag),
        covered: new Uint8Array(0),
        payload: Uint8Array.of(tag),
      });
    a.hub.sendRawFrame(b.did, gossip(1, 1)); // last hop: B keeps it
    a.hub.sendRawFrame(b.did, gossip(2, 2)); // B forwards it to C
    await until(() => b.received.length === 2 && c.received.length === 1, 'gossip delivery');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(c.received.map((m) => m.bytes[0])).toEqual([2]);
  });

  it('sends a broadcast over each link of a full mesh once, with no duplicate copies', async () => {
    const bus = new MemoryBus();
    const peers = [peer([bus]), peer([bus]), peer([bus]), peer([bus])];
    await until(() => peers.every((p) => p.neighbours().length === 3), 'a full mesh of four');
    const before = peers.map((p) => p.hub.gossipCounters());
    for (let i = 0; i < 20; i++) peers[i % 4]!.hub.broadcast(Uint8Array.of(i));
    await until(() => peers.every((p) => p.received.length === 15), 'the broadcasts');
    await new Promise((resolve) => setTimeout(resolve, 100));
    for (const [i, p] of peers.entries()) {
      const after = p.hub.gossipCounters();
      // Each peer hears each of the other peers' 5 broadcasts exactly once: from its origin.
      expect(after.gossipIn - before[i]!.gossipIn).toBe(15);
      expect(after.gossipDuplicates - before[i]!.gossipDuplicates).toBe(0);
      expect(p.received.map((m) => m.bytes[0]).sort((x, y) => x! - y!)).toEqual(
        [...Array(20).keys()].filter((n) => n % 4 !== i),
      );
    }
  });

  it('forwards gossip only to neighbours its covered list does not name', async () => {
    const bus = new MemoryBus();
    const [a, b, c] = [peer([bus]), peer([bus]), peer([bus])];
    await until(() => [a, b, c].every((p) => p.neighbours().length === 2), 'a full mesh');
    const gossip = (tag: number, covered: string[]) =>
      encodeFrame({
        type: 'gossip',
        ttl: 3,
        id: new Uint8Array(16).fill(tag),
        covered: concatBytes(...covered.map(peerTag)),
        payload: Uint8Array.of(tag),
      });
    a.hub.sendRawFrame(b.did, gossip(1, [a.did, b.did, c.did])); // A says it also sent it to C: B keeps it
    a.hub.sendRawFrame(b.did, gossip(2, [a.did, b.did])); // C not covered: B forwards it to C
    a.hub.sendRawFrame(b.did, gossip(3, [])); // an empty list (any sender may send one): B forwards it
    await until(() => b.received.length === 3 && c.received.length === 2, 'gossip delivery');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(c.received.map((m) => m.bytes[0])).toEqual([2, 3]);
    expect(c.received.every((m) => m.from === b.did)).toBe(true);
    // C, told by B's forward that A and B have the message, sends it on to neither.
    expect(a.received).toHaveLength(0);
    expect(b.hub.gossipCounters().gossipDuplicates).toBe(0);
  });

  it('gossips only among the readers it is told (read rights): a non-member linked to members gets none, and its gossip is not taken', async () => {
    const bus = new MemoryBus();
    const [a, b, c] = [peer([bus]), peer([bus]), peer([bus])];
    await until(() => [a, b, c].every((p) => p.neighbours().length === 2), 'a full mesh');
    for (const member of [a, b]) member.hub.setReaders([a.did, b.did]);
    a.hub.broadcast(Uint8Array.of(1));
    // Forwarded by B with an empty covered list (as any sender may): B passes it on to readers only.
    a.hub.sendRawFrame(
      b.did,
      encodeFrame({
        type: 'gossip',
        ttl: 3,
        id: new Uint8Array(16).fill(7),
        covered: new Uint8Array(0),
        payload: Uint8Array.of(2),
      }),
    );
    c.hub.broadcast(Uint8Array.of(3)); // C names no readers: it sends to everyone, as a rogue would
    await until(() => b.received.length === 2, 'gossip among members');
    await until(
      () => a.hub.gossipCounters().gossipRefused + b.hub.gossipCounters().gossipRefused === 2,
      "the non-member's gossip refused",
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(b.received.map((m) => m.bytes[0])).toEqual([1, 2]);
    expect(a.received).toHaveLength(0);
    expect(c.received).toHaveLength(0);
    expect(a.logs.join('\n')).toContain('Ignored gossip from');
    // Readers back to everyone (a public chain): C hears the next broadcast.
    a.hub.setReaders(null);
    a.hub.broadcast(Uint8Array.of(4));
    await until(() => c.received.length === 1, 'gossip to all');
    expect(c.received[0]!.bytes[0]).toBe(4);
  });

  it('signals through peers already linked, so no shared signaling path is needed', async () => {
    const left = new MemoryBus();
    const right = new MemoryBus();
    const a = peer([left]);
    const b = peer([left, right]);
    const c = peer([right]);
    await until(
      () => a.neighbours().includes(c.did) && c.neighbours().includes(a.did),
      'A and C linked through B',
      8_000,
    );
    expect(a.hub.view().neighbours.find((n) => n.did === c.did)!.via).toBe('peer');
    expect(b.neighbours()).toHaveLength(2);
  });

  it('passes a signal on to its addressee even when it first arrived by a signaling path the addressee is not on', async () => {
    // B hears A's signals for C on the shared bus before the same signals arrive over the A-B
    // link (a BroadcastChannel is often faster than a data channel); C is not on that bus.
    const left = new MemoryBus(true);
    const right = new MemoryBus();
    const a = peer([left]);
    const b = peer([left, right]);
    await until(() => a.neighbours().includes(b.did), 'A and B linked');
    const c = peer([right]);
    await until(
      () => a.neighbours().includes(c.did) && c.neighbours().includes(a.did),
      'A and C linked through B',
      8_000,
    );
    expect(c.hub.view().neighbours.find((n) => n.did === a.did)!.via).toBe('peer');
  });

  it('closes a link whose hello is signed by the wrong key', async () => {
    const bus = new MemoryBus();
    const honest = peer([bus]);
    const victim = testIdentity();
    const mallory = testIdentity();
    const rogue = peer([bus], { identity: { did: victim.did, sign: mallory.sign } });
    await until(
      () => honest.logs.some((l) => l.includes(`not signed by ${victim.did}`)),
      'the refusal',
    );
    expect(honest.neighbours()).not.toContain(rogue.did);
  });

  it('closes a link whose hello signs another DTLS fingerprint', async () => {
    const bus = new MemoryBus();
    const honest = peer([bus]);
    const fake = 'sha-256 ' + Array(32).fill('AB').join(':');
    peer([bus], { hooks: { helloLocalFingerprint: () => fake } });
    await until(
      () => honest.logs.some((l) => l.includes('fingerprint other than the one in the SDP')),
      'the refusal',
    );
    expect(honest.neighbours()).toEqual([]);
  });

  it('drops an authenticated peer that sends garbage, an oversized frame or an unknown frame type, without crashing', async () => {
    const header = new Uint8Array(5);
    header[0] = 1;
    new DataView(header.buffer).setUint32(1, frameBytesMax + 1);
    const attacks: Array<[string, (a: ReturnType<typeof peer>, did: string) => void]> = [
      ['MALFORMED', (a, did) => a.hub.sendRawChunks(did, [Uint8Array.of(9, 9, 9)])],
      ['TOO_LARGE', (a, did) => a.hub.sendRawChunks(did, [header])],
      ['UNKNOWN_TYPE', (a, did) => a.hub.sendRawFrame(did, Uint8Array.of(77, 1, 2))],
    ];
    for (const [code, attack] of attacks) {
      const bus = new MemoryBus();
      const [a, b] = [peer([bus]), peer([bus])];
      await until(() => a.neighbours().length === 1 && b.neighbours().length === 1, 'a link');
      attack(a, b.did);
      await until(
        () =>
          b.logs.some(
            (l) => l.includes(`dropped: it sent bad data (${code})`) && l.includes(a.did),
          ),
        `${code} refused, naming the sender`,
      );
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      expect(b.neighbours(), `${code}: no link back while refused`).toEqual([]);
    }
  });

  it('refuses a dropped peer for a while', async () => {
    const bus = new MemoryBus();
    const [a, b] = [peer([bus]), peer([bus])];
    await until(() => a.neighbours().length === 1, 'a link');
    a.hub.drop(b.did, 'sent an invalid block');
    await until(() => a.neighbours().length === 0, 'the drop');
    expect(a.logs.some((l) => l.includes('dropped: sent an invalid block'))).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    expect(a.neighbours()).toEqual([]);
    expect(a.hub.view().neighbours).toEqual([]);
  });

  it('a dial given up before its answer arrived is let go at both ends at once, not after linkConnectTimeoutMs', async () => {
    // The answerer's answer never reaches the dialer (a slow or lossy signaling path): the dialer
    // gives up after dialAnswerTimeoutMs and says so; the answerer closes its half-made link then,
    // instead of holding a place under linksMax for linkConnectTimeoutMs (30 s).
    const bus = new MemoryBus();
    const [small, large] = [testIdentity(), testIdentity()].sort((x, y) =>
      x.did < y.did ? -1 : 1,
    );
    const lostAnswers = (onText: (text: string, channel: SignalingChannel) => void) => [
      bus.channel((text, channel) => {
        const envelope = JSON.parse(text) as { kind?: string; data?: { type?: string } };
        if (envelope.kind === 'signal' && envelope.data?.type !== 'offer') return;
        onText(text, channel);
      }),
    ];
    const dialer = peer([bus], { identity: small!, hooks: { extraSignaling: lostAnswers } });
    const answerer = peer([bus], { identity: large! });
    await until(
      () => dialer.logs.some((l) => l.includes('it did not answer our offer')),
      'the dialer to give up',
      dialAnswerTimeoutMs + 3_000,
    );
    await until(
      () => answerer.logs.some((l) => l.includes('the other end gave up on it before it opened')),
      'the answerer to let go of its half',
      3_000,
    );
    expect(answerer.logs.some((l) => l.includes('it did not open in time'))).toBe(false);
  }, 15_000);

  describe('a returning peer (issue 14 section 4)', () => {
    const sortedIdentities = () =>
      [testIdentity(), testIdentity()].sort((x, y) => (x.did < y.did ? -1 : 1));

    for (const restarted of ['smaller', 'larger'] as const) {
      it(`replaces the stale link of a peer that restarted with the same identity at once (the restarted did is the ${restarted})`, async () => {
        const bus = new MemoryBus();
        const [small, large] = sortedIdentities();
        const [stayerId, returningId] =
          restarted === 'smaller' ? [large!, small!] : [small!, large!];
        const stayer = peer([bus], { identity: stayerId });
        const before = peer([bus], { identity: returningId });
        await until(
          () =>
            stayer.neighbours().includes(before.did) && before.neighbours().includes(stayer.did),
          'a link',
        );
        // The returning peer's process is gone without a word: the stayer's link is stale, not closed.
        before.driver.vanish();
        before.hub.stop();
        expect(stayer.neighbours()).toContain(returningId.did);
        const restartedAt = Date.now();
        const after = peer([bus], { identity: returningId });
        // Well within linkSilenceMsMax, when the stale link would have closed on its own, and
        // before the stayer's periodic announce (announceIntervalMs) could have helped.
        await until(
          () =>
            after.neighbours().includes(stayer.did) &&
            stayer.logs.some((l) => l.includes('replaced by a newer link')),
          'the fresh link to replace the stale one',
          3_000,
        );
        expect(Date.now() - restartedAt).toBeLessThan(linkSilenceMsMax);
        expect(stayer.hub.view().neighbours).toEqual([
          expect.objectContaining({ did: returningId.did, state: 'open' }),
        ]);
        expect(stayer.hub.neighbourLinkIds().get(after.did)).toBe(
          after.hub.neighbourLinkIds().get(stayer.did),
        );
        expect(stayer.hub.send(after.did, Uint8Array.of(7))).toBe(true);
        await until(() => after.received.length === 1, 'a message on the fresh link');
        expect(after.received[0]!.from).toBe(stayer.did);
      });
    }

    it('a dial that went out while the peer was away does not hold back the link when it comes back', async () => {
      const bus = new MemoryBus();
      const [small, large] = sortedIdentities();
      const stayer = peer([bus], { identity: small! });
      const before = peer([bus], { identity: large! });
      await until(() => stayer.neighbours().includes(large!.did), 'a link');
      before.hub.stop(); // the close reaches the stayer, which redials (redialBackoffMinMs) into the void
      await until(
        () =>
          stayer.hub
            .view()
            .neighbours.some((n) => n.did === large!.did && n.state === 'connecting'),
        'a redial to the absent peer',
      );
      const after = peer([bus], { identity: large! });
      await until(
        () => after.neighbours().includes(small!.did) && stayer.neighbours().includes(large!.did),
        'the link back',
        3_000,
      );
      expect(stayer.logs.some((l) => l.includes('back in a new session: dialing again'))).toBe(
        true,
      );
    });

    it('a peer back from a freeze starts a new session and gets fresh links that replace the old ones', async () => {
      const bus = new MemoryBus();
      const clock: Clock & { offsetMs: number } = {
        ...realClock,
        offsetMs: 0,
        now: () => realClock.now() + clock.offsetMs,
      };
      const frozen = peer([bus], { hooks: { clock } });
      const other = peer([bus]);
      await until(
        () => frozen.neighbours().length === 1 && other.neighbours().length === 1,
        'a link',
      );
      const oldLink = frozen.hub.neighbourLinkIds().get(other.did);
      clock.offsetMs += resumeGapMs + 1_000; // the next tick comes this late
      await until(() => frozen.logs.some((l) => l.startsWith('Back after')), 'the resume');
      await until(
        () =>
          frozen.hub.neighbourLinkIds().get(other.did) !== oldLink &&
          frozen.hub.neighbourLinkIds().get(other.did) ===
            other.hub.neighbourLinkIds().get(frozen.did),
        'a fresh link on both ends',
      );
      expect(frozen.neighbours()).toEqual([other.did]);
      expect(other.neighbours()).toEqual([frozen.did]);
      other.hub.broadcast(Uint8Array.of(5));
      await until(() => frozen.received.length === 1, 'gossip on the fresh link');
    });

    it('settles two links dialed at once on the same one at both ends, without flapping', async () => {
      for (const both of [false, true]) {
        const bus = new MemoryBus();
        const [a, b] = sortedIdentities().map((identity) => peer([bus], { identity }));
        await until(() => a!.neighbours().length === 1 && b!.neighbours().length === 1, 'a link');
        a!.hub.dialNow(b!.did);
        if (both)
          b!.hub.dialNow(a!.did); // a peer that breaks the dialing rule: still one link
        else a!.hub.dialNow(b!.did);
        const settled = () => {
          const [x, y] = [
            a!.hub.neighbourLinkIds().get(b!.did),
            b!.hub.neighbourLinkIds().get(a!.did),
          ];
          return (
            x !== undefined &&
            x === y &&
            a!.hub.view().neighbours.length === 1 &&
            b!.hub.view().neighbours.length === 1
          );
        };
        await until(settled, 'one link at both ends');
        const kept = a!.hub.neighbourLinkIds().get(b!.did);
        await new Promise((resolve) => setTimeout(resolve, 1_500));
        expect(settled(), `both=${both}`).toBe(true);
        expect(a!.hub.neighbourLinkIds().get(b!.did), `both=${both}: no flap`).toBe(kept);
        expect(
          a!.logs.filter(
            (l) =>
              l.includes('a parallel link to the same peer is kept') ||
              l.includes('replaced by a newer link'),
          ).length,
        ).toBe(2);
        for (const p of [a!, b!]) p.hub.stop();
      }
    });
  });
});
