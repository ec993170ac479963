// Scheduled triggers (r-7.2-b, R-7.2.1-a, R-7.2.4-f; issue 17): a contract acts without a caller.
//   contract.schedule { contract, method, args, at?, every?, count? }
//       `at` alone: one run at that height; `every` alone: every `every` blocks from the next
//       one's height + every; both: from `at`, then every `every` blocks; `count`: at most that
//       many runs (only with `every`). By the contract's managers (as upgrade and retire).
//   contract.unschedule { trigger }   cancel it; by the contract's managers.
// Runs happen at the start of a block, before its transactions, on every peer alike: the live
// triggers whose next height has come, oldest due first (then by id), at most
// limits.blockTriggersMax of them and while the block's contract steps are under
// limits.blockTriggerStepsMax; the rest wait for the next block (never dropped). A run is a call
// of the method by the trigger (ctx.caller: who scheduled it, ctx.trigger: its id) with no
// payment in; it may move the contract's own tokens as a call does. Its outcome (ok and its
// result, or the error) is kept on the trigger record, a successful run is listed with the
// contract's calls, and a failed run is listed under ct/trigger-failed/<height> for the
// managers' notifications. After a run the next height is the block's height + every; a trigger
// whose runs are used ends ("done"); retiring the contract ends its triggers ("retired").
import { botError, type BotError } from '../../errors';
import * as limits from '../../limits';
import { checkJsonValue, isPlainObject, onlyFields, type JsonValue } from '../../body';
import { utf8 } from '../../bytes';
import type { Tx } from '../../tx-shape';
import type { TokenJournal } from '../tokens';
import {
  contractIn,
  pushCall,
  runContractMethod,
  type ContractOverlay,
  type ManagerCheck,
} from './apply';
import type { ContractRegistry, TriggerOutcome, TriggerRecord } from './types';

const isCount = (value: unknown, max: number): value is number =>
  typeof value === 'number' && Number.isSafeInteger(value) && value >= 1 && value <= max;

/** Body rules of contract.schedule (the name and method rules are the call's). */
export function checkScheduleBody(
  raw: unknown,
  checkName: (v: unknown) => void,
  checkMethod: (v: unknown) => void,
): void {
  if (!isPlainObject(raw))
    throw botError(
      'MALFORMED',
      'A contract.schedule body must be a map { contract, method, args, at?, every?, count? }.',
    );
  onlyFields(raw, ['contract', 'method', 'args', 'at', 'every', 'count'], 'contract.schedule');
  checkName(raw.contract);
  checkMethod(raw.method);
  if (!('args' in raw))
    throw botError('MISSING_FIELD', 'The body has no "args" (use null for none).');
  checkJsonValue(raw.args, 'args');
  const bytes = utf8(JSON.stringify(raw.args)).length;
  if (bytes > limits.contractArgsBytesMax)
    throw botError(
      'TOO_LARGE',
      `The arguments are ${bytes} bytes of JSON; the limit is ${limits.contractArgsBytesMax}.`,
    );
  if (raw.at === undefined && raw.every === undefined)
    throw botError(
      'MISSING_FIELD',
      'A trigger runs at a height (at), every n blocks (every), or both.',
    );
  if (raw.at !== undefined && !isCount(raw.at, Number.MAX_SAFE_INTEGER))
    throw botError('BAD_FIELD_TYPE', 'at is a whole block height of 1 or more.');
  if (raw.every !== undefined && !isCount(raw.every, limits.triggerEveryMax))
    throw botError(
      'BAD_FIELD_TYPE',
      `every is a whole number of blocks from 1 to ${limits.triggerEveryMax} (triggerEveryMax).`,
    );
  if (raw.count !== undefined) {
    if (raw.every === undefined)
      throw botError(
        'BAD_FIELD_TYPE',
        'count is given with every (a trigger at one height runs once).',
      );
    if (!isCount(raw.count, limits.triggerCountMax))
      throw botError(
        'BAD_FIELD_TYPE',
        `count is a whole number of runs from 1 to ${limits.triggerCountMax} (triggerCountMax).`,
      );
  }
}

