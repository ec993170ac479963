// Smart contracts (Y.4464 7.2.1, 7.2.2 c, 10.2): JavaScript run in a sandbox, deterministic.
//   contract.deploy { name, code }                       anyone; the name is unique on the chain
//   contract.call   { contract, method, args, device? }  anyone; `device: true` says the caller is
//       a registered device (its gateway signs with the device key): the chain refuses the call
//       unless `from` is a registered device that is not retired.
// The contract decides who may call what: its code sees `ctx.caller` and `ctx.device`.
// State (prefix "ct/"): ct/contract/<name> the deployment; ct/state/<name>/<key> one value of the
// contract's own state; ct/calls/<name> the calls of one block (caller, method, result, events).
// The VM is injected: the core receives a synchronous ContractRuntime (worker/host/contract-runtime.ts
// wraps QuickJS compiled to WebAssembly). A call runs against the block's overlay; its writes are
// kept only when it returns normally, so a call that throws or hits a limit writes nothing.
import { encode, decode } from './codec';
import { utf8 } from './bytes';
import { botError, BotError } from './errors';
import type { Tx } from './tx-shape';
import type { DeviceRecord } from './devices';
import * as limits from './limits';
import { checkJsonValue, isPlainObject, onlyFields, type JsonValue } from './body';

export { checkJsonValue, type JsonValue } from './body';

export const contractTxTypes = ['contract.deploy', 'contract.call'] as const;

export const contractPrefix = 'ct/contract/';
export const contractStatePrefix = 'ct/state/';
export const contractCallsPrefix = 'ct/calls/';

export interface ContractRecord {
  name: string;
  code: string;
  /** Its public methods, as the deploy check found them. */
  methods: string[];
  /** The did that deployed it. */
  owner: string;
  height: number;
  tx: string;
  time: number;
}

export interface ContractCallRecord {
  tx: string;
  height: number;
  caller: string;
  /** The caller was a registered device (the call was sent with `device: true`). */
  device: boolean;
  method: string;
  result: JsonValue;
  events: JsonValue[];
}

/** What the contract sees as `ctx` besides get/put/del/emit. */
export interface ContractContext {
  contract: string;
  caller: string;
  device: {
    did: string;
    kind: string;
    owner: string;
    gateway: string;
    capabilities: string[];
  } | null;
  height: number;
  /** The block header's time (ms since 1970), the same on every peer. */
  time: number;
  txId: string;
}

/** The state a call may touch, through the core (which checks keys, sizes and counts). */
export interface ContractHostCalls {
  /** JSON text of the value, or null when the key holds nothing. */
  get(key: string): string | null;
  /** JSON text of the value; null deletes. */
  put(key: string, json: string | null): void;
  emit(json: string): void;
}

export type ContractRunResult = { ok: true; resultJson: string } | { ok: false; error: BotError };
/** A deploy check: the public methods the code defines (top-level functions not starting with "_"). */
export type ContractCheckResult = { ok: true; methods: string[] } | { ok: false; error: BotError };

/**
 * A synchronous, deterministic sandbox: the same code, method, arguments, context and state give
 * the same outcome on every peer. Errors are values (BotError with a CONTRACT_* code), never throws.
 */
export interface ContractRuntime {
  /** Which engine and build this is (e.g. "quickjs-emscripten 0.32.0 release-sync"). */
  readonly name: string;
  /**
   * Execution steps the last check or call used (contractStepsMax + 1 when it ran out): counted,
   * not timed, so the same on every peer. A block's calls and deploys share
   * limits.blockContractStepsMax (ledger.executeBlock).
   */
  readonly lastRunSteps: number;
  /** Evaluate the code's top level under the limits and list the methods it defines. */
  check(code: string): ContractCheckResult;
  call(
    code: string,
    method: string,
    argsJson: string,
    ctx: ContractContext,
    host: ContractHostCalls,
  ): ContractRunResult;
}

/** Contracts in memory: every deployment and every state value (bounded by the limits). */
export interface ContractRegistry {
  readonly contracts: ReadonlyMap<string, ContractRecord>;
  /** "<name>/<key>" -> JSON text. */
  readonly state: ReadonlyMap<string, string>;
}

export function emptyContracts(): ContractRegistry {
  return { contracts: new Map(), state: new Map() };
}

// ---- stateless body rules ------------------------------------------------------------------

export function checkContractName(value: unknown): string {
  if (
    typeof value !== 'string' ||
    !new RegExp(`^[a-z][a-z0-9-]{0,${limits.contractNameLengthMax - 1}}$`).test(value)
  ) {
    throw botError(
      'BAD_FIELD_TYPE',
      `A contract name has 1 to ${limits.contractNameLengthMax} lowercase letters, digits or "-", starting with a letter.`,
    );
  }
  return value;
}

