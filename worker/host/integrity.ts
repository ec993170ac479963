// Integrity beyond the load-time tamper check (issue 14, section 3): damage a store reports
// itself, old versions proved against the block that wrote them, and the repair's first step.
//
// - Store damage (the disk log's damaged records) joins the host's tamper check: the report is
//   not ok, writes are refused and state is not served until the peer is repaired.
// - repair: the store sets its blocks and state aside (kept) and the chain re-syncs from peers.
// - history(): the tamper check rebuilds the current state and checks it against the head's
//   state root, which covers the latest version of a key only. Every older version is checked
//   when it is served: it must be exactly the entry that the data transaction it names wrote,
//   in the block at its height, whose header hash is the verified one and whose transactions
//   match the header's transaction root. A patched version (with its storage checksum
//   recomputed) is refused with TAMPERED.
import { blockHash, decodeBlock, encodeBlock, txRootOf, type Block } from '../core/block';
import { equalBytes } from '../core/bytes';
import { encode } from '../core/codec';
import { botError } from '../core/errors';
import { genesisState, type Genesis } from '../core/ledger';
import { dataEntryOf, dataPrefix } from '../core/modules/data';
import {
  decodeValidationRecord,
  validationPrefix,
  type ValidationRecord,
} from '../core/modules/validation';
import { txIdOf } from '../core/tx';
import type { IntegrityReport } from '../api';
import type { StateVersion, Storage } from '../store/storage';

/** The store's own damage reports as tamper-check problems (a height only for the given chain). */
export function storeProblems(storage: Storage, chainId: string): IntegrityReport['problems'] {
  return (storage.damage?.() ?? []).map((d) => ({
    height: d.chainId === chainId ? d.height : null,
    message: `Storage: ${d.message}`,
  }));
}

/**
 * The entry the data transactions of `block` left under `stateKey` (the last one writes), as
 * the ledger encodes it (ledger.ts applyTx), or null when none of them wrote it.
 */
export function dataEntryWrittenBy(block: Block, stateKey: string): Uint8Array | null {
  let entry: Uint8Array | null = null;
  const height = block.header.height;
  for (const tx of block.txs) {
    const body = tx.body as { key?: unknown } | null;
    if (
      (tx.type !== 'data.put' && tx.type !== 'data.delete') ||
      typeof body?.key !== 'string' ||
      dataPrefix + body.key !== stateKey
    )
      continue;
    entry = dataEntryOf(tx, txIdOf(tx), height);
  }
  return entry;
}

/** A block read from storage and checked against its verified header hash and transaction root, or null. */
/** Stored block `height`, checked against its verified hash and tx root; null when not so. */
export async function verifiedBlock(
  storage: Storage,
  chainId: string,
  height: number,
  hashes: readonly Uint8Array[],
): Promise<Block | null> {
  const expected = hashes[height];
  const bytes = expected ? await storage.getBlock(chainId, height) : undefined;
  if (!expected || !bytes) return null;
  try {
    const block = decodeBlock(bytes);
    return equalBytes(blockHash(block.header), expected) &&
      equalBytes(txRootOf(block.txs), block.header.txRoot)
      ? block
      : null;
  } catch {
    return null;
  }
}

/**
 * Every stored version of a data key, each proved against the block that wrote it; throws
 * TAMPERED naming the first version that is not. `hashes`: verified header hashes by height.
 */
export async function provenHistory(
  storage: Storage,
  chainId: string,
  stateKey: string,
  hashes: readonly Uint8Array[],
): Promise<StateVersion[]> {
  const versions = await storage.history(chainId, stateKey);
  const blocks = new Map<number, Block | null>();
  for (const version of versions) {
    if (!blocks.has(version.height))
      blocks.set(version.height, await verifiedBlock(storage, chainId, version.height, hashes));
    const block = blocks.get(version.height)!;
    const written = block ? dataEntryWrittenBy(block, stateKey) : null;
    if (!written || !equalBytes(written, version.entry)) {
      const key = stateKey.slice(dataPrefix.length);
      throw botError(
        'TAMPERED',
        `The stored version of "${key}" at height ${version.height} does not match the block that wrote it; its history is not served. Repair the peer from its peers.`,
      );
    }
  }
  return versions;
}

/**
 * Repair, the store's part: set the stored blocks and state aside (the adapter keeps them) and
 * store the chain's genesis again, so the host can load it and re-sync the rest from peers.
 */
export async function setAsideAndRestart(storage: Storage, genesis: Genesis): Promise<string> {
  if (!storage.setAside)
    throw botError(
      'STORAGE_FAILED',
      'This storage cannot set its data aside; reset the peer (Settings) to start over.',
    );
  const { movedTo } = await storage.setAside();
  const { state, block, writes } = genesisState(genesis);
  await storage.commitBlock({
    chainId: state.chainId,
    height: 0,
    block: encodeBlock(block),
    writes,
    txIds: [],
  });
  return movedTo;
}

/**
 * Every stored step of a key's validation record (valid/<key>, D-9.4), each checked against the
 * block that wrote it: the step's transaction (the put it records, or its newest verdict) is in
 * that verified block, names the key, and (a verdict) says what the record says. Throws TAMPERED
 * naming the first step that is not.
 */
export async function provenValidationHistory(
  storage: Storage,
  chainId: string,
  key: string,
  hashes: readonly Uint8Array[],
): Promise<ValidationRecord[]> {
  const out: ValidationRecord[] = [];
  for (const version of await storage.history(chainId, validationPrefix + key)) {
    const block = await verifiedBlock(storage, chainId, version.height, hashes);
    let record: ValidationRecord | null = null;
    try {
      record = decodeValidationRecord(version.entry);
    } catch {}
    const last = record?.verdicts.at(-1);
    const stepTx = last && last.height === version.height ? last.tx : record?.tx;
    const tx = block?.txs.find((t) => txIdOf(t) === stepTx);
    const body = (tx?.body ?? {}) as { key?: unknown; verdict?: unknown; reason?: unknown };
    const agrees =
      record !== null &&
      record.key === key &&
      tx !== undefined &&
      body.key === key &&
      (tx.type !== 'data.validate' ||
        (last !== undefined &&
          body.verdict === last.verdict &&
          (body.reason ?? '') === last.reason));
    if (!agrees)
      throw botError(
        'TAMPERED',
        `The stored validation of "${key}" at height ${version.height} does not match the block that wrote it; its history is not served. Repair the peer from its peers.`,
      );
    out.push(record!);
  }
  return out;
}
