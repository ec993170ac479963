// The contract sandbox: QuickJS compiled to WebAssembly (quickjs-emscripten-core with the
// release-sync wasm build, loaded once per process). Each deploy check and each call gets a fresh
// QuickJS runtime and context under the limits of worker/core/limits.ts (memory, stack, steps),
// without Date, Promise, WeakRef, FinalizationRegistry or Math.random, and with no way out but the
// `ctx` the core hands in. Same code + inputs + state = same outcome: the only clock is the block
// time in ctx.time, and work is counted, not timed: the engine's wasm is metered (wasm-meter.ts),
// so every function entry, loop iteration and byte copied inside the engine (built-ins, regex, GC
// included) costs steps from a budget of contractStepsMax, and native recursion inside the engine
// is bounded by contractFrameWeightMax, far below any host's stack. Either limit traps: the call
// ends where it is, whatever the contract catches.
// Memory is made deterministic too: QuickJS counts a runtime's memory with the allocator's usable
// sizes, and those depend on the history of the (shared) wasm heap. So the wasm linear memory is
// snapshotted once, after a warm-up with no runtime alive, and restored before every check and
// call: each one starts from the same heap, and its memory accounting (limit, GC trigger) is a
// function of its own inputs only, the same on every peer whatever ran before.
import {
  DefaultIntrinsics,
  newQuickJSWASMModuleFromVariant,
  newVariant,
  type QuickJSContext,
  type QuickJSHandle,
  type QuickJSWASMModule,
} from 'quickjs-emscripten-core';
import variant from '@jitl/quickjs-wasmfile-release-sync';
import { botError, type BotError } from '../core/errors';
import type {
  ContractCheckResult,
  ContractContext,
  ContractHostCalls,
  ContractRunResult,
  ContractRuntime,
} from '../core/modules/contracts';
import * as limits from '../core/limits';
import { meterExports, meterWasm } from './wasm-meter';

export const contractRuntimeName = 'quickjs-emscripten 0.32.0 release-sync, metered v1';

// Runs first in every context, before the contract's code: takes the host functions off the
// global object, removes what is not deterministic, and returns the functions the host calls (kept
// out of reach of the code): `prepare` hands in the call's ctx (not metered, like the set-up),
// `invoke` runs a method, `methods` lists them.
const setupSource = `(function () {
  'use strict';
  const host = { get: globalThis.__get, put: globalThis.__put, emit: globalThis.__emit, balance: globalThis.__balance, transfer: globalThis.__transfer };
  delete globalThis.__get; delete globalThis.__put; delete globalThis.__emit; delete globalThis.__balance; delete globalThis.__transfer;
  delete globalThis.WeakRef; delete globalThis.FinalizationRegistry;
  Math.random = function random() { throw new Error('Math.random is not available in a contract: every peer must compute the same result.'); };
  const parse = JSON.parse, stringify = JSON.stringify;
  const calls = {
    get(key) { const json = host.get(String(key)); return json === null ? null : parse(json); },
    put(key, value) {
      const json = stringify(value);
      if (typeof json !== 'string') throw new TypeError('ctx.put stores JSON values; use ctx.del to delete.');
      host.put(String(key), json);
    },
    del(key) { host.put(String(key), null); },
    emit(event) {
      const json = stringify(event);
      if (typeof json !== 'string') throw new TypeError('ctx.emit takes a JSON value.');
      host.emit(json);
    },
    balance(account) { return host.balance(account === undefined || account === null ? null : String(account)); },
    transfer(to, amount) {
      if (typeof amount !== 'number') throw new TypeError('ctx.transfer takes a whole number of tokens.');
      host.transfer(String(to), amount);
    },
  };
  let ctx = null;
  const before = new Map(Object.getOwnPropertyNames(globalThis).map((n) => [n, globalThis[n]]));
  const isMethod = (n) => !n.startsWith('_') && typeof globalThis[n] === 'function' && globalThis[n] !== before.get(n);
  return {
    prepare(infoJson) { ctx = Object.freeze(Object.assign(parse(infoJson), calls)); },
    methods() {
      return stringify(Object.getOwnPropertyNames(globalThis).filter(isMethod).sort());
    },
    invoke(method, argsJson) {
      const f = globalThis[method];
      if (!Object.prototype.hasOwnProperty.call(globalThis, method) || !isMethod(method)) throw new TypeError('The contract has no method "' + method + '".');
      const result = f(ctx, parse(argsJson));
      const json = stringify(result === undefined ? null : result);
      if (typeof json !== 'string') throw new TypeError('A method returns a JSON value.');
      return json;
    },
  };
})()`;

