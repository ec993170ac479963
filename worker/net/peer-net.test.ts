// The PeerNet contract suite against every PeerNet: the hub (over the memory driver and a
// memory signaling bus) and the memory net of the host tests.
import { MemoryNetwork } from '../host/memory-net';
import { Hub } from './hub';
import { MemoryBus, MemoryDriver } from './memory-driver';
import { peerNetSuite } from './peer-net.suite';

peerNetSuite('hub over the memory driver', () => {
  const bus = new MemoryBus();
  return {
    create: () =>
      new Hub({
        driver: new MemoryDriver(),
        WebSocket: null,
        broadcastChannel: false,
        defaultRelay: null,
        extraSignaling: (onText) => [bus.channel(onText)],
      }),
  };
});

peerNetSuite('memory net', () => {
  const network = new MemoryNetwork();
  return { create: () => network.connect() };
});
