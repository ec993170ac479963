// Chunks pushed to their holders while the owner seals (issue 15; Y.4560 8.2). Replicating only
// once a version's block commits left the holders idle while the owner sealed, then had each of
// them ask for every chunk (bench:data). Now the owner sends each sealed chunk (blobPush) to the
// holders placed for it as soon as the chunk is stored, with at most pushWindowMax unanswered
// pushes per holder: sealing waits for a slow holder's answers up to pushStallMs, then goes on
// without it. A chunk is encoded once for all its holders, into one buffer the session reuses
// for every chunk (the net layer copies what it is sent before send returns; a fresh 1 MiB
// buffer per chunk and holder cost more than the copy itself, bench:data), and the owner waits
// for the last answers (settled) before the version is submitted, so a holder that kept its
// chunks has them all when the version commits. A holder keeps a pushed chunk only when the
// sender is a member, the bytes hash to the id named, the chunk is placed on this holder, the
// sender's unreferenced pushes stay under pushedPendingBytesMax and the store's quota allows;
// otherwise it answers a refusal and keeps nothing. Pushing is only a head start: once the version commits every holder still replicates
// (datasets-holders.ts), asking for whatever it does not hold, with its retries; a push lost,
// refused, or to a holder that left is made up there. A pushed chunk no committed version
// references is collected like any unreferenced blob, once blobCollectDelayMs has passed.
import { fromHex, toHex } from '../core/bytes';
import { botError, type BotError } from '../core/errors';
import { holdersOf } from '../core/modules/datasets/placement';
import { chunksPerVersionMax, gcmTagBytes } from '../core/modules/datasets/limits';
import { versionPlainBytesMax } from '../core/modules/datasets/limits';
import { blobIdOf, type BlobId, type BlobStore } from '../data/blob-store';
import { errorCode } from '../data/errors';
import type { Clock, TimerHandle } from '../net/clock';
import type { DatasetHolders } from './datasets-holders';
import { blobPushBytesMax, encodeBlobPush, type WireMessage } from './wire';

/** Pushes one holder has unanswered at once (each up to a sealed chunk in flight). */
export const pushWindowMax = 4;
/** A push unanswered this long, or a holder whose window stays full this long: given up. */
export const pushStallMs = 5_000;
/** Bytes of pushed chunks from one sender that no version here references yet, at most. */
export const pushedPendingBytesMax = versionPlainBytesMax + chunksPerVersionMax * gcmTagBytes;
/** Pushed chunks a holder writes to its store in one write at most. */
export const pushWriteBatchMax = 8;

type Push = Extract<WireMessage, { kind: 'blobPush' }>;
type Pushed = Extract<WireMessage, { kind: 'blobPushed' }>;

export interface ChunkPushDeps {
  self(): string;
  clock: Clock;
  now(): number;
  /** Send to a neighbour; false when there is no open link to it. */
  send(to: string, message: WireMessage): boolean;
  /**
   * Send an encoded message (encodeWire) to a neighbour; false when there is no open link. The
   * bytes are not kept or transferred: the same buffer goes to several neighbours.
   */
  sendEncoded(to: string, bytes: Uint8Array): boolean;
  record(level: 'info' | 'warn' | 'error', message: string): void;
  holders: DatasetHolders;
  blobs: BlobStore;
  /** Collect unreferenced blobs later (a push whose version never commits). */
  scheduleCollect(): void;
}

/** One version's pushes, made while it is sealed. */
export interface PushSession {
  /** Send a stored chunk to its holders (waits while a holder's window is full). */
  push(id: BlobId, bytes: Uint8Array): Promise<void>;
  /** Holders given up for this version (refused, gone, or too slow): they replicate later. */
  readonly gaveUp: ReadonlySet<string>;
  /** Chunks each holder answered as kept. */
  readonly kept: ReadonlyMap<string, number>;
  /** Until every push sent is answered or given up (each within pushStallMs). */
  settled(): Promise<void>;
}

