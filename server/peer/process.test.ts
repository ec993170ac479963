// The headless peer as its own process (`node --import tsx server/peer/main.ts`): a clean stop
// and restart keeps everything; kill -9 in the middle of a write burst loses no committed
// transaction and leaves no half-written block.
import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { call, put, startChildPeer, waitCommitted, type ChildPeer } from './testing';
import { checkProof } from '../../worker/core/proof';

const root = mkdtempSync(join(tmpdir(), 'bot-peer-process-'));
const running = new Set<ChildPeer>();
afterAll(() => {
  for (const peer of running) peer.child.kill('SIGKILL');
  rmSync(root, { recursive: true, force: true });
});

async function start(dataDir: string): Promise<ChildPeer> {
  const peer = await startChildPeer(dataDir, ['--quiet']);
  running.add(peer);
  void peer.exited.then(() => running.delete(peer));
  return peer;
}

/** Every stored block links to the one before it, and the peer's own tamper check passed. */
async function expectWholeChain(base: string): Promise<number> {
  const status = (await call(base, 'GET', '/v1/status')).body;
  expect(status.integrity).toMatchObject({ ok: true, stateVerified: true, problems: [] });
  expect(status.integrity.verifiedHeight).toBe(status.height);
  let prev: string | null = null;
  for (let height = 0; height <= status.height; height++) {
    const block = await call(base, 'GET', `/v1/blocks/${height}`);
    expect(block.status, `block ${height}`).toBe(200);
    if (prev) expect(block.body.header.prev).toBe(prev);
    prev = block.body.hash;
  }
  expect(prev).toBe(status.headHash);
  return status.height;
}

// Each test starts the peer as a process two to four times (a cold `tsx` load of the whole peer
// each) and waits for bursts to commit: 7-15 s alone, over the project's 60 s in a fresh-clone CI
// whose vitest ran beside the network specs on a box at load 15-27. A bound on a hung test, not
// a timed assertion.
describe('headless peer process', { timeout: 180_000 }, () => {
  it('stops on SIGTERM and restarts on the same data dir with its identity, chain and values', async () => {
    const dataDir = join(root, 'restart');
    const first = await start(dataDir);
    const did = (await call(first.url, 'GET', '/v1/identity')).body.did;
    const ids: string[] = [];
    for (let i = 0; i < 30; i++) ids.push(await put(first.url, `sensor/${i}`, { reading: i }));
    for (const id of ids) await waitCommitted(first.url, id);
    // Bad input on the way does not take the process down.
    expect((await call(first.url, 'POST', '/v1/tx', '{oops')).status).toBe(400);
    expect((await call(first.url, 'GET', '/v1/blocks/nope')).status).toBe(400);
    const before = (await call(first.url, 'GET', '/v1/status')).body;
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);

    const second = await start(dataDir);
    expect((await call(second.url, 'GET', '/v1/identity')).body.did).toBe(did);
    const after = (await call(second.url, 'GET', '/v1/status')).body;
    expect(after).toMatchObject({
      chainId: before.chainId,
      height: before.height,
      headHash: before.headHash,
      integrity: { ok: true },
    });
    for (const id of ids)
      expect((await call(second.url, 'GET', `/v1/tx/${id}`)).body.status).toBe('committed');
    const got = (await call(second.url, 'GET', `/v1/state/${encodeURIComponent('sensor/29')}`))
      .body;
    expect(checkProof(got.proof)).toMatchObject({ ok: true, value: { reading: 29 } });
    await expectWholeChain(second.url);
    // It keeps committing after the restart (nonces continue from the stored chain).
    await waitCommitted(second.url, await put(second.url, 'after/restart', true));
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  });

  it('kill -9 during a write burst: after restart every committed tx is there and the chain verifies', async () => {
    const dataDir = join(root, 'crash');
    const confirmed = new Set<string>();
    for (let round = 0; round < 3; round++) {
      const peer = await start(dataDir);
      await expectWholeChain(peer.url);
      for (const id of confirmed)
        expect(
          (await call(peer.url, 'GET', `/v1/tx/${id}`)).body.status,
          `tx ${id} after crash ${round}`,
        ).toBe('committed');
      let stop = false;
      const writer = async (lane: number) => {
        for (let i = 0; !stop; i++) {
          try {
            const id = await put(peer.url, `burst/${round}/${lane}/${i}`, {
              lane,
              i,
              pad: 'x'.repeat(200),
            });
            if (
              (await call(peer.url, 'GET', `/v1/tx/${id}?timeoutMs=5000`)).body.status ===
              'committed'
            )
              confirmed.add(id);
          } catch {
            return; // the process is gone
          }
        }
      };
      const lanes = Array.from({ length: 8 }, (_, lane) => writer(lane));
      const startedAt = confirmed.size;
      const deadline = Date.now() + 20_000;
      while (confirmed.size < startedAt + 60) {
        if (Date.now() > deadline)
          throw new Error(`no progress in the burst:\n${peer.output().slice(-2000)}`);
        await new Promise((r) => setTimeout(r, 20));
      }
      peer.child.kill('SIGKILL');
      stop = true;
      expect(await peer.exited).toBe('SIGKILL');
      await Promise.all(lanes);
    }
    const last = await start(dataDir);
    await expectWholeChain(last.url);
    const missing = [];
    for (const id of confirmed)
      if ((await call(last.url, 'GET', `/v1/tx/${id}`)).body.status !== 'committed')
        missing.push(id);
    expect(missing).toEqual([]);
    await waitCommitted(last.url, await put(last.url, 'after/crash', true));
    last.child.kill('SIGTERM');
    expect(await last.exited).toBe(0);
  });

  it('a LOCK left by kill -9 does not block the next start; a second live peer on the same directory is refused', async () => {
    const dataDir = join(root, 'lock');
    const first = await start(dataDir);
    const refused = await startChildPeer(dataDir, ['--quiet']).then(
      (peer) => {
        running.add(peer);
        return null;
      },
      (error: Error) => error.message,
    );
    expect(refused).toMatch(/in use by process \d+/);
    first.child.kill('SIGKILL');
    expect(await first.exited).toBe('SIGKILL');
    expect(JSON.parse(readFileSync(join(dataDir, 'LOCK'), 'utf8')).pid).toBe(first.child.pid); // left behind
    const second = await start(dataDir); // at once
    expect((await call(second.url, 'GET', '/v1/status')).body.integrity.ok).toBe(true);
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
    expect(existsSync(join(dataDir, 'LOCK'))).toBe(false);
  });
});
