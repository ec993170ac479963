// Scheduled contract triggers (r-7.2-b, R-7.2.1-a, R-7.2.4-f; issue 17) in the core: a contract
// acts without a caller at a height or every n blocks, at the start of a block, in a fixed order,
// under the per-block limits (the excess waits, oldest first), its outcome in state (the same
// state root on a peer that replays the blocks and on one that reloads them), its token moves as
// a call's; a retired contract's triggers end; the managers cancel; bad input is refused with a
// typed error. The sandbox is a stand-in (the real engine: worker/host/contract-triggers.test.ts).
import { describe, expect, it } from 'vitest';
import { botError, type BotError } from '../../errors';
import {
  executeBlock,
  genesisState,
  replayBlock,
  stateFromEntries,
  type ChainState,
  type ExecutedBlock,
  type Genesis,
} from '../../ledger';
import { devGenesis, testIdentity, type TestIdentity } from '../../testing';
import { signTx, txIdOf, type Tx } from '../../tx';
import * as limits from '../../limits';
import { balanceOf } from '../tokens';
import {
  contractTriggerFailedPrefix,
  decodeContractCalls,
  decodeTriggerFailures,
  contractCallsPrefix,
  type ContractContext,
  type ContractHostCalls,
  type ContractRuntime,
  type TriggerRecord,
  contractsModule,
} from '.';

const owner = testIdentity('trig owner');
const other = testIdentity('trig other');
const validator = testIdentity('trig validator');

/**
 * Methods: tick (count + 1, emits it; `steps` from args), log (appends args.tag to "log"), boom
 * (fails), pay (ctx.transfer args.amount to args.to). check() lists the functions in the code.
 */
class StandIn implements ContractRuntime {
  readonly name = 'trigger stand-in';
  lastRunSteps = 0;
  readonly contexts: ContractContext[] = [];
  check(code: string) {
    this.lastRunSteps = 10;
    return { ok: true as const, methods: [...code.matchAll(/function (\w+)/g)].map((m) => m[1]!) };
  }
  call(
    _code: string,
    method: string,
    argsJson: string,
    ctx: ContractContext,
    host: ContractHostCalls,
  ) {
    this.contexts.push(ctx);
    const args = JSON.parse(argsJson) as {
      steps?: number;
      tag?: string;
      to?: string;
      amount?: number;
    } | null;
    this.lastRunSteps = args?.steps ?? 10;
    if (method === 'boom')
      return { ok: false as const, error: botError('CONTRACT_FAILED', 'boom at ' + ctx.height) };
    if (method === 'pay') {
      try {
        host.transfer!(args!.to!, args!.amount!);
      } catch (error) {
        return { ok: false as const, error: error as BotError };
      }
      return { ok: true as const, resultJson: 'null' };
    }
    if (method === 'log') {
      const log = JSON.parse(host.get('log') ?? '[]') as string[];
      host.put('log', JSON.stringify([...log, args!.tag!]));
      return { ok: true as const, resultJson: String(log.length + 1) };
    }
    const n = (JSON.parse(host.get('count') ?? '0') as number) + 1;
    host.put('count', String(n));
    host.emit(JSON.stringify({ n }));
    return { ok: true as const, resultJson: String(n) };
  }
}

const code = 'function tick() {} function log() {} function boom() {} function pay() {}';

