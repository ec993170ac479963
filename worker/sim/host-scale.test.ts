import { describe, expect, it } from 'vitest';
import { hostMixed, runHostSeed } from './host-sim';

// The real host at scale (issue 19): 48 real PeerHost + Hub instances on virtual time, 16
// validators (bft) and 32 members of a public chain, every peer at linksMax 4 (plus its two
// ring links), through the seed's fault plan: peers crashing and restarting (churn, with
// storage faults) and the network cut in two until the heal. The simulator's checkers run
// throughout: agreement (one hash per height), validity, durability, liveness (every accepted
// write decided within the bound after the heal, every live peer holding the last write's
// block) and the overlay bound. `npm run bench:sim -- --overlay` takes the overlay to 1,000
// peers; this is the largest real-host run that fits a CI test (about 20-30 s here).
// Replay: npm run sim -- --host --seed 1 --peers 48 --engine bft --faults 1 --validators 16 --links-max 4
describe('real-host simulator at 48 peers', () => {
  it('keeps agreement and liveness with 16 validators and 32 members through churn and a partition', async () => {
    const stats = await runHostSeed(
      hostMixed(1, { peers: 48, validators: 16, linksMax: 4, engine: 'bft', faults: true }),
    );
    // The seed's plan did what the test says: peers left and came back, the network was cut.
    expect(stats.crashes).toBeGreaterThan(0);
    expect(stats.partitions).toBeGreaterThan(0);
    // Blocks were agreed and the callers' writes committed through members and validators alike.
    expect(stats.heights).toBeGreaterThan(3);
    expect(stats.writesCommitted).toBeGreaterThan(10);
    expect(stats.writesOrphaned).toBe(0);
  }, 180_000);
});