function checkMethodName(value: unknown): string {
  if (
    typeof value !== 'string' ||
    !new RegExp(`^[A-Za-z][A-Za-z0-9_]{0,${limits.contractMethodLengthMax - 1}}$`).test(value)
  ) {
    throw botError(
      'BAD_FIELD_TYPE',
      `A method name has 1 to ${limits.contractMethodLengthMax} letters, digits or "_", starting with a letter (functions starting with "_" are private).`,
    );
  }
  return value;
}

const deploy = {
  check(raw: unknown) {
    if (!isPlainObject(raw))
      throw botError('MALFORMED', 'A contract.deploy body must be a map { name, code }.');
    onlyFields(raw, ['name', 'code'], 'contract.deploy');
    checkContractName(raw.name);
    if (typeof raw.code !== 'string' || raw.code.length === 0)
      throw botError('BAD_FIELD_TYPE', 'code must be the JavaScript source of the contract.');
    const bytes = utf8(raw.code).length;
    if (bytes > limits.contractCodeBytesMax)
      throw botError(
        'TOO_LARGE',
        `The code is ${bytes} bytes; the limit is ${limits.contractCodeBytesMax}.`,
      );
  },
};

const call = {
  check(raw: unknown) {
    if (!isPlainObject(raw))
      throw botError(
        'MALFORMED',
        'A contract.call body must be a map { contract, method, args, device? }.',
      );
    onlyFields(raw, ['contract', 'method', 'args', 'device'], 'contract.call');
    checkContractName(raw.contract);
    checkMethodName(raw.method);
    if (!('args' in raw))
      throw botError('MISSING_FIELD', 'The body has no "args" (use null for none).');
    checkJsonValue(raw.args, 'args');
    const bytes = utf8(JSON.stringify(raw.args)).length;
    if (bytes > limits.contractArgsBytesMax)
      throw botError(
        'TOO_LARGE',
        `The arguments are ${bytes} bytes of JSON; the limit is ${limits.contractArgsBytesMax}.`,
      );
    if ('device' in raw && raw.device !== true)
      throw botError(
        'BAD_FIELD_TYPE',
        'device is true (the caller is a registered device) or absent.',
      );
  },
};

/** Stateless body rules of the contract transaction types (merged into txBodyRules). */
export const contractBodyRules: Record<
  (typeof contractTxTypes)[number],
  { check(body: unknown): void }
> = {
  'contract.deploy': deploy,
  'contract.call': call,
};

// ---- stateful checks and effects -------------------------------------------------------------

/** Working copy for one block. */
export interface ContractOverlay {
  readonly base: ContractRegistry;
  readonly runtime: ContractRuntime | undefined;
  readonly contracts: Map<string, ContractRecord>;
  /** "<name>/<key>" -> JSON text, or null for a deletion. */
  readonly state: Map<string, string | null>;
  readonly calls: Map<string, ContractCallRecord[]>;
  /** State keys per contract after this block's writes so far (only contracts written to). */
  readonly keyCounts: Map<string, number>;
  /** Execution steps this block's deploys and calls have used so far (limits.blockContractStepsMax). */
  stepsUsed: number;
}

export function contractOverlayOf(
  registry: ContractRegistry,
  runtime: ContractRuntime | undefined,
): ContractOverlay {
  return {
    base: registry,
    runtime,
    contracts: new Map(),
    state: new Map(),
    calls: new Map(),
    keyCounts: new Map(),
    stepsUsed: 0,
  };
}

function contractIn(overlay: ContractOverlay, name: string): ContractRecord | undefined {
  return overlay.contracts.get(name) ?? overlay.base.contracts.get(name);
}

function stateIn(overlay: ContractOverlay, full: string): string | null {
  const changed = overlay.state.get(full);
  if (changed !== undefined) return changed;
  return overlay.base.state.get(full) ?? null;
}

function keyCountOf(overlay: ContractOverlay, name: string): number {
  const known = overlay.keyCounts.get(name);
  if (known !== undefined) return known;
  let n = 0;
  const prefix = name + '/';
  for (const key of overlay.base.state.keys()) if (key.startsWith(prefix)) n++;
  return n;
}

/** A key inside the contract's own state: relative, no "..", no control characters. */
export function checkContractKey(key: unknown): string {
  if (typeof key !== 'string') throw botError('BAD_KEY', 'A contract state key is text.');
  const bytes = utf8(key).length;
  if (bytes === 0 || bytes > limits.contractKeyBytesMax)
    throw botError('BAD_KEY', `A contract state key has 1 to ${limits.contractKeyBytesMax} bytes.`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(key))
    throw botError('BAD_KEY', 'A contract state key must not contain control characters.');
  if (key.startsWith('/') || key.split('/').includes('..'))
    throw botError(
      'BAD_KEY',
      `The key "${key}" points outside the contract's own state; a contract writes only its own keys.`,
    );
  return key;
}

