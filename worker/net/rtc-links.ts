// WebRTC links through simple-peer (the maintained fork @thaunknown/simple-peer): the
// LinkDriver of worker/net/driver.ts. In the browser it runs on the main thread (workers have
// no RTCPeerConnection) behind net-owner.ts; in Node the hub uses it directly (simple-peer
// takes RTCPeerConnection from webrtc-polyfill, that is node-datachannel).
//
// One ordered, reliable data channel per link, with trickled ICE candidates (node-datachannel
// never finishes an answer without trickle). Sending is paced on the channel's bufferedAmount:
// chunks go out while it is below sendBufferHighBytes and resume on `bufferedamountlow`;
// Chromium closes a channel whose buffer overflows 16 MiB.
import SimplePeer from '@thaunknown/simple-peer/lite.js';
import type { IceServer, LinkDriver, LinkEvents } from './driver';
import { directChannelId, sendBufferHighBytes, sendBufferLowBytes } from './limits';
import type { IceCandidateData, SignalData } from './signaling';

/** Re-check a paused channel this often, in case `bufferedamountlow` never fires. */
const pausedRecheckMs = 100;

interface RtcLink {
  peer: SimplePeer;
  queue: Uint8Array[];
  recheck: ReturnType<typeof setTimeout> | null;
  /** The link's last state changes, ms since open (for diagnostics: state()). */
  history: string[];
  openedAt: number;
}

/** State changes kept per link for state(). */
const historyMax = 16;

/**
 * webrtc-polyfill (node-datachannel, in Node) tears the whole native library down (`cleanup()`:
 * every connection closed, its threads joined) whenever its count of open connections drops to
 * zero. So a peer whose last link closed and which dialled again at once could lose the new
 * link within milliseconds, without an event (seen as the rtc-links suite's "both ends
 * connected" timeouts: a fresh connection 'closed' 10 ms after 'connecting'). In Node one idle
 * connection is held from the first link on, so that count never reaches zero while the peer
 * runs; releaseNativeWebRtc() lets it go when the process stops its nets. Browsers have no such
 * count: there the hold is never made.
 */
let nativeHold: { close(): void } | null = null;

function holdNativeWebRtc(pc: RTCPeerConnection | null | undefined): void {
  if (nativeHold || !pc) return;
  const Connection = pc.constructor as typeof RTCPeerConnection;
  if (Connection === (globalThis as { RTCPeerConnection?: unknown }).RTCPeerConnection) return;
  nativeHold = new Connection();
}

/** An SDP without its candidate lines (they are sent trickled). */
function withoutCandidates(sdp: string): string {
  return sdp.replace(/^a=(?:candidate:|end-of-candidates).*\r?\n/gm, '');
}

/** Close the idle connection that keeps node-datachannel up (then it cleans up when the last link closes). */
export function releaseNativeWebRtc(): void {
  const hold = nativeHold;
  nativeHold = null;
  hold?.close();
}

export interface RtcLinkStats {
  /** Highest bufferedAmount seen right after a send: shows the pacing holds. */
  bufferedBytesMax: number;
  chunksSent: number;
}

export class RtcLinks implements LinkDriver {
  private events: LinkEvents | null = null;
  private readonly links = new Map<string, RtcLink>();
  /** The history of the last links that ended, for state(). */
  private readonly ended = new Map<string, string>();
  readonly stats: RtcLinkStats = { bufferedBytesMax: 0, chunksSent: 0 };

  constructor(private readonly Peer: typeof SimplePeer = SimplePeer) {}

  /** Whether this runtime has RTCPeerConnection. */
  get available(): boolean {
    return this.Peer.WEBRTC_SUPPORT;
  }

  setEvents(events: LinkEvents): void {
    this.events = events;
    queueMicrotask(() => events.onCaps(this.available));
  }

