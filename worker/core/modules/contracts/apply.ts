// Stateful checks and effects of the contract transactions on a block's overlay, and the
// writes at the end of the block.
import { encode } from '../../codec';
import { toHex, utf8 } from '../../bytes';
import { sha256 } from '../../crypto/hash';
import { botError, BotError } from '../../errors';
import type { Tx } from '../../tx-shape';
import type { DeviceRecord } from '../devices';
import type { ProposalRecord } from '../governance';
import { contractAccount, isDidKey, checkAmount, type TokenJournal } from '../tokens';
import * as limits from '../../limits';
import type { JsonValue } from '../../body';
import {
  contractCallsPrefix,
  contractPrefix,
  contractStatePrefix,
  contractTriggerFailedPrefix,
  contractTriggerPrefix,
  type TriggerFailure,
  type TriggerRecord,
  type ContractCallRecord,
  type ContractContext,
  type ContractHostCalls,
  type ContractRecord,
  type ContractRegistry,
  type ContractRuntime,
  type ContractVersion,
} from './types';

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
  /** Triggers this block scheduled, ran, ended (a record) or dropped (null): ./triggers.ts. */
  readonly triggers: Map<string, TriggerRecord | null>;
  /** The trigger runs that failed in this block. */
  readonly triggerFailures: TriggerFailure[];
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
    triggers: new Map(),
    triggerFailures: [],
  };
}

