// Named scenarios of the real-host simulator: a seed plus a script of writes that puts the
// peers in a known race, checked by the same invariants as a random seed (host-sim.ts).
// Replay one with `npm run sim -- --host --scenario <name> --seed <seed>`.
import { SimFailure } from './sim';
import {
  HostSimulation,
  type HostSimOptions,
  type HostSimStats,
  type SimHostPeer,
} from './host-sim';
import type { BotError } from '../core/errors';

/** A vote on a proposal that does not exist: it fails in execution with NOT_FOUND. */
const doomedVote = {
  type: 'member.vote',
  body: { proposal: 'cd'.repeat(32), approve: true },
  expect: 'NOT_FOUND',
};

const scenarios: Record<string, (sim: HostSimulation) => void> = {
  /**
   * Issue 14 section 1, the own-nonce gap: a peer signs its own transaction n, which fails in
   * execution, and n+1, n+2 right behind it, before n is decided; meanwhile it is asked for a
   * background transaction that would fail too. n must end in a block as failed (its nonce
   * used), n+1 and n+2 must commit, and the background one must be refused before it is
   * signed (it takes no nonce). Before the fix, n was left out of the block and its nonce
   * released, so n+1 and n+2 were refused with NONCE_GAP: accepted writes, lost.
   */
  'own-nonce-gap': (sim) => {
    for (const at of [1500, 2500, 3500]) {
      sim.at(at, () => {
        const peer = sim.peers.find((p) => p.live?.ready);
        if (!peer) return;
        const put = (n: number) => ({
          type: 'data.put',
          body: { key: `gap/${at}`, value: n },
          expect: null,
        });
        void sim.submit(peer, doomedVote);
        void sim.submit(peer, put(1));
        // biome-ignore lint/complexity/useLiteralKeys: a private service, driven as the admission service drives it
        const submissions = peer.live!.host['submissions'];
        void submissions
          .submitBackground({
            type: doomedVote.type,
            body: doomedVote.body,
          })
          .then(
            () =>
              sim.fail(
                `own-nonce gap: peer ${peer.index} signed a background transaction that fails (it was not prechecked)`,
              ),
            (error: BotError) => {
              if (error.code !== 'NOT_FOUND')
                sim.fail(
                  `own-nonce gap: the background transaction was refused with ${error.code}`,
                );
            },
          );
        void sim.submit(peer, put(2));
      });
    }
  },
  /**
   * Issue 14 section 1 across a restart: a peer's own transactions are accepted and then the
   * peer crashes before they are decided: once right after they went out (they wait in other
   * peers' mempools), once while it was cut off from everyone (they exist only in its own
   * store). It restarts and its callers write again through it. Every write must end committed:
   * the restarted peer resubmits what its outbox kept and signs above it. Before the outbox, it
   * signed the same nonces again and one of each pair was refused (NONCE_REPLAYED), or the
   * first writes were never sent and never decided.
   */
  'restart-in-flight': (sim) => {
    const put = (key: string, value: number) => ({
      type: 'data.put',
      body: { key: `inflight/${key}`, value },
      expect: null,
    });
    const burst = (peer: SimHostPeer, key: string) =>
      Promise.all([1, 2, 3].map((n) => sim.submit(peer, put(key, n))));
    // Out to the others, then a crash before the block: they wait in the others' mempools.
    sim.at(1000, () => {
      const peer = sim.peers[1]!;
      void burst(peer, 'a').then(() => sim.at(1040, () => sim.crash(peer, 400)));
    });
    sim.at(1800, () => void burst(sim.peers[1]!, 'b'));
    // Cut off alone, then a crash: they exist only in its store.
    sim.at(3000, () => {
      const peer = sim.peers[2]!;
      sim.partition([[2], sim.peers.filter((p) => p.index !== 2).map((p) => p.index)]);
      void burst(peer, 'c').then(() => sim.crash(peer, 300));
    });
    sim.at(3600, () => sim.partition(null));
    sim.at(3700, () => void burst(sim.peers[2]!, 'd'));
  },
  /**
   * Issue 14 section 4: a peer restarts twice within announceReplyIntervalMs (2 s). The others
   * answered its first new session's announce a moment ago; that answer must not rate-limit the
   * reaction to its second new session. It must be linked to every other peer again within
   * `relinkBoundMs` of virtual time after its second start (§4: "a reopened tab links and catches
   * up within 3 s"), and a write through it must commit. Before the fix the rate limit was keyed
   * by the peer alone and it relinked only at its next announce (up to 10 s).
   */
  'restart-twice': (sim) => {
    const peer = sim.peers[1]!;
    sim.at(1000, () => sim.crash(peer, 200));
    sim.at(1700, () => sim.crash(peer, 300)); // back at 2000 ms: 800 ms after its first return
    watchRelink(sim, peer, 2000, 'restarted twice within 2 s');
  },

  /**
   * Issue 14 section 4: a peer crashes (its links go stale: a closed tab's closes never arrive), is
   * cut off from everyone, and restarts while cut off: the others hear its new session's
   * announce over signaling and dial it, but the dials fail. Once the partition heals it must be
   * linked to every other peer within `relinkBoundMs`, and a write through it commits. Before the
   * fix a failed dial was not redialed while the stale link was held, so it relinked only at its
   * next announce (seed 167 of the mixed set: 9.8 s after the heal).
   */
  'restart-partitioned': (sim) => {
    const peer = sim.peers[1]!;
    const others = sim.peers.filter((p) => p !== peer).map((p) => p.index);
    // It stops its network as a closing tab does, and dies before the others hear the closes.
    sim.at(1000, () => {
      peer.live?.hub.stop();
      sim.crash(peer, 600);
    });
    sim.at(1200, () => sim.partition([[peer.index], others]));
    sim.at(2500, () => sim.partition(null));
    watchRelink(sim, peer, 2500, 'restarted during a partition');
  },
};

