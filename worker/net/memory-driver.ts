// In-memory link driver and signaling bus: the hub's real logic (signaling, handshake,
// framing, gossip, pacing) runs unchanged over them, in one process, for unit tests.
// SDPs are fake but carry a DTLS fingerprint line like real ones, plus the id of the driver
// that wrote them, which is how the answering side finds its counterpart.
// The simulator (worker/sim/host-sim.ts) gives each driver its clock and the network's
// conditions: a delay per chunk (in order per link, like a data channel) and which drivers can
// reach each other (a partition closes the links across it and lets none open).
import type { IceServer, LinkDriver, LinkEvents } from './driver';
import type { SignalData, SignalingChannel } from './signaling';
import { realClock, type Clock } from './clock';
import { randomBytesOf } from './names';

/** How long a dial across a partition takes to fail (ICE gives up). */
const unreachableFailMs = 500;

export interface MemoryConditions {
  clock?: Clock;
  /** Milliseconds a chunk from driver `from` to driver `to` takes (default: a microtask). */
  delayMs?(from: string, to: string): number;
  /** Whether `from` can reach `to` now (default: always). */
  reachable?(from: string, to: string): boolean;
}

let nextDriver = 0;
const drivers = new Map<string, MemoryDriver>();

function randomFingerprint(): string {
  const bytes = randomBytesOf(32);
  return `sha-256 ${[...bytes].map((b) => b.toString(16).padStart(2, '0').toUpperCase()).join(':')}`;
}

interface MemoryLink {
  initiator: boolean;
  fingerprint: string;
  remote: { driver: string; link: string } | null;
  open: boolean;
}

export class MemoryDriver implements LinkDriver {
  readonly id = `m${nextDriver++}`;
  private events: LinkEvents | null = null;
  private readonly links = new Map<string, MemoryLink>();
  /** Chunks handed over, for assertions on chunk sizes. */
  chunkBytesSeenMax = 0;
  /** Data-channel messages handed over (a bundle of small frames counts once). */
  chunksSent = 0;
  /** Bytes of the chunks handed over, and of those that arrived here. */
  bytesSent = 0;
  bytesReceived = 0;

  private readonly clock: Clock;
  /** Per link, when its last chunk arrives (chunks on one link stay in order). */
  private readonly arrivals = new Map<string, number>();

  constructor(private readonly conditions: MemoryConditions = {}) {
    this.clock = conditions.clock ?? realClock;
    drivers.set(this.id, this);
  }

  private reaches(driver: string): boolean {
    return this.conditions.reachable?.(this.id, driver) ?? true;
  }

  /** Close every open link to a driver this one cannot reach any more (a partition began). */
  cutUnreachable(): void {
    for (const [link, mine] of [...this.links])
      if (mine.remote && !this.reaches(mine.remote.driver)) {
        this.close(link);
        this.clock.setTimeout(() => this.events?.onClose(link, 'the network failed'), 1);
      }
  }

  setEvents(events: LinkEvents): void {
    this.events = events;
    queueMicrotask(() => events.onCaps(true));
  }

  open(link: string, initiator: boolean, _iceServers: IceServer[]): void {
    this.links.set(link, {
      initiator,
      fingerprint: randomFingerprint(),
      remote: null,
      open: false,
    });
    if (initiator)
      queueMicrotask(() => this.events?.onSignal(link, { type: 'offer', sdp: this.sdp(link) }));
  }

  signal(link: string, data: SignalData): void {
    const mine = this.links.get(link);
    if (data.type === 'candidate') return;
    const match = /a=x-memory:(\S+)/.exec(data.sdp);
    if (!mine || !match) return;
    mine.remote = { driver: match[1]!, link };
    if (data.type === 'offer') {
      queueMicrotask(() => this.events?.onSignal(link, { type: 'answer', sdp: this.sdp(link) }));
      return;
    }
    // The dialer got the answer: both ends open.
    const remote = drivers.get(mine.remote.driver);
    if (!this.reaches(mine.remote.driver)) {
      // ICE finds no path: both ends hear the link failed, as both ICE agents check the same
      // pairs and reach 'failed' (rtc-links.ts closes on it). The answering end once heard
      // nothing, and its link waited linkConnectTimeoutMs (30 s), holding a place under
      // linksMax and linksConnectingMax meanwhile: a peer cut off by a partition stayed without
      // links well after the heal (issue 19, BENCHMARKS.md "five validators ... traced").
      this.clock.setTimeout(() => {
        if (this.links.delete(link)) this.events?.onClose(link, 'no network path');
        if (remote?.links.delete(link)) remote.events?.onClose(link, 'no network path');
      }, unreachableFailMs);
      return;
    }
    this.clock.setTimeout(() => {
      mine.open = true;
      const theirs = remote?.links.get(link);
      if (theirs) theirs.open = true;
      this.events?.onConnect(link);
      remote?.events?.onConnect(link);
    }, 1);
  }

