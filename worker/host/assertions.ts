// Assertions on the host's pipeline (TigerBeetle style: preconditions and postconditions, checked
// on every block, cheap). A broken one is a bug inside the peer, never bad input: it throws a
// BotError with code INTERNAL (core/errors.ts `invariant`), and the host stops the peer with one
// log line before anything is written (peer-host.ts `fatal`). Bad input from a peer or a caller
// (a forged block, a synced batch with a bad certificate, a wrong parameter) is a refusal of that
// input with its own code: the sender hears it, and the peer goes on (`stopsPeer`).
//
// The round engines' own transitions are asserted in the core (consensus/invariants.ts).
import { blockHash, type Block } from '../core/block';
import { equalBytes, toHex } from '../core/bytes';
import { BotError, invariant } from '../core/errors';
import type { ChainState, ExecutedBlock } from '../core/ledger';
import type { PeerEffect } from '../core/consensus/types';

/**
 * Does `error` stop the peer? A broken invariant does: INTERNAL, or anything that is not a
 * BotError (a programmer error). Any other BotError is a refusal of some input (a peer's block,
 * a caller's parameter, a repair with nothing to repair): its sender hears it; the peer goes on.
 */
export function stopsPeer(error: unknown): boolean {
  return !(error instanceof BotError) || error.code === 'INTERNAL';
}

const short = (hash: Uint8Array) => toHex(hash).slice(0, 12);

/**
 * The persisting pipeline writes exactly the blocks after the durable tip, in order: each at
 * tip + 1, on the tip's hash, carrying the state it leads to. Checked before the write starts,
 * so a broken pipeline writes nothing.
 */
export function assertPersistsFollow(durable: ChainState, blocks: ExecutedBlock[]): void {
  let height = durable.height;
  let head = durable.headHash;
  for (const executed of blocks) {
    const header = executed.block.header;
    invariant(
      header.chain === durable.chainId,
      `persisting a block of chain ${header.chain} into chain ${durable.chainId}`,
    );
    invariant(
      header.height === height + 1,
      `persisting block ${header.height} while the durable tip is ${height} (it must be tip + 1)`,
    );
    invariant(
      equalBytes(header.prev, head),
      `block ${header.height} names parent ${short(header.prev)}, but the tip is ${short(head)}`,
    );
    invariant(
      executed.state.height === header.height && equalBytes(executed.state.headHash, executed.hash),
      `block ${header.height} carries the state of height ${executed.state.height}`,
    );
    height = header.height;
    head = executed.hash;
  }
}

/**
 * One core step that applied a synced block: the chain moves forward only through the blocks it
 * hands over to be persisted (each on its parent, its hash that of its header), and ends at the
 * last of them; with nothing to persist it stays where it was.
 */
export function assertStepConsistent(
  before: ChainState,
  after: ChainState,
  effects: PeerEffect[],
): void {
  let height = before.height;
  let head = before.headHash;
  for (const effect of effects) {
    if (effect.kind !== 'persist') continue;
    const header = effect.executed.block.header;
    invariant(
      header.height === height + 1 && equalBytes(header.prev, head),
      `a step decided block ${header.height} on ${short(header.prev)} after ${height} (${short(head)})`,
    );
    invariant(
      equalBytes(effect.executed.hash, blockHash(header)),
      `block ${header.height}'s hash is not the hash of its header`,
    );
    height = header.height;
    head = effect.executed.hash;
  }
  invariant(
    after.height === height && equalBytes(after.headHash, head),
    `after the step the chain is at ${after.height} (${short(after.headHash)}), not at the last decided block ${height} (${short(head)})`,
  );
}

/** A synced block that applied is the chain's new head. */
export function assertSyncedHead(after: ChainState, block: Block): void {
  invariant(
    after.height === block.header.height && equalBytes(after.headHash, blockHash(block.header)),
    `synced block ${block.header.height} applied, but the head is ${after.height} (${short(after.headHash)})`,
  );
}
