// A light client of a BoT chain (issue 18): it follows a chain it does not execute from one
// trusted root (the chain's genesis, or a checkpoint someone it trusts gave it), header by
// header. Each header must carry a commit certificate with signatures of more than 2/3 of the
// voting power of the validators in force for it, and a Merkle proof of the validator set its
// block leaves for the next one (the state entry "sys/validators" against the header's state
// root): so a governance change of the set is followed from the chain's own state, and a header
// signed by a set that is no longer (or never was) in force is refused. State is then read with
// Merkle proofs against a verified header's state root. Storage is bounded: the last
// lightClientHeadersKeptMax headers, and one checkpoint every lightClientCheckpointEvery heights
// (at most lightClientCheckpointsKeptMax of them).
//
// Pure and deterministic: the on-chain light client of the xchain module
// (worker/core/modules/xchain) runs this code inside block execution. It imports neither the
// ledger nor block.ts (those reach the module registry: an import cycle), so it restates the
// header shape and the block hash (lightclient.test.ts proves them equal to block.ts's).
import { encode } from '../codec';
import { equalBytes, toHex } from '../bytes';
import { sha256, taggedHash } from '../crypto/hash';
import { publicKeyFromDid } from '../crypto/did';
import { verifyStrict } from '../crypto/ed25519';
import { botError } from '../errors';
import { verifyAbsenceProof, verifyStateProof, type AbsenceProof } from '../state-trie';
import { commitSigningBytes } from '../consensus/vote';
import { hasQuorum, type Validator } from '../validators';

/** Headers kept after the newest (older ones are dropped, except checkpoints). */
export const lightClientHeadersKeptMax = 64;
/** A header whose height is a multiple of this is kept as a checkpoint. */
export const lightClientCheckpointEvery = 256;
/** Checkpoints kept (the oldest is dropped first). */
export const lightClientCheckpointsKeptMax = 16;
/** Header updates one call (or one xchain.headers transaction) may carry. */
export const lightClientUpdatesMax = 16;
/** Certificate signatures a host verified beforehand and the light client takes as valid (cleared when full). */
export const lightClientVerifiedMemoMax = 4096;
/** Signatures one certificate may carry (limits.certificateSignatureCountMax). */
const certSignaturesMax = 128;
/** Validators a proven set may hold (limits.validatorCountMax). */
const validatorsMax = 128;
/** Sibling hashes a state proof may hold (one per bit of a key hash). */
const proofSiblingsMax = 256;

/** The block header, as block.ts defines it. */
export interface LightHeader {
  chain: string;
  height: number;
  prev: Uint8Array;
  txRoot: Uint8Array;
  stateRoot: Uint8Array;
  time: number;
  proposer: string;
  round: number;
}

export interface LightCertificate {
  height: number;
  round: number;
  block: Uint8Array;
  sigs: Array<{ validator: string; sig: Uint8Array }>;
}

/** One step of the chain: a header, its certificate, and the set it leaves for the next block. */
export interface HeaderUpdate {
  header: LightHeader;
  cert: LightCertificate;
  /** The validators of the next block: the value of "sys/validators" after this block. */
  validators: Validator[];
  /** Its Merkle proof against header.stateRoot (sibling hashes, root first). */
  siblings: Uint8Array[];
}

/** What a light client keeps of one verified header. */
export interface KeptHeader {
  height: number;
  hash: Uint8Array;
  stateRoot: Uint8Array;
  time: number;
}

export interface LightClientState {
  readonly chainId: string;
  /** The newest verified height, its hash (null: the genesis root, whose hash is not needed). */
  readonly height: number;
  readonly hash: Uint8Array | null;
  /** The validators in force for block height + 1. */
  readonly validators: Validator[];
  /** The newest headers, oldest first (at most lightClientHeadersKeptMax). */
  readonly recent: KeptHeader[];
  /** Checkpoints, oldest first (at most lightClientCheckpointsKeptMax). */
  readonly checkpoints: KeptHeader[];
}

/** The trusted root a light client starts from, other than a genesis. */
export interface Checkpoint {
  chainId: string;
  header: LightHeader;
  /** The validators in force for the block after `header`. */
  validators: Validator[];
}

export const validatorsKey = 'sys/validators';

/** blockHash of block.ts. */
export function lightBlockHash(header: LightHeader): Uint8Array {
  return taggedHash('bot/block/v1', encode(header));
}

/** chainIdOf of ledger.ts: the chain id a genesis names. */
export function genesisChainId(genesis: unknown): string {
  return toHex(taggedHash('bot/genesis/v1', encode(genesis))).slice(0, 32);
}