export function contractIn(overlay: ContractOverlay, name: string): ContractRecord | undefined {
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

/**
 * Who may upgrade, retire, schedule or cancel a trigger of a contract: null when `from` may, else
 * the refusal (the chain's policy contracts.managedBy, judged on the state before the block).
 */
export type ManagerCheck = (
  record: ContractRecord,
  from: string,
  action: 'upgrade' | 'retire' | 'schedule' | 'unschedule',
) => BotError | null;

/** A governance proposal as the block sees it (for contract.upgrade / .retire { proposal }). */
export type ProposalLookup = (id: string) => ProposalRecord | undefined;

/** Stateful check and effect of one contract transaction on the block's overlay; null when applied. */
export function applyContractTx(
  overlay: ContractOverlay,
  tx: Tx,
  txId: string,
  height: number,
  blockTime: number,
  deviceOf: DeviceLookup,
  tokens: () => TokenJournal,
  manager: ManagerCheck = (record, from) =>
    record.owner === from ? null : botError('UNAUTHORIZED', 'Only the deployer manages it.'),
  proposalOf: ProposalLookup = () => undefined,
): BotError | null {
  if (tx.type === 'contract.deploy') return applyDeploy(overlay, tx, txId, height);
  if (tx.type === 'contract.upgrade' || tx.type === 'contract.retire')
    return applyManage(overlay, tx, txId, height, manager, proposalOf);
  if (tx.type === 'contract.call')
    return applyCall(overlay, tx, txId, height, blockTime, deviceOf, tokens);
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

const codeHashOf = (code: string) => toHex(sha256(utf8(code)));

/** The versions of a record (a record from before upgrades existed has only its first). */
export function versionsOf(record: ContractRecord): ContractVersion[] {
  return (
    record.versions ?? [
      {
        version: 1,
        height: record.height,
        tx: record.tx,
        by: record.owner,
        codeHash: codeHashOf(record.code),
        methods: record.methods,
      },
    ]
  );
}

function applyManage(
  overlay: ContractOverlay,
  tx: Tx,
  txId: string,
  height: number,
  manager: ManagerCheck,
  proposalOf: ProposalLookup,
): BotError | null {
  const body = tx.body as { name: string; code?: string; note?: string; proposal?: string };
  const action = tx.type === 'contract.retire' ? 'retire' : 'upgrade';
  const record = contractIn(overlay, body.name);
  if (!record)
    return botError('NOT_FOUND', `No contract named "${body.name}" is deployed on this chain.`);
  // With a proposal the vote decided: anyone carries it out, once; else the managers decide.
  const refused =
    body.proposal === undefined
      ? null
      : votedChange(record, action, body.proposal, body.code, proposalOf(body.proposal));
  if (refused) return refused;
  if (record.retired)
    return botError(
      'BAD_REQUEST',
      `The contract "${body.name}" was retired in block ${record.retired.height}; it takes no upgrade or retirement.`,
    );
  if (body.proposal === undefined) {
    const notManager = manager(record, tx.from, action);
    if (notManager) return notManager;
  }
  const voted = body.proposal === undefined ? {} : { proposal: body.proposal };
  if (tx.type === 'contract.retire') {
    overlay.contracts.set(body.name, {
      ...record,
      retired: { height, by: tx.from, note: body.note!, tx: txId, ...voted },
    });
    return null;
  }
  const versions = versionsOf(record);
  if (versions.length >= limits.contractVersionsMax)
    return botError(
      'TOO_LARGE',
      `The contract "${body.name}" has ${limits.contractVersionsMax} versions, the limit (contractVersionsMax).`,
    );
  if (!overlay.runtime) return noRuntime();
  const checked = overlay.runtime.check(body.code!);
  overlay.stepsUsed += overlay.runtime.lastRunSteps;
  if (!checked.ok) return checked.error;
  const version = (record.version ?? 1) + 1;
  overlay.contracts.set(body.name, {
    ...record,
    code: body.code!,
    methods: checked.methods,
    version,
    versions: [
      ...versions,
      {
        version,
        height,
        tx: txId,
        by: tx.from,
        codeHash: codeHashOf(body.code!),
        methods: checked.methods,
        ...voted,
      },
    ],
  });
  return null;
}

/** Null when `proposal` is a passed, applied, not yet carried out change of this contract. */
function votedChange(
  record: ContractRecord,
  action: 'upgrade' | 'retire',
  id: string,
  code: string | undefined,
  proposal: ProposalRecord | undefined,
): BotError | null {
  const change = proposal?.change;
  if (!proposal || change?.kind !== 'contract')
    return botError('NOT_FOUND', `There is no contract proposal ${id}.`);
  if (change.name !== record.name || change.action !== action)
    return botError(
      'BAD_REQUEST',
      `Proposal ${id} is to ${change.action} the contract "${change.name}", not to ${action} "${record.name}".`,
    );
  if (!proposal.applied)
    return botError(
      'BAD_REQUEST',
      'This contract proposal has not passed, or its height has not come yet.',
    );
  if (
    record.retired?.proposal === id ||
    versionsOf(record).some((version) => version.proposal === id)
  )
    return botError('BAD_REQUEST', `Contract proposal ${id} was already carried out.`);
  if (action === 'upgrade' && codeHashOf(code!) !== change.codeHash)
    return botError(
      'BAD_REQUEST',
      `The code's SHA-256 is ${codeHashOf(code!)}; proposal ${id} voted for ${change.codeHash}.`,
    );
  return null;
}

function applyCall(
  overlay: ContractOverlay,
  tx: Tx,
  txId: string,
  height: number,
  blockTime: number,
  deviceOf: DeviceLookup,
  tokens: () => TokenJournal,
): BotError | null {
  const body = tx.body as {
    contract: string;
    method: string;
    args: JsonValue;
    device?: true;
    pay?: number;
  };
  const contract = contractIn(overlay, body.contract);
  if (!contract)
    return botError('NOT_FOUND', `No contract named "${body.contract}" is deployed on this chain.`);
  if (contract.retired)
    return botError(
      'BAD_REQUEST',
      `The contract "${contract.name}" was retired in block ${contract.retired.height} (${contract.retired.note}); it takes no calls, its state stays readable.`,
    );
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
  const account = contractAccount(contract.name);
  // Token moves of this call only (its payment in, its ctx.transfer calls): committed with its
  // writes when it returns normally, dropped otherwise.
  const journal = tokens();
  const paid = body.pay ?? 0;
  if (paid > 0) {
    try {
      journal.pay(tx.from, account, paid, txId, { who: 'You hold' });
    } catch (error) {
      return error as BotError;
    }
  }
  const ran = runContractMethod(overlay, {
    contract,
    method: body.method,
    argsJson: JSON.stringify(body.args),
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
    txId,
    height,
    blockTime,
    journal,
    paid,
  });
  if (ran instanceof BotError) return ran;
  pushCall(overlay, contract.name, {
    tx: txId,
    height,
    caller: tx.from,
    device: body.device === true,
    method: body.method,
    ...(paid > 0 ? { paid } : {}),
    result: ran.result,
    events: ran.events,
  });
  return null;
}

/** Record a call (or a trigger's run) in the block's list of the contract's calls. */
export function pushCall(overlay: ContractOverlay, name: string, call: ContractCallRecord): void {
  const list = overlay.calls.get(name) ?? [];
  list.push(call);
  overlay.calls.set(name, list);
}

/** One run of a contract's method: by a call, or by a trigger (./triggers.ts). */
export interface ContractRun {
  contract: ContractRecord;
  method: string;
  argsJson: string;
  caller: string;
  device: ContractContext['device'];
  /** The call's transaction, or the trigger's id. */
  txId: string;
  height: number;
  blockTime: number;
  /** Its token moves (a payment in may already be in it): committed only when the run succeeds. */
  journal: TokenJournal;
  paid: number;
  /** The trigger that runs it (ctx.trigger). */
  trigger?: string;
}

/**
 * Run a method in the sandbox against the block's overlay: its writes, token moves and steps
 * are kept when it returns normally; otherwise nothing but the steps it used. The runtime must
 * be loaded.
 */
export function runContractMethod(
  overlay: ContractOverlay,
  run: ContractRun,
): BotError | { result: JsonValue; events: JsonValue[] } {
  const runtime = overlay.runtime!;
  const { contract, journal, txId } = run;
  const name = contract.name;
  const account = contractAccount(name);
  let transfers = 0;
  // Writes of this call only; merged into the overlay when the call returns normally.
  const writes = new Map<string, string | null>();
  const events: string[] = [];
  let fatal: BotError | null = null;
  const fail = (error: BotError): never => {
    fatal ??= error;
    throw error;
  };
  const tokenCalls: Pick<ContractHostCalls, 'balance' | 'transfer'> = journal.hasTokens
    ? {
        balance(of) {
          return journal.balance(of ?? account);
        },
        transfer(to: string, amount) {
          try {
            const other = to.startsWith('contract:') ? contractIn(overlay, to.slice(9)) : undefined;
            if (!isDidKey(to) && !other)
              throw botError(
                'BAD_FIELD_TYPE',
                `ctx.transfer pays a did:key or "contract:<name>" of a deployed contract, not "${String(to).slice(0, 80)}".`,
              );
            if (to === account)
              throw botError('BAD_REQUEST', 'A contract cannot pay its own account.');
            checkAmount(amount, 'The amount of ctx.transfer');
            if (++transfers > limits.contractTransfersPerCallMax)
              throw botError(
                'TOO_LARGE',
                `A call may make at most ${limits.contractTransfersPerCallMax} transfers.`,
              );
            journal.pay(account, to, amount, txId, { who: `The contract "${name}" holds` });
          } catch (error) {
            fail(error as BotError);
          }
        },
      }
    : {};
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
    ...tokenCalls,
  };
  const ctx: ContractContext = {
    contract: name,
    caller: run.caller,
    device: run.device,
    height: run.height,
    time: run.blockTime,
    txId,
    paid: run.paid,
    account,
    ...(run.trigger ? { trigger: run.trigger } : {}),
  };
  const outcome = runtime.call(contract.code, run.method, run.argsJson, ctx, host);
  overlay.stepsUsed += runtime.lastRunSteps;
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
  journal.commit();
  return { result, events: events.map((e) => JSON.parse(e) as JsonValue) };
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
  if (
    overlay.contracts.size === 0 &&
    overlay.state.size === 0 &&
    overlay.calls.size === 0 &&
    overlay.triggers.size === 0
  )
    return overlay.base;
  for (const [id, record] of overlay.triggers)
    writes.set(contractTriggerPrefix + id, encode(record ?? { d: true, h: height }));
  if (overlay.triggerFailures.length)
    writes.set(
      contractTriggerFailedPrefix + height,
      encode({ h: height, f: overlay.triggerFailures }),
    );
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
  let triggers = overlay.base.triggers ?? new Map<string, TriggerRecord>();
  if (overlay.triggers.size) {
    const next = new Map(triggers);
    for (const [id, record] of overlay.triggers) {
      if (record) next.set(id, record);
      else next.delete(id);
    }
    triggers = next;
  }
  return { contracts, state, triggers };
}
