// The ITS trust contract (issue 20; U-II.3) in the real QuickJS sandbox: on a chain that names
// it, the deployed contract's verdicts decide which observations count and who is paid, it keeps
// trust per certificate chain's root (the provider) in its own state, an upgrade changes the rule
// at the same height on every peer (a replay gives the same state root), only the ITS module may
// call its judging methods, and a contract deployed by a non-provider does not count.
import { beforeAll, describe, expect, it } from 'vitest';
import {
  executeBlock,
  genesisState,
  replayBlock,
  type ChainState,
  type ExecutedBlock,
  type Genesis,
} from '../core/ledger';
import { bftGenesis, testIdentity, type TestIdentity } from '../core/testing';
import { signTx, txIdOf, type Tx } from '../core/tx';
import { balanceOf, emptyTokens } from '../core/modules/tokens';
import {
  decodeCondition,
  decodeObservation,
  itsClockSkewMaxMs,
  itsObservationPrefix,
  itsSegmentPrefix,
  itsTrustContractName,
  itsTrustContractSource,
  signTripCertificate,
} from '../core/modules/its';
import { loadContractRuntime, type QuickJsContractRuntime } from './contract-runtime';

const provider = testIdentity('its trust provider');
const t0 = 1_700_000_000_000;
const windowMs = 60_000;
let runtime: QuickJsContractRuntime;

beforeAll(async () => {
  runtime = await loadContractRuntime();
});

class Chain {
  state: ChainState;
  readonly blocks: ExecutedBlock[] = [];
  readonly nonces = new Map<string, number>();
  time = t0;
  readonly genesis: Genesis;
  constructor(validators: TestIdentity[] = [provider]) {
    this.genesis = {
      ...bftGenesis('its-trust', validators, 'consortium'),
      time: t0,
      tokens: { symbol: 'BOT', allocations: [{ did: provider.did, amount: 1_000 }] },
      its: {
        providers: [provider.did],
        windowMs,
        reward: 5,
        corroborationMin: 2,
        contract: itsTrustContractName,
      },
    };
    this.state = { ...genesisState(this.genesis).state, contractRuntime: runtime };
  }
  tx(from: TestIdentity, type: string, body: unknown): Tx {
    const nonce = (this.nonces.get(from.did) ?? 0) + 1;
    this.nonces.set(from.did, nonce);
    return signTx(
      { chain: this.state.chainId, type, from: from.did, nonce, time: this.time, body },
      from.seed,
    );
  }
  block(txs: Tx[]): ExecutedBlock {
    const done = executeBlock(
      this.state,
      txs,
      { time: this.time, proposer: provider.did, round: 0 },
      false,
    );
    this.state = done.state;
    this.blocks.push(done);
    return done;
  }
  observe(trip: TestIdentity, speedKmh: number, first = false): Tx {
    return this.tx(trip, 'its.observe', {
      segment: 'h20',
      speedKmh,
      congestion: 1,
      ...(first
        ? {
            cert: signTripCertificate(
              this.state.chainId,
              provider.did,
              provider.seed,
              trip.did,
              t0 + 3_600_000,
            ),
          }
        : {}),
    });
  }
  entry(key: string): Uint8Array | undefined {
    for (const b of [...this.blocks].reverse()) {
      const bytes = b.writes.get(key);
      if (bytes) return bytes;
    }
    return undefined;
  }
  verdict(tx: Tx) {
    return decodeObservation(this.entry(itsObservationPrefix + txIdOf(tx))!);
  }
  balance(id: TestIdentity): number {
    return balanceOf(this.state.tokens ?? emptyTokens(this.genesis), id.did);
  }
  contractState(key: string): unknown {
    const json = this.state.contracts?.state.get(`${itsTrustContractName}/${key}`);
    return json === undefined ? undefined : JSON.parse(json);
  }
}

const trip = (name: string) => testIdentity(`its trust trip ${name}`);

