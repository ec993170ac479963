// The hub: this peer's side of the mesh, the PeerNet the host talks to. It runs where the
// identity key is (the worker, or the Node peer) and decides everything about links: whom to
// dial, the handshake, framing, gossip, pings and redials. The WebRTC stack itself sits behind
// a LinkDriver (driver.ts); signaling paths are in signaling.ts.
//
// Dialing rule: of two peers that want a link, the one with the smaller did dials; the other
// answers an announce with a targeted announce so that the smaller one dials it. So two peers
// never dial each other at once.
import { toHex } from '../core/bytes';
import { BotError } from '../core/errors';
import type { NeighbourView, NetworkView } from '../api';
import type { IceServer, LinkDriver } from './driver';
import { bundleChunks, bundledBytes, chunkFrame, isWholeFrameChunk, Reassembler } from './framing';
import { SeenIds, setBounded } from './gossip';
import { checkHello, makeHello, sdpFingerprint } from './handshake';
import * as limits from './limits';
import {
  openBroadcastChannel,
  openRelay,
  parseEnvelope,
  type SignalData,
  type SignalEnvelope,
  type SignalingChannel,
  type Via,
  type WebSocketFactory,
} from './signaling';
import type { NetHandler, NetStartOptions, PeerNet } from './types';
import { concatBytes } from '../core/bytes';
import { coversTag, decodeFrame, encodeFrame, peerTag, type Frame } from './wire';

export interface HubOptions {
  driver: LinkDriver;
  /** WebSocket constructor for relays (the browser's, or `ws` in Node); null: no relays. */
  WebSocket: WebSocketFactory | null;
  /** Signal over BroadcastChannel (tabs of one browser). */
  broadcastChannel: boolean;
  /** Relay used when the start options name none (the page's own origin + /signal). */
  defaultRelay: string | null;
  /** Extra signaling paths (in-memory buses in tests). */
  extraSignaling?: (onText: (text: string, channel: SignalingChannel) => void) => SignalingChannel[];
  /** Test hook for rogue peers: the fingerprint this side claims as its own in its hello. */
  helloLocalFingerprint?: (fingerprint: string) => string;
}

interface Link {
  id: string;
  /** The did this link is for: dialed, or claimed by the offer; proven by the hello. */
  did: string;
  /** peerTag(did), for gossip frames' covered lists. */
  tag: Uint8Array;
  initiator: boolean;
  via: Via | null;
  /**
   * Our own hello is on the queue. Until then nothing else is sent: the remote's hello may
   * authenticate the link while ours is still being signed, and the remote refuses any frame
   * that arrives before our hello.
   */
  helloSent: boolean;
  connected: boolean;
  authenticated: boolean;
  closed: boolean;
  localFingerprint: string | null;
  remoteFingerprint: string | null;
  seqOut: number;
  seqIn: number;
  candidatesIn: number;
  reassembler: Reassembler;
  queue: Uint8Array[];
  queuedBytes: number;
  inFlightBytes: number;
  rttMs: number | null;
  pingNonce: number | null;
  pingSentAt: number;
  lastPingAt: number;
  lastHeardAt: number;
  createdAt: number;
  connectedAt: number;
  iceDisconnectedAt: number | null;
  iceRestarted: boolean;
}

const tickMs = 500;
const rttSmoothing = 0.2;

export class Hub implements PeerNet {
  private options: NetStartOptions | null = null;
  private ownTag: Uint8Array = new Uint8Array(0);
  private readonly counters = { gossipIn: 0, gossipDuplicates: 0 };
  private handler: NetHandler | null = null;
  private readonly links = new Map<string, Link>();
  /** Authenticated neighbours: did -> link id. */
  private readonly neighbours = new Map<string, string>();
  private readonly known = new Map<string, number>();
  private readonly banned = new Map<string, number>();
  private readonly redials = new Map<string, { dueAt: number; backoffMs: number }>();
  private readonly announceReplies = new Map<string, number>();
  private readonly seenGossip = new SeenIds();
  private readonly seenSignals = new SeenIds();
  private earlyCandidates: Array<Extract<SignalEnvelope, { kind: 'signal' }>> = [];
  private validators = new Set<string>();
  private channels: SignalingChannel[] = [];
  private webrtc: boolean | null = null;
  private everAuthenticated = false;
  private lastAnnounceAt = 0;
  private timer: ReturnType<typeof setInterval> | null = null;

