// The link-driver contract suite against the WebRTC driver (simple-peer over node-datachannel
// in Node). WebRTC needs a non-loopback interface: this runs only inside the private network
// namespace (npm test's unit stage as root, or `bash scripts/netns-run env BOT_IN_NETNS=1 ...`),
// so no packet leaves the machine.
import { cleanup } from 'node-datachannel';
import { afterAll, describe, expect, it } from 'vitest';
import type { LinkEvents } from './driver';
import { linkDriverSuite } from './link-driver.suite';
import { RtcLinks, releaseNativeWebRtc } from './rtc-links';

if (process.env.BOT_IN_NETNS === '1') {
  linkDriverSuite('WebRTC (node-datachannel)', () => {
    const [a, b] = [new RtcLinks(), new RtcLinks()];
    return {
      a,
      b,
      close: () => {
        a.closeAll();
        b.closeAll();
      },
      state: () => `a {${a.state()}} b {${b.state()}}`,
    };
  });
  // WebRTC-specific: what the driver does around node-datachannel's own behaviour.
  describe('RtcLinks over node-datachannel', () => {
    function pairWithSlowAnswer(answerDelayMs: number) {
      const [a, b] = [new RtcLinks(), new RtcLinks()];
      const seen = {
        offer: '',
        candidatesAtB: [] as number[],
        answeredAt: 0,
        connected: new Set<string>(),
        closed: new Map<string, string>(),
      };
      const events = (side: 'a' | 'b', other: RtcLinks): LinkEvents => ({
        onCaps: () => {},
        onSignal: (link, data) => {
          if (side === 'a' && data.type === 'offer') {
            seen.offer = data.sdp;
            b.open(link, false, []);
          }
          if (side === 'a' && data.type === 'candidate') seen.candidatesAtB.push(Date.now());
          if (side === 'b' && data.type === 'answer')
            setTimeout(() => {
              seen.answeredAt = Date.now();
              other.signal(link, data);
            }, answerDelayMs);
          else other.signal(link, data);
        },
        onConnect: (link) => seen.connected.add(`${side}:${link}`),
        onChunk: () => {},
        onSent: () => {},
        onIceState: () => {},
        onClose: (link, reason) => seen.closed.set(`${side}:${link}`, reason),
      });
      a.setEvents(events('a', b));
      b.setEvents(events('b', a));
      return { a, b, seen };
    }

    async function until(condition: () => boolean, what: string): Promise<void> {
      const deadline = Date.now() + 45_000;
      while (!condition()) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    }

    it('sends the offer without candidates and holds the offerer’s candidates until its answer is applied (a slow relay cannot fail DTLS)', async () => {
      const { a, b, seen } = pairWithSlowAnswer(300);
      try {
        a.open('00000010aa', true, []);
        await until(
          () => seen.connected.has('a:00000010aa') && seen.connected.has('b:00000010aa'),
          `both ends connected (closed: ${[...seen.closed]})`,
        );
        expect(seen.offer).not.toMatch(/^a=candidate:/m);
        expect(seen.candidatesAtB.length).toBeGreaterThan(0);
        expect(seen.candidatesAtB.every((at) => at >= seen.answeredAt)).toBe(true);
      } finally {
        a.closeAll();
        b.closeAll();
      }
    });

    it('reports a link whose connection closed under simple-peer, at both ends', async () => {
      const { a, b, seen } = pairWithSlowAnswer(0);
      try {
        a.open('00000011aa', true, []);
        await until(
          () => seen.connected.has('a:00000011aa') && seen.connected.has('b:00000011aa'),
          'both ends connected',
        );
        // As node-datachannel does when DTLS fails: the connection goes to 'closed' on its own,
        // an event simple-peer does not act on (its handler is for ICE states only).
        const links = (b as unknown as { links: Map<string, { peer: { _pc: RTCPeerConnection } }> })
          .links;
        const pc = links.get('00000011aa')!.peer._pc;
        Object.defineProperty(pc, 'connectionState', { get: () => 'closed' });
        pc.dispatchEvent(new Event('connectionstatechange'));
        await until(() => seen.closed.has('b:00000011aa'), 'the close reported at b');
        await until(() => seen.closed.has('a:00000011aa'), 'the close reported at a');
      } finally {
        a.closeAll();
        b.closeAll();
      }
    });
  });
  afterAll(() => {
    releaseNativeWebRtc();
    cleanup();
  });
} else if (process.env.CI) {
  // In CI the suite must run: a run outside the namespace is a broken set-up, not a pass.
  describe('LinkDriver contract: WebRTC (node-datachannel)', () => {
    it('runs inside the private network namespace (BOT_IN_NETNS=1)', () => {
      throw new Error(
        'the WebRTC link suite needs the private network namespace: run npm test as root (scripts/netns-run)',
      );
    });
  });
} else {
  // A developer's run outside the namespace says why the suite is not here, and counts nothing.
  describe('LinkDriver contract: WebRTC (node-datachannel)', () => {
    it.todo(
      'runs only inside the private network namespace (BOT_IN_NETNS=1 via scripts/netns-run)',
    );
  });
}
