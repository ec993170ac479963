// Time, injected: the hub, the host (PeerHost and its services), the syncer and the devices host
// read the time and set timers only through a Clock, so the simulator (worker/sim/host-sim.ts,
// issue 13 item 3) or a test can drive them with virtual time. The real clock is the default.

/** A timer handle: whatever the clock's setTimeout returned. */
export type TimerHandle = unknown;

export interface Clock {
  /** Milliseconds, monotonic enough for intervals and timeouts; fractional allowed (RTTs). */
  now(): number;
  /** Run `fn` once, `delayMs` from now. The timer must not keep a Node process alive. */
  setTimeout(fn: () => void, delayMs: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
  /**
   * Keep a Node process alive until the returned function is called: someone is waiting on
   * this peer (a `waitFor`), so the peer's own timers (the block tick) must get to fire. Without
   * it a script awaiting a result that needs a further block exits with code 13 (issue 14).
   * Optional: a virtual clock, or a runtime whose timers never stop a process, needs none.
   */
  hold?(): () => void;
}

let holds = 0;
let holdTimer: ReturnType<typeof setInterval> | null = null;

/** Wall-clock milliseconds with sub-millisecond precision, and the runtime's timers. */
export const realClock: Clock = {
  now: () => performance.timeOrigin + performance.now(),
  setTimeout(fn, delayMs) {
    const handle = setTimeout(fn, delayMs);
    (handle as { unref?: () => void }).unref?.();
    return handle;
  },
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
  hold() {
    // One referenced timer for all holds (it does nothing; it only keeps the event loop open).
    if (holds++ === 0) holdTimer = setInterval(() => {}, 1 << 30);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      if (--holds === 0 && holdTimer !== null) {
        clearInterval(holdTimer);
        holdTimer = null;
      }
    };
  },
};

/** Run `fn` every `everyMs` through `clock` (a setInterval); call the result to stop it. */
export function repeat(clock: Clock, everyMs: number, fn: () => void): () => void {
  let handle: TimerHandle | null = null;
  let stopped = false;
  const arm = () => {
    handle = clock.setTimeout(() => {
      if (stopped) return;
      arm();
      fn();
    }, everyMs);
  };
  arm();
  return () => {
    stopped = true;
    if (handle !== null) clock.clearTimeout(handle);
  };
}
