// Consensus messages of the round engines (bft, poa), their signing bytes, the signature checks
// a host runs before handing a message to the core, and a strict decoder for wire bytes.
// The precommit for a block signs `commitSigningBytes` from block.ts, so a quorum of precommits
// IS the commit certificate stored with the block.
import { decode, encode } from '../codec';
import { concatBytes, utf8 } from '../bytes';
import {
  blockHash,
  certificateChecks,
  checkCertificate,
  checkHeader,
  commitSigningBytes,
  type Block,
  type SignatureCheck,
  type Validator,
} from '../block';
import { publicKeyFromDid } from '../crypto/did';
import { botError } from '../errors';
import { checkTx, txSigningBytes, type Tx } from '../tx';
import * as limits from '../limits';
import { voteSigningBytes, type Vote, type VoteType } from './vote';

export { voteSigningBytes, type Vote, type VoteType } from './vote';

export interface Proposal {
  type: 'proposal';
  height: number;
  round: number;
  /** Round in which this block last gathered a prevote quorum, or -1 for a fresh block. */
  validRound: number;
  proposer: string;
  block: Block;
  /** With validRound >= 0: the prevotes of that round for this block (the "proof of lock"). */
  pol: Vote[];
  sig: Uint8Array;
}

export type ConsensusMessage =
  | Proposal
  | Vote
  /** A decided block with its certificate, sent to a peer that is behind. */
  | { type: 'commit'; block: Block }
  /** "I am deciding this height": unsigned; a peer ahead answers with commits. */
  | { type: 'status'; height: number; round: number }
  /** Mempool gossip of a transaction (its own signature is checked). */
  | { type: 'tx'; tx: Tx };

const proposalTag = utf8('bot/proposal/v1\0');

export function proposalSigningBytes(
  chain: string,
  height: number,
  round: number,
  validRound: number,
  hash: Uint8Array,
): Uint8Array {
  return concatBytes(proposalTag, encode({ chain, height, round, validRound, block: hash }));
}

function validatorKey(did: string, validators: Validator[]): Uint8Array {
  if (!validators.some((v) => v.did === did))
    throw botError('UNAUTHORIZED', `${did} is not a validator of this chain.`);
  return publicKeyFromDid(did);
}

function txChecks(txs: Tx[]): SignatureCheck[] {
  return txs.map((tx) => ({
    publicKey: publicKeyFromDid(tx.from),
    message: txSigningBytes(tx),
    signature: tx.sig,
  }));
}

/**
 * The signatures the host verifies before passing a message to the core (sigOk is true only
 * when all pass). Throws BotError for a signer that is not a validator.
 */
