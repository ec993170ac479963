// Migration of a data directory of the old disk store (disk.ts: ledger.log, meta.v8, audit.log)
// to the LevelDB store (level.ts), run by LevelStorage.open under the directory's lock.
//
// Atomic: the new database is built in ledger.ldb.migrating/ from the old files (read only),
// its completion record is written last with fsync, and only then is it renamed to ledger.ldb/
// (rename + fsync of the directory). A crash before the rename leaves the old files as they
// were and no ledger.ldb/: the next open removes the unfinished database and starts again. After
// the rename the old files are renamed to *.migrated.* (kept, never deleted); a crash in between
// is finished by the next open (ledger.ldb/ exists, so the old files are only moved aside).
// Damage the old store found (disk.ts: not a torn tail) is carried over: the good prefix is
// migrated and the damage stays reported, so the host's tamper check fails and a repair works.
import { rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { logRecordsFileName } from './audit-file';
import { DiskStorage, logFileName, metaFileName, migratedLogFileName } from './disk';
import {
  chainKey,
  chainValue,
  databaseDirName,
  encodeCommit,
  exists,
  formatKey,
  formatValue,
  logKey,
  metaKey,
  migratingDirName,
  openDb,
  sealedPut,
  syncDirectory,
  writeOps,
  type Op,
} from './level-keys';
import type { StoreDamage } from './storage';

/** Where the old store's files are kept after the migration. */
export const keptNames: Record<string, string> = {
  [logFileName]: 'ledger.migrated.log',
  [metaFileName]: 'meta.migrated.v8',
  [logRecordsFileName]: 'audit.migrated.log',
};

/** Blocks per LevelDB write batch while migrating. */
const blocksPerBatch = 64;

export interface MigrationReport {
  blocks: number;
  metaKeys: number;
  auditRecords: number;
  /** Damage the old store reported (carried over). */
  problems: StoreDamage[];
  /** The old ledger log, kept. */
  keptAs: string;
}

/** Whether the directory holds an old-format store not yet migrated (finishing a finished migration's renames). */
export async function needsMigration(directory: string): Promise<boolean> {
  await rm(join(directory, migratingDirName), { recursive: true, force: true });
  const old = [logFileName, metaFileName, logRecordsFileName, migratedLogFileName];
  if (await exists(join(directory, databaseDirName))) {
    await keepOldFiles(directory);
    return false;
  }
  for (const name of old) if (await exists(join(directory, name))) return true;
  return false;
}

export async function migrateDiskStore(directory: string): Promise<MigrationReport> {
  const old = await DiskStorage.open(directory, { lockHeld: true });
  const building = join(directory, migratingDirName);
  const report: MigrationReport = {
    blocks: 0,
    metaKeys: 0,
    auditRecords: 0,
    problems: old.report.problems.map((p) => ({
      ...p,
      message: `(found in the old ${logFileName} and migrated) ${p.message}`,
    })),
    keptAs: join(directory, keptNames[logFileName]!),
  };
  try {
    const db = await openDb(building);
    try {
      const heads = new Map<string, { head: number; heights: Set<number> }>();
      let ops: Op[] = [];
      let inBatch = 0;
      for await (const commit of old.commits()) {
        ops.push(...encodeCommit(commit));
        const chain = heads.get(commit.chainId) ?? { head: -1, heights: new Set<number>() };
        chain.head = Math.max(chain.head, commit.height);
        chain.heights.add(commit.height);
        heads.set(commit.chainId, chain);
        report.blocks++;
        if (++inBatch === blocksPerBatch) {
          await writeOps(db, ops, false);
          ops = [];
          inBatch = 0;
        }
      }
      for (const [chainId, chain] of heads)
        ops.push(
          sealedPut(chainKey(chainId), chainValue({ head: chain.head, count: chain.heights.size })),
        );
      for (const [key, value] of old.metaEntries()) {
        ops.push(sealedPut(metaKey(key), value));
        report.metaKeys++;
      }
      for (const record of await old.readLog()) {
        ops.push(sealedPut(logKey(record.seq), record.bytes));
        report.auditRecords++;
      }
      if (report.problems.length > 0)
        ops.push({
          type: 'put',
          key: Buffer.from('!damage', 'latin1'),
          value: Buffer.from(JSON.stringify(report.problems)),
        });
      await writeOps(db, ops, false);
      // Last, synced (LevelDB's log is sequential, so this makes every batch before it durable).
      await writeOps(db, [sealedPut(formatKey, Buffer.from(formatValue))]);
    } finally {
      await db.close();
    }
    await rename(building, join(directory, databaseDirName));
    await syncDirectory(directory);
  } finally {
    await old.shutdown();
  }
  await keepOldFiles(directory);
  return report;
}

/** Rename the old store's files to their kept names (after the new database is in place). */
async function keepOldFiles(directory: string): Promise<void> {
  let moved = false;
  for (const [name, kept] of Object.entries(keptNames)) {
    if (!(await exists(join(directory, name)))) continue;
    await rename(join(directory, name), join(directory, kept));
    moved = true;
  }
  if (moved) await syncDirectory(directory);
}