/** The metering globals of the engine's wasm instance (see wasm-meter.ts). */
export interface EngineMeter {
  /** Steps left; below zero the engine traps. */
  fuel: WebAssembly.Global;
  /** Frame weight of the wasm call chain; above contractFrameWeightMax the engine traps. */
  depth: WebAssembly.Global;
  /** The engine's own stack pointer (its C stack in linear memory), reset after a trap. */
  stackPointer: WebAssembly.Global;
}

/** Fuel while the host itself drives the engine (setup, disposal): the i32 maximum, never reached. */
const fuelUnlimited = 0x7fffffff;

export interface ContractRuntimeOptions {
  /** The memory limit of one call (tests probe the exact cut-off with other values). */
  memoryBytesMax?: number;
  /** Restore the wasm heap before each run (default). false: the old, history-dependent behaviour, for tests only. */
  resetHeap?: boolean;
}

/** The heap up to its last non-zero byte (scanned a word at a time: the heap is tens of MB). */
function usedBytes(heap: Uint8Array): number {
  const words = new Uint32Array(heap.buffer, heap.byteOffset, heap.length >>> 2);
  let w = words.length;
  while (w > 0 && words[w - 1] === 0) w--;
  let end = Math.min(heap.length, w * 4 + (heap.length & 3));
  while (end > 0 && heap[end - 1] === 0) end--;
  return end;
}

/** The host calls of a deploy check: the code's top level has no ctx. */
const noHost: ContractHostCalls = {
  get: () => {
    throw new Error('A contract reads state only inside a method.');
  },
  put: () => {
    throw new Error('A contract writes state only inside a method.');
  },
  emit: () => {
    throw new Error('A contract emits events only inside a method.');
  },
};

/** A contract's code evaluated in its own runtime, and the wasm heap right after (see `load`). */
interface LoadedContract {
  readonly code: string;
  readonly memoryBytesMax: number;
  /** The heap after the code's top level ran, up to its last non-zero byte. */
  readonly snapshot: Uint8Array;
  readonly stackPointer: number;
  /** Steps the set-up's metered part (the code's top level) used: charged to every call. */
  readonly loadSteps: number;
  readonly vm: QuickJSContext;
  /** Every handle the load made (freed by unload()). */
  readonly handles: QuickJSHandle[];
  readonly api: QuickJSHandle;
  readonly prepare: QuickJSHandle;
  readonly invoke: QuickJSHandle;
  readonly methods: QuickJSHandle;
}

/**
 * The QuickJS sandbox. A contract's code is evaluated once in a runtime of its own (from the
 * warm-up heap), and the wasm heap is snapshotted right after; every check and call of that code
 * restores that heap and runs from it. So each run starts from the same state (fresh globals, the
 * same allocator state, the same memory accounting) whatever ran before, as if the code had just
 * been evaluated, without building a runtime, a context and the code again for every call
 * (issue 20: the ITS trust contract judges each observation; about 3.5 ms a call that way). The
 * top level's steps count toward each call, as when every call evaluated the code. The last
 * contract loaded is kept; loading another starts again from the warm-up heap.
 */
