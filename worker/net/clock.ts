// Time for the network layer, injected: the hub reads the time and sets timers only through a
// Clock, so a simulator (issue 13 item 3) or a test can drive it with its own time. The real
// clock is the default.

/** A timer handle: whatever the clock's setTimeout returned. */
export type TimerHandle = unknown;

export interface Clock {
  /** Milliseconds, monotonic enough for intervals and timeouts; fractional allowed (RTTs). */
  now(): number;
  /** Run `fn` once, `delayMs` from now. The timer must not keep a Node process alive. */
  setTimeout(fn: () => void, delayMs: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

/** Wall-clock milliseconds with sub-millisecond precision, and the runtime's timers. */
export const realClock: Clock = {
  now: () => performance.timeOrigin + performance.now(),
  setTimeout(fn, delayMs) {
    const handle = setTimeout(fn, delayMs);
    (handle as { unref?: () => void }).unref?.();
    return handle;
  },
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};