export class ChunkPush {
  private nextRequest = 1;
  /**
   * Pushes sent and not answered, by `${request id} ${holder}` (a chunk's one request id goes
   * to each of its holders): what to do with the answer.
   */
  private readonly waiting = new Map<
    string,
    { settle: (error: Pushed['error'] | 'timeout') => void; timer: TimerHandle }
  >();
  /** Chunks pushed here and kept: by whom, how big, and when (ms). */
  private readonly pushed = new Map<BlobId, { from: string; bytes: number; at: number }>();
  private writes: Array<{ id: BlobId; bytes: Uint8Array; done: (error: unknown) => void }> = [];
  private writing = false;
  private stopped = false;

  constructor(private readonly d: ChunkPushDeps) {}

  stop(): void {
    this.stopped = true;
    for (const [id, w] of this.waiting) {
      this.d.clock.clearTimeout(w.timer);
      this.waiting.delete(id);
      w.settle('timeout');
    }
  }

  // ---- the owner's side ----------------------------------------------------------------------

  /** A session for one version, placing chunks among `members` with `k` holders each. */
  session(members: string[], k: number): PushSession {
    const self = this.d.self();
    const inFlight = new Map<string, number>();
    const roomWaiters = new Map<string, Array<() => void>>();
    const gaveUp = new Set<string>();
    const kept = new Map<string, number>();
    let outstanding = 0;
    let whenSettled: Array<() => void> = [];
    /** The buffer each chunk is encoded into, reused (pushes run one at a time; else a new one). */
    let scratch: Uint8Array | null = null;
    let encoding = false;
    const wake = (to: string) => {
      const waiters = roomWaiters.get(to) ?? [];
      roomWaiters.delete(to);
      for (const w of waiters) w();
    };
    const giveUp = (to: string, why: string) => {
      if (gaveUp.has(to)) return;
      gaveUp.add(to);
      this.d.record(
        'info',
        `Stopped pushing chunks to holder ${to} (${why}); it replicates later.`,
      );
      wake(to);
    };
    /** Until `to` has room in its window (true), or it is given up (false). */
    const room = async (to: string): Promise<boolean> => {
      while (!gaveUp.has(to) && !this.stopped && (inFlight.get(to) ?? 0) >= pushWindowMax) {
        const freed = await new Promise<boolean>((resolve) => {
          const timer = this.d.clock.setTimeout(() => resolve(false), pushStallMs);
          const list = roomWaiters.get(to) ?? [];
          list.push(() => {
            this.d.clock.clearTimeout(timer);
            resolve(true);
          });
          roomWaiters.set(to, list);
        });
        if (!freed) giveUp(to, `no answer in ${pushStallMs} ms`);
      }
      return !gaveUp.has(to) && !this.stopped;
    };
    const push = async (id: BlobId, bytes: Uint8Array): Promise<void> => {
      const hash = fromHex(id);
      const request = this.nextRequest++;
      const reuse = !encoding;
      encoding = true;
      try {
        await pushOne(hash, request, bytes, reuse);
      } finally {
        if (reuse) encoding = false;
      }
    };
    const pushOne = async (
      hash: Uint8Array,
      request: number,
      bytes: Uint8Array,
      reuse: boolean,
    ): Promise<void> => {
      let encoded: Uint8Array | null = null; // once, for the first holder that has room
      for (const to of holdersOf(hash, members, k)) {
        if (to === self || !(await room(to))) continue;
        if (reuse) scratch ??= new Uint8Array(blobPushBytesMax);
        encoded ??= encodeBlobPush(
          { kind: 'blobPush', id: request, blob: hash, bytes },
          reuse ? scratch! : undefined,
        );
        const key = `${request} ${to}`;
        const settle = (error: Pushed['error'] | 'timeout') => {
          inFlight.set(to, (inFlight.get(to) ?? 1) - 1);
          if (error === 'timeout') giveUp(to, `no answer in ${pushStallMs} ms`);
          else if (error) giveUp(to, `${error.code}: ${error.message}`);
          else kept.set(to, (kept.get(to) ?? 0) + 1);
          wake(to);
          outstanding -= 1;
          if (outstanding === 0) {
            const waiters = whenSettled;
            whenSettled = [];
            for (const w of waiters) w();
          }
        };
        const timer = this.d.clock.setTimeout(() => {
          if (this.waiting.delete(key)) settle('timeout');
        }, pushStallMs);
        this.waiting.set(key, { settle, timer });
        inFlight.set(to, (inFlight.get(to) ?? 0) + 1);
        outstanding += 1;
        if (!this.d.sendEncoded(to, encoded)) {
          this.d.clock.clearTimeout(timer);
          this.waiting.delete(key);
          inFlight.set(to, (inFlight.get(to) ?? 1) - 1);
          outstanding -= 1;
          giveUp(to, 'not linked');
        }
      }
    };
    const settled = (): Promise<void> =>
      outstanding === 0 ? Promise.resolve() : new Promise((resolve) => whenSettled.push(resolve));
    return { push, gaveUp, kept, settled };
  }

