// One behaviour suite every LinkDriver passes (issue 13 item 5): the memory driver, the port
// driver (over a MessagePort to a bridged driver, as in the browser) and the WebRTC driver
// (worker/net/rtc-links.ts, node-datachannel in Node, inside the private network namespace).
// What the hub relies on (driver.ts): caps, SDPs with one DTLS fingerprint, onConnect at both
// ends, chunks whole and in order per link, onSent for every byte handed over, and a close
// that reaches the other end.
//
// LINK_SUITE_REPEATS=N runs each test N more times (a stress run: the WebRTC driver's rare
// failures under load showed up once in about 60 links, e.g.
// `LINK_SUITE_REPEATS=40 BOT_IN_NETNS=1 bash scripts/netns-run npx vitest run worker/net/rtc-links.test.ts`).
import { describe, expect, it } from 'vitest';
import type { LinkDriver, LinkEvents } from './driver';
import { sdpFingerprint } from './handshake';
import { chunkBytesMax } from './limits';

export interface DriverPair {
  a: LinkDriver;
  b: LinkDriver;
  close(): void | Promise<void>;
  /** What each end's links are doing, added to a failed test's message. */
  state?(): string;
}

interface Recorded {
  caps: boolean[];
  sdps: Map<string, string[]>;
  connected: Set<string>;
  chunks: Map<string, Uint8Array[]>;
  sentBytes: Map<string, number>;
  closed: Map<string, string>;
}

function record(): Recorded {
  return {
    caps: [],
    sdps: new Map(),
    connected: new Set(),
    chunks: new Map(),
    sentBytes: new Map(),
    closed: new Map(),
  };
}

/** Both drivers wired to each other as the hub does: local signals go to the other end, which opens on an offer. */
function wire(pair: DriverPair): { a: Recorded; b: Recorded; open(link: string): void } {
  const recs = { a: record(), b: record() };
  const opened = { a: new Set<string>(), b: new Set<string>() };
  const events = (side: 'a' | 'b'): LinkEvents => {
    const rec = recs[side];
    const other = side === 'a' ? 'b' : 'a';
    return {
      onCaps: (webrtc) => rec.caps.push(webrtc),
      onSignal: (link, data) => {
        if (data.type !== 'candidate')
          rec.sdps.set(link, [...(rec.sdps.get(link) ?? []), data.sdp]);
        if (!opened[other].has(link)) {
          opened[other].add(link);
          pair[other].open(link, false, []);
        }
        pair[other].signal(link, data);
      },
      onConnect: (link) => rec.connected.add(link),
      onChunk: (link, chunk) =>
        rec.chunks.set(link, [...(rec.chunks.get(link) ?? []), chunk.slice()]),
      onSent: (link, bytes) => rec.sentBytes.set(link, (rec.sentBytes.get(link) ?? 0) + bytes),
      onIceState: () => {},
      onClose: (link, reason) => rec.closed.set(link, reason),
    };
  };
  pair.a.setEvents(events('a'));
  pair.b.setEvents(events('b'));
  return {
    ...recs,
    open(link) {
      opened.a.add(link);
      pair.a.open(link, true, []);
    },
  };
}

