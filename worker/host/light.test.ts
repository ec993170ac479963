// A light peer (worker/host/light.ts) follows a 4-validator bft chain on an in-process network
// from one full peer: it verifies 200+ headers and certificates without replaying a block, its
// stored bytes stay under lightPeerStoredBytesMax while a full peer's grow with the chain, it
// reads a value with a Merkle proof against a header it verified, and it refuses a tampered
// value and a forged certificate with typed errors.
import { afterEach, describe, expect, it } from 'vitest';
import type { PeerHost } from './peer-host';
import { startNetPeer, until } from './testing';
import { MemoryNetwork } from './memory-net';
import {
  endpointLightSource,
  LightFollower,
  type LightRead,
  lightPeerStoredBytesMax,
  NetLightSource,
} from './light';
import { readRight } from './read-rights';
import { decodeInvite } from './chains';
import { trustGenesis, type HeaderUpdate } from '../core/lightclient';
import { testIdentity } from '../core/testing';
import { commitSigningBytes } from '../core/consensus/vote';
import { signSync } from '../core/crypto/ed25519';
import type { XchainEndpoint } from './xchain';
import type { LightProof } from './wire';

const hosts: PeerHost[] = [];
afterEach(async () => {
  for (const h of hosts.splice(0)) await h.stop();
});

/** Bytes of a full peer's stored blocks 1..height. */
async function fullBlockBytes(end: XchainEndpoint, height: number): Promise<number> {
  const chainId = end.durable().chainId;
  let bytes = 0;
  for (let h = 1; h <= height; h++) bytes += (await end.storage.getBlock(chainId, h))!.length;
  return bytes;
}

async function refusal(p: Promise<unknown> | (() => unknown)): Promise<{ code: string }> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (error) {
    return error as { code: string };
  }
  throw new Error('expected a refusal');
}

