// For tests and the two-chain simulator: a real chain of the core (executeBlock over the module
// registry), each block committed with a certificate its validators sign as consensus would, and
// the history a light client or a relay reads (headers, certificates, states for proofs).
// Deterministic: identities from names, block times from heights.
import { commitSigningBytes } from '../block';
import { signerFromSeed } from '../crypto/ed25519';
import { executeBlock, genesisState, type ChainState, type Genesis } from '../ledger';
import { testIdentity, type TestIdentity } from '../testing';
import { signTx, type Tx } from '../tx';
import type { TokenGenesis } from '../modules/tokens/types';
import type { RelayChainView } from '../modules/xchain/relay';
import { validatorsKey, type HeaderUpdate, type LightCertificate, type LightHeader } from './index';

export interface KitBlock {
  header: LightHeader;
  cert: LightCertificate;
  state: ChainState;
  txIds: string[];
  writes: Map<string, Uint8Array>;
  failed: Array<{ txId: string; code: string }>;
}

const signersBySeed = new Map<TestIdentity, (message: Uint8Array) => Uint8Array>();
function signerOf(id: TestIdentity): (message: Uint8Array) => Uint8Array {
  let signer = signersBySeed.get(id);
  if (!signer) {
    signer = signerFromSeed(id.seed);
    signersBySeed.set(id, signer);
  }
  return signer;
}

export class TestChain {
  readonly genesis: Genesis;
  readonly blocks: KitBlock[] = [];
  state: ChainState;
  readonly nonces = new Map<string, number>();
  /** Validator identities by did (the signers of certificates). */
  readonly signers = new Map<string, TestIdentity>();
  /** Submitted transactions waiting for the next block. */
  pending: Tx[] = [];

  constructor(
    readonly name: string,
    validators: TestIdentity[],
    tokens?: TokenGenesis,
    extraSigners: TestIdentity[] = [],
  ) {
    this.genesis = {
      name,
      mode: 'public',
      consensus: { engine: 'bft', timeoutMs: 100 },
      validators: validators.map((id) => ({ did: id.did, power: 1 })),
      time: 1_700_000_000_000,
      salt: name,
      ...(tokens ? { tokens } : {}),
    };
    for (const id of [...validators, ...extraSigners]) this.signers.set(id.did, id);
    const start = genesisState(this.genesis);
    this.state = start.state;
    this.genesisWrites = start.writes;
  }

  private readonly genesisWrites: Map<string, Uint8Array>;

  get chainId(): string {
    return this.state.chainId;
  }

  get height(): number {
    return this.state.height;
  }

  /** A signed transaction of `from` with its next nonce (counted here, not on chain). */
  tx(from: TestIdentity, type: string, body: unknown): Tx {
    const nonce = (this.nonces.get(from.did) ?? 0) + 1;
    this.nonces.set(from.did, nonce);
    return signTx(
      { chain: this.chainId, type, from: from.did, nonce, time: this.genesis.time, body },
      from.seed,
    );
  }

  /** Resynchronise the local nonce of `did` with the chain (after a crash lost a transaction). */
  syncNonce(did: string): void {
    this.nonces.set(did, this.state.nonces.get(did) ?? 0);
  }

  submit(...txs: Tx[]): void {
    this.pending.push(...txs);
  }

  /**
   * Commit the next block with the waiting transactions, signed by the validators in force (or
   * by `signWith`, to forge). Transactions that cannot be in it (a replayed nonce) are dropped.
   */
  commit(txs: Tx[] = this.pending, signWith?: TestIdentity[]): KitBlock {
    this.pending = [];
    const height = this.state.height + 1;
    const proposer = this.state.validators[0]!.did;
    const executed = executeBlock(
      this.state,
      txs,
      { time: this.genesis.time + height * 1000, proposer, round: 0 },
      false,
    );
    const header = executed.block.header;
    const signers =
      signWith ?? this.state.validators.map((v) => this.signers.get(v.did)!).filter(Boolean);
    const cert: LightCertificate = {
      height,
      round: 0,
      block: executed.hash,
      sigs: signers.map((id) => ({
        validator: id.did,
        sig: signerOf(id)(commitSigningBytes(this.chainId, height, 0, executed.hash)),
      })),
    };
    this.state = executed.state;
    const block: KitBlock = {
      header,
      cert,
      state: executed.state,
      txIds: executed.txIds,
      writes: executed.writes,
      failed: executed.failed.map((f) => ({ txId: f.txId, code: f.error!.code })),
    };
    this.blocks.push(block);
    return block;
  }

  blockAt(height: number): KitBlock {
    const block = this.blocks[height - 1];
    if (!block) throw new Error(`${this.name} has no block ${height}`);
    return block;
  }

  /** The light-client update of block `height`: header, certificate, next set and its proof. */
  update(height: number): HeaderUpdate {
    const block = this.blockAt(height);
    return {
      header: block.header,
      cert: block.cert,
      validators: block.state.validators,
      siblings: block.state.trie.prove(validatorsKey)!.siblings,
    };
  }

  /** The stored entry of `key` after block `height`, or null when it has none. */
  entryAt(height: number, key: string): Uint8Array | null {
    for (let h = height; h >= 1; h--) {
      const bytes = this.blockAt(h).writes.get(key);
      if (bytes) return bytes;
    }
    return this.genesisWrites.get(key) ?? null;
  }

  /** The entry of `key` after block `height` and its Merkle proof, or null when absent. */
  proveAt(height: number, key: string): { entry: Uint8Array; siblings: Uint8Array[] } | null {
    const entry = this.entryAt(height, key);
    const state = height === 0 ? genesisState(this.genesis).state : this.blockAt(height).state;
    const proof = state.trie.prove(key);
    return entry && proof ? { entry, siblings: proof.siblings } : null;
  }
}

export function ids(prefix: string, count: number): TestIdentity[] {
  return Array.from({ length: count }, (_, i) => testIdentity(`${prefix} ${i}`));
}

/** What a relay reads of a test chain (worker/core/modules/xchain/relay.ts). */
export function relayView(chain: TestChain): RelayChainView {
  const xchain = () => chain.state.xchain;
  return {
    chainId: chain.chainId,
    get height() {
      return chain.height;
    },
    update: (height) => chain.update(height),
    prove: (height, key) => chain.proveAt(height, key),
    link: (remote) => xchain()?.links.get(remote),
    openLocks: () => [...(xchain()?.outs.values() ?? [])].filter((r) => r.s === 'locked'),
    incoming: (id) => xchain()?.ins.get(id),
  };
}
