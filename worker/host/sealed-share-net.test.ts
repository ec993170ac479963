// A holder granted a read role later reads the values written before the grant (issue 15,
// data.share), between real hosts on the in-process network: A (administrator, the only
// validator) gives B read:lab/ and writes lab/x and lab/y, sealed for B. A then grants C the
// role: C's peer publishes its X25519 key by itself, B's peer (a holder that can open the
// values) shares them with C by itself, and C reads them; the values' boxes are the same
// bytes. After B is removed from the role, a value written then is not readable by B; and a
// share signed by a member that cannot open the value is refused by every peer.
import { afterEach, describe, expect, it } from 'vitest';
import type { PeerHost } from './peer-host';
import { committed, committedAt, putSealed, startNetPeer, until } from './testing';
import { MemoryNetwork } from './memory-net';
import { MemoryStorage } from '../store/memory';
import { encodeTx, signTx } from '../core/tx';
import { testIdentity } from '../core/testing';
import { bindingFromSeed, wrappedKeyBytes } from '../core/modules/datasets/keys';
import { decodeDataEntry } from '../core/modules/data';

const hosts: PeerHost[] = [];
afterEach(() => {
  for (const h of hosts.splice(0)) h.stop();
});

describe('sealed values shared with holders granted the role later, between real hosts', () => {
  it('a new holder reads the earlier values; a removed one does not read a new one; a forged share is refused', async () => {
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
    await putSealed(a!.host, 'lab/x', { n: 1 });
    const last = await putSealed(a!.host, 'lab/y', 'second');
    const boxBefore = decodeDataEntry((await stores[0]!.getState(chainId, 'data/lab/x'))!).sealed!
      .box;
    await until(async () => (await c!.host.status()).height >= last, 20_000);
    expect(await c!.host.get('lab/x')).toMatchObject({ value: null, sealed: { opened: false } });

    // C is granted the role: its peer publishes its key, B's peer shares both values with it.
    await committed(a!.host, a!.host.setRole('read:lab/', [b!.did, c!.did]));
    await until(async () => (await c!.host.get('lab/y'))?.value === 'second', 30_000);
    await until(async () => (await c!.host.get('lab/x'))?.sealed?.opened === true, 30_000);
    expect(await c!.host.get('lab/x')).toMatchObject({
      value: { n: 1 },
      sealed: { role: 'read:lab/', readers: [b!.did, c!.did], opened: true },
    });
    expect((await c!.host.get('lab/x'))?.sealed?.waiting).toBeUndefined();
    // The value itself was not written again: same box on every peer, same version.
    for (const storage of stores) {
      const entry = decodeDataEntry((await storage.getState(chainId, 'data/lab/x'))!);
      expect(entry.sealed!.box).toEqual(boxBefore);
    }
    // B still reads them; A (no role) still does not.
    expect((await b!.host.get('lab/x'))?.value).toEqual({ n: 1 });
    expect((await a!.host.get('lab/x'))?.value).toBeNull();
    // Shared once: nothing is left for B to share.
    expect(await b!.host.shareSealed()).toMatchObject({ shared: 0, waiting: 0 });

    // B removed: a value written now is sealed for C only; B does not read it.
    await committed(a!.host, a!.host.setRole('read:lab/', [c!.did]));
    const after = await putSealed(a!.host, 'lab/z', 'after B left');
    await until(async () => (await b!.host.status()).height >= after, 20_000);
    expect(await b!.host.get('lab/z')).toMatchObject({ value: null, sealed: { opened: false } });
    expect((await c!.host.get('lab/z'))?.value).toBe('after B left');

    // A member that holds the role but no wrap of lab/z (it cannot open it) cannot share it:
    // refused by the mempool's block rules, whatever wrap it carries.
    const stranger = testIdentity('share stranger');
    await committed(a!.host, a!.host.setMember(stranger.did, true));
    await committed(a!.host, a!.host.setRole('read:lab/', [c!.did, stranger.did]));
    const binding = bindingFromSeed(stranger.seed, stranger.did);
    const publish = signTx(
      {
        chain: chainId,
        type: 'identity.x25519',
        from: stranger.did,
        nonce: 1,
        time: Date.now(),
        body: { key: binding.x25519, signature: binding.signature },
      },
      stranger.seed,
    );
    await committed(a!.host, a!.host.submitRaw(encodeTx(publish)));
    const version = (await c!.host.get('lab/z'))!.txId;
    const forged = signTx(
      {
        chain: chainId,
        type: 'data.share',
        from: stranger.did,
        nonce: 2,
        time: Date.now(),
        body: {
          shares: [
            {
              key: 'lab/z',
              tx: version,
              keys: [
                {
                  reader: stranger.did,
                  ephemeral: new Uint8Array(32).fill(1),
                  sealed: new Uint8Array(wrappedKeyBytes).fill(2),
                },
              ],
            },
          ],
        },
      },
      stranger.seed,
    );
    await until(
      async () =>
        (await c!.host.governance()).roles?.find((r) => r.role === 'read:lab/')?.dids.length === 2,
      20_000,
    );
    await expect(c!.host.submitRaw(encodeTx(forged))).rejects.toMatchObject({
      code: 'UNAUTHORIZED',
      message: expect.stringContaining('holds no wrap'),
    });
  }, 120_000);
});
