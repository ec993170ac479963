// Keys, values and the database directory of the LevelDB store (level.ts: the layout and the
// argument are there), shared with the migration from the old disk store (level-migrate.ts).
import { open as openFile, stat } from 'node:fs/promises';
import { ClassicLevel } from 'classic-level';
import { botError } from '../core/errors';
import { blockBytesMax } from '../core/limits';
import type { BlockCommit } from './storage';
import { commitMarker, commitMarkerKey, crc32c } from './level-wal';

export const databaseDirName = 'ledger.ldb';
/** A database being built by a migration: removed at the next open if it was not finished. */
export const migratingDirName = 'ledger.ldb.migrating';
/** Largest commit (block, state writes, ids): a largest block plus its writes. */
export const commitBytesMax = 4 * blockBytesMax;
export const checkBytes = 4;
export const damageKey = Buffer.from('!damage', 'latin1');
export const formatKey = Buffer.from('!format', 'latin1');
/** Written last by a migration or a repair: the database is complete. */
export const formatValue = 'BOTLDB1';

export const tag = {
  meta: 0x4d,
  chain: 0x43,
  block: 0x42,
  state: 0x53,
  history: 0x48,
  tx: 0x54,
  log: 0x4c,
  outbox: 0x4f,
};

export type Db = ClassicLevel<Buffer, Buffer>;
export type Op = { type: 'put'; key: Buffer; value: Buffer } | { type: 'del'; key: Buffer };

export const noWhere = { chainId: null, height: null };

/** The block commit as LevelDB writes (the chain's head record is added by the caller). */
export function encodeCommit(commit: BlockCommit): Op[] {
  if (!Number.isSafeInteger(commit.height) || commit.height < 0)
    throw new RangeError('height: expected a whole number from 0');
  let bytes = commit.block.length;
  for (const [key, entry] of commit.writes) bytes += key.length + entry.length;
  if (bytes > commitBytesMax)
    throw botError(
      'TOO_LARGE',
      `Block ${commit.height} needs ${bytes} bytes on disk; the limit is ${commitBytesMax}.`,
    );
  const { chainId, height } = commit;
  const ops: Op[] = [sealedPut(blockKey(chainId, height), commit.block)];
  const heightBytes = u64(height);
  for (const [key, entry] of commit.writes) {
    ops.push(sealedPut(stateKey(chainId, key), Buffer.concat([heightBytes, entry])));
    ops.push(sealedPut(historyKey(chainId, key, height), entry));
  }
  const chainBytes = Buffer.from(chainId, 'utf8');
  commit.txIds.forEach((txId, index) => {
    const body = Buffer.alloc(12 + chainBytes.length);
    heightBytes.copy(body, 0);
    body.writeUInt32BE(index, 8);
    chainBytes.copy(body, 12);
    ops.push(sealedPut(txKey(txId), body));
  });
  return ops;
}

// ---- keys and values -----------------------------------------------------------------------

export function u64(n: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeUInt32BE(Math.floor(n / 2 ** 32), 0);
  b.writeUInt32BE(n >>> 0, 4);
  return b;
}

export function u64At(bytes: Uint8Array, at: number): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return view.getUint32(at) * 2 ** 32 + view.getUint32(at + 4);
}

export function str16(text: string, name: string): Buffer {
  const b = Buffer.from(text, 'utf8');
  if (b.length > 0xffff) throw new RangeError(`${name}: longer than 65535 bytes`);
  const n = Buffer.alloc(2);
  n.writeUInt16BE(b.length);
  return Buffer.concat([n, b]);
}

export const metaKey = (key: string) =>
  Buffer.concat([Buffer.of(tag.meta), Buffer.from(key, 'utf8')]);
export const chainKey = (chainId: string) =>
  Buffer.concat([Buffer.of(tag.chain), Buffer.from(chainId, 'utf8')]);
export const blockKey = (chainId: string, height: number) =>
  Buffer.concat([Buffer.of(tag.block), str16(chainId, 'chainId'), u64(height)]);
export const statePrefix = (chainId: string) =>
  Buffer.concat([Buffer.of(tag.state), str16(chainId, 'chainId')]);
export const stateKey = (chainId: string, key: string) =>
  Buffer.concat([statePrefix(chainId), Buffer.from(key, 'utf8')]);
export const historyPrefix = (chainId: string, key: string) =>
  Buffer.concat([Buffer.of(tag.history), str16(chainId, 'chainId'), str16(key, 'state key')]);
