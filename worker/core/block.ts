// Blocks: header { chain, height, prev, txRoot, stateRoot, time, proposer, round }, the
// transactions, and a commit certificate: signatures over the block hash by validators holding
// more than 2/3 of the voting power. Any peer, even a light one, checks finality from the
// certificate and the validator set alone.
import { encode, decode, encodeArrayHead } from './codec';
import { concatBytes, equalBytes, toHex, utf8 } from './bytes';
import { taggedHash } from './crypto/hash';
import { publicKeyFromDid } from './crypto/did';
import { signSync } from './crypto/ed25519';
import { botError } from './errors';
import { merkleRoot } from './merkle';
import { checkTx, encodeTx, txLeafOf, type Tx } from './tx';
import * as limits from './limits';
import { hasQuorum, type Validator } from './validators';
import { commitSigningBytes } from './consensus/vote';

export { hasQuorum, type Validator } from './validators';
export { commitSigningBytes } from './consensus/vote';

export interface BlockHeader {
  chain: string;
  height: number;
  prev: Uint8Array;
  txRoot: Uint8Array;
  stateRoot: Uint8Array;
  time: number;
  proposer: string;
  round: number;
}

export interface CertificateSignature {
  validator: string;
  sig: Uint8Array;
}

export interface Certificate {
  height: number;
  round: number;
  block: Uint8Array;
  sigs: CertificateSignature[];
}

export interface Block {
  header: BlockHeader;
  txs: Tx[];
  cert: Certificate | null;
}

export function blockHash(header: BlockHeader): Uint8Array {
  return taggedHash('bot/block/v1', encode(header));
}

/** Leaf of the transaction root: the hash of the whole signed envelope. */
export function txLeaf(tx: Tx): Uint8Array {
  return txLeafOf(tx);
}

export function txRootOf(txs: Tx[]): Uint8Array {
  return merkleRoot(txs.map(txLeaf));
}

/**
 * A commit signature of `validator`, whose seed is `seed`: with `sign`, its faster signer for the
 * same key, when given (PeerIdentity.sign: the same bytes as signSync), else signSync.
 */
export function signCommit(
  seed: Uint8Array,
  validator: string,
  chain: string,
  height: number,
  round: number,
  hash: Uint8Array,
  sign?: (message: Uint8Array) => Uint8Array,
): CertificateSignature {
  const message = commitSigningBytes(chain, height, round, hash);
  return { validator, sig: sign ? sign(message) : signSync(seed, message) };
}

const blockMapHead = new Uint8Array([0xa3]);
const txsKey = encode('txs');
const certKey = encode('cert');
const headerKey = encode('header');
const txFieldNames = ['body', 'chain', 'from', 'nonce', 'sig', 'time', 'type'];

/** Exactly the envelope's fields: then encodeTx gives the bytes `encode({ ...tx })` would. */
function isEnvelope(tx: Tx): boolean {
  return (
    Object.keys(tx).length === txFieldNames.length &&
    txFieldNames.every((name) => Object.hasOwn(tx, name))
  );
}

/**
 * The canonical encoding of { header, txs, cert }, spliced from parts (keys in canonical order:
 * txs, cert, header) so that each transaction's envelope, encoded once, is reused.
 */
export function encodeBlock(block: Block): Uint8Array {
  const txs = block.txs.map((tx) => (isEnvelope(tx) ? encodeTx(tx) : encode({ ...tx })));
  return concatBytes(
    blockMapHead,
    txsKey,
    encodeArrayHead(txs.length),
    ...txs,
    certKey,
    encode(block.cert),
    headerKey,
    encode(block.header),
  );
}