class Chain {
  state: ChainState;
  readonly genesis: Genesis;
  readonly blocks: ExecutedBlock[] = [];
  readonly nonces = new Map<string, number>();
  readonly runtime = new StandIn();
  constructor() {
    this.genesis = {
      ...devGenesis(validator, 'triggers'),
      tokens: { symbol: 'BOT', allocations: [{ did: owner.did, amount: 1000 }] },
    };
    this.state = { ...genesisState(this.genesis).state, contractRuntime: this.runtime };
  }
  tx(from: TestIdentity, type: string, body: unknown): Tx {
    const nonce = (this.nonces.get(from.did) ?? 0) + 1;
    this.nonces.set(from.did, nonce);
    return signTx(
      { chain: this.state.chainId, type, from: from.did, nonce, time: this.genesis.time, body },
      from.seed,
    );
  }
  block(txs: Tx[] = []): ExecutedBlock {
    const executed = executeBlock(
      this.state,
      txs,
      { time: this.genesis.time + this.state.height + 1, proposer: validator.did, round: 0 },
      false,
    );
    expect(executed.rejected).toEqual([]);
    this.state = executed.state;
    this.blocks.push(executed);
    return executed;
  }
  /** Runs `n` empty blocks (a trigger needs no transaction). */
  idle(n: number): void {
    for (let i = 0; i < n; i++) this.block();
  }
  schedule(body: Record<string, unknown>, from = owner): { id: string; block: ExecutedBlock } {
    const tx = this.tx(from, 'contract.schedule', { contract: 'job', args: null, ...body });
    return { id: txIdOf(tx), block: this.block([tx]) };
  }
  trigger(id: string): TriggerRecord {
    return this.state.contracts!.triggers!.get(id)!;
  }
  value(key: string): unknown {
    const json = this.state.contracts!.state.get('job/' + key);
    return json === undefined ? undefined : JSON.parse(json);
  }
}

function deployed(): Chain {
  const chain = new Chain();
  const b = chain.block([chain.tx(owner, 'contract.deploy', { name: 'job', code })]);
  expect(b.failed).toEqual([]);
  return chain;
}

const codes = (b: ExecutedBlock) => b.failed.map((f) => f.error!.code);

