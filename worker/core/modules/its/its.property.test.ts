// Property: a window's road state is a function of the set of its observations, not of their
// order in the block (every peer aggregates alike), and its median is the exact median of the
// counted speeds (bounded memory: itsWindowSamplesMax samples, sorted when read).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { executeBlock, genesisState, type Genesis } from '../../ledger';
import { bftGenesis, testIdentity } from '../../testing';
import { signTx } from '../../tx';
import { decodeCondition, itsSegmentPrefix, signTripCertificate } from '.';

const provider = testIdentity('its prop provider');
const t0 = 1_700_000_000_000;
const trips = Array.from({ length: 6 }, (_, i) => testIdentity(`its prop trip ${i}`));
const genesis: Genesis = {
  ...bftGenesis('its-prop', [provider], 'consortium'),
  time: t0,
  its: { providers: [provider.did], windowMs: 60_000 },
};
const start = genesisState(genesis).state;
const certs = trips.map((trip) =>
  signTripCertificate(start.chainId, provider.did, provider.seed, trip.did, t0 + 3_600_000),
);

function conditionAfter(order: number[], speeds: number[]) {
  const txs = order.map((i) =>
    signTx(
      {
        chain: start.chainId,
        type: 'its.observe',
        from: trips[i]!.did,
        nonce: 1,
        time: t0 + i,
        body: { segment: 'v20', speedKmh: speeds[i]!, congestion: i % 4, cert: certs[i]! },
      },
      trips[i]!.seed,
    ),
  );
  const done = executeBlock(start, txs, { time: t0 + 10, proposer: provider.did, round: 0 }, false);
  return decodeCondition(done.writes.get(`${itsSegmentPrefix}v20`)!);
}

describe('ITS window aggregation', () => {
  it('does not depend on the order of observations and takes the exact median', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 100 }), { minLength: 1, maxLength: trips.length }),
        fc.infiniteStream(fc.nat()),
        (speeds, randoms) => {
          const order = speeds.map((_, i) => i);
          const shuffled = [...order];
          const stream = randoms[Symbol.iterator]();
          for (let i = shuffled.length - 1; i > 0; i--) {
            const j = stream.next().value % (i + 1);
            [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
          }
          const a = conditionAfter(order, speeds);
          const b = conditionAfter(shuffled, speeds);
          expect(b).toEqual(a);
          const sorted = [...speeds].sort((x, y) => x - y);
          const mid = sorted.length >> 1;
          const expected =
            sorted.length % 2 ? sorted[mid] : Math.floor((sorted[mid - 1]! + sorted[mid]!) / 2);
          expect(a.speedMedianKmh).toBe(expected);
          expect(a.trips).toBe(speeds.length);
        },
      ),
      { numRuns: 12, seed: 20 },
    );
  });
});
