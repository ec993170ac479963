// A model of the overlay at scale (issue 19): 1,000 peers and more, with 50 to 100 validators,
// churn and partitions, on the overlay's own code: link choice by worker/net/overlay.ts
// (wantsLink, linksToShed, countsAgainstLimit) and gossip by worker/net/gossip.ts (the real
// GossipRouter, its frames encoded and decoded by worker/net/wire.ts). What it leaves out is
// the cost of making a link (signaling, ICE, the hello): a link wanted by both ends is made at
// once, and every announce reaches every peer of its side of a partition, as the signaling
// relay does. Measured per message: hops until 99 % of the peers have it, duplicate copies per
// peer, and bytes each peer sends. The real host runs on the same overlay in host-sim.ts
// (options validators and linksMax).
import { GossipRouter } from '../net/gossip';
import { createLink, type Link } from '../net/link';
import * as limits from '../net/limits';
import { setNetRandomness } from '../net/names';
import {
  countsAgainstLimit,
  linksToShed,
  ringKey,
  wantsLink,
  type OverlayView,
} from '../net/overlay';
import { decodeFrame, peerTag } from '../net/wire';
import { Random } from './prng';

export interface OverlaySimOptions {
  seed: number;
  peers: number;
  validators: number;
  linksMax: number;
  /** Payload bytes of each measured message. */
  payloadBytes: number;
  /** Messages measured per phase, each from a random live peer. */
  messages: number;
}

export interface GossipFigures {
  /** Peers live (on the sender's side of a partition) when measured. */
  peers: number;
  /** Hops until 99 % of them had the message (median and worst over the messages). */
  hops99: number;
  hops99Max: number;
  /** Share of the peers the messages reached (mean). */
  reached: number;
  /** Copies a peer received beyond the first, per message (mean over peers and messages). */
  duplicates: number;
  /** Bytes a peer sent per message (mean, and the busiest peer's). */
  bytesPerPeer: number;
  bytesPerPeerMax: number;
  /** Links per peer (mean, max among members, max among validators). */
  links: number;
  memberLinksMax: number;
  validatorLinksMax: number;
}

interface ModelPeer {
  did: string;
  validator: boolean;
  alive: boolean;
  side: number;
  links: Map<string, Link>;
  /** Its ring neighbours (overlay.ts): linked on top of linksMax. */
  ring: Set<string>;
  known: number;
  router: GossipRouter;
}

/** Short: the model hashes millions of pairs (a real room is a 32-hex chain id). */
const room = 'm';

export class OverlaySim {
  readonly random: Random;
  private readonly peers = new Map<string, ModelPeer>();
  private readonly validators = new Set<string>();
  private next = 0;
  private queue: string[] = [];
  private partitioned = false;
  /** Deliveries of the message being measured. */
  private inFlight: Array<{ to: string; from: string; bytes: Uint8Array; hop: number }> = [];
  private firstHop = new Map<string, number>();
  private received = new Map<string, number>();
  private sentBytes = new Map<string, number>();
  private hop = 0;
  /** Announces processed (a peer announcing reaches every peer of its side). */
  announces = 0;

  constructor(readonly options: OverlaySimOptions) {
    this.random = new Random(options.seed);
    setNetRandomness((length) => this.random.bytes(length));
    for (let i = 0; i < options.peers; i++) this.join(i < options.validators);
    this.settle();
  }

  /** Forget the injected randomness (the model shares worker/net's module state). */
  close(): void {
    setNetRandomness(null);
  }

  private liveCache: ModelPeer[] | null = null;

  live(): ModelPeer[] {
    this.liveCache ??= [...this.peers.values()].filter((p) => p.alive);
    return this.liveCache;
  }

  join(validator = false): void {
    const did = `p${this.next++}`;
    if (validator) this.validators.add(did);
    const peer: ModelPeer = {
      did,
      validator,
      alive: true,
      side: this.partitioned ? this.random.int(0, 1) : 0,
      links: new Map(),
      ring: new Set(),
      known: 0,
      router: null as unknown as GossipRouter,
    };
    peer.router = new GossipRouter({
      ownTag: () => peerTag(did),
      openLinks: () => [...peer.links.values()],
      wouldQueue: () => true,
      send: (link, frame) => {
        this.sentBytes.set(did, (this.sentBytes.get(did) ?? 0) + frame.length);
        this.inFlight.push({ to: link.did, from: did, bytes: frame, hop: this.hop + 1 });
        return true;
      },
      deliver: () => {
        if (!this.firstHop.has(did)) this.firstHop.set(did, this.hop);
      },
    });
    this.peers.set(did, peer);
    this.liveCache = null;
    this.queue.push(did);
  }

