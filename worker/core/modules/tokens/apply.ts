// Stateful checks and effects of the token transactions on a block's overlay, the journal that
// contract calls move tokens through (all or nothing), and the writes at the end of the block.
import { decode, encode } from '../../codec';
import { botError, type BotError, invariant } from '../../errors';
import * as limits from '../../limits';
import type { Genesis } from '../../genesis';
import type { Tx } from '../../tx-shape';
import type { ProposalRecord } from '../governance';
import type { DeviceRecord } from '../devices';
import { genesisStakeOf, stakePoolAccount } from '../staking/types';
import {
  tokenRulePrefix,
  type SpendingRule,
  tokenAccountPrefix,
  tokenMintedPrefix,
  tokenSupplyKey,
  type TokenAccountEntry,
  type TokenGenesis,
  type TokenMovement,
  type TokenState,
} from './types';

/** Working copy for one block. */
export interface TokenOverlay {
  readonly base: TokenState;
  readonly settings: TokenGenesis | undefined;
  /** The block's proposer: it receives the transfer fees. */
  readonly proposer: string;
  /** Balances this block changed (0 included). */
  readonly balances: Map<string, number>;
  /** Movements this block made, per account, in order. */
  readonly moves: Map<string, TokenMovement[]>;
  readonly minted: Set<string>;
  supply: number;
  /** Tokens created in this block (the supply invariant: balances change by exactly this sum). */
  mintedInBlock: number;
  /** A governance proposal, as the block sees it (for token.mint { proposal }). */
  readonly proposal: (id: string) => ProposalRecord | undefined;
  /** A registered device, as the block sees it (device accounts pay under their rule). */
  readonly device: (did: string) => DeviceRecord | undefined;
  /** The block's UTC day (its time / tokenRuleDayMs). */
  readonly day: number;
  /** Spending rules this block set or charged. */
  readonly rules: Map<string, SpendingRule>;
}

export function emptyTokens(genesis: Genesis): TokenState {
  const balances = new Map<string, number>();
  let supply = 0;
  for (const { did, amount } of genesis.tokens?.allocations ?? []) {
    balances.set(did, amount);
    supply += amount;
  }
  // A public chain's genesis bonds (worker/core/modules/staking) are tokens held by the pool.
  const staked = genesisStakeOf(genesis);
  if (staked > 0) {
    balances.set(stakePoolAccount, staked);
    supply += staked;
  }
  return { balances, supply, minted: new Set(), rules: new Map() };
}

export function tokenOverlayOf(
  state: TokenState,
  genesis: Genesis,
  proposer: string,
  proposal: (id: string) => ProposalRecord | undefined,
  device: (did: string) => DeviceRecord | undefined,
  time: number,
): TokenOverlay {
  return {
    device,
    day: Math.floor(time / limits.tokenRuleDayMs),
    rules: new Map(),
    base: state,
    settings: genesis.tokens,
    proposer,
    balances: new Map(),
    moves: new Map(),
    minted: new Set(),
    supply: state.supply,
    mintedInBlock: 0,
    proposal,
  };
}

/** The balance of `account` in the block so far (0 when it holds nothing). */
export function balanceIn(overlay: TokenOverlay, account: string): number {
  return overlay.balances.get(account) ?? overlay.base.balances.get(account) ?? 0;
}

function noTokens(): BotError {
  return botError(
    'BAD_REQUEST',
    'This chain has no token: its genesis allocates none, so nothing can be sent or minted.',
  );
}

/**
 * Token moves of one transaction, kept apart until it succeeds: `commit` applies them to the
 * overlay, and a journal dropped without commit leaves the overlay as it was. A contract call
 * moves its payment and its ctx.transfer calls through one journal (all or nothing with the call).
 */
export class TokenJournal {
  private readonly deltas = new Map<string, number>();
  private readonly entries: Array<readonly [string, TokenMovement]> = [];
  /** Device accounts' spending in this journal, by device. */
  private readonly deviceSpent = new Map<string, number>();

  constructor(private readonly overlay: TokenOverlay) {}

  get hasTokens(): boolean {
    return this.overlay.settings !== undefined;
  }

  balance(account: string): number {
    return balanceIn(this.overlay, account) + (this.deltas.get(account) ?? 0);
  }

