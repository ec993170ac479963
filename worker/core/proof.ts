// Checking a state proof as a light client would: from the bytes, not from the peer's word.
// Pure; the page imports this to show a proof verified by itself.
import { fromHex } from './bytes';
import { sha256 } from './crypto/hash';
import { decodeDataEntry } from './modules/data';
import { verifyStateProof } from './state-trie';
import { decodeTokenAccount } from './modules/tokens/apply';
import { tokenAccountPrefix } from './modules/tokens/types';

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

/**
 * A balance proof (issue 16): the tok/acct/<account> entry against the state root, and the
 * balance it holds. Pure, for a light client or the page.
 */
export function checkBalanceProof(proof: ProofInput): { ok: boolean; balance?: number } {
  try {
    const entry = fromHex(proof.entry);
    if (!proof.key.startsWith(tokenAccountPrefix)) return { ok: false };
    const ok = verifyStateProof(fromHex(proof.stateRoot), proof.key, sha256(entry), {
      siblings: proof.siblings.map(fromHex),
    });
    return ok ? { ok: true, balance: decodeTokenAccount(entry).balance } : { ok: false };
  } catch {
    return { ok: false };
  }
}
