// Stateful checks and effects of stake.bond / stake.unbond on a block's overlay, and the end of
// a block: slashing of offenders whose evidence the block holds, release of unbonding tokens that
// are due, and the validator set of the next blocks at an epoch boundary. Tokens move through the
// token module's journal (worker/core/modules/tokens), so the supply invariant covers them.
import { decode, encode } from '../../codec';
import { botError } from '../../errors';
import * as limits from '../../limits';
import type { Genesis } from '../../genesis';
import type { Tx } from '../../tx-shape';
import type { Validator } from '../../validators';
import { TokenJournal, type TokenOverlay } from '../tokens/apply';
import {
  bondPrefix,
  jailedPrefix,
  stakePoolAccount,
  stakeSlashedAccount,
  unbondingPrefix,
  type StakingGenesis,
  type StakingState,
  type UnbondingEntry,
} from './types';

export interface StakingOverlay {
  readonly base: StakingState;
  readonly settings: StakingGenesis | undefined;
  readonly bonds: Map<string, number>;
  readonly unbonding: Map<string, UnbondingEntry[]>;
  readonly jailed: Map<string, number>;
  /** What slashing took in this block, per offender (written with its jail record). */
  readonly slashed: Map<string, number>;
  /** The block's token overlay (made on first use). */
  readonly tokens: () => TokenOverlay;
  /** Validators marked as offenders by evidence in this block (governance's overlay). */
  readonly newOffenders: () => string[];
}

export function emptyStaking(genesis: Genesis): StakingState {
  const bonds = new Map<string, number>();
  if (genesis.staking) for (const v of genesis.validators) bonds.set(v.did, v.power);
  return { settings: genesis.staking, bonds, unbonding: new Map(), jailed: new Map() };
}

export function stakingOverlayOf(
  state: StakingState,
  tokens: () => TokenOverlay,
  newOffenders: () => string[],
): StakingOverlay {
  return {
    base: state,
    settings: state.settings,
    bonds: new Map(),
    unbonding: new Map(),
    jailed: new Map(),
    slashed: new Map(),
    tokens,
    newOffenders,
  };
}

export function bondIn(overlay: StakingOverlay, did: string): number {
  return overlay.bonds.get(did) ?? overlay.base.bonds.get(did) ?? 0;
}

export function unbondingIn(overlay: StakingOverlay, did: string): readonly UnbondingEntry[] {
  return overlay.unbonding.get(did) ?? overlay.base.unbonding.get(did) ?? [];
}

function jailedIn(overlay: StakingOverlay, did: string): number | undefined {
  return overlay.jailed.get(did) ?? overlay.base.jailed.get(did);
}

function noStaking(): Error {
  return botError(
    'BAD_REQUEST',
    'This chain does not choose its validators by stake: only a public chain created with staking takes stake.bond and stake.unbond.',
  );
}

/** Stateful check and effect of one staking transaction; throws BotError having changed nothing. */
export function applyStakingTx(
  overlay: StakingOverlay,
  tx: Tx,
  txId: string,
  height: number,
): void {
  const settings = overlay.settings;
  if (!settings) throw noStaking();
  const { amount } = tx.body as { amount: number };
  const bond = bondIn(overlay, tx.from);
  if (tx.type === 'stake.bond') {
    const jailed = jailedIn(overlay, tx.from);
    if (jailed !== undefined)
      throw botError(
        'UNAUTHORIZED',
        `${tx.from} was slashed for a double vote (evidence at height ${jailed}) and may not bond again.`,
      );
    if (bond + amount < settings.minBond)
      throw botError(
        'BAD_REQUEST',
        `A bond must come to at least ${settings.minBond}; ${bond + amount} is too little.`,
      );
    const journal = new TokenJournal(overlay.tokens());
    journal.pay(tx.from, stakePoolAccount, amount, txId, { who: 'You hold' });
    journal.commit();
    overlay.bonds.set(tx.from, bond + amount);
    return;
  }
  // stake.unbond
  if (amount > bond)
    throw botError('BAD_REQUEST', `You have ${bond} bonded; you cannot unbond ${amount}.`);
  const left = bond - amount;
  if (left > 0 && left < settings.minBond)
    throw botError(
      'BAD_REQUEST',
      `A bond left after an unbond is 0 or at least ${settings.minBond}; unbond all ${bond}, or at most ${bond - settings.minBond}.`,
    );
  const entries = unbondingIn(overlay, tx.from);
  if (entries.length >= limits.stakingUnbondingEntriesMax)
    throw botError(
      'QUOTA',
      `You have ${entries.length} unbondings waiting, the most there may be; wait for one to be released.`,
    );
  overlay.bonds.set(tx.from, left);
  overlay.unbonding.set(tx.from, [
    ...entries,
    { amount, release: height + settings.unbondingBlocks },
  ]);
}

/** The validators a set of bonds elects: the largest bonds of at least minBond, power = bond. */
export function electValidators(
  bonds: ReadonlyMap<string, number>,
  settings: StakingGenesis,
): Validator[] {
  return [...bonds]
    .filter(([, bond]) => bond >= settings.minBond)
    .sort(([a, x], [b, y]) => y - x || (a < b ? -1 : a > b ? 1 : 0))
    .slice(0, settings.maxValidators)
    .map(([did, power]) => ({ did, power }));
}