  /** Pay `amount` (plus `fee` to the proposer) from `from` to `to`; INSUFFICIENT_FUNDS when short. */
  pay(
    from: string,
    to: string,
    amount: number,
    tx: string,
    extra: { fee?: number; memo?: string; who?: string } = {},
  ): void {
    if (!this.hasTokens) throw noTokens();
    const fee = extra.fee ?? 0;
    this.checkDeviceRule(from, to, amount, fee);
    const held = this.balance(from);
    if (held < fee || held - fee < amount)
      throw botError(
        'INSUFFICIENT_FUNDS',
        `${extra.who ?? `${from} holds`} ${held}; paying ${amount}${fee ? ` and a fee of ${fee}` : ''} needs more.`,
      );
    this.add(from, -amount);
    this.add(to, amount);
    const out: TokenMovement = { tx, dir: 'out', with: to, amount };
    if (fee) out.fee = fee;
    if (extra.memo) out.memo = extra.memo;
    const into: TokenMovement = { tx, dir: 'in', with: from, amount };
    if (extra.memo) into.memo = extra.memo;
    this.entries.push([from, out], [to, into]);
    if (fee) {
      this.add(from, -fee);
      this.add(this.overlay.proposer, fee);
      this.entries.push([this.overlay.proposer, { tx, dir: 'fee', with: from, amount: fee }]);
    }
  }

  /**
   * A registered device's account pays only within the spending rule its owner set (amount and
   * fee together): per payment, per UTC day of block time, and to the listed payees.
   */
  private checkDeviceRule(from: string, to: string, amount: number, fee: number): void {
    const device = this.overlay.device(from);
    if (!device) return;
    const name = `The device "${device.name || device.id}"`;
    if (device.status === 'retired')
      throw botError('UNAUTHORIZED', `${name} is retired and may not pay.`);
    // The owner's rule binds the one who signs as the device (its gateway holds the key): a
    // device whose gateway is not its owner pays nothing, whatever rule an earlier state kept.
    if (device.gateway !== device.owner) throw gatewayNotOwner(name, device);
    const rule = ruleIn(this.overlay, from);
    if (!rule)
      throw botError(
        'UNAUTHORIZED',
        `${name} has no spending rule; its owner sets one (token.rule) before it can pay.`,
      );
    const cost = amount + fee;
    if (cost > rule.perTxMax)
      throw botError(
        'UNAUTHORIZED',
        `${name} may pay at most ${rule.perTxMax} at a time; this payment takes ${cost}.`,
      );
    const spentToday =
      (rule.day === this.overlay.day ? rule.spent : 0) + (this.deviceSpent.get(from) ?? 0);
    if (cost > rule.perDayMax - spentToday)
      throw botError(
        'UNAUTHORIZED',
        `${name} may pay ${rule.perDayMax} a day and has paid ${spentToday} today; this payment takes ${cost}.`,
      );
    if (rule.payees.length > 0 && !rule.payees.includes(to))
      throw botError(
        'UNAUTHORIZED',
        `${name} may not pay ${to}: its owner did not allow that payee.`,
      );
    this.deviceSpent.set(from, (this.deviceSpent.get(from) ?? 0) + cost);
  }

  /** Apply the moves to the block's overlay. */
  commit(): void {
    for (const [device, cost] of this.deviceSpent) {
      const rule = ruleIn(this.overlay, device)!;
      const spent = (rule.day === this.overlay.day ? rule.spent : 0) + cost;
      this.overlay.rules.set(device, { ...rule, day: this.overlay.day, spent });
    }
    for (const [account, delta] of this.deltas) {
      const next = balanceIn(this.overlay, account) + delta;
      invariant(next >= 0, `the balance of ${account} would be negative`);
      this.overlay.balances.set(account, next);
    }
    for (const [account, move] of this.entries) pushMove(this.overlay, account, move);
  }

  private add(account: string, delta: number): void {
    this.deltas.set(account, (this.deltas.get(account) ?? 0) + delta);
  }
}

/**
 * A device's payments are signed with its key by its gateway, and limited by its owner's rule:
 * only when the two are one account does the rule bind the one who decides what the device buys
 * (the gateway's reorder rules run off chain, where the chain cannot see them).
 */
function gatewayNotOwner(name: string, device: { gateway: string; owner: string }): BotError {
  return botError(
    'UNAUTHORIZED',
    `${name} is behind the gateway ${device.gateway} but owned by ${device.owner}: a device pays from its wallet only when its owner is also its gateway.`,
  );
}

function ruleIn(overlay: TokenOverlay, device: string): SpendingRule | undefined {
  return overlay.rules.get(device) ?? overlay.base.rules?.get(device);
}

