// Submissions and own nonces: signing this peer's transactions in nonce order, verifying
// submissions in chunks and feeding them in order, results and the callers waiting for them.
import type { PeerEffect, PeerInput } from '../core/consensus/types';
import { precheckTx, txRightsError, type ChainState } from '../core/ledger';
import {
  checkTx,
  decodeTx,
  txIdOf,
  txSigningBytes,
  withSignature,
  type Tx,
  type UnsignedTx,
} from '../core/tx';
import { publicKeyFromDid } from '../core/crypto/did';
import { BotError, botError } from '../core/errors';
import * as limits from '../core/limits';
import type { CachingVerifier } from './crypto';
import { TxResults } from './tx-results';
import type { LogEntry, Status, TxResult } from '../api';
import { clockOf, type HostState, type HostOptions } from './host-state';
import type { TimerHandle } from '../net/clock';
import { Outbox } from './outbox';

type Waiter = { resolve: (r: TxResult) => void; timer: TimerHandle; release: () => void };

export interface SubmissionsDeps {
  state: HostState;
  options: HostOptions;
  verifier: CachingVerifier;
  record(level: LogEntry['level'], message: string): void;
  ready(): Promise<Status>;
  /** Run work in the event loop, after everything queued before it. */
  enqueue<T>(work: () => Promise<T> | T): Promise<T>;
  /** One core step inside the loop; the caller queues its effects. */
  stepOnly(input: PeerInput): PeerEffect[];
  /** Load the contract engine if a step of `inputs` may run a contract (peer-host.ts). */
  engineFor(inputs: readonly PeerInput[]): Promise<void>;
  queueEffects(effects: PeerEffect[]): void;
  /** A service's work failed: a broken invariant stops the peer, a refusal is logged. */
  fatal(error: unknown): void;
  /** Stop the peer, whatever the error (a failed outbox write: nothing signed after it may go). */
  halt(error: unknown): void;
  scheduleTick(): void;
  /** `tx`: the transaction judged (an ITS trip admits itself by its certificate). */
  mayWrite(did: string, tx?: Tx): boolean;
  notMember(did: string): BotError;
  storedResult(txId: string, height: number): Promise<TxResult>;
  /** A data.put under a read role, sealed for the role's holders (sealed-values.ts). */
  seal(
    chain: ChainState,
    request: { type: string; body: unknown },
  ): Promise<{ type: string; body: unknown }>;
}

export class Submissions {
  private readonly s: HostState;
  /** Results by tx id; a committed one is final (tx-results.ts). */
  readonly txResults = new TxResults(limits.recentResultsMax);
  private readonly waiters = new Map<string, Waiter[]>();
  private flushScheduled = false;
  /** Own signed transactions not yet durably committed, in the store (outbox.ts). */
  private readonly outbox: Outbox;

  constructor(private readonly d: SubmissionsDeps) {
    this.s = d.state;
    this.outbox = new Outbox(d.options.storage);
  }

  /**
   * At each load of a chain, before anything is signed: resubmit this peer's own transactions
   * the outbox still holds (signed before a restart, maybe waiting in other peers' mempools),
   * and sign from above the highest of them, so no nonce is signed twice.
   */
  async restoreOwn(): Promise<void> {
    const did = this.s.identityView.did;
    const committed = this.s.peer.chain.nonces.get(did) ?? 0;
    const { txs, dropped } = await this.outbox.restore(this.s.peer.chain.chainId, did, committed);
    if (dropped.length > 0)
      this.d.record(
        'info',
        `The outbox held ${dropped.length} own transaction${dropped.length === 1 ? '' : 's'} that will not commit; dropped (the first, ${dropped[0]!.txId.slice(0, 12)}: ${dropped[0]!.reason}).`,
      );
    if (txs.length === 0) return;
    this.s.nonceNext = Math.max(this.s.nonceNext, txs.at(-1)!.tx.nonce);
    this.d.record(
      'info',
      `Resubmitting ${txs.length} own transaction${txs.length === 1 ? '' : 's'} signed before the restart (nonces ${txs[0]!.tx.nonce}-${txs.at(-1)!.tx.nonce}).`,
    );
    for (const { tx, txId } of txs) {
      this.ownPending.set(txId, tx.nonce);
      this.admit(tx, false, false, false).catch((error: Error) =>
        this.d.record(
          'warn',
          `Transaction ${txId.slice(0, 12)} was not resubmitted: ${error.message}`,
        ),
      );
    }
  }

