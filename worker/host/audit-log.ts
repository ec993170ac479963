// The persisted, hash-chained operation log (D-8-audit; issue 14, section 3). Every entry the
// host records is chained (core/audit.ts) at once, in order, and written in batches through the
// Storage log store (appendLog); an adapter without one keeps it in memory and the export says
// so. A checkpoint of the head, signed with the peer's identity, is kept as the anchor in meta
// (at most every auditAnchorIntervalMs, and at stop and export), so entries removed from the end
// of the stored log are found at the next start; a start also checks every stored link. Beyond
// auditLogEntriesMax entries the oldest are pruned behind a signed base checkpoint.
import {
  auditChainProblems,
  auditCheckpointSigningBytes,
  auditGenesisHash,
  auditLogFormat,
  chainAuditEntry,
  type AuditCheckpoint,
  type AuditEntry,
  type AuditExport,
} from '../core/audit';
import { decode, encode } from '../core/codec';
import { toHex } from '../core/bytes';
import * as limits from '../core/limits';
import type { LogRecord, Storage } from '../store/storage';
import type { LogEntry } from '../api';
import { realClock, type Clock, type TimerHandle } from '../net/clock';

/** Entries recorded within this long are written together. */
export const auditFlushDelayMs = 50;
/** The signed anchor of the head is stored at most this often (and at stop and export). */
export const auditAnchorIntervalMs = 1_000;
const anchorKey = 'audit.anchor';
const baseKey = 'audit.base';

export interface AuditSigner {
  did: string;
  sign(bytes: Uint8Array): Promise<Uint8Array>;
}

export interface AuditLogOptions {
  storage: Storage;
  now: () => number;
  /** The peer's identity once known (null before start has read it). */
  signer: () => AuditSigner | null;
  entriesMax?: number;
  /** Timers (the flush delay); the real clock when omitted. */
  clock?: Clock;
}

export class AuditLog {
  private head = { seq: 0, hash: auditGenesisHash };
  private unsaved: AuditEntry[] = [];
  /** Entries recorded before `open` read the stored head: chained then. */
  private early: LogEntry[] | null = [];
  private memory: LogRecord[] = [];
  private writes: Promise<void> = Promise.resolve();
  private flushTimer: TimerHandle | null = null;
  private anchoredAt = -Infinity;
  private storedCount = 0;

  constructor(private readonly options: AuditLogOptions) {}

  private get persisted(): boolean {
    const s = this.options.storage;
    return Boolean(s.appendLog && s.readLog && s.pruneLog);
  }

  /** Read and check the stored log; returns its problems (plain sentences). Entries recorded before are chained after it. */
  async open(): Promise<string[]> {
    const { entries, base, problems } = await this.readStored();
    const anchor = await this.options.storage.getMeta<AuditCheckpoint>(anchorKey);
    const last = entries[entries.length - 1] ?? (base ? { seq: base.seq, hash: base.hash } : null);
    this.head = last ? { seq: last.seq, hash: last.hash } : { seq: 0, hash: auditGenesisHash };
    if (anchor && anchor.seq > this.head.seq)
      problems.push(
        `entries ${this.head.seq + 1} to ${anchor.seq} were removed from the end of the stored operation log (its signed anchor is entry ${anchor.seq})`,
      );
    else if (
      anchor &&
      anchor.seq > (base?.seq ?? 0) &&
      entries.find((e) => e.seq === anchor.seq)?.hash !== anchor.hash
    )
      problems.push(
        `entry ${anchor.seq} of the stored operation log differs from its signed anchor`,
      );
    this.storedCount = entries.length;
    const early = this.early ?? [];
    this.early = null;
    for (const entry of early) this.append(entry);
    return problems;
  }

  private async readStored(): Promise<{
    entries: AuditEntry[];
    base: AuditCheckpoint | null;
    problems: string[];
  }> {
    const base = (await this.options.storage.getMeta<AuditCheckpoint>(baseKey)) ?? null;
    const records = this.persisted ? await this.options.storage.readLog!() : [];
    const entries: AuditEntry[] = [];
    const problems: string[] = [];
    for (const record of records) {
      if (base && record.seq <= base.seq) continue; // pruned behind the base; the prune was cut short
      try {
        entries.push(decode<AuditEntry>(record.bytes, limits.auditMessageCharactersMax * 4 + 1024));
      } catch {
        problems.push(`stored operation log entry ${record.seq} cannot be read`);
      }
    }
    const start = base ? { seq: base.seq, hash: base.hash } : { seq: 0, hash: auditGenesisHash };
    problems.push(...auditChainProblems(entries, start).map((p) => `stored operation log: ${p}`));
    return { entries, base, problems };
  }