function pushMove(overlay: TokenOverlay, account: string, move: TokenMovement): void {
  const list = overlay.moves.get(account);
  if (list) list.push(move);
  else overlay.moves.set(account, [move]);
}

function mint(overlay: TokenOverlay, to: string, amount: number, tx: string): void {
  const cap = overlay.settings?.supplyMax ?? limits.tokenSupplyMax;
  if (amount > cap - overlay.supply)
    throw botError(
      'BAD_REQUEST',
      `Minting ${amount} would take the supply past its cap of ${cap} (it is ${overlay.supply}).`,
    );
  overlay.supply += amount;
  overlay.mintedInBlock += amount;
  overlay.balances.set(to, balanceIn(overlay, to) + amount);
  pushMove(overlay, to, { tx, dir: 'mint', with: null, amount });
}

/** Stateful check and effect of one token transaction; throws BotError having changed nothing. */
export function applyTokenTx(overlay: TokenOverlay, tx: Tx, txId: string): void {
  const settings = overlay.settings;
  if (!settings) throw noTokens();
  if (tx.type === 'token.rule') {
    const body = tx.body as {
      device: string;
      perTxMax: number;
      perDayMax: number;
      payees?: string[];
    };
    const device = overlay.device(body.device);
    if (!device) throw botError('NOT_FOUND', `${body.device} is not a registered device.`);
    if (device.owner !== tx.from)
      throw botError('UNAUTHORIZED', 'Only the owner of a device sets its spending rule.');
    if (device.gateway !== device.owner)
      throw gatewayNotOwner(`The device "${device.name || device.id}"`, device);
    const before = ruleIn(overlay, body.device);
    overlay.rules.set(body.device, {
      perTxMax: body.perTxMax,
      perDayMax: body.perDayMax,
      payees: body.payees ?? [],
      // What was spent today still counts against the new daily limit.
      day: before?.day ?? overlay.day,
      spent: before?.spent ?? 0,
    });
    return;
  }
  if (tx.type === 'token.transfer') {
    const body = tx.body as { to: string; amount: number; memo?: string };
    if (body.to === tx.from)
      throw botError('BAD_REQUEST', 'A transfer to yourself moves nothing; name another did.');
    const journal = new TokenJournal(overlay);
    const extra: { fee?: number; memo?: string; who: string } = { who: 'You hold' };
    if (settings.fee) extra.fee = settings.fee;
    if (body.memo) extra.memo = body.memo;
    journal.pay(tx.from, body.to, body.amount, txId, extra);
    journal.commit();
    return;
  }
  if (tx.type === 'token.mint') {
    const body = tx.body as { to: string; amount: number } | { proposal: string };
    if ('proposal' in body) {
      const record = overlay.proposal(body.proposal);
      if (!record || record.change.kind !== 'mint')
        throw botError('NOT_FOUND', `There is no mint proposal ${body.proposal}.`);
      if (!record.applied)
        throw botError(
          'BAD_REQUEST',
          'This mint proposal has not passed, or its height has not come yet.',
        );
      if (overlay.base.minted.has(body.proposal) || overlay.minted.has(body.proposal))
        throw botError('BAD_REQUEST', 'This mint proposal was already carried out.');
      mint(overlay, record.change.to, record.change.amount, txId);
      overlay.minted.add(body.proposal);
      return;
    }
    if (settings.minter !== tx.from)
      throw botError(
        'UNAUTHORIZED',
        'Only the minter named in the genesis may mint; others ask the validators for a mint proposal.',
      );
    mint(overlay, body.to, body.amount, txId);
  }
}

function encodeAccount(balance: number, height: number, moves: TokenMovement[]): Uint8Array {
  return encode({ b: balance, h: height, l: moves });
}

export function decodeTokenAccount(bytes: Uint8Array): TokenAccountEntry {
  const raw = decode<{ b: number; h: number; l: TokenMovement[] }>(bytes, 1 << 22);
  return { balance: raw.b, height: raw.h, moves: raw.l };
}

export function decodeTokenSupply(bytes: Uint8Array): { supply: number; height: number } {
  const raw = decode<{ s: number; h: number }>(bytes, 64);
  return { supply: raw.s, height: raw.h };
}

