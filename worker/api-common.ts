// View types that several capability files of window.bot share (worker/api-*.ts). Types only.

/** A state entry with the Merkle path to a block's state root. */
export interface StateProofView {
  /** The state key (e.g. "data/<key>"). */
  key: string;
  /** Encoded entry, hex; its SHA-256 is the leaf's value hash. */
  entry: string;
  siblings: string[];
  stateRoot: string;
  /** Height of the block whose header carries stateRoot. */
  height: number;
}

/**
 * A key's proof of absence (issue 19): folding `siblings` up from the empty subtree, or from the
 * one leaf of another key (`other`) that sits on the key's path, gives `stateRoot`; so the state
 * at `height` holds no entry under `key`. Hex throughout; checked in the page with
 * core/proof.ts checkAbsenceProof.
 */
export interface AbsenceProofView {
  /** The state key (e.g. "data/<key>"). */
  key: string;
  siblings: string[];
  other: { keyHash: string; valueHash: string } | null;
  stateRoot: string;
  /** Height of the block whose header carries stateRoot. */
  height: number;
}