export class QuickJsContractRuntime implements ContractRuntime {
  readonly name = contractRuntimeName;
  /** The memory limit of each run: limits.contractMemoryBytesMax (tests move it to find a call's exact cut-off). */
  memoryBytesMax: number;
  private readonly resetHeap: boolean;
  private readonly memory: WebAssembly.Memory;
  /** The heap after the warm-up, up to its last non-zero byte (the rest of the snapshot is zeros). */
  private readonly snapshot: Uint8Array;
  /**
   * Where the allocator keeps its break (emscripten's sbrk pointer, one word of the engine's
   * static data), found once at start (findBreakAddress); null: not found, so every restore
   * zeroes the whole heap above the snapshot.
   */
  private breakAddress: number | null = null;
  /** The next restore zeroes the whole heap above the snapshot (after a trap or an engine fault). */
  private zeroAll = true;
  /** Bytes the last restore zeroed above its snapshot (tests read it). */
  lastZeroedBytes = 0;

  /** Restores zero only up to the allocator's break (its address was found at start). */
  get zeroesToBreak(): boolean {
    return this.breakAddress !== null;
  }
  /** The engine's stack pointer after the warm-up. */
  private readonly stackPointer: number;
  /** The contract whose runtime lives in the heap (its snapshot restored before each of its runs). */
  private loaded: LoadedContract | null = null;
  /** A load under way or failed: what unload() frees. */
  private loading: { vm: QuickJSContext; handles: QuickJSHandle[] } | null = null;
  /** A load trapped (a limit in the code's top level): the next load restores the warm-up heap. */
  private heapBroken = false;
  /** The heap is exactly `loaded`'s snapshot (just loaded, nothing run since). */
  private atSnapshot = false;
  /** Steps the last check or call used (its top-level code, the method and the result's JSON); contractStepsMax + 1 when it ran out. */
  lastRunSteps = 0;
  /** Contracts loaded (code evaluated into a new runtime) so far: tests count them. */
  loads = 0;
  /** The fuel global holds the running call's budget (not the host's unlimited fuel). */
  private metering = false;
  /** The host calls of the running check or call (the runtime's host functions forward to it). */
  private host: ContractHostCalls = noHost;

  constructor(
    private readonly module: QuickJSWASMModule,
    private readonly meter: EngineMeter,
    options: ContractRuntimeOptions = {},
  ) {
    this.memoryBytesMax = options.memoryBytesMax ?? limits.contractMemoryBytesMax;
    this.resetHeap = options.resetHeap ?? true;
    this.memory = module.getWasmMemory();
    // Warm-up: the first runtime, context, host function, evaluation, call and error dump may set up
    // state lazily (in C statics and in the JS glue together); it must be in the snapshot. Then no
    // runtime is left alive in the heap.
    const warmCtx = { contract: 'warm', caller: '', device: null, height: 0, time: 0, txId: '' };
    this.run(
      'function warm(ctx, a) { ctx.put("k", a); ctx.emit(a); return ctx.get("k"); }',
      'warm',
      '1',
      warmCtx,
      { get: () => '1', put: () => undefined, emit: () => undefined },
    );
    this.unload();
    this.run('function fail() { throw new Error("x"); }', 'fail', 'null', warmCtx, {
      get: () => null,
      put: () => undefined,
      emit: () => undefined,
    });
    this.unload();
    const heap = new Uint8Array(this.memory.buffer);
    this.snapshot = heap.slice(0, usedBytes(heap));
    this.stackPointer = meter.stackPointer.value as number;
    this.breakAddress = this.findBreakAddress(warmCtx);
  }

