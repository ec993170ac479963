// The PeerNet of a browser peer: the hub runs in the worker (with the identity key) and its
// WebRTC links on the page, bridged by a MessagePort the page hands over at start
// (worker/net/net-owner.ts posts { netPort }). Signaling from the worker: BroadcastChannel to
// other tabs, WebSocket relays (default: the page's own origin under /signal).
import type { DirectChannel, DirectStats } from './direct';
import { Hub, type HubOptions } from './hub';
import { PortDriver } from './port-driver';
import type { WebSocketFactory } from './signaling';

/** ws(s)://<this origin>/signal, or null where there is no http(s) origin. */
export function defaultRelayUrl(): string | null {
  const origin = (globalThis as { location?: { origin?: string } }).location?.origin;
  if (!origin || !/^https?:/.test(origin)) return null;
  return `${origin.replace(/^http/, 'ws')}/signal`;
}

export function createWorkerNet(
  options: Partial<
    Pick<HubOptions, 'defaultRelay' | 'broadcastChannel' | 'helloLocalFingerprint'>
  > = {},
): {
  net: Hub;
  attachPort(port: MessagePort): void;
  /** A link's data channel the page moved here (driver.ts NetDirectMessage). */
  attachDirect(link: string, channel: DirectChannel): void;
  /** Traffic on the links' direct channels (direct.ts). */
  directStats: DirectStats;
} {
  const driver = new PortDriver();
  const net = new Hub({
    driver,
    WebSocket: typeof WebSocket === 'undefined' ? null : (WebSocket as unknown as WebSocketFactory),
    broadcastChannel: options.broadcastChannel ?? true,
    defaultRelay: options.defaultRelay !== undefined ? options.defaultRelay : defaultRelayUrl(),
    ...(options.helloLocalFingerprint
      ? { helloLocalFingerprint: options.helloLocalFingerprint }
      : {}),
  });
  return {
    net,
    attachPort: (port) => driver.attach(port),
    attachDirect: (link, channel) => driver.direct.attach(link, channel),
    directStats: driver.direct.stats,
  };
}
