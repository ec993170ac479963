// The dial policy: whom to link with, who dials, announces, redials and refusals, and the
// SDP exchange of a link being made.
//
// Dialing rule: of two peers that want a link, the one with the smaller did dials; the other
// answers an announce with a targeted announce so that the smaller one dials it. So two peers
// never dial each other at once.
//
// A returning peer (issue 14): every announce and signal carries the sender's session, new
// each time its hub starts or resumes. A peer that still holds a link to an identity made in
// another session knows that link is stale the moment the new session announces itself: it
// dials a fresh link (or asks to be dialed) at once, and the fresh link replaces the stale one
// when authenticated (link.ts, replaces), instead of waiting linkSilenceMsMax.
import type { Clock, TimerHandle } from './clock';
import type { IceServer, LinkDriver } from './driver';
import { setBounded } from './gossip';
import { sdpFingerprint } from './handshake';
import * as limits from './limits';
import { type CloseHow, createLink, dialLinkId, type Link, type LinkTable } from './link';
import { newId, reasonOf } from './names';
import {
  countsAgainstLimit,
  linkRank,
  linksMaxOf,
  linksToShed,
  ringNeighbours,
  wantsLink,
  type OverlayView,
} from './overlay';
import type { EnvelopeData, SignalData, SignalEnvelope, Via } from './signaling';
import type { NetStartOptions } from './types';

type SignalOf<K extends SignalEnvelope['kind']> = Extract<SignalEnvelope, { kind: K }>;

/** What the dialer needs from the hub. */
export interface DialerHub {
  readonly clock: Clock;
  readonly driver: LinkDriver;
  readonly links: LinkTable;
  options(): NetStartOptions | null;
  /** This hub's current session. */
  session(): string;
  /** Whether WebRTC is available (null: not known yet). */
  webrtc(): boolean | null;
  validators(): ReadonlySet<string>;
  emit(envelope: SignalEnvelope): void;
  closeLink(link: Link, reason: string, how: CloseHow): void;
}

export class Dialer {
  private readonly known = new Map<string, number>();
  /** The session each peer last announced. */
  private readonly sessions = new Map<string, string>();
  private readonly banned = new Map<string, number>();
  private readonly redials = new Map<string, { dueAt: number; backoffMs: number }>();
  private readonly announceReplies = new Map<string, number>();
  private earlyCandidates: Array<SignalOf<'signal'>> = [];
  private lastAnnounceAt = 0;
  private announceGapMs: number = limits.announceIntervalMs;
  private dials = 0;
  /** This peer's ring neighbours (overlay.ts), recomputed when a peer appears or at most every ringRecomputeMs. */
  private ring: readonly string[] = [];
  private ringDirty = true;
  private ringAt = 0;
  /**
   * Ring neighbours whose link closed: maybe gone. Off the ring (it closes over the next peer
   * at once), but still redialed and taken back like a ring link until they re-link, announce,
   * or go unheard for ringAliveMs.
   */
  private readonly suspects = new Set<string>();
  /**
   * Peers to dial once a dial has room (mayDial), dialed highest link rank first (dialWaiting).
   * Bounded by knownPeersMax.
   */
  private readonly waiting = new Set<string>();
  private pumpTimer: TimerHandle | null = null;

  constructor(private readonly hub: DialerHub) {}

  clear(): void {
    this.redials.clear();
    this.known.clear();
    this.sessions.clear();
    this.announceReplies.clear();
    this.earlyCandidates = [];
    this.ring = [];
    this.ringDirty = true;
    this.suspects.clear();
    this.waiting.clear();
    if (this.pumpTimer !== null) this.hub.clock.clearTimeout(this.pumpTimer);
    this.pumpTimer = null;
  }

  // ---- announces ----

  announce(to?: string): void {
    const options = this.hub.options();
    if (!options || this.hub.webrtc() !== true) return;
    if (!to) this.lastAnnounceAt = this.hub.clock.now();
    const session = this.hub.session();
    this.hub.emit({
      v: 1,
      kind: 'announce',
      room: options.room,
      from: options.did,
      id: newId(),
      ttl: limits.peerSignalTtl,
      session,
      ...(to ? { to } : {}),
    });
  }