function isBytes(value: unknown, length: number): value is Uint8Array {
  return value instanceof Uint8Array && value.length === length;
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

export function checkHeader(value: unknown): BlockHeader {
  const h = value as Record<string, unknown> | null;
  if (typeof h !== 'object' || h === null)
    throw botError('BAD_BLOCK', 'A block header must be a map.');
  const { chain, height, prev, txRoot, stateRoot, time, proposer, round } = h;
  if (typeof chain !== 'string') throw botError('BAD_BLOCK', 'The header has no chain id.');
  if (!isCount(height) || !isCount(time) || !isCount(round))
    throw botError('BAD_BLOCK', 'Height, time and round must be whole numbers.');
  if (!isBytes(prev, 32) || !isBytes(txRoot, 32) || !isBytes(stateRoot, 32))
    throw botError('BAD_BLOCK', 'prev, txRoot and stateRoot must be 32-byte hashes.');
  if (typeof proposer !== 'string') throw botError('BAD_BLOCK', 'The header has no proposer.');
  if (Object.keys(h).length !== 8) throw botError('BAD_BLOCK', 'The header has unknown fields.');
  return { chain, height, prev, txRoot, stateRoot, time, proposer, round };
}

export function checkCertificate(value: unknown): Certificate | null {
  if (value === null) return null;
  const c = value as Record<string, unknown>;
  if (
    typeof c !== 'object' ||
    !isCount(c.height) ||
    !isCount(c.round) ||
    !isBytes(c.block, 32) ||
    !Array.isArray(c.sigs)
  ) {
    throw botError('BAD_CERTIFICATE', 'The commit certificate is malformed.');
  }
  if (c.sigs.length > limits.certificateSignatureCountMax)
    throw botError('TOO_LARGE', 'The certificate has too many signatures.');
  const sigs = c.sigs.map((s: unknown) => {
    const entry = s as Record<string, unknown>;
    if (
      typeof entry !== 'object' ||
      entry === null ||
      typeof entry.validator !== 'string' ||
      !isBytes(entry.sig, 64)
    ) {
      throw botError('BAD_CERTIFICATE', 'A certificate signature is malformed.');
    }
    return { validator: entry.validator, sig: entry.sig };
  });
  return { height: c.height, round: c.round, block: c.block, sigs };
}

/** Decode and shape-check a block (no signatures, no state). Throws BotError. */
export function decodeBlock(bytes: Uint8Array): Block {
  const value = decode<Record<string, unknown>>(bytes, limits.blockBytesMax);
  if (typeof value !== 'object' || value === null || !Array.isArray(value.txs))
    throw botError('BAD_BLOCK', 'A block must be a map { header, txs, cert }.');
  if (value.txs.length > limits.blockTxCountMax)
    throw botError('TOO_LARGE', `A block holds at most ${limits.blockTxCountMax} transactions.`);
  const header = checkHeader(value.header);
  const txs = value.txs.map((tx) => checkTx(tx));
  const cert = checkCertificate(value.cert);
  return { header, txs, cert };
}

export interface SignatureCheck {
  publicKey: Uint8Array;
  message: Uint8Array;
  signature: Uint8Array;
}

/** The signatures a certificate asks the host to verify. Unknown validators are an error. */
export function certificateChecks(
  cert: Certificate,
  chain: string,
  validators: Validator[],
): SignatureCheck[] {
  const message = commitSigningBytes(chain, cert.height, cert.round, cert.block);
  return cert.sigs.map((s) => {
    if (!validators.some((v) => v.did === s.validator))
      throw botError('BAD_CERTIFICATE', `${s.validator} is not a validator of this chain.`);
    return { publicKey: publicKeyFromDid(s.validator), message, signature: s.sig };
  });
}

/** Structural certificate check (signature verdicts come from the host): right block, quorum. */
export function checkCertificateFor(
  header: BlockHeader,
  cert: Certificate | null,
  validators: Validator[],
): void {
  if (!cert) throw botError('BAD_CERTIFICATE', `Block ${header.height} has no commit certificate.`);
  if (cert.height !== header.height || !equalBytes(cert.block, blockHash(header))) {
    throw botError(
      'BAD_CERTIFICATE',
      `The certificate of block ${header.height} is for another block.`,
    );
  }
  if (
    !hasQuorum(
      cert.sigs.map((s) => s.validator),
      validators,
    )
  ) {
    throw botError(
      'BAD_CERTIFICATE',
      `The certificate of block ${header.height} lacks signatures of more than 2/3 of the voting power.`,
    );
  }
}

export function hashHex(hash: Uint8Array): string {
  return toHex(hash);
}
