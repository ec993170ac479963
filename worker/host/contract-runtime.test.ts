// The contract engine (R-7.2.1-b, R-7.2.2-c): QuickJS in WebAssembly under the limits, through the
// pure ledger. Deterministic outcomes, limits that stop a call, all-or-nothing writes, no clock or
// randomness in the sandbox, writes only inside the contract's own state, devices as callers.
import { beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { BotError } from '../core/errors';
import { executeBlock, replayBlock, stateFromEntries, type ChainState } from '../core/ledger';
import { devChain, testIdentity, type TestIdentity } from '../core/testing';
import { checkTx, signTx, type Tx } from '../core/tx';
import { signSync } from '../core/crypto/ed25519';
import { registerProofBytes } from '../core/modules/devices';
import {
  contractCallsPrefix,
  decodeContractCalls,
  type ContractRunResult,
  type ContractRuntime,
} from '../core/modules/contracts';
import { equalBytes } from '../core/bytes';
import * as limits from '../core/limits';
import {
  createContractRuntime,
  loadContractRuntime,
  type QuickJsContractRuntime,
} from './contract-runtime';

const owner = testIdentity('contract owner');
const caller = testIdentity('contract caller');
const sensor = testIdentity('contract sensor');

let runtime: ContractRuntime;
beforeAll(async () => {
  runtime = await loadContractRuntime();
});

const nonces = new Map<string, number>();
function tx(from: TestIdentity, chain: string, type: string, body: unknown): Tx {
  const nonce = (nonces.get(from.did) ?? 0) + 1;
  nonces.set(from.did, nonce);
  return signTx(
    { chain, type, from: from.did, nonce, time: 1_700_000_000_000 + nonce, body },
    from.seed,
  );
}

function fresh(): ChainState {
  nonces.clear();
  return { ...devChain(owner).state, contractRuntime: runtime };
}

function run(state: ChainState, txs: Tx[]) {
  const executed = executeBlock(
    state,
    txs,
    { time: state.headTime + 1000, proposer: owner.did, round: 0 },
    false,
  );
  for (const id of [owner, caller, sensor])
    nonces.set(id.did, executed.state.nonces.get(id.did) ?? 0);
  return executed;
}

const counter = `
function add(ctx, args) {
  const n = (ctx.get('count') ?? 0) + args.by;
  ctx.put('count', n);
  ctx.put('last', { caller: ctx.caller, height: ctx.height, time: ctx.time, device: ctx.device });
  ctx.emit({ added: args.by });
  return n;
}
function addThenThrow(ctx, args) { ctx.put('count', 999); throw new Error('changed my mind'); }
function spin() { for (;;) {} }
function hog() { const a = [], s = 'x'.repeat(1000); for (;;) a.push(s + a.length); }
function deep(ctx, args) { return deep(ctx, args) + 1; }
function writeKey(ctx, args) { ctx.put(args.key, 1); return 'written'; }
function manyWrites(ctx) { for (let i = 0; i < 100; i++) ctx.put('k' + i, i); }
function big(ctx) { ctx.put('big', 'x'.repeat(5000)); }
function escape() { return 'a method may reuse the name of a built-in'; }
function probe() { return { date: typeof Date, random: (() => { try { return Math.random(); } catch (e) { return 'threw: ' + e.message; } })(), weakref: typeof WeakRef }; }
function onlyDevices(ctx, args) {
  if (!ctx.device) throw new Error('only registered devices may report');
  ctx.put('report/' + ctx.caller, args);
  return ctx.device.kind;
}
function _private() { return 1; }
`;

let deployWrites = new Map<string, Uint8Array>();
function deployed() {
  const state = fresh();
  const executed = run(state, [
    tx(owner, state.chainId, 'contract.deploy', { name: 'counter', code: counter }),
  ]);
  expect(executed.failed).toEqual([]);
  deployWrites = executed.writes;
  return executed.state;
}

function callOutcome(
  state: ChainState,
  from: TestIdentity,
  method: string,
  args: unknown = null,
  device?: true,
) {
  nonces.set(from.did, state.nonces.get(from.did) ?? 0);
  const executed = run(state, [
    tx(from, state.chainId, 'contract.call', {
      contract: 'counter',
      method,
      args,
      ...(device ? { device } : {}),
    }),
  ]);
  return { executed, error: executed.failed[0]?.error ?? null };
}

describe('contract engine (QuickJS, wasm)', () => {
  it('deploys, lists the public methods, and a call changes the contract state the same way on every replay', () => {
    const state = deployed();
    expect(state.contracts!.contracts.get('counter')!.methods).toEqual([
      'add',
      'addThenThrow',
      'big',
      'deep',
      'escape',
      'hog',
      'manyWrites',
      'onlyDevices',
      'probe',
      'spin',
      'writeKey',
    ]);
    const first = run(state, [
      tx(caller, state.chainId, 'contract.call', {
        contract: 'counter',
        method: 'add',
        args: { by: 5 },
      }),
    ]);
    expect(first.failed).toEqual([]);
    expect(first.state.contracts!.state.get('counter/count')).toBe('5');
    const last = JSON.parse(first.state.contracts!.state.get('counter/last')!);
    expect(last).toEqual({
      caller: caller.did,
      height: 2,
      time: first.block.header.time,
      device: null,
    });
    // Another peer re-executes the block from scratch: same state root, and a second time too.
    const again = replayBlock(state, first.block);
    expect(equalBytes(again.block.header.stateRoot, first.block.header.stateRoot)).toBe(true);
    expect(
      equalBytes(
        replayBlock(state, first.block).block.header.stateRoot,
        first.block.header.stateRoot,
      ),
    ).toBe(true);
    const calls = decodeContractCalls(first.writes.get(contractCallsPrefix + 'counter')!);
    expect(calls[0]).toMatchObject({
      caller: caller.did,
      method: 'add',
      result: 5,
      events: [{ added: 5 }],
      device: false,
    });
    // Rebuilt from stored entries (a restart), the state is the same and the next call builds on it.
    const entries = [...devChain(owner).writes, ...deployWrites, ...first.writes];
    const rebuilt = {
      ...stateFromEntries(first.state.genesis, first.block.header, first.hash, entries),
      contractRuntime: runtime,
    };
    expect(rebuilt.contracts!.state.get('counter/count')).toBe('5');
    const next = run(rebuilt, [
      tx(caller, state.chainId, 'contract.call', {
        contract: 'counter',
        method: 'add',
        args: { by: 2 },
      }),
    ]);
    expect(next.state.contracts!.state.get('counter/count')).toBe('7');
  });

  it('stops an endless loop with CONTRACT_STEPS, a memory bomb and runaway recursion with CONTRACT_MEMORY, deterministically', () => {
    const state = deployed();
    expect(callOutcome(state, caller, 'spin').error?.code).toBe('CONTRACT_STEPS');
    expect(callOutcome(state, caller, 'spin').error?.message).toMatch(
      new RegExp(`${limits.contractStepsMax} execution steps`),
    );
    expect(callOutcome(state, caller, 'hog').error?.code).toBe('CONTRACT_MEMORY');
    expect(callOutcome(state, caller, 'deep').error?.code).toBe('CONTRACT_MEMORY');
    // The engine still works after each of them.
    expect(callOutcome(state, caller, 'add', { by: 1 }).error).toBeNull();
  });

  it('a call that throws or breaks a write limit writes nothing: it is in the block as failed', () => {
    const state = deployed();
    const ok = run(state, [
      tx(caller, state.chainId, 'contract.call', {
        contract: 'counter',
        method: 'add',
        args: { by: 3 },
      }),
    ]).state;
    for (const [method, code] of [
      ['addThenThrow', 'CONTRACT_FAILED'],
      ['manyWrites', 'TOO_LARGE'],
      ['big', 'TOO_LARGE'],
    ] as const) {
      const { executed, error } = callOutcome(ok, caller, method);
      expect(error?.code, method).toBe(code);
      expect(executed.block.txs).toHaveLength(1);
      expect(executed.state.contracts!.state.get('counter/count')).toBe('3');
      expect([...executed.writes.keys()].filter((k) => k.startsWith('ct/'))).toEqual([]);
    }
    expect(callOutcome(ok, caller, 'addThenThrow').error?.message).toMatch(/changed my mind/);
    expect(callOutcome(ok, caller, 'nothing').error?.code).toBe('NOT_FOUND');
    expect(callOutcome(ok, caller, '_private').error?.code).toBe('NOT_FOUND');
  });

  it('has no Date and no Math.random, and writes only inside its own state', () => {
    const state = deployed();
    const probe = run(state, [
      tx(caller, state.chainId, 'contract.call', {
        contract: 'counter',
        method: 'probe',
        args: null,
      }),
    ]);
    const [call] = decodeContractCalls(probe.writes.get(contractCallsPrefix + 'counter')!);
    expect(callOutcome(state, caller, 'escape').error).toBeNull();
    expect(call!.result).toEqual({
      date: 'undefined',
      random: expect.stringMatching(/^threw: Math.random is not available/),
      weakref: 'undefined',
    });
    for (const key of ['../other/x', '/abs', 'a/../../b']) {
      const { error, executed } = callOutcome(state, caller, 'writeKey', { key });
      expect(error?.code, key).toBe('BAD_KEY');
      expect([...executed.writes.keys()].filter((k) => k.startsWith('ct/'))).toEqual([]);
    }
    // A key that looks like BoT data stays inside the contract's prefix.
    const inside = callOutcome(state, caller, 'writeKey', { key: 'data/x' });
    expect(inside.error).toBeNull();
    expect([...inside.executed.writes.keys()].filter((k) => !k.startsWith('acct/'))).toEqual([
      'ct/state/counter/data/x',
      'ct/calls/counter',
    ]);
  });

  it('refuses bad deployments: no methods, a syntax error, a duplicate name, code over the limit', () => {
    const state = deployed();
    const deploy = (name: string, code: string) => {
      nonces.set(owner.did, state.nonces.get(owner.did) ?? 0); // a failed deploy used its nonce
      return run(state, [tx(owner, state.chainId, 'contract.deploy', { name, code })]).failed[0]
        ?.error?.code;
    };
    expect(deploy('empty', 'const x = 1;')).toBe('CONTRACT_FAILED');
    expect(deploy('broken', 'function (')).toBe('CONTRACT_FAILED');
    expect(deploy('loop', 'for (;;) {}')).toBe('CONTRACT_STEPS');
    expect(deploy('counter', 'function a() {}')).toBe('BAD_REQUEST');
    const huge = tx(owner, state.chainId, 'contract.deploy', {
      name: 'huge',
      code: '//' + 'x'.repeat(limits.contractCodeBytesMax),
    });
    expect(() => checkTx(huge)).toThrow(expect.objectContaining({ code: 'TOO_LARGE' }));
    // Without an engine a peer refuses contract transactions with a typed error.
    const bare = { ...state, contractRuntime: undefined };
    const executed = executeBlock(
      bare,
      [
        tx(caller, state.chainId, 'contract.call', {
          contract: 'counter',
          method: 'add',
          args: { by: 1 },
        }),
      ],
      { time: bare.headTime + 1, proposer: owner.did, round: 0 },
      false,
    );
    expect(executed.rejected[0]!.error!.code).toBe('NOT_READY');
  });

  it('a registered device calls as a device; an unregistered or retired one is refused', () => {
    let state = deployed();
    const proof = signSync(sensor.seed, registerProofBytes(state.chainId, sensor.did, owner.did));
    const register = tx(owner, state.chainId, 'device.register', {
      did: sensor.did,
      id: 's1',
      kind: 'sensor',
      name: 'Probe',
      gateway: owner.did,
      owner: owner.did,
      capabilities: ['t'],
      policy: { mode: 'owner' },
      proof,
    });
    expect(callOutcome(state, sensor, 'onlyDevices', { t: 1 }, true).error?.code).toBe(
      'UNAUTHORIZED',
    );
    state = run(state, [register]).state;
    const asDevice = callOutcome(state, sensor, 'onlyDevices', { t: 21.5 }, true);
    expect(asDevice.error).toBeNull();
    expect(asDevice.executed.state.contracts!.state.get(`counter/report/${sensor.did}`)).toBe(
      '{"t":21.5}',
    );
    // The contract decides: a peer that is not a device is refused by the contract itself.
    expect(callOutcome(state, caller, 'onlyDevices', { t: 1 }).error?.message).toMatch(
      /only registered devices/,
    );
    const retired = run(state, [
      tx(owner, state.chainId, 'device.status', {
        device: sensor.did,
        status: 'retired',
        message: null,
      }),
    ]).state;
    expect(callOutcome(retired, sensor, 'onlyDevices', { t: 1 }, true).error?.code).toBe(
      'UNAUTHORIZED',
    );
  });

  it('never throws anything but a BotError on random bodies, and random arguments give a typed outcome, not a crash (property)', () => {
    const state = deployed();
    fc.assert(
      fc.property(
        fc.constantFrom('contract.deploy', 'contract.call'),
        fc.anything({ withNullPrototype: false }),
        (type, body) => {
          try {
            checkTx({
              chain: state.chainId,
              type,
              from: caller.did,
              nonce: 1,
              time: 1,
              body,
              sig: new Uint8Array(64),
            });
          } catch (error) {
            expect(error).toBeInstanceOf(BotError);
          }
        },
      ),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(
        fc.constantFrom('add', 'writeKey', 'onlyDevices', 'addThenThrow'),
        fc.jsonValue({ maxDepth: 3 }),
        (method, args) => {
          const { executed, error } = callOutcome(
            state,
            caller,
            method,
            JSON.parse(JSON.stringify(args)),
          );
          if (error) {
            expect(error).toBeInstanceOf(BotError);
            expect([...executed.writes.keys()].filter((k) => k.startsWith('ct/'))).toEqual([]);
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('contract memory is a function of the call only (R-7.2.1-b: the same outcome on every peer)', () => {
  const code = `
function fill(ctx, n) { const a = [], s = 'y'.repeat(10000); for (let i = 0; i < n; i++) a.push(s.slice(i % 7) + i); return a.length; }
function frag(ctx, n) { const keep = []; for (let i = 0; i < n; i++) { const s = 'x'.repeat(i % 97 + 1) + i; if (i % 3) keep.push({ s, i }); } return keep.length; }
function hog() { const a = [], s = 'x'.repeat(1000); for (;;) a.push(s + a.length); }
function spin() { for (;;) {} }
function fail() { throw new Error('no ' + 'x'.repeat(500)); }`;
  const ctx = { contract: 'mem', caller: caller.did, device: null, height: 1, time: 0, txId: '' };
  const host = { get: () => null, put: () => undefined, emit: () => undefined };
  const fill = (rt: QuickJsContractRuntime, n: number) =>
    rt.call(code, 'fill', String(n), ctx, host);
  const codeOf = (r: ContractRunResult) => (r.ok ? null : r.error.code);
  /** The smallest number of 10 kB strings `fill` cannot hold, with `history` run before every probe. */
  function cutoff(rt: QuickJsContractRuntime, history: () => void): number {
    let ok = 1;
    let failed = 4000;
    while (failed - ok > 1) {
      const mid = (ok + failed) >> 1;
      history();
      if (fill(rt, mid).ok) ok = mid;
      else failed = mid;
    }
    return failed;
  }

  it('a call near the memory cut-off has the same outcome after different heap histories', async () => {
    const quiet = await createContractRuntime();
    const busy = await createContractRuntime();
    const history = () => {
      for (const n of [5000, 1200, 9000]) busy.call(code, 'frag', String(n), ctx, host);
      for (const m of ['hog', 'spin', 'fail']) busy.call(code, m, 'null', ctx, host);
      fill(busy, 3000);
    };
    const a = cutoff(quiet, () => undefined);
    const b = cutoff(busy, history);
    expect(b).toBe(a);
    // Right at the edge: the last call that fits and the first that does not, on both.
    history();
    expect(fill(busy, a - 1)).toEqual(fill(quiet, a - 1));
    expect(fill(quiet, a - 1)).toEqual({ ok: true, resultJson: String(a - 1) });
    history();
    expect(fill(busy, a)).toEqual(fill(quiet, a));
    expect(codeOf(fill(quiet, a))).toBe('CONTRACT_MEMORY');
  }, 120_000);

  it('memory left allocated in the engine between calls (a leak on some failure path) does not move the cut-off', async () => {
    // Stand-in for a block the C side keeps between calls: malloc'd directly in the wasm heap, never freed.
    const leak = (rt: QuickJsContractRuntime) => () => {
      const emscripten = (rt as unknown as { module: { module: { _malloc(n: number): number } } })
        .module.module;
      for (let i = 0; i < 16; i++) emscripten._malloc(64 * 1024);
    };
    const clean = await createContractRuntime();
    const reset = await createContractRuntime();
    const unreset = await createContractRuntime({ resetHeap: false });
    const expected = cutoff(clean, () => undefined);
    expect(cutoff(reset, leak(reset))).toBe(expected);
    // Without the reset the leaks pile up and the same call fails earlier: the fork this prevents.
    expect(cutoff(unreset, leak(unreset))).toBeLessThan(expected);
  }, 120_000);

  it('a restore zeroes the heap only up to the allocator break, no byte above it is ever written, and every outcome and step count is as with the whole heap zeroed', async () => {
    const fast = await createContractRuntime();
    const whole = await createContractRuntime();
    type Inside = { breakAddress: number | null; memory: WebAssembly.Memory };
    const inside = (rt: QuickJsContractRuntime) => rt as unknown as Inside;
    expect(fast.zeroesToBreak).toBe(true);
    inside(whole).breakAddress = null; // the old restore: all 24 MiB above the snapshot zeroed
    /** The first non-zero byte at or above the break, or -1. */
    const dirtyAboveBreak = () => {
      const { breakAddress, memory } = inside(fast);
      const brk = new Uint32Array(memory.buffer)[breakAddress! >>> 2]!;
      const words = new Uint32Array(memory.buffer, brk + (-brk & 3));
      const at = words.findIndex((w) => w !== 0);
      const head = new Uint8Array(memory.buffer, brk, -brk & 3).findIndex((b) => b !== 0);
      return head >= 0 ? brk + head : at < 0 ? -1 : brk + (-brk & 3) + at * 4;
    };
    const calls: Array<[string, string]> = [
      ['fill', '2'],
      ['fill', '150'],
      ['frag', '5000'],
      ['hog', 'null'],
      ['fill', '2'],
      ['spin', 'null'],
      ['fail', 'null'],
      ['fill', '3000'],
      ['fill', '1'],
      ['frag', '1200'],
      ['fill', '1'],
    ];
    const zeroed: number[] = [];
    for (const [method, args] of calls) {
      const got = fast.call(code, method, args, ctx, host);
      const steps = fast.lastRunSteps;
      zeroed.push(fast.lastZeroedBytes);
      expect(got).toEqual(whole.call(code, method, args, ctx, host));
      expect(steps).toBe(whole.lastRunSteps);
      expect(dirtyAboveBreak()).toBe(-1);
    }
    // The restore before each call zeroes what the call before it grew: after a small call a few
    // bytes, not the 19 MB above the snapshot; after fill 150 (1.5 MB) about that; after a trap
    // (hog), everything.
    expect(zeroed[9]).toBeLessThan(64 * 1024);
    expect(zeroed[2]).toBeGreaterThan(1_000_000);
    expect(zeroed[2]).toBeLessThan(4 * 1024 * 1024);
    expect(zeroed[4]).toBeGreaterThan(16 * 1024 * 1024);
  }, 120_000);

  it('bounds what a call allocates in all (QuickJS alone counts 8 bytes a block), where a growable engine let 40 MB through', async () => {
    const fixed = await createContractRuntime();
    expect(codeOf(fill(fixed, 4000))).toBe('CONTRACT_MEMORY'); // 4000 strings of 10 kB
    expect(fill(fixed, 10)).toEqual({ ok: true, resultJson: '10' }); // and the engine still works
    // The engine as it was (growable memory, no reset): the same call went through, so its fate hung
    // on whether the host let the wasm memory grow that far.
    const old = await createContractRuntime({ growable: true, resetHeap: false });
    expect(fill(old, 4000)).toEqual({ ok: true, resultJson: '4000' });
  }, 60_000);
});
