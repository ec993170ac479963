// The worker's end of the MessagePort bridge to the page's network owner
// (app/net/net-owner.ts): a LinkDriver whose WebRTC links live on the main thread.
import type { IceServer, LinkDriver, LinkEvents, PageToWorker, WorkerToPage } from './driver';
import type { SignalData } from './signaling';

export class PortDriver implements LinkDriver {
  private port: MessagePort | null = null;
  private events: LinkEvents | null = null;

  /** Take the page's end of the bridge (replaces a previous one, e.g. after a page reload). */
  attach(port: MessagePort): void {
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

  send(link: string, chunk: Uint8Array): void {
    const buffer = chunk.byteOffset === 0 && chunk.byteLength === chunk.buffer.byteLength ? (chunk.buffer as ArrayBuffer) : (chunk.slice().buffer as ArrayBuffer);
    this.post({ t: 'send', link, chunk: buffer }, [buffer]);
  }

  restartIce(link: string): void {
    this.post({ t: 'restart-ice', link });
  }

  close(link: string): void {
    this.post({ t: 'close', link });
  }

  private post(message: WorkerToPage, transfer: Transferable[] = []): void {
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
      case 'chunk':
        events.onChunk(message.link, new Uint8Array(message.chunk));
        return;
      case 'sent':
        events.onSent(message.link, message.bytes);
        return;
      case 'ice':
        events.onIceState(message.link, message.state);
        return;
      case 'close':
        events.onClose(message.link, message.reason);
        return;
    }
  }
}
