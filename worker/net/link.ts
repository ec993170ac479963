// One link's state as the hub sees it, the table of links, and the link replacement rule.
import { Reassembler } from './framing';
import type { Via } from './signaling';
import { peerTag } from './wire';

export interface Link {
  id: string;
  /** The did this link is for: dialed, or claimed by the offer; proven by the hello. */
  did: string;
  /** peerTag(did), for gossip frames' covered lists. */
  tag: Uint8Array;
  initiator: boolean;
  via: Via | null;
  /** This hub's session when the link was made (signaling.ts EnvelopeBase.session). */
  localSession: string;
  /** The remote's session, from its SDP's envelope; null until then, or from an older peer. */
  remoteSession: string | null;
  /** A link we dialed: the remote's session we last heard announced when dialing (null: none). */
  dialedSession: string | null;
  /**
   * Our own hello is on the queue. Until then nothing else is sent: the remote's hello may
   * authenticate the link while ours is still being signed, and the remote refuses any frame
   * that arrives before our hello.
   */
  helloSent: boolean;
  connected: boolean;
  authenticated: boolean;
  closed: boolean;
  /** The other end told us it closed this link before it opened (signaling `close`). */
  closedByRemote: boolean;
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

export function createLink(
  id: string,
  did: string,
  initiator: boolean,
  localSession: string,
  now: number,
): Link {
  return {
    id,
    did,
    tag: peerTag(did),
    initiator,
    via: null,
    localSession,
    remoteSession: null,
    dialedSession: null,
    helloSent: false,
    connected: false,
    authenticated: false,
    closed: false,
    closedByRemote: false,
    localFingerprint: null,
    remoteFingerprint: null,
    seqOut: 0,
    seqIn: 0,
    candidatesIn: 0,
    reassembler: new Reassembler(),
    queue: [],
    queuedBytes: 0,
    inFlightBytes: 0,
    rttMs: null,
    pingNonce: null,
    pingSentAt: 0,
    lastPingAt: 0,
    lastHeardAt: now,
    createdAt: now,
    connectedAt: 0,
    iceDisconnectedAt: null,
    iceRestarted: false,
  };
}

/**
 * The id of the `dials`-th link a hub dials in one session: the count first (8 hex digits),
 * then randomness. Both ends of two links dialed by one peer in one session thus agree on
 * which was dialed later, whatever order their hellos arrived in.
 */
export function dialLinkId(dials: number, random: string): string {
  return (dials >>> 0).toString(16).padStart(8, '0') + random;
}

/**
 * The link replacement rule: whether `fresh`, just authenticated, replaces `held`, the
 * authenticated link to the same did. A link made in another pair of sessions always does:
 * one end restarted or resumed since `held` was made, so `held` is stale (the restarted end
 * no longer has it; a resumed one is replacing it). Two links of the same pair of sessions were
 * dialed by the same peer (the smaller did) in the same session: the one dialed later wins, by
 * link id (dialLinkId), on both ends alike, so two dials at once settle on one link and do not
 * flap.
 */
export function replaces(fresh: Link, held: Link): boolean {
  if (fresh.localSession !== held.localSession || fresh.remoteSession !== held.remoteSession)
    return true;
  return fresh.id > held.id;
}

/** The links of a hub, and its authenticated neighbours (one link each). */
export class LinkTable {
  private readonly links = new Map<string, Link>();
  /** Authenticated neighbours: did -> link id. */
  private readonly neighbours = new Map<string, string>();

  get size(): number {
    return this.links.size;
  }

  get(id: string): Link | undefined {
    return this.links.get(id);
  }

  add(link: Link): void {
    this.links.set(link.id, link);
  }

  /** Forget `link`; true when it was the neighbour link of its did. */
  remove(link: Link): boolean {
    this.links.delete(link.id);
    const wasNeighbour = this.neighbours.get(link.did) === link.id;
    if (wasNeighbour) this.neighbours.delete(link.did);
    return wasNeighbour;
  }

  setNeighbour(link: Link): void {
    this.neighbours.set(link.did, link.id);
  }

  all(): Link[] {
    return [...this.links.values()];
  }

  to(did: string): Link[] {
    return this.all().filter((link) => link.did === did);
  }

  hasLinkTo(did: string): boolean {
    for (const link of this.links.values()) if (link.did === did) return true;
    return false;
  }

  neighbourDids(): string[] {
    return [...this.neighbours.keys()];
  }

  get neighbourCount(): number {
    return this.neighbours.size;
  }

  /** The authenticated, open link to `did`, or null. */
  neighbourLink(did: string): Link | null {
    const id = this.neighbours.get(did);
    const link = id === undefined ? undefined : this.links.get(id);
    return link && link.authenticated && !link.closed ? link : null;
  }

  /** Every neighbour's link. */
  openLinks(): Link[] {
    const out: Link[] = [];
    for (const id of this.neighbours.values()) {
      const link = this.links.get(id);
      if (link?.authenticated) out.push(link);
    }
    return out;
  }
}

/**
 * How a link is closed: `redial` the peer after, tell the driver, and `tellRemote`: if the link
 * had not opened, tell the other end through signaling that we let go of it (dialer.tellClosed).
 */
export interface CloseHow {
  redial: boolean;
  notifyDriver: boolean;
  tellRemote?: boolean;
}
