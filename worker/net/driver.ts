// The link driver: what the hub needs from a WebRTC stack, and nothing more. The hub (worker
// or Node) decides which links exist and what goes over them; the driver owns the
// RTCPeerConnections and data channels. In the browser the driver lives on the main thread
// (workers have no RTCPeerConnection) and talks to the hub over a MessagePort (PortMessage
// below); in Node the hub calls it directly. worker/net/rtc-links.ts implements it with
// simple-peer; memory-driver.ts is the in-memory version for tests.
//
// Pacing contract: the hub hands chunks (<= chunkBytesMax, see framing.ts) to `send` and keeps
// at most linkWindowBytes outstanding per link; the driver gives them to the data channel
// while its bufferedAmount is below sendBufferHighBytes, resumes on `bufferedamountlow`, and
// reports every chunk it handed over with onSent so the hub can send more.
import type { SignalData } from './signaling';

export interface LinkEvents {
  /** Whether this runtime can open WebRTC links (RTCPeerConnection exists). */
  onCaps(webrtc: boolean): void;
  /** A local SDP (offer or answer) to deliver to the remote through signaling. */
  onSignal(link: string, data: SignalData): void;
  /** The data channel is open; the handshake starts now. */
  onConnect(link: string): void;
  /** One data-channel message. The hub may keep it (it owns the buffer). */
  onChunk(link: string, chunk: Uint8Array): void;
  /** Bytes of chunks handed to the data channel since the last report. */
  onSent(link: string, bytes: number): void;
  /** ICE connection state, for ICE restarts. */
  onIceState(link: string, state: string): void;
  /** The link is gone (closed by either side or failed); `reason` is for the log. */
  onClose(link: string, reason: string): void;
}

export interface IceServer {
  urls: string | string[];
  username?: string;
  credential?: string;
}

export interface LinkDriver {
  setEvents(events: LinkEvents): void;
  open(link: string, initiator: boolean, iceServers: IceServer[]): void;
  /** A remote SDP for `link`. */
  signal(link: string, data: SignalData): void;
  /** Queue one chunk; its buffer is handed over (it may be transferred and detached). */
  send(link: string, chunk: Uint8Array): void;
  /** Ask for an ICE restart (only the side that dialed renegotiates). */
  restartIce(link: string): void;
  close(link: string): void;
}

/** Page -> worker messages of the MessagePort bridge (worker/net/net-owner.ts <-> port-driver.ts). */
export type PageToWorker =
  | { t: 'caps'; webrtc: boolean }
  | { t: 'signal'; link: string; data: SignalData }
  | { t: 'connect'; link: string }
  | { t: 'chunk'; link: string; chunk: ArrayBuffer }
  /** Bytes handed to the data channels, per link (one message per page task: `links[i]` sent `bytes[i]`). */
  | { t: 'sent'; links: string[]; bytes: number[] }
  | { t: 'ice'; link: string; state: string }
  | { t: 'close'; link: string; reason: string };

/** Worker -> page messages of the MessagePort bridge. */
export type WorkerToPage =
  | { t: 'open'; link: string; initiator: boolean; iceServers: IceServer[] }
  | { t: 'signal'; link: string; data: SignalData }
  /** Chunks to send, `chunks[i]` on `links[i]`, in order: every send of one worker task in one message (a broadcast is one, not one per link). */
  | { t: 'send'; links: string[]; chunks: ArrayBuffer[] }
  | { t: 'restart-ice'; link: string }
  | { t: 'close'; link: string };

/** The message the page posts to the worker to hand over its end of the bridge. */
export interface NetPortMessage {
  netPort: MessagePort;
  /**
   * Which network of the worker it bridges: 0 (or none) the peer's first chain's, 1.. one more
   * chain's each (several chains per peer: each chain its own hub, room and links).
   */
  netIndex?: number;
}

/**
 * The message the page posts to the worker itself (not on the bridge's port: the transfer of a
 * data channel is proven for a worker's postMessage) to move a link's negotiated data channel
 * there (direct.ts), right after the link's `connect` on the port.
 */
export interface NetDirectMessage {
  netDirect: { link: string; channel: RTCDataChannel };
  netIndex?: number;
}

export function isNetDirectMessage(data: unknown): data is NetDirectMessage {
  const direct = (data as { netDirect?: { link?: unknown; channel?: unknown } } | null)?.netDirect;
  return (
    typeof direct === 'object' &&
    direct !== null &&
    typeof direct.link === 'string' &&
    typeof direct.channel === 'object' &&
    direct.channel !== null
  );
}

export function isNetPortMessage(data: unknown): data is NetPortMessage {
  return (
    typeof data === 'object' &&
    data !== null &&
    (data as { netPort?: unknown }).netPort instanceof MessagePort
  );
}