/** The state writes of a genesis with tokens: each allocated account and the supply. */
export function genesisTokenWrites(genesis: Genesis): Array<[string, Uint8Array]> {
  if (!genesis.tokens) return [];
  const state = emptyTokens(genesis);
  const writes: Array<[string, Uint8Array]> = genesis.tokens.allocations.map(({ did, amount }) => [
    tokenAccountPrefix + did,
    encodeAccount(amount, 0, [{ tx: 'genesis', dir: 'mint', with: null, amount }]),
  ]);
  const staked = state.balances.get(stakePoolAccount);
  if (staked !== undefined && genesisStakeOf(genesis) > 0)
    writes.push([
      tokenAccountPrefix + stakePoolAccount,
      encodeAccount(staked, 0, [{ tx: 'genesis', dir: 'mint', with: null, amount: staked }]),
    ]);
  writes.push([tokenSupplyKey, encode({ s: state.supply, h: 0 })]);
  return writes;
}

/** After the block's transactions: check the supply invariant, write what changed. */
export function finishTokens(
  overlay: TokenOverlay,
  height: number,
  writes: Map<string, Uint8Array>,
): TokenState {
  let rules = overlay.base.rules;
  if (overlay.rules.size > 0) {
    const next = new Map(overlay.base.rules ?? []);
    for (const [device, rule] of overlay.rules) {
      next.set(device, rule);
      writes.set(tokenRulePrefix + device, encode({ ...rule, h: height }));
    }
    rules = next;
  }
  if (overlay.moves.size === 0) {
    invariant(overlay.balances.size === 0, 'token balances changed without a movement');
    return rules === overlay.base.rules ? overlay.base : { ...overlay.base, rules: rules! };
  }
  let change = 0;
  for (const [account, balance] of overlay.balances) {
    invariant(Number.isSafeInteger(balance) && balance >= 0, `${account} has a negative balance`);
    change += balance - (overlay.base.balances.get(account) ?? 0);
  }
  invariant(
    change === overlay.mintedInBlock,
    `balances changed by ${change} in block ${height} but ${overlay.mintedInBlock} was minted`,
  );
  for (const [account, moves] of overlay.moves)
    writes.set(
      tokenAccountPrefix + account,
      encodeAccount(balanceIn(overlay, account), height, moves),
    );
  if (overlay.mintedInBlock > 0)
    writes.set(tokenSupplyKey, encode({ s: overlay.supply, h: height }));
  for (const id of overlay.minted) writes.set(tokenMintedPrefix + id, encode({ h: height }));
  const balances = new Map(overlay.base.balances);
  for (const [account, balance] of overlay.balances) {
    if (balance === 0) balances.delete(account);
    else balances.set(account, balance);
  }
  const minted = overlay.minted.size
    ? new Set([...overlay.base.minted, ...overlay.minted])
    : overlay.base.minted;
  return rules
    ? { balances, supply: overlay.supply, minted, rules }
    : { balances, supply: overlay.supply, minted };
}

/** Rebuild the token state from stored entries (tok/). */
export function tokensFromEntries(
  entries: ReadonlyArray<readonly [string, Uint8Array]>,
  genesis: Genesis,
): TokenState {
  if (!genesis.tokens) return emptyTokens(genesis);
  const balances = new Map<string, number>();
  const minted = new Set<string>();
  const rules = new Map<string, SpendingRule>();
  let supply = 0;
  for (const [key, bytes] of entries) {
    if (key.startsWith(tokenRulePrefix)) {
      const { h: _h, ...rule } = decode<SpendingRule & { h: number }>(bytes, 4096);
      rules.set(key.slice(tokenRulePrefix.length), rule);
    }
    if (key.startsWith(tokenAccountPrefix)) {
      const { balance } = decodeTokenAccount(bytes);
      if (balance > 0) balances.set(key.slice(tokenAccountPrefix.length), balance);
    } else if (key === tokenSupplyKey) supply = decodeTokenSupply(bytes).supply;
    else if (key.startsWith(tokenMintedPrefix)) minted.add(key.slice(tokenMintedPrefix.length));
  }
  return { balances, supply, minted, rules };
}

/** Total of every balance: equal to the supply after every block (the simulator checks it). */
export function supplyCheck(state: TokenState): string | null {
  let total = 0;
  for (const [account, balance] of state.balances) {
    if (!Number.isSafeInteger(balance) || balance < 0)
      return `${account} holds ${balance}, not a whole non-negative amount`;
    total += balance;
  }
  if (total !== state.supply)
    return `the balances add up to ${total}, the supply is ${state.supply}`;
  return null;
}
