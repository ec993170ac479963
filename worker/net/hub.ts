// The hub: this peer's side of the mesh, the PeerNet the host talks to. It runs where the
// identity key is (the worker, or the Node peer) and decides everything about links. Its parts,
// one file each:
//   signal-router.ts  signaling paths (BroadcastChannel, relays, through peers) and routing;
//   dialer.ts         whom to link with, who dials, announces, redials, refusals, SDPs;
//   handshake.ts      the hello that proves each end's did on the data channel;
//   link.ts           a link's state, the link table and the link replacement rule;
//   pacing.ts         per-link send queues, the driver window, bundling;
//   gossip.ts         broadcasts: flooding with covered lists and de-duplication;
//   liveness.ts       timeouts, pings, ICE restarts;
//   clock.ts          time and timers, injected (a simulator can drive the hub).
// This file wires them, owns the link lifecycle (connect, hello, close) and the periodic tick.
// The WebRTC stack itself sits behind a LinkDriver (driver.ts).
import { BotError } from '../core/errors';
import type { NeighbourView, NetworkView } from '../api';
import { realClock, type Clock, type TimerHandle } from './clock';
import { Dialer } from './dialer';
import type { LinkDriver } from './driver';
import { GossipRouter, type GossipObserver } from './gossip';
import { checkHello, makeHello } from './handshake';
import * as limits from './limits';
import { type CloseHow, LinkTable, replaces, type Link } from './link';
import { checkLink, onIceState, onPong } from './liveness';
import { newId, short } from './names';
import { linksMaxOf } from './overlay';
import { LinkSender } from './pacing';
import { SignalRouter, type SignalPaths } from './signal-router';
import type { SignalEnvelope, Via } from './signaling';
import type { NetHandler, NetStartOptions, PeerNet } from './types';
import { decodeFrame, encodeFrame, messageFrameParts, peerTag, type Frame } from './wire';

export interface HubOptions extends SignalPaths {
  driver: LinkDriver;
  /** Time and timers; the real clock when omitted. */
  clock?: Clock;
  /** Test hook for rogue peers: the fingerprint this side claims as its own in its hello. */
  helloLocalFingerprint?: (fingerprint: string) => string;
  /** Sees every gossip frame that arrives (the simulator's hop and duplicate counts). */
  observeGossip?: GossipObserver;
}

const tickMs = 500;

export class Hub implements PeerNet {
  readonly clock: Clock;
  readonly driver: LinkDriver;
  readonly links = new LinkTable();
  private options: NetStartOptions | null = null;
  private handler: NetHandler | null = null;
  private ownTag: Uint8Array = new Uint8Array(0);
  private session = '';
  private validators = new Set<string>();
  /** Who may take gossip in and out (setReaders); null: every neighbour. */
  private readers: Set<string> | null = null;
  private gossipRefused = 0;
  private readonly gossipRefusedFrom = new Set<string>();
  private webrtc: boolean | null = null;
  private everAuthenticated = false;
  private timer: TimerHandle | null = null;
  private lastTickAt = 0;
  private readonly sender: LinkSender;
  private readonly gossip: GossipRouter;
  private readonly router: SignalRouter;
  private readonly dialer: Dialer;

  constructor(private readonly config: HubOptions) {
    this.clock = config.clock ?? realClock;
    this.driver = config.driver;
    const log = (level: 'info' | 'warn' | 'error', message: string) => this.log(level, message);
    this.sender = new LinkSender(this.driver, log);
    this.gossip = new GossipRouter({
      ownTag: () => this.ownTag,
      openLinks: () => this.links.openLinks().filter((link) => this.mayRead(link.did)),
      wouldQueue: (link, bytes) => this.sender.wouldQueue(link, bytes),
      send: (link, frame) => this.sender.send(link, frame),
      deliver: (from, payload) => this.handler?.onMessage(from, payload),
      ...(config.observeGossip ? { observe: config.observeGossip } : {}),
    });
    this.router = new SignalRouter(config, {
      me: () => this.options,
      links: this.links,
      send: (link, frame) => this.sender.send(link, frame),
      log,
      deliver: (envelope, via) => this.onEnvelope(envelope, via),
      onRelayOpen: () => this.dialer.announce(),
    });
    this.dialer = new Dialer({
      clock: this.clock,
      driver: this.driver,
      links: this.links,
      options: () => this.options,
      session: () => this.session,
      webrtc: () => this.webrtc,
      validators: () => this.validators,
      emit: (envelope) => this.router.emit(envelope),
      closeLink: (link, reason, how) => this.closeLink(link, reason, how),
    });
    this.driver.setEvents({
      onCaps: (webrtc) => this.onCaps(webrtc),
      onSignal: (link, data) => this.dialer.onLocalSignal(link, data),
      onConnect: (link) => void this.onConnect(link),
      onChunk: (link, chunk) => this.onChunk(link, chunk),
      onSent: (link, bytes) => this.withLink(link, (found) => this.sender.onSent(found, bytes)),
      onIceState: (link, state) =>
        this.withLink(link, (found) => onIceState(found, state, this.clock.now())),
      onClose: (link, reason) =>
        this.withLink(link, (found) =>
          this.closeLink(found, `the connection closed (${reason})`, {
            redial: true,
            notifyDriver: false,
          }),
        ),
    });
  }

