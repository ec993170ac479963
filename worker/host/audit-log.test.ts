// The operation log persisted and hash-chained (D-8-audit): it survives a restart, its export
// verifies offline, and removing, changing or cutting entries is found.
import { describe, expect, it } from 'vitest';
import { startTestHost } from './testing';
import { MemoryStorage } from '../store/memory';
import { verifyAuditLog, type AuditExport } from '../core/audit';
import { decode, encode } from '../core/codec';
import type { LogRecord } from '../store/storage';

/** A memory store whose log records a test can tamper with. */
class OpenStorage extends MemoryStorage {
  records(): LogRecord[] {
    return (this as unknown as { logRecords: LogRecord[] }).logRecords;
  }
}

describe('the audit log', () => {
  it('persists across a restart, chains on from the stored head, and its export verifies offline', async () => {
    const storage = new OpenStorage();
    const first = await startTestHost(storage);
    await first.host.setSettings({});
    await first.host.stop();
    const stored = storage.records().length;
    expect(stored).toBeGreaterThanOrEqual(2);
    const second = await startTestHost(storage);
    const log = await second.host.exportAuditLog();
    expect(log.persisted).toBe(true);
    expect(log.entries.length).toBeGreaterThan(stored);
    expect(log.entries.map((e) => e.seq)).toEqual(log.entries.map((_, i) => i + 1));
    expect(log.entries.some((e) => e.message.startsWith('Settings changed'))).toBe(true);
    expect(verifyAuditLog(JSON.parse(JSON.stringify(log)))).toMatchObject({
      ok: true,
      problems: [],
    });
    expect(await second.host.verifyAuditLog(log)).toMatchObject({ ok: true });
    await second.host.stop();
  });

  it('an export with an entry removed, changed or cut from the end does not verify', async () => {
    const { host } = await startTestHost();
    for (let i = 0; i < 3; i++) await host.setSettings({});
    const log = await host.exportAuditLog();
    const copy = (): AuditExport => JSON.parse(JSON.stringify(log));
    const removed = copy();
    removed.entries.splice(1, 1);
    expect(verifyAuditLog(removed).problems.join(' ')).toMatch(/entries 2 to 2 are missing/i);
    const changed = copy();
    changed.entries[2]!.message = 'nothing happened';
    expect(verifyAuditLog(changed).problems.join(' ')).toMatch(/entry 3 was changed/i);
    const cut = copy();
    cut.entries.pop();
    expect(verifyAuditLog(cut).ok).toBe(false);
    const resigned = copy();
    resigned.head.seq -= 1; // a shorter head without a signature of the peer
    resigned.entries.pop();
    resigned.head.hash = resigned.entries[resigned.entries.length - 1]!.hash;
    expect(verifyAuditLog(resigned).problems.join(' ')).toMatch(/not signed/);
    // An auditor who kept an earlier head finds a later log without it.
    const later = await host.exportAuditLog();
    expect(verifyAuditLog(later, { anchor: { seq: log.head.seq, hash: log.head.hash } }).ok).toBe(
      true,
    );
    expect(verifyAuditLog(later, { anchor: { seq: log.head.seq, hash: 'f'.repeat(64) } }).ok).toBe(
      false,
    );
    await host.stop();
  });

  it('finds entries removed from the stored log, inside it or at its end, at the next start', async () => {
    const storage = new OpenStorage();
    const first = await startTestHost(storage);
    for (let i = 0; i < 4; i++) await first.host.setSettings({});
    await first.host.stop();
    storage.records().splice(2, 1); // one entry in the middle
    storage.records().pop(); // and the last one
    const second = await startTestHost(storage);
    const log = await second.host.log();
    expect(log.some((e) => e.level === 'error' && /missing/.test(e.message))).toBe(true);
    expect(log.some((e) => e.level === 'error' && /removed from the end/.test(e.message))).toBe(
      true,
    );
    await second.host.stop();
  });

  it('a stored entry changed in place is found at the next start', async () => {
    const storage = new OpenStorage();
    const first = await startTestHost(storage);
    await first.host.stop();
    const record = storage.records()[0]!;
    record.bytes = encode({
      ...decode<Record<string, unknown>>(record.bytes, 1 << 16),
      message: 'forged',
    });
    const second = await startTestHost(storage);
    expect(
      (await second.host.log()).some(
        (e) => e.level === 'error' && /entry 1 was changed/.test(e.message),
      ),
    ).toBe(true);
    await second.host.stop();
  });

  it('keeps a bounded number of entries: a pruned prefix is replaced by a signed base, and the export still verifies', async () => {
    const { AuditLog } = await import('./audit-log');
    const { signerFromSeed } = await import('../core/crypto/ed25519');
    const { testIdentity } = await import('../core/testing');
    const id = testIdentity('auditor test');
    const sign = signerFromSeed(id.seed);
    const storage = new OpenStorage();
    const audit = new AuditLog({
      storage,
      now: () => 1_700_000_000_000,
      signer: () => ({ did: id.did, sign: async (b) => sign(b) }),
      entriesMax: 16,
    });
    await audit.open();
    for (let i = 0; i < 100; i++) {
      audit.append({ time: i, level: 'info', message: `entry ${i}` });
      if (i % 10 === 9) await audit.flush();
    }
    const log = await audit.export();
    expect(log.entries.length).toBeLessThanOrEqual(16 + 2 + 10);
    expect(log.base?.seq).toBe(log.entries[0]!.seq - 1);
    expect(log.head.seq).toBe(100);
    expect(verifyAuditLog(log)).toMatchObject({
      ok: true,
      fromSeq: log.entries[0]!.seq,
      headSeq: 100,
    });
    expect(verifyAuditLog(log, { anchor: { seq: 3, hash: 'a'.repeat(64) } }).notes[0]).toMatch(
      /pruned/,
    );
  });
});