  open(link: string, initiator: boolean, iceServers: IceServer[]): void {
    let peer: SimplePeer;
    try {
      peer = new this.Peer({
        initiator,
        trickle: true,
        config: { iceServers },
        channelConfig: { ordered: true },
      });
    } catch (error) {
      queueMicrotask(() =>
        this.events?.onClose(link, `WebRTC refused the connection: ${(error as Error).message}`),
      );
      return;
    }
    const entry: RtcLink = { peer, queue: [], recheck: null, history: [], openedAt: Date.now() };
    this.links.set(link, entry);
    const note = (what: string) => {
      entry.history.push(`${Date.now() - entry.openedAt}ms ${what}`);
      if (entry.history.length > historyMax) entry.history.shift();
    };
    // simple-peer's own teardown (a channel that closes, `__destroy` without an error) can end a
    // link without 'close' or 'error', and a connection closed under it (ICE failed, then closed)
    // never reaches its handlers: the driver watches the connection and the channel itself, so
    // the hub always hears of a dead link (LinkDriver: a close reaches the other end).
    const pc = peer._pc;
    holdNativeWebRtc(pc);
    pc?.addEventListener('connectionstatechange', () => {
      note(`connection ${pc.connectionState}`);
      if (pc.connectionState === 'failed' || pc.connectionState === 'closed')
        this.finish(link, `connection ${pc.connectionState}`);
    });
    pc?.addEventListener('iceconnectionstatechange', () => {
      note(`ice ${pc.iceConnectionState}`);
      if (pc.iceConnectionState === 'failed' || pc.iceConnectionState === 'closed')
        this.finish(link, `ice ${pc.iceConnectionState}`);
    });
    pc?.addEventListener('signalingstatechange', () => note(`signaling ${pc.signalingState}`));
    // The offerer holds its ICE candidates until it has applied the answer (and strips those
    // node-datachannel already wrote into the offer: each also comes trickled). Otherwise the
    // answerer can finish ICE and start DTLS before the answer (with the answerer's certificate
    // fingerprint) has reached the offerer's connection: node-datachannel then refuses the
    // certificate ('unknown CA') and both ends fail, seen under load in the rtc-links suite
    // whenever the JS thread applied the answer tens of ms after the native ICE checks passed.
    const held: IceCandidateData[] = [];
    const answered = () => !peer.initiator || pc?.signalingState === 'stable';
    pc?.addEventListener('signalingstatechange', () => {
      if (!answered()) return;
      for (const candidate of held.splice(0))
        this.events?.onSignal(link, { type: 'candidate', candidate });
    });
    peer.on('signal', (data) => {
      if (data.type === 'offer' && typeof data.sdp === 'string')
        this.events?.onSignal(link, { type: 'offer', sdp: withoutCandidates(data.sdp) });
      else if (data.type === 'answer' && typeof data.sdp === 'string')
        this.events?.onSignal(link, { type: 'answer', sdp: data.sdp });
      else if (data.type === 'candidate' && data.candidate) {
        if (answered())
          this.events?.onSignal(link, { type: 'candidate', candidate: data.candidate });
        else held.push(data.candidate);
      }
    });
    peer.on('connect', () => {
      note('connect');
      const channel = peer._channel;
      if (channel) {
        channel.bufferedAmountLowThreshold = sendBufferLowBytes;
        channel.addEventListener('bufferedamountlow', () => this.pump(link));
        channel.addEventListener('close', () => this.finish(link, 'channel closed'));
      }
      this.events?.onConnect(link);
      this.pump(link);
    });
    peer.on('data', (chunk) => this.events?.onChunk(link, chunk));
    peer.on('iceStateChange', (state) => this.events?.onIceState(link, state));
    peer.on('error', (error) => {
      note(`error ${error.code ?? ''}: ${error.message}`);
      this.finish(link, error.code ?? error.message);
    });
    peer.on('close', () => this.finish(link, 'closed'));
  }

