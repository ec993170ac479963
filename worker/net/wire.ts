// The frames two authenticated peers exchange on a link, after reassembly (framing.ts).
// Byte 0 is the frame type; the rest depends on it:
//
//   1 hello    JSON Hello (handshake.ts), must be the first frame each way
//   2 message  opaque bytes for the host (direct send)
//   3 gossip   ttl (u8) | message id (16 bytes) | opaque bytes for the host
//   4 ping     nonce (u32)
//   5 pong     nonce (u32), echoing a ping
//   6 signal   JSON SignalEnvelope (signaling.ts) relayed through peers
//
// Decoding is strict: a wrong length, an unknown type or bad JSON is a typed error and the
// caller closes the link.
import { botError } from '../core/errors';
import { fromUtf8, utf8 } from '../core/bytes';
import { helloBytesMax, messageIdBytes, signalBytesMax } from './limits';

export type Frame =
  | { type: 'hello'; hello: unknown }
  | { type: 'message'; payload: Uint8Array }
  | { type: 'gossip'; ttl: number; id: Uint8Array; payload: Uint8Array }
  | { type: 'ping'; nonce: number }
  | { type: 'pong'; nonce: number }
  | { type: 'signal'; envelope: unknown };

const tags = { hello: 1, message: 2, gossip: 3, ping: 4, pong: 5, signal: 6 } as const;

export function encodeFrame(frame: Frame): Uint8Array {
  switch (frame.type) {
    case 'hello':
      return withTag(tags.hello, utf8(JSON.stringify(frame.hello)));
    case 'signal':
      return withTag(tags.signal, utf8(JSON.stringify(frame.envelope)));
    case 'message':
      return withTag(tags.message, frame.payload);
    case 'gossip': {
      if (frame.id.length !== messageIdBytes) throw new RangeError(`id: expected ${messageIdBytes} bytes`);
      const out = new Uint8Array(2 + messageIdBytes + frame.payload.length);
      out[0] = tags.gossip;
      out[1] = frame.ttl;
      out.set(frame.id, 2);
      out.set(frame.payload, 2 + messageIdBytes);
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
    case tags.gossip:
      if (body.length < 1 + messageIdBytes) throw botError('MALFORMED', 'Truncated gossip frame.');
      return { type: 'gossip', ttl: body[0]!, id: body.subarray(1, 1 + messageIdBytes), payload: body.subarray(1 + messageIdBytes) };
    case tags.ping:
    case tags.pong: {
      if (body.length !== 4) throw botError('MALFORMED', 'A ping or pong frame must carry 4 bytes.');
      const nonce = new DataView(body.buffer, body.byteOffset, 4).getUint32(0);
      return bytes[0] === tags.ping ? { type: 'ping', nonce } : { type: 'pong', nonce };
    }
    default:
      throw botError('UNKNOWN_TYPE', `Unknown frame type ${bytes[0]}.`);
  }
}

function parseJson(body: Uint8Array, bytesMax: number, what: string): unknown {
  if (body.length > bytesMax) throw botError('TOO_LARGE', `A ${what} frame of ${body.length} bytes exceeds ${bytesMax}.`);
  try {
    return JSON.parse(fromUtf8(body));
  } catch {
    throw botError('MALFORMED', `A ${what} frame is not valid JSON.`);
  }
}
