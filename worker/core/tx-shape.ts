// The transaction envelope's fields, apart from tx.ts (which checks bodies through txtypes.ts)
// so that the files holding the body and state rules can name it without an import cycle.

export interface UnsignedTx {
  chain: string;
  type: string;
  from: string;
  nonce: number;
  time: number;
  body: unknown;
}

export interface Tx extends UnsignedTx {
  sig: Uint8Array;
}
