// Dataset blobs over the mesh, the asking side (issue 15; Y.4560 8.2): one blobGet to one
// neighbour at a time per blob, answered by blobData; bytes whose hash is not the blob's id drop
// that neighbour for the read (TAMPERED, logged) and the next is asked. The serving side is in
// datasets-holders.ts.
import { fromHex } from '../core/bytes';
import { botError } from '../core/errors';
import type { BlobId } from '../data/blob-store';
import { blobIdOf } from '../data/blob-store';
import type { Clock, TimerHandle } from '../net/clock';
import type { WireMessage } from './wire';

/** A blob asked of one holder and not answered in this time is asked of the next. */
export const blobFetchTimeoutMs = 15_000;
/** Blob requests this peer has in flight at once (each waits for one answer). */
export const blobRequestsInFlightMax = 64;

export type BlobAnswer = Extract<WireMessage, { kind: 'blobData' }>;

export interface BlobExchangeDeps {
  self(): string;
  clock: Clock;
  /** Send to a neighbour; false when there is no open link to it. */
  send(to: string, message: WireMessage): boolean;
  /** Dids of the neighbours linked now. */
  neighbours(): string[];
  record(level: 'info' | 'warn' | 'error', message: string): void;
}

export class BlobExchange {
  private nextRequest = 1;
  private readonly waiting = new Map<
    number,
    { peer: string; resolve: (a: BlobAnswer | null) => void; timer: TimerHandle }
  >();

  constructor(private readonly d: BlobExchangeDeps) {}

  /**
   * A blob from a neighbour: the preferred dids first (owner, holders), then every other linked
   * neighbour. Bytes whose hash is not `id` drop that neighbour for this read (TAMPERED, logged)
   * and the next is asked. NOT_FOUND when none has it; UNAUTHORIZED when the holders refused.
   */
  async fetchBlob(
    id: BlobId,
    preferred: string[],
    dropped: Set<string>,
  ): Promise<{ bytes: Uint8Array; from: string }> {
    const self = this.d.self();
    const candidates = [...new Set([...preferred, ...this.d.neighbours()])].filter(
      (did) => did !== self && !dropped.has(did),
    );
    let refusal: { code: string; message: string } | null = null;
    for (const peer of candidates) {
      const answer = await this.ask(peer, id);
      if (!answer) continue;
      if (answer.error) {
        if (answer.error.code === 'UNAUTHORIZED') refusal = answer.error;
        continue;
      }
      const bytes = answer.bytes!;
      if ((await blobIdOf(bytes)) !== id) {
        dropped.add(peer);
        this.d.record(
          'warn',
          `Holder ${peer} served wrong bytes for blob ${id.slice(0, 12)}… (TAMPERED); asking another holder.`,
        );
        continue;
      }
      return { bytes, from: peer };
    }
    if (refusal) throw botError('UNAUTHORIZED', refusal.message);
    throw botError(
      'NOT_FOUND',
      `Blob ${id.slice(0, 12)}… is not on any holder reached (${candidates.length} asked); try again when more peers are linked.`,
    );
  }

  /** One blob of one neighbour: its answer, or null (no link, or no answer in time). */
  ask(peer: string, id: BlobId): Promise<BlobAnswer | null> {
    if (this.waiting.size >= blobRequestsInFlightMax)
      return Promise.reject(botError('MEMPOOL_FULL', 'Too many blob requests in flight.'));
    const requestId = this.nextRequest++;
    return new Promise((resolve) => {
      const timer = this.d.clock.setTimeout(() => {
        this.waiting.delete(requestId);
        resolve(null);
      }, blobFetchTimeoutMs);
      this.waiting.set(requestId, { peer, resolve, timer });
      if (!this.d.send(peer, { kind: 'blobGet', id: requestId, blob: fromHex(id) })) {
        this.d.clock.clearTimeout(timer);
        this.waiting.delete(requestId);
        resolve(null);
      }
    });
  }

  onBlobData(from: string, message: BlobAnswer): void {
    const entry = this.waiting.get(message.id);
    if (!entry || entry.peer !== from) return; // late, or not from the peer that was asked
    this.d.clock.clearTimeout(entry.timer);
    this.waiting.delete(message.id);
    entry.resolve(message);
  }
}