  /**
   * The address of the allocator's break: the one word below the stack, in the engine's static
   * data, that lies at or above every non-zero byte of the heap both at the warm-up snapshot and
   * after a probe that makes the heap grow by about 600 kB, and grew by 500 kB or more with it. The heap is put
   * back as the snapshot after. null when not exactly one word fits: restores then zero all.
   */
  private findBreakAddress(warmCtx: ContractContext): number | null {
    const words = () => new Uint32Array(this.memory.buffer);
    const below = this.stackPointer >>> 2;
    const before = words().slice(0, below);
    const usedBefore = this.snapshot.length;
    const loads = this.loads;
    this.run(
      'function grow(ctx, n) { const a = []; for (let i = 0; i < n; i++) a.push("x".repeat(25000) + i); return a.length; }',
      'grow',
      '24',
      warmCtx,
      noHost,
    );
    const after = words();
    const usedAfter = usedBytes(new Uint8Array(this.memory.buffer));
    const found: number[] = [];
    for (let w = 0; w < below; w++) {
      const was = before[w]!;
      const now = after[w]!;
      if (was >= usedBefore && now >= usedAfter && now - was >= 500_000 && now <= after.byteLength)
        found.push(w * 4);
    }
    this.unload();
    this.zeroAll = true;
    this.restoreHeap(this.snapshot, this.stackPointer);
    this.loads = loads;
    this.lastRunSteps = 0;
    return found.length === 1 ? found[0]! : null;
  }

  /**
   * Put the wasm heap back exactly as `snapshot` (the warm-up's, or a loaded contract's). Above
   * the snapshot the heap must be zero, as fresh pages are (the allocator takes memory past its
   * break as zeroed). Everything a run wrote lies below the allocator's break: the C stack sits
   * below the heap, the allocator writes only below its break, and this build never lowers it
   * (no trimming), so the break read before the snapshot's bytes go back is the highest the run
   * reached. Only up to there is zeroed, instead of the whole 24 MiB (contract-runtime.test
   * checks that no byte above the break is ever non-zero).
   */
  private restoreHeap(snapshot: Uint8Array, stackPointer: number): void {
    const heap = new Uint8Array(this.memory.buffer);
    let end = heap.length;
    if (this.breakAddress !== null && !this.zeroAll) {
      const brk = new Uint32Array(this.memory.buffer)[this.breakAddress >>> 2]!;
      if (brk <= heap.length) end = brk;
    }
    heap.set(snapshot);
    if (end > snapshot.length) heap.fill(0, snapshot.length, end);
    this.lastZeroedBytes = Math.max(0, end - snapshot.length);
    this.zeroAll = false;
    if (stackPointer !== undefined) this.meter.stackPointer.value = stackPointer;
  }

  /** A limit the engine trapped on (the globals stay past their bound once it traps), or null. */
  private limitHit(): BotError | null {
    if ((this.meter.fuel.value as number) < 0)
      return botError(
        'CONTRACT_STEPS',
        `The contract ran past its ${limits.contractStepsMax} execution steps (an endless loop, or too much work in one call?) and was stopped; nothing was written.`,
      );
    if ((this.meter.depth.value as number) > limits.contractFrameWeightMax)
      return botError(
        'CONTRACT_MEMORY',
        `The contract nested calls too deeply (past ${limits.contractFrameWeightMax} units of engine stack; too deep a recursion?) and was stopped; nothing was written.`,
      );
    return null;
  }

  check(code: string): ContractCheckResult {
    const ctx: ContractContext = {
      contract: '',
      caller: '',
      device: null,
      height: 0,
      time: 0,
      txId: '',
    };
    const outcome = this.guarded(code, null, '', ctx, noHost);
    if (!outcome.ok) return outcome;
    const methods = JSON.parse(outcome.resultJson) as string[];
    if (methods.length === 0)
      return {
        ok: false,
        error: botError(
          'CONTRACT_FAILED',
          'The code defines no method: declare top-level functions such as function add(ctx, args) { ... }.',
        ),
      };
    return { ok: true, methods };
  }

  call(
    code: string,
    method: string,
    argsJson: string,
    ctx: ContractContext,
    host: ContractHostCalls,
  ): ContractRunResult {
    return this.guarded(code, method, argsJson, ctx, host);
  }

