// A stopped peer leaves no dataset timer armed (issue 15): before, the 60 s blob-collection timer
// scheduled by a revocation, a new version or a member change still fired after host.stop() and
// logged a warning from a peer that no longer runs.
import { describe, expect, it } from 'vitest';
import { startTestHost } from './testing';
import { MemoryStorage } from '../store/memory';
import { nobleVerifier } from './crypto';
import { realClock, type Clock, type TimerHandle } from '../net/clock';
import type { Capabilities } from './capabilities';
import { blobCollectDelayMs } from './datasets';

/** The runtime's timers, with the ones armed and neither fired nor cleared kept by delay. */
function recordingClock(): Clock & { armed: Map<TimerHandle, number> } {
  const armed = new Map<TimerHandle, number>();
  return {
    armed,
    now: () => realClock.now(),
    setTimeout(fn, delayMs) {
      const handle: TimerHandle = realClock.setTimeout(() => {
        armed.delete(handle);
        fn();
      }, delayMs);
      armed.set(handle, delayMs);
      return handle;
    },
    clearTimeout(handle) {
      armed.delete(handle);
      realClock.clearTimeout(handle);
    },
  };
}

interface Collecting {
  collector: { schedule(): void };
}

describe('datasets service and host.stop()', () => {
  it('disarms the blob-collection timer and schedules none after the stop', async () => {
    const clock = recordingClock();
    const { host } = await startTestHost(new MemoryStorage(), { verifier: nobleVerifier, clock });
    const { did } = await host.identity();
    await host.createChain({
      name: 'stops',
      mode: 'private',
      consensus: 'bft',
      validators: [did],
      timeoutMs: 200,
    });
    const service = (await (
      host as unknown as { capabilities: Capabilities }
    ).capabilities.datasets()) as unknown as Collecting;
    const collections = () => [...clock.armed.values()].filter((d) => d === blobCollectDelayMs);
    // What a revocation, a new version or a member change does on a committed block.
    service.collector.schedule();
    expect(collections()).toHaveLength(1);
    await host.stop();
    expect(collections()).toHaveLength(0);
    service.collector.schedule(); // a block applied while stopping
    expect(collections()).toHaveLength(0);
  });
});
