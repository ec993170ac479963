// Values under a read role are sealed on the chain (issue 15: "who may read which key prefixes
// ... enforced by block validity"), between real hosts on the in-process network: a private
// chain whose administrator A gives B the role read:lab/. A writes under lab/ by a plain
// submit; its peer seals the value for B. B's peer opens it (get, history); C, a member without
// the role, and A itself get it marked sealed; no stored block anywhere holds the plaintext; a
// plaintext put signed elsewhere is refused. After the role moves to C, new values are sealed
// for C only, and B still reads the value it already held.
import { afterEach, describe, expect, it } from 'vitest';
import type { PeerHost } from './peer-host';
import { committed, committedAt, startNetPeer, until } from './testing';
import { MemoryNetwork } from './memory-net';
import { MemoryStorage } from '../store/memory';
import { encodeTx, signTx } from '../core/tx';
import { utf8 } from '../core/bytes';
import { testIdentity } from '../core/testing';

const hosts: PeerHost[] = [];
afterEach(() => {
  for (const h of hosts.splice(0)) h.stop();
});

const marker = 'plaintext-marker-7f3a';

/** Whether `bytes` hold `needle` anywhere. */
function holds(bytes: Uint8Array, needle: Uint8Array): boolean {
  outer: for (let i = 0; i + needle.length <= bytes.length; i++) {
    for (let j = 0; j < needle.length; j++) if (bytes[i + j] !== needle[j]) continue outer;
    return true;
  }
  return false;
}

/** Writes under `key` once the chain knows a holder's key (its peer publishes it by itself). */
async function putSealed(host: PeerHost, key: string, value: unknown) {
  let result: { height: number } | null = null;
  await until(async () => {
    try {
      result = await committedAt(host, host.submit({ type: 'data.put', body: { key, value } }));
      return true;
    } catch (error) {
      // until the holder's X25519 key is on chain, the writer's peer refuses to seal for nobody
      if ((error as { message: string }).message.includes('published an X25519 key')) return false;
      throw error;
    }
  }, 20_000);
  return result!.height;
}

describe('values sealed under a read role, between real hosts', () => {
  it('the holder reads, a member without the role sees it sealed, no block holds the plaintext', async () => {
    const network = new MemoryNetwork();
    const stores = [new MemoryStorage(), new MemoryStorage(), new MemoryStorage()];
    const [a, b, c] = await Promise.all(
      stores.map((storage) => startNetPeer(network, hosts, { storage })),
    );
    const { chainId } = await a!.host.createChain({
      name: 'lab',
      mode: 'private',
      consensus: 'poa',
      validators: [a!.did],
      timeoutMs: 200,
      admin: a!.did,
    });
    for (const p of [b!, c!]) {
      await p.host.join(await a!.host.invite());
      await until(async () => (await p.host.status()).admission === 'admitted', 20_000);
    }
    await committed(a!.host, a!.host.setRole('read:lab/', [b!.did]));

    const value = { note: marker, n: 7 };
    const height = await putSealed(a!.host, 'lab/x', value);
    await until(async () => (await b!.host.get('lab/x')) !== null, 20_000);
    // B, the holder, reads the value; its peer opened it.
    const atB = await b!.host.get('lab/x');
    expect(atB).toMatchObject({ value, height, sealed: { opened: true, readers: [b!.did] } });
    expect((await b!.host.history('lab/x')).map((v) => v.value)).toEqual([value]);
    // C holds no role, A wrote it but holds none either: both see it sealed, not garbage.
    await until(async () => (await c!.host.get('lab/x')) !== null, 20_000);
    for (const other of [a!, c!]) {
      const seen = await other.host.get('lab/x');
      expect(seen).toMatchObject({
        value: null,
        deleted: false,
        sealed: { role: 'read:lab/', readers: [b!.did], opened: false },
      });
      expect(seen?.sealed?.reason).toContain('read:lab/');
      expect((await other.host.history('lab/x'))[0]).toMatchObject({ value: null });
    }
    // The block carries the sealed value only; no peer's stored block or state holds the text.
    const view = await c!.host.block(height);
    const body = view!.txs.find((t) => t.type === 'data.put')!.body as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(['key', 'sealed']);
    for (const storage of stores) {
      const raw = await storage.getBlock(chainId, height);
      expect(raw).toBeDefined();
      expect(holds(raw!, utf8(marker))).toBe(false);
      const entry = await storage.getState(chainId, 'data/lab/x');
      expect(holds(entry!, utf8(marker))).toBe(false);
    }

    // A plaintext value under the role, signed elsewhere by a member, is refused at once: the
    // mempool judges it by the block rules.
    const stranger = testIdentity('sealed stranger');
    await committed(a!.host, a!.host.setMember(stranger.did, true));
    await until(async () => (await c!.host.governance()).members.includes(stranger.did), 20_000);
    const plain = signTx(
      {
        chain: chainId,
        type: 'data.put',
        from: stranger.did,
        nonce: 1,
        time: Date.now(),
        body: { key: 'lab/y', value: marker },
      },
      stranger.seed,
    );
    await expect(c!.host.submitRaw(encodeTx(plain))).rejects.toMatchObject({
      code: 'UNAUTHORIZED',
      message: expect.stringContaining('must be sealed'),
    });
    const own = { key: 'lab/y', value: 'from c' };
    // C, a member without the role, may still write under it: sealed for B.
    const fromC = await putSealed(c!.host, own.key, own.value);
    await until(async () => (await b!.host.status()).height >= fromC, 20_000);
    expect((await b!.host.get('lab/y'))?.value).toBe('from c');
    expect((await c!.host.get('lab/y'))?.value).toBeNull();

    // The role moves to C: new values are sealed for C only; B keeps what it already held.
    await committed(a!.host, a!.host.setRole('read:lab/', [c!.did]));
    const next = await putSealed(a!.host, 'lab/x', 'second');
    await until(async () => (await c!.host.status()).height >= next, 20_000);
    await until(async () => (await b!.host.status()).height >= next, 20_000);
    expect(await c!.host.get('lab/x')).toMatchObject({
      value: 'second',
      sealed: { opened: true, readers: [c!.did] },
    });
    expect(await b!.host.get('lab/x')).toMatchObject({ value: null, sealed: { opened: false } });
    expect((await b!.host.history('lab/x')).map((v) => v.value)).toEqual([value, null]);
    // C, granted later, cannot open the value sealed before it held the role.
    const early = (await c!.host.history('lab/x'))[0]!;
    expect(early).toMatchObject({ value: null, sealed: { opened: false } });
    expect(early.sealed?.reason).toContain('before this peer held the role');
  }, 90_000);
});