  /** A holder answered a push. */
  onPushed(from: string, message: Pushed): void {
    const key = `${message.id} ${from}`;
    const entry = this.waiting.get(key);
    if (!entry) return; // late, or not from a holder pushed to
    this.d.clock.clearTimeout(entry.timer);
    this.waiting.delete(key);
    entry.settle(message.error);
  }

  // ---- the holder's side ---------------------------------------------------------------------

  /** A member pushes a chunk placed here: kept when every check passes, else refused. */
  async onPush(from: string, message: Push): Promise<void> {
    const answer = (error: BotError | null) =>
      this.d.send(from, {
        kind: 'blobPushed',
        id: message.id,
        error: error ? { code: error.code, message: error.message.slice(0, 500) } : null,
      });
    const refuse = (error: BotError) => {
      this.d.record('warn', `Refused a chunk pushed by ${from}: ${error.message} (${error.code}).`);
      answer(error);
    };
    if (this.stopped) return;
    const holders = this.d.holders;
    const members = holders.members();
    const self = this.d.self();
    if (!members.includes(from) || !members.includes(self))
      return refuse(botError('UNAUTHORIZED', 'Chunks are pushed between members of the chain.'));
    const id = toHex(message.blob);
    if ((await blobIdOf(message.bytes)) !== id)
      return refuse(botError('TAMPERED', `The bytes pushed are not chunk ${id.slice(0, 12)}….`));
    if (!holdersOf(message.blob, members, await holders.holdersK()).includes(self))
      return refuse(botError('UNAUTHORIZED', `Chunk ${id.slice(0, 12)}… is not placed here.`));
    const pending = this.pendingFrom(from);
    if (pending + message.bytes.length > pushedPendingBytesMax)
      return refuse(
        botError(
          'QUOTA',
          `Pushed chunks no version references yet are limited to ${pushedPendingBytesMax} bytes per sender (${pending} held).`,
        ),
      );
    try {
      await this.write(id, message.bytes);
    } catch (error) {
      return refuse(botError(errorCode(error) ?? 'STORAGE_FAILED', (error as Error).message));
    }
    if (!this.pushed.has(id))
      this.pushed.set(id, { from, bytes: message.bytes.length, at: this.d.now() });
    this.d.scheduleCollect();
    answer(null);
  }

  /** Bytes pushed by `from` and kept here that no version indexed here references yet. */
  private pendingFrom(from: string): number {
    let sum = 0;
    for (const [id, p] of this.pushed) {
      if (this.d.holders.places.has(id)) this.pushed.delete(id);
      else if (p.from === from) sum += p.bytes;
    }
    return sum;
  }

  /**
   * Chunks pushed here less than `ms` ago that no version references yet: the collector keeps
   * them (their version may be a block away). Older ones are forgotten here.
   */
  recentlyPushed(ms: number): Set<BlobId> {
    const out = new Set<BlobId>();
    const since = this.d.now() - ms;
    for (const [id, p] of this.pushed) {
      if (p.at < since || this.d.holders.places.has(id)) this.pushed.delete(id);
      else out.add(id);
    }
    return out;
  }

  /** Store writes batched: every chunk that arrived while the previous write ran, in one. */
  private write(id: BlobId, bytes: Uint8Array): Promise<void> {
    return new Promise((resolve, reject) => {
      this.writes.push({ id, bytes, done: (e) => (e ? reject(e) : resolve()) });
      if (!this.writing) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.writing = true;
    try {
      while (this.writes.length > 0) {
        const batch = this.writes.splice(0, pushWriteBatchMax);
        try {
          await this.d.blobs.putMany(batch);
          for (const b of batch) b.done(null);
        } catch (error) {
          for (const b of batch) b.done(error);
        }
      }
    } finally {
      this.writing = false;
    }
  }
}
