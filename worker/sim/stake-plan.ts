// The simulated chain's genesis, and the stake scenario of the simulator (issue 16, public mode):
// candidate peers that are not validators at genesis bond stake and are elected at an epoch
// boundary, an honest genesis validator then unbonds all of its stake and leaves the set, and
// Byzantine double-voters are slashed when the evidence the honest peers report is committed.
// The steps run in order, each sent when the one before it is committed (so a third of the
// power is never Byzantine: the unbond waits for the candidates' bonds).
import type { Genesis, ChainState } from '../core/ledger';
import type { TestIdentity } from '../core/testing';
import { emptyStaking, stakeCheck, stakePoolAccount } from '../core/modules/staking';
import { emptyTokens, supplyCheck } from '../core/modules/tokens';
import { emptyMarket, escrowCheck } from '../core/modules/market';
import type { Random } from './prng';

export const simGenesisTime = 1_700_000_000_000;
/** Each sim client's genesis balance: transfers of 1 never run short, one of 10x always does. */
export const clientTokens = 1_000_000;
/** The transfer fee of the sim chain (to the proposer). */
const simFee = 1;
/** A genesis validator's bond on a staking sim chain (its power). */
export const genesisBond = 100;
/** A candidate's genesis balance (it bonds part of it). */
const candidateTokens = 1000;

/** The stake scenario: how many peers start as candidates (not validators). */
export interface StakeScenario {
  candidates: number;
}

/** The sim chain: public (the clients are not members), with tokens, and with staking if asked. */
export function simGenesis(
  options: {
    peers: number;
    engine: Genesis['consensus']['engine'];
    timeoutMs: number;
    staking?: StakeScenario;
  },
  validators: TestIdentity[],
  candidates: TestIdentity[],
  clients: TestIdentity[],
): Genesis {
  const staking = options.staking !== undefined;
  return {
    name: 'sim',
    mode: 'public',
    consensus: {
      engine: options.engine,
      timeoutMs: options.timeoutMs,
      emptyBlockIntervalMs: 50 * options.timeoutMs,
    },
    validators: validators.map((id) => ({ did: id.did, power: staking ? genesisBond : 1 })),
    time: simGenesisTime,
    salt: `sim ${options.peers}${staking ? ` staking ${candidates.length}` : ''}`,
    tokens: {
      symbol: 'SIM',
      allocations: [
        ...clients.map((id) => ({ did: id.did, amount: clientTokens })),
        ...candidates.map((id) => ({ did: id.did, amount: candidateTokens })),
      ],
      fee: simFee,
    },
    ...(staking
      ? {
          staking: {
            minBond: 50,
            unbondingBlocks: 5,
            maxValidators: validators.length + candidates.length,
            slashPercent: 20,
            epochBlocks: 3,
          },
        }
      : {}),
  };
}

/** One step of the stake scenario: the peer that signs it, its transaction type and body. */
export interface StakeStep {
  peer: number;
  type: 'stake.bond' | 'stake.unbond';
  body: { amount: number };
}

/** The steps: each candidate bonds (an amount drawn from the seed), then one honest validator unbonds all. */
export function stakeSteps(
  random: Random,
  peers: number,
  candidates: number,
  honestValidator: number,
): StakeStep[] {
  const steps: StakeStep[] = [];
  for (let c = 0; c < candidates; c++)
    steps.push({ peer: peers + c, type: 'stake.bond', body: { amount: random.int(60, 300) } });
  steps.push({ peer: honestValidator, type: 'stake.unbond', body: { amount: genesisBond } });
  return steps;
}

/**
 * Tokens are conserved after every block: the balances add up to the genesis supply (nothing
 * mints), none below 0, escrow covered, and the stake pool holds exactly the bonds and unbonding
 * entries. A reason when broken.
 */
export function conservationError(chain: ChainState, genesisSupply: number): string | null {
  const tokens = chain.tokens ?? emptyTokens(chain.genesis);
  const broken =
    supplyCheck(tokens) ??
    escrowCheck(chain.market ?? emptyMarket(), tokens) ??
    stakeCheck(
      chain.staking ?? emptyStaking(chain.genesis),
      tokens.balances.get(stakePoolAccount) ?? 0,
    );
  if (broken !== null) return broken;
  return tokens.supply === genesisSupply
    ? null
    : `supply ${tokens.supply}, not ${genesisSupply} (nothing mints)`;
}
