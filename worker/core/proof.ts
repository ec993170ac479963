// Checking a state proof as a light client would: from the bytes, not from the peer's word.
// Pure; the page imports this to show a proof verified by itself.
import { fromHex } from './bytes';
import { sha256 } from './crypto/hash';
import { decodeDataEntry } from './modules/data';
import { verifyStateProof } from './state-trie';

export interface ProofInput {
  key: string;
  entry: string;
  siblings: string[];
  stateRoot: string;
}

export function checkProof(proof: ProofInput): {
  ok: boolean;
  value?: unknown;
  deleted?: boolean;
  height?: number;
} {
  try {
    const entry = fromHex(proof.entry);
    const ok = verifyStateProof(fromHex(proof.stateRoot), proof.key, sha256(entry), {
      siblings: proof.siblings.map(fromHex),
    });
    if (!ok) return { ok: false };
    const decoded = decodeDataEntry(entry);
    return { ok: true, value: decoded.value, deleted: decoded.deleted, height: decoded.height };
  } catch {
    return { ok: false };
  }
}
