// Stateful checks and effects of the xchain transactions (./types.ts), the proof check of the
// three Y.4560 10.2 modes, and the state writes at the end of a block. Every apply checks
// everything before it changes anything: a failing transaction changes nothing.
import { decode, encode } from '../../codec';
import { concatBytes, equalBytes, utf8 } from '../../bytes';
import { sha256 } from '../../crypto/hash';
import { publicKeyFromDid } from '../../crypto/did';
import { verifyStrict } from '../../crypto/ed25519';
import { botError, invariant } from '../../errors';
import type { Genesis } from '../../genesis';
import type { Tx } from '../../tx-shape';
import type { Validator } from '../../validators';
import {
  advanceMany,
  genesisChainId,
  trustCheckpoint,
  trustGenesis,
  verifyRead,
  type HeaderUpdate,
  type LightClientState,
} from '../../lightclient';
import { TokenJournal, type TokenOverlay } from '../tokens/apply';
import { dataPrefix } from '../data';
import { isPlainObject } from '../../body';
import { checkOperation } from './rules';
import {
  xchainDeadlineBlocksMax,
  xchainDeadlineBlocksMin,
  xchainEntryBytesMax,
  xchainEscrow,
  xchainGrantPrefix,
  xchainInPrefix,
  xchainLinkPrefix,
  xchainLinksMax,
  xchainOpenOperationsMax,
  xchainOutPrefix,
  xchainReserve,
  type InRecord,
  type LinkRecord,
  type OutRecord,
  type XAsset,
  type XchainMode,
  type XchainState,
  type XOperation,
  type XProof,
} from './types';

export interface XchainOverlay {
  readonly base: XchainState;
  readonly chainId: string;
  readonly height: number;
  readonly validators: Validator[];
  readonly admin: string | undefined;
  readonly links: Map<string, LinkRecord>;
  readonly outs: Map<string, OutRecord>;
  readonly ins: Map<string, InRecord>;
  readonly grants: Map<string, Uint8Array>;
  open: number;
  /** The tokens module's overlay of the block (tokens move through its journal). */
  readonly tokens: () => TokenOverlay;
  /** The block's state writes (a record arrives as a BoT data entry). */
  readonly writes: Map<string, Uint8Array>;
}

export function emptyXchain(_genesis: Genesis): XchainState {
  return { links: new Map(), outs: new Map(), ins: new Map(), open: 0 };
}

/** The bytes a notary signs to attest that `key` holds `entry` after block `height` of `chain`. */
export function attestationBytes(
  chain: string,
  height: number,
  key: string,
  entry: Uint8Array,
): Uint8Array {
  return concatBytes(
    utf8('bot/xchain/attest/v1\0'),
    encode({ chain, height, key, entry: sha256(entry) }),
  );
}

export function linkIn(o: XchainOverlay, chain: string): LinkRecord | undefined {
  return o.links.get(chain) ?? o.base.links.get(chain);
}
function outIn(o: XchainOverlay, id: string): OutRecord | undefined {
  return o.outs.get(id) ?? o.base.outs.get(id);
}
function inIn(o: XchainOverlay, id: string): InRecord | undefined {
  return o.ins.get(id) ?? o.base.ins.get(id);
}

function needLink(o: XchainOverlay, chain: string): LinkRecord {
  const link = linkIn(o, chain);
  if (!link)
    throw botError(
      'NOT_FOUND',
      `This chain has no link to chain ${chain}; a validator links it first (xchain.link).`,
    );
  return link;
}

/**
 * The entry bytes a proof shows for `key` on the remote `chain`, checked the way the link's mode
 * says: contract, by the on-chain light client; relay and shared, by the notaries' signatures.
 */
export function verifyRemote(
  link: LinkRecord,
  chain: string,
  key: string,
  proof: XProof,
): Uint8Array {
  if ('siblings' in proof) {
    if (link.mode !== 'contract' || !link.lc)
      throw botError(
        'BAD_REQUEST',
        `The link to ${chain} is in ${link.mode} mode: give attestations.`,
      );
    return verifyRead(link.lc, proof.height, key, proof.entry, proof.siblings);
  }
  if (link.mode === 'contract')
    throw botError('BAD_REQUEST', `The link to ${chain} is in contract mode: give a Merkle proof.`);
  const notaries = link.notaries ?? [];
  const message = attestationBytes(chain, proof.height, key, proof.entry);
  const signers = new Set<string>();
  for (const { signer, sig } of proof.attest) {
    if (!notaries.includes(signer) || signers.has(signer)) continue;
    if (verifyStrict(publicKeyFromDid(signer), message, sig)) signers.add(signer);
  }
  const quorum = link.quorum ?? 1;
  if (signers.size < quorum)
    throw botError(
      'BAD_SIGNATURE',
      `The entry ${key} of ${chain} is attested by ${signers.size} of the link's notaries; ${quorum} must attest.`,
    );
  return proof.entry;
}