  onAnnounce(envelope: SignalOf<'announce'>): void {
    const me = this.hub.options()!.did;
    const them = envelope.from;
    this.heard(them);
    if (envelope.session !== undefined)
      setBounded(this.sessions, them, envelope.session, limits.knownPeersMax);
    let existing = this.hub.links.to(them);
    const pending = existing.filter((link) => !link.authenticated);
    if (pending.length > 0) {
      if (!dialMissed(pending, envelope)) return; // a dial is under way
      for (const link of pending)
        this.hub.closeLink(link, 'it is back in a new session: dialing again', {
          redial: false,
          notifyDriver: true,
        });
      existing = existing.filter((link) => link.authenticated);
    }
    if (existing.length > 0) {
      this.onAnnounceWhileLinked(envelope, existing, me);
      return;
    }
    if (!this.wants(them)) return;
    if (me < them) {
      this.dialSoon(them);
      return;
    }
    // Only answer open announces: a targeted one from a larger did would be a loop. Rate-limited
    // per session: a peer back in a new session is never held back by our answer to an older one.
    if (envelope.to !== undefined || !this.rateAllows(sessionKey(them, envelope.session))) return;
    this.announce(them);
  }

  /**
   * An announce from a peer we hold a link to. From a new session of that peer (it restarted
   * or resumed), our link is stale: get a fresh one made now. A targeted one from a neighbour
   * means it lost its link to us while ours has not noticed yet (a remote close can take long
   * to surface): the same. Rate-limited, since signaling is untrusted.
   */
  private onAnnounceWhileLinked(
    envelope: SignalOf<'announce'>,
    existing: Link[],
    me: string,
  ): void {
    const them = envelope.from;
    const newSession =
      envelope.session !== undefined &&
      existing.every(
        (link) => link.remoteSession !== null && link.remoteSession !== envelope.session,
      );
    if (!newSession && (envelope.to === undefined || me > them)) return;
    // A new session is rate-limited on a key of its own, which names the session: our answer to
    // an older session's announce (when the link was first made, or at its previous return a
    // moment ago) must not hold back the reaction to this return.
    if (!this.rateAllows(newSession ? `session ${sessionKey(them, envelope.session)}` : them))
      return;
    if (me < them) this.dial(them);
    else this.announce(them);
  }

  /** `did` announced itself or offered a link: known, and on the ring. */
  private heard(did: string): void {
    if (this.suspects.delete(did)) this.ringDirty = true;
    const heardAt = this.known.get(did);
    const now = this.hub.clock.now();
    if (heardAt === undefined || now - heardAt >= limits.ringAliveMs) this.ringDirty = true;
    setBounded(this.known, did, now, limits.knownPeersMax);
  }

  /** At most one reaction per announceReplyIntervalMs to announces from one peer (`key`: its did, or a kind and its did). */
  private rateAllows(key: string): boolean {
    const now = this.hub.clock.now();
    const last = this.announceReplies.get(key);
    if (last !== undefined && now - last < limits.announceReplyIntervalMs) return false;
    setBounded(this.announceReplies, key, now, limits.knownPeersMax);
    return true;
  }

  // ---- dialing ----

  /** Get a link to `did` started: dial it, or ask it to dial us. */
  reach(did: string): void {
    if (this.hub.options()!.did < did) this.dial(did);
    else this.announce(did);
  }

  /**
   * Dial `did`, even while a link to it exists (the fresh link replaces it when authenticated).
   * Without room for a dial (mayDial) it waits for one (dialWaiting).
   */
  dial(did: string): void {
    if (this.hub.webrtc() !== true || this.isBanned(did)) return;
    if (!this.mayDial()) {
      this.dialSoon(did);
      return;
    }
    const link = this.newLink(dialLinkId(++this.dials, newId()), did, true);
    link.dialedSession = this.sessions.get(did) ?? null;
    this.hub.driver.open(link.id, true, this.iceServers());
  }