  constructor(private readonly config: HubOptions) {
    config.driver.setEvents({
      onCaps: (webrtc) => this.onCaps(webrtc),
      onSignal: (link, data) => this.onLocalSignal(link, data),
      onConnect: (link) => void this.onConnect(link),
      onChunk: (link, chunk) => this.onChunk(link, chunk),
      onSent: (link, bytes) => this.onSent(link, bytes),
      onIceState: (link, state) => this.onIceState(link, state),
      onClose: (link, reason) => {
        const found = this.links.get(link);
        if (found) this.closeLink(found, `the connection closed (${reason})`, { redial: true, notifyDriver: false });
      },
    });
  }

  // ---- PeerNet ----

  start(options: NetStartOptions, handler: NetHandler): void {
    this.stop();
    this.options = { ...options, relays: options.relays.slice(0, limits.relaysMax) };
    this.handler = handler;
    this.ownTag = peerTag(options.did);
    this.validators = new Set(options.validators);
    this.openSignaling();
    this.timer = setInterval(() => this.tick(), tickMs);
    (this.timer as { unref?: () => void }).unref?.();
    this.announce();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    for (const link of [...this.links.values()]) this.closeLink(link, 'leaving the room', { redial: false, notifyDriver: true });
    for (const channel of this.channels) channel.close();
    this.channels = [];
    this.redials.clear();
    this.known.clear();
    this.announceReplies.clear();
    this.seenGossip.clear();
    this.seenSignals.clear();
    this.earlyCandidates = [];
    this.options = null;
    this.handler = null;
  }

  broadcast(bytes: Uint8Array): void {
    const id = randomBytesOf(limits.messageIdBytes);
    this.seenGossip.add(id);
    this.sendGossip(this.openLinks(), { ttl: limits.gossipTtl, id, covered: new Uint8Array(0), payload: bytes }, null);
  }

  /**
   * Send a gossip frame to `targets` (neighbours not covered yet). Its covered list grows by the
   * neighbour it came from, this peer and every target that will take it (as far as
   * gossipCoveredMax allows), so the targets do not pass it to one another or back.
   */
  private sendGossip(targets: Link[], frame: Omit<Extract<Frame, { type: 'gossip' }>, 'type'>, from: Link | null): void {
    const tagsAtMost = Math.min(limits.gossipCoveredMax, frame.covered.length / limits.peerTagBytes + 2 + targets.length);
    const size = 3 + limits.messageIdBytes + tagsAtMost * limits.peerTagBytes + frame.payload.length;
    const taking = targets.filter((link) => this.wouldQueue(link, size));
    if (taking.length === 0) return;
    const added: Uint8Array[] = [];
    let count = frame.covered.length / limits.peerTagBytes;
    for (const tag of [from?.tag, this.ownTag, ...taking.map((link) => link.tag)]) {
      if (!tag || count >= limits.gossipCoveredMax || coversTag(frame.covered, tag)) continue;
      added.push(tag);
      count++;
    }
    const encoded = encodeFrame({ type: 'gossip', ...frame, covered: added.length > 0 ? concatBytes(frame.covered, ...added) : frame.covered });
    for (const link of taking) this.sendFrame(link, encoded);
  }

  send(to: string, bytes: Uint8Array): boolean {
    const link = this.neighbourLink(to);
    if (!link) return false;
    return this.sendFrame(link, encodeFrame({ type: 'message', payload: bytes }));
  }

  drop(did: string, reason: string): void {
    setBounded(this.banned, did, Date.now() + limits.dropBanMs, limits.bannedPeersMax);
    this.redials.delete(did);
    for (const link of [...this.links.values()]) {
      if (link.did === did) this.closeLink(link, `dropped: ${reason}`, { redial: false, notifyDriver: true });
    }
  }

  setValidators(dids: string[]): void {
    this.validators = new Set(dids);
    if (!this.options || !this.validators.has(this.options.did)) return;
    for (const did of dids) if (did !== this.options.did && !this.hasLinkTo(did)) this.reach(did);
  }