/** A step's proof, and the header updates it may carry for a contract-mode link (applied first). */
interface StepBody {
  proof: XProof;
  headers?: HeaderUpdate[];
}

function sameOp(a: XOperation, b: XOperation): boolean {
  return equalBytes(encode(a), encode(b));
}

/** A remote xc/out or xc/in entry, shape-checked (TAMPERED when it is not one). */
function decodeRemote<R extends { op: XOperation; s: string; h: number }>(
  bytes: Uint8Array,
  statuses: readonly string[],
): R {
  let raw: unknown;
  try {
    raw = decode(bytes, xchainEntryBytesMax);
  } catch {
    throw botError('TAMPERED', 'The proven entry is not canonical CBOR.');
  }
  if (!isPlainObject(raw) || typeof raw.s !== 'string' || !statuses.includes(raw.s))
    throw botError('TAMPERED', 'The proven entry is not a cross-chain operation record.');
  try {
    checkOperation(raw.op);
  } catch {
    throw botError('TAMPERED', 'The proven entry holds no valid operation.');
  }
  return raw as unknown as R;
}

export function decodeOutRecord(bytes: Uint8Array): OutRecord {
  return decodeRemote<OutRecord>(bytes, ['locked', 'finalized', 'aborted']);
}

export function decodeInRecord(bytes: Uint8Array): InRecord {
  return decodeRemote<InRecord>(bytes, ['committed', 'refused']);
}

function pay(
  o: XchainOverlay,
  from: string,
  to: string,
  amount: number,
  txId: string,
  who: string,
) {
  const journal = new TokenJournal(o.tokens());
  journal.pay(from, to, amount, txId, { memo: 'cross-chain', who });
  return journal;
}

function applyLink(o: XchainOverlay, tx: Tx): void {
  const body = tx.body as {
    chain: string;
    mode: XchainMode;
    genesis?: Genesis;
    checkpoint?: { header: never; validators: Validator[] };
    notaries?: string[];
    quorum?: number;
  };
  if (!o.validators.some((v) => v.did === tx.from) && o.admin !== tx.from)
    throw botError(
      'UNAUTHORIZED',
      "Only a validator (or a private chain's administrator) links a chain.",
    );
  if (body.chain === o.chainId) throw botError('BAD_REQUEST', 'A chain does not link itself.');
  if (linkIn(o, body.chain))
    throw botError('BAD_REQUEST', `Chain ${body.chain} is linked already.`);
  if (o.base.links.size + o.links.size >= xchainLinksMax)
    throw botError('TOO_LARGE', `A chain links at most ${xchainLinksMax} other chains.`);
  let record: LinkRecord;
  if (body.mode === 'contract') {
    let lc: LightClientState;
    if (body.genesis !== undefined) {
      if (!isPlainObject(body.genesis) || genesisChainId(body.genesis) !== body.chain)
        throw botError('WRONG_CHAIN', `That genesis is not the genesis of chain ${body.chain}.`);
      lc = trustGenesis(body.genesis);
    } else {
      const checkpoint = body.checkpoint as Record<string, unknown> | undefined;
      if (!isPlainObject(checkpoint))
        throw botError('MALFORMED', 'A checkpoint is { header, validators }.');
      lc = trustCheckpoint({
        chainId: body.chain,
        header: checkpoint.header as never,
        validators: checkpoint.validators as Validator[],
      });
    }
    record = { mode: 'contract', lc, h: o.height };
  } else {
    record = { mode: body.mode, notaries: body.notaries!, quorum: body.quorum ?? 1, h: o.height };
  }
  o.links.set(body.chain, record);
}

function applyHeaders(o: XchainOverlay, tx: Tx): void {
  const body = tx.body as { chain: string; updates: HeaderUpdate[] };
  const link = needLink(o, body.chain);
  if (link.mode !== 'contract' || !link.lc)
    throw botError(
      'BAD_REQUEST',
      `The link to ${body.chain} is in ${link.mode} mode: it follows no headers.`,
    );
  o.links.set(body.chain, { ...link, lc: advanceMany(link.lc, body.updates), h: o.height });
}