  /**
   * Dial `did` after the current burst of signals: the peers heard in one burst (a room's
   * announces at its start) are dialed highest link rank first, not in the order they arrived.
   * That order is the same at every peer, and every peer's first dials went to the same few
   * peers, which answer at most linksConnectingMax at once and ignore the other offers (the
   * dialer then waits dialAnswerTimeoutMs). The rank of a pair is a hash (overlay.ts), so each
   * peer's order differs and the dials spread.
   */
  private dialSoon(did: string): void {
    if (this.waiting.size >= limits.knownPeersMax && !this.waiting.has(did)) return;
    this.waiting.add(did);
    this.dialWaitingSoon();
  }

  /** A link finished being made, or closed: a dial may have room now. */
  dialWaitingSoon(): void {
    if (this.pumpTimer !== null || this.waiting.size === 0) return;
    this.pumpTimer = this.hub.clock.setTimeout(() => {
      this.pumpTimer = null;
      this.dialWaiting();
    }, 0);
  }

  /** Dial the waiting peers still wanted and not linked, highest rank first, while there is room. */
  private dialWaiting(): void {
    const options = this.hub.options();
    if (!options || this.hub.webrtc() !== true) return;
    const rank = (did: string) => linkRank(options.room, options.did, did);
    const order = [...this.waiting].sort((a, b) => rank(b) - rank(a));
    for (const did of order) {
      if (!this.mayDial()) return;
      this.waiting.delete(did);
      if (this.hub.links.to(did).length === 0 && this.wants(did)) this.dial(did);
    }
  }

  private newLink(id: string, did: string, initiator: boolean): Link {
    const link = createLink(id, did, initiator, this.hub.session(), this.hub.clock.now());
    this.hub.links.add(link);
    return link;
  }

  onRemoteSignal(envelope: SignalOf<'signal'>, via: Via): void {
    let link = this.hub.links.get(envelope.link);
    if (link && (link.did !== envelope.from || link.closed)) return;
    if (envelope.data.type === 'close') {
      // The other end let go of this link before it opened: so do we (no redial: the overlay's
      // announces bring the two together again if they still want a link). An open link is
      // closed only through the link itself.
      if (link && !link.authenticated) {
        link.closedByRemote = true;
        this.hub.closeLink(link, 'the other end gave up on it before it opened', {
          redial: false,
          notifyDriver: true,
        });
      }
      return;
    }
    if (envelope.data.type === 'candidate') {
      if (!link) this.holdEarlyCandidate(envelope);
      else if (link.candidatesIn++ < limits.candidatesPerLinkMax)
        this.hub.driver.signal(link.id, envelope.data);
      return;
    }
    if (!link) {
      if (envelope.data.type !== 'offer') return;
      // An offer says its sender is here as an announce does (the ring counts it: it may be a
      // ring neighbour whose announce this peer missed, e.g. sent before this peer started).
      this.heard(envelope.from);
      if (!this.acceptsOffer(envelope.from)) return;
      link = this.newLink(envelope.link, envelope.from, false);
      this.hub.driver.open(link.id, false, this.iceServers());
      this.replayEarlyCandidates(link);
    }
    if (envelope.seq <= link.seqIn) return;
    if ((envelope.data.type === 'answer') !== link.initiator) return;
    this.onRemoteSdp(link, envelope, envelope.data, via);
  }

  private onRemoteSdp(
    link: Link,
    envelope: SignalOf<'signal'>,
    data: Extract<SignalData, { sdp: string }>,
    via: Via,
  ): void {
    const { sdp } = data;
    let fingerprint: string;
    try {
      fingerprint = sdpFingerprint(sdp);
    } catch (error) {
      this.hub.closeLink(link, `unusable SDP: ${reasonOf(error)}`, {
        redial: false,
        notifyDriver: true,
      });
      return;
    }
    if (link.remoteFingerprint !== null && link.remoteFingerprint !== fingerprint) {
      this.hub.closeLink(link, 'the remote DTLS certificate changed during renegotiation', {
        redial: true,
        notifyDriver: true,
      });
      return;
    }
    link.remoteFingerprint = fingerprint;
    link.remoteSession ??= envelope.session ?? null;
    link.seqIn = envelope.seq;
    link.via ??= via;
    this.hub.driver.signal(link.id, data);
  }

