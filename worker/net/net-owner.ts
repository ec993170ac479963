// The main-thread half of the network: it owns the WebRTC links (workers have no
// RTCPeerConnection) and moves their bytes to the worker's hub over a MessagePort, with
// ArrayBuffer transfers (no copies). The identity key never leaves the worker: the hub signs
// the handshake there, and this side only carries opaque chunks and SDPs.
import type { LinkDriver, PageToWorker, WorkerToPage } from './driver';
import { RtcLinks } from './rtc-links';
import { chainsActiveMax } from '../core/limits';

/** A buffer this side may transfer: the chunk's own, when it spans all of it. */
function ownBuffer(chunk: Uint8Array): ArrayBuffer {
  const buffer = chunk.buffer as ArrayBuffer;
  return chunk.byteOffset === 0 && chunk.byteLength === buffer.byteLength
    ? buffer
    : (chunk.slice().buffer as ArrayBuffer);
}

/** Start the network owner for `worker`; returns a function that closes every link. */
export function startNetOwner(
  worker: Worker,
  networks = chainsActiveMax,
  options: BridgeOptions = {},
): { links: RtcLinks; stop(): void } {
  // One bridge per network of the worker: its first chain's, and one per further chain it may
  // run at once (several chains per peer); links of an idle one cost nothing.
  const bridges = Array.from({ length: networks }, (_, netIndex) => {
    const { port1, port2 } = new MessageChannel();
    const links = new RtcLinks();
    bridgeLinks(port1, links, {
      ...options,
      moveChannel: (link, channel) =>
        worker.postMessage({ netDirect: { link, channel }, ...(netIndex ? { netIndex } : {}) }, [
          channel as unknown as Transferable,
        ]),
    });
    worker.postMessage(netIndex === 0 ? { netPort: port2 } : { netPort: port2, netIndex }, [port2]);
    return { port1, links };
  });
  return {
    links: bridges[0]!.links,
    stop() {
      for (const { port1, links } of bridges) {
        links.closeAll();
        port1.close();
      }
    },
  };
}

export interface BridgeOptions {
  /**
   * Move a negotiated data channel of each connected link into the worker (direct.ts), so its
   * messages skip the page (default true). false keeps every link on the page path (the
   * fallback a remote without the channel gets anyway).
   */
  direct?: boolean;
  /** Post a link's channel to the worker (NetDirectMessage); without it nothing moves. */
  moveChannel?: (link: string, channel: RTCDataChannel) => void;
}

/** A LinkDriver that can make the channel to move (rtc-links.ts). */
function directCapable(
  links: LinkDriver,
): links is LinkDriver & { openDirect(link: string): RTCDataChannel | null } {
  return typeof (links as { openDirect?: unknown }).openDirect === 'function';
}

/**
 * Serve `links` to the PortDriver at the other end of `port` (worker/net/port-driver.ts): its
 * commands drive the links, their events go back. Any LinkDriver will do (the contract suite
 * bridges the memory driver).
 */
export function bridgeLinks(
  port: MessagePort,
  links: LinkDriver,
  options: BridgeOptions = {},
): void {
  const moveChannel = options.direct !== false ? options.moveChannel : undefined;
  const direct = moveChannel !== undefined && directCapable(links);
  let sentLinks: string[] = [];
  let sentBytes: number[] = [];
  const flushSent = () => {
    if (sentLinks.length === 0) return;
    const message: PageToWorker = { t: 'sent', links: sentLinks, bytes: sentBytes };
    sentLinks = [];
    sentBytes = [];
    port.postMessage(message);
  };
  const post = (message: PageToWorker, transfer: Transferable[] = []) => {
    flushSent();
    port.postMessage(message, transfer);
  };
  links.setEvents({
    onCaps: (webrtc) => post({ t: 'caps', webrtc }),
    onSignal: (link, data) => post({ t: 'signal', link, data }),
    onConnect: (link) => {
      post({ t: 'connect', link });
      if (!direct || !moveChannel) return;
      // Made and moved in one task: a channel can move only before it is used.
      const channel = links.openDirect(link);
      if (!channel) return;
      try {
        moveChannel(link, channel);
      } catch {
        // This browser cannot move a data channel: the link stays on the page path.
        channel.close();
      }
    },
    onChunk: (link, chunk) => {
      const buffer = ownBuffer(chunk);
      post({ t: 'chunk', link, chunk: buffer }, [buffer]);
    },
    onSent: (link, bytes) => {
      // Reports of one task go as one message (a batch of sends pumps several links at once).
      sentLinks.push(link);
      sentBytes.push(bytes);
      if (sentLinks.length === 1) queueMicrotask(flushSent);
    },
    onIceState: (link, state) => post({ t: 'ice', link, state }),
    onClose: (link, reason) => post({ t: 'close', link, reason }),
  });
  port.onmessage = (event: MessageEvent<WorkerToPage>) => {
    const message = event.data;
    switch (message.t) {
      case 'open':
        links.open(message.link, message.initiator, message.iceServers);
        return;
      case 'signal':
        links.signal(message.link, message.data);
        return;
      case 'send':
        message.links.forEach((link, i) => links.send(link, new Uint8Array(message.chunks[i]!)));
        return;
      case 'restart-ice':
        links.restartIce(message.link);
        return;
      case 'close':
        links.close(message.link);
        return;
    }
  };
}
