// Sync serving: answering neighbours' sync requests and the engines' catch-up from stored
// blocks, and applying synced blocks (verified in one batch, then through the core).
import type { PeerEffect, PeerInput } from '../core/consensus/types';
import {
  blockHash,
  certificateChecks,
  checkCertificateFor,
  decodeBlock,
  type Block,
} from '../core/block';
import { equalBytes } from '../core/bytes';
import { botError } from '../core/errors';
import * as limits from '../core/limits';
import { storedBlocks } from '../store/storage';
import type { CachingVerifier } from './crypto';
import { encodeWire, type SignedHeader } from './wire';
import type { ReadRight } from './read-rights';
import { messageChecks } from '../core/consensus/messages';
import type { LogEntry, Status } from '../api';
import type { HostState, HostOptions } from './host-state';
import { assertStepConsistent, assertSyncedHead, stopsPeer } from './assertions';

export interface SyncServingDeps {
  state: HostState;
  options: HostOptions;
  verifier: CachingVerifier;
  record(level: LogEntry['level'], message: string): void;
  /** Run work in the event loop, after everything queued before it. */
  enqueue<T>(work: () => Promise<T> | T): Promise<T>;
  /** One core step inside the loop; the caller queues its effects. */
  stepOnly(input: PeerInput): PeerEffect[];
  /** Load the contract engine if a step of `inputs` may run a contract (peer-host.ts). */
  engineFor(inputs: readonly PeerInput[]): Promise<void>;
  queueEffects(effects: PeerEffect[]): void;
  dropPeer(did: string, reason: string): void;
  statusNow(): Status;
  /** Read rights: what `did` may receive (read-gate.ts). */
  rightOf(did: string): ReadRight;
}

export class SyncServing {
  private readonly s: HostState;

  constructor(private readonly d: SyncServingDeps) {
    this.s = d.state;
  }

  /**
   * Answer a sync request with stored blocks (as stored: canonical bytes, checked against
   * verified hashes); a peer that may not read the chain's payload gets their headers and
   * certificates only (read-rights.ts).
   */
  async serveSync(to: string, from: number, count: number): Promise<void> {
    const chainId = this.s.peer.chain.chainId;
    const headersOnly = this.d.rightOf(to) !== 'full';
    const headers: SignedHeader[] = [];
    const blocks: Uint8Array[] = [];
    let bytes = 0;
    for await (const block of storedBlocks(
      this.d.options.storage,
      chainId,
      from,
      Math.min(from + count, this.s.hashes.length) - 1,
    )) {
      if (headersOnly) {
        const { header, cert } = decodeBlock(block);
        headers.push({ header, cert });
        continue;
      }
      if (blocks.length > 0 && bytes + block.length > limits.syncAnswerBytesMax) break;
      blocks.push(block);
      bytes += block.length;
    }
    this.d.options.net?.send(
      to,
      encodeWire(
        headersOnly ? { kind: 'syncHeaders', from, headers } : { kind: 'syncBlocks', from, blocks },
      ),
    );
  }

  /**
   * A header-only sync answer: this peer may not read the chain's payload (it waits for
   * admission). Headers that extend what it holds are checked (chain, height, link to the
   * previous hash, a quorum certificate by the validators it knows) and kept as its header tip,
   * which status shows. A signature that does not verify or a broken link throws (the sender is
   * dropped); a certificate by validators this peer does not know (the set changed in a block it
   * cannot read) ends the batch quietly.
   */
  async applyHeaders(from: string, at: number, headers: SignedHeader[]): Promise<void> {
    this.s.syncer.onHeaders(from, at);
    const chain = this.s.durable;
    let tip = this.s.headerTip;
    if (!tip || tip.chainId !== chain.chainId || tip.height < chain.height)
      tip = { chainId: chain.chainId, height: chain.height, hash: chain.headHash };
    const fresh: SignedHeader[] = [];
    const checks = [];
    let height = tip.height;
    let prev = tip.hash;
    for (let i = 0; i < headers.length; i++) {
      const { header, cert } = headers[i]!;
      if (header.height !== at + i)
        throw botError(
          'MALFORMED',
          `header ${i} of a batch from ${at} has height ${header.height}`,
        );
      if (header.height <= height) continue;
      if (header.height !== height + 1) break; // a gap: wait for the missing headers
      if (header.chain !== chain.chainId || !equalBytes(header.prev, prev))
        throw botError('BAD_BLOCK', `header ${header.height} does not extend this chain`);
      let list;
      try {
        checkCertificateFor(header, cert, chain.validators);
        list = certificateChecks(cert!, chain.chainId, chain.validators);
      } catch {
        break; // signed by a validator set this peer cannot see from its state
      }
      fresh.push(headers[i]!);
      checks.push(...list);
      height = header.height;
      prev = blockHash(header);
    }
    if (fresh.length === 0) return;
    const verdicts = await this.d.verifier.verifyBatch(checks);
    if (!verdicts.every(Boolean))
      throw botError('BAD_CERTIFICATE', 'a header certificate carries a bad signature');
    const now = this.s.headerTip;
    if (now && now.chainId === chain.chainId && now.height >= height) return; // raced: kept
    if (this.s.durable.chainId !== chain.chainId) return;
    this.s.headerTip = { chainId: chain.chainId, height, hash: prev };
    this.d.options.emit({ type: 'status', status: this.d.statusNow() });
    // Follow the headers up to the sender's head, one window per answer (the syncer's windows
    // start from this peer's own height, which stays put while it may not read blocks).
    const head = this.s.syncer.headOf(from) ?? 0;
    if (height < head)
      this.d.options.net?.send(
        from,
        encodeWire({
          kind: 'syncRequest',
          from: height + 1,
          count: Math.min(limits.syncBatchBlocksMax, head - height),
        }),
      );
  }