  send(link: string, chunk: Uint8Array): void {
    const mine = this.links.get(link);
    if (!mine?.open || !mine.remote) return;
    this.chunkBytesSeenMax = Math.max(this.chunkBytesSeenMax, chunk.length);
    this.chunksSent++;
    this.bytesSent += chunk.length;
    const remote = drivers.get(mine.remote.driver);
    const copy = chunk.slice();
    const arrive = () => {
      if (!remote?.links.get(link)?.open) return;
      remote.bytesReceived += copy.length;
      remote.events?.onChunk(link, copy);
    };
    const delayMs = this.conditions.delayMs?.(this.id, mine.remote.driver);
    if (delayMs === undefined) {
      queueMicrotask(() => {
        this.events?.onSent(link, chunk.length);
        arrive();
      });
      return;
    }
    const now = this.clock.now();
    const at = Math.max(now + delayMs, this.arrivals.get(link) ?? 0);
    this.arrivals.set(link, at);
    queueMicrotask(() => this.events?.onSent(link, chunk.length));
    this.clock.setTimeout(arrive, at - now);
  }

  restartIce(_link: string): void {}

  /**
   * This end is gone without a word (a tab closed, a phone app killed): its links carry
   * nothing more, and no close reaches the remotes, which keep their links until they notice.
   */
  vanish(): void {
    this.links.clear();
    this.events = null;
    drivers.delete(this.id);
  }

  close(link: string): void {
    const mine = this.links.get(link);
    this.links.delete(link);
    this.arrivals.delete(link);
    if (!mine?.remote) return;
    const remote = drivers.get(mine.remote.driver);
    if (!remote?.links.has(link)) return;
    remote.links.delete(link);
    this.clock.setTimeout(() => remote.events?.onClose(link, 'closed by the remote'), 1);
  }

  private sdp(link: string): string {
    return `v=0\r\na=fingerprint:${this.links.get(link)!.fingerprint}\r\na=x-memory:${this.id}\r\n`;
  }
}

/**
 * A signaling bus shared by the hubs given it. By default like a BroadcastChannel with its own
 * scope: every text reaches every other member. As a relay (`addressed`, server/signal.mjs):
 * a text naming a `to` reaches only the channels opened for that did (the simulator's
 * `--signaling relay`). Each recipient gets the text in a timer of its own: handing it to all
 * of them in one timer (no microtasks between) left the last peers of a 48-peer run with
 * dials stuck connecting (BENCHMARKS.md "the real host toward 1,000").
 */
export class MemoryBus {
  private readonly members = new Set<(text: string) => void>();
  /** Relay mode: each did's deliver functions. */
  private readonly byDid = new Map<string, Set<(text: string) => void>>();

  /** `immediate`: deliver in a microtask, ahead of data on links (as a BroadcastChannel often is). */
  constructor(
    private readonly immediate = false,
    private readonly clock: Clock = realClock,
    private readonly addressed = false,
  ) {}

  /** A member's channel; `did` (relay mode): the peer it is opened for, as in the relay's URL. */
  channel(
    onText: (text: string, channel: SignalingChannel) => void,
    did?: string,
  ): SignalingChannel {
    let closed = false;
    const deliver = (text: string) => {
      if (!closed) onText(text, channel);
    };
    const channel: SignalingChannel = {
      via: this.addressed ? 'relay' : 'broadcast-channel',
      url: 'memory',
      state: () => (closed ? 'closed' : 'open'),
      send: (text) => {
        if (closed) return false;
        if (this.addressed) this.relay(text, deliver);
        else
          for (const member of this.members) {
            if (member === deliver) continue;
            if (this.immediate) queueMicrotask(() => member(text));
            else this.clock.setTimeout(() => member(text), 0);
          }
        return true;
      },
      close: () => {
        closed = true;
        this.members.delete(deliver);
        if (did !== undefined) this.byDid.get(did)?.delete(deliver);
      },
    };
    this.members.add(deliver);
    if (did !== undefined) {
      const own = this.byDid.get(did) ?? new Set();
      own.add(deliver);
      this.byDid.set(did, own);
    }
    return channel;
  }

  /** Relay mode: to the addressee's channels, or to every other member. */
  private relay(text: string, sender: (text: string) => void): void {
    let to: unknown;
    try {
      to = (JSON.parse(text) as { to?: unknown }).to;
    } catch {
      return; // the relay drops what is not JSON
    }
    const targets = [...(typeof to === 'string' ? (this.byDid.get(to) ?? []) : this.members)];
    const recipients = targets.filter((member) => member !== sender);
    for (const member of recipients) this.clock.setTimeout(() => member(text), 0);
  }
}