  // ---- PeerNet ----

  start(options: NetStartOptions, handler: NetHandler): void {
    this.stop();
    this.options = {
      ...options,
      relays: options.relays.slice(0, limits.relaysMax),
      linksMax: overlayLinksMax(options.linksMax),
    };
    this.handler = handler;
    this.ownTag = peerTag(options.did);
    this.session = newId();
    this.validators = new Set(options.validators);
    this.readers = null; // the host names them right after start (setReaders)
    this.router.open(options.room, options.did, this.options.relays);
    this.lastTickAt = this.clock.now();
    this.schedule();
    // A peer starting wants links soon: announces at once, then after 1, 2, 4 s ... while it
    // wants more (not only every announceIntervalMs: a peer whose first announce went to peers
    // not started yet would wait that long alone).
    this.dialer.announceForLink();
  }

  stop(): void {
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    this.timer = null;
    for (const link of this.links.all())
      this.closeLink(link, 'leaving the room', { redial: false, notifyDriver: true });
    this.router.close();
    this.dialer.clear();
    this.gossip.clear();
    this.options = null;
    this.handler = null;
  }

  broadcast(bytes: Uint8Array): void {
    this.gossip.broadcast(bytes);
  }

  send(to: string, bytes: Uint8Array): boolean {
    const link = this.links.neighbourLink(to);
    if (!link) return false;
    // Tag and payload copied straight into the link's chunks (no joined copy of a 1 MiB chunk).
    return this.sender.send(link, messageFrameParts(bytes));
  }

  drop(did: string, reason: string): void {
    this.dialer.ban(did);
    for (const link of this.links.to(did))
      this.closeLink(link, `dropped: ${reason}`, { redial: false, notifyDriver: true });
  }

  setValidators(dids: string[]): void {
    this.validators = new Set(dids);
    if (!this.options || !this.validators.has(this.options.did)) return;
    for (const did of dids)
      if (did !== this.options.did && !this.links.hasLinkTo(did)) this.dialer.reach(did);
  }

  setReaders(dids: string[] | null): void {
    this.readers = dids === null ? null : new Set(dids);
    this.gossipRefusedFrom.clear();
  }

  private mayRead(did: string): boolean {
    return this.readers === null || this.readers.has(did);
  }

  view(): NetworkView {
    const ring = this.options ? this.dialer.ringNeighbours() : [];
    const neighbours: NeighbourView[] = this.links.all().map((link) => ({
      did: link.did,
      validator: this.validators.has(link.did),
      ring: ring.includes(link.did),
      state: link.authenticated ? 'open' : 'connecting',
      rttMs: link.rttMs === null ? null : Math.round(link.rttMs * 100) / 100,
      via: link.via ?? 'unknown',
      height: null,
    }));
    const relays = this.router.relays();
    const webrtc = this.webrtc === false ? 'blocked' : this.everAuthenticated ? 'ok' : 'unknown';
    return {
      did: this.options?.did ?? '',
      room: this.options?.room ?? null,
      neighbours,
      relays,
      webrtc,
      notice: this.notice(webrtc, relays),
    };
  }

  // ---- test and rogue-peer hooks (not part of PeerNet) ----

  /** Put raw chunks on the link to `did`, bypassing framing. False when there is no open link. */
  sendRawChunks(did: string, chunks: Uint8Array[]): boolean {
    const link = this.links.neighbourLink(did);
    if (!link) return false;
    this.sender.enqueue(link, chunks);
    return true;
  }

  /** Put one raw frame (correctly chunked, any content) on the link to `did`. */
  sendRawFrame(did: string, frame: Uint8Array): boolean {
    const link = this.links.neighbourLink(did);
    return link ? this.sender.send(link, frame) : false;
  }

  /** Gossip frames received on authenticated links, duplicates, and those refused (setReaders). */
  gossipCounters(): { gossipIn: number; gossipDuplicates: number; gossipRefused: number } {
    return { ...this.gossip.counts(), gossipRefused: this.gossipRefused };
  }

