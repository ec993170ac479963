// Checking a state proof as a light client would: from the bytes, not from the peer's word.
// Pure; the page imports this to show a proof verified by itself.
import { fromHex, toHex } from './bytes';
import { sha256 } from './crypto/hash';
import { decodeDataEntry } from './modules/data';
import { verifyAbsenceProof, verifyStateProof, type AbsenceProof } from './state-trie';
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

export interface AbsenceProofInput {
  key: string;
  siblings: string[];
  other: { keyHash: string; valueHash: string } | null;
  stateRoot: string;
}

/** A proof of absence as it is sent (hex), with the state root and the height it is for. */
export function absenceProofView(
  key: string,
  proof: AbsenceProof,
  stateRoot: Uint8Array,
  height: number,
): AbsenceProofInput & { height: number } {
  return {
    key,
    siblings: proof.siblings.map(toHex),
    other: proof.other
      ? { keyHash: toHex(proof.other.keyHash), valueHash: toHex(proof.other.valueHash) }
      : null,
    stateRoot: toHex(stateRoot),
    height,
  };
}

/**
 * A proof that `key` holds nothing under the state root (state-trie.ts verifyAbsenceProof), from
 * hex as a peer sends it. Anything malformed is not ok; never throws.
 */
export function checkAbsenceProof(proof: AbsenceProofInput): { ok: boolean } {
  try {
    if (typeof proof?.key !== 'string' || !Array.isArray(proof.siblings)) return { ok: false };
    const other =
      proof.other === null
        ? null
        : { keyHash: fromHex(proof.other.keyHash), valueHash: fromHex(proof.other.valueHash) };
    return {
      ok: verifyAbsenceProof(fromHex(proof.stateRoot), proof.key, {
        siblings: proof.siblings.map(fromHex),
        other,
      }),
    };
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