describe('a light peer', () => {
  it('follows once at a time when reads overlap, and a proof ahead of every header it can get is NOT_READY, not a crash', async () => {
    const network = new MemoryNetwork();
    const peer = await startNetPeer(network, hosts);
    await peer.host.createChain({ name: 'overlap', mode: 'private', consensus: 'solo' });
    for (let i = 0; i < 6; i++) {
      const { txId } = await peer.host.submit({
        type: 'data.put',
        body: { key: `seg/${i}`, value: { speed: 40 + i } },
      });
      expect((await peer.host.waitFor(txId, { timeoutMs: 20_000 })).status).toBe('committed');
    }
    const end = await peer.host.xchainEndpoint();
    const head = end.durable().height;
    // From genesis, three follows and three reads at once (a page's read at each block and a
    // poll overlap): each follow starts where the one before it ended.
    const light = new LightFollower(trustGenesis(end.durable().genesis), endpointLightSource(end));
    const reads = await Promise.all([
      light.follow(),
      light.get('seg/5'),
      light.follow(),
      light.get('seg/2'),
      light.follow(),
      light.get('seg/0'),
    ]);
    expect(reads.filter((r) => typeof r === 'number')).toEqual([head, head, head]);
    expect(reads.filter((r) => typeof r === 'object').map((r) => (r as LightRead).value)).toEqual([
      { speed: 45 },
      { speed: 42 },
      { speed: 40 },
    ]);
    // Headers from a peer that gives none past genesis, proofs from the full peer at its head.
    const behind = new LightFollower(trustGenesis(end.durable().genesis), {
      ...endpointLightSource(end),
      head: async () => 0,
      updates: async () => [],
    });
    const refused = await refusal(behind.get('seg/1'));
    expect(refused.code).toBe('NOT_READY');
    expect(String((refused as unknown as Error).message)).toContain('try again in a moment');
  });

  it('follows 200+ bft blocks in bounded storage and reads values with proofs', async () => {
    const network = new MemoryNetwork();
    const peers = await Promise.all([0, 1, 2, 3].map(() => startNetPeer(network, hosts)));
    const { invite } = await peers[0]!.host.createChain({
      name: 'roads',
      mode: 'consortium',
      consensus: 'bft',
      validators: peers.map((p) => p.did),
      timeoutMs: 300,
      emptyBlockIntervalMs: 1,
    });
    for (const p of peers.slice(1)) await p.host.join(invite);
    const full = peers[1]!.host;
    const end = await full.xchainEndpoint();
    const light = new LightFollower(trustGenesis(end.durable().genesis), endpointLightSource(end));

    const put = async (i: number) => {
      const { txId } = await peers[i % 4]!.host.submit({
        type: 'data.put',
        body: { key: `seg/${i % 8}`, value: { speed: 40 + i, at: i } },
      });
      expect((await peers[i % 4]!.host.waitFor(txId, { timeoutMs: 20_000 })).status).toBe(
        'committed',
      );
    };
    for (let i = 0; i < 8; i++) await put(i);
    await until(() => end.durable().height >= 100, 60_000);
    const early = await light.follow();
    expect(early).toBeGreaterThanOrEqual(100);
    const lightEarly = light.storedBytes();
    const fullEarly = await fullBlockBytes(end, early);

    for (let i = 8; i < 24; i++) await put(i);
    await until(() => end.durable().height >= 230, 60_000);
    const late = await light.follow();
    expect(late).toBeGreaterThanOrEqual(230);
    const lightLate = light.storedBytes();
    const fullLate = await fullBlockBytes(end, late);
    // bounded: the light store does not grow with the chain; the full peer's does
    expect(lightLate).toBeLessThanOrEqual(lightPeerStoredBytesMax);
    expect(lightLate).toBeLessThan(lightEarly * 1.1);
    expect(fullLate).toBeGreaterThan(fullEarly * 1.5);
    expect(light.state.recent.length).toBeLessThanOrEqual(64);

    // a proven read, checked against a header the light peer verified
    const read = await light.get('seg/7');
    expect(read).toMatchObject({ value: { speed: 63, at: 23 }, deleted: false });
    expect(await light.get('no/such/key')).toBeNull();

    // a tampered value is refused (TAMPERED)
    const liar = new LightFollower(light.state, {
      ...endpointLightSource(end),
      async prove(key) {
        const honest = (await endpointLightSource(end).prove(key)) as LightProof;
        const entry = honest.entry.slice();
        entry[entry.length - 1]! ^= 1;
        return { ...honest, entry };
      },
    });
    expect((await refusal(liar.get('seg/7'))).code).toBe('TAMPERED');

    // a forged certificate (signed by keys that are not the validators) is refused, state unchanged
    await until(() => end.durable().height > light.height + 1, 20_000);
    const source = endpointLightSource(end);
    const [next] = await source.updates(light.height + 1, 1);
    const forgers = [0, 1, 2, 3].map((i) => testIdentity(`forger ${i}`));
    const chainId = end.durable().chainId;
    const forged: HeaderUpdate = {
      ...next!,
      cert: {
        ...next!.cert,
        sigs: next!.cert.sigs.map((s, i) => ({
          validator: s.validator,
          sig: signSync(
            forgers[i % 4]!.seed,
            commitSigningBytes(chainId, next!.cert.height, next!.cert.round, next!.cert.block),
          ),
        })),
      },
    };
    const before = light.height;
    expect((await refusal(() => light.apply([forged]))).code).toBe('BAD_CERTIFICATE');
    expect(light.height).toBe(before);
    // the honest update is then taken
    light.apply([next!]);
    expect(light.height).toBe(before + 1);

    // over the network: a light peer meets the full peers in the chain's room, is admitted as a
    // member through the invite, follows every header from genesis by lightGet/lightData and
    // reads with proofs, holding no block
    const me = testIdentity('light phone');
    const net = network.connect();
    const wire = new NetLightSource(net, {
      did: me.did,
      sign: async (message) => signSync(me.seed, message),
      room: chainId,
    });
    await until(() => wire.linked.length === 4);
    const notYet = readRight(end.durable(), me.did);
    expect(notYet).toBe('headers');
    wire.askAdmission(decodeInvite(invite).token);
    await until(() => readRight(end.durable(), me.did) === 'full', 30_000);
    const phone = new LightFollower(trustGenesis(end.durable().genesis), wire);
    expect(await phone.follow()).toBeGreaterThan(late);
    expect(phone.storedBytes()).toBeLessThanOrEqual(lightPeerStoredBytesMax);
    expect(await phone.get('seg/7')).toMatchObject({ value: { speed: 63, at: 23 } });
    wire.stop();
  }, 120_000);
});
