// The Byzantine validators of the core simulator: what each strategy sends in place of an honest
// message. Every random draw comes from the simulation's seeded Random, in a fixed order, so a
// seed replays the same attack.
import { blockHash } from '../core/block';
import {
  type ConsensusMessage,
  proposalSigningBytes,
  type Vote,
  voteSigningBytes,
} from '../core/consensus/messages';
import type { PeerState } from '../core/consensus/types';
import { executeBlock } from '../core/ledger';
import * as limits from '../core/limits';
import type { TestIdentity } from '../core/testing';
import type { Random } from './prng';

export type ByzantineStrategy =
  | 'silent'
  | 'equivocate'
  | 'doubleVote'
  | 'forge'
  | 'invalidBlock'
  | 'unknownVotes'
  | 'flood';
export const byzantineStrategies: readonly ByzantineStrategy[] = [
  'silent',
  'equivocate',
  'doubleVote',
  'forge',
  'invalidBlock',
  'unknownVotes',
  'flood',
];

/** What a Byzantine strategy needs of a simulated peer. */
export interface ByzantinePeer {
  id: TestIdentity;
  sign: (message: Uint8Array) => Uint8Array;
  state: PeerState | null;
  strategy: ByzantineStrategy | null;
}

/** The messages a Byzantine peer sends in place of `message`, each with its recipients, in order. */
export function byzantineSends<P extends ByzantinePeer>(
  peer: P,
  others: P[],
  message: ConsensusMessage,
  random: Random,
): Array<[ConsensusMessage, P[]]> {
  const half = others.slice(0, Math.ceil(others.length / 2));
  const rest = others.slice(Math.ceil(others.length / 2));
  switch (peer.strategy) {
    case 'silent':
      return [];
    case 'equivocate':
      if (message.type === 'proposal')
        return [
          [message, half],
          [otherProposal(peer, message, false, random), rest],
        ];
      break;
    case 'invalidBlock':
      if (message.type === 'proposal')
        return [[otherProposal(peer, message, true, random), others]];
      break;
    case 'doubleVote':
      if (message.type === 'prevote' || message.type === 'precommit')
        return [
          [message, half],
          [otherVote(peer, message, random), rest],
        ];
      break;
    case 'unknownVotes':
      if (message.type === 'prevote' || message.type === 'precommit')
        return [[otherVote(peer, message, random), others]];
      break;
    case 'forge':
      if (message.type === 'prevote' || message.type === 'precommit') {
        // Votes in the name of every other validator, with signatures that do not verify.
        const sends: Array<[ConsensusMessage, P[]]> = others.map((victim) => [
          { ...message, validator: victim.id.did, sig: random.bytes(64) },
          others,
        ]);
        sends.push([message, others]);
        return sends;
      }
      break;
    case 'flood':
    case null:
      break;
  }
  return [[message, others]];
}

/** The oversized message a flooding validator sends (one buffer: its contents never matter, only its length). */
let oversized: Uint8Array | undefined;

/** What a flooding validator sends next: random bytes, or now and then one byte over the message limit. */
export function floodBytes(random: Random): Uint8Array {
  return random.chance(0.1)
    ? (oversized ??= new Uint8Array(limits.consensusMessageBytesMax + 1))
    : random.bytes(random.int(1, 300));
}

/** A second block for the same height and round, properly signed (or, if `invalid`, with a wrong state root). */
function otherProposal(
  peer: ByzantinePeer,
  proposal: Extract<ConsensusMessage, { type: 'proposal' }>,
  invalid: boolean,
  random: Random,
): ConsensusMessage {
  const chain = peer.state!.chain;
  const executed = executeBlock(
    chain,
    [],
    { time: proposal.block.header.time + 1, proposer: peer.id.did, round: proposal.round },
    false,
  );
  const header = invalid
    ? { ...executed.block.header, stateRoot: random.bytes(32) }
    : executed.block.header;
  const hash = blockHash(header);
  const sig = peer.sign(
    proposalSigningBytes(chain.chainId, proposal.height, proposal.round, -1, hash),
  );
  return { ...proposal, validRound: -1, pol: [], block: { header, txs: [], cert: null }, sig };
}

function otherVote(peer: ByzantinePeer, vote: Vote, random: Random): Vote {
  const block = random.bytes(32);
  const sig = peer.sign(
    voteSigningBytes(peer.state!.chain.chainId, vote.type, vote.height, vote.round, block),
  );
  return { ...vote, block, sig };
}