  /** Blocks holding these transactions are durable here: their outbox entries go. */
  durable(txIds: Iterable<string>): void {
    this.outbox.forget(txIds);
  }

  /**
   * The transactions of a committed block: those that failed in execution are rejected with
   * their error, but like the others they used their nonce (an own one is not released).
   */
  settleCommitted(
    height: number,
    txIds: string[],
    failed: Array<{ txId: string; error: BotError | null }>,
  ): void {
    const errors = new Map(failed.map((f) => [f.txId, f.error]));
    for (const txId of txIds) {
      this.ownPending.delete(txId);
      const error = errors.get(txId);
      this.notify(txId, this.txResults.committed(txId, height, error));
      if (error)
        this.d.record(
          'warn',
          `Transaction ${txId.slice(0, 12)} failed in block ${height} (it used its nonce and changed nothing else): ${error.message}`,
        );
    }
  }

  /**
   * The core refused a transaction (the `txRejected` effect). A refused copy (a forged signature,
   * a replay) does not change the id's result (tx-results.ts); a recorded refusal frees an own
   * nonce and tells the waiters.
   */
  async settleRejected(txId: string, error: BotError): Promise<void> {
    const { decision, result } = await this.txResults.rejected(
      txId,
      error,
      async (id) => (await this.d.options.storage.txLocation(id)) !== undefined,
    );
    if (decision === 'recorded') {
      this.releaseNonce(txId);
      this.outbox.forget([txId]);
      this.notify(txId, result);
    }
    this.d.record(
      'warn',
      `Rejected ${decision === 'recorded' ? 'transaction' : 'a copy of transaction'} ${txId.slice(0, 12)}: ${error.message}`,
    );
  }

  /** Tell subscribers and waiters a result that txResults recorded. */
  notify(txId: string, result: TxResult): void {
    this.d.options.emit({ type: 'tx', txId, result });
    const waiting = this.waiters.get(txId);
    if (!waiting) return;
    this.waiters.delete(txId);
    for (const w of waiting) {
      clockOf(this.d.options).clearTimeout(w.timer);
      w.release();
      w.resolve(result);
    }
  }

  /** The peer stopped: waiting callers no longer hold the process open (their timers still run). */
  releaseHolds(): void {
    for (const list of this.waiters.values()) for (const w of list) w.release();
  }

  /** Submissions verified and waiting for their turn: chunks enter the loop in submission order. */
  private submissionOrder: Promise<void> = Promise.resolve();

  /**
   * Verify queued submissions in chunks (limits.submissionChunkTxCountMax) and feed each chunk as soon as it and
   * every chunk before it are verified: the first block executes while later chunks are still
   * being verified, and own nonces stay in order. A full chunk goes to the verifiers at once, so
   * a caller submitting thousands in one go has them verified while it is still decoding the
   * rest; what is left of a chunk goes at the end of the current task (a microtask).
   */
  flushSubmissions(): void {
    if (this.s.pendingSubmissions.length >= limits.submissionChunkTxCountMax) {
      this.dispatchSubmissions();
      return;
    }
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    queueMicrotask(() => {
      this.flushScheduled = false;
      this.dispatchSubmissions();
    });
  }

