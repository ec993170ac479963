import { describe, expect, it } from 'vitest';
import { HostSimulation, hostMixed } from './host-sim';
import { SimClock } from './sim-clock';

describe('the simulated clock', () => {
  it('runs every microtask a timer queues before the next timer, without turning the event loop', async () => {
    const clock = new SimClock(0);
    const order: string[] = [];
    const chain = async (name: string, depth: number) => {
      for (let i = 0; i < depth; i++) await Promise.resolve();
      order.push(`${name} done at ${clock.now()}`);
    };
    clock.setTimeout(() => void chain('a', 50), 10);
    clock.setTimeout(() => order.push(`b at ${clock.now()}`), 10);
    clock.setTimeout(() => void chain('c', 5), 20);
    await clock.run(100);
    expect(order).toEqual(['a done at 10', 'b at 10', 'c done at 20']);
  });

  it('a seed runs the same whether the event loop turns after every timer or every thousand', async () => {
    const run = async (timersPerTurn: number) => {
      const sim = new HostSimulation(
        hostMixed(3, { peers: 7, engine: 'bft', faults: true, timersPerTurn }),
      );
      const { net, ...stats } = await sim.run();
      // Bandwidth left out: the memory driver's ids (in the SDPs) count up across runs in one
      // process, so a later run's signaling is a few bytes longer.
      const gossip = { ...net!, validatorKBps: null, memberKBps: null };
      return { stats, gossip, chain: sim.decidedHashes(), trace: sim.trace };
    };
    const everyTimer = await run(1);
    const batched = await run(1000);
    expect(everyTimer.stats.heights).toBeGreaterThan(3);
    expect(everyTimer.stats.crashes).toBeGreaterThan(0);
    expect(batched).toEqual(everyTimer);
  }, 60_000);
});