  view(): NetworkView {
    const neighbours: NeighbourView[] = [...this.links.values()].map((link) => ({
      did: link.did,
      validator: this.validators.has(link.did),
      state: link.authenticated ? 'open' : 'connecting',
      rttMs: link.rttMs === null ? null : Math.round(link.rttMs * 100) / 100,
      via: link.via ?? 'unknown',
      height: null,
    }));
    const relays = this.channels.filter((c) => c.via === 'relay').map((c) => ({ url: c.url, state: c.state() }));
    const webrtc = this.webrtc === false ? 'blocked' : this.everAuthenticated ? 'ok' : 'unknown';
    return { did: this.options?.did ?? '', room: this.options?.room ?? null, neighbours, relays, webrtc, notice: this.notice(webrtc, relays) };
  }

  // ---- test and rogue-peer hooks (not part of PeerNet) ----

  /** Put raw chunks on the link to `did`, bypassing framing. False when there is no open link. */
  sendRawChunks(did: string, chunks: Uint8Array[]): boolean {
    const link = this.neighbourLink(did);
    if (!link) return false;
    for (const chunk of chunks) this.enqueue(link, [chunk]);
    return true;
  }

  /** Put one raw frame (correctly chunked, any content) on the link to `did`. */
  sendRawFrame(did: string, frame: Uint8Array): boolean {
    const link = this.neighbourLink(did);
    return link ? this.sendFrame(link, frame) : false;
  }

  /** Gossip frames received on authenticated links, and how many of them were duplicates. */
  gossipCounters(): { gossipIn: number; gossipDuplicates: number } {
    return { ...this.counters };
  }

  // ---- signaling ----

  private openSignaling(): void {
    const { room, did } = this.options!;
    const onText = (text: string, channel: SignalingChannel) => this.onSignalText(text, channel.via);
    if (this.config.broadcastChannel) {
      const bc = openBroadcastChannel(room, onText);
      if (bc) this.channels.push(bc);
    }
    if (this.config.extraSignaling) this.channels.push(...this.config.extraSignaling(onText));
    const relays = this.options!.relays.length > 0 ? this.options!.relays : this.config.defaultRelay ? [this.config.defaultRelay] : [];
    if (!this.config.WebSocket) return;
    for (const url of relays) {
      const channel = openRelay(url, room, did, onText, this.config.WebSocket, () => {
        if (channel.state() === 'open') this.announce();
      });
      this.channels.push(channel);
    }
  }

  private onSignalText(text: string, via: Via): void {
    let envelope: SignalEnvelope;
    try {
      envelope = parseEnvelope(JSON.parse(text));
    } catch {
      return; // signaling is untrusted and best-effort: garbage is ignored
    }
    this.onEnvelope(envelope, via, null);
  }

  private onEnvelope(envelope: SignalEnvelope, via: Via, from: Link | null): void {
    const options = this.options;
    if (!options || envelope.room !== options.room || envelope.from === options.did) return;
    if (!this.seenSignals.add(envelope.id)) return;
    const forMe = envelope.to === undefined || envelope.to === options.did;
    if (from) this.forwardEnvelope(envelope, from);
    else if (!forMe) this.forwardToAddressee(envelope);
    if (!forMe) return;
    if (envelope.kind === 'announce') this.onAnnounce(envelope);
    else this.onRemoteSignal(envelope, via);
  }

  /** Peer-relayed signaling: straight to the recipient when linked, else flood with a hop limit. */
  private forwardEnvelope(envelope: SignalEnvelope, from: Link): void {
    if (envelope.to === this.options!.did || envelope.ttl <= 0) return;
    const next = { ...envelope, ttl: envelope.ttl - 1 };
    const frame = encodeFrame({ type: 'signal', envelope: next });
    const direct = envelope.to ? this.neighbourLink(envelope.to) : null;
    if (direct) {
      this.sendFrame(direct, frame);
      return;
    }
    for (const link of this.openLinks()) if (link !== from) this.sendFrame(link, frame);
  }

  /**
   * A signal for a neighbour that reached us over a signaling channel (BroadcastChannel, relay):
   * hand it on over our link to the addressee, who may not be on that channel. The same signal
   * also comes over our links from its sender, but often later: it is then a duplicate and not
   * forwarded again, so without this the addressee would never see it.
   */
  private forwardToAddressee(envelope: SignalEnvelope): void {
    const direct = envelope.to ? this.neighbourLink(envelope.to) : null;
    if (!direct || envelope.ttl <= 0) return;
    this.sendFrame(direct, encodeFrame({ type: 'signal', envelope: { ...envelope, ttl: envelope.ttl - 1 } }));
  }

