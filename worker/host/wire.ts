// What peers say to each other above the network layer: one tag byte, then canonical CBOR.
//   1 consensus   a consensus message (worker/core/consensus/messages.ts), as encodeMessage gives
//   2 head        "my committed head is height/hash" (sent to every new neighbour; drives sync)
//   3 syncRequest "send me blocks from..count"
//   4 syncBlocks  stored blocks, as stored (canonical block bytes), from `from` on
//   5 join        "admit me (the authenticated sender) as a member", quoting an invite token
// Everything from the wire is untrusted: decoding checks shapes and limits and throws BotError.
import { decode, encode } from '../core/codec';
import { decodeMessage, encodeMessage, type ConsensusMessage } from '../core/consensus/messages';
import { botError } from '../core/errors';
import * as limits from '../core/limits';
import { checkInviteToken } from '../core/txtypes';
import type { InviteToken } from '../core/governance';

export type WireMessage =
  | { kind: 'consensus'; message: ConsensusMessage }
  | { kind: 'head'; height: number; hash: Uint8Array }
  | { kind: 'syncRequest'; from: number; count: number }
  | { kind: 'syncBlocks'; from: number; blocks: Uint8Array[] }
  | { kind: 'join'; invite: InviteToken | null };

const tags = { consensus: 1, head: 2, syncRequest: 3, syncBlocks: 4, join: 5 } as const;

function tagged(tag: number, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(body.length + 1);
  out[0] = tag;
  out.set(body, 1);
  return out;
}

export function encodeWire(message: WireMessage): Uint8Array {
  switch (message.kind) {
    case 'consensus':
      return tagged(tags.consensus, encodeMessage(message.message));
    case 'head':
      return tagged(tags.head, encode({ height: message.height, hash: message.hash }));
    case 'syncRequest':
      return tagged(tags.syncRequest, encode({ from: message.from, count: message.count }));
    case 'syncBlocks':
      return tagged(tags.syncBlocks, encode({ from: message.from, blocks: message.blocks }));
    case 'join':
      return tagged(tags.join, encode({ invite: message.invite }));
  }
}

function isHeight(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/** Decode and shape-check bytes from a peer. Throws BotError (MALFORMED, TOO_LARGE, ...). */
export function decodeWire(bytes: Uint8Array): WireMessage {
  if (!(bytes instanceof Uint8Array) || bytes.length < 2) throw botError('MALFORMED', 'An empty or one-byte message.');
  if (bytes.length > limits.wireMessageBytesMax) throw botError('TOO_LARGE', `A message of ${bytes.length} bytes; the limit is ${limits.wireMessageBytesMax}.`);
  const body = bytes.subarray(1);
  switch (bytes[0]) {
    case tags.consensus:
      return { kind: 'consensus', message: decodeMessage(body) };
    case tags.head: {
      const m = decode<Record<string, unknown>>(body, 256);
      if (!isHeight(m?.height) || !(m.hash instanceof Uint8Array) || m.hash.length !== 32) throw botError('MALFORMED', 'A head message has a height and a 32-byte hash.');
      return { kind: 'head', height: m.height, hash: m.hash };
    }
    case tags.syncRequest: {
      const m = decode<Record<string, unknown>>(body, 256);
      if (!isHeight(m?.from) || m.from < 1 || !isHeight(m.count) || m.count < 1 || m.count > limits.syncBatchBlocksMax) {
        throw botError('MALFORMED', `A sync request names a first height from 1 and a count from 1 to ${limits.syncBatchBlocksMax}.`);
      }
      return { kind: 'syncRequest', from: m.from, count: m.count };
    }
    case tags.syncBlocks: {
      const m = decode<Record<string, unknown>>(body, limits.wireMessageBytesMax);
      if (!isHeight(m?.from) || m.from < 1 || !Array.isArray(m.blocks) || m.blocks.length > limits.syncBatchBlocksMax || !m.blocks.every((b) => b instanceof Uint8Array)) {
        throw botError('MALFORMED', `A sync answer holds at most ${limits.syncBatchBlocksMax} encoded blocks.`);
      }
      return { kind: 'syncBlocks', from: m.from, blocks: m.blocks as Uint8Array[] };
    }
    case tags.join: {
      const m = decode<Record<string, unknown>>(body, 512);
      if (typeof m !== 'object' || m === null || !('invite' in m)) throw botError('MALFORMED', 'A join request carries an invite token (or null).');
      if (m.invite !== null) checkInviteToken(m.invite);
      return { kind: 'join', invite: m.invite as InviteToken | null };
    }
    default:
      throw botError('UNKNOWN_TYPE', `Unknown message tag ${bytes[0]}.`);
  }
}
