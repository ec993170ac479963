// The direct channel's protocol (direct.ts) between two workers, with fake channels and a page
// path whose deliveries the test orders: hello/ack, the switch marker, holding direct chunks that
// overtake it, the fallback when the remote never answers, pacing and failures.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type DirectChannel, type DirectHost, DirectLinks } from './direct';
import * as limits from './limits';

class FakeChannel implements DirectChannel {
  readyState = 'connecting';
  bufferedAmount = 0;
  bufferedAmountLowThreshold = 0;
  binaryType = 'blob';
  onopen: DirectChannel['onopen'] = null;
  onmessage: DirectChannel['onmessage'] = null;
  onclose: DirectChannel['onclose'] = null;
  onerror: DirectChannel['onerror'] = null;
  onbufferedamountlow: DirectChannel['onbufferedamountlow'] = null;
  remote: FakeChannel | null = null;
  /** Messages on the way to this channel, delivered by flush(). */
  inbox: ArrayBuffer[] = [];
  sent: ArrayBuffer[] = [];
  closed = false;
  send(data: ArrayBuffer): void {
    if (this.readyState !== 'open') throw new Error('InvalidStateError');
    this.sent.push(data);
    this.remote?.inbox.push(data.slice(0));
  }
  close(): void {
    this.closed = true;
  }
  open(): void {
    this.readyState = 'open';
    this.onopen?.({});
  }
  /** Deliver what arrived; returns how many. */
  flush(): number {
    const got = this.inbox.splice(0);
    for (const data of got) this.onmessage?.({ data });
    return got.length;
  }
}

const text = (s: string) => new TextEncoder().encode(s);
const read = (chunk: Uint8Array) => new TextDecoder().decode(chunk);

/** One side: its DirectLinks, the page path towards the other side, what it delivered. */
function side(link: string) {
  const page: Uint8Array[] = [];
  const delivered: string[] = [];
  const failed: string[] = [];
  const sent: number[] = [];
  const host: DirectHost = {
    sendPage: (_link, chunk) => page.push(chunk),
    deliver: (_link, chunk) => delivered.push(read(chunk)),
    sent: (_link, bytes) => sent.push(bytes),
    fail: (_link, reason) => failed.push(reason),
  };
  const direct = new DirectLinks(host);
  /** What the port driver does with a hub's chunk. */
  const send = (s: string) => {
    if (!direct.send(link, text(s))) page.push(text(s));
  };
  return { direct, page, delivered, failed, sent, send };
}

/** The page path from `from` to `to`, in order (port driver: a switch marker is consumed). */
function flushPage(from: ReturnType<typeof side>, to: ReturnType<typeof side>, link: string) {
  for (const chunk of from.page.splice(0))
    if (!to.direct.onPageChunk(link, chunk)) to.delivered.push(read(chunk));
}

function pair() {
  const [ca, cb] = [new FakeChannel(), new FakeChannel()];
  ca.remote = cb;
  cb.remote = ca;
  const [a, b] = [side('l'), side('l')];
  a.direct.attach('l', ca);
  b.direct.attach('l', cb);
  const exchange = () => {
    while (ca.flush() + cb.flush() > 0);
  };
  return { a, b, ca, cb, exchange };
}

afterEach(() => vi.useRealTimers());

describe('direct channel', () => {
  it('switches after hello and ack, and keeps the order when direct chunks overtake the switch marker', () => {
    const { a, b, ca, cb, exchange } = pair();
    a.send('page-1');
    a.send('page-2');
    ca.open();
    cb.open();
    exchange();
    expect(a.direct.stats.linksSwitched).toBe(1);
    expect(b.direct.stats.linksSwitched).toBe(1);
    a.send('direct-1');
    a.send('direct-2');
    // The direct chunks arrive first; the page path (with the marker behind page-1, page-2) later.
    cb.flush();
    expect(b.delivered).toEqual([]);
    flushPage(a, b, 'l');
    expect(b.delivered).toEqual(['page-1', 'page-2', 'direct-1', 'direct-2']);
    b.send('back');
    ca.flush();
    flushPage(b, a, 'l');
    a.send('after');
    cb.flush();
    expect(a.delivered).toEqual(['back']);
    expect(b.delivered.at(-1)).toBe('after');
    expect(a.direct.stats.chunksSent).toBe(3);
    expect(b.direct.stats.chunksReceived).toBe(3);
    expect([a.failed, b.failed]).toEqual([[], []]);
  });

  it('a channel that receives before its own open answers once it opens', () => {
    const { a, ca, cb } = pair();
    ca.open();
    cb.flush(); // a hello arrives at b, whose channel is not open: sending would throw
    expect(cb.sent).toEqual([]);
    cb.open();
    ca.flush();
    expect(a.direct.stats.linksSwitched).toBe(1);
  });

  it('a remote that never answers: hellos every interval, then the page path stays', () => {
    vi.useFakeTimers();
    const channel = new FakeChannel();
    const a = side('l');
    a.direct.attach('l', channel);
    channel.open();
    vi.advanceTimersByTime(limits.directHelloIntervalMs * (limits.directHellosMax + 2));
    expect(channel.sent.length).toBe(limits.directHellosMax);
    expect(channel.closed).toBe(true);
    a.send('x');
    expect(a.page.map(read)).toEqual(['x']);
    expect(a.failed).toEqual([]);
  });

  it('a lost first hello is repeated', () => {
    vi.useFakeTimers();
    const { a, ca, cb } = pair();
    ca.open();
    cb.inbox.splice(0); // b's end was not made yet: the first hello is dropped
    cb.open();
    ca.flush(); // b's own hello: a answers
    vi.advanceTimersByTime(limits.directHelloIntervalMs);
    cb.flush();
    ca.flush();
    expect(a.direct.stats.linksSwitched).toBe(1);
  });

  it('paces on bufferedAmount and reports what it handed over', async () => {
    const { a, ca, cb, exchange } = pair();
    ca.open();
    cb.open();
    exchange();
    expect(a.direct.stats.linksSwitched).toBe(1);
    ca.bufferedAmount = limits.sendBufferHighBytes;
    a.send('held');
    expect(a.direct.stats.chunksSent).toBe(0);
    ca.bufferedAmount = 0;
    ca.onbufferedamountlow?.({});
    expect(a.direct.stats.chunksSent).toBe(1);
    await Promise.resolve();
    expect(a.sent).toEqual([4]);
  });

  it('a channel lost after the switch closes the link; before it, the page path stays', () => {
    const { a, b, ca, cb, exchange } = pair();
    ca.open();
    cb.open();
    exchange();
    ca.onclose?.({});
    expect(a.failed).toEqual(['the direct channel closed']);
    const other = side('m');
    const channel = new FakeChannel();
    other.direct.attach('m', channel);
    channel.onclose?.({});
    other.send('y');
    expect(other.page.map(read)).toEqual(['y']);
    expect(other.failed).toEqual([]);
    expect(b.failed).toEqual([]);
  });

  it('a switch marker for a link without a direct channel closes the link', () => {
    const a = side('l');
    expect(a.direct.onPageChunk('l', Uint8Array.of(0xff, 2))).toBe(true);
    expect(a.failed.length).toBe(1);
    expect(a.direct.onPageChunk('l', Uint8Array.of(1, 0, 0, 0, 1, 7))).toBe(false);
  });
});