  private emitEnvelope(envelope: SignalEnvelope): void {
    const text = JSON.stringify(envelope);
    if (text.length > limits.signalBytesMax) {
      this.log('warn', `A signaling message of ${text.length} bytes was not sent (limit ${limits.signalBytesMax}).`);
      return;
    }
    this.seenSignals.add(envelope.id);
    for (const channel of this.channels) channel.send(text);
    const frame = encodeFrame({ type: 'signal', envelope });
    const direct = envelope.to ? this.neighbourLink(envelope.to) : null;
    for (const link of direct ? [direct] : this.openLinks()) this.sendFrame(link, frame);
  }

  private announce(to?: string): void {
    const options = this.options;
    if (!options || this.webrtc !== true) return;
    if (!to) this.lastAnnounceAt = Date.now();
    this.emitEnvelope({ v: 1, kind: 'announce', room: options.room, from: options.did, id: newId(), ttl: limits.peerSignalTtl, ...(to ? { to } : {}) });
  }

  private onAnnounce(envelope: SignalEnvelope): void {
    const me = this.options!.did;
    const them = envelope.from;
    setBounded(this.known, them, Date.now(), limits.knownPeersMax);
    const existing = [...this.links.values()].filter((link) => link.did === them);
    if (existing.some((link) => !link.authenticated)) return; // a dial is under way
    if (existing.length > 0) {
      // A targeted announce from a neighbour means it lost its link to us while ours has not
      // noticed yet (a remote close can take long to surface): dial a fresh link, which
      // replaces the stale one once authenticated. Rate-limited, since signaling is untrusted.
      if (envelope.to === undefined || me > them || !this.rateAllows(them)) return;
      this.dial(them);
      return;
    }
    if (!this.wants(them)) return;
    if (me < them) {
      this.dial(them);
      return;
    }
    // Only answer open announces: a targeted one from a larger did would be a loop.
    if (envelope.to !== undefined || !this.rateAllows(them)) return;
    this.announce(them);
  }

  /** At most one reaction per announceReplyIntervalMs to announces from one peer. */
  private rateAllows(did: string): boolean {
    const last = this.announceReplies.get(did) ?? 0;
    if (Date.now() - last < limits.announceReplyIntervalMs) return false;
    setBounded(this.announceReplies, did, Date.now(), limits.knownPeersMax);
    return true;
  }

  /** Get a link to `did` started: dial it, or ask it to dial us. */
  private reach(did: string): void {
    if (this.options!.did < did) this.dial(did);
    else this.announce(did);
  }

  private dial(did: string): void {
    if (this.webrtc !== true || this.links.size >= limits.linksMax || this.isBanned(did)) return;
    const link = this.newLink(newId(), did, true);
    this.config.driver.open(link.id, true, this.iceServers());
  }

  private onRemoteSignal(envelope: Extract<SignalEnvelope, { kind: 'signal' }>, via: Via): void {
    let link = this.links.get(envelope.link);
    if (link && (link.did !== envelope.from || link.closed)) return;
    if (envelope.data.type === 'candidate') {
      if (!link) this.holdEarlyCandidate(envelope);
      else if (link.candidatesIn++ < limits.candidatesPerLinkMax) this.config.driver.signal(link.id, envelope.data);
      return;
    }
    if (!link) {
      if (envelope.data.type !== 'offer' || !this.acceptsOffer(envelope.from)) return;
      link = this.newLink(envelope.link, envelope.from, false);
      this.config.driver.open(link.id, false, this.iceServers());
      this.replayEarlyCandidates(link);
    }
    if (envelope.seq <= link.seqIn) return;
    if ((envelope.data.type === 'answer') !== link.initiator) return;
    let fingerprint: string;
    try {
      fingerprint = sdpFingerprint(envelope.data.sdp);
    } catch (error) {
      this.closeLink(link, `unusable SDP: ${reasonOf(error)}`, { redial: false, notifyDriver: true });
      return;
    }
    if (link.remoteFingerprint !== null && link.remoteFingerprint !== fingerprint) {
      this.closeLink(link, 'the remote DTLS certificate changed during renegotiation', { redial: true, notifyDriver: true });
      return;
    }
    link.remoteFingerprint = fingerprint;
    link.seqIn = envelope.seq;
    link.via ??= via;
    this.config.driver.signal(link.id, envelope.data);
  }

