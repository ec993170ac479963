// The audit log (requirement D-8-audit): the peer's operation log as a hash chain, with signed
// checkpoints, and its offline check. Pure: no I/O, no clock (the host passes times in).
//
// Entry n: { seq: n, time, level, message, prev: hash of entry n-1, hash }, where
//   hash = hex SHA-256("bot/audit/v1\0" || canonical CBOR { seq, time, level, message, prev })
// and entry 1's prev is 64 zeros. Changing, inserting or removing an entry inside the chain
// breaks a link. Removing entries from the end does not; that is what checkpoints are for:
//   checkpoint = { did, seq, hash, time, sig }, sig = Ed25519 by `did` over
//   "bot/audit-checkpoint/v1\0" || canonical CBOR { did, seq, hash, time }
// The peer signs one over its head (the `head` of an export, and an anchor it keeps), and one
// over the last entry it prunes (the `base` an export starts from). An export is
// { format, did, base, entries, head }: it verifies when the entries chain from the base (or
// from zero) to exactly the signed head. An auditor who keeps the head of an earlier export
// passes it as `anchor`: a later export must still contain it, so entries removed since (the
// tail included) are found.
import { encode } from './codec';
import { concatBytes, fromHex, toHex, utf8 } from './bytes';
import { sha256 } from './crypto/hash';
import { publicKeyFromDid } from './crypto/did';
import { verifyStrict } from './crypto/ed25519';
import { auditExportEntriesMax, auditMessageCharactersMax } from './limits';

export const auditLogFormat = 'bot-audit-log/1';
/** The `prev` of the first entry. */
export const auditGenesisHash = '0'.repeat(64);

export type AuditLevel = 'info' | 'warn' | 'error';

export interface AuditEntry {
  seq: number;
  time: number;
  level: AuditLevel;
  message: string;
  /** Hash of the entry before (hex); 64 zeros for entry 1. */
  prev: string;
  /** Hash of this entry (hex). */
  hash: string;
}

/** A point of the chain (seq, hash) signed by the peer that keeps the log. */
export interface AuditCheckpoint {
  did: string;
  seq: number;
  hash: string;
  time: number;
  /** Ed25519 signature, hex. */
  sig: string;
}

export interface AuditExport {
  format: typeof auditLogFormat;
  did: string;
  /** The signed checkpoint of the last pruned entry; null when nothing was pruned (entries start at 1). */
  base: AuditCheckpoint | null;
  entries: AuditEntry[];
  /** The signed checkpoint of the last entry (seq 0 with the genesis hash for an empty log). */
  head: AuditCheckpoint;
}

export interface AuditVerdict {
  ok: boolean;
  /** What does not hold, in plain words (empty when ok). */
  problems: string[];
  /** What could not be checked (an anchor older than the pruned prefix). */
  notes: string[];
  did: string | null;
  /** First and last sequence numbers present. */
  fromSeq: number;
  headSeq: number;
  entries: number;
}

const entryTag = utf8('bot/audit/v1\0');
const checkpointTag = utf8('bot/audit-checkpoint/v1\0');
const levels: readonly string[] = ['info', 'warn', 'error'];

/** A message as an entry keeps it: at most auditMessageCharactersMax units, a cut one marked. */
export function auditMessage(message: string): string {
  if (message.length <= auditMessageCharactersMax) return message;
  let cut = auditMessageCharactersMax - 1;
  if (/[\ud800-\udbff]/.test(message[cut - 1]!)) cut--; // never split a surrogate pair
  return `${message.slice(0, cut)}…`;
}

export function auditEntryHash(entry: Omit<AuditEntry, 'hash'>): string {
  const { seq, time, level, message, prev } = entry;
  return toHex(sha256(concatBytes(entryTag, encode({ seq, time, level, message, prev }))));
}

/** The entry after `previous` (null: the first entry). */
export function chainAuditEntry(
  previous: { seq: number; hash: string } | null,
  entry: { time: number; level: AuditLevel; message: string },
): AuditEntry {
  const unhashed = {
    seq: (previous?.seq ?? 0) + 1,
    time: entry.time,
    level: entry.level,
    message: auditMessage(entry.message),
    prev: previous?.hash ?? auditGenesisHash,
  };
  return { ...unhashed, hash: auditEntryHash(unhashed) };
}

export function auditCheckpointSigningBytes(point: Omit<AuditCheckpoint, 'sig'>): Uint8Array {
  const { did, seq, hash, time } = point;
  return concatBytes(checkpointTag, encode({ did, seq, hash, time }));
}

/** Problems of one entry on its own (shape and hash), or null. */
export function auditEntryProblem(value: unknown): string | null {
  if (typeof value !== 'object' || value === null) return 'an entry is not a record';
  const e = value as Record<string, unknown>;
  if (!Number.isSafeInteger(e.seq) || (e.seq as number) < 1)
    return 'an entry has no sequence number';
  const at = `entry ${e.seq as number}`;
  if (!Number.isSafeInteger(e.time) || (e.time as number) < 0) return `${at} has no time`;
  if (typeof e.level !== 'string' || !levels.includes(e.level)) return `${at} has no level`;
  if (typeof e.message !== 'string') return `${at} has no message`;
  if (!isHash(e.prev) || !isHash(e.hash)) return `${at} lacks its hashes`;
  if (auditEntryHash(e as unknown as AuditEntry) !== e.hash)
    return `${at} was changed (its hash does not match its content)`;
  return null;
}

