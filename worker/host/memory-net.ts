// An in-process PeerNet for tests of the host above the network layer: every peer that
// started in a room is a neighbour of every other; delivery is asynchronous and in order per
// link, like a data channel. The real transport (WebRTC) has its own tests in worker/net and e2e.
import type { NetHandler, NetStartOptions, PeerNet } from '../net/types';
import type { NetworkView } from '../api';
import { realClock, type Clock } from '../net/clock';

export class MemoryNetwork {
  readonly nets = new Set<MemoryNet>();
  /** Messages delivered so far (for assertions). */
  delivered = 0;

  /** `clock`: when deliveries run (a turn of the clock after the send). */
  constructor(readonly clock: Clock = realClock) {}

  /** A PeerNet on this network; it takes its did when the host starts it. */
  connect(): MemoryNet {
    const net = new MemoryNet(this);
    this.nets.add(net);
    return net;
  }

  /** Everyone in `room`, started. */
  members(room: string): MemoryNet[] {
    return [...this.nets.values()].filter((n) => n.room === room && n.handler);
  }

  announce(room: string): void {
    for (const net of this.members(room)) net.refresh();
  }
}

export class MemoryNet implements PeerNet {
  room: string | null = null;
  handler: NetHandler | null = null;
  private readonly dropped = new Set<string>();
  readonly drops: Array<{ did: string; reason: string }> = [];

  did = '';

  constructor(private readonly network: MemoryNetwork) {}

  start(options: NetStartOptions, handler: NetHandler): void {
    this.did = options.did;
    const before = this.room;
    this.room = options.room;
    this.handler = handler;
    this.readers = null;
    if (before && before !== options.room) this.network.announce(before);
    this.network.announce(options.room);
  }

  stop(): void {
    const room = this.room;
    this.room = null;
    this.handler = null;
    if (room) this.network.announce(room);
  }

  neighbours(): MemoryNet[] {
    if (!this.room) return [];
    return this.network
      .members(this.room)
      .filter((n) => n !== this && !this.dropped.has(n.did) && !n.dropped.has(this.did));
  }

  refresh(): void {
    const handler = this.handler;
    const dids = this.neighbours().map((n) => n.did);
    this.network.clock.setTimeout(() => handler?.onNeighbours(dids), 0);
  }

  deliver(from: string, bytes: Uint8Array): void {
    const handler = this.handler;
    if (!handler) return;
    this.network.delivered++;
    // Copied now, as the hub copies a message into its chunks before send returns (the sender
    // may reuse it) and the receiver joins them into a buffer of its own.
    const copy = bytes.slice();
    this.network.clock.setTimeout(() => handler.onMessage(from, copy), 0);
  }

  broadcast(bytes: Uint8Array): void {
    for (const n of this.neighbours())
      if (!this.readers || this.readers.has(n.did)) n.deliverBroadcast(this.did, bytes);
  }

  send(to: string, bytes: Uint8Array): boolean {
    const target = this.neighbours().find((n) => n.did === to);
    if (!target) return false;
    target.deliver(this.did, bytes);
    return true;
  }

  drop(did: string, reason: string): void {
    this.dropped.add(did);
    this.drops.push({ did, reason });
    if (this.room) this.network.announce(this.room);
  }

  setValidators(): void {}

  /** Who reads the chain: broadcasts go to, and are taken from, these neighbours only. */
  readers: Set<string> | null = null;
  /** Broadcasts refused because their sender is not a reader (for assertions). */
  refusedBroadcasts = 0;

  setReaders(dids: string[] | null): void {
    this.readers = dids === null ? null : new Set(dids);
  }

  /** A broadcast from `from`: taken only when `from` reads the chain (as the hub does). */
  deliverBroadcast(from: string, bytes: Uint8Array): void {
    if (this.readers && !this.readers.has(from)) {
      this.refusedBroadcasts++;
      return;
    }
    this.deliver(from, bytes);
  }

  view(): NetworkView {
    return {
      did: this.did,
      room: this.room,
      neighbours: this.neighbours().map((n) => ({
        did: n.did,
        validator: false,
        ring: false,
        state: 'open' as const,
        rttMs: 0,
        via: 'memory',
        height: null,
      })),
      relays: [],
      webrtc: 'unknown',
      notice: null,
    };
  }
}