  /** A candidate that overtook its offer on a faster signaling path: keep it for a moment. */
  private holdEarlyCandidate(envelope: Extract<SignalEnvelope, { kind: 'signal' }>): void {
    this.earlyCandidates.push(envelope);
    if (this.earlyCandidates.length > limits.earlyCandidatesMax) this.earlyCandidates.shift();
  }

  private replayEarlyCandidates(link: Link): void {
    const mine = this.earlyCandidates.filter((e) => e.link === link.id && e.from === link.did);
    this.earlyCandidates = this.earlyCandidates.filter((e) => e.link !== link.id);
    // Given after the offer (the driver queues candidates until the remote description is set).
    queueMicrotask(() => {
      for (const envelope of mine) if (!link.closed && link.candidatesIn++ < limits.candidatesPerLinkMax) this.config.driver.signal(link.id, envelope.data);
    });
  }

  private onLocalSignal(linkId: string, data: SignalData): void {
    const link = this.links.get(linkId);
    const options = this.options;
    if (!link || link.closed || !options) return;
    if (data.type === 'candidate') {
      this.emitEnvelope({ v: 1, kind: 'signal', room: options.room, from: options.did, to: link.did, link: link.id, seq: link.seqOut, data, id: newId(), ttl: limits.peerSignalTtl });
      return;
    }
    try {
      link.localFingerprint = sdpFingerprint(data.sdp);
    } catch (error) {
      this.closeLink(link, `our own SDP is unusable: ${reasonOf(error)}`, { redial: false, notifyDriver: true });
      return;
    }
    link.seqOut += 1;
    this.emitEnvelope({ v: 1, kind: 'signal', room: options.room, from: options.did, to: link.did, link: link.id, seq: link.seqOut, data, id: newId(), ttl: limits.peerSignalTtl });
  }

  // ---- links ----

  private newLink(id: string, did: string, initiator: boolean): Link {
    const now = Date.now();
    const link: Link = {
      id, did, tag: peerTag(did), initiator, via: null, helloSent: false, connected: false, authenticated: false, closed: false,
      localFingerprint: null, remoteFingerprint: null, seqOut: 0, seqIn: 0, candidatesIn: 0,
      reassembler: new Reassembler(), queue: [], queuedBytes: 0, inFlightBytes: 0,
      rttMs: null, pingNonce: null, pingSentAt: 0, lastPingAt: 0, lastHeardAt: now,
      createdAt: now, connectedAt: 0, iceDisconnectedAt: null, iceRestarted: false,
    };
    this.links.set(id, link);
    return link;
  }

  private async onConnect(linkId: string): Promise<void> {
    const link = this.links.get(linkId);
    const options = this.options;
    if (!link || link.closed || !options) return;
    link.connected = true;
    link.connectedAt = Date.now();
    if (!link.localFingerprint || !link.remoteFingerprint) {
      this.closeLink(link, 'the channel opened before both SDPs were seen', { redial: true, notifyDriver: true });
      return;
    }
    const claimed = this.config.helloLocalFingerprint?.(link.localFingerprint) ?? link.localFingerprint;
    const hello = await makeHello(options, options.room, claimed, link.remoteFingerprint);
    if (link.closed) return;
    const chunks = chunkFrame(encodeFrame({ type: 'hello', hello }));
    link.queue.unshift(...chunks);
    for (const chunk of chunks) link.queuedBytes += chunk.length;
    link.helloSent = true;
    this.pump(link);
  }

  private onChunk(linkId: string, chunk: Uint8Array): void {
    const link = this.links.get(linkId);
    if (!link || link.closed) return;
    try {
      for (const frame of link.reassembler.pushAll(chunk)) {
        if (link.closed) break;
        this.onFrame(link, decodeFrame(frame));
      }
    } catch (error) {
      if (!(error instanceof BotError)) throw error;
      // Data channels are reliable and DTLS-protected: bad framing is a buggy or hostile peer,
      // not line noise. An authenticated peer is dropped (refused for a while), not redialed.
      if (link.authenticated) this.drop(link.did, `it sent bad data (${error.code}): ${error.message}`);
      else this.closeLink(link, `bad data (${error.code}): ${error.message}`, { redial: true, notifyDriver: true });
    }
  }

