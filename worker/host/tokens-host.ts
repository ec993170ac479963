// Tokens for the page and the HTTP API (issue 16): balances with their Merkle proof, transfers
// as this peer (prechecked against the committed state, so a transfer above the balance is
// refused with INSUFFICIENT_FUNDS before it is signed), and an account's history, read back
// through the key history of its tok/acct/<account> entry (each version holds the movements of
// one block).
import { xchainEscrow, xchainReserve } from '../core/modules/xchain/types';
import { botError } from '../core/errors';
import { checkTx, type UnsignedTx } from '../core/tx';
import { precheckTx, type ChainState } from '../core/ledger';
import { sha256 } from '../core/crypto/hash';
import { equalBytes, toHex } from '../core/bytes';
import {
  balanceOf,
  decodeTokenAccount,
  emptyTokens,
  isDidKey,
  tokenAccountPrefix,
} from '../core/modules/tokens';
import * as limits from '../core/limits';
import type { Storage } from '../store/storage';
import type { BalanceView, TokenMovementView } from '../api';

export interface TokensHostDeps {
  storage: Storage;
  /** The state of the last durable block (its entries are in storage). */
  durable(): ChainState;
  /** The newest state (for prechecks). */
  chain(): ChainState;
  self(): string;
  submit(request: { type: string; body: unknown }): Promise<{ txId: string }>;
  now(): number;
}

function account(value: unknown, self: string): string {
  if (value === undefined || value === null) return self;
  if (
    typeof value === 'string' &&
    (isDidKey(value) ||
      /^contract:[a-z][a-z0-9-]{0,63}$/.test(value) ||
      value === 'market:escrow' ||
      value === xchainReserve ||
      value === xchainEscrow)
  )
    return value;
  throw botError(
    'BAD_REQUEST',
    'An account is a did:key, "contract:<name>", "market:escrow", "xchain:reserve" or "xchain:escrow" (leave it out for your own).',
  );
}

export class TokensHost {
  constructor(private readonly deps: TokensHostDeps) {}

  async balance(of?: string): Promise<BalanceView> {
    const who = account(of, this.deps.self());
    const key = tokenAccountPrefix + who;
    for (let attempt = 0; ; attempt++) {
      const chain = this.deps.durable();
      const settings = chain.genesis.tokens;
      const tokens = chain.tokens ?? emptyTokens(chain.genesis);
      const rule = tokens.rules?.get(who);
      const today = Math.floor(chain.headTime / limits.tokenRuleDayMs);
      const base = {
        account: who,
        balance: balanceOf(tokens, who),
        symbol: settings?.symbol ?? null,
        fee: settings?.fee ?? 0,
        supply: tokens.supply,
        height: chain.height,
        rule: rule
          ? {
              perTxMax: rule.perTxMax,
              perDayMax: rule.perDayMax,
              payees: [...rule.payees],
              spentToday: rule.day === today ? rule.spent : 0,
            }
          : null,
      };
      const leaf = chain.trie.get(key);
      if (!leaf) return { ...base, proof: null };
      const entry = await this.deps.storage.getState(chain.chainId, key);
      if (entry && equalBytes(sha256(entry), leaf)) {
        const proof = chain.trie.prove(key)!;
        return {
          ...base,
          proof: {
            key,
            entry: toHex(entry),
            siblings: proof.siblings.map(toHex),
            stateRoot: toHex(chain.trie.rootHash()),
            height: chain.height,
          },
        };
      }
      if (this.deps.durable() === chain || attempt >= 2)
        throw botError('TAMPERED', `The stored balance of ${who} does not match the state root.`);
    }
  }

  async transfer(request: { to: string; amount: number; memo?: string }): Promise<{
    txId: string;
  }> {
    if (typeof request !== 'object' || request === null)
      throw botError('BAD_REQUEST', 'transfer takes { to, amount, memo? }.');
    const body: Record<string, unknown> = { to: request.to, amount: request.amount };
    if (request.memo) body.memo = request.memo;
    const chain = this.deps.chain();
    const unsigned: UnsignedTx = {
      chain: chain.chainId,
      type: 'token.transfer',
      from: this.deps.self(),
      nonce: 1,
      time: this.deps.now(),
      body,
    };
    const error = precheckTx(chain, checkTx({ ...unsigned, sig: new Uint8Array(64) }));
    if (error) throw error;
    return this.deps.submit({ type: 'token.transfer', body });
  }

  /** The owner of a registered device sets the spending rule of the device's account. */
  async setSpendingRule(
    device: string,
    rule: { perTxMax: number; perDayMax: number; payees?: string[] },
  ): Promise<{ txId: string }> {
    if (typeof rule !== 'object' || rule === null)
      throw botError(
        'BAD_REQUEST',
        'setSpendingRule takes a device did and { perTxMax, perDayMax, payees? }.',
      );
    const body: Record<string, unknown> = {
      device,
      perTxMax: rule.perTxMax,
      perDayMax: rule.perDayMax,
    };
    if (rule.payees) body.payees = rule.payees;
    const chain = this.deps.chain();
    const unsigned: UnsignedTx = {
      chain: chain.chainId,
      type: 'token.rule',
      from: this.deps.self(),
      nonce: 1,
      time: this.deps.now(),
      body,
    };
    const error = precheckTx(chain, checkTx({ ...unsigned, sig: new Uint8Array(64) }));
    if (error) throw error;
    return this.deps.submit({ type: 'token.rule', body });
  }

  async tokenHistory(of?: string, options?: { limit?: number }): Promise<TokenMovementView[]> {
    const who = account(of, this.deps.self());
    const limit = Math.min(
      Math.max(1, Math.floor(options?.limit ?? limits.tokenHistoryListedMax)),
      limits.tokenHistoryListedMax,
    );
    const chain = this.deps.durable();
    const versions = await this.deps.storage.history(chain.chainId, tokenAccountPrefix + who);
    const out: TokenMovementView[] = [];
    for (let i = versions.length - 1; i >= 0 && out.length < limit; i--) {
      const entry = decodeTokenAccount(versions[i]!.entry);
      for (let j = entry.moves.length - 1; j >= 0 && out.length < limit; j--) {
        const m = entry.moves[j]!;
        out.push({
          txId: m.tx,
          height: entry.height,
          dir: m.dir,
          with: m.with,
          amount: m.amount,
          ...(m.fee ? { fee: m.fee } : {}),
          ...(m.memo ? { memo: m.memo } : {}),
          balanceAfter: j === entry.moves.length - 1 ? entry.balance : null,
        });
      }
    }
    return out;
  }
}
