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
import type { SignalData } from './signaling';

/** Re-check a paused channel this often, in case `bufferedamountlow` never fires. */
const pausedRecheckMs = 100;

interface RtcLink {
  peer: SimplePeer;
  queue: Uint8Array[];
  recheck: ReturnType<typeof setTimeout> | null;
}

export interface RtcLinkStats {
  /** Highest bufferedAmount seen right after a send: shows the pacing holds. */
  bufferedBytesMax: number;
  chunksSent: number;
}

export class RtcLinks implements LinkDriver {
  private events: LinkEvents | null = null;
  private readonly links = new Map<string, RtcLink>();
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
    const entry: RtcLink = { peer, queue: [], recheck: null };
    this.links.set(link, entry);
    peer.on('signal', (data) => {
      if ((data.type === 'offer' || data.type === 'answer') && typeof data.sdp === 'string')
        this.events?.onSignal(link, { type: data.type, sdp: data.sdp });
      else if (data.type === 'candidate' && data.candidate)
        this.events?.onSignal(link, { type: 'candidate', candidate: data.candidate });
    });
    peer.on('connect', () => {
      const channel = peer._channel;
      if (channel) {
        channel.bufferedAmountLowThreshold = sendBufferLowBytes;
        channel.addEventListener('bufferedamountlow', () => this.pump(link));
      }
      this.events?.onConnect(link);
      this.pump(link);
    });
    peer.on('data', (chunk) => this.events?.onChunk(link, chunk));
    peer.on('iceStateChange', (state) => this.events?.onIceState(link, state));
    peer.on('error', (error) => this.finish(link, error.code ?? error.message));
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
    if (entry.recheck) clearTimeout(entry.recheck);
    entry.peer.destroy();
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
