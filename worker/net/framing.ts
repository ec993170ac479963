// Frames over data channels: a frame (one whole message of the wire protocol) is cut into
// chunks of at most `chunkBytesMax`, each a data-channel message of its own, and reassembled
// on the other side. Data channels here are ordered and reliable and one link sends one frame
// at a time, so chunks of one frame arrive contiguous and in order: no frame ids are needed.
//
//   first chunk:        0x01 | frame length (u32, big-endian) | bytes
//   continuation chunk: 0x00 | bytes
//
// Anything else (unknown marker, a continuation without a start, a start inside a frame,
// a declared length above `frameBytesMax`, bytes beyond the declared length) is a typed
// error; the caller closes the link.
import { botError } from '../core/errors';
import { concatBytes } from '../core/bytes';
import { chunkBytesMax, frameBytesMax } from './limits';

const markerStart = 1;
const markerContinue = 0;
const startHeaderBytes = 5;
const continueHeaderBytes = 1;

/**
 * Cut a frame into chunks. Each chunk owns its ArrayBuffer (offset 0, exact length), so it can
 * be transferred to another thread without a copy.
 */
export function chunkFrame(frame: Uint8Array, chunkBytes: number = chunkBytesMax): Uint8Array[] {
  if (!(frame instanceof Uint8Array)) throw new TypeError('frame: expected Uint8Array');
  if (frame.length === 0 || frame.length > frameBytesMax) throw new RangeError(`frame: expected 1..${frameBytesMax} bytes`);
  if (chunkBytes < startHeaderBytes + 1 || chunkBytes > chunkBytesMax) throw new RangeError('chunkBytes: out of range');
  const chunks: Uint8Array[] = [];
  const firstBytes = Math.min(frame.length, chunkBytes - startHeaderBytes);
  const first = new Uint8Array(startHeaderBytes + firstBytes);
  first[0] = markerStart;
  new DataView(first.buffer).setUint32(1, frame.length);
  first.set(frame.subarray(0, firstBytes), startHeaderBytes);
  chunks.push(first);
  for (let offset = firstBytes; offset < frame.length; ) {
    const bytes = Math.min(frame.length - offset, chunkBytes - continueHeaderBytes);
    const chunk = new Uint8Array(continueHeaderBytes + bytes);
    chunk[0] = markerContinue;
    chunk.set(frame.subarray(offset, offset + bytes), continueHeaderBytes);
    chunks.push(chunk);
    offset += bytes;
  }
  return chunks;
}

/** Reassembles the chunks of one link. Memory held is at most the bytes received of one frame. */
export class Reassembler {
  private parts: Uint8Array[] = [];
  private expectedBytes = 0;
  private receivedBytes = 0;

  /** Feed one chunk; returns a whole frame when this chunk completes one. Throws BotError. */
  push(chunk: Uint8Array): Uint8Array | null {
    if (chunk.length === 0) throw botError('MALFORMED', 'Empty chunk.');
    if (chunk.length > chunkBytesMax) throw botError('TOO_LARGE', `Chunk of ${chunk.length} bytes exceeds ${chunkBytesMax}.`);
    if (chunk[0] === markerStart) return this.start(chunk);
    if (chunk[0] === markerContinue) return this.continue(chunk);
    throw botError('MALFORMED', `Unknown chunk marker ${chunk[0]}.`);
  }

  /** True while a frame is partly received. */
  get busy(): boolean {
    return this.expectedBytes > 0;
  }

  private start(chunk: Uint8Array): Uint8Array | null {
    if (this.busy) throw botError('MALFORMED', 'A frame started before the previous one ended.');
    if (chunk.length < startHeaderBytes) throw botError('MALFORMED', 'Truncated frame header.');
    const length = new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength).getUint32(1);
    if (length === 0) throw botError('MALFORMED', 'Empty frame.');
    if (length > frameBytesMax) throw botError('TOO_LARGE', `Frame of ${length} bytes exceeds ${frameBytesMax}.`);
    this.expectedBytes = length;
    return this.add(chunk.subarray(startHeaderBytes));
  }

  private continue(chunk: Uint8Array): Uint8Array | null {
    if (!this.busy) throw botError('MALFORMED', 'A continuation chunk arrived outside a frame.');
    return this.add(chunk.subarray(continueHeaderBytes));
  }

  private add(bytes: Uint8Array): Uint8Array | null {
    this.receivedBytes += bytes.length;
    if (this.receivedBytes > this.expectedBytes) throw botError('MALFORMED', 'A frame carried more bytes than it declared.');
    if (bytes.length > 0) this.parts.push(bytes);
    if (this.receivedBytes < this.expectedBytes) return null;
    const frame = this.parts.length === 1 ? this.parts[0]! : concatBytes(...this.parts);
    this.parts = [];
    this.expectedBytes = 0;
    this.receivedBytes = 0;
    return frame;
  }
}
