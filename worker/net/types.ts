// The contract between the peer host (worker/host) and the network layer (worker/net,
// or the Node transport in server/). The host speaks in whole messages between authenticated
// identities; the network layer owns links, framing, handshakes, gossip and signaling.
//
//   host ──PeerNet.broadcast/send──▶ net ──frames──▶ transport (WebRTC data channels)
//   host ◀──handler.onMessage(from)── net ◀──frames── transport
//
// Messages are opaque bytes here (the host encodes them with worker/core/codec). `from` is
// always a did:key the remote proved during the handshake (it signed the DTLS fingerprint of its
// own SDP), never a claim inside a message.

export interface NetStartOptions {
  /** This peer's did:key. */
  did: string;
  /** Sign with this peer's identity key (Ed25519; used for the handshake). */
  sign(message: Uint8Array): Promise<Uint8Array>;
  /** The room to meet in: the chain id (32 hex). */
  room: string;
  /** Validators of the chain: the mesh keeps direct links among them. */
  validators: string[];
  /** Signaling relay URLs (ws:// or wss://) and ICE servers, from Settings. */
  relays: string[];
  iceServers: Array<{ urls: string | string[]; username?: string; credential?: string }>;
  /**
   * Links kept to peers other than fellow validators (worker/net/overlay.ts); absent: the
   * default (limits.linksMaxDefault). From Settings.
   */
  linksMax?: number;
}

export interface NetHandler {
  /**
   * A whole message, delivered by the authenticated neighbour `from` (for gossip: the neighbour
   * that forwarded it; messages that matter carry their own signatures). Replies go to `from`.
   */
  onMessage(from: string, bytes: Uint8Array): void;
  /** The set of authenticated neighbours changed. */
  onNeighbours(dids: string[]): void;
  /** Something worth the operation log happened (a link opened, closed, or was refused, and why). */
  onLog?(level: 'info' | 'warn' | 'error', message: string): void;
}

export interface PeerNet {
  /** (Re)start networking for a room; replaces the previous room. */
  start(options: NetStartOptions, handler: NetHandler): void;
  /** Leave the room and close every link. */
  stop(): void;
  /** Gossip to every peer of the room (de-duplicated by message id, bounded TTL). */
  broadcast(bytes: Uint8Array): void;
  /**
   * Send to one authenticated neighbour; false when there is no open link to it. `bytes` are
   * neither kept nor transferred (the caller may send the same buffer to several neighbours).
   */
  send(to: string, bytes: Uint8Array): boolean;
  /** Close the link to a misbehaving peer and refuse it for a while; `reason` goes to the log. */
  drop(did: string, reason: string): void;
  /** The validator set changed (governance): links are adjusted. */
  setValidators(dids: string[]): void;
  /**
   * Who reads the chain (worker/host/read-rights.ts): gossip goes out to, and is taken in from,
   * these neighbours only. null (the default): every neighbour (a public or solo chain).
   */
  setReaders(dids: string[] | null): void;
  /** Snapshot for the UI and the API. */
  view(): import('../api').NetworkView;
}
