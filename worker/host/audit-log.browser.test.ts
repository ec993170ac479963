// The operation log in a real browser (vitest browser project, headless Chromium): persisted in
// IndexedDB (the `auditlog:<seq>` records of the meta store), hash-chained across a restart,
// exported with its chain and verified offline; an entry changed or removed in IndexedDB behind
// the peer's back is found at the next start (D-8-audit).
import { describe, expect, it } from 'vitest';
import { PeerHost } from './peer-host';
import { IdbStorage } from '../store/idb';
import { bestVerifier } from './crypto';
import { verifyAuditLog, type AuditExport } from '../core/audit';
import { decode, encode } from '../core/codec';

let counter = 0;

async function startHost(name: string): Promise<{ host: PeerHost; storage: IdbStorage }> {
  const storage = await IdbStorage.open(name);
  const host = new PeerHost({
    storage,
    storageKind: 'indexeddb',
    verifier: await bestVerifier(),
    now: () => Date.now(),
    randomBytes: (n) => crypto.getRandomValues(new Uint8Array(n)),
    emit: () => {},
    tickIntervalMs: 20,
    contractRuntime: null,
  });
  await host.ready();
  return { host, storage };
}

async function stopHost({ host, storage }: { host: PeerHost; storage: IdbStorage }) {
  await host.stop();
  storage.close();
}

/** The database itself, opened beside the peer's adapter (as a person with devtools would). */
async function rawDatabase(name: string): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(name);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

/** The stored log records: key -> { seq, bytes }. */
async function logRecords(
  db: IDBDatabase,
): Promise<Array<{ key: string; value: { seq: number; bytes: Uint8Array } }>> {
  const tx = db.transaction('meta', 'readonly');
  const store = tx.objectStore('meta');
  const range = IDBKeyRange.bound('auditlog:', 'auditlog:~');
  const [keys, values] = await Promise.all([
    new Promise<IDBValidKey[]>((resolve) => {
      const r = store.getAllKeys(range);
      r.onsuccess = () => resolve(r.result);
    }),
    new Promise<Array<{ seq: number; bytes: Uint8Array }>>((resolve) => {
      const r = store.getAll(range);
      r.onsuccess = () => resolve(r.result);
    }),
  ]);
  return keys.map((key, i) => ({ key: String(key), value: values[i]! }));
}

async function write(db: IDBDatabase, change: (store: IDBObjectStore) => void): Promise<void> {
  const tx = db.transaction('meta', 'readwrite');
  change(tx.objectStore('meta'));
  await new Promise((resolve, reject) => {
    tx.oncomplete = resolve;
    tx.onerror = () => reject(tx.error);
  });
}

describe('the audit log in IndexedDB', () => {
  it('is stored in IndexedDB, chains on across a restart, and its export verifies offline', async () => {
    const name = `audit-browser-${Date.now()}-${counter++}`;
    const first = await startHost(name);
    for (let i = 0; i < 3; i++) await first.host.setSettings({});
    await stopHost(first);

    const db = await rawDatabase(name);
    const stored = await logRecords(db);
    db.close();
    expect(stored.length).toBeGreaterThanOrEqual(4);
    expect(stored.map((r) => r.value.seq)).toEqual(stored.map((_, i) => i + 1));

    const second = await startHost(name);
    await second.host.setSettings({});
    const log = await second.host.exportAuditLog();
    expect(log.persisted).toBe(true);
    expect(log.entries.length).toBeGreaterThan(stored.length);
    expect(log.entries.map((e) => e.seq)).toEqual(log.entries.map((_, i) => i + 1));
    // The stored entries are the first ones of the export, unchanged, and the chain goes on.
    expect(log.entries.slice(0, stored.length).map((e) => e.seq)).toEqual(
      stored.map((r) => r.value.seq),
    );
    expect(log.entries.filter((e) => e.message.startsWith('Settings changed'))).toHaveLength(4);
    expect(log.head.seq).toBe(log.entries.at(-1)!.seq);
    // Verified offline from its JSON, as an auditor would, and by the peer's own method.
    const json: AuditExport = JSON.parse(JSON.stringify(log));
    expect(verifyAuditLog(json)).toMatchObject({ ok: true, problems: [] });
    expect(await second.host.verifyAuditLog(json)).toMatchObject({ ok: true });
    // Removing an entry from the export breaks its chain.
    json.entries.splice(2, 1);
    expect(verifyAuditLog(json).ok).toBe(false);
    await stopHost(second);
  });

  for (const damage of ['changed', 'removed'] as const)
    it(`an entry ${damage} in IndexedDB is found at the next start, and the export does not verify`, async () => {
      const name = `audit-browser-${damage}-${Date.now()}-${counter++}`;
      const first = await startHost(name);
      for (let i = 0; i < 4; i++) await first.host.setSettings({});
      await stopHost(first);

      const db = await rawDatabase(name);
      const stored = await logRecords(db);
      expect(stored.length).toBeGreaterThanOrEqual(5);
      const target = stored[2]!;
      await write(db, (store) => {
        if (damage === 'removed') {
          store.delete(target.key);
          return;
        }
        const entry = decode<Record<string, unknown>>(target.value.bytes, 1 << 16);
        store.put(
          { seq: target.value.seq, bytes: encode({ ...entry, message: 'nothing happened here' }) },
          target.key,
        );
      });
      db.close();

      const second = await startHost(name);
      const problems = (await second.host.log())
        .filter((e) => e.level === 'error')
        .map((e) => e.message)
        .join(' ');
      expect(problems).toMatch(
        damage === 'changed' ? /entry 3 was changed/ : /entries 3 to 3 are missing/,
      );
      const log = await second.host.exportAuditLog();
      expect(verifyAuditLog(JSON.parse(JSON.stringify(log))).ok).toBe(false);
      await stopHost(second);
    });
});
