// The data directory's lock: one process per directory, and a lock that dies with its process.
//
// LOCK holds the owner as JSON: { pid, start, boot }. `start` is the process's start time from
// /proc/<pid>/stat (field 22, clock ticks since boot) and `boot` the kernel's boot id, so a
// lock is live only while that very process runs: a pid reused by another process after a
// crash has another start time, a killed process that is not yet reaped (a zombie) is dead,
// and a lock from before a reboot has another boot id. Where /proc is missing (macOS, Windows)
// only the pid is checked, with kill(pid, 0).
//
// Taking the lock is atomic: the owner record is written to a unique temporary file and
// hard-linked to LOCK (link fails when LOCK exists). A stale LOCK is renamed away before the
// next attempt, and the renamed file is checked: when it is no longer the stale record (another
// process took the lock in between), it is linked back.
import { hostname } from 'node:os';
import { join } from 'node:path';
import { link, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { botError } from '../core/errors';

export const lockFileName = 'LOCK';

/** Attempts to replace a stale lock before giving up (another process keeps racing for it). */
const lockAttemptsMax = 4;

export interface LockOwner {
  pid: number;
  /** Process start time (/proc/<pid>/stat field 22), or null where /proc is missing. */
  start: string | null;
  /** Kernel boot id, or null where /proc is missing. */
  boot: string | null;
}

/** Data directories this process holds open. */
const heldDirectories = new Map<string, string>();

/** This process as a lock owner. */
export function selfOwner(): LockOwner {
  return { pid: process.pid, start: processStart(process.pid)?.start ?? null, boot: bootId() };
}

/** Take the directory's lock, or throw STORAGE_FAILED naming the live owner. */
export async function takeLock(directory: string): Promise<void> {
  if (heldDirectories.has(directory))
    throw botError(
      'STORAGE_FAILED',
      `The data directory ${directory} is already open in this process.`,
    );
  const path = join(directory, lockFileName);
  const record = JSON.stringify({ ...selfOwner(), host: hostname() });
  const temporary = join(
    directory,
    `${lockFileName}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`,
  );
  await writeFile(temporary, record);
  try {
    for (let attempt = 0; attempt < lockAttemptsMax; attempt++) {
      if (await linked(temporary, path)) {
        heldDirectories.set(directory, record);
        return;
      }
      const text = await readFile(path, 'utf8').catch(() => null);
      if (text === null) continue; // released meanwhile
      const owner = parseOwner(text);
      if (owner && ownerAlive(owner)) {
        throw botError(
          'STORAGE_FAILED',
          `The data directory ${directory} is in use by process ${owner.pid}. Stop that peer or choose another --data-dir (if no peer uses it, delete ${path}).`,
        );
      }
      await removeStale(path, text);
    }
  } finally {
    await unlink(temporary).catch(() => {});
  }
  throw botError(
    'STORAGE_FAILED',
    `Could not lock the data directory ${directory}: other processes keep taking it.`,
  );
}

/** Release the lock if this process holds it (never another process's lock). */
export async function releaseLock(directory: string): Promise<void> {
  const record = heldDirectories.get(directory);
  if (record === undefined) return;
  heldDirectories.delete(directory);
  const path = join(directory, lockFileName);
  if ((await readFile(path, 'utf8').catch(() => null)) === record)
    await unlink(path).catch(() => {});
}

async function linked(from: string, to: string): Promise<boolean> {
  try {
    await link(from, to);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}

/** Move a stale LOCK away; if it changed since it was judged stale, put it back. */
async function removeStale(path: string, staleText: string): Promise<void> {
  const aside = `${path}.stale.${process.pid}.${randomBytes(4).toString('hex')}`;
  try {
    await rename(path, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  const moved = await readFile(aside, 'utf8').catch(() => staleText);
  if (moved !== staleText) await linked(aside, path); // a fresh lock of another process: restore it
  await unlink(aside).catch(() => {});
}

/** The owner record of a LOCK: JSON, or a bare pid (written before the start time was kept). */
export function parseOwner(text: string): LockOwner | null {
  const trimmed = text.trim();
  if (/^\d+$/.test(trimmed)) return { pid: Number(trimmed), start: null, boot: null };
  try {
    const value = JSON.parse(trimmed) as Partial<LockOwner>;
    if (!Number.isSafeInteger(value.pid) || value.pid! <= 0) return null;
    return {
      pid: value.pid!,
      start: typeof value.start === 'string' ? value.start : null,
      boot: typeof value.boot === 'string' ? value.boot : null,
    };
  } catch {
    return null;
  }
}

/** Is the process that wrote this owner record still running? */
export function ownerAlive(owner: LockOwner): boolean {
  const self = selfOwner();
  if (owner.pid === self.pid && (owner.start === null || owner.start === self.start)) return false; // ours, and not held here (checked before)
  if (owner.boot !== null && self.boot !== null && owner.boot !== self.boot) return false; // written before a reboot
  if (self.boot === null) return killAlive(owner.pid); // no /proc here
  const found = processStart(owner.pid);
  if (!found || found.zombie) return false;
  return owner.start === null || owner.start === found.start;
}

/** Start time and zombie state of a process from /proc/<pid>/stat, or null when it does not exist. */
export function processStart(pid: number): { start: string; zombie: boolean } | null {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch {
    return null;
  }
  // "pid (comm) state ppid ... starttime": comm may hold spaces and ')', so read after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const state = fields[0] ?? '';
  const start = fields[19]; // field 22 overall; fields here start at field 3
  if (start === undefined) return null;
  return { start, zombie: state === 'Z' || state === 'X' };
}

function bootId(): string | null {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'latin1').trim();
  } catch {
    return null;
  }
}

function killAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
