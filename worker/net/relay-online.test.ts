// A relay that could not be reached while the device was offline is dialled again as soon as the
// browser says the network is back (its 'online' event), not at the end of a backoff that grew
// while offline (up to relayBackoffMaxMs).
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { relayBackoffMaxMs } from './limits';
import { openRelay, type WebSocketFactory } from './signaling';

/** Sockets made so far; each fails (closes) at once, as while offline, unless `reachable`. */
let made = 0;
let reachable = false;
class FakeSocket {
  readyState = 0;
  onopen: ((event: unknown) => void) | null = null;
  onclose: ((event: unknown) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  constructor(_url: string) {
    made += 1;
    queueMicrotask(() => (reachable ? this.onopen?.({}) : this.onclose?.({})));
  }
  send(_text: string) {}
  close() {
    this.onclose?.({});
  }
}

const target = new EventTarget();
const scope = globalThis as {
  addEventListener?: EventTarget['addEventListener'];
  removeEventListener?: EventTarget['removeEventListener'];
};

beforeEach(() => {
  made = 0;
  reachable = false;
  vi.useFakeTimers();
  // Node has no global 'online' event: stand in for the browser's window or worker scope.
  scope.addEventListener = target.addEventListener.bind(target);
  scope.removeEventListener = target.removeEventListener.bind(target);
});

afterEach(() => {
  vi.useRealTimers();
  delete scope.addEventListener;
  delete scope.removeEventListener;
});

describe('a relay and the network coming back', () => {
  it("reconnects at the 'online' event instead of waiting out the backoff", async () => {
    const states: string[] = [];
    const channel = openRelay(
      'ws://relay.example/signal',
      'room',
      'did:key:z6Mkme',
      () => {},
      FakeSocket as unknown as WebSocketFactory,
      () => states.push(channel.state()),
    );
    // Offline for a while: each try fails and the wait before the next doubles, up to the cap.
    await vi.advanceTimersByTimeAsync(4 * relayBackoffMaxMs);
    expect(made).toBeGreaterThan(3);
    expect(channel.state()).toBe('failed');

    // The network is back: the relay is dialled at once and opens.
    reachable = true;
    const before = made;
    target.dispatchEvent(new Event('online'));
    await vi.advanceTimersByTimeAsync(0);
    expect(made).toBe(before + 1);
    expect(channel.state()).toBe('open');
    expect(states.at(-1)).toBe('open');

    // Once closed, the channel no longer listens.
    channel.close();
    target.dispatchEvent(new Event('online'));
    await vi.advanceTimersByTimeAsync(relayBackoffMaxMs);
    expect(made).toBe(before + 1);
  });
});