  /** A candidate that overtook its offer on a faster signaling path: keep it for a moment. */
  private holdEarlyCandidate(envelope: SignalOf<'signal'>): void {
    this.earlyCandidates.push(envelope);
    if (this.earlyCandidates.length > limits.earlyCandidatesMax) this.earlyCandidates.shift();
  }

  private replayEarlyCandidates(link: Link): void {
    const mine = this.earlyCandidates.filter((e) => e.link === link.id && e.from === link.did);
    this.earlyCandidates = this.earlyCandidates.filter((e) => e.link !== link.id);
    // Given after the offer (the driver queues candidates until the remote description is set).
    queueMicrotask(() => {
      for (const { data } of mine)
        if (
          data.type === 'candidate' &&
          !link.closed &&
          link.candidatesIn++ < limits.candidatesPerLinkMax
        )
          this.hub.driver.signal(link.id, data);
    });
  }

  /**
   * Tell the other end of a link we closed before it opened (see EnvelopeData's `close`), when it
   * may hold a half-made link: we sent it our SDP, and the close did not come from it.
   */
  tellClosed(link: Link): void {
    if (link.authenticated || link.seqOut === 0 || link.closedByRemote) return;
    this.emitSignal(link, { type: 'close' });
  }

  /** A local SDP or candidate from the driver: to the remote through signaling. */
  onLocalSignal(linkId: string, data: SignalData): void {
    const link = this.hub.links.get(linkId);
    if (!link || link.closed || !this.hub.options()) return;
    if (data.type !== 'candidate') {
      try {
        link.localFingerprint = sdpFingerprint(data.sdp);
      } catch (error) {
        this.hub.closeLink(link, `our own SDP is unusable: ${reasonOf(error)}`, {
          redial: false,
          notifyDriver: true,
        });
        return;
      }
      link.seqOut += 1;
    }
    this.emitSignal(link, data);
  }

  private emitSignal(link: Link, data: EnvelopeData): void {
    const options = this.hub.options();
    if (!options) return;
    const { room, did: from } = options;
    this.hub.emit({
      v: 1,
      kind: 'signal',
      room,
      from,
      to: link.did,
      link: link.id,
      seq: link.seqOut,
      data,
      id: newId(),
      ttl: limits.peerSignalTtl,
      session: link.localSession,
    });
  }

  // ---- redials and refusals ----

  /**
   * The last link to `did` closed. If it was a ring neighbour, it may have left: a suspect until
   * it re-links or announces (see suspects).
   */
  onLinkLost(did: string): void {
    if (!this.ring.includes(did) || this.suspects.size >= limits.knownPeersMax) return;
    this.suspects.add(did);
    this.ringDirty = true;
  }

  /** The link to `did` authenticated: no redial pending. */
  onLinked(did: string): void {
    this.redials.delete(did);
    if (this.suspects.delete(did)) this.ringDirty = true;
  }

  scheduleRedial(did: string): void {
    const previous = this.redials.get(did);
    const backoffMs = previous
      ? Math.min(previous.backoffMs * 2, limits.redialBackoffMaxMs)
      : limits.redialBackoffMinMs;
    setBounded(
      this.redials,
      did,
      { dueAt: this.hub.clock.now() + backoffMs, backoffMs },
      limits.knownPeersMax,
    );
  }

  ban(did: string): void {
    setBounded(this.banned, did, this.hub.clock.now() + limits.dropBanMs, limits.bannedPeersMax);
    this.redials.delete(did);
  }

  isBanned(did: string): boolean {
    const until = this.banned.get(did);
    return until !== undefined && until > this.hub.clock.now();
  }

  /**
   * Whether a link to `did` is held that is not stale: a link to a session `did` has since left
   * (it announced a new one) does not count, so a failed dial to its new session is redialed
   * while the stale link is still held (it may take linkSilenceMsMax to notice: a vanished tab
   * sends no close).
   */
  hasCurrentLinkTo(did: string): boolean {
    const session = this.sessions.get(did);
    return this.hub.links
      .to(did)
      .some(
        (link) =>
          session === undefined || link.remoteSession === null || link.remoteSession === session,
      );
  }