  leave(peer: ModelPeer): void {
    peer.alive = false;
    for (const did of [...peer.links.keys()]) this.unlink(peer, this.peers.get(did)!);
    this.peers.delete(peer.did);
    this.liveCache = null;
  }

  /** Churn: `share` of the live peers leave (validators stay) and as many new ones join. */
  churn(share: number): void {
    const members = this.live().filter((p) => !p.validator);
    const leaving = this.random
      .shuffle([...members])
      .slice(0, Math.round(share * this.live().length));
    for (const peer of leaving) this.leave(peer);
    for (let i = 0; i < leaving.length; i++) this.join();
    this.settle();
  }

  /** Split the peers in two halves: links across are cut, announces stay on their side. */
  partition(): void {
    this.partitioned = true;
    for (const peer of this.live()) peer.side = this.random.int(0, 1);
    for (const peer of this.live())
      for (const did of [...peer.links.keys()]) {
        const other = this.peers.get(did)!;
        if (other.side !== peer.side) this.unlink(peer, other);
      }
    this.settle();
  }

  heal(): void {
    this.partitioned = false;
    for (const peer of this.live()) peer.side = 0;
    this.refresh();
  }

  /** Every peer announces itself once (limits.overlayRefreshMs), in random order. */
  refresh(): void {
    for (const peer of this.random.shuffle([...this.live()])) this.queue.push(peer.did);
    this.settle();
  }

  private view(peer: ModelPeer): OverlayView {
    const linked: string[] = [];
    for (const did of peer.links.keys())
      if (countsAgainstLimit(this.validators, peer.did, did) && !peer.ring.has(did))
        linked.push(did);
    return {
      room,
      own: peer.did,
      linksMax: this.options.linksMax,
      linked,
      known: peer.known,
    };
  }

  /** dialer.ts wants: fellow validators always (up to validatorLinksMax), others by the overlay. */
  private wants(peer: ModelPeer, other: ModelPeer): boolean {
    if (peer === other || peer.links.has(other.did)) return false;
    if (!countsAgainstLimit(this.validators, peer.did, other.did))
      return peer.links.size < limits.validatorLinksMax + this.options.linksMax;
    return wantsLink(this.view(peer), other.did);
  }

  private wantsMore(peer: ModelPeer): boolean {
    return this.view(peer).linked.length < this.options.linksMax;
  }

  /** Announces until none is left: each reaches every live peer of its side. */
  private settle(): void {
    let budget = 50 * this.options.peers;
    while (this.queue.length > 0 && budget-- > 0) {
      const peer = this.peers.get(this.queue.shift()!);
      if (!peer?.alive) continue;
      this.announces++;
      const live = this.live();
      const start = this.random.int(0, live.length - 1);
      for (let i = 0; i < live.length; i++) {
        const other = live[(start + i) % live.length]!;
        if (other === peer || other.side !== peer.side) continue;
        other.known = Math.min(other.known + 1, this.peers.size);
        if (this.wants(other, peer) && this.wants(peer, other)) this.link(peer, other);
      }
    }
    this.linkRing();
  }