  dispatchSubmissions(): void {
    const batch = this.s.pendingSubmissions;
    this.s.pendingSubmissions = [];
    for (let at = 0; at < batch.length; at += limits.submissionChunkTxCountMax) {
      const chunk = batch.slice(at, at + limits.submissionChunkTxCountMax);
      // A transaction this peer signed a moment ago is not verified again (a quarter of a busy
      // tab's checks); its check is remembered, so a proposal carrying it skips it too.
      const checks = chunk.map(({ tx }) => ({
        publicKey: publicKeyFromDid(tx.from),
        message: txSigningBytes(tx),
        signature: tx.sig,
      }));
      chunk.forEach((item, i) => item.signedHere && this.d.verifier.remember(checks[i]!));
      const verdicts = this.d.verifier.verifyBatch(checks);
      // Own transactions are in the outbox before the core takes them: before they can leave
      // this peer, and before their callers hear "accepted" (outbox.ts).
      const kept = this.outbox
        .keep(chunk.filter((item) => item.keep).map((item) => item.tx))
        .catch((error: Error) => {
          throw botError(
            'STORAGE_FAILED',
            `A signed transaction could not be stored before it was sent (${error.message}); the peer stops. Restart it.`,
          );
        });
      kept.catch(() => undefined); // heard in order below, after the chunks before it
      this.submissionOrder = this.submissionOrder
        .then(() => Promise.all([verdicts, kept]))
        .then(([results]) =>
          this.d.enqueue(async () => {
            // A peer stopped meanwhile (an earlier chunk's outbox write failed) takes nothing:
            // what it signed after that chunk must not go out with a nonce gap before it.
            this.refuseIfFaulted();
            const inputs = chunk.map(
              (item, i): PeerInput => ({ kind: 'submit', tx: item.tx, sigOk: results[i]! }),
            );
            await this.d.engineFor(inputs);
            this.refuseIfFaulted();
            // What the core refused at once (signature, chain, nonce), per submission.
            const refusals: Array<BotError | null> = [];
            for (let i = 0; i < chunk.length; i++) {
              const effects = this.d.stepOnly(inputs[i]!);
              this.d.queueEffects(effects);
              refusals.push(effects.find((e) => e.kind === 'txRejected')?.error ?? null);
            }
            return refusals;
          }),
        )
        .then(
          (refusals) => {
            chunk.forEach((item, i) => item.done(refusals[i]!));
            this.d.scheduleTick();
          },
          (error) => {
            const failure =
              error instanceof BotError
                ? error
                : botError('INTERNAL', `The submission failed: ${(error as Error)?.message}`);
            chunk.forEach((item) => item.fail(failure));
            if (failure.code === 'STORAGE_FAILED') this.d.halt(failure);
            else this.d.fatal(error);
          },
        );
    }
  }

  /**
   * Queue `tx` for verification and the mempool; resolves once the core has taken or refused it.
   * `refuseAtOnce` (submitRaw): a refusal the core gives at once (bad signature, wrong chain, a
   * used nonce, a gap, a full mempool) rejects the promise with its error, so the submitter hears
   * it now instead of from waitFor; otherwise the refusal is the id's result. `keep`: signed
   * here just now, so stored in the outbox before the core takes it.
   */
  admit(
    tx: Tx,
    signedHere = false,
    refuseAtOnce = false,
    keep = signedHere,
  ): Promise<{ txId: string }> {
    if (!this.s.integrityReport.ok)
      throw botError(
        'TAMPERED',
        'This peer found its stored ledger changed and accepts no writes. Reset the peer or restore it from other peers.',
      );
    if (!this.d.mayWrite(tx.from, tx)) throw this.d.notMember(tx.from);
    // A role its sender lacks, or a policy it breaks: refused at once, naming the role or policy.
    const denied = txRightsError(this.s.peer.chain, tx);
    if (denied) throw denied;
    const txId = txIdOf(tx);
    this.txResults.retrying(txId);
    return new Promise((resolve, reject) => {
      const done = (refusal: BotError | null) =>
        refusal && refuseAtOnce ? reject(refusal) : resolve({ txId });
      this.s.pendingSubmissions.push({ tx, signedHere, keep, done, fail: reject });
      this.flushSubmissions();
    });
  }

  /** Own transactions not yet decided: txId -> nonce (a rejected one frees its nonce). */
  private readonly ownPending = new Map<string, number>();
  /** Nonce assignment and signing run one at a time, so own transactions reach the mempool in nonce order. */
  private signing: Promise<unknown> = Promise.resolve();

  async submit(request: { type: string; body: unknown }): Promise<{ txId: string }> {
    return this.signAndAdmit(request, false);
  }

  /**
   * A transaction the peer decides on its own (an admission proposal or vote, evidence): checked
   * against the state and the waiting transactions just before it is signed, and not signed
   * (the error is thrown) when it would fail, so it never takes a nonce for nothing.
   */
  submitBackground(request: { type: string; body: unknown }): Promise<{ txId: string }> {
    return this.signAndAdmit(request, true);
  }

