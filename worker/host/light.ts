// A light peer's follower (issues 19 and 20): it holds no ledger and replays no block. It
// follows the headers and commit certificates of a chain from full peers, checked by the core's
// light client (worker/core/lightclient: quorum certificates, validator-set changes proven from
// each header's state root), keeps only a bounded set of headers (the recent ones and
// checkpoints), and reads the state it needs from a full peer with a Merkle proof checked against
// a header it verified. A full peer it follows is a LightSource: the header updates it keeps
// (xchain.ts LightUpdateLog) and its proven reads (reads.ts `get`).
import { encode } from '../core/codec';
import { fromHex } from '../core/bytes';
import { decodeBlock } from '../core/block';
import { botError } from '../core/errors';
import {
  advanceMany,
  lightClientCheckpointsKeptMax,
  lightClientHeadersKeptMax,
  lightClientUpdatesMax,
  verifyRead,
  type HeaderUpdate,
  type LightClientState,
} from '../core/lightclient';
import { dataPrefix, decodeDataEntry } from '../core/modules/data';
import type { GetResult } from '../api';
import type { XchainEndpoint } from './xchain';

/** Header updates asked of a full peer per pass of follow(). */
export const lightFollowPassesMax = 1024;
/** Bytes one kept header may take in a light peer's store (height, hash, state root, time). */
const keptHeaderBytesMax = 96;
/** Bytes of the validator set a light peer keeps (limits.validatorCountMax entries of ~80 B). */
const validatorSetBytesMax = 128 * 80;
/**
 * What a light peer stores of a chain, at most, however long the chain: the kept headers and
 * checkpoints and the validator set in force (with a little for the chain id and framing).
 */
export const lightPeerStoredBytesMax =
  (lightClientHeadersKeptMax + lightClientCheckpointsKeptMax) * keptHeaderBytesMax +
  validatorSetBytesMax +
  256;

/** What a light peer asks of a full peer. */
export interface LightSource {
  /** The source's newest durable height. */
  head(): Promise<number>;
  /** Header updates of heights from..from+count-1, as far as the source holds them, in order. */
  updates(from: number, count: number): Promise<HeaderUpdate[]>;
  /** A data entry with its Merkle proof at the source's durable height (reads.ts `get`). */
  get(key: string): Promise<GetResult | null>;
}

/** A full peer in this process as a light source (its xchain endpoint and its `get`). */
export function endpointLightSource(
  end: XchainEndpoint,
  get: (key: string) => Promise<GetResult | null>,
): LightSource {
  return {
    head: async () => end.durable().height,
    async updates(from, count) {
      const state = end.durable();
      const out: HeaderUpdate[] = [];
      for (
        let height = Math.max(from, 1);
        height < from + count && height <= state.height;
        height++
      ) {
        const material = end.updates.get(height);
        const bytes = await end.storage.getBlock(state.chainId, height);
        if (!material || !bytes) break;
        const block = decodeBlock(bytes);
        if (!block.cert) break;
        out.push({ header: block.header, cert: block.cert, ...material });
      }
      return out;
    },
    get,
  };
}

/** A value read by a light peer, checked against the header it verified at `height`. */
export interface LightRead {
  value: unknown;
  deleted: boolean;
  /** The verified height the proof was checked against. */
  height: number;
}

export class LightFollower {
  constructor(
    private client: LightClientState,
    private readonly source: LightSource,
  ) {}

  get state(): LightClientState {
    return this.client;
  }

  get height(): number {
    return this.client.height;
  }

  /** Bytes this light peer stores of the chain (its light-client state, encoded). */
  storedBytes(): number {
    return encode(this.client).length;
  }

  /**
   * Follow the source to its head (or lightFollowPassesMax batches). A refused batch (forged
   * certificate, tampered validator set, another chain) leaves the state as it was and throws
   * the light client's typed error.
   */
  async follow(): Promise<number> {
    for (let pass = 0; pass < lightFollowPassesMax; pass++) {
      const head = await this.source.head();
      if (head <= this.client.height) break;
      const updates = await this.source.updates(this.client.height + 1, lightClientUpdatesMax);
      if (updates.length === 0) break;
      this.apply(updates);
    }
    return this.client.height;
  }

  /** Check and take header updates (all or nothing). */
  apply(updates: HeaderUpdate[]): void {
    this.client = advanceMany(this.client, updates);
  }

  /**
   * Read a data key from the source, checked with its Merkle proof against the header this
   * peer verified at the proof's height (following first if the source is ahead). Typed errors:
   * TAMPERED (the value or proof does not match the certified state root), NOT_FOUND.
   */
  async get(key: string): Promise<LightRead | null> {
    const result = await this.source.get(key);
    if (!result) return null;
    const proof = result.proof;
    if (proof.key !== dataPrefix + key)
      throw botError('TAMPERED', `The full peer proved ${proof.key}, not ${dataPrefix + key}.`);
    if (proof.height > this.client.height) await this.follow();
    const entry = verifyRead(
      this.client,
      proof.height,
      proof.key,
      fromHex(proof.entry),
      proof.siblings.map(fromHex),
    );
    const decoded = decodeDataEntry(entry);
    return { value: decoded.value, deleted: decoded.deleted, height: proof.height };
  }
}
