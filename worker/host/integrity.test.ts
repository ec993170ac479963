// Issue 14, section 3: store damage fails the tamper check, old versions are proved against the
// block that wrote them, and a damaged disk store is repaired from a healthy peer.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
// startTestHost is typed for MemoryStorage; the disk store is passed through a cast.
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PeerHost } from './peer-host';
import { startTestHost, until } from './testing';
import { MemoryStorage } from '../store/memory';
import { DiskStorage, logFileName } from '../store/disk';
import {
  frameRecord,
  logHeaderBytes,
  recordHeadBytes,
  recordTrailerBytes,
} from '../store/disk-log';
import { MemoryNetwork } from './memory-net';
import { nobleVerifier } from './crypto';
import { encode, decode } from '../core/codec';
import { dataEntryWrittenBy } from './integrity';
import { executeBlock, genesisState } from '../core/ledger';
import { signTx } from '../core/tx';
import { testIdentity } from '../core/testing';

const root = mkdtempSync(join(tmpdir(), 'bot-integrity-'));
const hosts: PeerHost[] = [];
const stores: DiskStorage[] = [];
afterEach(async () => {
  for (const h of hosts.splice(0)) await h.stop();
  for (const s of stores.splice(0)) await s.shutdown();
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function put(host: PeerHost, key: string, value: unknown): Promise<number> {
  const { txId } = await host.submit({ type: 'data.put', body: { key, value } });
  const result = await host.waitFor(txId, { timeoutMs: 10_000 });
  expect(result.status).toBe('committed');
  return result.height!;
}

/** Split a format-2 log into its records: [offset, payload]. */
function records(file: Buffer): Array<{ offset: number; payload: Buffer }> {
  const out = [];
  for (let at = logHeaderBytes; at < file.length; ) {
    const length = file.readUInt32BE(at + 4);
    out.push({
      offset: at,
      payload: Buffer.from(file.subarray(at + recordHeadBytes, at + recordHeadBytes + length)),
    });
    at += recordHeadBytes + length + recordTrailerBytes;
  }
  return out;
}

describe('history: every version is proved against the block that wrote it', () => {
  it('the entry a block leaves under a key is what the ledger wrote (last write of the block wins)', () => {
    const me = testIdentity('writer');
    const { state } = genesisState({
      name: 't',
      mode: 'public',
      consensus: { engine: 'solo' },
      validators: [{ did: me.did, power: 1 }],
      time: 1,
      salt: '00',
    });
    const txs = [1, 2].map((nonce) =>
      signTx(
        {
          chain: state.chainId,
          type: 'data.put',
          from: me.did,
          nonce,
          time: 1,
          body: { key: 'k', value: { n: nonce } },
        },
        me.seed,
      ),
    );
    const executed = executeBlock(state, txs, { time: 2, proposer: me.did, round: 0 }, true);
    expect(dataEntryWrittenBy(executed.block, 'data/k')).toEqual(executed.writes.get('data/k'));
    expect(dataEntryWrittenBy(executed.block, 'data/other')).toBeNull();
  });

  it('a patched old version (memory store) is refused with TAMPERED instead of served', async () => {
    const storage = new MemoryStorage();
    const { host } = await startTestHost(storage);
    hosts.push(host);
    const first = await put(host, 'k', 'original');
    await put(host, 'k', 'second');
    expect((await host.history('k')).map((v) => v.value)).toEqual(['original', 'second']);
    const chainId = (await host.status()).chainId;
    const versions = (
      storage as unknown as {
        chains: Map<string, { history: Map<string, Array<{ height: number; entry: Uint8Array }>> }>;
      }
    ).chains
      .get(chainId)!
      .history.get('data/k')!;
    const old = decode<Record<string, unknown>>(versions[0]!.entry, 1 << 16);
    versions[0] = { height: first, entry: encode({ ...old, v: 'forged' }) };
    await expect(host.history('k')).rejects.toMatchObject({
      code: 'TAMPERED',
      message: expect.stringContaining(`height ${first}`),
    });
    expect((await host.get('k'))?.value).toBe('second'); // the current value is still proved by the state root
  });

  it('a patched old version on disk, with its record checksum recomputed, is refused with TAMPERED', async () => {
    const directory = join(root, 'history');
    let storage = await DiskStorage.open(directory);
    let { host } = await startTestHost(storage as unknown as MemoryStorage, {
      storageKind: 'disk',
    });
    const first = await put(host, 'k', 'aaaa-original');
    await put(host, 'k', 'second');
    await host.stop();
    await storage.shutdown();
    const path = join(directory, logFileName);
    const file = readFileSync(path);
    const entry = Buffer.from(encode('aaaa-original'));
    const target = records(file).find(
      (r) => r.payload.includes(entry) && r.payload.lastIndexOf(entry) !== r.payload.indexOf(entry),
    )!; // block bytes and the state entry
    const payload = Buffer.from(target.payload);
    Buffer.from(encode('bbbb-original')).copy(payload, payload.lastIndexOf(entry)); // the state entry comes after the block
    const patched = Buffer.concat([
      file.subarray(0, target.offset),
      frameRecord(payload),
      file.subarray(target.offset + recordHeadBytes + payload.length + recordTrailerBytes),
    ]);
    expect(patched.length).toBe(file.length);
    writeFileSync(path, patched);
    storage = await DiskStorage.open(directory);
    stores.push(storage);
    expect(storage.report.problems).toEqual([]); // the record itself checks
    ({ host } = await startTestHost(storage as unknown as MemoryStorage, { storageKind: 'disk' }));
    hosts.push(host);
    expect((await host.integrity()).ok).toBe(true); // the head state is untouched
    await expect(host.history('k')).rejects.toMatchObject({
      code: 'TAMPERED',
      message: expect.stringContaining(`height ${first}`),
    });
  });
});

describe('a damaged disk store', () => {
  it("fails the tamper check and refuses writes; repair sets it aside and re-syncs to the healthy peer's head", async () => {
    const network = new MemoryNetwork();
    const healthy = await startTestHost(new MemoryStorage(), {
      verifier: nobleVerifier,
      net: network.connect(),
    });
    hosts.push(healthy.host);
    const { chainId, invite } = await healthy.host.createChain({
      name: 'repairable',
      mode: 'public',
      consensus: 'poa',
    });
    const directory = join(root, 'repair');
    let storage = await DiskStorage.open(directory);
    let damaged = await startTestHost(storage as unknown as MemoryStorage, {
      verifier: nobleVerifier,
      net: network.connect(),
      storageKind: 'disk',
    });
    await damaged.host.join(invite);
    for (let i = 0; i < 6; i++) await put(healthy.host, `k${i}`, i);
    const target = await healthy.host.status();
    await until(async () => (await damaged.host.status()).headHash === target.headHash);
    await damaged.host.stop();
    await storage.shutdown();

    // One flipped bit in the last record: before, a torn tail silently cut off.
    const path = join(directory, logFileName);
    const file = readFileSync(path);
    const last = records(file).at(-1)!;
    file[last.offset + recordHeadBytes + 20]! ^= 0x08;
    writeFileSync(path, file);

    storage = await DiskStorage.open(directory);
    stores.push(storage);
    damaged = await startTestHost(storage as unknown as MemoryStorage, {
      verifier: nobleVerifier,
      net: network.connect(),
      storageKind: 'disk',
    });
    hosts.push(damaged.host);
    const report = await damaged.host.integrity();
    expect(report.ok).toBe(false);
    expect(
      report.problems.some((p) => /^Storage: ledger\.log is damaged at offset \d+/.test(p.message)),
    ).toBe(true);
    await expect(
      damaged.host.submit({ type: 'data.put', body: { key: 'x', value: 1 } }),
    ).rejects.toMatchObject({ code: 'TAMPERED' });

    const { movedTo } = await damaged.host.repair();
    expect(readFileSync(movedTo).equals(file)).toBe(true); // kept, byte for byte
    expect(readdirSync(directory).filter((n) => n.startsWith('ledger.damaged-'))).toHaveLength(1);
    await until(
      async () => (await damaged.host.status()).headHash === (await healthy.host.status()).headHash,
    );
    const after = await damaged.host.status();
    expect(after).toMatchObject({ chainId, integrity: { ok: true, repaired: { movedTo } } });
    expect((await damaged.host.get('k5'))?.value).toBe(5);
    await expect(damaged.host.repair()).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  }, 60_000);
});
