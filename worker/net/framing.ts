// Frames over data channels: a frame (one whole message of the wire protocol) is cut into
// chunks of at most `chunkBytesMax`, each a data-channel message of its own, and reassembled
// on the other side. Data channels here are ordered and reliable and one link sends one frame
// at a time, so chunks of one frame arrive contiguous and in order: no frame ids are needed.
//
//   first chunk:        0x01 | frame length (u32, big-endian) | bytes
//   continuation chunk: 0x00 | bytes
//   bundle chunk:       0x02 | (frame length (u32) | bytes)+   several whole small frames
//
// A bundle carries frames that each fit in one chunk, queued behind a chunk still in flight
// (see bundleChunks): under load one data-channel message (and one page<->worker hop each
// way) carries many votes or gossiped transactions instead of one each.
//
// Anything else (unknown marker, a continuation without a start, a start inside a frame,
// a declared length above `frameBytesMax`, bytes beyond the declared length) is a typed
// error; the caller closes the link.
import { botError } from '../core/errors';
import { concatBytes } from '../core/bytes';
import { chunkBytesMax, frameBytesMax } from './limits';

const markerStart = 1;
const markerContinue = 0;
const markerBundle = 2;
const startHeaderBytes = 5;
const continueHeaderBytes = 1;

/** A frame given whole, or as parts in order (a head and a payload sent without joining them). */
export type FrameBytes = Uint8Array | readonly Uint8Array[];

/** Bytes of a frame given whole or in parts. */
export function frameLength(frame: FrameBytes): number {
  if (frame instanceof Uint8Array) return frame.length;
  let length = 0;
  for (const part of frame) length += part.length;
  return length;
}

/**
 * Cut a frame into chunks. Each chunk owns its ArrayBuffer (offset 0, exact length), so it can
 * be transferred to another thread without a copy. A frame in parts is copied from its parts
 * straight into the chunks: a 1 MiB message is not first joined to its tag in a fresh buffer
 * (on this kind of VM a fresh 1 MiB buffer costs about as much as encrypting it, bench:data).
 */
export function chunkFrame(frame: FrameBytes, chunkBytes: number = chunkBytesMax): Uint8Array[] {
  const parts = frame instanceof Uint8Array ? [frame] : frame;
  if (!Array.isArray(parts) || !parts.every((part) => part instanceof Uint8Array))
    throw new TypeError('frame: expected Uint8Array or an array of them');
  const length = frameLength(parts);
  if (length === 0 || length > frameBytesMax)
    throw new RangeError(`frame: expected 1..${frameBytesMax} bytes`);
  if (chunkBytes < startHeaderBytes + 1 || chunkBytes > chunkBytesMax)
    throw new RangeError('chunkBytes: out of range');
  const chunks: Uint8Array[] = [];
  // Where the next byte of the frame is: part `part`, offset `within` in it.
  let part = 0;
  let within = 0;
  const fill = (chunk: Uint8Array, at: number) => {
    while (at < chunk.length) {
      const from = parts[part]!;
      const take = Math.min(from.length - within, chunk.length - at);
      chunk.set(from.subarray(within, within + take), at);
      at += take;
      within += take;
      if (within === from.length) {
        part += 1;
        within = 0;
      }
    }
  };
  const firstBytes = Math.min(length, chunkBytes - startHeaderBytes);
  const first = new Uint8Array(startHeaderBytes + firstBytes);
  first[0] = markerStart;
  new DataView(first.buffer).setUint32(1, length);
  fill(first, startHeaderBytes);
  chunks.push(first);
  for (let offset = firstBytes; offset < length; ) {
    const bytes = Math.min(length - offset, chunkBytes - continueHeaderBytes);
    const chunk = new Uint8Array(continueHeaderBytes + bytes);
    chunk[0] = markerContinue;
    fill(chunk, continueHeaderBytes);
    chunks.push(chunk);
    offset += bytes;
  }
  return chunks;
}

/** Whether a chunk is a whole frame on its own (a first chunk that declares just its own bytes). */
export function isWholeFrameChunk(chunk: Uint8Array): boolean {
  return (
    chunk.length > startHeaderBytes &&
    chunk[0] === markerStart &&
    new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength).getUint32(1) ===
      chunk.length - startHeaderBytes
  );
}

