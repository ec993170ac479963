// The read gate: the host's one choke point for read rights (read-rights.ts). Every message the
// host sends to one neighbour passes it (the host's PeerNet is wrapped at construction), and
// payload for a peer that may not read is refused there; gossip is narrowed to the readers by
// the network layer (PeerNet.setReaders), which the gate keeps told after every stored block.
// Inbound, the mesh asks the gate before taking a message in. Refusals are counted (status,
// `readRefusals`) and logged once per peer and kind; they never throw.
import type { NetHandler, NetStartOptions, PeerNet } from '../net/types';
import type { LogEntry } from '../api';
import type { HostState } from './host-state';
import { openToAll, readersOf, readRight, wireAllowed, type ReadRight } from './read-rights';
import { wireKindOf, type WireMessage } from './wire';
import * as limits from '../core/limits';

export interface ReadGateDeps {
  state: HostState;
  record(level: LogEntry['level'], message: string): void;
}

export class ReadGate {
  private readonly s: HostState;
  /** Messages not sent (payload for a non-reader) and not taken (payload from a non-reader). */
  readonly refused = { sent: 0, taken: 0 };
  private readonly noted = new Set<string>();
  private readersKey: string | null = null;
  private net: PeerNet | null = null;

  constructor(private readonly d: ReadGateDeps) {
    this.s = d.state;
  }

  /** What `did` may receive now, by the last durable state. */
  rightOf(did: string): ReadRight {
    return readRight(this.s.durable, did);
  }

  /** Does this peer itself read the chain (a public or solo chain, or an admitted member)? */
  selfReads(): boolean {
    return this.rightOf(this.s.identityView.did) === 'full';
  }

  /**
   * May a message of `kind` from neighbour `from` be taken in? A member ignores payload pushed
   * by a non-member (it may still ask to join, announce its head and ask for headers). A peer
   * that does not read the chain yet takes what it is sent: it cannot know the members the
   * validators admitted after the state it holds, and every block is checked by its certificate.
   */
  take(from: string, kind: WireMessage['kind']): boolean {
    if (!this.selfReads()) return true;
    const right = this.rightOf(from);
    // A non-member's head is not followed: sync never asks it for blocks (it would not be let in).
    if (kind === 'head') return right === 'full';
    if (wireAllowed(kind, right)) return true;
    this.refused.taken++;
    this.note(
      `in:${from}:${kind}`,
      `Ignored a ${kind} message from ${from}: it is not a member of this ${this.s.durable.genesis.mode} chain.`,
    );
    return false;
  }

  /** May `bytes` (an encoded wire message) go to `to`? Refusals are counted and logged. */
  maySend(to: string, bytes: Uint8Array): boolean {
    const kind = wireKindOf(bytes);
    if (kind !== null && wireAllowed(kind, this.rightOf(to))) return true;
    this.refused.sent++;
    this.note(
      `out:${to}:${kind}`,
      `Did not send a ${kind ?? 'unknown'} message to ${to}: it is not a member of this ${this.s.durable.genesis.mode} chain, and only members read its blocks and messages.`,
    );
    return false;
  }

  /** Tell the network layer who reads the chain, when that changed (after every stored block). */
  updateReaders(): void {
    const net = this.net;
    if (!net || !this.s.durable) return;
    const readers = openToAll(this.s.durable) ? null : readersOf(this.s.durable);
    const key = readers === null ? '*' : [...readers].sort().join(' ');
    if (key === this.readersKey) return;
    this.readersKey = key;
    net.setReaders(readers === null ? null : [...readers]);
  }

  /** The host's PeerNet behind the gate: sends are checked; the readers follow the chain. */
  wrap(net: PeerNet): PeerNet {
    this.net = net;
    return {
      start: (options: NetStartOptions, handler: NetHandler) => {
        net.start(options, handler);
        this.readersKey = null;
        this.updateReaders();
      },
      stop: () => net.stop(),
      broadcast: (bytes) => net.broadcast(bytes),
      send: (to, bytes) => this.maySend(to, bytes) && net.send(to, bytes),
      drop: (did, reason) => net.drop(did, reason),
      setValidators: (dids) => net.setValidators(dids),
      setReaders: (dids) => net.setReaders(dids),
      view: () => net.view(),
    };
  }

  private note(key: string, message: string): void {
    if (this.noted.has(key)) return;
    if (this.noted.size >= limits.readRefusalsLoggedMax) this.noted.clear();
    this.noted.add(key);
    this.d.record('warn', message);
  }
}
