// A chain with tokens and datasets for the market's tests (pure core, no host).
import {
  executeBlock,
  genesisState,
  stateFromEntries,
  type ChainState,
  type ExecutedBlock,
  type Genesis,
} from '../../ledger';
import { devGenesis, testIdentity, type TestIdentity } from '../../testing';
import { signTx, type Tx } from '../../tx';
import { balanceOf, emptyTokens, type TokenState } from '../tokens';
import { bindingFromSeed, wrappedKeyBytes } from '../datasets/keys';
import { emptyMarket } from './apply';
import type { MarketState } from './types';

export const validator = testIdentity('mkt validator');

export function marketGenesis(allocations: Array<[TestIdentity, number]>): Genesis {
  return {
    ...devGenesis(validator, 'market'),
    tokens: {
      symbol: 'BOT',
      allocations: allocations.map(([id, amount]) => ({ did: id.did, amount })),
    },
  };
}

export class MarketChain {
  state: ChainState;
  readonly blocks: ExecutedBlock[] = [];
  readonly nonces = new Map<string, number>();
  constructor(readonly genesis: Genesis) {
    this.state = genesisState(genesis).state;
  }
  tx(from: TestIdentity, type: string, body: unknown): Tx {
    const nonce = (this.nonces.get(from.did) ?? 0) + 1;
    this.nonces.set(from.did, nonce);
    return signTx(
      { chain: this.state.chainId, type, from: from.did, nonce, time: this.genesis.time, body },
      from.seed,
    );
  }
  block(txs: Tx[]): ExecutedBlock {
    const executed = executeBlock(
      this.state,
      txs,
      { time: this.genesis.time + this.state.height + 1, proposer: validator.did, round: 0 },
      false,
    );
    if (executed.rejected.length > 0)
      throw new Error(`rejected: ${JSON.stringify(executed.rejected)}`);
    this.state = executed.state;
    this.blocks.push(executed);
    return executed;
  }
  /** One transaction in its own block: its error code, or null when it took effect. */
  run(from: TestIdentity, type: string, body: unknown): string | null {
    const executed = this.block([this.tx(from, type, body)]);
    return executed.failed[0]?.error?.code ?? null;
  }
  /** The id of the last block's first transaction. */
  lastTx(): string {
    return this.blocks.at(-1)!.txIds[0]!;
  }
  lastError(): string {
    return this.blocks.at(-1)!.failed[0]?.error?.message ?? '';
  }
  tokens(): TokenState {
    return this.state.tokens ?? emptyTokens(this.genesis);
  }
  market(): MarketState {
    return this.state.market ?? emptyMarket();
  }
  balance(id: TestIdentity | string): number {
    return balanceOf(this.tokens(), typeof id === 'string' ? id : id.did);
  }
  /**
   * A dataset with `versions` versions, owned by `owner` (fake wrapped keys: the core does not
   * open them; with `keyCheck`, each version commits a check value no fake wrap opens to).
   */
  publish(owner: TestIdentity, id: string, versions = 1, keyCheck = false): void {
    this.block([
      this.keyTx(owner),
      this.tx(owner, 'dataset.publish', {
        id,
        labels: [],
        schema: 'csv',
        policy: { mode: 'owner' },
      }),
    ]);
    for (let v = 1; v <= versions; v++)
      this.block([
        this.tx(owner, 'dataset.version', {
          dataset: id,
          version: v,
          fingerprint: new Uint8Array(32).fill(v),
          sealedBytes: 100,
          keys: [wrapFor(owner, v)],
          ...(keyCheck ? { keyCheck: new Uint8Array(32).fill(v) } : {}),
        }),
      ]);
  }
  keyTx(id: TestIdentity): Tx {
    const binding = bindingFromSeed(id.seed, id.did);
    return this.tx(id, 'identity.x25519', { key: binding.x25519, signature: binding.signature });
  }
  reload(): ChainState {
    const entries = new Map(genesisState(this.genesis).writes);
    for (const b of this.blocks) for (const [k, v] of b.writes) entries.set(k, v);
    const head = this.blocks.at(-1)!;
    return stateFromEntries(this.genesis, head.block.header, head.hash, entries);
  }
}

export function wrapFor(to: TestIdentity, n = 1) {
  return {
    reader: to.did,
    ephemeral: new Uint8Array(32).fill(n),
    sealed: new Uint8Array(wrappedKeyBytes).fill(n),
  };
}

/** Delivery keys for versions from..to. */
export function deliveryKeys(to: TestIdentity, from: number, until: number) {
  const keys = [];
  for (let v = from; v <= until; v++) keys.push({ version: v, key: wrapFor(to, v) });
  return keys;
}