export function checkUnscheduleBody(raw: unknown): void {
  if (!isPlainObject(raw))
    throw botError('MALFORMED', 'A contract.unschedule body must be a map { trigger }.');
  onlyFields(raw, ['trigger'], 'contract.unschedule');
  if (typeof raw.trigger !== 'string' || !/^[0-9a-f]{64}$/.test(raw.trigger))
    throw botError(
      'BAD_FIELD_TYPE',
      'trigger is the id (64 hex digits) of the contract.schedule transaction.',
    );
}

export function triggerIn(overlay: ContractOverlay, id: string): TriggerRecord | undefined {
  const changed = overlay.triggers.get(id);
  if (changed !== undefined) return changed ?? undefined;
  return overlay.base.triggers?.get(id);
}

/** Every trigger as the block sees it so far (base plus this block's changes), by id. */
function triggersNow(overlay: ContractOverlay): Map<string, TriggerRecord> {
  const all = new Map(overlay.base.triggers ?? []);
  for (const [id, record] of overlay.triggers) {
    if (record) all.set(id, record);
    else all.delete(id);
  }
  return all;
}

export function applySchedule(
  overlay: ContractOverlay,
  tx: Tx,
  txId: string,
  height: number,
  manager: ManagerCheck,
): BotError | null {
  const body = tx.body as {
    contract: string;
    method: string;
    args: JsonValue;
    at?: number;
    every?: number;
    count?: number;
  };
  const contract = contractIn(overlay, body.contract);
  if (!contract)
    return botError('NOT_FOUND', `No contract named "${body.contract}" is deployed on this chain.`);
  if (contract.retired)
    return botError(
      'BAD_REQUEST',
      `The contract "${contract.name}" was retired in block ${contract.retired.height}; it takes no triggers.`,
    );
  if (!contract.methods.includes(body.method))
    return botError(
      'NOT_FOUND',
      `The contract "${contract.name}" has no method "${body.method}"; it offers ${contract.methods.join(', ')}.`,
    );
  const refused = manager(contract, tx.from, 'schedule');
  if (refused) return refused;
  if (body.at !== undefined && body.at <= height)
    return botError(
      'BAD_REQUEST',
      `The height ${body.at} has passed: this block is ${height}; a trigger starts at a later height.`,
    );
  if (body.at !== undefined && body.at > height + limits.triggerEveryMax)
    return botError(
      'BAD_REQUEST',
      `A trigger starts within ${limits.triggerEveryMax} blocks (triggerEveryMax), not at ${body.at}.`,
    );
  const all = triggersNow(overlay);
  const mine = [...all.values()].filter((t) => t.contract === contract.name);
  const live = mine.filter((t) => !t.ended);
  if (live.length >= limits.triggersPerContractMax)
    return botError(
      'TOO_LARGE',
      `The contract "${contract.name}" has ${limits.triggersPerContractMax} live triggers, the limit (triggersPerContractMax); cancel one first.`,
    );
  if ([...all.values()].filter((t) => !t.ended).length >= limits.triggersMax)
    return botError(
      'TOO_LARGE',
      `This chain has ${limits.triggersMax} live triggers, the limit (triggersMax).`,
    );
  if (mine.length >= limits.triggersPerContractMax) {
    // the oldest ended record makes room (its runs stay in the contract's call history)
    const oldest = mine
      .filter((t) => t.ended)
      .sort((a, b) => a.ended!.height - b.ended!.height || (a.id < b.id ? -1 : 1))[0]!;
    overlay.triggers.set(oldest.id, null);
  }
  const every = body.every ?? 0;
  overlay.triggers.set(txId, {
    id: txId,
    contract: contract.name,
    method: body.method,
    args: body.args,
    by: tx.from,
    height,
    next: body.at ?? height + every,
    every,
    left: every === 0 ? 1 : (body.count ?? null),
    runs: 0,
    last: null,
    ended: null,
  });
  return null;
}

