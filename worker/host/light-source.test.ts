// The light peer's network source (light.ts NetLightSource) chooses whom to ask: a neighbour that
// let a request time out is asked after every other neighbour for lightSilentNeighbourMs, and a
// light peer asked by mistake refuses at once instead of costing the asker a timeout. A fake
// PeerNet and a hand-driven clock: the timeouts fire when the test says.
import { describe, expect, it } from 'vitest';
import { lightRequestTimeoutMs, lightSilentNeighbourMs, NetLightSource } from './light';
import { decodeWire, encodeWire, type WireMessage } from './wire';
import type { NetHandler, PeerNet } from '../net/types';
import type { Clock } from '../net/clock';

class HandClock implements Clock {
  time = 0;
  private timers = new Map<number, { at: number; fn: () => void }>();
  private next = 1;
  now = () => this.time;
  setTimeout(fn: () => void, delayMs: number) {
    const id = this.next++;
    this.timers.set(id, { at: this.time + delayMs, fn });
    return id;
  }
  clearTimeout(handle: unknown) {
    this.timers.delete(handle as number);
  }
  /** Move the time on by `ms`, firing the timers due meanwhile. */
  advance(ms: number) {
    this.time += ms;
    for (const [id, t] of [...this.timers])
      if (t.at <= this.time) {
        this.timers.delete(id);
        t.fn();
      }
  }
}

/** Neighbours 'did:silent' (never answers) and 'did:full' (answers every lightGet at once). */
class FakeNet implements PeerNet {
  handler: NetHandler | null = null;
  readonly asked: string[] = [];
  readonly sentTo: Array<{ to: string; message: WireMessage }> = [];
  start(_options: unknown, handler: NetHandler) {
    this.handler = handler;
    handler.onNeighbours(['did:silent', 'did:full']);
  }
  stop() {}
  broadcast() {}
  send(to: string, bytes: Uint8Array) {
    const message = decodeWire(bytes);
    this.sentTo.push({ to, message });
    if (message.kind !== 'lightGet') return true;
    this.asked.push(to);
    if (to === 'did:full')
      queueMicrotask(() =>
        this.handler!.onMessage(
          to,
          encodeWire({
            kind: 'lightData',
            id: message.id,
            head: 7,
            updates: [],
            proof: null,
            error: null,
          }),
        ),
      );
    return true;
  }
  drop() {}
  setValidators() {}
  setReaders() {}
  view() {
    return {} as ReturnType<PeerNet['view']>;
  }
}

const flush = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('the light peer network source', () => {
  it('asks a neighbour that let a request time out only after the others, until its silence wears off', async () => {
    const net = new FakeNet();
    const clock = new HandClock();
    const source = new NetLightSource(
      net,
      { did: 'did:me', sign: async () => new Uint8Array(64), room: 'r' },
      clock,
    );

    // first read: the turn starts at the silent neighbour, which lets it time out
    const first = source.head();
    await flush();
    expect(net.asked).toEqual(['did:silent']);
    clock.advance(lightRequestTimeoutMs);
    expect(await first).toBe(7);
    expect(net.asked).toEqual(['did:silent', 'did:full']);

    // the next reads go to the one that answers first, whatever the turn says: no wait
    for (let i = 0; i < 4; i++) expect(await source.head()).toBe(7);
    expect(net.asked.slice(2)).toEqual(['did:full', 'did:full', 'did:full', 'did:full']);

    // once its silence wore off, its turn comes again
    clock.advance(lightSilentNeighbourMs);
    const later = source.head();
    await flush();
    const turns = net.asked.slice(6);
    if (turns[0] === 'did:silent') clock.advance(lightRequestTimeoutMs);
    expect(await later).toBe(7);
    const again = source.head();
    await flush();
    if (net.asked.at(-1) === 'did:silent') clock.advance(lightRequestTimeoutMs);
    expect(await again).toBe(7);
    expect(net.asked.slice(6)).toContain('did:silent');
    source.stop();
  });

  it('a light peer asked for headers or proofs refuses at once', async () => {
    const net = new FakeNet();
    const source = new NetLightSource(
      net,
      { did: 'did:me', sign: async () => new Uint8Array(64), room: 'r' },
      new HandClock(),
    );
    net.handler!.onMessage(
      'did:other-light',
      encodeWire({ kind: 'lightGet', id: 42, from: 1, count: 10, key: null }),
    );
    const answer = net.sentTo.find((s) => s.to === 'did:other-light')?.message;
    expect(answer).toMatchObject({ kind: 'lightData', id: 42, error: { code: 'NOT_READY' } });
    source.stop();
  });
});