/**
 * Join whole-frame chunks (each from chunkFrame, see isWholeFrameChunk) into one bundle chunk
 * of at most `chunkBytes`; the caller passes chunks that fit. One chunk is returned as it is.
 */
export function bundleChunks(chunks: Uint8Array[], chunkBytes: number = chunkBytesMax): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  const bytes = 1 + chunks.reduce((sum, c) => sum + c.length - 1, 0);
  if (bytes > chunkBytes) throw new RangeError('bundle: the chunks do not fit in one chunk');
  const bundle = new Uint8Array(bytes);
  bundle[0] = markerBundle;
  let at = 1;
  for (const c of chunks) {
    if (!isWholeFrameChunk(c))
      throw new RangeError('bundle: only whole-frame chunks can be bundled');
    bundle.set(c.subarray(1), at);
    at += c.length - 1;
  }
  return bundle;
}

/** Bytes a whole-frame chunk adds to a bundle. */
export function bundledBytes(chunk: Uint8Array): number {
  return chunk.length - 1;
}

/** Reassembles the chunks of one link. Memory held is at most the bytes received of one frame. */
export class Reassembler {
  private parts: Uint8Array[] = [];
  private expectedBytes = 0;
  private receivedBytes = 0;

  /** Feed one chunk; returns a whole frame when this chunk completes one. Throws BotError. */
  push(chunk: Uint8Array): Uint8Array | null {
    if (chunk.length === 0) throw botError('MALFORMED', 'Empty chunk.');
    if (chunk.length > chunkBytesMax)
      throw botError('TOO_LARGE', `Chunk of ${chunk.length} bytes exceeds ${chunkBytesMax}.`);
    if (chunk[0] === markerStart) return this.start(chunk);
    if (chunk[0] === markerContinue) return this.continue(chunk);
    throw botError('MALFORMED', `Unknown chunk marker ${chunk[0]}.`);
  }

  /** Feed one chunk; returns the whole frames it completes (several for a bundle). Throws BotError. */
  pushAll(chunk: Uint8Array): Uint8Array[] {
    if (chunk.length === 0 || chunk[0] !== markerBundle) {
      const frame = this.push(chunk);
      return frame ? [frame] : [];
    }
    if (chunk.length > chunkBytesMax)
      throw botError('TOO_LARGE', `Chunk of ${chunk.length} bytes exceeds ${chunkBytesMax}.`);
    if (this.busy) throw botError('MALFORMED', 'A bundle arrived inside a frame.');
    const view = new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const frames: Uint8Array[] = [];
    for (let at = 1; at < chunk.length; ) {
      if (at + 4 > chunk.length) throw botError('MALFORMED', 'Truncated frame header in a bundle.');
      const length = view.getUint32(at);
      if (length === 0) throw botError('MALFORMED', 'Empty frame in a bundle.');
      if (at + 4 + length > chunk.length)
        throw botError('MALFORMED', 'A frame in a bundle runs past its end.');
      frames.push(chunk.subarray(at + 4, at + 4 + length));
      at += 4 + length;
    }
    if (frames.length === 0) throw botError('MALFORMED', 'Empty bundle.');
    return frames;
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
    if (length > frameBytesMax)
      throw botError('TOO_LARGE', `Frame of ${length} bytes exceeds ${frameBytesMax}.`);
    this.expectedBytes = length;
    return this.add(chunk.subarray(startHeaderBytes));
  }

  private continue(chunk: Uint8Array): Uint8Array | null {
    if (!this.busy) throw botError('MALFORMED', 'A continuation chunk arrived outside a frame.');
    return this.add(chunk.subarray(continueHeaderBytes));
  }

  private add(bytes: Uint8Array): Uint8Array | null {
    this.receivedBytes += bytes.length;
    if (this.receivedBytes > this.expectedBytes)
      throw botError('MALFORMED', 'A frame carried more bytes than it declared.');
    if (bytes.length > 0) this.parts.push(bytes);
    if (this.receivedBytes < this.expectedBytes) return null;
    const frame = this.parts.length === 1 ? this.parts[0]! : concatBytes(...this.parts);
    this.parts = [];
    this.expectedBytes = 0;
    this.receivedBytes = 0;
    return frame;
  }
}