  private onFrame(link: Link, frame: Frame): void {
    link.lastHeardAt = Date.now();
    if (!link.authenticated) {
      if (frame.type !== 'hello') throw new BotError('UNAUTHORIZED', `A ${frame.type} frame arrived before the hello.`);
      this.onHello(link, frame.hello);
      return;
    }
    switch (frame.type) {
      case 'hello':
        throw new BotError('MALFORMED', 'A second hello on an authenticated link.');
      case 'message':
        this.handler?.onMessage(link.did, frame.payload);
        return;
      case 'gossip':
        this.onGossip(link, frame);
        return;
      case 'ping':
        this.sendFrame(link, encodeFrame({ type: 'pong', nonce: frame.nonce }));
        return;
      case 'pong':
        this.onPong(link, frame.nonce);
        return;
      case 'signal':
        this.onEnvelope(parseEnvelope(frame.envelope), 'peer', link);
        return;
    }
  }

  private onHello(link: Link, hello: unknown): void {
    const options = this.options!;
    checkHello(hello, { room: options.room, did: link.did, localFingerprint: link.localFingerprint!, remoteFingerprint: link.remoteFingerprint! });
    if (this.isBanned(link.did)) throw new BotError('UNAUTHORIZED', `${link.did} is refused for a while.`);
    link.authenticated = true;
    this.everAuthenticated = true;
    this.redials.delete(link.did);
    const previous = this.neighbourLink(link.did);
    if (previous) this.closeLink(previous, 'replaced by a newer link', { redial: false, notifyDriver: true });
    this.neighbours.set(link.did, link.id);
    this.log('info', `Linked with ${short(link.did)} (signaled via ${link.via ?? 'unknown'}).`);
    this.notifyNeighbours();
    // Introduce ourselves to the new neighbour's neighbours (peer-relayed signaling).
    if (this.wantsMore()) this.announce();
  }

  private onGossip(link: Link, frame: Extract<Frame, { type: 'gossip' }>): void {
    this.counters.gossipIn++;
    if (!this.seenGossip.add(frame.id)) {
      this.counters.gossipDuplicates++;
      return;
    }
    this.handler?.onMessage(link.did, frame.payload);
    const ttl = Math.min(frame.ttl, limits.gossipTtl) - 1;
    if (ttl <= 0) return;
    const targets = this.openLinks().filter((other) => other !== link && !coversTag(frame.covered, other.tag));
    if (targets.length > 0) this.sendGossip(targets, { ttl, id: frame.id, covered: frame.covered, payload: frame.payload }, link);
  }

  private onPong(link: Link, nonce: number): void {
    if (nonce !== link.pingNonce) return;
    const sample = performance.now() - link.pingSentAt;
    link.rttMs = link.rttMs === null ? sample : link.rttMs * (1 - rttSmoothing) + sample * rttSmoothing;
    link.pingNonce = null;
  }

  private onIceState(linkId: string, state: string): void {
    const link = this.links.get(linkId);
    if (!link) return;
    if (state === 'disconnected') link.iceDisconnectedAt ??= Date.now();
    if (state === 'connected' || state === 'completed') {
      link.iceDisconnectedAt = null;
      link.iceRestarted = false;
    }
  }

  private onSent(linkId: string, bytes: number): void {
    const link = this.links.get(linkId);
    if (!link || link.closed) return;
    link.inFlightBytes = Math.max(0, link.inFlightBytes - bytes);
    this.pump(link);
  }

  /** Whether sendFrame would take a frame of `bytes` on `link`. */
  private wouldQueue(link: Link, bytes: number): boolean {
    return link.authenticated && !link.closed && bytes <= limits.frameBytesMax && link.queuedBytes + bytes <= limits.linkQueueBytesMax;
  }

  private sendFrame(link: Link, frame: Uint8Array): boolean {
    if (!link.authenticated || link.closed) return false;
    if (frame.length > limits.frameBytesMax) {
      this.log('warn', `A message of ${frame.length} bytes was not sent (limit ${limits.frameBytesMax}).`);
      return false;
    }
    if (link.queuedBytes + frame.length > limits.linkQueueBytesMax) {
      this.log('warn', `The link to ${short(link.did)} is backed up; a message of ${frame.length} bytes was not sent.`);
      return false;
    }
    this.enqueue(link, chunkFrame(frame));
    return true;
  }

