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
