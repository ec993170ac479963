// The frames two authenticated peers exchange on a link, after reassembly (framing.ts).
// Byte 0 is the frame type; the rest depends on it:
//
//   1 hello    JSON Hello (handshake.ts), must be the first frame each way
//   2 message  opaque bytes for the host (direct send)
//   3 gossip   ttl (u8) | message id (16 bytes) | covered count n (u8) | n peer tags (8 bytes
//              each) | opaque bytes for the host. The covered tags name the peers that already
//              have the message or were sent it by an earlier hop (peerTag: the first 8 bytes of
//              SHA-256 of the did), so a forwarder skips them: in a full mesh a broadcast
//              crosses each link once instead of once from its origin and again from every
//              other neighbour. A tag only saves traffic; de-duplication is still by message id.
//   4 ping     nonce (u32)
//   5 pong     nonce (u32), echoing a ping
//   6 signal   JSON SignalEnvelope (signaling.ts) relayed through peers
//
// Decoding is strict: a wrong length, an unknown type or bad JSON is a typed error and the
// caller closes the link.
import { botError } from '../core/errors';
import { fromUtf8, utf8 } from '../core/bytes';
import { sha256 } from '../core/crypto/hash';
import {
  gossipCoveredMax,
  helloBytesMax,
  messageIdBytes,
  peerTagBytes,
  signalBytesMax,
} from './limits';

export type Frame =
  | { type: 'hello'; hello: unknown }
  | { type: 'message'; payload: Uint8Array }
  /** covered: concatenated peer tags (peerTagBytes each, at most gossipCoveredMax). */
  | { type: 'gossip'; ttl: number; id: Uint8Array; covered: Uint8Array; payload: Uint8Array }
  | { type: 'ping'; nonce: number }
  | { type: 'pong'; nonce: number }
  | { type: 'signal'; envelope: unknown };

const tags = { hello: 1, message: 2, gossip: 3, ping: 4, pong: 5, signal: 6 } as const;

/** The tag byte of a message frame, shared (never written). */
const messageTag = Uint8Array.of(tags.message);

/**
 * A message frame as two parts, the tag and the payload (not joined): the same bytes as
 * encodeFrame({ type: 'message', payload }), for a sender that copies them into chunks itself.
 */
export function messageFrameParts(payload: Uint8Array): readonly Uint8Array[] {
  if (!(payload instanceof Uint8Array)) throw new TypeError('payload: expected Uint8Array');
  return [messageTag, payload];
}

export function encodeFrame(frame: Frame): Uint8Array {
  switch (frame.type) {
    case 'hello':
      return withTag(tags.hello, utf8(JSON.stringify(frame.hello)));
    case 'signal':
      return withTag(tags.signal, utf8(JSON.stringify(frame.envelope)));
    case 'message':
      return withTag(tags.message, frame.payload);
    case 'gossip': {
      if (frame.id.length !== messageIdBytes)
        throw new RangeError(`id: expected ${messageIdBytes} bytes`);
      const count = frame.covered.length / peerTagBytes;
      if (!Number.isInteger(count) || count > gossipCoveredMax)
        throw new RangeError(
          `covered: expected at most ${gossipCoveredMax} tags of ${peerTagBytes} bytes`,
        );
      const head = 3 + messageIdBytes + frame.covered.length;
      const out = new Uint8Array(head + frame.payload.length);
      out[0] = tags.gossip;
      out[1] = frame.ttl;
      out.set(frame.id, 2);
      out[2 + messageIdBytes] = count;
      out.set(frame.covered, 3 + messageIdBytes);
      out.set(frame.payload, head);
      return out;
    }
    case 'ping':
    case 'pong': {
      const out = new Uint8Array(5);
      out[0] = tags[frame.type];
      new DataView(out.buffer).setUint32(1, frame.nonce >>> 0);
      return out;
    }
  }
}

function withTag(tag: number, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(1 + body.length);
  out[0] = tag;
  out.set(body, 1);
  return out;
}

/** Decode one frame; payloads are views into `bytes` (no copy). Throws BotError. */
export function decodeFrame(bytes: Uint8Array): Frame {
  if (bytes.length === 0) throw botError('MALFORMED', 'Empty frame.');
  const body = bytes.subarray(1);
  switch (bytes[0]) {
    case tags.hello:
      return { type: 'hello', hello: parseJson(body, helloBytesMax, 'hello') };
    case tags.signal:
      return { type: 'signal', envelope: parseJson(body, signalBytesMax, 'signal') };
    case tags.message:
      return { type: 'message', payload: body };
    case tags.gossip: {
      if (body.length < 2 + messageIdBytes) throw botError('MALFORMED', 'Truncated gossip frame.');
      const count = body[1 + messageIdBytes]!;
      if (count > gossipCoveredMax)
        throw botError(
          'TOO_LARGE',
          `A gossip frame names ${count} covered peers (limit ${gossipCoveredMax}).`,
        );
      const head = 2 + messageIdBytes + count * peerTagBytes;
      if (body.length < head) throw botError('MALFORMED', 'Truncated gossip frame.');
      return {
        type: 'gossip',
        ttl: body[0]!,
        id: body.subarray(1, 1 + messageIdBytes),
        covered: body.subarray(2 + messageIdBytes, head),
        payload: body.subarray(head),
      };
    }
    case tags.ping:
    case tags.pong: {
      if (body.length !== 4)
        throw botError('MALFORMED', 'A ping or pong frame must carry 4 bytes.');
      const nonce = new DataView(body.buffer, body.byteOffset, 4).getUint32(0);
      return bytes[0] === tags.ping ? { type: 'ping', nonce } : { type: 'pong', nonce };
    }
    default:
      throw botError('UNKNOWN_TYPE', `Unknown frame type ${bytes[0]}.`);
  }
}

function parseJson(body: Uint8Array, bytesMax: number, what: string): unknown {
  if (body.length > bytesMax)
    throw botError('TOO_LARGE', `A ${what} frame of ${body.length} bytes exceeds ${bytesMax}.`);
  try {
    return JSON.parse(fromUtf8(body));
  } catch {
    throw botError('MALFORMED', `A ${what} frame is not valid JSON.`);
  }
}

/** A peer's tag in a gossip frame's covered list: the first peerTagBytes of SHA-256 of its did. */
export function peerTag(did: string): Uint8Array {
  return sha256(utf8(did)).subarray(0, peerTagBytes);
}

/** Whether the concatenated tags `covered` include `tag`. */
export function coversTag(covered: Uint8Array, tag: Uint8Array): boolean {
  outer: for (let at = 0; at + peerTagBytes <= covered.length; at += peerTagBytes) {
    for (let i = 0; i < peerTagBytes; i++) if (covered[at + i] !== tag[i]) continue outer;
    return true;
  }
  return false;
}