  private enqueue(link: Link, chunks: Uint8Array[]): void {
    for (const chunk of chunks) {
      link.queue.push(chunk);
      link.queuedBytes += chunk.length;
    }
    this.pump(link);
  }

  /** Hand chunks to the driver while less than linkWindowBytes are outstanding there. */
  private pump(link: Link): void {
    while (link.helloSent && link.queue.length > 0 && link.inFlightBytes < limits.linkWindowBytes && !link.closed) {
      const chunk = this.nextChunk(link);
      if (!chunk) return;
      link.inFlightBytes += chunk.length;
      this.config.driver.send(link.id, chunk);
    }
  }

  /**
   * The next chunk to hand over. Whole small frames at the head of the queue go as one bundle
   * (framing.ts); while bundleHoldInFlightBytes or more are in flight and they fill less than
   * half a chunk, they wait for an onSent (Nagle's rule): a lightly used link (a vote now and
   * then) sends at once, a busy one sends fewer, fuller messages. null: wait.
   */
  private nextChunk(link: Link): Uint8Array | null {
    let count = 0;
    let bytes = 1;
    for (const chunk of link.queue) {
      if (!isWholeFrameChunk(chunk) || bytes + bundledBytes(chunk) > limits.chunkBytesMax) break;
      bytes += bundledBytes(chunk);
      count++;
    }
    if (count === 0) {
      const chunk = link.queue.shift()!;
      link.queuedBytes -= chunk.length;
      return chunk;
    }
    if (link.inFlightBytes >= limits.bundleHoldInFlightBytes && count === link.queue.length && bytes * 2 < limits.chunkBytesMax) return null;
    const parts = link.queue.splice(0, count);
    for (const part of parts) link.queuedBytes -= part.length;
    return bundleChunks(parts);
  }

  private closeLink(link: Link, reason: string, how: { redial: boolean; notifyDriver: boolean }): void {
    if (link.closed) return;
    link.closed = true;
    link.queue = [];
    this.links.delete(link.id);
    if (how.notifyDriver) this.config.driver.close(link.id);
    const wasNeighbour = this.neighbours.get(link.did) === link.id;
    if (wasNeighbour) this.neighbours.delete(link.did);
    const dropped = reason.startsWith('dropped:');
    // A dropped peer is named in full: the operation log is what an audit reads.
    if (this.options) this.log(link.authenticated && !dropped ? 'info' : 'warn', `Link with ${dropped ? link.did : short(link.did)} closed: ${reason.replace(/\.$/, '')}.`);
    if (wasNeighbour) this.notifyNeighbours();
    if (how.redial && this.options && !this.hasLinkTo(link.did) && this.wants(link.did)) this.scheduleRedial(link.did);
  }

  private scheduleRedial(did: string): void {
    const previous = this.redials.get(did);
    const backoffMs = previous ? Math.min(previous.backoffMs * 2, limits.redialBackoffMaxMs) : limits.redialBackoffMinMs;
    setBounded(this.redials, did, { dueAt: Date.now() + backoffMs, backoffMs }, limits.knownPeersMax);
  }

  // ---- periodic work ----

  private tick(): void {
    if (!this.options) return;
    const now = Date.now();
    for (const link of [...this.links.values()]) this.checkLink(link, now);
    for (const [did, redial] of this.redials) {
      if (redial.dueAt > now || this.hasLinkTo(did)) continue;
      redial.dueAt = now + redial.backoffMs;
      this.reach(did);
    }
    for (const [did, until] of this.banned) if (until <= now) this.banned.delete(did);
    if (now - this.lastAnnounceAt >= limits.announceIntervalMs && this.wantsMore()) this.announce();
  }

