// The link-driver contract suite against the port driver: the worker's end of a MessagePort
// whose page end (bridgeLinks) drives a memory driver, as the page drives WebRTC links.
import { linkDriverSuite } from './link-driver.suite';
import { MemoryDriver } from './memory-driver';
import { PortDriver } from './port-driver';
import { bridgeLinks } from './net-owner';

linkDriverSuite('port driver (bridged to the memory driver)', () => {
  const channels = [new MessageChannel(), new MessageChannel()];
  const [a, b] = channels.map(({ port1, port2 }) => {
    bridgeLinks(port1, new MemoryDriver());
    const driver = new PortDriver();
    driver.attach(port2);
    return driver;
  });
  return {
    a: a!,
    b: b!,
    close: () => {
      for (const { port1, port2 } of channels) {
        port1.close();
        port2.close();
      }
    },
  };
});
