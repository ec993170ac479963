// The PeerNet of the headless Node peer: the same hub as in the browser worker, with WebRTC
// from node-datachannel (through simple-peer and webrtc-polyfill) and WebSocket relays from
// `ws`. No BroadcastChannel by default: in Node it reaches only the same process.
import WebSocket from 'ws';
import { cleanup } from 'node-datachannel';
import { RtcLinks, releaseNativeWebRtc } from '../worker/net/rtc-links';
import { Hub } from '../worker/net/hub';
import type { WebSocketFactory } from '../worker/net/signaling';

export interface NodeNetOptions {
  /** Also signal over BroadcastChannel (other hubs of this process; tests). */
  broadcastChannel?: boolean;
  /** Relay used when the start options name none. */
  defaultRelay?: string | null;
}

export function createNodeNet(options: NodeNetOptions = {}): Hub {
  return new Hub({
    driver: new RtcLinks(),
    WebSocket: WebSocket as unknown as WebSocketFactory,
    broadcastChannel: options.broadcastChannel ?? false,
    defaultRelay: options.defaultRelay ?? null,
  });
}

/** Stop node-datachannel's threads so the process can exit (after every net is stopped). */
export function shutdownNodeWebRtc(): void {
  releaseNativeWebRtc();
  cleanup();
}
