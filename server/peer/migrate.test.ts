// Issue 19: a Node peer started on a data directory of the old disk store (ledger.log, meta.v8,
// audit.log, written here by the old code: DiskStorage under a PeerHost, as `npm run peer` ran
// before) converts it to LevelDB at start, says so on its output, and serves the same identity,
// chain, values, blocks and audit log, with its tamper check passing.
import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { call, startChildPeer, type ChildPeer } from './testing';
import { DiskStorage, logFileName } from '../../worker/store/disk';
import { startTestHost } from '../../worker/host/testing';
import type { MemoryStorage } from '../../worker/store/memory';
import { databaseDirName } from '../../worker/store/level-keys';
import { keptNames } from '../../worker/store/level-migrate';

const root = mkdtempSync(join(tmpdir(), 'bot-peer-migrate-'));
const running = new Set<ChildPeer>();
afterAll(() => {
  for (const peer of running) peer.child.kill('SIGKILL');
  rmSync(root, { recursive: true, force: true });
});

describe('a Node peer on an old-format data directory', () => {
  it('migrates it to LevelDB at start, logs it, and serves everything it held', async () => {
    const dataDir = join(root, 'old');
    const storage = await DiskStorage.open(dataDir);
    const { host } = await startTestHost(storage as unknown as MemoryStorage, {
      storageKind: 'disk',
    });
    const before = await host.status();
    const did = (await host.identity()).did;
    for (let i = 0; i < 12; i++) {
      const { txId } = await host.submit({ type: 'data.put', body: { key: `k/${i}`, value: i } });
      expect((await host.waitFor(txId, { timeoutMs: 10_000 })).status).toBe('committed');
    }
    const { txId: last } = await host.submit({
      type: 'data.put',
      body: { key: 'k/0', value: 'again' },
    });
    await host.waitFor(last, { timeoutMs: 10_000 });
    const status = await host.status();
    await host.stop();
    await storage.shutdown();
    expect(existsSync(join(dataDir, logFileName))).toBe(true);
    expect(existsSync(join(dataDir, databaseDirName))).toBe(false);

    const peer = await startChildPeer(dataDir, ['--quiet']);
    running.add(peer);
    expect(peer.output()).toMatch(
      /Migrated the data directory to LevelDB \(ledger\.ldb\): \d+ blocks/,
    );
    expect(existsSync(join(dataDir, keptNames[logFileName]!))).toBe(true);
    expect((await call(peer.url, 'GET', '/v1/identity')).body.did).toBe(did);
    const after = (await call(peer.url, 'GET', '/v1/status')).body;
    expect(after).toMatchObject({
      chainId: before.chainId,
      height: status.height,
      headHash: status.headHash,
    });
    expect(after.integrity).toMatchObject({ ok: true, problems: [] });
    expect((await call(peer.url, 'GET', `/v1/state/${encodeURIComponent('k/7')}`)).body.value).toBe(
      7,
    );
    const history = (await call(peer.url, 'GET', `/v1/state/${encodeURIComponent('k/0')}/history`))
      .body;
    expect(JSON.stringify(history)).toContain('again');
    expect((await call(peer.url, 'GET', `/v1/tx/${last}`)).body.status).toBe('committed');
    // It goes on writing, and a restart does not migrate again.
    const put = await call(peer.url, 'POST', '/v1/tx', {
      type: 'data.put',
      body: { key: 'new', value: 1 },
    });
    expect(
      (await call(peer.url, 'GET', `/v1/tx/${put.body.txId}?timeoutMs=10000`)).body.status,
    ).toBe('committed');
    peer.child.kill('SIGTERM');
    expect(await peer.exited).toBe(0);
    const again = await startChildPeer(dataDir, ['--quiet']);
    running.add(again);
    expect(again.output()).not.toMatch(/Migrated/);
    expect((await call(again.url, 'GET', '/v1/state/new')).body.value).toBe(1);
    again.child.kill('SIGTERM');
    expect(await again.exited).toBe(0);
  });
});
