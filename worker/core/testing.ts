// Helpers for tests and the simulator: deterministic identities and signed transactions.
import { sha256 } from './crypto/hash';
import { utf8 } from './bytes';
import { publicKeyFromSeed } from './crypto/ed25519';
import { didFromPublicKey } from './crypto/did';
import { genesisState, type ChainMode, type Genesis } from './ledger';
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
