// The signaling paths of a hub, and the routing of envelopes over them: out on every path
// (BroadcastChannel, relays, neighbour links) at once, in from any path with duplicates dropped,
// and passed on through linked peers toward an addressee that shares no path with the sender.
import { SeenIds } from './gossip';
import * as limits from './limits';
import type { Link, LinkTable } from './link';
import {
  openBroadcastChannel,
  openRelay,
  parseEnvelope,
  type SignalEnvelope,
  type SignalingChannel,
  type Via,
  type WebSocketFactory,
} from './signaling';
import { encodeFrame } from './wire';

export interface SignalPaths {
  /** WebSocket constructor for relays (the browser's, or `ws` in Node); null: no relays. */
  WebSocket: WebSocketFactory | null;
  /** Signal over BroadcastChannel (tabs of one browser). */
  broadcastChannel: boolean;
  /** Relay used when the start options name none (the page's own origin + /signal). */
  defaultRelay: string | null;
  /** Extra signaling paths (in-memory buses in tests). */
  extraSignaling?: (
    onText: (text: string, channel: SignalingChannel) => void,
  ) => SignalingChannel[];
}

/** What the router needs from the hub. */
export interface SignalRouterHub {
  /** This peer in its room, or null when stopped. */
  me(): { did: string; room: string } | null;
  readonly links: LinkTable;
  send(link: Link, frame: Uint8Array): boolean;
  log(level: 'warn', message: string): void;
  /** An envelope for this peer (its addressee, or an open announce). */
  deliver(envelope: SignalEnvelope, via: Via): void;
  /** A relay (re)opened: a moment to announce. */
  onRelayOpen(): void;
}

export class SignalRouter {
  private channels: SignalingChannel[] = [];
  private readonly seen = new SeenIds();

  constructor(
    private readonly paths: SignalPaths,
    private readonly hub: SignalRouterHub,
  ) {}

  open(room: string, did: string, relayUrls: string[]): void {
    const onText = (text: string, channel: SignalingChannel) => this.onText(text, channel.via);
    if (this.paths.broadcastChannel) {
      const bc = openBroadcastChannel(room, onText);
      if (bc) this.channels.push(bc);
    }
    if (this.paths.extraSignaling) this.channels.push(...this.paths.extraSignaling(onText));
    const relays =
      relayUrls.length > 0 ? relayUrls : this.paths.defaultRelay ? [this.paths.defaultRelay] : [];
    if (!this.paths.WebSocket) return;
    for (const url of relays) {
      const channel = openRelay(url, room, did, onText, this.paths.WebSocket, () => {
        if (channel.state() === 'open') this.hub.onRelayOpen();
      });
      this.channels.push(channel);
    }
  }

  close(): void {
    for (const channel of this.channels) channel.close();
    this.channels = [];
    this.seen.clear();
  }

  relays(): Array<{ url: string; state: ReturnType<SignalingChannel['state']> }> {
    return this.channels
      .filter((c) => c.via === 'relay')
      .map((c) => ({ url: c.url, state: c.state() }));
  }

  /** Send an envelope on every path (to its addressee's link alone when linked). */
  emit(envelope: SignalEnvelope): void {
    const text = JSON.stringify(envelope);
    if (text.length > limits.signalBytesMax) {
      this.hub.log(
        'warn',
        `A signaling message of ${text.length} bytes was not sent (limit ${limits.signalBytesMax}).`,
      );
      return;
    }
    this.seen.add(envelope.id);
    for (const channel of this.channels) channel.send(text);
    const frame = encodeFrame({ type: 'signal', envelope });
    const direct = envelope.to ? this.hub.links.neighbourLink(envelope.to) : null;
    for (const link of direct ? [direct] : this.hub.links.openLinks()) this.hub.send(link, frame);
  }

  /** An envelope that arrived in a `signal` frame on an authenticated link. */
  onFrame(envelope: unknown, from: Link): void {
    this.onEnvelope(parseEnvelope(envelope), 'peer', from);
  }

  private onText(text: string, via: Via): void {
    let envelope: SignalEnvelope;
    try {
      envelope = parseEnvelope(JSON.parse(text));
    } catch {
      return; // signaling is untrusted and best-effort: garbage is ignored
    }
    this.onEnvelope(envelope, via, null);
  }

  private onEnvelope(envelope: SignalEnvelope, via: Via, from: Link | null): void {
    const me = this.hub.me();
    if (!me || envelope.room !== me.room || envelope.from === me.did) return;
    if (!this.seen.add(envelope.id)) return;
    const forMe = envelope.to === undefined || envelope.to === me.did;
    if (from) this.forward(envelope, from, me.did);
    else if (!forMe) this.forwardToAddressee(envelope);
    if (forMe) this.hub.deliver(envelope, via);
  }

  /** Peer-relayed signaling: straight to the recipient when linked, else flood with a hop limit. */
  private forward(envelope: SignalEnvelope, from: Link, ownDid: string): void {
    if (envelope.to === ownDid || envelope.ttl <= 0) return;
    const frame = encodeFrame({ type: 'signal', envelope: { ...envelope, ttl: envelope.ttl - 1 } });
    const direct = envelope.to ? this.hub.links.neighbourLink(envelope.to) : null;
    if (direct) {
      this.hub.send(direct, frame);
      return;
    }
    for (const link of this.hub.links.openLinks()) if (link !== from) this.hub.send(link, frame);
  }

  /**
   * A signal for a neighbour that reached us over a signaling channel (BroadcastChannel, relay):
   * hand it on over our link to the addressee, who may not be on that channel. The same signal
   * also comes over our links from its sender, but often later: it is then a duplicate and not
   * forwarded again, so without this the addressee would never see it.
   */
  private forwardToAddressee(envelope: SignalEnvelope): void {
    const direct = envelope.to ? this.hub.links.neighbourLink(envelope.to) : null;
    if (!direct || envelope.ttl <= 0) return;
    this.hub.send(
      direct,
      encodeFrame({ type: 'signal', envelope: { ...envelope, ttl: envelope.ttl - 1 } }),
    );
  }
}
