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
} else {
  describe('LinkDriver contract: WebRTC (node-datachannel)', () => {
    it.skip('runs only inside the private network namespace (BOT_IN_NETNS=1)', () => {});
  });
}