  /**
   * dialer.ts ringNeighbours: every peer links with the peers just before and after it by ringKey
   * among the live peers of its side (each knows them all from their announces); links that were
   * ring links and are no more count again, and are shed past linksMax.
   */
  private linkRing(): void {
    const sides = new Map<number, ModelPeer[]>();
    for (const peer of this.live()) {
      const side = sides.get(peer.side) ?? [];
      side.push(peer);
      sides.set(peer.side, side);
    }
    const wanted = new Map<ModelPeer, Set<string>>();
    for (const side of sides.values()) {
      const order = side
        .map((peer) => ({ peer, key: ringKey(room, peer.did) }))
        .sort((x, y) => x.key - y.key || (x.peer.did < y.peer.did ? -1 : 1))
        .map((e) => e.peer);
      for (const [i, peer] of order.entries()) {
        const ring = new Set<string>();
        if (order.length > 1) {
          ring.add(order[(i + 1) % order.length]!.did);
          ring.add(order[(i - 1 + order.length) % order.length]!.did);
        }
        wanted.set(peer, ring);
      }
    }
    for (const [peer, ring] of wanted) peer.ring = ring;
    for (const [peer, ring] of wanted)
      for (const did of ring) {
        const other = this.peers.get(did)!;
        if (!peer.links.has(did)) {
          peer.links.set(did, createLink(`${peer.did}>${did}`, did, true, '', 0));
          other.links.set(peer.did, createLink(`${did}>${peer.did}`, peer.did, false, '', 0));
        }
      }
    for (const peer of wanted.keys())
      for (const did of linksToShed(this.view(peer))) this.unlink(peer, this.peers.get(did)!);
  }

  private link(a: ModelPeer, b: ModelPeer): void {
    a.links.set(b.did, createLink(`${a.did}>${b.did}`, b.did, true, '', 0));
    b.links.set(a.did, createLink(`${b.did}>${a.did}`, a.did, false, '', 0));
    for (const peer of [a, b])
      for (const did of linksToShed(this.view(peer))) this.unlink(peer, this.peers.get(did)!);
  }

  /** A link closes: each end that wants more links announces itself again (hub.ts closeLink). */
  private unlink(a: ModelPeer, b: ModelPeer): void {
    a.links.delete(b.did);
    b.links.delete(a.did);
    for (const peer of [a, b]) if (peer.alive && this.wantsMore(peer)) this.queue.push(peer.did);
  }

  /** Flood `messages` broadcasts through the real gossip routers; the figures. */
  measure(): GossipFigures {
    const hops: number[] = [];
    let reachedShare = 0;
    let duplicates = 0;
    let bytes = 0;
    let bytesMax = 0;
    let peersSeen = 0;
    for (let m = 0; m < this.options.messages; m++) {
      const from = this.random.pick(this.live());
      const side = this.live().filter((p) => p.side === from.side);
      this.firstHop = new Map([[from.did, 0]]);
      this.received = new Map();
      this.sentBytes = new Map();
      this.hop = 0;
      from.router.broadcast(this.random.bytes(this.options.payloadBytes));
      while (this.inFlight.length > 0) {
        const batch = this.inFlight;
        this.inFlight = [];
        for (const d of batch) {
          const to = this.peers.get(d.to);
          const back = to?.links.get(d.from);
          if (!to || !back) continue;
          this.hop = d.hop;
          this.received.set(d.to, (this.received.get(d.to) ?? 0) + 1);
          const frame = decodeFrame(d.bytes);
          if (frame.type === 'gossip') to.router.onFrame(back, frame);
        }
      }
      const byHop = [...this.firstHop.values()].sort((x, y) => x - y);
      const need = Math.ceil(0.99 * side.length);
      hops.push(byHop.length >= need ? byHop[need - 1]! : Number.POSITIVE_INFINITY);
      reachedShare += this.firstHop.size / side.length;
      let copies = 0;
      for (const count of this.received.values()) copies += count;
      duplicates += (copies - (this.firstHop.size - 1)) / side.length;
      let sent = 0;
      for (const value of this.sentBytes.values()) {
        sent += value;
        bytesMax = Math.max(bytesMax, value);
      }
      bytes += sent / side.length;
      peersSeen = side.length;
    }
    const live = this.live();
    const degree = (p: ModelPeer) => p.links.size;
    hops.sort((x, y) => x - y);
    const n = this.options.messages;
    return {
      peers: peersSeen,
      hops99: hops[Math.floor(n / 2)]!,
      hops99Max: hops[n - 1]!,
      reached: Math.round((reachedShare / n) * 10_000) / 10_000,
      duplicates: Math.round((duplicates / n) * 100) / 100,
      bytesPerPeer: Math.round(bytes / n),
      bytesPerPeerMax: bytesMax,
      links: Math.round((live.reduce((s, p) => s + degree(p), 0) / live.length) * 10) / 10,
      memberLinksMax: Math.max(0, ...live.filter((p) => !p.validator).map(degree)),
      validatorLinksMax: Math.max(0, ...live.filter((p) => p.validator).map(degree)),
    };
  }
}
