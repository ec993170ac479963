// Operating errors: typed values with a plain message, for bad input from any side.
// Programmer errors are assertions (`assert`) and stop the peer.

export type ErrorCode =
  | 'BAD_SIGNATURE'
  | 'WRONG_CHAIN'
  | 'NONCE_REPLAYED'
  | 'NONCE_GAP'
  | 'NON_CANONICAL'
  | 'MALFORMED'
  | 'UNKNOWN_TYPE'
  | 'MISSING_FIELD'
  | 'BAD_FIELD_TYPE'
  | 'TOO_LARGE'
  | 'BAD_KEY'
  | 'MEMPOOL_FULL'
  | 'BAD_BLOCK'
  | 'BAD_CERTIFICATE'
  | 'TAMPERED'
  | 'NOT_FOUND'
  | 'TIMEOUT'
  | 'NOT_READY'
  | 'BAD_REQUEST'
  | 'STORAGE_FAILED'
  | 'UNAUTHORIZED'
  // contracts: the code threw, ran out of steps, or out of memory/stack (worker/core/contracts.ts)
  | 'CONTRACT_FAILED'
  | 'CONTRACT_STEPS'
  | 'CONTRACT_MEMORY'
  // admission: a consortium or private chain takes transactions only from its members
  | 'NOT_MEMBER'
  // a transaction breaks one of the chain's policies (gov/policy/*; the message names it)
  | 'POLICY'
  // storage: a peer's dataset blob store is full (worker/data)
  | 'QUOTA'
  // tokens: the paying account holds less than the amount (and fee) it would pay
  | 'INSUFFICIENT_FUNDS'
  // a broken invariant inside the peer (an assertion, worker/host/assertions.ts): the peer stops
  | 'INTERNAL';

export class BotError extends Error {
  override readonly name = 'BotError';
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }

  toJSON(): { code: ErrorCode; message: string } {
    return { code: this.code, message: this.message };
  }
}

export function botError(code: ErrorCode, message: string): BotError {
  return new BotError(code, message);
}

/**
 * A broken invariant (a TigerBeetle-style assertion on a state transition): a BotError with code
 * INTERNAL, which the host treats as fatal (it stops the peer with one log line and writes
 * nothing after it). Bad input is never an invariant: it is refused with its own code.
 */
export function invariant(condition: unknown, message: string): asserts condition {
  if (!condition) throw new BotError('INTERNAL', `Invariant broken: ${message}.`);
}

/** A broken invariant inside the peer: stop, do not limp on. */
export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(`assertion failed: ${message}`);
}