function applyLock(o: XchainOverlay, tx: Tx, txId: string): void {
  const body = tx.body as { target: string; to: string; asset: XAsset; deadline: number };
  if (body.target === o.chainId)
    throw botError('BAD_REQUEST', 'The target of a cross-chain operation is another chain.');
  needLink(o, body.target);
  if (
    body.deadline < o.height + xchainDeadlineBlocksMin ||
    body.deadline > o.height + xchainDeadlineBlocksMax
  )
    throw botError(
      'BAD_REQUEST',
      `The deadline must be from ${xchainDeadlineBlocksMin} to ${xchainDeadlineBlocksMax} blocks after this one (height ${o.height}); ${body.deadline} is not.`,
    );
  if (o.open >= xchainOpenOperationsMax)
    throw botError(
      'TOO_LARGE',
      `This chain has ${xchainOpenOperationsMax} open cross-chain operations; wait for some to finish.`,
    );
  const op: XOperation = {
    v: 1,
    id: txId,
    source: o.chainId,
    target: body.target,
    from: tx.from,
    to: body.to,
    asset: body.asset,
    deadline: body.deadline,
  };
  if (op.asset.kind === 'tokens')
    pay(o, tx.from, xchainEscrow, op.asset.amount, txId, 'You hold').commit();
  o.outs.set(txId, { op, s: 'locked', lh: o.height, h: o.height });
  o.open++;
}

/**
 * The link to `chain`, advanced by the header updates a step carries with it (`headers`): the
 * advanced link is kept only when the whole step succeeds (`keep`), so a failing step changes
 * nothing.
 */
function linkWith(
  o: XchainOverlay,
  chain: string,
  headers: HeaderUpdate[] | undefined,
): { link: LinkRecord; keep: () => void } {
  const link = needLink(o, chain);
  if (headers === undefined) return { link, keep: () => {} };
  if (link.mode !== 'contract' || !link.lc)
    throw botError(
      'BAD_REQUEST',
      `The link to ${chain} is in ${link.mode} mode: it follows no headers.`,
    );
  const advanced: LinkRecord = { ...link, lc: advanceMany(link.lc, headers), h: o.height };
  return { link: advanced, keep: () => o.links.set(chain, advanced) };
}

/** The source's lock of `op`, proven (commit and refuse). */
function provenLock(
  o: XchainOverlay,
  op: XOperation,
  proof: XProof,
  headers: HeaderUpdate[] | undefined,
): () => void {
  if (op.target !== o.chainId)
    throw botError('WRONG_CHAIN', `Operation ${op.id} goes to chain ${op.target}, not this one.`);
  const { link, keep } = linkWith(o, op.source, headers);
  const done = inIn(o, op.id);
  if (done) throw botError('BAD_REQUEST', `Operation ${op.id} is ${done.s} here already.`);
  const entry = verifyRemote(link, op.source, xchainOutPrefix + op.id, proof);
  const record = decodeOutRecord(entry);
  if (!sameOp(record.op, op))
    throw botError('TAMPERED', `The proven lock of ${op.id} is of another operation.`);
  return keep;
}

function applyCommit(o: XchainOverlay, tx: Tx, txId: string): void {
  const { op, proof, headers } = tx.body as StepBody & { op: XOperation };
  const keep = provenLock(o, op, proof, headers);
  if (op.asset.kind === 'tokens')
    pay(o, xchainReserve, op.to, op.asset.amount, txId, 'The bridge reserve holds').commit();
  else if (op.asset.kind === 'record')
    o.writes.set(dataPrefix + op.asset.key, encode({ v: op.asset.value, h: o.height, tx: txId }));
  else
    o.grants.set(
      `${xchainGrantPrefix}${op.asset.dataset}/${op.asset.grantee}`,
      encode({ op: op.id, source: op.source, from: op.from, sealed: op.asset.sealed, h: o.height }),
    );
  keep();
  o.ins.set(op.id, { op, s: 'committed', h: o.height });
}

function applyRefuse(o: XchainOverlay, tx: Tx): void {
  const { op, proof, headers } = tx.body as StepBody & { op: XOperation };
  if (proof.height < op.deadline)
    throw botError(
      'BAD_REQUEST',
      `Operation ${op.id} may be refused from source height ${op.deadline}; the proof is of height ${proof.height}.`,
    );
  provenLock(o, op, proof, headers)();
  o.ins.set(op.id, { op, s: 'refused', h: o.height });
}

