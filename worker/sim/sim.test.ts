// Readable scenarios on the simulator: a fault at a chosen moment, then the trace a user of the
// chain would notice (heights decided, in which round, by whom).
import { describe, expect, it } from 'vitest';
import {
  byzantineStrategies,
  defaultOptions,
  runSeed,
  Simulation,
  SimFailure,
  type SimOptions,
} from './sim';

function quiet(seed: number, overrides: Partial<SimOptions>): Simulation {
  return new Simulation(
    defaultOptions(seed, {
      faults: false,
      dropRate: 0,
      duplicateRate: 0,
      lossAfterHeal: 0,
      durationMs: 4000,
      ...overrides,
    }),
  );
}

function decidedLines(sim: Simulation): string[] {
  return sim.trace.filter((line) => line.includes('decided'));
}

describe('simulator scenarios', () => {
  it('a crashed proposer costs one round; the others decide its height in round 1', () => {
    const sim = quiet(1, { peers: 4 });
    sim.run(4000, () => sim.decidedHeights() === 3);
    // No one has started height 5 yet; its round-0 proposer is validator (5 + 0) mod 4 = 1.
    sim.crash(1);
    sim.run(4000);
    const line = decidedLines(sim).find((l) => l.includes('height 5 '));
    expect(line).toMatch(/height 5 decided by peer \d in round 1 /);
    expect(sim.decidedHeights()).toBeGreaterThan(6);
  });

  it('cutting off less than a third of 7 validators: the rest go on, the cut-off peers catch up after the heal', () => {
    const sim = quiet(2, { peers: 7 });
    sim.run(500);
    sim.partition([
      [0, 1, 2, 3, 4],
      [5, 6],
    ]);
    const before = sim.heights();
    sim.run(2000);
    const during = sim.heights();
    expect(during[0]!).toBeGreaterThan(before[0]! + 1);
    expect(during[5]).toBe(before[5]);
    sim.partition(null);
    sim.run(4000);
    const after = sim.heights();
    expect(Math.min(...after)).toBeGreaterThanOrEqual(during[0]!);
  });

  it('cutting off exactly a third of 6 validators stops all commits (no quorum); the heal restarts them', () => {
    const sim = quiet(3, { peers: 6 });
    sim.run(500);
    sim.partition([
      [0, 1, 2, 3],
      [4, 5],
    ]);
    sim.run(700);
    const stalled = sim.decidedHeights();
    sim.run(2500);
    expect(sim.decidedHeights()).toBe(stalled);
    sim.partition(null);
    sim.run(6000);
    expect(sim.decidedHeights()).toBeGreaterThan(stalled + 3);
    expect(sim.pendingTransactions()).toBeLessThanOrEqual(3);
  });

  it('poa rotates proposers strictly by height among the validators', () => {
    const sim = quiet(4, { peers: 4, engine: 'poa' });
    sim.run(3000);
    const proposers = sim.peers[0]!.persisted.slice(0, 8).map(
      (b) => [b.header.height, b.header.proposer, b.cert!.round] as const,
    );
    for (const [height, proposer, round] of proposers) {
      if (round === 0) expect(proposer).toBe(sim.genesis.validators[height % 4]!.did);
    }
    expect(proposers.length).toBe(8);
  });

  it.each(byzantineStrategies.map((s) => [s]))(
    'one %s validator of 4 cannot fork the chain or stop it',
    (strategy) => {
      const stats = runSeed(
        defaultOptions(7, {
          peers: 4,
          byzantine: 1,
          strategies: [strategy],
          healAtMs: 1500,
          durationMs: 5000,
          liveBoundMs: 3500,
        }),
      );
      expect(stats.heightsDecided).toBeGreaterThan(5);
      if (strategy === 'forge') expect(stats.badSignatures).toBeGreaterThan(0);
      if (strategy === 'flood') expect(stats.garbage).toBeGreaterThan(0);
    },
  );

  it('a double-voting validator is reported, and the evidence commits and marks it on chain', () => {
    let marked = false;
    for (let seed = 1; seed <= 10 && !marked; seed++) {
      const sim = new Simulation(
        defaultOptions(seed, {
          peers: 4,
          byzantine: 1,
          strategies: ['doubleVote'],
          faults: false,
          durationMs: 4000,
        }),
      );
      sim.run();
      const byzantine = sim.peers.find((p) => p.strategy)!;
      marked = sim.offenders().includes(byzantine.id.did);
      if (marked)
        expect(sim.trace.some((l) => l.includes(`reports validator ${byzantine.index}`))).toBe(
          true,
        );
    }
    expect(marked).toBe(true);
  });

  it('two Byzantine validators of 7 mixing strategies, with faults, keep every checker green', () => {
    const stats = runSeed(
      defaultOptions(11, {
        peers: 7,
        byzantine: 2,
        healAtMs: 2000,
        durationMs: 6000,
        liveBoundMs: 4000,
      }),
    );
    expect(stats.heightsDecided).toBeGreaterThan(5);
  });

  it('a checker failure names the seed and the fault schedule so the run can be replayed', () => {
    // More Byzantine validators than n >= 3f+1 allows: double voting by 2 of 4 may break agreement
    // or liveness; whichever checker trips must say how to replay.
    let message = '';
    for (let seed = 1; seed <= 20 && message === ''; seed++) {
      try {
        runSeed(
          defaultOptions(seed, {
            peers: 4,
            byzantine: 2,
            strategies: ['silent'],
            healAtMs: 500,
            durationMs: 3000,
            liveBoundMs: 1500,
          }),
        );
      } catch (error) {
        if (error instanceof SimFailure) message = error.message;
        else throw error;
      }
    }
    expect(message).toMatch(/liveness/);
    expect(message).toMatch(/SEED=\d+ PEERS=4 ENGINE=bft BYZANTINE=2/);
    expect(message).toMatch(/faults: /);
  });
});
