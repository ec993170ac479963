// The overlay at scale (issue 19), printed by `npm run bench:sim` (alone: `npm run bench:sim --
// --overlay`): 1,000 peers with 100 or 50 validators, at linksMax 12 and 4, on the overlay's own
// link choice and gossip code (worker/sim/overlay-sim.ts): settled, after 10 % churn, during a
// partition in two halves (figures for one half), and after the heal. Per broadcast of 1 KiB:
// hops until 99 % of the peers have it, duplicate copies per peer, bytes each peer sends.
import { OverlaySim, type GossipFigures } from '../worker/sim/overlay-sim';

interface Row extends GossipFigures {
  peers: number;
  validators: number;
  linksMax: number;
  phase: string;
}

export function overlayRows(peers = 1000, messages = 20): Row[] {
  const rows: Row[] = [];
  for (const [validators, linksMax] of [
    [100, 12],
    [50, 4],
  ] as const) {
    const started = performance.now();
    const sim = new OverlaySim({
      seed: 1,
      peers,
      validators,
      linksMax,
      payloadBytes: 1024,
      messages,
    });
    const row = (phase: string): void => {
      rows.push({ ...sim.measure(), validators, linksMax, phase });
    };
    try {
      row('settled');
      sim.churn(0.1);
      row('10 % churn');
      sim.partition();
      row('partition (one half)');
      sim.heal();
      row('healed');
    } finally {
      sim.close();
    }
    console.error(
      `overlay ${peers} peers, ${validators} validators, linksMax ${linksMax}: ${Math.round((performance.now() - started) / 1000)} s, ${sim.announces} announces`,
    );
  }
  return rows;
}

export function printOverlay(): void {
  const rows = overlayRows();
  console.table(
    rows.map((r) => ({
      peers: r.peers,
      validators: r.validators,
      linksMax: r.linksMax,
      phase: r.phase,
      'hops to 99 %': r.hops99,
      'hops max': r.hops99Max,
      reached: r.reached,
      'dup/peer/msg': r.duplicates,
      'B sent/peer/msg': r.bytesPerPeer,
      'B sent max': r.bytesPerPeerMax,
      'links mean': r.links,
      'member links max': r.memberLinksMax,
      'validator links max': r.validatorLinksMax,
    })),
  );
}
