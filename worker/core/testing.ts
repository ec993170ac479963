// Helpers for tests and the simulator: deterministic identities and signed transactions.
import { sha256 } from './crypto/hash';
import { utf8 } from './bytes';
import { publicKeyFromSeed } from './crypto/ed25519';
import { didFromPublicKey } from './crypto/did';
import {
  executeBlock,
  genesisState,
  replayBlock,
  stateFromEntries,
  type ChainMode,
  type ChainState,
  type ExecutedBlock,
  type Genesis,
} from './ledger';
import { toHex } from './bytes';
import { signTx, type Tx, type UnsignedTx } from './tx';

export interface TestIdentity {
  did: string;
  seed: Uint8Array;
  publicKey: Uint8Array;
}

export function testIdentity(name: string): TestIdentity {
  const seed = sha256(utf8(`test identity ${name}`));
  const publicKey = publicKeyFromSeed(seed);
  return { did: didFromPublicKey(publicKey), seed, publicKey };
}

export function devGenesis(validator: TestIdentity, name = 'dev'): Genesis {
  return {
    name,
    mode: 'private',
    consensus: { engine: 'solo' },
    validators: [{ did: validator.did, power: 1 }],
    time: 1_700_000_000_000,
    salt: validator.did,
  };
}

/** A BFT genesis over the given validators, power 1 each (public: anyone may send transactions). */
export function bftGenesis(
  name: string,
  validators: TestIdentity[],
  mode: ChainMode = 'public',
): Genesis {
  return {
    name,
    mode,
    consensus: { engine: 'bft', timeoutMs: 100 },
    validators: validators.map((id) => ({ did: id.did, power: 1 })),
    time: 1_700_000_000_000,
    salt: name,
  };
}

export function devChain(validator: TestIdentity) {
  return genesisState(devGenesis(validator));
}

export function put(
  id: TestIdentity,
  chain: string,
  nonce: number,
  key: string,
  value: unknown,
): Tx {
  const unsigned: UnsignedTx = {
    chain,
    type: 'data.put',
    from: id.did,
    nonce,
    time: 1_700_000_000_000 + nonce,
    body: { key, value },
  };
  return signTx(unsigned, id.seed);
}

/**
 * Module tests on a dev chain of `proposer`: signs each identity's transactions in nonce order
 * (the next after what the chain committed), runs blocks on them, and keeps every block so a test
 * can check that another peer replays them to the same hashes and a reload rebuilds the state.
 */
export class BlockRunner {
  private nonces = new Map<string, number>();
  readonly blocks: ExecutedBlock[] = [];

  constructor(
    private readonly proposer: TestIdentity,
    private readonly everyone: readonly TestIdentity[],
  ) {}

  /** Forget the nonces and the blocks (a test starting on a fresh chain). */
  reset(): void {
    this.nonces = new Map();
    this.blocks.length = 0;
  }

  tx = (from: TestIdentity, chain: string, type: string, body: unknown): Tx => {
    const nonce = (this.nonces.get(from.did) ?? 0) + 1;
    this.nonces.set(from.did, nonce);
    return signTx(
      { chain, type, from: from.did, nonce, time: 1_700_000_000_000 + nonce, body },
      from.seed,
    );
  };

  /** One block of `txs`; throws if one was refused outright (failed in execution is fine). */
  run = (state: ChainState, txs: Tx[]): ExecutedBlock => {
    const executed = executeBlock(
      state,
      txs,
      { time: state.headTime + 1, proposer: this.proposer.did, round: 0 },
      false,
    );
    if (executed.rejected.length > 0)
      throw new Error(`refused outright: ${JSON.stringify(executed.rejected)}`);
    for (const who of this.everyone)
      this.nonces.set(who.did, executed.state.nonces.get(who.did) ?? 0);
    this.blocks.push(executed);
    return executed;
  };

  /** Replays every block from the genesis; throws at the first hash that differs. */
  replayAll(): ChainState {
    let replayed = devChain(this.proposer).state;
    for (const executed of this.blocks) {
      const again = replayBlock(replayed, executed.block);
      if (toHex(again.hash) !== toHex(executed.hash))
        throw new Error(`block ${executed.block.header.height} replays to another hash`);
      replayed = again.state;
    }
    return replayed;
  }

  /** The state a reload builds from the genesis's and every block's writes. */
  rebuilt(genesis: Genesis): ChainState {
    const entries = new Map<string, Uint8Array>();
    for (const [k, v] of devChain(this.proposer).writes) entries.set(k, v);
    for (const executed of this.blocks) for (const [k, v] of executed.writes) entries.set(k, v);
    const last = this.blocks.at(-1)!;
    return stateFromEntries(genesis, last.block.header, last.hash, entries);
  }
}