  /** Periodic work: due redials, expired refusals, the periodic announce. */
  tick(now: number): void {
    // A ring neighbour without a link is reached like a lost validator link: now, then with backoff.
    for (const did of this.ringNeighbours())
      if (!this.redials.has(did) && !this.hasCurrentLinkTo(did) && !this.isBanned(did))
        setBounded(
          this.redials,
          did,
          { dueAt: now, backoffMs: limits.redialBackoffMinMs },
          limits.knownPeersMax,
        );
    for (const [did, redial] of this.redials) {
      if (redial.dueAt > now || this.hasCurrentLinkTo(did)) continue;
      // No longer a ring neighbour (a closer peer appeared) nor a wanted validator: not redialed.
      if (!this.redialsLost(did)) {
        this.redials.delete(did);
        continue;
      }
      redial.dueAt = now + redial.backoffMs;
      this.reach(did);
    }
    for (const [did, until] of this.banned) if (until <= now) this.banned.delete(did);
    this.dialWaitingSoon();
    const since = now - this.lastAnnounceAt;
    const wantsMore = this.wantsMore();
    if (since >= limits.overlayRefreshMs || (since >= this.announceGapMs && wantsMore)) {
      this.announce();
      if (wantsMore)
        this.announceGapMs = Math.min(2 * this.announceGapMs, limits.announceIntervalMs);
    }
  }

  /**
   * A link was lost and this peer wants another: announce now, then again after 1, 2, 4 s ...
   * up to announceIntervalMs while it still wants more (links are replaced through announces).
   */
  announceForLink(): void {
    this.announceGapMs = limits.redialBackoffMinMs;
    // Several links lost at once (a dial storm timing out) make one announce, not one each.
    if (this.hub.clock.now() - this.lastAnnounceAt >= limits.redialBackoffMinMs) this.announce();
  }

  // ---- policy (the overlay: overlay.ts) ----

  private iAmValidator(): boolean {
    const options = this.hub.options();
    return options !== null && this.hub.validators().has(options.did);
  }

  /** Is a link with `did` one between two validators (kept on top of linksMax)? */
  private validatorPair(did: string): boolean {
    const options = this.hub.options();
    return options !== null && !countsAgainstLimit(this.hub.validators(), options.did, did);
  }

  /** Does a link with `did` count against linksMax? Not to a fellow validator, nor to a ring neighbour. */
  counts(did: string): boolean {
    return !this.validatorPair(did) && !this.ringNeighbours().includes(did) && !this.suspect(did);
  }

  /** A suspect (see suspects) still heard from within ringAliveMs; one that is not is forgotten. */
  private suspect(did: string): boolean {
    if (!this.suspects.has(did)) return false;
    const heardAt = this.known.get(did);
    if (heardAt !== undefined && this.hub.clock.now() - heardAt < limits.ringAliveMs) return true;
    this.suspects.delete(did);
    return false;
  }

  /**
   * This peer's ring neighbours (overlay.ts ringNeighbours) among the peers it heard an announce
   * from within ringAliveMs and those it holds an open link to; refused peers left out.
   */
  ringNeighbours(): readonly string[] {
    const options = this.hub.options();
    if (!options) return [];
    const now = this.hub.clock.now();
    if (!this.ringDirty && now - this.ringAt < limits.ringRecomputeMs) return this.ring;
    const alive = new Set<string>();
    for (const [did, heardAt] of this.known)
      if (now - heardAt < limits.ringAliveMs && !this.isBanned(did) && !this.suspects.has(did))
        alive.add(did);
    for (const link of this.hub.links.all())
      if (link.authenticated && !this.isBanned(link.did)) alive.add(link.did);
    this.ring = ringNeighbours(options.room, options.did, alive);
    this.ringDirty = false;
    this.ringAt = now;
    return this.ring;
  }

