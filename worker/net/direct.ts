// The direct channel (issue 14 §6, docs/ARCHITECTURE.md "Low-load latency, third pass"): the page
// makes a second, negotiated data channel on each link's RTCPeerConnection and moves it into the
// worker (net-owner.ts), so that a message crosses three threads (worker, the channel's, the
// other worker) instead of five (worker, page, the channel's, the other page, its worker).
//
// A link starts on the page path and moves one direction at a time, each only once it is proven:
//   1. Both workers send a hello on the direct channel every directHelloIntervalMs; each answers a
//      hello with an ack. A remote that never made the channel (a Node peer, a browser that cannot
//      transfer one, an older worker) never answers: the link stays on the page path.
//   2. The first ack proves the remote worker receives on the channel: this side then sends a
//      switch marker on the page path, behind every chunk it sent there, and every later chunk on
//      the direct channel. The receiver holds direct chunks until the marker comes, so the byte
//      stream the framing needs keeps its order.
// Control chunks start with 0xff (framing.ts uses 0..2): [0xff, 0] hello, [0xff, 1] ack (both on
// the direct channel), [0xff, 2] switch (on the page path).
// A negotiated channel can receive before its own `open` and throws on send until then: sends
// wait for `open`. Pacing is the page's (rtc-links.ts): bufferedAmount, `bufferedamountlow`, onSent.
import * as limits from './limits';

/** The part of RTCDataChannel used here (workers' type libraries may lack the class). */
export interface DirectChannel {
  readonly readyState: string;
  readonly bufferedAmount: number;
  bufferedAmountLowThreshold: number;
  binaryType: string;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: unknown) => void) | null;
  onerror: ((event: unknown) => void) | null;
  onbufferedamountlow: ((event: unknown) => void) | null;
  send(data: ArrayBuffer): void;
  close(): void;
}

/** What the direct links need from the port driver. */
export interface DirectHost {
  /** Send a chunk on the page path (behind everything sent there before). */
  sendPage(link: string, chunk: Uint8Array): void;
  /** A chunk for the hub, in link order. */
  deliver(link: string, chunk: Uint8Array): void;
  /** Bytes handed to the direct channel (the hub's pacing). */
  sent(link: string, bytes: number): void;
  /** The link's byte stream is broken: close it. */
  fail(link: string, reason: string): void;
}

export interface DirectStats {
  /** Links whose sending moved to the direct channel. */
  linksSwitched: number;
  chunksSent: number;
  chunksReceived: number;
  /** Highest bufferedAmount seen right after a send: shows the pacing holds (as RtcLinkStats). */
  bufferedBytesMax: number;
}

const control = 0xff;
const hello = 0;
const ack = 1;
const switchKind = 2;

function controlChunk(kind: number): ArrayBuffer {
  return new Uint8Array([control, kind]).buffer;
}

function controlKind(chunk: Uint8Array): number | null {
  return chunk.length === 2 && chunk[0] === control ? chunk[1]! : null;
}

interface Direct {
  channel: DirectChannel;
  /** Something came from the remote on the channel. */
  heard: boolean;
  /** Our chunks go on the channel (the switch marker left on the page path). */
  sending: boolean;
  /** The remote's switch marker came on the page path: its direct chunks are in order. */
  receiving: boolean;
  early: Uint8Array[];
  earlyBytes: number;
  queue: ArrayBuffer[];
  hellos: number;
  timer: ReturnType<typeof setInterval> | null;
  recheck: ReturnType<typeof setTimeout> | null;
  unsent: number;
}

/** Re-check a paused channel this often, in case `bufferedamountlow` never fires (rtc-links.ts). */
const pausedRecheckMs = 100;

export class DirectLinks {
  private readonly links = new Map<string, Direct>();
  readonly stats: DirectStats = {
    linksSwitched: 0,
    chunksSent: 0,
    chunksReceived: 0,
    bufferedBytesMax: 0,
  };

  constructor(private readonly host: DirectHost) {}

  /** The page moved `channel` (the link's negotiated one) here. */
  attach(link: string, channel: DirectChannel): void {
    this.drop(link);
    const direct: Direct = {
      channel,
      heard: false,
      sending: false,
      receiving: false,
      early: [],
      earlyBytes: 0,
      queue: [],
      hellos: 0,
      timer: null,
      recheck: null,
      unsent: 0,
    };
    this.links.set(link, direct);
    channel.binaryType = 'arraybuffer';
    channel.bufferedAmountLowThreshold = limits.sendBufferLowBytes;
    channel.onmessage = (event) => this.onMessage(link, direct, event.data);
    channel.onopen = () => {
      if (direct.heard) this.sendControl(link, direct, ack);
      this.hello(link, direct);
      this.pump(link, direct);
    };
    channel.onbufferedamountlow = () => this.pump(link, direct);
    channel.onclose = () => this.onChannelClosed(link, direct, 'the direct channel closed');
    channel.onerror = () => this.onChannelClosed(link, direct, 'the direct channel failed');
    direct.timer = setInterval(() => this.hello(link, direct), limits.directHelloIntervalMs);
    (direct.timer as { unref?: () => void }).unref?.();
    if (channel.readyState === 'open') this.hello(link, direct);
  }