  private checkLink(link: Link, now: number): void {
    if (!link.connected && now - link.createdAt > limits.linkConnectTimeoutMs) {
      this.closeLink(link, 'it did not open in time', { redial: true, notifyDriver: true });
    } else if (link.connected && !link.authenticated && now - link.connectedAt > limits.helloTimeoutMs) {
      this.closeLink(link, 'no hello arrived in time', { redial: true, notifyDriver: true });
    } else if (link.authenticated && now - link.lastHeardAt > limits.linkSilenceMsMax) {
      this.closeLink(link, `silent for ${limits.linkSilenceMsMax / 1000} s`, { redial: true, notifyDriver: true });
    } else if (link.authenticated && now - link.lastPingAt >= limits.pingIntervalMs && link.queue.length === 0 && link.inFlightBytes === 0) {
      // Not while a bulk send is under way: the ping would wait behind it and skew the RTT.
      link.lastPingAt = now;
      link.pingNonce = randomBytesOf(4).reduce((a, b) => a * 256 + b, 0);
      link.pingSentAt = performance.now();
      this.sendFrame(link, encodeFrame({ type: 'ping', nonce: link.pingNonce }));
    }
    if (link.initiator && !link.iceRestarted && link.iceDisconnectedAt !== null && now - link.iceDisconnectedAt > limits.iceRestartAfterMs) {
      link.iceRestarted = true;
      this.log('info', `ICE restart on the link with ${short(link.did)}.`);
      this.config.driver.restartIce(link.id);
    }
  }

  // ---- policy ----

  private onCaps(webrtc: boolean): void {
    this.webrtc = webrtc;
    if (!webrtc) this.log('error', 'WebRTC is not available here: this peer cannot link with others.');
    else this.announce();
  }

  private iAmValidator(): boolean {
    return this.options !== null && this.validators.has(this.options.did);
  }

  /** Whether this peer wants a link with `did`: validators among themselves, others up to the target degree. */
  private wants(did: string): boolean {
    if (this.isBanned(did) || did === this.options?.did) return false;
    if (this.iAmValidator() && this.validators.has(did)) return true;
    let ordinary = 0;
    for (const link of this.links.values()) if (!(this.iAmValidator() && this.validators.has(link.did))) ordinary++;
    return ordinary < limits.neighboursTarget;
  }

  private acceptsOffer(did: string): boolean {
    return this.webrtc === true && !this.isBanned(did) && did !== this.options?.did && this.links.size < limits.linksMax;
  }

  private wantsMore(): boolean {
    if (this.links.size < limits.neighboursTarget) return true;
    if (!this.iAmValidator()) return false;
    for (const did of this.validators) if (did !== this.options!.did && !this.hasLinkTo(did)) return true;
    return false;
  }

  private isBanned(did: string): boolean {
    const until = this.banned.get(did);
    return until !== undefined && until > Date.now();
  }

  private hasLinkTo(did: string): boolean {
    for (const link of this.links.values()) if (link.did === did) return true;
    return false;
  }

  private neighbourLink(did: string): Link | null {
    const id = this.neighbours.get(did);
    const link = id === undefined ? undefined : this.links.get(id);
    return link && link.authenticated && !link.closed ? link : null;
  }

  private openLinks(): Link[] {
    const out: Link[] = [];
    for (const id of this.neighbours.values()) {
      const link = this.links.get(id);
      if (link?.authenticated) out.push(link);
    }
    return out;
  }

  private iceServers(): IceServer[] {
    return this.options?.iceServers ?? [];
  }

  private notifyNeighbours(): void {
    this.handler?.onNeighbours([...this.neighbours.keys()]);
  }

  private log(level: 'info' | 'warn' | 'error', message: string): void {
    this.handler?.onLog?.(level, message);
  }

  private notice(webrtc: NetworkView['webrtc'], relays: NetworkView['relays']): string | null {
    if (webrtc === 'blocked') return 'This browser cannot open peer-to-peer connections (WebRTC is missing or turned off), so it cannot reach other peers. Use a browser with WebRTC.';
    if (this.neighbours.size > 0 || relays.length === 0) return null;
    if (relays.every((r) => r.state === 'failed' || r.state === 'closed')) {
      return `No signaling relay answers (${relays.map((r) => r.url).join(', ')}); only tabs of this browser can be reached. Check the relay URLs in Settings.`;
    }
    return null;
  }
}

function randomBytesOf(length: number): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(length));
}

function newId(): string {
  return toHex(randomBytesOf(8));
}

function short(did: string): string {
  return did.length > 20 ? `${did.slice(0, 14)}…${did.slice(-4)}` : did;
}

function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
