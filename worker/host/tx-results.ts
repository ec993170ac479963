// What the peer answers about a transaction id (waitFor, GET /v1/tx/:id, `tx` events), and the
// rule that keeps those answers final (issue 14, section 3).
//
// A transaction's id is the hash of its signed bytes, without the signature (core/tx.ts), so
// anyone can make a copy of a transaction under the same id: with the signature zeroed, or
// replayed after it committed. Such a copy is refused, but its refusal is not the
// transaction's result:
// - a committed result is final: no later rejection replaces it, even one for the same id
//   (a replay refused as NONCE_REPLAYED), and also after the result has left the bounded memory
//   here (the caller asks the stored tx index before recording such a rejection);
// - a rejection for a bad signature is never recorded under the id: bytes whose signature does
//   not hold are not that transaction (its signer never made them). The one who submitted them
//   is told at once (submitRaw throws BAD_SIGNATURE; POST /v1/tx answers 400).
// Any other rejection of an undecided id is its result (the signer's own transaction failed).
import type { TxResult } from '../api';
import type { BotError } from '../core/errors';
import { RecentMap } from './recent-map';

export type Decision = 'recorded' | 'ignored';

export class TxResults {
  private readonly results: RecentMap<string, TxResult>;

  constructor(resultsMax: number) {
    this.results = new RecentMap<string, TxResult>(resultsMax);
  }

  get(txId: string): TxResult | undefined {
    return this.results.get(txId);
  }

  /**
   * The transaction is in a block that is durable: final, whatever was recorded before. With
   * `error` it failed in execution there (it used its nonce): rejected, and just as final.
   */
  committed(txId: string, height: number, error?: BotError | null): TxResult {
    const result: TxResult = error
      ? { status: 'rejected', height, error: error.toJSON() }
      : { status: 'committed', height };
    this.results.set(txId, result);
    return result;
  }

  /**
   * A rejection the core reported for `txId`: recorded unless the id's result is final or the
   * rejection is for a bad signature. `committedInStore` is asked only when memory holds no
   * result and the rejection is one a copy of a committed transaction gets (NONCE_REPLAYED).
   */
  async rejected(
    txId: string,
    error: BotError,
    committedInStore: (txId: string) => Promise<boolean>,
  ): Promise<{ decision: Decision; result: TxResult }> {
    const result: TxResult = { status: 'rejected', error: error.toJSON() };
    if (!this.mayRecordRejection(txId, error)) return { decision: 'ignored', result };
    if (
      error.code === 'NONCE_REPLAYED' &&
      !this.results.has(txId) &&
      (await committedInStore(txId))
    )
      return { decision: 'ignored', result };
    // Committed while the store was asked: still final.
    if (isFinal(this.results.get(txId))) return { decision: 'ignored', result };
    this.results.set(txId, result);
    return { decision: 'recorded', result };
  }

  /** Whether a rejection may replace what is known about `txId` (synchronous part of the rule). */
  mayRecordRejection(txId: string, error: BotError): boolean {
    if (error.code === 'BAD_SIGNATURE') return false;
    return !isFinal(this.results.get(txId));
  }

  /**
   * A copy of `txId` is admitted again (a retry after a rejection): an earlier rejection no
   * longer answers for it. A result decided by a block (committed, or failed in it) stays.
   */
  retrying(txId: string): void {
    const known = this.results.get(txId);
    if (known?.status === 'rejected' && !isFinal(known)) this.results.delete(txId);
  }
}

/** Decided by a block: committed, or failed in execution at a height. */
function isFinal(result: TxResult | undefined): boolean {
  return (
    result?.status === 'committed' || (result?.status === 'rejected' && result.height !== undefined)
  );
}