  /** Take a chunk for the direct channel: false while the link sends on the page path. */
  send(link: string, chunk: Uint8Array): boolean {
    const direct = this.links.get(link);
    if (!direct?.sending) return false;
    const own =
      chunk.byteOffset === 0 && chunk.byteLength === chunk.buffer.byteLength
        ? (chunk.buffer as ArrayBuffer)
        : (chunk.slice().buffer as ArrayBuffer);
    direct.queue.push(own);
    this.pump(link, direct);
    return true;
  }

  /** A chunk that came on the page path: true if it was the remote's switch marker (consumed). */
  onPageChunk(link: string, chunk: Uint8Array): boolean {
    if (controlKind(chunk) !== switchKind) return false;
    const direct = this.links.get(link);
    if (!direct) {
      this.host.fail(link, 'a switch to a direct channel this side does not have');
      return true;
    }
    direct.receiving = true;
    const early = direct.early;
    direct.early = [];
    direct.earlyBytes = 0;
    for (const held of early) this.host.deliver(link, held);
    return true;
  }

  /** The link is gone: close its direct channel. */
  drop(link: string): void {
    const direct = this.links.get(link);
    if (!direct) return;
    this.links.delete(link);
    this.stop(direct);
    try {
      direct.channel.close();
    } catch {
      // already closed
    }
  }

  dropAll(): void {
    for (const link of [...this.links.keys()]) this.drop(link);
  }

  private stop(direct: Direct): void {
    if (direct.timer) clearInterval(direct.timer);
    if (direct.recheck) clearTimeout(direct.recheck);
    direct.timer = null;
    direct.recheck = null;
    direct.channel.onmessage = null;
    direct.channel.onopen = null;
    direct.channel.onclose = null;
    direct.channel.onerror = null;
    direct.channel.onbufferedamountlow = null;
  }

  private hello(link: string, direct: Direct): void {
    // Its connection closed before the channel got here (the link's close came first).
    if (direct.channel.readyState === 'closed') {
      this.onChannelClosed(link, direct, 'the direct channel closed');
      return;
    }
    if (direct.sending || direct.channel.readyState !== 'open') return;
    if (!direct.heard && direct.hellos >= limits.directHellosMax) {
      // Nobody there (a Node peer, a page that could not move its channel): the page path stays.
      this.drop(link);
      return;
    }
    direct.hellos += 1;
    this.sendControl(link, direct, hello);
  }

  private sendControl(link: string, direct: Direct, kind: number): void {
    try {
      direct.channel.send(controlChunk(kind));
    } catch (error) {
      this.onChannelClosed(link, direct, `direct send failed: ${(error as Error).message}`);
    }
  }

  private onMessage(link: string, direct: Direct, data: unknown): void {
    if (!(data instanceof ArrayBuffer)) return;
    const chunk = new Uint8Array(data);
    const kind = controlKind(chunk);
    if (kind === hello) {
      direct.heard = true;
      // A negotiated channel can receive before its own open: the hello then waits for it.
      if (direct.channel.readyState === 'open') this.sendControl(link, direct, ack);
      return;
    }
    if (kind === ack) {
      direct.heard = true;
      if (direct.sending) return;
      // The remote worker receives here: the marker goes behind our page-path chunks.
      if (direct.timer) clearInterval(direct.timer);
      direct.timer = null;
      this.host.sendPage(link, new Uint8Array([control, switchKind]));
      direct.sending = true;
      this.stats.linksSwitched += 1;
      return;
    }
    this.stats.chunksReceived += 1;
    if (direct.receiving) {
      this.host.deliver(link, chunk);
      return;
    }
    direct.early.push(chunk);
    direct.earlyBytes += chunk.length;
    if (direct.earlyBytes > limits.directEarlyBytesMax)
      this.fail(link, `more than ${limits.directEarlyBytesMax} bytes came ahead of the switch`);
  }

  private pump(link: string, direct: Direct): void {
    const channel = direct.channel;
    if (this.links.get(link) !== direct || channel.readyState !== 'open') return;
    if (direct.recheck) clearTimeout(direct.recheck);
    direct.recheck = null;
    let bytes = 0;
    try {
      while (direct.queue.length > 0 && channel.bufferedAmount < limits.sendBufferHighBytes) {
        const chunk = direct.queue.shift()!;
        bytes += chunk.byteLength;
        channel.send(chunk);
        this.stats.chunksSent += 1;
        this.stats.bufferedBytesMax = Math.max(this.stats.bufferedBytesMax, channel.bufferedAmount);
      }
    } catch (error) {
      this.fail(link, `direct send failed: ${(error as Error).message}`);
      return;
    }
    if (bytes > 0) {
      // Reported after this task, as the page's reports come: the hub's pump then sends more.
      if (direct.unsent === 0)
        queueMicrotask(() => {
          const sent = direct.unsent;
          direct.unsent = 0;
          if (this.links.get(link) === direct) this.host.sent(link, sent);
        });
      direct.unsent += bytes;
    }
    if (direct.queue.length > 0) {
      direct.recheck = setTimeout(() => this.pump(link, direct), pausedRecheckMs);
      (direct.recheck as { unref?: () => void }).unref?.();
    }
  }

  private onChannelClosed(link: string, direct: Direct, reason: string): void {
    if (this.links.get(link) !== direct) return;
    // Before any chunk moved to the channel the link just stays on the page path.
    if (direct.sending || direct.receiving || direct.early.length > 0) this.fail(link, reason);
    else this.drop(link);
  }

  private fail(link: string, reason: string): void {
    this.drop(link);
    this.host.fail(link, reason);
  }
}