  /** Dial `did` now, whatever the dial policy says (tests: two dials at once). */
  dialNow(did: string): void {
    this.dialer.dial(did);
  }

  /** The ids of the authenticated links, by did (tests: which link a pair settled on). */
  neighbourLinkIds(): Map<string, string> {
    return new Map(this.links.openLinks().map((link) => [link.did, link.id]));
  }

  // ---- signaling ----

  private onEnvelope(envelope: SignalEnvelope, via: Via): void {
    if (envelope.kind === 'announce') this.dialer.onAnnounce(envelope);
    else this.dialer.onRemoteSignal(envelope, via);
  }

  // ---- the link lifecycle ----

  private withLink(linkId: string, fn: (link: Link) => void): void {
    const link = this.links.get(linkId);
    if (link && !link.closed) fn(link);
  }

  private async onConnect(linkId: string): Promise<void> {
    const link = this.links.get(linkId);
    const options = this.options;
    if (!link || link.closed || !options) return;
    link.connected = true;
    link.connectedAt = this.clock.now();
    if (!link.localFingerprint || !link.remoteFingerprint) {
      this.closeLink(link, 'the channel opened before both SDPs were seen', {
        redial: true,
        notifyDriver: true,
      });
      return;
    }
    const claimed =
      this.config.helloLocalFingerprint?.(link.localFingerprint) ?? link.localFingerprint;
    const hello = await makeHello(options, options.room, claimed, link.remoteFingerprint);
    if (link.closed) return;
    this.sender.sendHello(link, encodeFrame({ type: 'hello', hello }));
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
      if (link.authenticated)
        this.drop(link.did, `it sent bad data (${error.code}): ${error.message}`);
      else
        this.closeLink(link, `bad data (${error.code}): ${error.message}`, {
          redial: true,
          notifyDriver: true,
        });
    }
  }

  private onFrame(link: Link, frame: Frame): void {
    link.lastHeardAt = this.clock.now();
    if (!link.authenticated) {
      if (frame.type !== 'hello')
        throw new BotError('UNAUTHORIZED', `A ${frame.type} frame arrived before the hello.`);
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
        if (!this.mayRead(link.did)) {
          // Not a reader of this chain (read rights, worker/host/read-rights.ts): its gossip is
          // neither delivered nor forwarded. Counted; logged once per peer until readers change.
          this.gossipRefused++;
          if (this.gossipRefusedFrom.size < limits.gossipRefusedLoggedMax) {
            if (!this.gossipRefusedFrom.has(link.did))
              this.log(
                'warn',
                `Ignored gossip from ${short(link.did)}: it is not a member of this chain.`,
              );
            this.gossipRefusedFrom.add(link.did);
          }
          return;
        }
        this.gossip.onFrame(link, frame);
        return;
      case 'ping':
        this.sender.send(link, encodeFrame({ type: 'pong', nonce: frame.nonce }));
        return;
      case 'pong':
        onPong(link, frame.nonce, this.clock.now());
        return;
      case 'signal':
        this.router.onFrame(frame.envelope, link);
        return;
    }
  }

  private onHello(link: Link, hello: unknown): void {
    const options = this.options!;
    checkHello(hello, {
      room: options.room,
      did: link.did,
      localFingerprint: link.localFingerprint!,
      remoteFingerprint: link.remoteFingerprint!,
    });
    if (this.dialer.isBanned(link.did))
      throw new BotError('UNAUTHORIZED', `${link.did} is refused for a while.`);
    link.authenticated = true;
    this.everAuthenticated = true;
    this.dialer.onLinked(link.did);
    const previous = this.links.neighbourLink(link.did);
    if (previous && !replaces(link, previous)) {
      // Two live links dialed at once: both ends keep the same one (link.ts, replaces).
      this.closeLink(link, 'a parallel link to the same peer is kept', {
        redial: false,
        notifyDriver: true,
      });
      return;
    }
    if (previous)
      this.closeLink(previous, 'replaced by a newer link', { redial: false, notifyDriver: true });
    this.links.setNeighbour(link);
    this.log('info', `Linked with ${short(link.did)} (signaled via ${link.via ?? 'unknown'}).`);
    this.dialer.dialWaitingSoon();
    this.shed();
    this.notifyNeighbours();
    // Introduce ourselves to the new neighbour's neighbours (peer-relayed signaling).
    if (this.dialer.wantsMore()) this.dialer.announce();
  }

  private closeLink(link: Link, reason: string, how: CloseHow): void {
    if (link.closed) return;
    if (how.tellRemote) this.dialer.tellClosed(link);
    link.closed = true;
    link.queue = [];
    const wasNeighbour = this.links.remove(link);
    if (how.notifyDriver) this.driver.close(link.id);
    if (!link.authenticated) this.dialer.dialWaitingSoon();
    const dropped = reason.startsWith('dropped:');
    // A dropped peer is named in full: the operation log is what an audit reads.
    if (this.options)
      this.log(
        link.authenticated && !dropped ? 'info' : 'warn',
        `Link with ${dropped ? link.did : short(link.did)} closed: ${reason.replace(/\.$/, '')}.`,
      );
    if (wasNeighbour) this.notifyNeighbours();
    if (!this.options || this.dialer.hasCurrentLinkTo(link.did)) return;
    if (link.authenticated) this.dialer.onLinkLost(link.did);
    if (how.redial && this.dialer.redialsLost(link.did)) this.dialer.scheduleRedial(link.did);
    // The link is replaced through the overlay (overlay.ts): peers with room, or that rank this
    // one high, answer the announce.
    // So does a peer left with no link at all when a link being made fails (its dials went
    // unanswered): else it would wait for its next announce, up to announceIntervalMs.
    else if (
      (wasNeighbour || this.links.neighbourCount === 0) &&
      this.shedding === 0 &&
      this.dialer.wantsMore()
    )
      this.dialer.announceForLink();
  }

  private shedding = 0;

  /** Past linksMax after a new link: the lowest-ranked links are closed (overlay.ts). */
  private shed(): void {
    const dids = this.dialer.toShed();
    if (dids.length === 0) return;
    const linksMax = this.options?.linksMax ?? limits.linksMaxDefault;
    this.shedding++;
    try {
      for (const did of dids)
        for (const link of this.links.to(did))
          this.closeLink(link, `shed for a better-ranked link (linksMax ${linksMax})`, {
            redial: false,
            notifyDriver: true,
          });
    } finally {
      this.shedding--;
    }
  }

  // ---- periodic work ----

  private schedule(): void {
    this.timer = this.clock.setTimeout(() => {
      this.timer = null;
      if (!this.options) return;
      this.tick();
      if (this.options) this.schedule();
    }, tickMs);
  }

  private tick(): void {
    const now = this.clock.now();
    if (now - this.lastTickAt > limits.resumeGapMs) this.resume(now - this.lastTickAt);
    this.lastTickAt = now;
    for (const link of this.links.all()) checkLink(this.liveness, link, now);
    this.dialer.tick(now);
    // The ring moved (a peer came between this one and a ring neighbour): that link counts now.
    this.shed();
  }

  /**
   * The tick came far too late: this peer was frozen (a phone app or tab in the background, a
   * laptop asleep). Its links may have died without a word, and its neighbours may have given
   * up on them. A new session, announced at once, gets every link made fresh (dialer.ts): the
   * old ones carry traffic until their replacements are authenticated.
   */
  private resume(gapMs: number): void {
    this.session = newId();
    this.log(
      'info',
      `Back after ${Math.round(gapMs / 1000)} s frozen: relinking with a new session.`,
    );
    this.dialer.announce();
  }

  private readonly liveness = {
    closeLink: (link: Link, reason: string, how: CloseHow) => this.closeLink(link, reason, how),
    send: (link: Link, frame: Uint8Array) => this.sender.send(link, frame),
    restartIce: (link: Link) => this.driver.restartIce(link.id),
    log: (level: 'info', message: string) => this.log(level, message),
  };

  // ---- events and the view ----

  private onCaps(webrtc: boolean): void {
    this.webrtc = webrtc;
    if (!webrtc)
      this.log('error', 'WebRTC is not available here: this peer cannot link with others.');
    else this.dialer.announceForLink();
  }

  private notifyNeighbours(): void {
    this.handler?.onNeighbours(this.links.neighbourDids());
  }

  private log(level: 'info' | 'warn' | 'error', message: string): void {
    this.handler?.onLog?.(level, message);
  }

  private notice(webrtc: NetworkView['webrtc'], relays: NetworkView['relays']): string | null {
    if (webrtc === 'blocked')
      return 'This browser cannot open peer-to-peer connections (WebRTC is missing or turned off), so it cannot reach other peers. Use a browser with WebRTC.';
    if (this.links.neighbourCount > 0 || relays.length === 0) return null;
    if (relays.every((r) => r.state === 'failed' || r.state === 'closed')) {
      return `No signaling relay answers (${relays.map((r) => r.url).join(', ')}); only tabs of this browser can be reached. Check the relay URLs in Settings.`;
    }
    return null;
  }
}

/** A linksMax that is out of range (settings are checked before) falls back to the default. */
function overlayLinksMax(value: number | undefined): number {
  try {
    return linksMaxOf(value);
  } catch {
    return limits.linksMaxDefault;
  }
}
