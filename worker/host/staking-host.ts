// Staking for the page and the HTTP API (issue 16, public mode): the view of one account's bond,
// unbonding tokens and the validator set with powers, read from the committed state; bond and
// unbond as this peer, prechecked against the newest state before they are signed.
import { botError } from '../core/errors';
import { checkTx, type UnsignedTx } from '../core/tx';
import { precheckTx, type ChainState } from '../core/ledger';
import { emptyTokens, isDidKey } from '../core/modules/tokens';
import { electValidators, emptyStaking, stakeSlashedAccount } from '../core/modules/staking';
import type { StakingView } from '../api-staking';

export interface StakingHostDeps {
  /** The state of the last durable block. */
  durable(): ChainState;
  /** The newest state (for prechecks). */
  chain(): ChainState;
  self(): string;
  submit(request: { type: string; body: unknown }): Promise<{ txId: string }>;
  now(): number;
}

export class StakingHost {
  constructor(private readonly deps: StakingHostDeps) {}

  async staking(of?: string): Promise<StakingView> {
    const account = of ?? this.deps.self();
    if (!isDidKey(account)) throw botError('BAD_REQUEST', 'An account is a did:key.');
    const chain = this.deps.durable();
    const stake = chain.staking ?? emptyStaking(chain.genesis);
    const tokens = chain.tokens ?? emptyTokens(chain.genesis);
    const settings = stake.settings ?? null;
    const epoch = settings?.epochBlocks ?? 0;
    return {
      enabled: settings !== null,
      settings: settings ? { ...settings } : null,
      symbol: chain.genesis.tokens?.symbol ?? null,
      height: chain.height,
      nextEpochAt: settings ? (Math.floor(chain.height / epoch) + 1) * epoch : null,
      validators: chain.validators.map((v) => ({ did: v.did, power: v.power })),
      elected: settings ? electValidators(stake.bonds, settings) : [],
      account,
      bond: stake.bonds.get(account) ?? 0,
      balance: tokens.balances.get(account) ?? 0,
      unbonding: (stake.unbonding.get(account) ?? []).map((e) => ({ ...e })),
      validator: chain.validators.some((v) => v.did === account),
      slashedAt: stake.jailed.get(account) ?? null,
      slashedTotal: tokens.balances.get(stakeSlashedAccount) ?? 0,
    };
  }

  bond(amount: number): Promise<{ txId: string }> {
    return this.send('stake.bond', amount);
  }

  unbond(amount: number): Promise<{ txId: string }> {
    return this.send('stake.unbond', amount);
  }

  private async send(type: 'stake.bond' | 'stake.unbond', amount: number) {
    const body = { amount };
    const chain = this.deps.chain();
    const unsigned: UnsignedTx = {
      chain: chain.chainId,
      type,
      from: this.deps.self(),
      nonce: 1,
      time: this.deps.now(),
      body,
    };
    const error = precheckTx(chain, checkTx({ ...unsigned, sig: new Uint8Array(64) }));
    if (error) throw error;
    return this.deps.submit({ type, body });
  }
}