/** Relinking after a restart or a heal: the bound (virtual ms), issue 14 section 4. */
export const relinkBoundMs = 3000;

/**
 * From `fromMs` on, check every 50 virtual ms that `peer` is up and linked to every other peer;
 * fail past `relinkBoundMs`. Once linked, a write through it (checked as every write is).
 */
function watchRelink(sim: HostSimulation, peer: SimHostPeer, fromMs: number, what: string): void {
  const others = sim.peers.length - 1;
  sim.watching++;
  const check = () => {
    const live = peer.live;
    if (live?.ready && live.hub.neighbourLinkIds().size >= others) {
      sim.relinkMs = sim.elapsedMs - fromMs;
      void sim
        .submit(peer, { type: 'data.put', body: { key: 'relinked', value: 1 }, expect: null })
        .finally(() => sim.watching--);
      return;
    }
    if (sim.elapsedMs - fromMs > relinkBoundMs) {
      sim.watching--;
      sim.fail(
        `relink: peer ${peer.index} ${what} was not linked to all ${others} others within ${relinkBoundMs} ms`,
      );
      return;
    }
    sim.at(sim.elapsedMs + 50, check);
  };
  sim.at(fromMs, check);
}

export const scenarioNames = Object.keys(scenarios);

/** Run scenario `name` on `options` (its seed drives delays and timing). */
export function runScenario(name: string, options: HostSimOptions): Promise<HostSimStats> {
  return runScenarioOn(new HostSimulation({ ...options, scenario: name }));
}

/** Run the scenario named in `sim.options.scenario` on `sim` (to read its fields afterwards). */
export async function runScenarioOn(sim: HostSimulation): Promise<HostSimStats> {
  const name = sim.options.scenario ?? '';
  const script = scenarios[name];
  if (!script) throw new SimFailure(`no scenario ${name} (known: ${scenarioNames.join(', ')})`);
  return sim.run(script);
}