  async signAndAdmit(
    request: { type: string; body: unknown },
    precheck: boolean,
  ): Promise<{ txId: string }> {
    await this.d.ready();
    this.refuseIfFaulted();
    if (typeof request !== 'object' || request === null)
      throw botError('BAD_REQUEST', 'submit takes { type, body }.');
    const signed = this.signing.then(async () => {
      const chain = this.s.peer.chain;
      if (!this.d.mayWrite(this.s.identityView.did))
        throw this.d.notMember(this.s.identityView.did);
      // a value under a read role never leaves this peer in plaintext: sealed before signing
      const { body } = await this.d.seal(chain, request);
      const committed = chain.nonces.get(this.s.identityView.did) ?? 0;
      const nonce = Math.max(this.s.nonceNext, committed) + 1;
      const unsigned: UnsignedTx = {
        chain: chain.chainId,
        type: request.type,
        from: this.s.identityView.did,
        nonce,
        time: this.d.options.now(),
        body,
      };
      const draft = checkTx({ ...unsigned, sig: new Uint8Array(64) });
      const denied = txRightsError(chain, draft);
      if (denied) throw denied;
      const doomed = precheck
        ? precheckTx(chain, draft, [
            ...this.s.peer.mempool.txs.values(),
            ...this.s.pendingSubmissions.map((p) => p.tx),
          ])
        : null;
      if (doomed) throw doomed;
      // the draft's signed bytes and id are cached (checkTx): the body is encoded once
      const tx = withSignature(draft, await this.s.signer.sign(txSigningBytes(draft)));
      this.s.nonceNext = nonce;
      const txId = txIdOf(tx);
      this.s.trace.markTx(txId, 'signed');
      if (this.ownPending.size >= limits.recentResultsMax) this.ownPending.clear();
      this.ownPending.set(txId, nonce);
      // Queued for admission now, in nonce order; wrapped so the chain does not wait for admission.
      return { admitted: this.admit(tx, true) };
    });
    this.signing = signed.catch(() => undefined);
    return (await signed).admitted;
  }

  /** An own transaction was rejected: its nonce (and any after it, which now gap) is free again. */
  releaseNonce(txId: string): void {
    const nonce = this.ownPending.get(txId);
    if (nonce === undefined) return;
    this.ownPending.delete(txId);
    if (nonce <= this.s.nonceNext) this.s.nonceNext = nonce - 1;
  }

  /** A peer that stopped itself takes no write: the caller hears it at once, never "accepted". */
  private refuseIfFaulted(): void {
    if (this.s.fault !== null)
      throw botError(
        'INTERNAL',
        `The peer stopped (${this.s.fault}); it takes no writes until it is restarted.`,
      );
  }

  async submitRaw(bytes: Uint8Array): Promise<{ txId: string }> {
    await this.d.ready();
    this.refuseIfFaulted();
    return this.admit(decodeTx(bytes), false, true);
  }

  async waitFor(txId: string, options?: { timeoutMs?: number }): Promise<TxResult> {
    await this.d.ready();
    if (typeof txId !== 'string' || !/^[0-9a-f]{64}$/.test(txId))
      throw botError('BAD_REQUEST', 'waitFor takes a transaction id (64 hex digits).');
    const known = this.txResults.get(txId);
    if (known) return known;
    const location = await this.d.options.storage.txLocation(txId);
    if (location && location.height < this.s.hashes.length)
      return this.d.storedResult(txId, location.height);
    // Decided while the tx index was read (settled with no waiter yet): answer from the results.
    const decided = this.txResults.get(txId);
    if (decided) return decided;
    const timeoutMs = Math.min(Math.max(options?.timeoutMs ?? 30_000, 0), limits.waitTimeoutMsMax);
    // A caller is waiting: the process stays alive until the result or the timeout (a Node
    // script awaiting a result whose block needs the next tick would exit otherwise).
    const release = clockOf(this.d.options).hold?.() ?? (() => {});
    return new Promise((resolve, reject) => {
      const timer = clockOf(this.d.options).setTimeout(() => {
        release();
        const list = this.waiters.get(txId)?.filter((w) => w.timer !== timer) ?? [];
        if (list.length) this.waiters.set(txId, list);
        else this.waiters.delete(txId);
        reject(
          botError(
            'TIMEOUT',
            `Transaction ${txId.slice(0, 12)} was not decided within ${timeoutMs} ms; it may still commit.`,
          ),
        );
      }, timeoutMs);
      const list = this.waiters.get(txId) ?? [];
      list.push({ resolve, timer, release });
      this.waiters.set(txId, list);
    });
  }
}