export function messageChecks(
  message: ConsensusMessage,
  chain: string,
  validators: Validator[],
): SignatureCheck[] {
  switch (message.type) {
    case 'proposal': {
      const hash = blockHash(message.block.header);
      const own = {
        publicKey: validatorKey(message.proposer, validators),
        message: proposalSigningBytes(
          chain,
          message.height,
          message.round,
          message.validRound,
          hash,
        ),
        signature: message.sig,
      };
      const pol = message.pol.map((v) => messageChecks(v, chain, validators)[0]!);
      return [own, ...pol, ...txChecks(message.block.txs)];
    }
    case 'prevote':
    case 'precommit':
      return [
        {
          publicKey: validatorKey(message.validator, validators),
          message: voteSigningBytes(
            chain,
            message.type,
            message.height,
            message.round,
            message.block,
          ),
          signature: message.sig,
        },
      ];
    case 'commit':
      if (!message.block.cert)
        throw botError('BAD_CERTIFICATE', 'A commit message needs a certificate.');
      return [
        ...certificateChecks(message.block.cert, chain, validators),
        ...txChecks(message.block.txs),
      ];
    case 'status':
      return [];
    case 'tx':
      return txChecks([message.tx]);
  }
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function checkBlock(value: unknown): Block {
  const b = value as Record<string, unknown> | null;
  if (typeof b !== 'object' || b === null || !Array.isArray(b.txs))
    throw botError('BAD_BLOCK', 'A block must be a map { header, txs, cert }.');
  if (b.txs.length > limits.blockTxCountMax)
    throw botError('TOO_LARGE', `A block holds at most ${limits.blockTxCountMax} transactions.`);
  return {
    header: checkHeader(b.header),
    txs: b.txs.map((tx) => checkTx(tx)),
    cert: checkCertificate(b.cert ?? null),
  };
}

function checkVoteFields(m: Record<string, unknown>, type: VoteType): Vote {
  const { height, round, block, validator, sig } = m;
  if (
    !isCount(height) ||
    !isCount(round) ||
    typeof validator !== 'string' ||
    !(sig instanceof Uint8Array) ||
    sig.length !== 64
  )
    throw botError('MALFORMED', `A ${type} is malformed.`);
  if (block !== null && !(block instanceof Uint8Array && block.length === 32))
    throw botError('MALFORMED', `A ${type} names a block by a 32-byte hash or null.`);
  return { type, height, round, block, validator, sig };
}

/** Shape-check a decoded message. Throws BotError. */
export function checkMessage(value: unknown): ConsensusMessage {
  const m = value as Record<string, unknown> | null;
  if (typeof m !== 'object' || m === null)
    throw botError('MALFORMED', 'A consensus message must be a map.');
  switch (m.type) {
    case 'proposal': {
      const { height, round, validRound, proposer, sig } = m;
      if (
        !isCount(height) ||
        !isCount(round) ||
        typeof validRound !== 'number' ||
        !Number.isSafeInteger(validRound) ||
        validRound < -1 ||
        (validRound >= round && validRound !== -1)
      ) {
        throw botError('MALFORMED', 'A proposal has a bad height or round.');
      }
      if (typeof proposer !== 'string' || !(sig instanceof Uint8Array) || sig.length !== 64)
        throw botError('MALFORMED', 'A proposal needs a proposer and a 64-byte signature.');
      if (!Array.isArray(m.pol) || m.pol.length > limits.validatorCountMax)
        throw botError('MALFORMED', 'A proposal carries at most one prevote per validator.');
      const pol = m.pol.map((v: unknown) => {
        const vote = checkMessage(v);
        if (vote.type !== 'prevote' || vote.height !== height || vote.round !== validRound)
          throw botError(
            'MALFORMED',
            "A proposal's proof of lock holds only prevotes of its valid round.",
          );
        return vote;
      });
      return {
        type: 'proposal',
        height,
        round,
        validRound,
        proposer,
        block: checkBlock(m.block),
        pol,
        sig,
      };
    }
    case 'prevote':
    case 'precommit':
      return checkVoteFields(m, m.type);
    case 'commit':
      return { type: 'commit', block: checkBlock(m.block) };
    case 'status':
      if (!isCount(m.height) || !isCount(m.round))
        throw botError('MALFORMED', 'A status message has a bad height or round.');
      return { type: 'status', height: m.height, round: m.round };
    case 'tx':
      return { type: 'tx', tx: checkTx(m.tx) };
    default:
      throw botError('UNKNOWN_TYPE', 'Unknown consensus message type.');
  }
}

export function encodeMessage(message: ConsensusMessage): Uint8Array {
  if (message.type === 'proposal' || message.type === 'commit') {
    const block = {
      header: message.block.header,
      txs: message.block.txs.map((tx) => ({ ...tx })),
      cert: message.block.cert,
    };
    return encode({ ...message, block });
  }
  if (message.type === 'tx') return encode({ type: 'tx', tx: { ...message.tx } });
  return encode(message);
}

/** Decode and shape-check wire bytes of a consensus message. Throws BotError. */
export function decodeMessage(bytes: Uint8Array): ConsensusMessage {
  return checkMessage(decode(bytes, limits.consensusMessageBytesMax));
}