function checkValidators(value: unknown, what: string): Validator[] {
  if (!Array.isArray(value) || value.length === 0 || value.length > validatorsMax)
    throw botError('BAD_FIELD_TYPE', `${what} must list 1 to ${validatorsMax} validators.`);
  for (const v of value) {
    const entry = v as Record<string, unknown> | null;
    if (
      typeof entry !== 'object' ||
      entry === null ||
      typeof entry.did !== 'string' ||
      !Number.isSafeInteger(entry.power) ||
      (entry.power as number) < 1 ||
      Object.keys(entry).length !== 2
    )
      throw botError('BAD_FIELD_TYPE', `${what}: each validator is { did, power >= 1 }.`);
  }
  return value as Validator[];
}

/** A light client trusting a chain's genesis (the chain id is its hash: nothing else to trust). */
export function trustGenesis(genesis: { validators: Validator[] }): LightClientState {
  const validators = checkValidators(genesis?.validators, 'The genesis');
  return {
    chainId: genesisChainId(genesis),
    height: 0,
    hash: null,
    validators,
    recent: [],
    checkpoints: [],
  };
}

/** A light client trusting a checkpoint (a header and the set after it) it got from someone it trusts. */
export function trustCheckpoint(checkpoint: Checkpoint): LightClientState {
  const header = checkHeaderShape(checkpoint?.header);
  if (header.chain !== checkpoint.chainId)
    throw botError('WRONG_CHAIN', 'The checkpoint header is of another chain.');
  const kept = keptOf(header);
  return {
    chainId: checkpoint.chainId,
    height: header.height,
    hash: kept.hash,
    validators: checkValidators(checkpoint.validators, 'The checkpoint'),
    recent: [kept],
    checkpoints: [],
  };
}