  /** Errors are values: a failure of the engine itself (a trap other than the meter's limits; none is known) is a typed refusal, not a throw into the core. */
  private guarded(
    code: string,
    method: string | null,
    argsJson: string,
    ctx: ContractContext,
    host: ContractHostCalls,
  ): ContractRunResult {
    try {
      return this.run(code, method, argsJson, ctx, host);
    } catch (error) {
      this.forget();
      this.zeroAll = true;
      return {
        ok: false,
        error: botError(
          'CONTRACT_FAILED',
          `The contract engine failed (${String((error as Error)?.message ?? error).slice(0, 200)}); nothing was written.`,
        ),
      };
    } finally {
      this.host = noHost;
      if (!this.resetHeap) this.unload();
    }
  }

  /**
   * Evaluate `code` in a new runtime from the warm-up heap and snapshot the heap: the start of
   * every run of this code. A failure of the top level (a throw, a limit) is the outcome of every
   * run of the code, so nothing is kept.
   */
  private load(code: string): LoadedContract | ContractRunResult {
    this.forget();
    if ((this.resetHeap || this.heapBroken) && this.snapshot)
      this.restoreHeap(this.snapshot, this.stackPointer);
    this.heapBroken = false;
    this.meter.fuel.value = fuelUnlimited;
    this.meter.depth.value = 0;
    this.loads++;
    const runtime = this.module.newRuntime();
    runtime.setMemoryLimit(this.memoryBytesMax);
    runtime.setMaxStackSize(limits.contractStackBytesMax);
    const vm = runtime.newContext({
      intrinsics: { ...DefaultIntrinsics, Date: false, Promise: false },
    });
    // Kept from here, so that unload() frees what a failed load made.
    const handles: QuickJSHandle[] = [];
    this.loading = { vm, handles };
    const keep = (h: QuickJSHandle) => (handles.push(h), h);
    const define = (name: string, fn: (...args: QuickJSHandle[]) => QuickJSHandle | undefined) =>
      vm.setProp(vm.global, name, keep(vm.newFunction(name, fn)));
    const text = (h: QuickJSHandle | undefined) => {
      if (!h || vm.typeof(h) !== 'string') throw new TypeError('Expected text.');
      return vm.getString(h);
    };
    define('__get', (key) => {
      const json = this.host.get(text(key));
      return json === null ? vm.null : vm.newString(json);
    });
    define('__put', (key, json) => {
      this.host.put(text(key), json && vm.typeof(json) === 'string' ? vm.getString(json) : null);
      return undefined;
    });
    define('__emit', (json) => {
      this.host.emit(text(json));
      return undefined;
    });
    define('__balance', (account) => {
      if (!this.host.balance) throw new Error('This chain has no token.');
      return vm.newNumber(
        this.host.balance(
          account && vm.typeof(account) === 'string' ? vm.getString(account) : null,
        ),
      );
    });
    define('__transfer', (to, amount) => {
      if (!this.host.transfer) throw new Error('This chain has no token.');
      this.host.transfer(
        text(to),
        amount && vm.typeof(amount) === 'number' ? vm.getNumber(amount) : Number.NaN,
      );
      return undefined;
    });
    // The context makes these values on first use (a call into the engine): made here, before the
    // snapshot, so that no call pays for them and every call counts the same steps.
    for (const value of [vm.undefined, vm.null, vm.true, vm.false]) void value;
    const setup = vm.evalCode(setupSource, 'setup.js');
    if (setup.error) return this.failure(vm, keep(setup.error));
    const api = keep(setup.value);
    const prepare = keep(vm.getProp(api, 'prepare'));
    const invoke = keep(vm.getProp(api, 'invoke'));
    const methods = keep(vm.getProp(api, 'methods'));
    // The budget covers the contract's own work: its top level, the method, the result's JSON.
    this.meter.fuel.value = limits.contractStepsMax;
    this.metering = true;
    let evaluated: ReturnType<QuickJSContext['evalCode']>;
    try {
      evaluated = vm.evalCode(code, 'contract.js', { type: 'global', strict: true });
    } catch (error) {
      // A trap in the top level (a limit): the heap is mid-operation; nothing in it is freed, the
      // next load starts again from the warm-up heap.
      this.forget();
      this.heapBroken = true;
      this.zeroAll = true;
      const limit = this.limitHit();
      this.stopMeter();
      if (limit) return { ok: false, error: limit };
      throw error;
    }
    if (evaluated.error) return this.failure(vm, keep(evaluated.error));
    keep(evaluated.value);
    const limit = this.limitHit();
    if (limit) return { ok: false, error: limit };
    this.stopMeter();
    evaluated.value.dispose();
    // The heap now holds the runtime with the code evaluated and the handles above: every run of
    // this code starts from exactly these bytes (run() makes no handle that outlives it).
    const heap = new Uint8Array(this.memory.buffer);
    const end = usedBytes(heap);
    this.loading = null;
    this.loaded = {
      code,
      memoryBytesMax: this.memoryBytesMax,
      snapshot: heap.slice(0, end),
      stackPointer: this.meter.stackPointer.value as number,
      loadSteps: this.lastRunSteps,
      vm,
      handles,
      api,
      prepare,
      invoke,
      methods,
    };
    this.atSnapshot = true;
    return this.loaded;
  }

