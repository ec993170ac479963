// The cross-chain relay inside one peer (issue 18): when a peer runs both chains of a link (the
// multichain MultiHost), it carries the proofs between its own two chain hosts itself, so a lock
// on A commits on B and finalizes on A (or, after the deadline, is refused on B and aborted on A)
// with no outside party. On the clock, every pass looks at the chains this peer runs; for each
// pair that link each other (both ways: a commit needs the target's light client of the source,
// a finalize the source's of the target) it keeps one XchainRelay (./xchain.ts) between their
// endpoints and runs a relay pass when either chain has an open lock for the other. The relay
// holds nothing, so a restart, a chain switched away or stopped, or a crash mid-pass only
// delays: the next pass reads both chains again. Stopped with the MultiHost.
import type { ChainState } from '../core/ledger';
import { repeat, type Clock } from '../net/clock';
import type { PeerHost } from './peer-host';
import { XchainRelay, type XchainEndpoint } from './xchain';

/** How often the peer looks for links between its chains and relays their open operations. */
export const localRelayIntervalMs = 500;

export interface LocalRelayDeps {
  /** The chains this peer runs now and their hosts. */
  hosts(): Array<[chainId: string, host: PeerHost]>;
  clock: Clock;
  intervalMs?: number;
}

interface Pair {
  a: XchainEndpoint;
  b: XchainEndpoint;
  relay: XchainRelay;
  host: PeerHost;
}

/** `a` links `b` on chain (it holds a light client or notaries for it). */
const links = (a: ChainState, b: ChainState) => a.xchain?.links.has(b.chainId) === true;

/** `source` holds a lock for `target` that is neither finalized nor aborted. */
const openFor = (source: ChainState, target: ChainState) => {
  for (const record of source.xchain?.outs.values() ?? [])
    if (record.s === 'locked' && record.op.target === target.chainId) return true;
  return false;
};

/** Relays between every two chains of this peer that link each other (see the top of this file). */
export class LocalRelays {
  private readonly endpoints = new WeakMap<PeerHost, XchainEndpoint>();
  private readonly pairs = new Map<string, Pair>();
  private stopTimer: (() => void) | null = null;
  private busy = false;
  /** The pass under way, if any (forget waits for it). */
  private current: Promise<void> | null = null;
  /** A block committed during a pass: run another one right after it. */
  private again = false;

  constructor(private readonly d: LocalRelayDeps) {}

  start(): void {
    if (this.stopTimer) return;
    this.stopTimer = repeat(this.d.clock, this.d.intervalMs ?? localRelayIntervalMs, () => {
      void this.pass();
    });
  }

  stop(): void {
    this.stopTimer?.();
    this.stopTimer = null;
    this.pairs.clear();
  }

  /**
   * A chain of this peer committed a block: look now rather than at the next interval (the relay
   * follows commits; the interval only catches what a failed pass left). A block during a pass
   * runs one more pass after it.
   */
  wake(): void {
    if (!this.stopTimer) return;
    if (this.busy) this.again = true;
    else void this.pass();
  }

  /**
   * Stop relaying for a chain this peer stops running: its pairs are dropped, and this resolves
   * once a pass under way has ended (no step of it reaches the chain afterwards; the caller has
   * already taken the chain out of `hosts`).
   */
  async forget(chainId: string): Promise<void> {
    for (const key of [...this.pairs.keys()])
      if (key.split('|').includes(chainId)) this.pairs.delete(key);
    await this.current;
  }

  /** The pairs of chain ids relayed now (sorted), for the tests and the log. */
  relayed(): Array<[string, string]> {
    return [...this.pairs.keys()].map((key) => key.split('|') as [string, string]);
  }

  /** One pass (see the top of this file), while started; a failure is logged on the source's host. */
  pass(): Promise<void> {
    if (this.busy || !this.stopTimer) return this.current ?? Promise.resolve();
    this.busy = true;
    this.again = false;
    this.current = this.run().finally(() => {
      this.busy = false;
      this.current = null;
      // at once, not on a timer (one at least 1 ms in Node): the finalize waits for this pass
      if (this.again) void Promise.resolve().then(() => this.wake());
    });
    return this.current;
  }

  private async run(): Promise<void> {
    try {
      const ends: Array<{ chainId: string; end: XchainEndpoint; host: PeerHost }> = [];
      for (const [chainId, host] of this.d.hosts()) {
        let end = this.endpoints.get(host);
        if (!end) {
          end = await host.xchainEndpoint();
          this.endpoints.set(host, end);
        }
        if (end.durable().chainId === chainId) ends.push({ chainId, end, host });
      }
      ends.sort((p, q) => (p.chainId < q.chainId ? -1 : 1));
      const wanted = new Set<string>();
      for (let i = 0; i < ends.length; i++)
        for (let j = i + 1; j < ends.length; j++) {
          if (!this.stopTimer) return; // stopped during this pass: keep no pair
          const p = ends[i]!;
          const q = ends[j]!;
          const sp = p.end.durable();
          const sq = q.end.durable();
          if (!links(sp, sq) || !links(sq, sp)) continue;
          const key = `${p.chainId}|${q.chainId}`;
          wanted.add(key);
          let pair = this.pairs.get(key);
          if (!pair || pair.a !== p.end || pair.b !== q.end) {
            const record = (level: 'info' | 'warn', message: string) => p.host.note(level, message);
            pair = {
              a: p.end,
              b: q.end,
              relay: new XchainRelay(p.end, q.end, { record }),
              host: p.host,
            };
            this.pairs.set(key, pair);
            p.host.note(
              'info',
              `Relaying cross-chain operations between chains ${p.chainId} and ${q.chainId} inside this peer.`,
            );
          }
          if (!openFor(sp, sq) && !openFor(sq, sp)) continue;
          const running = new Set(this.d.hosts().map(([id]) => id));
          if (!running.has(p.chainId) || !running.has(q.chainId)) continue; // left during this pass
          try {
            await pair.relay.step();
          } catch (error) {
            pair.host.note('warn', `Cross-chain relay pass failed: ${(error as Error).message}`);
          }
        }
      for (const key of [...this.pairs.keys()]) if (!wanted.has(key)) this.pairs.delete(key);
    } catch (error) {
      // A host stopping or switching chains mid-pass: the next pass reads the chains again.
      this.d
        .hosts()[0]?.[1]
        .note('warn', `Cross-chain relay pass failed: ${(error as Error).message}`);
    }
  }
}