  signal(link: string, data: SignalData): void {
    const entry = this.links.get(link);
    if (!entry || entry.peer.destroyed) return;
    try {
      entry.peer.signal(
        data.type === 'candidate'
          ? { candidate: data.candidate }
          : { type: data.type, sdp: data.sdp },
      );
    } catch (error) {
      this.finish(link, `bad signal: ${(error as Error).message}`);
    }
  }

  send(link: string, chunk: Uint8Array): void {
    const entry = this.links.get(link);
    if (!entry) return;
    entry.queue.push(chunk);
    this.pump(link);
  }

  /**
   * A second, negotiated data channel on `link`'s connection, for the page to move to its worker
   * (net-owner.ts, direct.ts); null where the connection cannot make one. Both ends make it
   * when they connect, with the same stream id.
   */
  openDirect(link: string): RTCDataChannel | null {
    const pc = this.links.get(link)?.peer._pc;
    if (!pc || pc.connectionState === 'closed') return null;
    try {
      return pc.createDataChannel('bot-direct', {
        negotiated: true,
        id: directChannelId,
        ordered: true,
      });
    } catch {
      return null;
    }
  }

  restartIce(link: string): void {
    const peer = this.links.get(link)?.peer;
    if (!peer || !peer.initiator || peer.destroyed) return;
    peer.offerOptions = { ...peer.offerOptions, iceRestart: true };
    peer.negotiate();
  }

  close(link: string): void {
    const entry = this.links.get(link);
    if (!entry) return;
    this.links.delete(link);
    this.ended.set(link, entry.history.join(', '));
    if (this.ended.size > historyMax) this.ended.delete(this.ended.keys().next().value!);
    if (entry.recheck) clearTimeout(entry.recheck);
    entry.peer.destroy();
  }

  /** Each link's state as simple-peer and its RTCPeerConnection see it (for diagnostics). */
  state(): string {
    return [...this.links]
      .map(([link, { peer, history }]) => {
        const p = peer as unknown as Record<string, unknown> & { _pc?: RTCPeerConnection };
        const c = peer._channel;
        return `${link}: pc ${p._pcReady ? 'ready' : 'not ready'}, channel ${c?.readyState ?? 'none'}${p._channelReady ? ' ready' : ''}, connected ${peer.connected}, ice ${p._pc?.iceConnectionState}, connection ${p._pc?.connectionState}, destroyed ${peer.destroyed}, seen [${history.join(', ')}]`;
      })
      .concat([...this.ended].map(([link, history]) => `${link} ended: [${history}]`))
      .join('; ');
  }

  closeAll(): void {
    for (const link of [...this.links.keys()]) this.close(link);
  }

  /** Give queued chunks to the channel while its buffer is below the high-water mark. */
  private pump(link: string): void {
    const entry = this.links.get(link);
    const channel = entry?.peer._channel;
    if (!entry || !channel || !entry.peer.connected) return;
    if (entry.recheck) clearTimeout(entry.recheck);
    entry.recheck = null;
    let sentBytes = 0;
    try {
      while (entry.queue.length > 0 && channel.bufferedAmount < sendBufferHighBytes) {
        const chunk = entry.queue.shift()!;
        channel.send(chunk as Uint8Array<ArrayBuffer>);
        sentBytes += chunk.length;
        this.stats.chunksSent += 1;
        this.stats.bufferedBytesMax = Math.max(this.stats.bufferedBytesMax, channel.bufferedAmount);
      }
    } catch (error) {
      this.finish(link, `send failed: ${(error as Error).message}`);
      return;
    }
    if (sentBytes > 0) this.events?.onSent(link, sentBytes);
    if (entry.queue.length > 0) {
      entry.recheck = setTimeout(() => this.pump(link), pausedRecheckMs);
      (entry.recheck as { unref?: () => void }).unref?.();
    }
  }

  private finish(link: string, reason: string): void {
    const entry = this.links.get(link);
    if (!entry) return;
    this.close(link);
    this.events?.onClose(link, reason);
  }
}