  /** The engines' catch-up: stored blocks as commit messages. */
  async serveBlocks(to: string, fromHeight: number, count: number): Promise<void> {
    if (this.d.rightOf(to) !== 'full') return; // read rights: no blocks for a non-member
    const chainId = this.s.peer.chain.chainId;
    for await (const bytes of storedBlocks(
      this.d.options.storage,
      chainId,
      fromHeight,
      Math.min(fromHeight + count, this.s.hashes.length) - 1,
    )) {
      this.d.options.net?.send(
        to,
        encodeWire({ kind: 'consensus', message: { type: 'commit', block: decodeBlock(bytes) } }),
      );
    }
  }

  syncIo() {
    return {
      request: (to: string, from: number, count: number) =>
        this.d.options.net?.send(to, encodeWire({ kind: 'syncRequest', from, count })) ?? false,
      apply: (from: string, blocks: Block[]) => this.applySynced(from, blocks),
      drop: (did: string, reason: string) => this.d.dropPeer(did, reason),
      progress: (p: { syncing: boolean; height: number; target: number }) =>
        this.d.options.emit({ type: 'sync', ...p }),
      now: () => this.d.options.now(),
      log: (level: 'info' | 'warn', message: string) => this.d.record(level, message),
    };
  }

  /**
   * Apply synced blocks in order: all signatures (certificates and transactions) verified in one
   * batch, then each block goes through the core as a decided block, which re-executes it and
   * checks its state root. Returns how many applied; throws when a block is provably invalid.
   */
  async applySynced(from: string, blocks: Block[]): Promise<number> {
    if (!this.s.integrityReport.ok) return 0; // the store refuses blocks until repaired
    const chain = this.s.peer.chain;
    const spans: Array<{ at: number; count: number }> = [];
    const checks = [];
    for (const block of blocks) {
      let list;
      try {
        list = messageChecks({ type: 'commit', block }, chain.chainId, chain.validators);
      } catch (error) {
        if (spans.length === 0) throw error;
        break; // the validator set may change at this block: verify the rest in the next batch
      }
      spans.push({ at: checks.length, count: list.length });
      checks.push(...list);
    }
    const verdicts = await this.d.verifier.verifyBatch(checks);
    return this.d.enqueue(async () => {
      await this.d.engineFor(
        blocks.map((block) => ({
          kind: 'message',
          from,
          message: { type: 'commit', block },
          sigOk: true,
        })),
      );
      // The steps' effects go to the effect queue together, so the blocks are stored in one write.
      const effects: PeerEffect[] = [];
      let applied = 0;
      let broken = false; // a broken invariant: nothing of this batch is handed on to be written
      try {
        for (let i = 0; i < spans.length; i++) {
          const block = blocks[i]!;
          const span = spans[i]!;
          if (!verdicts.slice(span.at, span.at + span.count).every(Boolean))
            throw botError(
              'BAD_CERTIFICATE',
              `block ${block.header.height} carries a signature that does not verify`,
            );
          const height = this.s.peer.chain.height;
          if (block.header.height <= height) {
            applied++;
            continue;
          }
          const before = this.s.peer.chain;
          const stepped = this.d.stepOnly({
            kind: 'message',
            from,
            message: { type: 'commit', block },
            sigOk: true,
          });
          assertStepConsistent(before, this.s.peer.chain, stepped);
          effects.push(...stepped);
          if (this.s.peer.chain.height !== height + 1) return applied;
          assertSyncedHead(this.s.peer.chain, block);
          applied++;
        }
        return applied;
      } catch (error) {
        broken = stopsPeer(error);
        throw error;
      } finally {
        if (!broken) this.d.queueEffects(effects);
      }
    });
  }
}
