// A light peer opens the sealed values its identity holds a wrap of (issue 15): the wrap travels
// with the value's proof (in the value's entry) or in its own proven entry when a holder's peer
// shared the value later (sealwrap/<did>/<key>). A full peer F founds a consortium chain and
// holds read:lab/; it writes lab/old, sealed for F only; L, a light peer, is granted the role
// and its light peer publishes its X25519 key by itself (once); F's peer shares lab/old with L by itself; L reads lab/old and
// lab/new (written after the grant) in plaintext, checked against headers it verified. Before
// the grant and after its removal, full peers prove it no key under the role (UNAUTHORIZED).
import { afterEach, describe, expect, it } from 'vitest';
import type { MultiHost } from './multi-host';
import { MemoryStorage } from '../store/memory';
import { nobleVerifier } from './crypto';
import { MemoryNetwork } from './memory-net';
import { startNetPeer, startTestMultiHost, until } from './testing';
import type { PeerHost } from './peer-host';
import { testIdentity } from '../core/testing';
import { bindingFromSeed } from '../core/modules/datasets/keys';
import { checkProof } from '../core/proof';

const hosts: PeerHost[] = [];
const multis: MultiHost[] = [];
afterEach(async () => {
  for (const m of multis.splice(0)) await m.stop();
  for (const h of hosts.splice(0)) await h.stop();
});

describe('a light peer reads sealed values', () => {
  it('opens a value sealed for it and one shared with it later', async () => {
    const network = new MemoryNetwork();
    const full = await startNetPeer(network, hosts);
    const { invite } = await full.host.createChain({
      name: 'lab',
      mode: 'consortium',
      consensus: 'poa',
    } as never);
    const light = testIdentity('sealed light peer');
    const stores = new Map<string, MemoryStorage>();
    const multi = await startTestMultiHost(
      { storage: new MemoryStorage(), verifier: nobleVerifier, identitySeed: light.seed },
      {
        async openChain(chainId) {
          let storage = stores.get(chainId);
          if (!storage) stores.set(chainId, (storage = new MemoryStorage()));
          return { storage, net: network.connect() };
        },
      },
    );
    multis.push(multi);
    await multi.join(invite, { light: true });
    expect((await multi.identity()).did).toBe(light.did);

    const done = async (p: Promise<{ txId: string }>) => {
      const result = await full.host.waitFor((await p).txId);
      expect(result.status).toBe('committed');
      return result.height!;
    };
    await done(full.host.setRole('read:lab/', [full.did]));
    let height = 0;
    await until(async () => {
      try {
        height = await done(
          full.host.submit({ type: 'data.put', body: { key: 'lab/old', value: 'before' } }),
        );
        return true;
      } catch (error) {
        if ((error as Error).message.includes('published an X25519 key')) return false;
        throw error;
      }
    }, 20_000);
    await until(async () => (await multi.status()).height >= height, 20_000);
    // Not a holder yet: full peers prove keys under the role to its holders only.
    await expect(multi.get('lab/old')).rejects.toMatchObject({ code: 'UNAUTHORIZED' });

    // L is granted the role; its light peer proves it holds it and publishes its X25519 key by
    // itself (identity.x25519 signed there, handed to F like any light transaction).
    await done(full.host.setRole('read:lab/', [full.did, light.did]));
    const keyTxs = async () => {
      const txs = [];
      for (let h = 1; h <= (await full.host.status()).height; h++)
        for (const tx of (await full.host.block(h))?.txs ?? [])
          if (tx.type === 'identity.x25519' && tx.from === light.did) txs.push(tx);
      return txs;
    };
    await until(async () => (await keyTxs()).length > 0, 30_000);
    const binding = bindingFromSeed(light.seed, light.did);
    expect((await keyTxs())[0]!.body).toMatchObject({ key: binding.x25519 });
    // F's peer shares lab/old with L by itself; L opens it with the shared wrap, proven.
    await until(async () => (await multi.get('lab/old'))?.sealed?.opened === true, 30_000);
    const old = await multi.get('lab/old');
    expect(old).toMatchObject({
      value: 'before',
      sealed: { opened: true, readers: [full.did, light.did] },
    });
    expect(checkProof(old!.proof).ok).toBe(true);
    // A value written now is sealed for both; L opens it from the wrap in the value itself.
    const at = await done(
      full.host.submit({ type: 'data.put', body: { key: 'lab/new', value: { n: 2 } } }),
    );
    await until(async () => (await multi.status()).height >= at, 20_000);
    expect(await multi.get('lab/new')).toMatchObject({ value: { n: 2 }, sealed: { opened: true } });

    // L removed: a value written after is sealed for F only, and not proven to L.
    await done(full.host.setRole('read:lab/', [full.did]));
    const after = await done(
      full.host.submit({ type: 'data.put', body: { key: 'lab/x', value: 3 } }),
    );
    await until(async () => (await multi.status()).height >= after, 20_000);
    await expect(multi.get('lab/x')).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    // Published once: the light peer proved its key on chain and sent no other.
    expect(await keyTxs()).toHaveLength(1);
  }, 90_000);
});
