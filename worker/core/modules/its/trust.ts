// The ITS module's side of the trust contract (./trust-contract.ts): when a chain names a
// contract (Genesis.its.contract, or the policy its.contract), the plausibility of every
// observation and the corroboration of every settlement are that contract's verdicts, run in the
// block's contract sandbox like any call (same code, inputs and state: the same verdict on every
// peer; its steps count toward the block's contract budget). The contract must be deployed by
// one of the chain's ITS providers, and live; otherwise an observation or a settlement fails
// with a plain reason.
import { BotError, botError } from '../../errors';
import type { JsonValue } from '../../body';
import { contractIn, runContractMethod, type ContractOverlay } from '../contracts/apply';
import type { TokenJournal } from '../tokens';
import { itsContractCaller } from './trust-contract';
import type { RejectionReason } from './types';

export interface TrustCallContext {
  contracts: () => ContractOverlay;
  tokens: () => TokenJournal;
  providers: readonly string[];
  height: number;
  time: number;
}

const reasons: readonly RejectionReason[] = [
  'speed',
  'jump',
  'time-backwards',
  'future',
  'stale',
  'humidity',
  'temperature',
  'flagged',
];

function callTrust(
  call: TrustCallContext,
  name: string,
  method: string,
  args: JsonValue,
  txId: string,
): JsonValue {
  const contracts = call.contracts();
  const contract = contractIn(contracts, name);
  if (!contract || contract.retired)
    throw botError(
      'NOT_FOUND',
      `The ITS trust contract "${name}" is not deployed (or is retired) on this chain; a provider deploys it.`,
    );
  if (!call.providers.includes(contract.owner))
    throw botError(
      'UNAUTHORIZED',
      `The contract "${name}" was deployed by ${contract.owner}, not by an ITS provider of this chain; its verdicts do not count.`,
    );
  if (!contracts.runtime)
    throw botError(
      'NOT_READY',
      'This peer has no contract engine loaded; it cannot run contracts.',
    );
  const ran = runContractMethod(contracts, {
    contract,
    method,
    argsJson: JSON.stringify(args),
    caller: itsContractCaller,
    device: null,
    txId,
    height: call.height,
    blockTime: call.time,
    journal: call.tokens(),
    paid: 0,
  });
  if (ran instanceof BotError) throw ran;
  return ran.result;
}

function badVerdict(name: string, method: string): BotError {
  return botError(
    'CONTRACT_FAILED',
    `The ITS trust contract "${name}" returned no valid verdict from ${method}.`,
  );
}

export interface JudgeArgs {
  trip: string;
  provider: string;
  segment: string;
  limitKmh: number;
  speedKmh: number;
  humidityPct: number | null;
  temperatureC: number | null;
  time: number;
  gapM: number | null;
  lastTime: number;
  accepted: number;
  rejected: number;
}

/** The contract's verdict on one observation: a rejection reason or null, and the trip's trust. */
export function judgeByContract(
  call: TrustCallContext,
  name: string,
  args: JudgeArgs,
  txId: string,
): { reason: RejectionReason | null; trust: number } {
  const out = callTrust(call, name, 'judge', args as unknown as JsonValue, txId) as {
    reason?: unknown;
    trust?: unknown;
  } | null;
  const reason = out?.reason ?? null;
  const trust = out?.trust;
  if (
    (reason !== null && !reasons.includes(reason as RejectionReason)) ||
    typeof trust !== 'number' ||
    !Number.isInteger(trust)
  )
    throw badVerdict(name, 'judge');
  return { reason: reason as RejectionReason | null, trust };
}

/** The contract's corroboration of a window: the trips that agree and the outliers. */
export function settleByContract(
  call: TrustCallContext,
  name: string,
  args: {
    segment: string;
    window: number;
    samples: { trip: string; provider: string; speedKmh: number }[];
  },
  txId: string,
): { agree: Set<string>; outliers: Set<string> } {
  const out = callTrust(call, name, 'settle', args as unknown as JsonValue, txId) as {
    agree?: unknown;
    outliers?: unknown;
  } | null;
  const listed = (value: unknown): Set<string> => {
    if (!Array.isArray(value) || value.some((v) => typeof v !== 'string'))
      throw badVerdict(name, 'settle');
    return new Set(value as string[]);
  };
  return { agree: listed(out?.agree), outliers: listed(out?.outliers) };
}