export function applyUnschedule(
  overlay: ContractOverlay,
  tx: Tx,
  height: number,
  manager: ManagerCheck,
): BotError | null {
  const { trigger } = tx.body as { trigger: string };
  const record = triggerIn(overlay, trigger);
  if (!record) return botError('NOT_FOUND', `There is no trigger ${trigger} on this chain.`);
  if (record.ended)
    return botError(
      'BAD_REQUEST',
      `The trigger ${trigger.slice(0, 12)}… ended in block ${record.ended.height} (${record.ended.reason}).`,
    );
  const contract = contractIn(overlay, record.contract)!;
  const refused = manager(contract, tx.from, 'unschedule');
  if (refused) return refused;
  overlay.triggers.set(trigger, {
    ...record,
    ended: { height, reason: 'cancelled', by: tx.from },
  });
  return null;
}

/** A retired contract's live triggers end with it. */
export function endTriggersOf(overlay: ContractOverlay, contract: string, height: number): void {
  for (const record of triggersNow(overlay).values())
    if (record.contract === contract && !record.ended)
      overlay.triggers.set(record.id, { ...record, ended: { height, reason: 'retired' } });
}

/** The live triggers due at `height` (next <= height), in the order they run. */
export function dueTriggers(triggers: Iterable<TriggerRecord>, height: number): TriggerRecord[] {
  const due: TriggerRecord[] = [];
  for (const t of triggers) if (!t.ended && t.next <= height) due.push(t);
  return due.sort((a, b) => a.next - b.next || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** Whether a trigger is due in the block after `registry`'s head at `headHeight` (engines start a block for it). */
export function triggerDueAfter(
  registry: ContractRegistry | undefined,
  headHeight: number,
): boolean {
  for (const t of registry?.triggers?.values() ?? [])
    if (!t.ended && t.next <= headHeight + 1) return true;
  return false;
}

/**
 * Run the triggers due in block `height`, before its transactions (see the header). Throws
 * NOT_READY when one is due and this peer has no contract engine (it cannot judge the block).
 */
export function runDueTriggers(
  overlay: ContractOverlay,
  height: number,
  blockTime: number,
  tokens: () => TokenJournal,
): void {
  const due = dueTriggers(triggersNow(overlay).values(), height);
  if (due.length === 0) return;
  if (!overlay.runtime)
    throw botError('NOT_READY', 'This peer has no contract engine loaded; it cannot run triggers.');
  let ran = 0;
  for (const trigger of due) {
    if (ran >= limits.blockTriggersMax || overlay.stepsUsed >= limits.blockTriggerStepsMax) break;
    ran++;
    const contract = contractIn(overlay, trigger.contract)!;
    let outcome: TriggerOutcome;
    if (!contract.methods.includes(trigger.method)) {
      outcome = {
        height,
        ok: false,
        code: 'NOT_FOUND',
        message: `The contract "${contract.name}" (version ${contract.version ?? 1}) has no method "${trigger.method}".`,
      };
    } else {
      const result = runContractMethod(overlay, {
        contract,
        method: trigger.method,
        argsJson: JSON.stringify(trigger.args),
        caller: trigger.by,
        device: null,
        txId: trigger.id,
        height,
        blockTime,
        journal: tokens(),
        paid: 0,
        trigger: trigger.id,
      });
      if ('result' in result) {
        outcome = { height, ok: true, result: result.result, events: result.events.length };
        pushCall(overlay, contract.name, {
          tx: trigger.id,
          height,
          caller: trigger.by,
          device: false,
          method: trigger.method,
          trigger: trigger.id,
          result: result.result,
          events: result.events,
        });
      } else outcome = { height, ok: false, code: result.code, message: result.message };
    }
    if (!outcome.ok)
      overlay.triggerFailures.push({
        trigger: trigger.id,
        contract: contract.name,
        by: trigger.by,
        owner: contract.owner,
        method: trigger.method,
        code: outcome.code!,
        message: outcome.message!,
      });
    const left = trigger.left === null ? null : trigger.left - 1;
    const done = left === 0 || trigger.every === 0;
    overlay.triggers.set(trigger.id, {
      ...trigger,
      next: done ? trigger.next : height + trigger.every,
      left,
      runs: trigger.runs + 1,
      last: outcome,
      ended: done ? { height, reason: 'done' } : null,
    });
  }
}