  /** Chain one entry now (order is kept); it is written within auditFlushDelayMs. */
  append(entry: LogEntry): void {
    if (this.early) {
      if (this.early.length < limits.operationLogEntriesMax) this.early.push(entry);
      return;
    }
    const chained = chainAuditEntry(this.head, entry);
    this.head = { seq: chained.seq, hash: chained.hash };
    this.unsaved.push(chained);
    this.flushTimer ??= (this.options.clock ?? realClock).setTimeout(() => {
      this.flushTimer = null;
      void this.flush().catch(() => undefined); // a failed write surfaces at the next flush or export
    }, auditFlushDelayMs);
  }

  /** Write what is recorded so far (and the anchor, when due). */
  flush(force = false): Promise<void> {
    const batch = this.unsaved;
    this.unsaved = [];
    this.writes = this.writes.then(() => this.write(batch, force));
    return this.writes;
  }

  private async write(batch: AuditEntry[], force: boolean): Promise<void> {
    const records = batch.map((e) => ({ seq: e.seq, bytes: encode(e) }));
    if (this.persisted) await this.options.storage.appendLog!(records);
    else this.memory.push(...records);
    this.storedCount += records.length;
    const now = this.options.now();
    if (force || (records.length > 0 && now - this.anchoredAt >= auditAnchorIntervalMs))
      await this.anchor(now);
    const entriesMax = this.options.entriesMax ?? limits.auditLogEntriesMax;
    if (this.storedCount > entriesMax + Math.ceil(entriesMax / 8)) await this.prune(entriesMax);
  }

  private async sign(point: {
    seq: number;
    hash: string;
    time: number;
  }): Promise<AuditCheckpoint | null> {
    const signer = this.options.signer();
    if (!signer) return null;
    const unsigned = { did: signer.did, ...point };
    return { ...unsigned, sig: toHex(await signer.sign(auditCheckpointSigningBytes(unsigned))) };
  }

  private async anchor(now: number): Promise<AuditCheckpoint | null> {
    const checkpoint = await this.sign({
      seq: this.writtenHead().seq,
      hash: this.writtenHead().hash,
      time: now,
    });
    if (!checkpoint) return null;
    await this.options.storage.putMeta(anchorKey, checkpoint);
    this.anchoredAt = now;
    return checkpoint;
  }

  /** The head of what is written (entries chained since are still waiting in `unsaved`). */
  private writtenHead(): { seq: number; hash: string } {
    const first = this.unsaved[0];
    return first ? { seq: first.seq - 1, hash: first.prev } : this.head;
  }

  private async prune(keep: number): Promise<void> {
    const { entries } = await this.readAll();
    const cut = entries[entries.length - keep - 1];
    if (!cut) return;
    const base = await this.sign({ seq: cut.seq, hash: cut.hash, time: this.options.now() });
    if (!base) return;
    await this.options.storage.putMeta(baseKey, base); // first: a prune cut short leaves records the base skips
    if (this.persisted) await this.options.storage.pruneLog!(cut.seq + 1);
    else this.memory = this.memory.filter((r) => r.seq > cut.seq);
    this.storedCount = keep;
  }

  private async readAll(): Promise<{ entries: AuditEntry[]; base: AuditCheckpoint | null }> {
    if (this.persisted) return this.readStored();
    const base = (await this.options.storage.getMeta<AuditCheckpoint>(baseKey)) ?? null;
    return { entries: this.memory.map((r) => decode<AuditEntry>(r.bytes, Infinity)), base };
  }

  /** Everything kept, with its signed base and a freshly signed head: what an auditor checks (core/audit.ts verifyAuditLog). */
  async export(): Promise<AuditExport & { persisted: boolean }> {
    await this.flush(true);
    const { entries, base } = await this.readAll();
    const last =
      entries[entries.length - 1] ??
      (base ? { seq: base.seq, hash: base.hash } : { seq: 0, hash: auditGenesisHash });
    const head = await this.sign({ seq: last.seq, hash: last.hash, time: this.options.now() });
    if (!head)
      throw new Error(
        'assertion failed: the audit log is exported before the peer has its identity',
      );
    return {
      format: auditLogFormat,
      did: head.did,
      base,
      entries,
      head,
      persisted: this.persisted,
    };
  }

  /** After a reset (storage cleared): start a new chain. */
  forget(): void {
    if (this.flushTimer) (this.options.clock ?? realClock).clearTimeout(this.flushTimer);
    this.flushTimer = null;
    this.unsaved = [];
    this.memory = [];
    this.head = { seq: 0, hash: auditGenesisHash };
    this.storedCount = 0;
    this.anchoredAt = -Infinity;
  }

  /** At stop: write what is left and anchor the head. */
  async close(): Promise<void> {
    if (this.flushTimer) (this.options.clock ?? realClock).clearTimeout(this.flushTimer);
    this.flushTimer = null;
    await this.flush(true).catch(() => undefined);
  }
}
