// Transactions waiting for a block, bounded in total and per account, in arrival order.
// Owned by one PeerState and mutated in place (copying it per admission would be quadratic).
import { botError, type BotError } from './errors';
import { mayWrite, notMemberError, txRightsError, type ChainState } from './ledger';
import type { Tx } from './tx';
import * as limits from './limits';

export class Mempool {
  readonly txs = new Map<string, Tx>();
  /** Highest nonce waiting per account. */
  private readonly pendingNonce = new Map<string, number>();

  get size(): number {
    return this.txs.size;
  }

  /**
   * Admit a transaction whose signature is verified, from a sender who may write on the chain:
   * the next nonce after committed and pending. A waiting transaction's successor is admitted
   * before it is decided: a block either holds it (taking effect or failed, its nonce used) or
   * leaves it out only for a fault that leaves its successors out too (see ledger.executeBlock).
   */
  admit(chain: ChainState, txId: string, tx: Tx): BotError | null {
    if (this.txs.has(txId)) return null;
    if (tx.chain !== chain.chainId)
      return botError(
        'WRONG_CHAIN',
        `This transaction is for chain ${tx.chain}, not ${chain.chainId}.`,
      );
    if (!mayWrite(chain, tx.from, undefined, tx)) return notMemberError(chain, tx.from);
    // The chain's roles and policies: a transaction no block may hold is not kept.
    const rights = txRightsError(chain, tx);
    if (rights) return rights;
    if (this.txs.size >= limits.mempoolTxCountMax)
      return botError(
        'MEMPOOL_FULL',
        'The peer has too many transactions waiting; try again shortly.',
      );
    const committed = chain.nonces.get(tx.from) ?? 0;
    const expected = (this.pendingNonce.get(tx.from) ?? committed) + 1;
    if (tx.nonce <= committed)
      return botError(
        'NONCE_REPLAYED',
        `Nonce ${tx.nonce} of ${tx.from} was already used (last committed: ${committed}).`,
      );
    if (tx.nonce < expected)
      return botError(
        'NONCE_REPLAYED',
        `Nonce ${tx.nonce} of ${tx.from} is already waiting in another transaction.`,
      );
    if (tx.nonce > expected)
      return botError(
        'NONCE_GAP',
        `Nonce ${tx.nonce} of ${tx.from} skips ahead; the next one must be ${expected}.`,
      );
    if (tx.nonce - committed > limits.mempoolPerAccountMax)
      return botError('MEMPOOL_FULL', 'This account has too many transactions waiting.');
    this.txs.set(txId, tx);
    this.pendingNonce.set(tx.from, tx.nonce);
    return null;
  }

  /** The first `count` waiting transactions, in arrival order. */
  take(count: number): Array<[string, Tx]> {
    const out: Array<[string, Tx]> = [];
    for (const entry of this.txs) {
      if (out.length >= count) break;
      out.push(entry);
    }
    return out;
  }

  /** Drop transactions that were committed or rejected. */
  remove(txIds: Iterable<string>): void {
    const touched = new Set<string>();
    for (const id of txIds) {
      const tx = this.txs.get(id);
      if (!tx) continue;
      touched.add(tx.from);
      this.txs.delete(id);
    }
    if (touched.size === 0) return;
    for (const did of touched) this.pendingNonce.delete(did);
    for (const tx of this.txs.values()) {
      if (touched.has(tx.from))
        this.pendingNonce.set(tx.from, Math.max(tx.nonce, this.pendingNonce.get(tx.from) ?? 0));
    }
  }
}
