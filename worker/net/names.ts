// Small helpers shared by the network layer's files: ids and how peers are named in the log.
import { toHex } from '../core/bytes';

let randomSource: ((length: number) => Uint8Array) | null = null;

/**
 * The simulator's seeded randomness for ids, nonces and fingerprints (null: the runtime's), so a
 * seed replays exactly. One simulation at a time per process; tests and products never set it.
 */
export function setNetRandomness(source: ((length: number) => Uint8Array) | null): void {
  randomSource = source;
}

export function randomBytesOf(length: number): Uint8Array {
  return randomSource ? randomSource(length) : crypto.getRandomValues(new Uint8Array(length));
}

/** A random id for envelopes, links and sessions (16 hex digits). */
export function newId(): string {
  return toHex(randomBytesOf(8));
}

/** A did shortened for the log. */
export function short(did: string): string {
  return did.length > 20 ? `${did.slice(0, 14)}…${did.slice(-4)}` : did;
}

export function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