function applySettle(
  o: XchainOverlay,
  tx: Tx,
  txId: string,
  outcome: 'finalized' | 'aborted',
): void {
  const { id, proof, headers } = tx.body as StepBody & { id: string };
  const record = outIn(o, id);
  if (!record)
    throw botError('NOT_FOUND', `No cross-chain operation ${id} was locked on this chain.`);
  if (record.s !== 'locked')
    throw botError('BAD_REQUEST', `Operation ${id} is ${record.s} already.`);
  const { op } = record;
  const { link, keep } = linkWith(o, op.target, headers);
  const proven = decodeInRecord(verifyRemote(link, op.target, xchainInPrefix + id, proof));
  if (!sameOp(proven.op, op))
    throw botError('TAMPERED', `The proven record of ${id} on the target is of another operation.`);
  const needed = outcome === 'finalized' ? 'committed' : 'refused';
  if (proven.s !== needed)
    throw botError(
      'BAD_REQUEST',
      `Operation ${id} was ${proven.s} on the target; it can only be ${proven.s === 'committed' ? 'finalized' : 'aborted'}.`,
    );
  if (op.asset.kind === 'tokens') {
    const to = outcome === 'finalized' ? xchainReserve : op.from;
    pay(o, xchainEscrow, to, op.asset.amount, txId, 'The escrow holds').commit();
  }
  keep();
  o.outs.set(id, { ...record, s: outcome, h: o.height });
  o.open--;
}

/** Stateful check and effect of one xchain transaction; throws BotError having changed nothing. */
export function applyXchainTx(o: XchainOverlay, tx: Tx, txId: string): void {
  switch (tx.type) {
    case 'xchain.link':
      return applyLink(o, tx);
    case 'xchain.headers':
      return applyHeaders(o, tx);
    case 'xchain.fund':
      pay(
        o,
        tx.from,
        xchainReserve,
        (tx.body as { amount: number }).amount,
        txId,
        'You hold',
      ).commit();
      return;
    case 'xchain.lock':
      return applyLock(o, tx, txId);
    case 'xchain.commit':
      return applyCommit(o, tx, txId);
    case 'xchain.refuse':
      return applyRefuse(o, tx);
    case 'xchain.finalize':
      return applySettle(o, tx, txId, 'finalized');
    case 'xchain.abort':
      return applySettle(o, tx, txId, 'aborted');
  }
}

export function finishXchain(o: XchainOverlay, writes: Map<string, Uint8Array>): XchainState {
  if (o.links.size + o.outs.size + o.ins.size + o.grants.size === 0) return o.base;
  for (const [chain, link] of o.links) writes.set(xchainLinkPrefix + chain, encode(link));
  for (const [id, record] of o.outs) writes.set(xchainOutPrefix + id, encode(record));
  for (const [id, record] of o.ins) {
    invariant(!o.base.ins.has(id), `operation ${id} was settled twice on the target`);
    writes.set(xchainInPrefix + id, encode(record));
  }
  for (const [key, bytes] of o.grants) writes.set(key, bytes);
  return {
    links: o.links.size ? new Map([...o.base.links, ...o.links]) : o.base.links,
    outs: o.outs.size ? new Map([...o.base.outs, ...o.outs]) : o.base.outs,
    ins: o.ins.size ? new Map([...o.base.ins, ...o.ins]) : o.base.ins,
    open: o.open,
  };
}

export function xchainFromEntries(
  entries: ReadonlyArray<readonly [string, Uint8Array]>,
  genesis: Genesis,
): XchainState {
  const state = emptyXchain(genesis);
  const links = new Map<string, LinkRecord>();
  const outs = new Map<string, OutRecord>();
  const ins = new Map<string, InRecord>();
  let open = 0;
  for (const [key, bytes] of entries) {
    if (key.startsWith(xchainLinkPrefix))
      links.set(key.slice(xchainLinkPrefix.length), decode<LinkRecord>(bytes, 1 << 20));
    else if (key.startsWith(xchainOutPrefix)) {
      const record = decode<OutRecord>(bytes, xchainEntryBytesMax);
      outs.set(key.slice(xchainOutPrefix.length), record);
      if (record.s === 'locked') open++;
    } else if (key.startsWith(xchainInPrefix))
      ins.set(key.slice(xchainInPrefix.length), decode<InRecord>(bytes, xchainEntryBytesMax));
  }
  return outs.size + ins.size + links.size ? { links, outs, ins, open } : state;
}
