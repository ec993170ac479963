// Sync serving: answering neighbours' sync requests and the engines' catch-up from stored
// blocks, and applying synced blocks (verified in one batch, then through the core).
import type { PeerEffect, PeerInput } from '../core/consensus/types';
import { decodeBlock, type Block } from '../core/block';
import { botError } from '../core/errors';
import * as limits from '../core/limits';
import { storedBlocks } from '../store/storage';
import type { CachingVerifier } from './crypto';
import { encodeWire } from './wire';
import { messageChecks } from '../core/consensus/messages';
import type { LogEntry } from '../api';
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
  queueEffects(effects: PeerEffect[]): void;
  dropPeer(did: string, reason: string): void;
}

export class SyncServing {
  private readonly s: HostState;

  constructor(private readonly d: SyncServingDeps) {
    this.s = d.state;
  }

  /** Answer a sync request with stored blocks (as stored: canonical bytes, checked against verified hashes). */
  async serveSync(to: string, from: number, count: number): Promise<void> {
    const chainId = this.s.peer.chain.chainId;
    const blocks: Uint8Array[] = [];
    let bytes = 0;
    for await (const block of storedBlocks(
      this.d.options.storage,
      chainId,
      from,
      Math.min(from + count, this.s.hashes.length) - 1,
    )) {
      if (blocks.length > 0 && bytes + block.length > limits.syncAnswerBytesMax) break;
      blocks.push(block);
      bytes += block.length;
    }
    this.d.options.net?.send(to, encodeWire({ kind: 'syncBlocks', from, blocks }));
  }

  /** The engines' catch-up: stored blocks as commit messages. */
  async serveBlocks(to: string, fromHeight: number, count: number): Promise<void> {
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
