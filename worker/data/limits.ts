// Host-side bounds of dataset storage (the pure ones are in pure/limits.ts).
import { chunkPlainBytes, gcmTagBytes, manifestBytesMax } from '../core/modules/datasets/limits';

/** One blob at most: a sealed chunk or a manifest. */
export const blobBytesMax = Math.max(chunkPlainBytes + gcmTagBytes, manifestBytesMax);
/** Bytes of blobs a peer keeps when the settings name no quota. */
export const blobQuotaBytesDefault = 2 * 1024 * 1024 * 1024;
