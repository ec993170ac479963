// A vehicle's drive state in storage (issue 20). It was one meta record rewritten whole at every
// position report (about one a second while driving), with up to itsSentKept sent records and,
// offline, up to itsQueueMax signed observations in it. Now three records, each written only when
// it changed:
//   its/drive        the trip, its nonce, the segment being observed and the last position: small,
//                    written at every report (what a report changes);
//   its/drive/queue  the signed observations not yet handed over: when one is sealed or handed over;
//   its/drive/sent   the records of the observations sent: when one is sealed.
// Writes go one at a time, in that order (sent, queue, then the drive record), and saves asked
// while one waits are folded into it. A crash between them leaves either a sent record whose
// observation never went out (shown pending; its trip waits out the keep time before it is
// dropped) or a queued observation the drive record does not count yet: `load` then takes the
// nonce from the queue and drops the pending segment (it was sealed), so no nonce is signed twice.
import { fromHex } from '../core/bytes';
import { decodeTx } from '../core/tx';
import type { Storage } from '../store/storage';
import type { SentRecord, TripRecord } from './its-trips';

export const driveMeta = 'its/drive';
export const driveQueueMeta = 'its/drive/queue';
export const driveSentMeta = 'its/drive/sent';

/** The segment being observed: readings summed until the vehicle leaves it or its window ends. */
export interface Pending {
  segment: string;
  window: number;
  speedSum: number;
  speedCount: number;
  humidity: number | null;
  temperature: number | null;
  /** Engine rpm from the OBD-II adapter over the segment (absent in a queue saved before rpm). */
  rpmSum?: number;
  rpmCount?: number;
  time: number;
}

export interface DriveState {
  trip: string | null;
  nonce: number;
  pending: Pending | null;
  last: { lat: number; lon: number; time: number } | null;
  speedKmh: number | null;
  sent: SentRecord[];
  /** Signed observations not yet handed over (hex of encoded transactions), in nonce order. */
  queue: string[];
  /** The trip keys this vehicle has used and not dropped (their balances are its reward). */
  used: string[];
  /** The trips of those keys, oldest first (absent in a state saved before they existed). */
  trips?: TripRecord[];
  /** The reward of the finished trips dropped since (its-trips.ts): their final balances. */
  rewardEarlier?: number;
  lastError: string | null;
}

export function emptyDrive(): DriveState {
  return {
    trip: null,
    nonce: 0,
    pending: null,
    last: null,
    speedKmh: null,
    sent: [],
    queue: [],
    used: [],
    trips: [],
    rewardEarlier: 0,
    lastError: null,
  };
}

/** The records of a drive state that change less often than every report. */
export type DrivePart = 'queue' | 'sent';

export class DriveStore {
  private readonly dirty = new Set<DrivePart>();
  /** The write running or done last (never rejects: a failed write marks its parts dirty again). */
  private writing: Promise<void> = Promise.resolve();
  /** A write queued behind it, not started: later saves are folded into it. */
  private next: Promise<void> | null = null;

  constructor(private readonly storage: Storage) {}

  /** The saved state (empty when none), and whether it was saved before the split. */
  async load(): Promise<{ drive: DriveState; saved: Partial<DriveState> | undefined }> {
    const saved = await this.storage.getMeta<Partial<DriveState>>(driveMeta);
    const drive: DriveState = { ...emptyDrive(), ...(saved ?? {}) };
    const queue = await this.storage.getMeta<string[]>(driveQueueMeta);
    const sent = await this.storage.getMeta<SentRecord[]>(driveSentMeta);
    if (queue) drive.queue = queue;
    if (sent) drive.sent = sent;
    // Saved as one record before: the next save writes the parts on their own.
    if (saved && (saved.queue !== undefined || saved.sent !== undefined)) {
      this.dirty.add('queue');
      this.dirty.add('sent');
    }
    repairNonce(drive);
    return { drive, saved };
  }

  /** Marks parts as changed: the next save writes them. */
  mark(...parts: DrivePart[]): void {
    for (const part of parts) this.dirty.add(part);
  }

  /**
   * Writes `drive`'s record, and the parts named (or marked before) as changed. Resolves when a
   * write that started after this call is done; rejects when it failed (the parts stay marked).
   */
  save(drive: DriveState, parts: readonly DrivePart[] = []): Promise<void> {
    for (const part of parts) this.dirty.add(part);
    if (this.next) return this.next;
    const run = this.writing.then(() => {
      this.next = null;
      return this.write(drive);
    });
    this.next = run;
    this.writing = run.catch(() => undefined);
    return run;
  }

  private async write(drive: DriveState): Promise<void> {
    const parts = [...this.dirty];
    this.dirty.clear();
    try {
      if (parts.includes('sent')) await this.storage.putMeta(driveSentMeta, drive.sent);
      if (parts.includes('queue')) await this.storage.putMeta(driveQueueMeta, drive.queue);
      const { queue: _queue, sent: _sent, ...record } = drive;
      await this.storage.putMeta(driveMeta, record);
    } catch (error) {
      for (const part of parts) this.dirty.add(part);
      throw error;
    }
  }
}

/**
 * After a crash between the queue's write and the drive record's: the last queued observation of
 * the running trip carries a nonce the record does not have. The record's pending segment is the
 * one that observation sealed.
 */
function repairNonce(drive: DriveState): void {
  const last = drive.queue.at(-1);
  if (!last || !drive.trip) return;
  let tx: { from: string; nonce: number };
  try {
    tx = decodeTx(fromHex(last));
  } catch {
    return; // a damaged entry is refused when it is handed over (shown), not here
  }
  if (tx.from !== drive.trip || tx.nonce <= drive.nonce) return;
  drive.nonce = tx.nonce;
  drive.pending = null;
}