/** Slash an offender whose evidence this block holds: a share of its stake, the rest unbonding. */
function slash(overlay: StakingOverlay, did: string, height: number, journal: TokenJournal): void {
  const settings = overlay.settings!;
  const bond = bondIn(overlay, did);
  const entries = unbondingIn(overlay, did);
  let slashed = 0;
  const cut = (amount: number): number => {
    const share = Math.floor((amount * settings.slashPercent) / 100);
    slashed += share;
    return amount - share;
  };
  const keptBond = cut(bond);
  const kept = entries.map((e) => ({ ...e, amount: cut(e.amount) })).filter((e) => e.amount > 0);
  if (keptBond > 0) kept.push({ amount: keptBond, release: height + settings.unbondingBlocks });
  overlay.bonds.set(did, 0);
  overlay.unbonding.set(did, kept);
  overlay.jailed.set(did, height);
  if (slashed > 0) journal.pay(stakePoolAccount, stakeSlashedAccount, slashed, `slash@${height}`);
  overlay.slashed.set(did, slashed);
}

/**
 * After the block's transactions (before the token module finishes, so its moves are written):
 * slash the block's offenders, release what is due, and at an epoch boundary elect the next set.
 */
export function finishStaking(
  overlay: StakingOverlay,
  end: { height: number; writes: Map<string, Uint8Array>; validators: Validator[] },
): StakingState {
  const settings = overlay.settings;
  if (!settings) return overlay.base;
  const { height, writes } = end;
  const journal = new TokenJournal(overlay.tokens());
  const offenders = overlay
    .newOffenders()
    .filter((did) => jailedIn(overlay, did) === undefined)
    .sort();
  for (const did of offenders) slash(overlay, did, height, journal);
  // Release: every account with an entry due at this height (the base's and this block's).
  const holders = new Set([...overlay.base.unbonding.keys(), ...overlay.unbonding.keys()]);
  for (const did of [...holders].sort()) {
    const entries = unbondingIn(overlay, did);
    const due = entries.filter((e) => e.release <= height);
    if (due.length === 0) continue;
    const total = due.reduce((sum, e) => sum + e.amount, 0);
    journal.pay(stakePoolAccount, did, total, `unbond@${height}`);
    overlay.unbonding.set(
      did,
      entries.filter((e) => e.release > height),
    );
  }
  journal.commit();
  const bonds = new Map(overlay.base.bonds);
  for (const [did, bond] of overlay.bonds) {
    if (bond === 0) bonds.delete(did);
    else bonds.set(did, bond);
    writes.set(bondPrefix + did, encode({ b: bond, h: height }));
  }
  const unbonding = new Map(overlay.base.unbonding);
  for (const [did, entries] of overlay.unbonding) {
    if (entries.length === 0) unbonding.delete(did);
    else unbonding.set(did, entries);
    writes.set(
      unbondingPrefix + did,
      encode({ e: entries.map((e) => ({ a: e.amount, r: e.release })), h: height }),
    );
  }
  const jailed = overlay.jailed.size ? new Map(overlay.base.jailed) : overlay.base.jailed;
  for (const [did, at] of overlay.jailed) {
    (jailed as Map<string, number>).set(did, at);
    writes.set(jailedPrefix + did, encode({ h: at, s: overlay.slashed.get(did) ?? 0 }));
  }
  let validators = end.validators;
  if (height % settings.epochBlocks === 0) validators = electValidators(bonds, settings);
  else if (offenders.length > 0) validators = validators.filter((v) => !offenders.includes(v.did));
  // A chain never runs without validators: an empty election keeps the set it has.
  if (validators.length > 0 && !sameValidators(validators, end.validators)) {
    end.validators = validators;
    writes.set('sys/validators', encode(validators));
  }
  return { settings, bonds, unbonding, jailed };
}

function sameValidators(a: readonly Validator[], b: readonly Validator[]): boolean {
  return a.length === b.length && a.every((v, i) => v.did === b[i]!.did && v.power === b[i]!.power);
}

export function decodeBond(bytes: Uint8Array): { bond: number; height: number } {
  const raw = decode<{ b: number; h: number }>(bytes, 256);
  return { bond: raw.b, height: raw.h };
}

export function decodeUnbonding(bytes: Uint8Array): UnbondingEntry[] {
  return decode<{ e: Array<{ a: number; r: number }> }>(bytes, 1 << 12).e.map((e) => ({
    amount: e.a,
    release: e.r,
  }));
}

/** Rebuild the staking state from stored entries (stk/). */
export function stakingFromEntries(
  entries: ReadonlyArray<readonly [string, Uint8Array]>,
  genesis: Genesis,
): StakingState {
  const state = emptyStaking(genesis);
  const bonds = new Map(state.bonds);
  const unbonding = new Map<string, UnbondingEntry[]>();
  const jailed = new Map<string, number>();
  for (const [key, bytes] of entries) {
    if (key.startsWith(bondPrefix)) {
      const did = key.slice(bondPrefix.length);
      const { bond } = decodeBond(bytes);
      if (bond > 0) bonds.set(did, bond);
      else bonds.delete(did);
    } else if (key.startsWith(unbondingPrefix)) {
      const list = decodeUnbonding(bytes);
      if (list.length > 0) unbonding.set(key.slice(unbondingPrefix.length), list);
    } else if (key.startsWith(jailedPrefix))
      jailed.set(key.slice(jailedPrefix.length), decode<{ h: number }>(bytes, 128).h);
  }
  return { settings: state.settings, bonds, unbonding, jailed };
}

/** Stake conservation: the pool holds exactly every bond and every unbonding entry. */
export function stakeCheck(state: StakingState, poolBalance: number): string | null {
  if (!state.settings) return null;
  let total = 0;
  for (const bond of state.bonds.values()) total += bond;
  for (const entries of state.unbonding.values()) for (const e of entries) total += e.amount;
  return total === poolBalance
    ? null
    : `bonds and unbonding add up to ${total}, the stake pool holds ${poolBalance}`;
}