describe('the ITS trust contract', () => {
  it('decides what counts and who is paid: the liar is an outlier, then flagged, and unpaid; trust per provider in its state; replays agree', () => {
    const chain = new Chain();
    const deploy = chain.tx(provider, 'contract.deploy', {
      name: itsTrustContractName,
      code: itsTrustContractSource,
    });
    expect(chain.block([deploy]).failed).toEqual([]);
    const [a, b, c, liar] = [trip('a'), trip('b'), trip('c'), trip('liar')];
    const window = Math.floor(chain.time / windowMs);
    const first = [
      chain.observe(a, 30, true),
      chain.observe(b, 33, true),
      chain.observe(c, 28, true),
      chain.observe(liar, 100, true),
    ];
    expect(chain.block(first).failed).toEqual([]);
    // 100 km/h on a 50 km/h street passes the plausibility rules; corroboration catches it.
    expect(first.map((tx) => chain.verdict(tx).status)).toEqual([
      'counted',
      'counted',
      'counted',
      'counted',
    ]);
    chain.time += 2 * windowMs;
    const settle = chain.tx(a, 'its.settle', { segment: 'h20', window });
    expect(chain.block([settle]).failed).toEqual([]);
    expect([a, b, c, liar].map((t) => chain.balance(t))).toEqual([5, 5, 5, 0]);
    expect(chain.contractState(`p/${provider.did}`)).toEqual({ ok: 3, bad: 1 });
    // The liar goes on: two speeds no car drives there, then it is flagged and its observations
    // stop counting even when they look plausible.
    const lies = [chain.observe(liar, 180), chain.observe(liar, 170), chain.observe(liar, 30)];
    const honest = chain.observe(a, 31);
    chain.block([...lies, honest]);
    expect(lies.map((tx) => chain.verdict(tx).reason)).toEqual(['speed', 'speed', 'flagged']);
    expect(chain.verdict(honest).status).toBe('counted');
    expect(chain.state.its!.trips.get(liar.did)).toMatchObject({ rejected: 4, paid: 0 });
    expect(chain.state.its!.trips.get(liar.did)!.trust).toBeLessThan(10);
    // An honest trip's trust is its own, bounded below by its certificate chain's root: the
    // provider's record (3 agreeing, 3 bad) keeps it at 50.
    expect(chain.state.its!.trips.get(a.did)!.trust).toBe(50);
    const condition = decodeCondition(chain.entry(itsSegmentPrefix + 'h20')!);
    expect(condition).toMatchObject({ trips: 1, speedMedianKmh: 31, rejected: 3 });
    expect(chain.contractState(`p/${provider.did}`)).toEqual({ ok: 3, bad: 3 });
    // Every peer reaches the same verdicts: a replay gives the same state root.
    let replayed: ChainState = { ...genesisState(chain.genesis).state, contractRuntime: runtime };
    for (const x of chain.blocks) replayed = replayBlock(replayed, x.block).state;
    expect(replayed.trie.rootHash()).toEqual(chain.state.trie.rootHash());
  });

  it('whatever a contract says, an observation more than itsClockSkewMaxMs ahead of its block does not count (its trip is forgotten before such a window ends)', () => {
    const chain = new Chain();
    // A contract that takes any time ahead of the block.
    const lenient = itsTrustContractSource.replace('skewMs: 60000', 'skewMs: 864000000000');
    expect(lenient).not.toBe(itsTrustContractSource);
    const deploy = chain.tx(provider, 'contract.deploy', {
      name: itsTrustContractName,
      code: lenient,
    });
    expect(chain.block([deploy]).failed).toEqual([]);
    const [a, b] = [trip('future a'), trip('future b')];
    const near = chain.observe(a, 30, true);
    chain.time += itsClockSkewMaxMs + 1;
    const ahead = chain.observe(b, 30, true);
    chain.time -= itsClockSkewMaxMs + 1;
    expect(chain.block([near, ahead]).failed).toEqual([]);
    expect([near, ahead].map((tx) => chain.verdict(tx))).toMatchObject([
      { status: 'counted' },
      { status: 'rejected', reason: 'future' },
    ]);
  });

  it('an upgrade of the contract changes the rule for everyone; only the module may call judge', () => {
    const chain = new Chain();
    chain.block([
      chain.tx(provider, 'contract.deploy', {
        name: itsTrustContractName,
        code: itsTrustContractSource,
      }),
    ]);
    const a = trip('upgrade a');
    const fast = chain.observe(a, 70, true);
    chain.block([fast]);
    expect(chain.verdict(fast).status).toBe('counted');
    const strict = itsTrustContractSource.replace('overLimitKmh: 60', 'overLimitKmh: 10');
    expect(strict).not.toBe(itsTrustContractSource);
    expect(
      chain.block([
        chain.tx(provider, 'contract.upgrade', { name: itsTrustContractName, code: strict }),
      ]).failed,
    ).toEqual([]);
    chain.time += 1_000;
    const again = chain.observe(a, 70);
    chain.block([again]);
    expect(chain.verdict(again)).toMatchObject({ status: 'rejected', reason: 'speed' });
    // A contract.call of judge by a did (even the provider) is refused and moves no score.
    const forged = chain.tx(provider, 'contract.call', {
      contract: itsTrustContractName,
      method: 'judge',
      args: { trip: a.did, provider: provider.did },
    });
    const done = chain.block([forged]);
    expect(done.failed.map((f) => f.error?.code)).toEqual(['CONTRACT_FAILED']);
  });

  it('observations fail while the contract is missing, or deployed by someone who is not a provider', () => {
    const other = testIdentity('its trust other validator');
    const chain = new Chain([provider, other]);
    const a = trip('squat a');
    const lone = chain.observe(a, 30, true);
    expect(chain.block([lone]).failed.map((f) => f.error?.code)).toEqual(['NOT_FOUND']);
    expect(chain.entry(itsObservationPrefix + txIdOf(lone))).toBeUndefined();
    // A validator that is not an ITS provider takes the name: its verdicts do not count.
    const squat = chain.tx(other, 'contract.deploy', {
      name: itsTrustContractName,
      code: itsTrustContractSource.replace('overLimitKmh: 60', 'overLimitKmh: 250'),
    });
    expect(chain.block([squat]).failed).toEqual([]);
    const again = chain.observe(a, 30, true);
    const done = chain.block([again]);
    expect(done.failed.map((f) => f.error?.code)).toEqual(['UNAUTHORIZED']);
    expect(done.failed[0]!.error?.message).toMatch(/not by an ITS provider/);
  });

  it('a peer whose contract engine did not load refuses the block instead of reaching another state', () => {
    const chain = new Chain();
    chain.block([
      chain.tx(provider, 'contract.deploy', {
        name: itsTrustContractName,
        code: itsTrustContractSource,
      }),
    ]);
    const obs = chain.observe(trip('no engine a'), 30, true);
    const done = chain.block([obs]);
    expect(chain.verdict(obs).status).toBe('counted');
    // The observation's block on a peer without the engine (after the deploy): refused, not
    // applied with the observation failed (which would give another state root: a split).
    const engineless = (state: ChainState): ChainState => ({
      ...state,
      contractRuntime: undefined,
    });
    const before = chain.blocks[0]!.state;
    expect(() => replayBlock(engineless(before), done.block)).toThrow(
      expect.objectContaining({ code: 'BAD_BLOCK' }),
    );
    // As a proposer it leaves the observation out for a peer that can judge it.
    const proposed = executeBlock(
      engineless(before),
      [obs],
      { time: chain.time, proposer: provider.did, round: 0 },
      false,
    );
    expect(proposed.block.txs).toEqual([]);
    expect(proposed.rejected.map((r) => r.error?.code)).toEqual(['NOT_READY']);
  });
});