  /** method null: evaluate the code and list its methods. */
  private run(
    code: string,
    method: string | null,
    argsJson: string,
    ctx: ContractContext,
    host: ContractHostCalls,
  ): ContractRunResult {
    this.host = host;
    this.lastRunSteps = 0;
    let contract = this.loaded;
    if (!contract || contract.code !== code || contract.memoryBytesMax !== this.memoryBytesMax) {
      const loaded = this.load(code);
      if (!('code' in loaded)) return loaded;
      contract = loaded;
    }
    if (!this.atSnapshot && this.resetHeap)
      this.restoreHeap(contract.snapshot, contract.stackPointer);
    this.atSnapshot = false;
    const vm = contract.vm;
    try {
      this.meter.fuel.value = fuelUnlimited;
      this.meter.depth.value = 0;
      const info = vm.newString(
        JSON.stringify({
          contract: ctx.contract,
          caller: ctx.caller,
          device: ctx.device,
          height: ctx.height,
          time: ctx.time,
          txId: ctx.txId,
          paid: ctx.paid ?? 0,
          account: ctx.account ?? `contract:${ctx.contract}`,
          // a trigger's run (r-7.2-b): its id; absent for a transaction's call
          ...(ctx.trigger ? { trigger: ctx.trigger } : {}),
        }),
      );
      const prepared = vm.callFunction(contract.prepare, contract.api, info);
      if (prepared.error) return this.failure(vm, prepared.error);
      const args = method === null ? [] : [vm.newString(method), vm.newString(argsJson)];
      // The top level's steps, then the method and the result's JSON, from one budget.
      this.meter.fuel.value = limits.contractStepsMax - contract.loadSteps;
      this.metering = true;
      const result = vm.callFunction(
        method === null ? contract.methods : contract.invoke,
        contract.api,
        ...args,
      );
      if (result.error) return this.failure(vm, result.error);
      const limit = this.limitHit();
      if (limit) return { ok: false, error: limit };
      this.stopMeter();
      if (vm.typeof(result.value) !== 'string')
        return {
          ok: false,
          error: botError('CONTRACT_FAILED', 'The contract did not return a JSON value.'),
        };
      return { ok: true, resultJson: vm.getString(result.value) };
    } catch (error) {
      // A trap: a limit (the meter) or a fault of the engine. The heap is left mid-operation; the
      // next run restores the snapshot (and, to be safe, zeroes everything above it).
      this.zeroAll = true;
      const limit = this.limitHit();
      this.stopMeter();
      if (limit) return { ok: false, error: limit };
      throw error;
    } finally {
      this.stopMeter();
      // Nothing is disposed: the handles of this run live in the heap, which the next run restores.
    }
  }