export const historyKey = (chainId: string, key: string, height: number) =>
  Buffer.concat([historyPrefix(chainId, key), u64(height)]);
export const txKey = (txId: string) =>
  Buffer.concat([Buffer.of(tag.tx), Buffer.from(txId, 'utf8')]);
export const logKey = (seq: number) => Buffer.concat([Buffer.of(tag.log), u64(seq)]);
export const outboxKey = (seq: number) => Buffer.concat([Buffer.of(tag.outbox), u64(seq)]);

export function chainValue(head: { head: number; count: number }): Buffer {
  return Buffer.concat([u64(head.head), u64(head.count)]);
}

/** Keys from `prefix` (inclusive) up to the next prefix. */
export function prefixRange(prefix: Buffer): { gte: Buffer; lt: Buffer } {
  const end = Buffer.from(prefix);
  let i = end.length - 1;
  while (i >= 0 && end[i] === 0xff) i--;
  if (i < 0) return { gte: prefix, lt: Buffer.alloc(prefix.length + 1, 0xff) };
  end[i]!++;
  return { gte: prefix, lt: end.subarray(0, i + 1) };
}

export function check(key: Buffer, body: Uint8Array): Buffer {
  const out = Buffer.alloc(checkBytes);
  out.writeUInt32BE(crc32c(body, crc32c(key)));
  return out;
}

export function sealed(key: Buffer, body: Uint8Array): [Buffer, Buffer] {
  return [key, Buffer.concat([check(key, body), body])];
}

export function sealedPut(key: Buffer, body: Uint8Array): Op {
  const [k, value] = sealed(key, body);
  return { type: 'put', key: k, value };
}

export function checks(key: Buffer, value: Buffer): boolean {
  return (
    value.length >= checkBytes &&
    check(key, value.subarray(checkBytes)).equals(value.subarray(0, checkBytes))
  );
}

/** Chain and height named by a key, where it names them. */
export function whereOf(key: Buffer): { chainId: string | null; height: number | null } {
  try {
    if (key[0] === tag.block) {
      const n = key.readUInt16BE(1);
      return { chainId: key.toString('utf8', 3, 3 + n), height: u64At(key, 3 + n) };
    }
    if (key[0] === tag.state || key[0] === tag.history) {
      const n = key.readUInt16BE(1);
      return {
        chainId: key.toString('utf8', 3, 3 + n),
        height: key[0] === tag.history ? u64At(key, key.length - 8) : null,
      };
    }
    if (key[0] === tag.chain) return { chainId: key.toString('utf8', 1), height: null };
  } catch {
    // a key too short to name them
  }
  return noWhere;
}

export function describeKey(key: Buffer): string {
  const where = whereOf(key);
  const kind =
    {
      [tag.meta]: 'a meta key',
      [tag.chain]: 'a chain head',
      [tag.block]: 'a block',
      [tag.state]: 'a state key',
      [tag.history]: 'a state version',
      [tag.tx]: 'a transaction id',
      [tag.log]: 'an audit record',
      [tag.outbox]: 'an outbox entry',
    }[key[0]!] ?? 'an unknown key';
  return `${kind}${where.chainId !== null ? ` of chain ${where.chainId}` : ''}${where.height !== null ? ` at height ${where.height}` : ''}`;
}

export async function openDb(path: string): Promise<Db> {
  const db = new ClassicLevel<Buffer, Buffer>(path, {
    keyEncoding: 'buffer',
    valueEncoding: 'buffer',
  });
  try {
    await db.open();
  } catch (error) {
    const cause = (error as { cause?: Error }).cause ?? (error as Error);
    throw botError(
      'STORAGE_FAILED',
      `The ledger database ${path} cannot be opened: ${cause.message}. Move it away to start over, or restore it from a backup.`,
    );
  }
  return db;
}

export async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

export async function syncDirectory(directory: string): Promise<void> {
  const handle = await openFile(directory, 'r');
  try {
    await handle.sync();
  } catch {
    // Some platforms cannot fsync a directory; rename is still atomic there.
  } finally {
    await handle.close();
  }
}

/**
 * Write a batch, ending in the commit marker (level-wal.ts: the end of a log record is
 * recognisable); `sync` (default): fsync LevelDB's log before resolving.
 */
export async function writeOps(db: Db, ops: readonly Op[], sync = true): Promise<void> {
  await db.batch([...ops, { type: 'put', key: commitMarkerKey, value: commitMarker }], { sync });
}
