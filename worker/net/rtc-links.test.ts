// The link-driver contract suite against the WebRTC driver (simple-peer over node-datachannel
// in Node). WebRTC needs a non-loopback interface: this runs only inside the private network
// namespace (npm test's unit stage as root, or `bash scripts/netns-run env BOT_IN_NETNS=1 ...`),
// so no packet leaves the machine.
import { cleanup } from 'node-datachannel';
import { afterAll, describe, it } from 'vitest';
import { linkDriverSuite } from './link-driver.suite';
import { RtcLinks } from './rtc-links';

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
    };
  });
  afterAll(() => cleanup());
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