function isHash(value: unknown): value is Uint8Array {
  return value instanceof Uint8Array && value.length === 32;
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function checkHeaderShape(value: unknown): LightHeader {
  const h = value as Record<string, unknown> | null;
  if (typeof h !== 'object' || h === null || Object.keys(h).length !== 8)
    throw botError('BAD_BLOCK', 'A header is a map of exactly its 8 fields.');
  const { chain, height, prev, txRoot, stateRoot, time, proposer, round } = h;
  if (typeof chain !== 'string' || typeof proposer !== 'string')
    throw botError('BAD_BLOCK', 'A header names its chain and proposer.');
  if (!isCount(height) || !isCount(time) || !isCount(round))
    throw botError('BAD_BLOCK', 'Height, time and round must be whole numbers.');
  if (!isHash(prev) || !isHash(txRoot) || !isHash(stateRoot))
    throw botError('BAD_BLOCK', 'prev, txRoot and stateRoot must be 32-byte hashes.');
  return { chain, height, prev, txRoot, stateRoot, time, proposer, round };
}

function keptOf(header: LightHeader, hash = lightBlockHash(header)): KeptHeader {
  return {
    height: header.height,
    hash,
    stateRoot: header.stateRoot,
    time: header.time,
  };
}

function checkSiblings(value: unknown): Uint8Array[] {
  if (!Array.isArray(value) || value.length > proofSiblingsMax || !value.every(isHash))
    throw botError('TAMPERED', `A proof is a list of at most ${proofSiblingsMax} 32-byte hashes.`);
  return value;
}

/**
 * Certificate signatures that verified beforehand, keyed by signature, key and message in full.
 * A host that runs block execution fills it from its own verifier (worker/host/crypto.ts: the
 * same strict rules as verifyStrict, so a verdict taken from here is the one verifyStrict would
 * give): the relay verifies the certificates of the headers it is about to submit off the block
 * path (WebCrypto, ten times faster than pure JS), and the block that checks them on chain
 * finds them here. Only valid signatures are kept; an absent one is verified as before. The
 * outcome of a block never depends on it: a memo, not an input.
 */
const verifiedMemo = new Set<string>();

/**
 * The memo's key: signature, key and message in full, one character per byte. Built at once, it
 * is one flat string of about 200 bytes; hex joined with `+=` (toHex) was a rope of ~200 parts
 * per entry, 6.4 KB of heap each, so a full memo held ~26 MB (one entry per solo block: the
 * heap of a Node validator grew 7-10 KB per block to 1,000,000 transactions, BENCHMARKS.md).
 * Only Ed25519's sizes (RFC 8032: 64-byte signatures, 32-byte keys) have a key, so the
 * boundary between the parts is never in doubt.
 */
function memoKey(key: Uint8Array, message: Uint8Array, sig: Uint8Array): string | null {
  if (sig.length !== 64 || key.length !== 32) return null;
  return String.fromCharCode(...sig, ...key, ...message);
}

/** Take a signature a host verifier found valid (see verifiedMemo). */
export function rememberVerifiedSignature(
  key: Uint8Array,
  message: Uint8Array,
  sig: Uint8Array,
): void {
  const memo = memoKey(key, message, sig);
  if (memo === null) return;
  if (verifiedMemo.size >= lightClientVerifiedMemoMax) verifiedMemo.clear();
  verifiedMemo.add(memo);
}

/** Whether `sig` of `key` on `message` is in the memo (verified, or made by this peer). */
export function isVerifiedSignature(
  key: Uint8Array,
  message: Uint8Array,
  sig: Uint8Array,
): boolean {
  const memo = memoKey(key, message, sig);
  return memo !== null && verifiedMemo.has(memo);
}

/** The signatures of `update`'s certificate to verify beforehand (malformed entries left out: the chain refuses them). */
export function certificateSignatureChecks(
  chainId: string,
  update: HeaderUpdate,
): Array<{ publicKey: Uint8Array; message: Uint8Array; signature: Uint8Array }> {
  const cert = update.cert;
  if (!cert || !Array.isArray(cert.sigs) || !isCount(cert.height) || !isCount(cert.round))
    return [];
  if (!isHash(cert.block)) return [];
  const message = commitSigningBytes(chainId, cert.height, cert.round, cert.block);
  const checks = [];
  for (const entry of cert.sigs) {
    if (typeof entry?.validator !== 'string' || !(entry.sig instanceof Uint8Array)) continue;
    try {
      checks.push({ publicKey: publicKeyFromDid(entry.validator), message, signature: entry.sig });
    } catch {
      // not a did:key: the chain refuses it
    }
  }
  return checks;
}

/**
 * Check a certificate for `header` against `validators`: it is for this block, every signer is a
 * validator that signed once with a valid signature, and the signers hold more than 2/3 of the
 * power. Typed errors: BAD_CERTIFICATE. `hash`: the header's hash, when the caller has it.
 */
export function verifyCertificate(
  chainId: string,
  header: LightHeader,
  cert: LightCertificate,
  validators: Validator[],
  hash: Uint8Array = lightBlockHash(header),
): void {
  const c = cert as unknown as Record<string, unknown> | null;
  if (
    typeof c !== 'object' ||
    c === null ||
    !isCount(c.height) ||
    !isCount(c.round) ||
    !isHash(c.block) ||
    !Array.isArray(c.sigs) ||
    c.sigs.length > certSignaturesMax
  )
    throw botError('BAD_CERTIFICATE', 'The commit certificate is malformed.');
  if (cert.height !== header.height || !equalBytes(cert.block, hash))
    throw botError(
      'BAD_CERTIFICATE',
      `The certificate of block ${header.height} is for another block.`,
    );
  const message = commitSigningBytes(chainId, cert.height, cert.round, cert.block);
  const signers = new Set<string>();
  for (const entry of cert.sigs) {
    const s = entry as unknown as Record<string, unknown> | null;
    if (
      typeof s !== 'object' ||
      s === null ||
      typeof s.validator !== 'string' ||
      !(s.sig instanceof Uint8Array)
    )
      throw botError('BAD_CERTIFICATE', 'A certificate signature is malformed.');
    if (signers.has(entry.validator))
      throw botError('BAD_CERTIFICATE', `${entry.validator} signs the certificate twice.`);
    if (!validators.some((v) => v.did === entry.validator))
      throw botError(
        'BAD_CERTIFICATE',
        `${entry.validator} is not a validator of block ${header.height}.`,
      );
    let key: Uint8Array;
    try {
      key = publicKeyFromDid(entry.validator);
    } catch {
      throw botError('BAD_CERTIFICATE', `${entry.validator} is not a did:key.`);
    }
    if (!isVerifiedSignature(key, message, entry.sig) && !verifyStrict(key, message, entry.sig))
      throw botError(
        'BAD_CERTIFICATE',
        `The signature of ${entry.validator} on block ${header.height} is not valid.`,
      );
    signers.add(entry.validator);
  }
  if (!hasQuorum(signers, validators))
    throw botError(
      'BAD_CERTIFICATE',
      `The certificate of block ${header.height} lacks signatures of more than 2/3 of the voting power.`,
    );
}

/**
 * The light client after one more header (the next height). Throws BotError, leaving `state` as
 * it was: WRONG_CHAIN, BAD_BLOCK (not the next height, not linked, back in time, a proposer that
 * is not a validator), BAD_CERTIFICATE (forged, short of quorum, signed by others), TAMPERED (the
 * validator set after it is not the one its state root holds).
 */
export function advance(state: LightClientState, update: HeaderUpdate): LightClientState {
  const u = update as unknown as Record<string, unknown> | null;
  if (typeof u !== 'object' || u === null)
    throw botError('MALFORMED', 'A header update is { header, cert, validators, siblings }.');
  const header = checkHeaderShape(update.header);
  if (header.chain !== state.chainId)
    throw botError('WRONG_CHAIN', `The header is of chain ${header.chain}, not ${state.chainId}.`);
  if (header.height !== state.height + 1)
    throw botError(
      'BAD_BLOCK',
      `The light client is at height ${state.height}; the next header must be ${state.height + 1}, not ${header.height}.`,
    );
  if (state.hash !== null && !equalBytes(header.prev, state.hash))
    throw botError('BAD_BLOCK', `Header ${header.height} does not link to the header before it.`);
  const last = state.recent[state.recent.length - 1];
  if (last && header.time < last.time)
    throw botError('BAD_BLOCK', `Header ${header.height} goes back in time.`);
  if (!state.validators.some((v) => v.did === header.proposer))
    throw botError('BAD_BLOCK', `Header ${header.height} was proposed by a non-validator.`);
  const hash = lightBlockHash(header); // once: the certificate's block and the kept header
  verifyCertificate(state.chainId, header, update.cert, state.validators, hash);
  const next = checkValidators(update.validators, 'The next validator set');
  const siblings = checkSiblings(update.siblings);
  if (!verifyStateProof(header.stateRoot, validatorsKey, sha256(encode(next)), { siblings }))
    throw botError(
      'TAMPERED',
      `The validator set given for after block ${header.height} is not the one its state root holds.`,
    );
  const kept = keptOf(header, hash);
  const recent = [...state.recent, kept].slice(-lightClientHeadersKeptMax);
  let checkpoints = state.checkpoints;
  if (header.height % lightClientCheckpointEvery === 0)
    checkpoints = [...checkpoints, kept].slice(-lightClientCheckpointsKeptMax);
  return {
    chainId: state.chainId,
    height: header.height,
    hash: kept.hash,
    validators: next,
    recent,
    checkpoints,
  };
}

/** Several headers in order (at most lightClientUpdatesMax); all or nothing. */
export function advanceMany(state: LightClientState, updates: HeaderUpdate[]): LightClientState {
  if (!Array.isArray(updates) || updates.length === 0 || updates.length > lightClientUpdatesMax)
    throw botError('TOO_LARGE', `Give 1 to ${lightClientUpdatesMax} header updates at a time.`);
  let next = state;
  for (const update of updates) next = advance(next, update);
  return next;
}

/** The kept header at `height`, or null (never verified, or dropped from bounded storage). */
export function headerAt(state: LightClientState, height: number): KeptHeader | null {
  return (
    state.recent.find((h) => h.height === height) ??
    state.checkpoints.find((h) => h.height === height) ??
    null
  );
}

/**
 * Read a state entry with its Merkle proof against the verified header at `height`: the entry
 * bytes, checked. NOT_FOUND when that header is not kept, TAMPERED when the proof fails.
 */
export function verifyRead(
  state: LightClientState,
  height: number,
  key: string,
  entry: Uint8Array,
  siblings: Uint8Array[],
): Uint8Array {
  const header = headerAt(state, height);
  if (!header)
    throw botError(
      'NOT_FOUND',
      `The light client of ${state.chainId} holds no verified header at height ${height} (it keeps heights ${keptRange(state)}); prove the entry at a newer height.`,
    );
  if (!(entry instanceof Uint8Array)) throw botError('TAMPERED', 'The proven entry must be bytes.');
  if (
    !verifyStateProof(header.stateRoot, key, sha256(entry), { siblings: checkSiblings(siblings) })
  )
    throw botError(
      'TAMPERED',
      `The proof of ${key} does not match the state root of block ${height} of ${state.chainId}.`,
    );
  return entry;
}

function keptRange(state: LightClientState): string {
  const first = state.recent[0];
  return first ? `${first.height} to ${state.height}` : 'none yet';
}

/**
 * Check that state key `key` is absent at the verified header at `height`, by its proof of
 * absence (state-trie.ts verifyAbsenceProof). NOT_FOUND when that header is not kept, TAMPERED
 * when the proof fails (the key may well be there).
 */
export function verifyAbsentRead(
  state: LightClientState,
  height: number,
  key: string,
  proof: AbsenceProof,
): void {
  const header = headerAt(state, height);
  if (!header)
    throw botError(
      'NOT_FOUND',
      `The light client of ${state.chainId} holds no verified header at height ${height} (it keeps heights ${keptRange(state)}); prove the absence at a newer height.`,
    );
  const p = proof as unknown as Record<string, unknown> | null;
  if (typeof p !== 'object' || p === null)
    throw botError('TAMPERED', 'A proof of absence is { siblings, other }.');
  const siblings = checkSiblings(p.siblings);
  if (!verifyAbsenceProof(header.stateRoot, key, { siblings, other: proof.other ?? null }))
    throw botError(
      'TAMPERED',
      `The proof that ${key} is absent does not match the state root of block ${height} of ${state.chainId}.`,
    );
}
