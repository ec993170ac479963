// Virtual time for the real-host simulator: a Clock whose timers fire in (time, order set)
// order when the simulation says so, never on their own. Between two timers every microtask
// runs to the end (promise chains of the host, the hub and the memory store), so one seed
// replays exactly: nothing in the simulated peers waits on real I/O or real time.
// Each peer incarnation gets its own view (`domain`): a crash kills the view, so the dead
// incarnation's timers never fire and the ones it sets later are ignored.
import type { Clock, TimerHandle } from '../net/clock';
import { TimeQueue } from './time-queue';

interface Timer {
  at: number;
  seq: number;
  fn: () => void;
  domain: Domain | null;
  cancelled: boolean;
}

export interface Domain {
  alive: boolean;
  name: string;
}

/** Let every queued microtask (and those they queue) run: one turn of the macrotask queue. */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Let every queued microtask (and those they queue) run, without a turn of the event loop:
 * Node runs the next-tick queue only once V8's microtask queue is empty, and nothing the
 * simulated peers run uses process.nextTick or a macrotask of its own (their timers are this
 * clock's). A turn of the loop (settle) cost about 7 µs a timer on the shared box, a fifth of
 * a large run's CPU (profile in BENCHMARKS.md "the real host toward 1,000").
 */
function drain(): Promise<void> {
  return new Promise((resolve) => process.nextTick(resolve));
}

/** Timers fired between two real turns of the event loop (I/O, a test runner's messages). */
export const timersPerTurnDefault = 1000;

export class SimClock implements Clock {
  private readonly timers = new TimeQueue<Timer>();
  private seq = 0;
  /** Timers fired so far. */
  fired = 0;

  /** `timersPerTurn`: 1 turns the event loop after every timer (the old way; the same run). */
  constructor(
    private time: number,
    private readonly timersPerTurn = timersPerTurnDefault,
  ) {}

  now(): number {
    return this.time;
  }

  setTimeout(fn: () => void, delayMs: number): TimerHandle {
    return this.add(fn, delayMs, null);
  }

  clearTimeout(handle: TimerHandle): void {
    if (handle && typeof handle === 'object' && 'cancelled' in handle)
      (handle as Timer).cancelled = true;
  }

  /** A clock for one peer incarnation: the same time, timers that die with `domain`. */
  view(domain: Domain): Clock {
    return {
      now: () => this.time,
      setTimeout: (fn, delayMs) => this.add(fn, delayMs, domain),
      clearTimeout: (handle) => this.clearTimeout(handle),
    };
  }

  private add(fn: () => void, delayMs: number, domain: Domain | null): Timer {
    const delay = Number.isFinite(delayMs) ? Math.max(0, delayMs) : 0;
    const timer: Timer = { at: this.time + delay, seq: this.seq++, fn, domain, cancelled: false };
    if (domain && !domain.alive) timer.cancelled = true;
    else this.timers.push(timer);
    return timer;
  }

  /**
   * Fire timers in order until `until` (absolute ms) or until `stop` holds after one; every
   * microtask settles before the next timer and after the last. `after` runs once per timer.
   */
  async run(until: number, after?: () => void, stop?: () => boolean): Promise<void> {
    await settle();
    for (;;) {
      const next = this.timers.peek();
      if (!next || next.at > until) break;
      this.timers.pop();
      if (next.cancelled || (next.domain && !next.domain.alive)) continue;
      this.time = Math.max(this.time, next.at);
      this.fired++;
      next.fn();
      await (this.fired % this.timersPerTurn === 0 ? settle() : drain());
      after?.();
      if (stop?.()) return;
    }
    this.time = Math.max(this.time, until);
    await settle();
  }
}