  /** Records the steps used and lifts the budget for the host's own work (reading the result, disposal). */
  private stopMeter(): void {
    if (!this.metering) return;
    this.metering = false;
    const fuel = this.meter.fuel.value as number;
    this.lastRunSteps = fuel < 0 ? limits.contractStepsMax + 1 : limits.contractStepsMax - fuel;
    this.meter.fuel.value = fuelUnlimited;
  }

  /** Drop the loaded contract without touching the heap (the next load restores the warm-up heap). */
  private forget(): void {
    this.loaded = null;
    this.loading = null;
    this.atSnapshot = false;
  }

  /** Free the loaded contract's runtime in the heap (the warm-up, and runs without heap resets). */
  private unload(): void {
    const contract = this.loaded ?? this.loading;
    const snapshot = this.loaded;
    this.forget();
    if (!contract) return;
    // Back to the heap the handles were made in (a run's own values are in none of them).
    if (snapshot) this.restoreHeap(snapshot.snapshot, snapshot.stackPointer);
    const runtime = contract.vm.runtime;
    for (const h of contract.handles.reverse()) if (h.alive) h.dispose();
    contract.vm.dispose();
    runtime.dispose();
  }

  private failure(vm: QuickJSContext, error: QuickJSHandle): { ok: false; error: BotError } {
    const limit = this.limitHit();
    if (limit) return { ok: false, error: limit };
    this.stopMeter();
    vm.runtime.setMemoryLimit(-1); // room to read the error after an out-of-memory
    let name = 'Error';
    let message = '';
    try {
      const dumped = vm.dump(error) as { name?: unknown; message?: unknown } | string;
      if (typeof dumped === 'object' && dumped !== null) {
        name = String(dumped.name ?? 'Error');
        message = String(dumped.message ?? '');
      } else message = String(dumped);
    } catch {
      message = 'unreadable error';
    }
    if (/out of memory/i.test(message))
      return {
        ok: false,
        error: botError(
          'CONTRACT_MEMORY',
          `The contract ran out of memory (${this.memoryBytesMax} bytes in one block, ${limits.contractWasmMemoryBytes} bytes of engine memory in all) and was stopped; nothing was written.`,
        ),
      };
    if (/stack overflow|call stack/i.test(message))
      return {
        ok: false,
        error: botError(
          'CONTRACT_MEMORY',
          `The contract overflowed its ${limits.contractStackBytesMax}-byte stack (too deep a recursion?) and was stopped; nothing was written.`,
        ),
      };
    const said = `${name}: ${message}`.slice(0, 300);
    return {
      ok: false,
      error: botError('CONTRACT_FAILED', `The contract threw ${said}; nothing was written.`),
    };
  }
}

let loading: Promise<QuickJsContractRuntime> | null = null;

/** The wasm module is fetched, metered and compiled once per process (worker, Node peer); every host shares it. */
export function loadContractRuntime(): Promise<QuickJsContractRuntime> {
  loading ??= createContractRuntime();
  return loading;
}

/** The engine's wasm as published (pinned by the package version); the meter is added here, not shipped. */
async function engineWasmBytes(): Promise<Uint8Array> {
  const scope = globalThis as { window?: unknown; WorkerGlobalScope?: unknown };
  if (
    typeof globalThis.process?.versions?.node === 'string' &&
    scope.window === undefined &&
    scope.WorkerGlobalScope === undefined
  ) {
    // Node (the headless peer, tests): read the package file. Names in variables keep bundlers off these.
    const fsName = 'node:fs/promises';
    const moduleName = 'node:module';
    const { readFile } = (await import(
      /* @vite-ignore */ fsName
    )) as typeof import('node:fs/promises');
    const { createRequire } = (await import(
      /* @vite-ignore */ moduleName
    )) as typeof import('node:module');
    return new Uint8Array(
      await readFile(
        createRequire(import.meta.url).resolve('@jitl/quickjs-wasmfile-release-sync/wasm'),
      ),
    );
  }
  const url = (await import('@jitl/quickjs-wasmfile-release-sync/wasm?url')).default;
  const response = await fetch(url);
  if (!response.ok)
    throw new Error(`The contract engine could not be fetched (${response.status} ${url}).`);
  return new Uint8Array(await response.arrayBuffer());
}