function checkJsonText(json: unknown, what: string, bytesMax: number): string {
  if (typeof json !== 'string') throw botError('BAD_FIELD_TYPE', `${what} must be a JSON value.`);
  const bytes = utf8(json).length;
  if (bytes > bytesMax)
    throw botError('TOO_LARGE', `${what} is ${bytes} bytes of JSON; the limit is ${bytesMax}.`);
  return json;
}

/** The device record of the caller, when it is a registered device. */
export type DeviceLookup = (did: string) => DeviceRecord | undefined;

export function isContractTx(tx: { type: string }): boolean {
  return (contractTxTypes as readonly string[]).includes(tx.type);
}

/** Stateful check and effect of one contract transaction on the block's overlay; null when applied. */
export function applyContractTx(
  overlay: ContractOverlay,
  tx: Tx,
  txId: string,
  height: number,
  blockTime: number,
  deviceOf: DeviceLookup,
): BotError | null {
  if (tx.type === 'contract.deploy') return applyDeploy(overlay, tx, txId, height);
  if (tx.type === 'contract.call') return applyCall(overlay, tx, txId, height, blockTime, deviceOf);
  return null;
}

function noRuntime(): BotError {
  return botError('NOT_READY', 'This peer has no contract engine loaded; it cannot run contracts.');
}

function applyDeploy(
  overlay: ContractOverlay,
  tx: Tx,
  txId: string,
  height: number,
): BotError | null {
  const body = tx.body as { name: string; code: string };
  if (contractIn(overlay, body.name))
    return botError(
      'BAD_REQUEST',
      `A contract named "${body.name}" is already deployed on this chain.`,
    );
  if (overlay.base.contracts.size + overlay.contracts.size >= limits.contractCountMax)
    return botError('TOO_LARGE', `This chain already has ${limits.contractCountMax} contracts.`);
  if (!overlay.runtime) return noRuntime();
  const checked = overlay.runtime.check(body.code);
  overlay.stepsUsed += overlay.runtime.lastRunSteps;
  if (!checked.ok) return checked.error;
  overlay.contracts.set(body.name, {
    name: body.name,
    code: body.code,
    methods: checked.methods,
    owner: tx.from,
    height,
    tx: txId,
    time: tx.time,
  });
  return null;
}

function applyCall(
  overlay: ContractOverlay,
  tx: Tx,
  txId: string,
  height: number,
  blockTime: number,
  deviceOf: DeviceLookup,
): BotError | null {
  const body = tx.body as { contract: string; method: string; args: JsonValue; device?: true };
  const contract = contractIn(overlay, body.contract);
  if (!contract)
    return botError('NOT_FOUND', `No contract named "${body.contract}" is deployed on this chain.`);
  if (!contract.methods.includes(body.method))
    return botError(
      'NOT_FOUND',
      `The contract "${contract.name}" has no method "${body.method}"; it offers ${contract.methods.join(', ')}.`,
    );
  const device = deviceOf(tx.from);
  if (body.device) {
    if (!device)
      return botError(
        'UNAUTHORIZED',
        'Only a registered device may call as a device; register it first.',
      );
    if (device.status === 'retired')
      return botError(
        'UNAUTHORIZED',
        `The device "${device.name || device.id}" is retired and may not call contracts.`,
      );
  }
  if (!overlay.runtime) return noRuntime();
  const name = contract.name;
  // Writes of this call only; merged into the overlay when the call returns normally.
  const writes = new Map<string, string | null>();
  const events: string[] = [];
  let fatal: BotError | null = null;
  const fail = (error: BotError): never => {
    fatal ??= error;
    throw error;
  };
  const host: ContractHostCalls = {
    get(key) {
      const k = name + '/' + checkKeyOr(key, fail);
      const mine = writes.get(k);
      return mine !== undefined ? mine : stateIn(overlay, k);
    },
    put(key, json) {
      const k = name + '/' + checkKeyOr(key, fail);
      if (json !== null) {
        try {
          checkJsonText(json, 'A state value', limits.contractValueBytesMax);
        } catch (error) {
          fail(error as BotError);
        }
      }
      if (!writes.has(k) && writes.size >= limits.contractWritesPerCallMax)
        fail(
          botError(
            'TOO_LARGE',
            `A call may write at most ${limits.contractWritesPerCallMax} keys.`,
          ),
        );
      writes.set(k, json);
    },
    emit(json) {
      if (events.length >= limits.contractEventsPerCallMax)
        fail(
          botError(
            'TOO_LARGE',
            `A call may emit at most ${limits.contractEventsPerCallMax} events.`,
          ),
        );
      try {
        checkJsonText(json, 'An event', limits.contractEventBytesMax);
      } catch (error) {
        fail(error as BotError);
      }
      events.push(json);
    },
  };
  const ctx: ContractContext = {
    contract: name,
    caller: tx.from,
    device:
      device && device.status !== 'retired'
        ? {
            did: device.did,
            kind: device.kind,
            owner: device.owner,
            gateway: device.gateway,
            capabilities: [...device.capabilities],
          }
        : null,
    height,
    time: blockTime,
    txId,
  };
  const outcome = overlay.runtime.call(
    contract.code,
    body.method,
    JSON.stringify(body.args),
    ctx,
    host,
  );
  overlay.stepsUsed += overlay.runtime.lastRunSteps;
  if (fatal) return fatal;
  if (!outcome.ok) return outcome.error;
  let result: JsonValue;
  try {
    result = JSON.parse(
      checkJsonText(outcome.resultJson, 'The result', limits.contractValueBytesMax),
    ) as JsonValue;
  } catch (error) {
    return error instanceof BotError
      ? error
      : botError('CONTRACT_FAILED', 'The contract returned a value that is not JSON.');
  }
  // Key count bound, after the call: new keys minus deleted ones.
  let count = keyCountOf(overlay, name);
  for (const [k, json] of writes) {
    const before = stateIn(overlay, k) !== null;
    if (json !== null && !before) count++;
    if (json === null && before) count--;
  }
  if (count > limits.contractStateKeysMax)
    return botError(
      'TOO_LARGE',
      `The contract would hold more than ${limits.contractStateKeysMax} state keys.`,
    );
  for (const [k, json] of writes) overlay.state.set(k, json);
  overlay.keyCounts.set(name, count);
  const list = overlay.calls.get(name) ?? [];
  list.push({
    tx: txId,
    height,
    caller: tx.from,
    device: body.device === true,
    method: body.method,
    result,
    events: events.map((e) => JSON.parse(e) as JsonValue),
  });
  overlay.calls.set(name, list);
  return null;
}

