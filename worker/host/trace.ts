// Supply-chain traceability on this peer (issue 17; Y.4560 I.1, Y.4464 II.1): the traceability
// service system's side. Writes submit trace.* transactions (the hash of the information-server
// document is computed here when the caller leaves it out); the backward query (I.1.5 (2))
// walks from a lot back to every origin through every transfer, split and merge, and checks each
// step four ways: the stored record and lot against the state root (their leaves), the record
// against the transaction in the verified block that wrote it (re-derived, byte for byte), the
// chain of custody (each record's transfer-out account is the previous transfer-in account), and
// the transaction's signature (the record's digital signature). With `fetch`, the documents are
// fetched from their information servers and their SHA-256 compared with the recorded hash: a
// difference is reported as `tampered` for that step, never accepted.
import { decodeBlock, blockHash, txRootOf, type Block, type SignatureCheck } from '../core/block';
import type { ChainState } from '../core/ledger';
import { equalBytes, toHex } from '../core/bytes';
import { sha256 } from '../core/crypto/hash';
import { publicKeyFromDid } from '../core/crypto/did';
import { botError } from '../core/errors';
import { txIdOf, txSigningBytes, type Tx } from '../core/tx';
import {
  decodeLot,
  decodeRecord,
  encodeRecord,
  expectedRecord,
  traceDocumentBytesMax,
  traceFetchDocumentsMax,
  traceFetchTimeoutMs,
  traceLotPrefix,
  traceQueryDepthMax,
  traceQueryLotsMax,
  traceQueryStepsMax,
  traceRecordPrefix,
  type TraceLot,
  type TraceRecord,
} from '../core/modules/trace';
import type { Storage } from '../store/storage';
import type { Clock } from '../net/clock';
import type {
  TraceJourney,
  TraceLotView,
  TraceRecordView,
  TraceStepView,
  TraceWriteRequest,
} from '../api';
import type { Verifier } from './crypto';
import { readRight } from './read-rights';
import { readRoleOf } from '../core/modules/governance';

/** Fetch one information-server document: its bytes, or throws (unreachable, too large). */
export type DocumentFetcher = (url: string) => Promise<Uint8Array>;

export interface TraceHostDeps {
  storage: Storage;
  /** The durable chain state (what reads answer from) and the verified header hashes. */
  durable(): ChainState;
  hashes(): readonly Uint8Array[];
  /** Wait until reads may be answered (started; announced blocks durable). */
  readable(): Promise<void>;
  self(): string;
  submit(request: { type: string; body: unknown }): Promise<{ txId: string }>;
  verifier: Verifier;
  fetchDocument: DocumentFetcher;
}

type Write = { id?: string; server: string; hash?: string };

/**
 * Verified blocks kept between queries (by chain, height and verified hash): a block checked
 * once against its verified hash is not read, decoded and hashed again. A record is still read
 * from the store and compared byte for byte with its transaction each time.
 */
export const traceBlocksCachedMax = 4_096;

/**
 * State entries (records and lots) kept between queries with the leaf they were hashed against
 * and their decoded form: an entry read again is still read from the store every query and
 * compared byte for byte with the one kept, and its leaf with the current state root's; only
 * when both are equal are the SHA-256 and the decoding skipped (the same bytes hash and decode
 * the same). The same bound holds the records found equal to their transactions (with the
 * signing bytes of each), so both stay a few MB for records of typical size.
 */
export const traceEntriesCachedMax = 8_192;

type VerifiedBlock = {
  block: Block;
  hash: Uint8Array;
  hashHex: string;
  txs: Map<string, Tx>;
  /** The record bytes each transaction makes (by txId and whether it was an origin). */
  records: Map<string, Uint8Array>;
  /** Each trace transaction's signature check (signing bytes, public key), made once. */
  checks: Map<string, SignatureCheck>;
};

/** A state entry proven against a leaf: the bytes, the leaf, and what they decode to. */
type ProvenEntry = { bytes: Uint8Array; leaf: Uint8Array; value?: unknown };

/** A record found equal to the signed transaction of a verified block (by txId). */
type CheckedRecord = {
  bytes: Uint8Array;
  height: number;
  hash: Uint8Array;
  hashHex: string;
  check: SignatureCheck;
};