  /** This peer's side of the overlay: its links that count against linksMax. */
  overlayView(): OverlayView {
    const options = this.hub.options()!;
    // A link still being made after dialAnswerTimeoutMs is likely dead (an unreachable peer):
    // it no longer holds a place, or this peer would stop looking for links.
    const now = this.hub.clock.now();
    const linked = new Set<string>();
    for (const link of this.hub.links.all())
      if (
        this.counts(link.did) &&
        (link.authenticated || now - link.createdAt < limits.dialAnswerTimeoutMs)
      )
        linked.add(link.did);
    return {
      room: options.room,
      own: options.did,
      linksMax: linksMaxOf(options.linksMax),
      linked: [...linked],
      known: this.known.size,
    };
  }

  /** Links to fellow validators, other than to `except`. */
  private validatorLinks(except?: string): number {
    const dids = new Set<string>();
    for (const link of this.hub.links.all())
      if (link.did !== except && this.validatorPair(link.did)) dids.add(link.did);
    return dids.size;
  }

  private connecting(): number {
    let count = 0;
    for (const link of this.hub.links.all()) if (!link.authenticated) count++;
    return count;
  }

  /**
   * Room for one more dial of our own: under linksConnectingMax, and under linksDialingMax of
   * our own dials, so that offers always find room (a peer ignores an offer when its budget is
   * full, and the dialer then waits dialAnswerTimeoutMs).
   */
  private mayDial(): boolean {
    let connecting = 0;
    let dialing = 0;
    for (const link of this.hub.links.all()) {
      if (link.authenticated) continue;
      connecting++;
      if (link.initiator) dialing++;
    }
    return connecting < limits.linksConnectingMax && dialing < limits.linksDialingMax;
  }

  /**
   * Whether this peer wants a link with `did`: a fellow validator while fewer than
   * validatorLinksMax are linked; a ring neighbour always; any other peer by the overlay's rule
   * (overlay.ts wantsLink).
   */
  wants(did: string): boolean {
    if (this.isBanned(did) || did === this.hub.options()?.did) return false;
    if (this.validatorPair(did)) return this.validatorLinks(did) < limits.validatorLinksMax;
    if (this.ringNeighbours().includes(did) || this.suspect(did)) return true;
    return wantsLink(this.overlayView(), did);
  }

  private acceptsOffer(did: string): boolean {
    return (
      this.hub.webrtc() === true && this.connecting() < limits.linksConnectingMax && this.wants(did)
    );
  }

  wantsMore(): boolean {
    const view = this.overlayView();
    if (view.linked.length < view.linksMax) return true;
    if (!this.iAmValidator()) return false;
    const own = this.hub.options()!.did;
    if (this.validatorLinks() >= limits.validatorLinksMax) return false;
    for (const did of this.hub.validators())
      if (did !== own && !this.hub.links.hasLinkTo(did)) return true;
    return false;
  }

  /** The dids whose links go so that at most linksMax count (the lowest-ranked first). */
  toShed(): string[] {
    return linksToShed(this.overlayView());
  }

  /**
   * Is a lost link to `did` redialed? Between validators, and to a ring neighbour, yes. Any other
   * link is replaced through the overlay instead (the peer announces itself again): the other end
   * may have shed it for a better-ranked link, and would ignore the redial.
   */
  redialsLost(did: string): boolean {
    return !this.counts(did) && this.wants(did);
  }

  private iceServers(): IceServer[] {
    return this.hub.options()?.iceServers ?? [];
  }
}

/**
 * Whether our dials to a peer went nowhere: none was answered yet, and the peer now announces
 * a session other than the one we dialed (a redial while it was away, which would otherwise
 * hold back every new dial until linkConnectTimeoutMs).
 */
function dialMissed(pending: Link[], envelope: SignalOf<'announce'>): boolean {
  const session = envelope.session;
  return (
    session !== undefined &&
    pending.every(
      (link) => link.initiator && link.remoteSession === null && link.dialedSession !== session,
    )
  );
}

/** The rate-limit key of an announce from `did` in `session` (one per session; bounded by knownPeersMax). */
function sessionKey(did: string, session: string | undefined): string {
  return session === undefined ? did : `${did} ${session}`;
}
