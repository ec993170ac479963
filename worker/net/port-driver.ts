// The worker's end of the MessagePort bridge to the page's network owner
// (worker/net/net-owner.ts): a LinkDriver whose WebRTC links live on the main thread.
import type { IceServer, LinkDriver, LinkEvents, PageToWorker, WorkerToPage } from './driver';
import { DirectLinks } from './direct';
import type { SignalData } from './signaling';

export class PortDriver implements LinkDriver {
  private port: MessagePort | null = null;
  private events: LinkEvents | null = null;
  /** Links whose data channel the page moved here (direct.ts): their chunks skip the page. */
  readonly direct = new DirectLinks({
    sendPage: (link, chunk) => this.sendPage(link, chunk),
    deliver: (link, chunk) => this.events?.onChunk(link, chunk),
    sent: (link, bytes) => this.events?.onSent(link, bytes),
    fail: (link, reason) => {
      this.post({ t: 'close', link });
      this.events?.onClose(link, reason);
    },
  });

  /** Take the page's end of the bridge (replaces a previous one, e.g. after a page reload). */
  attach(port: MessagePort): void {
    this.direct.dropAll();
    this.port?.close();
    this.port = port;
    port.onmessage = (event: MessageEvent<PageToWorker>) => this.onMessage(event.data);
  }

  setEvents(events: LinkEvents): void {
    this.events = events;
  }

  open(link: string, initiator: boolean, iceServers: IceServer[]): void {
    this.post({ t: 'open', link, initiator, iceServers });
  }

  signal(link: string, data: SignalData): void {
    this.post({ t: 'signal', link, data });
  }

  /**
   * Chunks are gathered for the rest of this task and posted as one message (flushSends): a
   * broadcast to every neighbour, or a pump after an onSent, then costs one page wake-up and one
   * structured clone instead of one per link. Any other message flushes them first, so order holds.
   */
  send(link: string, chunk: Uint8Array): void {
    if (!this.direct.send(link, chunk)) this.sendPage(link, chunk);
  }

  private sendPage(link: string, chunk: Uint8Array): void {
    const own =
      chunk.byteOffset === 0 &&
      chunk.byteLength === chunk.buffer.byteLength &&
      !this.sendBuffers.has(chunk.buffer as ArrayBuffer);
    const buffer = own ? (chunk.buffer as ArrayBuffer) : (chunk.slice().buffer as ArrayBuffer);
    this.sendLinks.push(link);
    this.sendChunks.push(buffer);
    this.sendBuffers.add(buffer);
    if (this.sendLinks.length === 1) queueMicrotask(() => this.flushSends());
  }

  private sendLinks: string[] = [];
  private sendChunks: ArrayBuffer[] = [];
  /** The buffers in this batch: each may be transferred once. */
  private sendBuffers = new Set<ArrayBuffer>();

  private flushSends(): void {
    if (this.sendLinks.length === 0) return;
    const message: WorkerToPage = { t: 'send', links: this.sendLinks, chunks: this.sendChunks };
    this.sendLinks = [];
    this.sendChunks = [];
    this.sendBuffers = new Set();
    this.port?.postMessage(message, message.chunks);
  }

  restartIce(link: string): void {
    this.post({ t: 'restart-ice', link });
  }

  close(link: string): void {
    this.direct.drop(link);
    this.post({ t: 'close', link });
  }

  private post(message: WorkerToPage, transfer: Transferable[] = []): void {
    this.flushSends();
    this.port?.postMessage(message, transfer);
  }

  private onMessage(message: PageToWorker): void {
    const events = this.events;
    if (!events || typeof message !== 'object' || message === null) return;
    switch (message.t) {
      case 'caps':
        events.onCaps(message.webrtc === true);
        return;
      case 'signal':
        events.onSignal(message.link, message.data);
        return;
      case 'connect':
        events.onConnect(message.link);
        return;
      case 'chunk': {
        const chunk = new Uint8Array(message.chunk);
        if (!this.direct.onPageChunk(message.link, chunk)) events.onChunk(message.link, chunk);
        return;
      }
      case 'sent':
        if (!Array.isArray(message.links) || !Array.isArray(message.bytes)) return;
        message.links.forEach((link, i) => events.onSent(link, message.bytes[i] ?? 0));
        return;
      case 'ice':
        events.onIceState(message.link, message.state);
        return;
      case 'close':
        this.direct.drop(message.link);
        events.onClose(message.link, message.reason);
        return;
    }
  }
}