// A wait for an event, not a timed assertion: 45 s, because with two test files at a time on a
// 2-core box (one of them the simulator) a link's ICE checks once took more than 15 s in CI.
async function until(condition: () => boolean, what: string, timeoutMs = 45_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const bytesOf = (chunks: Uint8Array[] | undefined) =>
  (chunks ?? []).reduce((sum, c) => sum + c.length, 0);

export function linkDriverSuite(
  name: string,
  makePair: () => DriverPair | Promise<DriverPair>,
): void {
  describe(`LinkDriver contract: ${name}`, {
    repeats: Number(process.env.LINK_SUITE_REPEATS ?? 0),
  }, () => {
    async function withPair(
      test: (pair: DriverPair, w: ReturnType<typeof wire>) => Promise<void>,
    ): Promise<void> {
      const pair = await makePair();
      const w = wire(pair);
      try {
        await test(pair, w);
      } catch (error) {
        if (error instanceof Error) {
          const seen = (r: Recorded) =>
            `connected [${[...r.connected]}], closed [${[...r.closed].map(([l, why]) => `${l}: ${why}`)}]`;
          error.message += ` (a: ${seen(w.a)}; b: ${seen(w.b)}${pair.state ? `; links: ${pair.state()}` : ''})`;
        }
        throw error;
      } finally {
        await pair.close();
      }
    }

    it('reports WebRTC available, and opens a link with one DTLS fingerprint per end and onConnect at both', () =>
      withPair(async (_pair, w) => {
        await until(() => w.a.caps.length > 0 && w.b.caps.length > 0, 'the caps');
        expect([w.a.caps, w.b.caps]).toEqual([[true], [true]]);
        w.open('00000001aa');
        await until(
          () => w.a.connected.has('00000001aa') && w.b.connected.has('00000001aa'),
          'both ends connected',
        );
        const [offer, answer] = [w.a.sdps.get('00000001aa')![0]!, w.b.sdps.get('00000001aa')![0]!];
        expect(sdpFingerprint(offer)).not.toBe(sdpFingerprint(answer));
      }));

    it('carries chunks up to chunkBytesMax whole and in order, both ways, and reports every byte handed over', () =>
      withPair(async (pair, w) => {
        const link = '00000002bb';
        w.open(link);
        await until(
          () => w.a.connected.has(link) && w.b.connected.has(link),
          'both ends connected',
        );
        const sizes = [
          1,
          100,
          chunkBytesMax,
          7,
          ...Array.from({ length: 40 }, (_, i) => 1_000 + ((i * 7919) % (chunkBytesMax - 1_000))),
        ];
        const sent = sizes.map((size, i) => new Uint8Array(size).fill(i + 1));
        const total = bytesOf(sent);
        for (const chunk of sent) pair.a.send(link, chunk.slice());
        pair.b.send(link, Uint8Array.of(1, 2, 3));
        await until(
          () => bytesOf(w.b.chunks.get(link)) === total && bytesOf(w.a.chunks.get(link)) === 3,
          'the chunks',
        );
        expect(w.b.chunks.get(link)!.map((c) => [c.length, c[0]])).toEqual(
          sent.map((c) => [c.length, c[0]]),
        );
        expect([...w.a.chunks.get(link)![0]!]).toEqual([1, 2, 3]);
        await until(() => w.a.sentBytes.get(link) === total, 'onSent for every byte');
      }));

    it('keeps two links between the same pair apart', () =>
      withPair(async (pair, w) => {
        const [one, two] = ['00000003cc', '00000004dd'];
        w.open(one);
        w.open(two);
        await until(
          () => [one, two].every((l) => w.a.connected.has(l) && w.b.connected.has(l)),
          'both links connected',
        );
        pair.a.send(one, Uint8Array.of(1));
        pair.a.send(two, Uint8Array.of(2));
        await until(
          () => w.b.chunks.get(one)?.length === 1 && w.b.chunks.get(two)?.length === 1,
          'a chunk on each',
        );
        expect([w.b.chunks.get(one)![0]![0], w.b.chunks.get(two)![0]![0]]).toEqual([1, 2]);
      }));

    it('a close at one end reaches the other as onClose, not the closer; sends after it are ignored', () =>
      withPair(async (pair, w) => {
        const link = '00000005ee';
        w.open(link);
        await until(
          () => w.a.connected.has(link) && w.b.connected.has(link),
          'both ends connected',
        );
        pair.a.close(link);
        await until(() => w.b.closed.has(link), 'the close at the other end');
        pair.a.send(link, Uint8Array.of(1));
        await new Promise((resolve) => setTimeout(resolve, 200));
        expect(w.a.closed.has(link)).toBe(false);
        expect(w.b.chunks.get(link)).toBeUndefined();
      }));
  });
}