function checkKeyOr(key: string, fail: (error: BotError) => never): string {
  try {
    return checkContractKey(key);
  } catch (error) {
    return fail(error as BotError);
  }
}

/** After the block's transactions: write what changed and return the registry for the next block. */
export function finishContracts(
  overlay: ContractOverlay,
  height: number,
  writes: Map<string, Uint8Array>,
): ContractRegistry {
  if (overlay.contracts.size === 0 && overlay.state.size === 0 && overlay.calls.size === 0)
    return overlay.base;
  for (const [name, record] of overlay.contracts) writes.set(contractPrefix + name, encode(record));
  for (const [k, json] of overlay.state)
    writes.set(
      contractStatePrefix + k,
      encode(json === null ? { d: true, h: height } : { j: json, h: height }),
    );
  for (const [name, list] of overlay.calls)
    writes.set(contractCallsPrefix + name, encode({ h: height, c: list }));
  const contracts = overlay.contracts.size
    ? new Map([...overlay.base.contracts, ...overlay.contracts])
    : overlay.base.contracts;
  let state = overlay.base.state;
  if (overlay.state.size) {
    const next = new Map(overlay.base.state);
    for (const [k, json] of overlay.state) {
      if (json === null) next.delete(k);
      else next.set(k, json);
    }
    state = next;
  }
  return { contracts, state };
}

// ---- decoding stored entries -----------------------------------------------------------------

export function decodeContractRecord(bytes: Uint8Array): ContractRecord {
  return decode<ContractRecord>(bytes, limits.contractCodeBytesMax + 4096);
}

/** The calls one block made to one contract. */
export function decodeContractCalls(bytes: Uint8Array): ContractCallRecord[] {
  return decode<{ h: number; c: ContractCallRecord[] }>(bytes, limits.blockBytesMax).c;
}

/** A stored state value: JSON text, or null for a deletion. */
export function decodeContractState(bytes: Uint8Array): string | null {
  const raw = decode<{ j?: string; d?: boolean }>(bytes, limits.contractValueBytesMax + 256);
  return raw.d ? null : (raw.j ?? null);
}

/** Rebuild the registry from stored entries (ct/contract/ and ct/state/; others are ignored). */
export function contractsFromEntries(
  entries: Iterable<readonly [string, Uint8Array]>,
): ContractRegistry {
  const contracts = new Map<string, ContractRecord>();
  const state = new Map<string, string>();
  for (const [key, bytes] of entries) {
    if (key.startsWith(contractPrefix))
      contracts.set(key.slice(contractPrefix.length), decodeContractRecord(bytes));
    else if (key.startsWith(contractStatePrefix)) {
      const json = decodeContractState(bytes);
      if (json !== null) state.set(key.slice(contractStatePrefix.length), json);
    }
  }
  return { contracts, state };
}
