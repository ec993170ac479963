// Issue 14 §2: no single contract call stalls a peer. The engine's wasm is metered (wasm-meter.ts):
// work inside built-ins costs steps like the contract's own code, native recursion is bounded by
// the engine's own count, and both give the same outcome, at the same step, on every peer and host.
// CPU time per call is printed by bench/contracts.ts, not asserted here (timings are noisy).
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import * as limits from '../core/limits';
import {
  createContractRuntime,
  loadContractRuntime,
  type QuickJsContractRuntime,
} from './contract-runtime';

const ctx = {
  contract: 'attack',
  caller: 'did:key:attacker',
  device: null,
  height: 1,
  time: 0,
  txId: '',
};
const host = { get: () => null, put: () => undefined, emit: () => undefined };

/** Adversarial calls and the outcomes allowed for each (null: it may succeed). */
export const adversarialCorpus: {
  name: string;
  code: string;
  args: unknown;
  outcomes: (string | null)[];
}[] = [
  {
    name: 'issue 14: JSON.stringify of 5,000 items 100,000 times',
    code: 'function m(ctx,a){const x=[];for(let i=0;i<a.n;i++)x.push(i);let n=0;for(let i=0;i<a.k;i++)n+=JSON.stringify(x).length;ctx.put("n",n);return n;}',
    args: { n: 5000, k: 100000 },
    outcomes: ['CONTRACT_STEPS'],
  },
  {
    name: 'issue 14: for(;;) JSON.stringify of 20,000 items',
    code: 'function m(){const x=[];for(let i=0;i<20000;i++)x.push(i);for(;;)JSON.stringify(x);}',
    args: null,
    outcomes: ['CONTRACT_STEPS'],
  },
  {
    name: 'issue 14: a recursion that catches its own stack overflow',
    code: 'function m(){ function f(){ try { f(); } catch (e) { f(); } } f(); }',
    args: null,
    outcomes: ['CONTRACT_MEMORY', 'CONTRACT_STEPS'],
  },
  {
    name: 'an empty endless loop',
    code: 'function m(){ for(;;){} }',
    args: null,
    outcomes: ['CONTRACT_STEPS'],
  },
  {
    name: 'string doubling',
    code: 'function m(){ let s="x"; for(;;) s = s + s; }',
    args: null,
    outcomes: ['CONTRACT_FAILED', 'CONTRACT_MEMORY', 'CONTRACT_STEPS'],
  },
  {
    name: 'copying a 1 MB string in a loop',
    code: 'function m(){ const s="x".repeat(1<<20); let t; for(;;) t = s.slice(1) + "y"; }',
    args: null,
    outcomes: ['CONTRACT_STEPS'],
  },
  {
    name: 'comparing two 1 MB strings in a loop',
    code: 'function m(){ const s="x".repeat(1<<20)+"a", t="x".repeat(1<<20)+"b"; let n=0; for(;;) n += (s<t); }',
    args: null,
    outcomes: ['CONTRACT_STEPS'],
  },
  {
    name: 'sorting 100,000 items with a comparator',
    code: 'function m(){ const a=[]; for(let i=0;i<100000;i++) a.push((i*7919)%100003); for(;;) a.slice().sort((x,y)=>x-y); }',
    args: null,
    outcomes: ['CONTRACT_STEPS'],
  },
  {
    name: 'the default sort of 100,000 numbers',
    code: 'function m(){ const a=[]; for(let i=0;i<100000;i++) a.push((i*7919)%100003); for(;;) a.slice().sort(); }',
    args: null,
    outcomes: ['CONTRACT_STEPS'],
  },
  {
    name: 'regex catastrophic backtracking',
    code: 'function m(){ return /^(a+)+$/.test("a".repeat(40)+"b"); }',
    args: null,
    outcomes: ['CONTRACT_STEPS'],
  },
  {
    name: 'Array(1e7).fill',
    code: 'function m(){ return Array(1e7).fill(0).length; }',
    args: null,
    outcomes: ['CONTRACT_MEMORY', 'CONTRACT_STEPS'],
  },
  {
    name: 'JSON.parse 100,000 levels deep',
    code: 'function m(){ return JSON.parse("[".repeat(100000) + "]".repeat(100000)); }',
    args: null,
    outcomes: ['CONTRACT_MEMORY', 'CONTRACT_STEPS', 'CONTRACT_FAILED'],
  },
  {
    name: 'exceptions thrown in a loop',
    code: 'function m(){ for(;;) { try { throw new Error("x"); } catch (e) {} } }',
    args: null,
    outcomes: ['CONTRACT_STEPS'],
  },
  {
    name: 'a getter in a loop',
    code: 'function m(){ const o={get x(){ return this.y }, y:1}; let n=0; for(;;) n+=o.x; }',
    args: null,
    outcomes: ['CONTRACT_STEPS'],
  },
  {
    name: 'a Proxy in a loop',
    code: 'function m(){ const p=new Proxy({}, {get:(t,k)=>k}); let n=0; for(;;) n+=p.abc.length; }',
    args: null,
    outcomes: ['CONTRACT_STEPS'],
  },
  {
    name: 'an endless generator',
    code: 'function m(){ function* g(){ for(;;) yield 1; } let n=0; for (const x of g()) n+=x; }',
    args: null,
    outcomes: ['CONTRACT_STEPS'],
  },
  {
    name: 'indexOf of a long needle in a 1 MB string',
    code: 'function m(){ const s="a".repeat(1<<20), p="a".repeat(1<<10)+"b"; let n=0; for(;;) n+=s.indexOf(p); }',
    args: null,
    outcomes: ['CONTRACT_STEPS'],
  },
  {
    name: 'join, split, replace of big inputs',
    code: 'function m(){ const a=Array(100000).fill("abc"); for(;;) a.join(",").split(",").join("").replace(/a/g, "cc"); }',
    args: null,
    outcomes: ['CONTRACT_STEPS', 'CONTRACT_MEMORY'],
  },
  {
    name: 'Object.keys of 50,000 keys',
    code: 'function m(){ const o={}; for(let i=0;i<50000;i++) o["k"+i]=i; for(;;) Object.keys(o); }',
    args: null,
    outcomes: ['CONTRACT_STEPS'],
  },
  {
    name: 'spreading 100,000 arguments',
    code: 'function m(){ const a=Array(100000).fill(1); for(;;) Math.max(...a); }',
    args: null,
    outcomes: ['CONTRACT_STEPS'],
  },
  {
    name: 'BigInt products',
    code: 'function m(){ let x = 3n ** 20000n; for(;;) x * x; }',
    args: null,
    outcomes: ['CONTRACT_STEPS'],
  },
  {
    name: 'compiling code in a loop',
    code: 'function m(){ const src = "var a=" + "1+".repeat(2000) + "1;"; for(;;) new Function(src); }',
    args: null,
    outcomes: ['CONTRACT_STEPS'],
  },
  {
    name: 'filling typed arrays',
    code: 'function m(){ for(;;) new Uint8Array(1<<20).fill(7); }',
    args: null,
    outcomes: ['CONTRACT_STEPS'],
  },
  {
    name: 'garbage in a loop',
    code: 'function m(){ let a=[]; for(;;) { a.push({x:[1,2,3]}); if (a.length>100000) a=[]; } }',
    args: null,
    outcomes: ['CONTRACT_STEPS'],
  },
  {
    name: 'a deploy whose top level never ends',
    code: 'for(;;) JSON.stringify([1,2,3]); function m(){}',
    args: null,
    outcomes: ['CONTRACT_STEPS'],
  },
];

