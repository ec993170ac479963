// The simulator's stake scenario (issue 16, public mode): candidates bond and are elected at an
// epoch boundary with power = bond, an honest validator unbonds and leaves, a Byzantine
// double-voter is slashed by the evidence the honest peers report; agreement, validity, liveness
// and token conservation (stake pool included) are checked after every event.
import { describe, expect, it } from 'vitest';
import { defaultOptions, SimFailure, Simulation } from './sim';
import { stakeOptions } from './mix';
import { stakeSlashedAccount } from '../core/modules/staking';

describe('simulator: stake changes, unbonding and slashing', () => {
  it('elects the bonded candidates, lets the unbonder go, slashes the double-voter; agreement kept', () => {
    const sim = new Simulation(
      defaultOptions(630_000, {
        peers: 4,
        byzantine: 1,
        strategies: ['doubleVote'],
        faults: false,
        durationMs: 9000,
        staking: { candidates: 2 },
      }),
    );
    sim.run();
    const honest = sim.peers.find((p) => p.strategy === null && p.state)!;
    const chain = honest.state!.chain;
    const byzantine = sim.peers.find((p) => p.strategy !== null)!;
    const candidates = sim.peers.slice(4);
    const stake = chain.staking!;
    // Candidates: validators with power equal to their bond.
    for (const c of candidates) {
      const bond = stake.bonds.get(c.id.did);
      expect(bond).toBeGreaterThanOrEqual(60);
      expect(chain.validators).toContainEqual({ did: c.id.did, power: bond });
    }
    // The unbonder: out of the set, its tokens released.
    const unbonder = sim.trace.find((l) => l.includes('stake.unbond'))!;
    const index = Number(/peer (\d+) sends/.exec(unbonder)![1]);
    const did = sim.peers[index]!.id.did;
    expect(chain.validators.some((v) => v.did === did)).toBe(false);
    expect(stake.bonds.has(did)).toBe(false);
    expect(stake.unbonding.has(did)).toBe(false);
    // The double-voter: reported, slashed (20 % of 100), out of the set, barred.
    expect(sim.offenders()).toContain(byzantine.id.did);
    expect(stake.jailed.has(byzantine.id.did)).toBe(true);
    expect(chain.tokens!.balances.get(stakeSlashedAccount)).toBe(20);
    expect(chain.validators.some((v) => v.did === byzantine.id.did)).toBe(false);
    // Every honest peer ends on the same chain.
    const heads = sim.peers.filter((p) => p.strategy === null).map((p) => p.state!.chain.height);
    expect(Math.max(...heads) - Math.min(...heads)).toBeLessThanOrEqual(1);
  }, 60_000);

  it('the stake seeds 630001-630030 keep agreement, validity, liveness and conservation', () => {
    const failures: string[] = [];
    let slashed = 0;
    for (let seed = 630_001; seed <= 630_030; seed++) {
      try {
        const sim = new Simulation(defaultOptions(seed, stakeOptions(seed, true)));
        sim.run();
        slashed += sim.offenders().length;
      } catch (error) {
        if (!(error instanceof SimFailure)) throw error;
        failures.push(`seed ${seed}: ${error.message}`);
      }
    }
    expect(failures).toEqual([]);
    expect(slashed).toBeGreaterThan(0);
  }, 170_000);
});