let compiling: Promise<WebAssembly.Module> | null = null;

/** The metered engine, compiled once per process. */
export function meteredEngine(): Promise<WebAssembly.Module> {
  compiling ??= engineWasmBytes().then((bytes) =>
    WebAssembly.compile(
      meterWasm(bytes, {
        depthMax: limits.contractFrameWeightMax,
        copyBytesPerStep: limits.contractCopyBytesPerStep,
      }) as Uint8Array<ArrayBuffer>,
    ),
  );
  return compiling;
}

/**
 * The glue gives the engine the host's environment (LANG from the browser, the script path in Node)
 * and time zone names, which it writes into the wasm heap: heap addresses, and with them QuickJS's
 * hash chains and step counts, would differ between Node and a browser. Every host gets the same:
 * no environment variables and UTC. (Imports of this build: "e" environ_get, "f" environ_sizes_get,
 * "n" tzset.)
 */
function sameOnEveryHost(imports: WebAssembly.Imports): WebAssembly.Imports {
  const glue = imports.a as Record<string, unknown>;
  const memory = glue.a as WebAssembly.Memory;
  const words = () => new Uint32Array(memory.buffer);
  const writeText = (at: number, text: string) =>
    new Uint8Array(memory.buffer).set([...new TextEncoder().encode(text), 0], at);
  return {
    ...imports,
    a: {
      ...glue,
      e: () => 0,
      f: (countAt: number, bytesAt: number) => {
        words()[countAt >>> 2] = 0;
        words()[bytesAt >>> 2] = 0;
        return 0;
      },
      n: (timezoneAt: number, daylightAt: number, stdNameAt: number, dstNameAt: number) => {
        words()[timezoneAt >>> 2] = 0;
        words()[daylightAt >>> 2] = 0;
        writeText(stdNameAt, 'UTC');
        writeText(dstNameAt, 'UTC');
      },
    },
  };
}

function meterOf(instance: WebAssembly.Instance): EngineMeter {
  const global = (name: string) => {
    const g = instance.exports[name];
    if (!(g instanceof WebAssembly.Global))
      throw new Error(`The contract engine has no ${name} global: it is not the metered build.`);
    return g;
  };
  return {
    fuel: global(meterExports.fuel),
    depth: global(meterExports.depth),
    stackPointer: global(meterExports.stackPointer),
  };
}

/**
 * A runtime with its own wasm instance and heap (loadContractRuntime shares one per process; nothing
 * else may use that instance, since every run resets its heap). The memory is fixed at
 * contractWasmMemoryBytes: a growable one would make a big call's fate depend on whether the host
 * lets the memory grow (a phone may refuse where a desktop agrees), and on how far earlier calls grew it.
 */
export async function createContractRuntime(
  options: ContractRuntimeOptions & { growable?: boolean } = {},
): Promise<QuickJsContractRuntime> {
  const pages = limits.contractWasmMemoryBytes / 65536;
  const wasmMemory = options.growable
    ? undefined
    : new WebAssembly.Memory({ initial: pages, maximum: pages });
  const compiled = await meteredEngine();
  let instance: WebAssembly.Instance | undefined;
  const emscriptenModule = {
    instantiateWasm(
      imports: WebAssembly.Imports,
      onSuccess: (instance: WebAssembly.Instance) => void,
    ) {
      void WebAssembly.instantiate(compiled, sameOnEveryHost(imports)).then((made) => {
        instance = made;
        onSuccess(made);
      });
      return {};
    },
  };
  const module = await newQuickJSWASMModuleFromVariant(
    newVariant(variant, wasmMemory ? { wasmMemory, emscriptenModule } : { emscriptenModule }),
  );
  if (!instance) throw new Error('The contract engine did not start.');
  return new QuickJsContractRuntime(module, meterOf(instance), options);
}
