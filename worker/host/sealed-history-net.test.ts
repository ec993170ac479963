// A holder granted a read role later reads the key's history, not only its current value
// (issue 15; data.share of earlier versions), and the writer's peer shares first (it wrote the
// value). Real hosts on the in-process network: W (administrator, the only validator) and O both
// hold read:lab/; O's did sorts before W's, so in did order O would share first. W writes lab/h
// three times, sealed for both. Then R is granted the role: R's history of lab/h opens all three
// versions, and every data.share on the chain is W's.
import { afterEach, describe, expect, it } from 'vitest';
import type { PeerHost } from './peer-host';
import { committed, committedAt, putSealed, startNetPeer, until } from './testing';
import { MemoryNetwork } from './memory-net';
import { testIdentity } from '../core/testing';

const hosts: PeerHost[] = [];
afterEach(() => {
  for (const h of hosts.splice(0)) h.stop();
});

describe('a holder granted later reads the history; the writer shares first', () => {
  it('opens every kept earlier version, shared by the writer', async () => {
    const network = new MemoryNetwork();
    const [first, second] = [testIdentity('history one'), testIdentity('history two')].sort(
      (x, y) => (x.did < y.did ? -1 : 1),
    );
    // the writer is the one whose did sorts last: did order alone would not pick it first
    const [o, w, r] = [
      await startNetPeer(network, hosts, { identitySeed: first!.seed }),
      await startNetPeer(network, hosts, { identitySeed: second!.seed }),
      await startNetPeer(network, hosts),
    ];
    expect(o!.did < w!.did).toBe(true);
    await w!.host.createChain({
      name: 'lab',
      mode: 'private',
      consensus: 'poa',
      validators: [w!.did],
      timeoutMs: 200,
      admin: w!.did,
    });
    for (const p of [o!, r!]) {
      await p.host.join(await w!.host.invite());
      await until(async () => (await p.host.status()).admission === 'admitted', 20_000);
    }
    await committed(w!.host, w!.host.setRole('read:lab/', [w!.did, o!.did]));
    // both holders' keys on chain before the writes (W's own is sent in the background; a write
    // signed while it waits would race it for a nonce), so every version is sealed for both
    await until(async () => {
      const from = new Set<string>();
      for (let h = 1; h <= (await w!.host.status()).height; h++)
        for (const tx of (await w!.host.block(h))?.txs ?? [])
          if (tx.type === 'identity.x25519') from.add(tx.from);
      return from.has(w!.did) && from.has(o!.did);
    }, 20_000);
    await putSealed(w!.host, 'lab/h', 'v1');
    await until(async () => (await o!.host.get('lab/h'))?.sealed?.opened === true, 20_000);
    await putSealed(w!.host, 'lab/h', 'v2');
    const last = await putSealed(w!.host, 'lab/h', 'v3');
    await until(async () => (await r!.host.status()).height >= last, 20_000);
    expect((await r!.host.history('lab/h')).map((v) => v.value)).toEqual([null, null, null]);
    expect((await o!.host.history('lab/h')).map((v) => v.value).sort()).toEqual(['v1', 'v2', 'v3']);

    // R is granted the role: the current value and both earlier versions are shared with it.
    await committed(w!.host, w!.host.setRole('read:lab/', [w!.did, o!.did, r!.did]));
    await until(async () => {
      const versions = await r!.host.history('lab/h');
      return versions.every((v) => v.sealed?.opened === true);
    }, 30_000);
    const history = await r!.host.history('lab/h');
    expect(history.map((v) => v.value).sort()).toEqual(['v1', 'v2', 'v3']);
    expect((await r!.host.get('lab/h'))?.value).toBe('v3');

    // Every share came from the writer's peer (O, first in did order, waited and found none due).
    const height = (await w!.host.status()).height;
    const sharers: string[] = [];
    for (let h = 1; h <= height; h++)
      for (const tx of (await w!.host.block(h))?.txs ?? [])
        if (tx.type === 'data.share') sharers.push(tx.from);
    expect(sharers.length).toBeGreaterThan(0);
    expect(new Set(sharers)).toEqual(new Set([w!.did]));
  }, 120_000);
});
