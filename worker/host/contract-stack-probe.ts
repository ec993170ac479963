// The same deep calls, run in Node child processes with different native stacks
// (contract-limits.test.ts) and in a Chromium worker (contract-limits.browser.test.ts): their
// outcomes and step counts must be equal everywhere.
import { loadContractRuntime } from './contract-runtime';

const code = `
function depth(ctx, n) { function f(k) { return k === 0 ? 0 : 1 + f(k - 1); } return f(n); }
function catchOwn() { let n = 0; function f() { n++; try { f(); } catch (e) { f(); } } f(); return n; }
function nested(ctx, n) { return JSON.stringify(JSON.parse('['.repeat(n) + ']'.repeat(n))).length; }
function regex(ctx, n) { return new RegExp('(?:'.repeat(n) + 'a' + ')'.repeat(n)).test('a'); }`;
const calls: [string, number][] = [
  ['depth', 100],
  ['depth', 300],
  ['depth', 1000],
  ['depth', 3000],
  ['catchOwn', 0],
  ['nested', 1000],
  ['nested', 20000],
  ['regex', 1000],
  ['regex', 30000],
];

export interface ProbeOutcome {
  method: string;
  n: number;
  outcome: string;
  steps: number;
}

export async function runStackProbe(): Promise<ProbeOutcome[]> {
  const runtime = await loadContractRuntime();
  const ctx = {
    contract: 'probe',
    caller: 'did:key:probe',
    device: null,
    height: 1,
    time: 0,
    txId: '',
  };
  const host = { get: () => null, put: () => undefined, emit: () => undefined };
  return calls.map(([method, n]) => {
    const result = runtime.call(code, method, String(n), ctx, host);
    return {
      method,
      n,
      outcome: result.ok ? result.resultJson : result.error.code,
      steps: runtime.lastRunSteps,
    };
  });
}
