import { describe, expect, it } from 'vitest';
import { runHostSeedRange } from './host-seeds';

// Real-host simulator (PeerHost + Hub on virtual time, memory store and links with faults),
// seeds 101-150 of the mixed set (n = 4, 5 or 7; bft and poa; crashes between writes, write
// failures, partitions). Replay one failure exactly with the command its report prints, e.g.
// npm run sim -- --host --seed 101.
describe('real-host simulator seeds 101-150', () => {
  it('keeps agreement, validity, durability, liveness, and loses no accepted write', async () => {
    const total = await runHostSeedRange(101, 50);
    expect(total.heights).toBeGreaterThan(400);
    expect(total.writes).toBeGreaterThan(500);
    expect(total.crashes).toBeGreaterThan(30);
    expect(total.failedAsExpected).toBeGreaterThan(15);
  }, 170_000);
});