let runtime: QuickJsContractRuntime;
beforeAll(async () => {
  runtime = await loadContractRuntime();
});

function outcomeOf(rt: QuickJsContractRuntime, code: string, args: unknown) {
  const result = rt.call(code, 'm', JSON.stringify(args), ctx, host);
  return { code: result.ok ? null : result.error.code, steps: rt.lastRunSteps };
}

describe('contract calls are bounded by a deterministic budget (issue 14 §2)', () => {
  it('every adversarial call ends with a typed outcome, at the same step on every run and every engine instance', async () => {
    const other = await createContractRuntime();
    for (const attack of adversarialCorpus) {
      const first = outcomeOf(runtime, attack.code, attack.args);
      expect(attack.outcomes, attack.name).toContain(first.code);
      expect(outcomeOf(runtime, attack.code, attack.args), attack.name).toEqual(first);
      expect(outcomeOf(other, attack.code, attack.args), attack.name).toEqual(first);
      // Out of steps means the meter reached its limit: the structural bound on the call's work.
      if (first.code === 'CONTRACT_STEPS')
        expect(first.steps, attack.name).toBe(limits.contractStepsMax + 1);
      else expect(first.steps, attack.name).toBeLessThanOrEqual(limits.contractStepsMax);
    }
    // The engine still works after all of them.
    expect(runtime.call('function m(ctx, a) { return a + 1; }', 'm', '41', ctx, host)).toEqual({
      ok: true,
      resultJson: '42',
    });
  }, 300_000);

  it('work inside built-ins is charged by its size, not as one operation', () => {
    const code =
      'function m(ctx,a){const x=[];for(let i=0;i<a.n;i++)x.push(i);let n=0;for(let i=0;i<a.k;i++)n+=JSON.stringify(x).length;return n;}';
    const steps = (n: number, k: number) => {
      const result = runtime.call(code, 'm', JSON.stringify({ n, k }), ctx, host);
      expect(result.ok).toBe(true);
      return runtime.lastRunSteps;
    };
    // One more JSON.stringify of 5,000 numbers costs at least a step per item (the old interrupt
    // count charged it nothing: the loop around it branches once).
    expect(steps(5000, 2) - steps(5000, 1)).toBeGreaterThan(5000);
    // And the same call costs the same steps every time.
    expect(steps(5000, 3)).toBe(steps(5000, 3));
  });

  it('a trap mid-call leaves the engine as good as new: the next call has the same outcome and steps as on a fresh engine', async () => {
    const fresh = await createContractRuntime();
    const probe =
      'function m(ctx, a) { const o = {}; for (let i = 0; i < a; i++) o["k" + i] = [i]; return Object.keys(o).length; }';
    const expected = outcomeOf(fresh, probe, 2000);
    expect(outcomeOf(runtime, 'function m(){ for(;;) JSON.stringify([1,2,3]); }', null).code).toBe(
      'CONTRACT_STEPS',
    );
    expect(outcomeOf(runtime, probe, 2000)).toEqual(expected);
    expect(
      outcomeOf(runtime, 'function m(){ function f(){ return f() + 1; } return f(); }', null).code,
    ).toBe('CONTRACT_MEMORY');
    expect(outcomeOf(runtime, probe, 2000)).toEqual(expected);
  });

  it('one runtime per contract: calls of the same code reuse it (issue 20), each from the state just after its top level, a trap included', async () => {
    const rt = await createContractRuntime();
    const fresh = await createContractRuntime();
    // Top-level state a call changes, a loop chosen by the argument, memory a call keeps.
    const code =
      'let calls = 0; const kept = []; function m(ctx, a) { calls++; if (a === "loop") for (;;) {} ' +
      'if (a === "deep") { function f() { return f() + 1; } return f(); } ' +
      'for (let i = 0; i < 500; i++) kept.push([i]); return [calls, kept.length, ctx.get("k")]; }';
    const expected = outcomeOf(fresh, code, 1);
    const loads = rt.loads;
    for (const args of [1, 'loop', 1, 'deep', 1, 1]) {
      const outcome = outcomeOf(rt, code, args);
      if (args === 1) expect(outcome).toEqual(expected);
      else expect(outcome.code).toBe(args === 'loop' ? 'CONTRACT_STEPS' : 'CONTRACT_MEMORY');
    }
    const result = rt.call(code, 'm', '1', ctx, host);
    expect(result.ok && JSON.parse(result.resultJson)).toEqual([1, 500, null]);
    // Seven calls, one load; another contract loads its own, and coming back loads this one again.
    expect(rt.loads - loads).toBe(1);
    expect(outcomeOf(rt, 'function m() { return 2; }', null).code).toBeNull();
    expect(outcomeOf(rt, code, 1)).toEqual(expected);
    expect(rt.loads - loads).toBe(3);
  });
});