/** Problems of a chain of entries that should start right after `from`, or []. */
export function auditChainProblems(
  entries: readonly AuditEntry[],
  from: { seq: number; hash: string },
): string[] {
  const problems: string[] = [];
  let previous = from;
  for (const entry of entries) {
    const problem = auditEntryProblem(entry);
    if (problem) {
      problems.push(problem);
      return problems;
    }
    if (entry.seq !== previous.seq + 1) {
      problems.push(
        entry.seq > previous.seq + 1
          ? `entries ${previous.seq + 1} to ${entry.seq - 1} are missing`
          : `entry ${entry.seq} is out of order (after ${previous.seq})`,
      );
    } else if (entry.prev !== previous.hash) {
      problems.push(
        `entry ${entry.seq} does not link to the entry before it (one was changed or replaced)`,
      );
    }
    previous = entry;
  }
  return problems;
}

export function checkpointProblem(value: unknown, did: string, name: string): string | null {
  if (typeof value !== 'object' || value === null) return `the ${name} checkpoint is missing`;
  const c = value as Record<string, unknown>;
  if (
    c.did !== did ||
    !Number.isSafeInteger(c.seq) ||
    (c.seq as number) < 0 ||
    !isHash(c.hash) ||
    !Number.isSafeInteger(c.time) ||
    typeof c.sig !== 'string' ||
    !/^[0-9a-f]{128}$/.test(c.sig)
  ) {
    return `the ${name} checkpoint is malformed or names another peer`;
  }
  let key: Uint8Array;
  try {
    key = publicKeyFromDid(did);
  } catch {
    return `the log names no valid identity (${did})`;
  }
  const point = c as unknown as AuditCheckpoint;
  if (!verifyStrict(key, auditCheckpointSigningBytes(point), fromHex(point.sig)))
    return `the ${name} checkpoint is not signed by ${did}`;
  return null;
}

/**
 * Check an exported audit log offline: every entry's hash, every link, the signed base and head,
 * and (given) that an earlier head `anchor` is still in it. Never throws.
 */
export function verifyAuditLog(
  value: unknown,
  options: { anchor?: { seq: number; hash: string } } = {},
): AuditVerdict {
  const verdict: AuditVerdict = {
    ok: false,
    problems: [],
    notes: [],
    did: null,
    fromSeq: 0,
    headSeq: 0,
    entries: 0,
  };
  const log = value as Partial<AuditExport> | null;
  if (
    typeof log !== 'object' ||
    log === null ||
    log.format !== auditLogFormat ||
    typeof log.did !== 'string' ||
    !Array.isArray(log.entries)
  ) {
    verdict.problems.push(`This is not an exported audit log (${auditLogFormat}).`);
    return verdict;
  }
  if (log.entries.length > auditExportEntriesMax) {
    verdict.problems.push(
      `The log has ${log.entries.length} entries; at most ${auditExportEntriesMax} are checked.`,
    );
    return verdict;
  }
  const { did, entries } = log;
  verdict.did = did;
  verdict.entries = entries.length;
  const problems = verdict.problems;
  const baseProblem =
    log.base === null || log.base === undefined ? null : checkpointProblem(log.base, did, 'base');
  if (baseProblem) problems.push(`${capitalize(baseProblem)}.`);
  const start = log.base
    ? { seq: log.base.seq, hash: log.base.hash }
    : { seq: 0, hash: auditGenesisHash };
  for (const problem of auditChainProblems(entries as AuditEntry[], start))
    problems.push(`${capitalize(problem)}.`);
  const last = entries.length > 0 ? (entries[entries.length - 1] as AuditEntry) : start;
  verdict.fromSeq = entries.length > 0 ? (entries[0] as AuditEntry).seq : start.seq;
  verdict.headSeq = last.seq;
  const headProblem = checkpointProblem(log.head, did, 'head');
  if (headProblem) problems.push(`${capitalize(headProblem)}.`);
  else if (log.head!.seq !== last.seq || log.head!.hash !== last.hash) {
    problems.push(
      log.head!.seq > last.seq
        ? `Entries ${last.seq + 1} to ${log.head!.seq} were removed from the end (the signed head is entry ${log.head!.seq}).`
        : `The signed head (entry ${log.head!.seq}) is not the last entry (${last.seq}).`,
    );
  }
  if (options.anchor) anchorProblems(options.anchor, start, entries as AuditEntry[], verdict);
  verdict.ok = problems.length === 0;
  return verdict;
}

function anchorProblems(
  anchor: { seq: number; hash: string },
  start: { seq: number; hash: string },
  entries: AuditEntry[],
  verdict: AuditVerdict,
): void {
  if (anchor.seq === start.seq) {
    if (anchor.hash !== start.hash)
      verdict.problems.push(
        `The earlier head (entry ${anchor.seq}) is not where this log starts: the log was rewritten.`,
      );
    return;
  }
  if (anchor.seq < start.seq) {
    verdict.notes.push(
      `The earlier head (entry ${anchor.seq}) was pruned since (this log starts after entry ${start.seq}); it cannot be checked.`,
    );
    return;
  }
  const found = entries.find((e) => e.seq === anchor.seq);
  if (!found)
    verdict.problems.push(
      `The earlier head (entry ${anchor.seq}) is no longer in the log: entries were removed from its end.`,
    );
  else if (found.hash !== anchor.hash)
    verdict.problems.push(
      `Entry ${anchor.seq} differs from the earlier head: the log was rewritten.`,
    );
}

function isHash(value: unknown): value is string {
  return typeof value === 'string' && /^[0-9a-f]{64}$/.test(value);
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
