import { describe, expect, it } from 'vitest';
import { runHostSeedRange } from './host-seeds';

// The real host on the overlay (issue 19): 16 real PeerHost + Hub instances on virtual time, 4
// validators and 12 members of a public chain, every peer at linksMax 4, with crashes,
// partitions and storage faults until the heal. Members' writes reach a proposer and every block
// reaches every member across several hops; no peer ends past linksMax (host-sim.ts
// checkLinks). Replay one failure with the command its report prints, e.g.
// npm run sim -- --host --seed 1 --peers 16 --engine bft --faults 1 --validators 4 --links-max 4.
describe('real-host simulator on a bounded overlay', () => {
  it('keeps agreement, validity, durability and liveness with 4 validators, 12 members, linksMax 4', async () => {
    const total = await runHostSeedRange(1, 6, { peers: 16, validators: 4, linksMax: 4 });
    expect(total.heights).toBeGreaterThan(20);
    expect(total.writes).toBeGreaterThan(30);
    expect(total.crashes).toBeGreaterThan(0);
  }, 300_000);
});