describe('recursion is bounded inside the engine, not by the host stack (issue 14 §2)', () => {
  it('the same deep calls have the same outcomes and steps in Node with 250 kB, 400 kB, the default and 4 MB of stack', () => {
    const probe = fileURLToPath(new URL('./contract-stack-probe.node.ts', import.meta.url));
    const run = (stackKb: number | null) =>
      JSON.parse(
        execFileSync(
          process.execPath,
          [...(stackKb ? [`--stack-size=${stackKb}`] : []), '--import', 'tsx', probe],
          { encoding: 'utf8', timeout: 120_000 },
        ),
      ) as { method: string; n: number; outcome: string; steps: number }[];
    const byDefault = run(null);
    // A shallow recursion succeeds and runaway ones end with CONTRACT_MEMORY, never an engine failure.
    expect(byDefault.find((o) => o.method === 'depth' && o.n === 100)!.outcome).toBe('100');
    expect(byDefault.find((o) => o.method === 'depth' && o.n === 3000)!.outcome).toBe(
      'CONTRACT_MEMORY',
    );
    expect(byDefault.find((o) => o.method === 'catchOwn')!.outcome).toBe('CONTRACT_MEMORY');
    for (const o of byDefault) expect(o.outcome, `${o.method} ${o.n}`).not.toBe('CONTRACT_FAILED');
    for (const stackKb of [250, 400, 4000])
      expect(run(stackKb), `--stack-size=${stackKb}`).toEqual(byDefault);
  }, 300_000);
});