describe('contract triggers (r-7.2-b)', () => {
  it('runs every n blocks without a caller, records each outcome, and another peer replays and reloads to the same state', () => {
    const chain = deployed();
    const { id, block } = chain.schedule({ method: 'tick', every: 2, count: 3 });
    expect(codes(block)).toEqual([]);
    const at = block.block.header.height;
    expect(chain.trigger(id)).toMatchObject({ next: at + 2, every: 2, left: 3, runs: 0 });
    chain.idle(1);
    expect(chain.value('count')).toBeUndefined();
    chain.idle(1); // at + 2: the first run
    expect(chain.value('count')).toBe(1);
    expect(chain.trigger(id)).toMatchObject({
      next: at + 4,
      runs: 1,
      left: 2,
      last: { height: at + 2, ok: true, result: 1, events: 1 },
    });
    const ctx = chain.runtime.contexts.at(-1)!;
    expect(ctx).toMatchObject({
      caller: owner.did,
      trigger: id,
      txId: id,
      height: at + 2,
      paid: 0,
    });
    const calls = decodeContractCalls(
      chain.blocks.at(-1)!.writes.get(contractCallsPrefix + 'job')!,
    );
    expect(calls).toEqual([
      expect.objectContaining({
        tx: id,
        trigger: id,
        method: 'tick',
        result: 1,
        caller: owner.did,
      }),
    ]);
    chain.idle(4); // at + 4 and at + 6: its last run ends it
    expect(chain.value('count')).toBe(3);
    expect(chain.trigger(id)).toMatchObject({
      runs: 3,
      left: 0,
      ended: { height: at + 6, reason: 'done' },
    });
    chain.idle(3);
    expect(chain.value('count')).toBe(3);

    // a peer replaying the blocks (strict) agrees on every state root; a reload holds the triggers
    let replayed: ChainState = {
      ...genesisState(chain.genesis).state,
      contractRuntime: new StandIn(),
    };
    for (const b of chain.blocks) replayed = replayBlock(replayed, b.block).state;
    expect(replayed.trie.rootHash()).toEqual(chain.state.trie.rootHash());
    const entries = new Map(genesisState(chain.genesis).writes);
    for (const b of chain.blocks) for (const [k, v] of b.writes) entries.set(k, v);
    const head = chain.blocks.at(-1)!;
    const loaded = stateFromEntries(chain.genesis, head.block.header, head.hash, entries);
    expect(loaded.contracts).toEqual(chain.state.contracts);
  });

  it('runs the due triggers in order: the longest waiting first, then by id; `at` alone runs once', () => {
    const chain = deployed();
    const h = chain.state.height;
    const txs = ['a', 'b', 'c'].map((tag, i) =>
      chain.tx(owner, 'contract.schedule', {
        contract: 'job',
        method: 'log',
        args: { tag },
        at: h + 3 + (i === 2 ? -1 : 0),
      }),
    );
    const ids = txs.map(txIdOf);
    chain.block(txs);
    chain.idle(3);
    // c was due first (h + 2); a and b at h + 3, in the order of their ids
    const sameHeight = [ids[0]!, ids[1]!].sort();
    const tagOf = (id: string) => ['a', 'b', 'c'][ids.indexOf(id)];
    expect(chain.value('log')).toEqual(['c', ...sameHeight.map(tagOf)]);
    for (const id of ids) expect(chain.trigger(id).ended?.reason).toBe('done');
  });

  it('defers the triggers over the per-block limits to the next block, oldest first, never dropping one', () => {
    const chain = deployed();
    const h = chain.state.height;
    const n = limits.blockTriggersMax + 2;
    // two contracts' worth of triggers (one contract holds triggersPerContractMax)
    const second = chain.tx(owner, 'contract.deploy', { name: 'job2', code });
    chain.block([second]);
    const txs: Tx[] = [];
    for (let i = 0; i < n; i++)
      txs.push(
        chain.tx(owner, 'contract.schedule', {
          contract: i % 2 ? 'job2' : 'job',
          method: 'tick',
          args: null,
          at: h + 4,
        }),
      );
    chain.block(txs);
    chain.block(); // h + 3
    chain.block(); // h + 4: the first blockTriggersMax run
    const ran = () => [...chain.state.contracts!.triggers!.values()].filter((t) => t.runs === 1);
    expect(ran()).toHaveLength(limits.blockTriggersMax);
    const waiting = [...chain.state.contracts!.triggers!.values()].filter((t) => t.runs === 0);
    expect(waiting.every((t) => t.next === h + 4 && !t.ended)).toBe(true);
    // the deferred ones run first in the next block, before a trigger due there
    const late = chain.tx(owner, 'contract.schedule', {
      contract: 'job',
      method: 'log',
      args: { tag: 'late' },
      at: h + 6,
    });
    chain.block([late]); // h + 5: the 2 deferred run
    expect(ran()).toHaveLength(n);
    expect(chain.value('count')).toBe(n / 2);

    // steps: heavy triggers stop once blockTriggerStepsMax is used
    const heavy = Math.floor(limits.blockTriggerStepsMax / 2);
    const h2 = chain.state.height;
    const big = [0, 1, 2].map(() =>
      chain.tx(owner, 'contract.schedule', {
        contract: 'job2',
        method: 'tick',
        args: { steps: heavy },
        at: h2 + 2,
      }),
    );
    chain.block(big);
    chain.block();
    const bigRuns = () => big.map((t) => chain.trigger(txIdOf(t)).runs);
    expect(bigRuns().filter((r) => r === 1)).toHaveLength(2);
    chain.block();
    expect(bigRuns()).toEqual([1, 1, 1]);
  });

  it('records a failing run and keeps the trigger; a retired contract’s triggers end; managers cancel', () => {
    const chain = deployed();
    const { id: failing } = chain.schedule({ method: 'boom', every: 1 });
    const { id: ticking } = chain.schedule({ method: 'tick', every: 1 });
    const run = chain.block();
    const failures = decodeTriggerFailures(
      run.writes.get(contractTriggerFailedPrefix + run.block.header.height)!,
    );
    expect(failures).toEqual([
      expect.objectContaining({
        trigger: failing,
        contract: 'job',
        by: owner.did,
        owner: owner.did,
        code: 'CONTRACT_FAILED',
      }),
    ]);
    expect(chain.trigger(failing)).toMatchObject({
      last: { ok: false, code: 'CONTRACT_FAILED' },
      ended: null,
    });
    const runs = chain.trigger(failing).runs;
    chain.block();
    expect(chain.trigger(failing).runs).toBe(runs + 1);

    // only a manager cancels
    const notMine = chain.block([chain.tx(other, 'contract.unschedule', { trigger: failing })]);
    expect(codes(notMine)).toEqual(['UNAUTHORIZED']);
    const cancel = chain.block([chain.tx(owner, 'contract.unschedule', { trigger: failing })]);
    expect(codes(cancel)).toEqual([]);
    expect(chain.trigger(failing).ended).toMatchObject({ reason: 'cancelled', by: owner.did });
    const again = chain.block([chain.tx(owner, 'contract.unschedule', { trigger: failing })]);
    expect(codes(again)).toEqual(['BAD_REQUEST']);

    const before = chain.value('count') as number;
    chain.block([chain.tx(owner, 'contract.retire', { name: 'job', note: 'done' })]);
    expect(chain.trigger(ticking).ended?.reason).toBe('retired');
    const count = chain.value('count');
    chain.idle(3);
    expect(chain.value('count')).toBe(count);
    expect(count).toBe(before + 1); // it ran at the start of the retiring block, then stopped
    const late = chain.block([
      chain.tx(owner, 'contract.schedule', {
        contract: 'job',
        method: 'tick',
        args: null,
        every: 1,
      }),
    ]);
    expect(codes(late)).toEqual(['BAD_REQUEST']);
  });

  it('moves the contract’s own tokens like a call', () => {
    const chain = deployed();
    chain.block([
      chain.tx(owner, 'contract.call', { contract: 'job', method: 'tick', args: null, pay: 100 }),
    ]);
    chain.schedule({ method: 'pay', args: { to: other.did, amount: 30 }, every: 1, count: 4 });
    chain.idle(4);
    const tokens = chain.state.tokens!;
    expect(balanceOf(tokens, other.did)).toBe(90); // the fourth run found 10 and failed
    expect(balanceOf(tokens, 'contract:job')).toBe(10);
  });

  it('refuses bad schedules with a typed error', () => {
    const chain = deployed();
    const h = chain.state.height;
    const body = (extra: Record<string, unknown>) => ({
      contract: 'job',
      method: 'tick',
      args: null,
      ...extra,
    });
    const bodyError = (b: unknown) => {
      try {
        contractsModule.bodyRules['contract.schedule']!.check(b);
        return 'accepted';
      } catch (error) {
        return (error as { code: string }).code;
      }
    };
    expect(bodyError(body({ every: 1 }))).toBe('accepted');
    expect(bodyError(body({ every: 0 }))).toBe('BAD_FIELD_TYPE');
    expect(bodyError(body({}))).toBe('MISSING_FIELD');
    expect(bodyError(body({ at: h + 5, count: 2 }))).toBe('BAD_FIELD_TYPE');
    expect(bodyError(body({ at: 0 }))).toBe('BAD_FIELD_TYPE');
    expect(bodyError(body({ every: limits.triggerEveryMax + 1 }))).toBe('BAD_FIELD_TYPE');
    expect(bodyError(body({ every: 1, count: 1.5 }))).toBe('BAD_FIELD_TYPE');
    expect(bodyError({ ...body({ every: 1 }), extra: 1 })).not.toBe('accepted');
    expect(bodyError({ contract: 'job', method: 'tick', every: 1 })).toBe('MISSING_FIELD');
    expect(
      contractsModule.bodyRules['contract.unschedule']!.check.bind(null, { trigger: 'x' }),
    ).toThrow(/64 hex/);
  });

  it('refuses unknown contracts and methods, past heights, strangers and too many triggers', () => {
    const chain = deployed();
    const h = chain.state.height;
    const try1 = (from: TestIdentity, extra: Record<string, unknown>) =>
      codes(
        chain.block([
          chain.tx(from, 'contract.schedule', {
            contract: 'job',
            method: 'tick',
            args: null,
            ...extra,
          }),
        ]),
      );
    expect(try1(owner, { contract: 'nothing', every: 1 })).toEqual(['NOT_FOUND']);
    expect(try1(owner, { method: 'missing', every: 1 })).toEqual(['NOT_FOUND']);
    expect(try1(owner, { at: h })).toEqual(['BAD_REQUEST']);
    expect(try1(owner, { at: h + 10 + limits.triggerEveryMax })).toEqual(['BAD_REQUEST']);
    expect(try1(other, { every: 5 })).toEqual(['UNAUTHORIZED']);
    for (let i = 0; i < limits.triggersPerContractMax; i++)
      expect(try1(owner, { every: 1000 })).toEqual([]);
    expect(try1(owner, { every: 1000 })).toEqual(['TOO_LARGE']);
  });
});