export class TraceHost {
  private readonly blocks = new Map<string, VerifiedBlock>();
  private readonly entries = new Map<string, ProvenEntry>();
  private readonly checked = new Map<string, CheckedRecord>();

  constructor(private readonly d: TraceHostDeps) {}

  // ---- writes ----

  async traceRecord(request: TraceWriteRequest & { id: string }) {
    return this.write('trace.record', request, { id: request.id });
  }

  async traceTransfer(request: TraceWriteRequest & { id: string; to: string }) {
    return this.write('trace.transfer', request, { id: request.id, to: request.to });
  }

  async traceSplit(request: TraceWriteRequest & { id: string; into: string[] }) {
    return this.write('trace.split', request, { id: request.id, into: request.into });
  }

  async traceMerge(request: TraceWriteRequest & { ids: string[]; into: string }) {
    return this.write('trace.merge', request, { ids: request.ids, into: request.into });
  }

  private async write(
    type: string,
    request: Write,
    fields: Record<string, unknown>,
  ): Promise<{ txId: string; hash: string }> {
    const hash = request.hash ?? (await this.hashOf(request.server));
    const { txId } = await this.d.submit({
      type,
      body: { ...fields, server: request.server, hash },
    });
    return { txId, hash };
  }

  /** The SHA-256 of the document at `server`, fetched now (the caller gave no hash). */
  private async hashOf(server: string): Promise<string> {
    if (!/^https?:\/\//.test(server))
      throw botError('BAD_FIELD_TYPE', 'server must be an http:// or https:// address.');
    try {
      return toHex(sha256(await this.d.fetchDocument(server)));
    } catch (error) {
      throw botError(
        'NOT_FOUND',
        `The information server at ${server} did not serve the document (${(error as Error).message}); give its hash instead.`,
      );
    }
  }

  // ---- reads ----

  async traceLot(id: string): Promise<TraceLotView | null> {
    await this.readable();
    const chain = this.d.durable();
    const lot = await this.provenLot(chain, id);
    if (!lot) return null;
    const records: TraceRecordView[] = [];
    for (const txId of lot.records) {
      const proven = await this.provenEntry(chain, traceRecordPrefix + txId);
      if (proven) records.push(recordView(decodeRecord(proven.bytes)));
    }
    return {
      id,
      holder: lot.holder,
      mine: lot.holder === this.d.self(),
      parents: [...lot.parents],
      consumedBy: lot.consumedBy,
      records,
    };
  }

  async traceBack(id: string, options: { fetch?: boolean } = {}): Promise<TraceJourney> {
    await this.readable();
    const chain = this.d.durable();
    const hashes = this.d.hashes();
    const first = await this.provenLot(chain, id);
    if (!first) throw botError('NOT_FOUND', `There is no lot "${id}" on this chain.`);
    const blocks = new Map<number, VerifiedBlock | null>();
    const lots: TraceJourney['lots'] = [];
    const steps = new Map<string, TraceStepView>();
    const signatures: Array<{ step: TraceStepView; check: SignatureCheck }> = [];
    const origins: string[] = [];
    let truncated: string | null = null;
    const seen = new Set<string>([id]);
    const queue: Array<{ id: string; depth: number; lot: TraceLot | null }> = [
      { id, depth: 0, lot: first },
    ];
    for (let at = 0; at < queue.length; at++) {
      const { id: lotId, depth } = queue[at]!;
      const lot = queue[at]!.lot ?? (await this.provenLot(chain, lotId));
      if (!lot) {
        // A parent named by a proven lot but absent from the state: the state was changed.
        lots.push({ id: lotId, holder: '', parents: [], consumedBy: null, depth });
        steps.set(`missing:${lotId}`, missingStep(lotId));
        continue;
      }
      lots.push({
        id: lotId,
        holder: lot.holder,
        parents: [...lot.parents],
        consumedBy: lot.consumedBy,
        depth,
      });
      let previousIn: string | null = null;
      let previousOk = true;
      for (let i = 0; i < lot.records.length; i++) {
        const txId = lot.records[i]!;
        const known = steps.get(txId);
        if (known) {
          previousIn = known.in;
          previousOk = known.status === 'verified';
          continue;
        }
        if (steps.size >= traceQueryStepsMax) {
          truncated = `traceQueryStepsMax (${traceQueryStepsMax} steps)`;
          break;
        }
        const step = await this.checkStep(chain, hashes, blocks, txId, signatures);
        // Chain of custody (I.1.5 step 3): this record's transfer-out account is the previous
        // one's transfer-in account; the lot's first record is its origin (no parents) or the
        // split/merge that made it.
        // (After a tampered step the previous holder is not known: that step is the one reported.)
        if (step.status === 'verified' && previousOk) {
          const problem = custodyProblem(step, lotId, lot, i, previousIn);
          if (problem) Object.assign(step, { status: 'tampered', problem });
        }
        previousIn = step.in;
        previousOk = step.status === 'verified';
        steps.set(txId, step);
      }
      if (lot.parents.length === 0) origins.push(lotId);
      for (const parent of lot.parents) {
        if (seen.has(parent)) continue;
        if (depth + 1 > traceQueryDepthMax) {
          truncated = `traceQueryDepthMax (${traceQueryDepthMax} generations)`;
          continue;
        }
        if (seen.size >= traceQueryLotsMax) {
          truncated = `traceQueryLotsMax (${traceQueryLotsMax} lots)`;
          continue;
        }
        seen.add(parent);
        queue.push({ id: parent, depth: depth + 1, lot: null });
      }
    }
    // The records' signatures, in one batch (the peer's verifier, cached for signatures it
    // verified when the blocks came in: the same bytes give the same answer).
    const verdicts = await this.d.verifier.verifyBatch(signatures.map(({ check }) => check));
    signatures.forEach(({ step }, i) => {
      if (!verdicts[i] && step.status === 'verified')
        Object.assign(step, {
          status: 'tampered',
          problem: 'The signature of the record does not hold.',
        });
    });
    const ordered = [...steps.values()].sort((a, b) => a.height - b.height || a.time - b.time);
    if (options.fetch) await this.checkDocuments(ordered);
    return {
      id,
      lots,
      steps: ordered,
      origins,
      verified: ordered.every(
        (s) =>
          s.status === 'verified' &&
          s.document.status !== 'tampered' &&
          s.document.status !== 'unreachable',
      ),
      truncated,
    };
  }

  private async checkStep(
    chain: ChainState,
    hashes: readonly Uint8Array[],
    blocks: Map<number, VerifiedBlock | null>,
    txId: string,
    signatures: Array<{ step: TraceStepView; check: SignatureCheck }>,
  ): Promise<TraceStepView> {
    const proven = await this.provenEntry(chain, traceRecordPrefix + txId, true);
    if (!proven)
      return missingStep(
        txId,
        `The record of transaction ${txId.slice(0, 12)} does not match the state root.`,
      );
    let record: TraceRecord;
    try {
      proven.value ??= decodeRecord(proven.bytes);
      record = proven.value as TraceRecord;
    } catch {
      return missingStep(txId, 'The stored record cannot be decoded.');
    }
    const bytes = proven.bytes;
    const step: TraceStepView = {
      ...recordView(record),
      blockHash: null,
      status: 'verified',
      problem: null,
      document: { status: 'not-fetched', message: null },
    };
    // Checked by an earlier query: these very bytes equal the record that a transaction of the
    // block at this height makes, and that block is still the one of the verified hash.
    const known = this.checked.get(txId);
    const verifiedHash = hashes[record.height];
    if (
      known &&
      known.bytes === bytes &&
      verifiedHash &&
      known.height === record.height &&
      equalBytes(known.hash, verifiedHash)
    ) {
      step.blockHash = known.hashHex;
      signatures.push({ step, check: known.check });
      return step;
    }
    if (!blocks.has(record.height))
      blocks.set(record.height, await this.verifiedBlock(chain, hashes, record.height));
    const held = blocks.get(record.height);
    const tx = held?.txs.get(txId);
    if (!held || !tx)
      return {
        ...step,
        status: 'tampered',
        problem: `Block ${record.height} does not hold the transaction of this record.`,
      };
    step.blockHash = held.hashHex;
    const recordKey = `${txId}:${record.kind === 'origin'}`;
    let expected = held.records.get(recordKey);
    if (!expected) {
      expected = encodeRecord(expectedRecord(tx, txId, record.height, record.kind === 'origin'));
      held.records.set(recordKey, expected);
    }
    if (!equalBytes(expected, bytes))
      return {
        ...step,
        status: 'tampered',
        problem: 'The record differs from the signed transaction that wrote it.',
      };
    let check = held.checks.get(txId);
    if (!check)
      held.checks.set(
        txId,
        (check = {
          publicKey: publicKeyFromDid(tx.from),
          message: txSigningBytes(tx),
          signature: tx.sig,
        }),
      );
    if (this.checked.size >= traceEntriesCachedMax) this.checked.clear();
    this.checked.set(txId, {
      bytes,
      height: record.height,
      hash: held.hash,
      hashHex: held.hashHex,
      check,
    });
    signatures.push({ step, check });
    return step;
  }

  /** A stored block checked against its verified hash and its transaction root. */
  private async verifiedBlock(
    chain: ChainState,
    hashes: readonly Uint8Array[],
    height: number,
  ): Promise<VerifiedBlock | null> {
    const expected = hashes[height];
    if (!expected) return null;
    const cacheKey = `${chain.chainId}:${height}:${toHex(expected)}`;
    const cached = this.blocks.get(cacheKey);
    if (cached) return cached;
    const bytes = await this.d.storage.getBlock(chain.chainId, height);
    if (!bytes) return null;
    try {
      const block = decodeBlock(bytes);
      if (
        !equalBytes(blockHash(block.header), expected) ||
        !equalBytes(txRootOf(block.txs), block.header.txRoot)
      )
        return null;
      const txs = new Map<string, Tx>();
      for (const tx of block.txs) if (tx.type.startsWith('trace.')) txs.set(txIdOf(tx), tx);
      if (this.blocks.size >= traceBlocksCachedMax) this.blocks.clear();
      const verified: VerifiedBlock = {
        block,
        hash: expected,
        hashHex: toHex(expected),
        txs,
        records: new Map(),
        checks: new Map(),
      };
      this.blocks.set(cacheKey, verified);
      return verified;
    } catch {
      return null;
    }
  }

  /** Fetch each step's document (once per address and hash) and compare its SHA-256. */
  private async checkDocuments(steps: TraceStepView[]): Promise<void> {
    const results = new Map<string, TraceStepView['document']>();
    let fetched = 0;
    for (const step of steps) {
      const key = `${step.server} ${step.hash}`;
      let result = results.get(key);
      if (!result) {
        if (fetched >= traceFetchDocumentsMax) {
          result = {
            status: 'not-fetched',
            message: `traceFetchDocumentsMax (${traceFetchDocumentsMax}) documents were fetched already.`,
          };
        } else {
          fetched++;
          try {
            const bytes = await this.d.fetchDocument(step.server);
            const got = toHex(sha256(bytes));
            result =
              got === step.hash
                ? { status: 'verified', message: null }
                : {
                    status: 'tampered',
                    message: `The document's SHA-256 is ${got.slice(0, 16)}…, the record says ${step.hash.slice(0, 16)}…: it was changed or is false.`,
                  };
          } catch (error) {
            result = { status: 'unreachable', message: (error as Error).message };
          }
        }
        results.set(key, result);
      }
      step.document = result;
    }
  }

  private async readable(): Promise<void> {
    await this.d.readable();
    const chain = this.d.durable();
    if (readRight(chain, this.d.self()) !== 'full')
      throw botError(
        'NOT_MEMBER',
        `This peer is not a member of ${chain.genesis.name}: it cannot read its lots.`,
      );
  }

  private async provenLot(chain: ChainState, id: string): Promise<TraceLot | null> {
    const proven = await this.provenEntry(chain, traceLotPrefix + id);
    if (!proven) return null;
    proven.value ??= decodeLot(proven.bytes);
    return proven.value as TraceLot;
  }

  /**
   * A stored entry checked against its leaf in the state trie. Absent from the trie: null. Present
   * but changed: TAMPERED, or null when `soft` (the query reports that step instead of failing).
   * The entry is read from the store every time; when it is byte for byte the one hashed before
   * and the leaf is the same, the kept entry (its decoded value with it) is returned.
   */
  private async provenEntry(
    chain: ChainState,
    key: string,
    soft = false,
  ): Promise<ProvenEntry | null> {
    const leaf = chain.trie.get(key);
    if (!leaf) return null;
    // A `read:<prefix>` role over trace keys (e.g. read:trace/ for regulators) binds the
    // backward query as it binds get and history: this peer serves them only to a holder.
    const role = readRoleOf(chain.governance, key);
    if (role && !role.dids.includes(this.d.self()))
      throw botError(
        'UNAUTHORIZED',
        `${this.d.self()} does not hold the role ${role.role} on this chain, so this peer does not serve the traceability data under it; the chain's governance names who reads it.`,
      );
    const entry = await this.d.storage.getState(chain.chainId, key);
    if (entry) {
      const known = this.entries.get(key);
      if (known && equalBytes(known.leaf, leaf) && equalBytes(known.bytes, entry)) return known;
      if (equalBytes(sha256(entry), leaf)) {
        if (this.entries.size >= traceEntriesCachedMax) this.entries.clear();
        const proven: ProvenEntry = { bytes: entry, leaf };
        this.entries.set(key, proven);
        return proven;
      }
    }
    if (soft) return null;
    throw botError(
      'TAMPERED',
      `The stored entry "${key}" does not match the state root; repair the peer.`,
    );
  }
}

function recordView(record: TraceRecord): TraceRecordView {
  return {
    txId: record.txId,
    kind: record.kind,
    ids: [...record.ids],
    into: [...record.into],
    server: record.server,
    hash: record.hash,
    out: record.out,
    in: record.in,
    time: record.time,
    height: record.height,
  };
}

function missingStep(
  id: string,
  problem = `Lot "${id}" is named as a parent but is not in the state.`,
): TraceStepView {
  return {
    txId: id,
    kind: 'record',
    ids: [],
    into: [],
    server: '',
    hash: '',
    out: null,
    in: '',
    time: 0,
    height: 0,
    blockHash: null,
    status: 'tampered',
    problem,
    document: { status: 'not-fetched', message: null },
  };
}

/** Why a verified record does not carry on the lot's custody, or null when it does. */
function custodyProblem(
  step: TraceStepView,
  lotId: string,
  lot: TraceLot,
  index: number,
  previousIn: string | null,
): string | null {
  const names = step.ids.includes(lotId) || step.into.includes(lotId);
  if (!names) return `The record does not name lot "${lotId}".`;
  if (index === 0) {
    if (lot.parents.length === 0)
      return step.kind === 'origin'
        ? null
        : `Lot "${lotId}" has no parents but its first record is not an origin.`;
    const made = step.into.includes(lotId) && lot.parents.every((p) => step.ids.includes(p));
    return made ? null : `Lot "${lotId}" was not made by its first record from its parents.`;
  }
  if (step.kind === 'origin') return `Lot "${lotId}" has a second origin.`;
  return step.out === previousIn
    ? null
    : `The transfer-out account is not the previous transfer-in account (${previousIn?.slice(0, 20)}…).`;
}

/**
 * The default document fetcher: GET over HTTP(S), at most traceDocumentBytesMax bytes, within
 * traceFetchTimeoutMs on the injected clock.
 */
export function httpDocumentFetcher(clock: Clock): DocumentFetcher {
  return async (url) => {
    const controller = new AbortController();
    const timer = clock.setTimeout(() => controller.abort(), traceFetchTimeoutMs);
    try {
      const response = await fetch(url, {
        signal: controller.signal,
        redirect: 'error',
        cache: 'no-store',
      });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const declared = Number(response.headers.get('content-length') ?? NaN);
      if (declared > traceDocumentBytesMax)
        throw new Error(
          `the document is ${declared} bytes; the limit is ${traceDocumentBytesMax} (traceDocumentBytesMax)`,
        );
      const chunks: Uint8Array[] = [];
      let length = 0;
      const reader = response.body?.getReader();
      for (;;) {
        const part = reader ? await reader.read() : { done: true as const, value: undefined };
        if (part.done) break;
        length += part.value.length;
        if (length > traceDocumentBytesMax) {
          controller.abort();
          throw new Error(
            `the document is over ${traceDocumentBytesMax} bytes (traceDocumentBytesMax)`,
          );
        }
        chunks.push(part.value);
      }
      const bytes = new Uint8Array(length);
      let at = 0;
      for (const chunk of chunks) {
        bytes.set(chunk, at);
        at += chunk.length;
      }
      return bytes;
    } catch (error) {
      if (controller.signal.aborted && !/traceDocumentBytesMax/.test(String(error)))
        throw new Error(`no answer within ${traceFetchTimeoutMs} ms (traceFetchTimeoutMs)`);
      throw error;
    } finally {
      clock.clearTimeout(timer);
    }
  };
}
