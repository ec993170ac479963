// Decoding stored contract entries and rebuilding the registry at load.
import { decode } from '../../codec';
import * as limits from '../../limits';
import {
  contractPrefix,
  contractStatePrefix,
  contractTriggerPrefix,
  type TriggerFailure,
  type TriggerRecord,
  type ContractCallRecord,
  type ContractRecord,
  type ContractRegistry,
} from './types';

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

/** A stored trigger record, or null when it was dropped. */
export function decodeTrigger(bytes: Uint8Array): TriggerRecord | null {
  const raw = decode<TriggerRecord | { d: true }>(bytes, limits.contractArgsBytesMax + 8192);
  return 'd' in raw ? null : raw;
}

/** The failed trigger runs of one block (ct/trigger-failed/<height>). */
export function decodeTriggerFailures(bytes: Uint8Array): TriggerFailure[] {
  return decode<{ f: TriggerFailure[] }>(bytes, limits.blockBytesMax).f;
}

/** Rebuild the registry from stored entries (ct/contract/, ct/state/, ct/trigger/; others are ignored). */
export function contractsFromEntries(
  entries: Iterable<readonly [string, Uint8Array]>,
): ContractRegistry {
  const contracts = new Map<string, ContractRecord>();
  const state = new Map<string, string>();
  const triggers = new Map<string, TriggerRecord>();
  for (const [key, bytes] of entries) {
    if (key.startsWith(contractTriggerPrefix)) {
      const record = decodeTrigger(bytes);
      if (record) triggers.set(record.id, record);
      continue;
    }
    if (key.startsWith(contractPrefix))
      contracts.set(key.slice(contractPrefix.length), decodeContractRecord(bytes));
    else if (key.startsWith(contractStatePrefix)) {
      const json = decodeContractState(bytes);
      if (json !== null) state.set(key.slice(contractStatePrefix.length), json);
    }
  }
  return { contracts, state, triggers };
}
