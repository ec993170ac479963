// In-memory link driver and signaling bus: the hub's real logic (signaling, handshake,
// framing, gossip, pacing) runs unchanged over them, in one process, for unit tests.
// SDPs are fake but carry a DTLS fingerprint line like real ones, plus the id of the driver
// that wrote them, which is how the answering side finds its counterpart.
import type { IceServer, LinkDriver, LinkEvents } from './driver';
import type { SignalData, SignalingChannel } from './signaling';

let nextDriver = 0;
const drivers = new Map<string, MemoryDriver>();

function randomFingerprint(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
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

  constructor() {
    drivers.set(this.id, this);
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
    setTimeout(() => {
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
    const remote = drivers.get(mine.remote.driver);
    const copy = chunk.slice();
    queueMicrotask(() => {
      this.events?.onSent(link, chunk.length);
      if (remote?.links.get(link)?.open) remote.events?.onChunk(link, copy);
    });
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
    if (!mine?.remote) return;
    const remote = drivers.get(mine.remote.driver);
    if (!remote?.links.has(link)) return;
    remote.links.delete(link);
    setTimeout(() => remote.events?.onClose(link, 'closed by the remote'), 1);
  }

  private sdp(link: string): string {
    return `v=0\r\na=fingerprint:${this.links.get(link)!.fingerprint}\r\na=x-memory:${this.id}\r\n`;
  }
}

/** A signaling bus shared by the hubs given it (like a BroadcastChannel with its own scope). */
export class MemoryBus {
  private readonly members = new Set<(text: string) => void>();

  /** `immediate`: deliver in a microtask, ahead of data on links (as a BroadcastChannel often is). */
  constructor(private readonly immediate = false) {}

  channel(onText: (text: string, channel: SignalingChannel) => void): SignalingChannel {
    let closed = false;
    const deliver = (text: string) => {
      if (!closed) onText(text, channel);
    };
    const channel: SignalingChannel = {
      via: 'broadcast-channel',
      url: 'memory',
      state: () => (closed ? 'closed' : 'open'),
      send: (text) => {
        if (closed) return false;
        for (const member of this.members) {
          if (member === deliver) continue;
          if (this.immediate) queueMicrotask(() => member(text));
          else setTimeout(() => member(text), 0);
        }
        return true;
      },
      close: () => {
        closed = true;
        this.members.delete(deliver);
      },
    };
    this.members.add(deliver);
    return channel;
  }
}
