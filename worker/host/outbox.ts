// The outbox: this peer's own signed transactions that are not yet durably committed, kept in
// the store (Storage.updateOutbox) so that a restarted peer neither loses nor re-signs them.
//
// - keep: a transaction this peer signed is stored here BEFORE it enters the mempool (and so
//   before it can reach any other peer or a block) and before its caller is told "accepted".
//   A crash before that write lands: the caller was never told, nobody else has the
//   transaction, and its nonce is free again. A crash after: it is restored below.
// - forget: once a block holding it is durable on this peer, or it was finally refused here,
//   the entry is dropped, lazily (a drop that never lands is found stale at the next start).
// - restore (each time a chain is loaded): the entries of this chain and identity, replayed in
//   signing order (a later entry with nonce n replaces earlier ones from n on: the nonces were
//   released and signed again), those above the committed nonce and contiguous with it are
//   resubmitted in nonce order, and the next nonce is signed above the highest of them. Every
//   accepted write still ends committed, or rejected for its own fault, across any crash.
import type { Storage, OutboxEntry } from '../store/storage';
import { decodeTx, encodeTx, txIdOf, type Tx } from '../core/tx';

export interface Restored {
  /** To resubmit, in nonce order. */
  txs: Array<{ tx: Tx; txId: string }>;
  /** Entries left behind (stale, another identity's, or past a gap), with why. */
  dropped: Array<{ txId: string; reason: string }>;
}

export class Outbox {
  /** The seq of the last entry written (or found at restore). */
  private seq = 0;
  /** Entries kept, by tx id. */
  private readonly kept = new Map<string, number>();
  /** Seq numbers to drop at the next write. */
  private drops: number[] = [];
  private flushing: Promise<void> | null = null;

  constructor(private readonly storage: Storage) {}

  get persists(): boolean {
    return this.storage.updateOutbox !== undefined;
  }

  /** Store signed transactions (and any drops waiting); durable when it resolves. */
  async keep(txs: readonly Tx[]): Promise<void> {
    if (!this.storage.updateOutbox || txs.length === 0) return;
    const entries: OutboxEntry[] = txs.map((tx) => ({
      seq: ++this.seq,
      chainId: tx.chain,
      txId: txIdOf(tx),
      nonce: tx.nonce,
      bytes: encodeTx(tx),
    }));
    const drops = this.drops;
    this.drops = [];
    await this.storage.updateOutbox(entries, drops);
    for (const entry of entries) this.kept.set(entry.txId, entry.seq);
  }

  /** Drop the entries of these transactions (committed durably, or refused for good). */
  forget(txIds: Iterable<string>): void {
    for (const txId of txIds) {
      const seq = this.kept.get(txId);
      if (seq === undefined) continue;
      this.kept.delete(txId);
      this.drops.push(seq);
    }
    if (this.drops.length > 0) this.flush();
  }

  /** Write the drops waiting, one write at a time. */
  private flush(): void {
    if (this.flushing || !this.storage.updateOutbox) return;
    const drops = this.drops;
    this.drops = [];
    this.flushing = this.storage.updateOutbox([], drops).then(
      () => {
        this.flushing = null;
        if (this.drops.length > 0) this.flush();
      },
      () => {
        // A drop that did not land is found stale at the next start: nothing is lost.
        this.flushing = null;
      },
    );
  }

  /** The kept transactions of `chainId` signed by `did` that may still commit (see the head comment). */
  async restore(chainId: string, did: string, committedNonce: number): Promise<Restored> {
    const entries = (await this.storage.readOutbox?.()) ?? [];
    for (const entry of entries) this.seq = Math.max(this.seq, entry.seq);
    const byNonce = new Map<number, { entry: OutboxEntry; tx: Tx }>();
    const dropped: Restored['dropped'] = [];
    const drop = (entry: OutboxEntry, reason: string) => {
      this.drops.push(entry.seq);
      dropped.push({ txId: entry.txId, reason });
    };
    for (const entry of entries) {
      if (entry.chainId !== chainId) continue; // kept for when that chain is used again
      let tx: Tx;
      try {
        tx = decodeTx(entry.bytes);
      } catch {
        drop(entry, 'its stored bytes do not decode');
        continue;
      }
      if (tx.from !== did) {
        drop(entry, 'another identity signed it');
        continue;
      }
      for (const [nonce, older] of byNonce)
        if (nonce >= entry.nonce) {
          byNonce.delete(nonce);
          drop(older.entry, `its nonce was released and signed again`);
        }
      byNonce.set(entry.nonce, { entry, tx });
    }
    const txs: Restored['txs'] = [];
    let next = committedNonce + 1;
    for (const nonce of [...byNonce.keys()].sort((a, b) => a - b)) {
      const { entry, tx } = byNonce.get(nonce)!;
      if (nonce < next) drop(entry, 'its nonce is committed');
      else if (nonce > next) drop(entry, `nonce ${next} before it was refused`);
      else {
        txs.push({ tx, txId: entry.txId });
        this.kept.set(entry.txId, entry.seq);
        next++;
      }
    }
    if (this.drops.length > 0) this.flush();
    return { txs, dropped };
  }
}
