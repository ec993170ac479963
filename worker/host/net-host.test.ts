// The host above the network layer: several PeerHosts on an in-process network form a bft
// chain from an invite, agree block by block, a late peer batch-syncs, and a rogue sender is
// dropped. (The WebRTC transport is tested on its own and end to end in Chromium.)
import { afterEach, describe, expect, it } from 'vitest';
import { decodeInvite, type PeerHost } from './peer-host';
import { startNetPeer, until } from './testing';
import { MemoryStorage } from '../store/memory';
import type { BlockCommit } from '../store/storage';
import { nobleVerifier, type Verifier } from './crypto';
import { MemoryNetwork, type MemoryNet } from './memory-net';
import type { PeerEvent } from '../api';
import { encodeWire } from './wire';
import { encode } from '../core/codec';
import { encodeTx, signTx, txIdOf } from '../core/tx';
import { equalBytes, utf8 } from '../core/bytes';
import { testIdentity } from '../core/testing';
import { signSync } from '../core/crypto/ed25519';
import { inviteSigningBytes } from '../core/modules/governance';

const hosts: PeerHost[] = [];
afterEach(() => {
  for (const h of hosts.splice(0)) h.stop();
});

/** Counts the block writes a peer makes (a write may hold several blocks). */
class CountingStorage extends MemoryStorage {
  writes = 0;
  blocks = 0;
  override async commitBlock(commit: BlockCommit): Promise<void> {
    this.writes++;
    this.blocks++;
    await super.commitBlock(commit);
  }
  override async commitBlocks(commits: readonly BlockCommit[]): Promise<void> {
    this.writes++;
    this.blocks += commits.length;
    for (const commit of commits) await super.commitBlock(commit);
  }
}

function startPeer(
  network: MemoryNetwork,
  verifier: Verifier = nobleVerifier,
  storage: MemoryStorage = new MemoryStorage(),
) {
  return startNetPeer(network, hosts, { verifier, storage });
}

async function hashesAt(host: PeerHost, height: number): Promise<string> {
  return (await host.block(height))!.hash;
}

describe('peers over a network', () => {
  it('four peers form a bft chain from an invite; transactions from all commit with identical blocks', async () => {
    const network = new MemoryNetwork();
    const peers = await Promise.all([0, 1, 2, 3].map(() => startPeer(network)));
    const { chainId, invite } = await peers[0]!.host.createChain({
      name: 'fleet',
      mode: 'consortium',
      consensus: 'bft',
      validators: peers.map((p) => p.did),
      timeoutMs: 300,
    });
    expect(invite).toMatch(/^http:\/\/localhost:8080\/#\/join\/[A-Za-z0-9_-]+$/);
    expect(decodeInvite(invite).genesis.validators).toHaveLength(4);
    for (const p of peers.slice(1)) expect((await p.host.join(invite)).chainId).toBe(chainId);
    await until(async () =>
      (await Promise.all(peers.map((p) => p.host.status()))).every((s) => s.peers === 3),
    );
    const txIds: Array<[PeerHost, string]> = [];
    for (let i = 0; i < 40; i++) {
      const p = peers[i % 4]!;
      txIds.push([
        p.host,
        (await p.host.submit({ type: 'data.put', body: { key: `k${i}`, value: i } })).txId,
      ]);
    }
    for (const [host, id] of txIds)
      expect((await host.waitFor(id, { timeoutMs: 20_000 })).status).toBe('committed');
    const top = Math.min(
      ...(await Promise.all(peers.map(async (p) => (await p.host.status()).height))),
    );
    expect(top).toBeGreaterThan(0);
    for (let h = 1; h <= top; h++) {
      const hashes = new Set(await Promise.all(peers.map((p) => hashesAt(p.host, h))));
      expect(hashes.size).toBe(1);
    }
    // Every peer reads every key, whoever wrote it.
    await until(async () =>
      (await Promise.all(peers.map((p) => p.host.get('k39')))).every((g) => g?.value === 39),
    );
    const status = await peers[2]!.host.status();
    expect(status).toMatchObject({
      chainId,
      consensus: 'bft',
      mode: 'consortium',
      role: 'validator',
      peers: 3,
    });
    expect((await peers[1]!.host.chains()).map((c) => c.active)).toEqual([false, true]);
  }, 60_000);

  it('a late peer batch-syncs every block with progress events, then follows', async () => {
    const network = new MemoryNetwork();
    const validator = await startPeer(network);
    const { invite } = await validator.host.createChain({
      name: 'busy',
      mode: 'private',
      consensus: 'poa',
      validators: [validator.did],
      timeoutMs: 200,
    });
    for (let i = 0; i < 300; i++) {
      const { txId } = await validator.host.submit({
        type: 'data.put',
        body: { key: `k${i}`, value: i },
      });
      if (i % 50 === 49) await validator.host.waitFor(txId, { timeoutMs: 20_000 });
    }
    const target = (await validator.host.status()).height;
    expect(target).toBeGreaterThan(20);
    const storage = new CountingStorage();
    const late = await startPeer(network, nobleVerifier, storage);
    await late.host.join(invite);
    await until(async () => (await late.host.status()).height >= target, 30_000);
    // Synced blocks are stored a batch at a time, not one write per block.
    expect(storage.blocks).toBeGreaterThanOrEqual(target);
    expect(storage.writes).toBeLessThan(target / 2);
    for (const h of [1, Math.floor(target / 2), target])
      expect(await hashesAt(late.host, h)).toBe(await hashesAt(validator.host, h));
    const sync = late.events.filter(
      (e): e is Extract<PeerEvent, { type: 'sync' }> => e.type === 'sync',
    );
    expect(sync[0]).toMatchObject({ syncing: true });
    expect(sync.at(-1)).toMatchObject({ syncing: false });
    expect((await late.host.status()).role).toBe('member');
    // A private chain admits by a vote: the validator (the inviter) voted the invite in.
    await until(async () => (await late.host.status()).admission === 'admitted', 30_000);
    // It follows new blocks too, and its writes reach the validator.
    const { txId } = await late.host.submit({
      type: 'data.put',
      body: { key: 'from-late', value: true },
    });
    expect((await validator.host.waitFor(txId, { timeoutMs: 20_000 })).status).toBe('committed');
    await until(async () => (await late.host.get('from-late'))?.value === true);
  }, 60_000);

  it('drops a neighbour that sends garbage, forged votes or invalid sync blocks, and keeps committing', async () => {
    const network = new MemoryNetwork();
    const peers = await Promise.all([0, 1, 2, 3].map(() => startPeer(network)));
    const { invite } = await peers[0]!.host.createChain({
      name: 'guarded',
      mode: 'consortium',
      consensus: 'bft',
      validators: peers.map((p) => p.did),
      timeoutMs: 300,
    });
    for (const p of peers.slice(1)) await p.host.join(invite);
    await until(async () => (await peers[0]!.host.status()).peers === 3);
    // A rogue speaking the wire protocol under peer 3's name on its own links.
    const rogue: MemoryNet = peers[3]!.net;
    const send = (to: number, bytes: Uint8Array) => rogue.send(peers[to]!.did, bytes);
    send(0, new Uint8Array([0xff, 1, 2, 3]));
    send(
      1,
      encodeWire({
        kind: 'consensus',
        message: {
          type: 'prevote',
          height: 1,
          round: 0,
          block: new Uint8Array(32),
          validator: peers[3]!.did,
          sig: new Uint8Array(64).fill(7),
        },
      }),
    );
    send(2, new Uint8Array([1, ...encode({ type: 'vote' })]));
    await until(() =>
      peers.slice(0, 3).every((p) => p.net.drops.some((d) => d.did === peers[3]!.did)),
    );
    const reasons = peers.slice(0, 3).map((p) => p.net.drops[0]!.reason);
    expect(reasons[0]).toMatch(/malformed|Unknown message tag/);
    expect(reasons[1]).toMatch(/signature/);
    expect(reasons[2]).toMatch(/malformed/i);
    const logs = await peers[1]!.host.log();
    expect(logs.some((l) => l.level === 'warn' && l.message.includes('Dropped peer'))).toBe(true);
    // Three honest validators of four still hold more than 2/3 of the power.
    const { txId } = await peers[0]!.host.submit({
      type: 'data.put',
      body: { key: 'still', value: 'alive' },
    });
    expect((await peers[0]!.host.waitFor(txId, { timeoutMs: 20_000 })).status).toBe('committed');
  }, 60_000);

  it('a consortium join is a member.propose the validators vote in: a valid invite admits the joiner, which can then write', async () => {
    const network = new MemoryNetwork();
    const peers = await Promise.all([0, 1, 2, 3].map(() => startPeer(network)));
    const { invite } = await peers[0]!.host.createChain({
      name: 'club',
      mode: 'consortium',
      consensus: 'bft',
      validators: peers.map((p) => p.did),
      timeoutMs: 300,
    });
    for (const p of peers.slice(1)) await p.host.join(invite);
    await until(async () => (await peers[0]!.host.status()).peers === 3);
    const joiner = await startPeer(network);
    await joiner.host.join(await peers[1]!.host.invite());
    // Not a member yet: its writes are refused with NOT_MEMBER, and its status says it waits.
    expect((await joiner.host.status()).admission).toBe('waiting');
    await expect(
      joiner.host.submit({ type: 'data.put', body: { key: 'too-early', value: 1 } }),
    ).rejects.toMatchObject({ code: 'NOT_MEMBER' });
    await until(async () => (await joiner.host.status()).admission === 'admitted', 30_000);
    const gov = await peers[2]!.host.governance();
    expect(gov.members).toContain(joiner.did);
    const join = gov.proposals.find((p) => (p.change as { did?: string }).did === joiner.did)!;
    expect(join).toMatchObject({
      change: { kind: 'addMember', did: joiner.did },
      invite: { issuer: peers[1]!.did },
    });
    expect(join.passed).toBeGreaterThan(0);
    expect(join.approvals.length).toBeGreaterThanOrEqual(3); // more than 2/3 of four validators
    const { txId } = await joiner.host.submit({
      type: 'data.put',
      body: { key: 'member-write', value: 'ok' },
    });
    expect((await joiner.host.waitFor(txId, { timeoutMs: 20_000 })).status).toBe('committed');
    await until(async () => (await peers[3]!.host.get('member-write'))?.value === 'ok');
  }, 60_000);

  it('a joiner with a reused or forged invite is not admitted, and validators refuse its transactions with NOT_MEMBER', async () => {
    const network = new MemoryNetwork();
    const peers = await Promise.all([0, 1, 2, 3].map(() => startPeer(network)));
    const { invite } = await peers[0]!.host.createChain({
      name: 'closed',
      mode: 'consortium',
      consensus: 'bft',
      validators: peers.map((p) => p.did),
      timeoutMs: 300,
    });
    for (const p of peers.slice(1)) await p.host.join(invite);
    await until(async () => (await peers[0]!.host.status()).peers === 3);
    const once = await peers[0]!.host.invite();
    const first = await startPeer(network);
    await first.host.join(once);
    await until(async () => (await first.host.status()).admission === 'admitted', 30_000);
    // The same invite again: the chain recorded its use.
    const reuser = await startPeer(network);
    await reuser.host.join(once);
    // A token the joiner made up: a validator's name, a fresh nonce, a signature that is not the
    // validator's. The joiner's own peer refuses the link (its signature does not hold).
    const content = decodeInvite(await peers[0]!.host.invite());
    const { chainId } = await peers[0]!.host.status();
    const nonce = 'ab'.repeat(16);
    const forgedContent = {
      ...content,
      token: { issuer: peers[0]!.did, nonce, sig: new Uint8Array(64).fill(9) },
    };
    const forgedLink =
      'http://localhost:8080/#/join/' + Buffer.from(encode(forgedContent)).toString('base64url');
    const forger = await startPeer(network);
    await expect(forger.host.join(forgedLink)).rejects.toMatchObject({
      code: 'BAD_SIGNATURE',
      message: expect.stringContaining('was changed after it was made'),
    });
    // A peer that skips that check, or a token genuinely signed by someone who is no validator:
    // the validators refuse it.
    const outsider = testIdentity('outsider');
    const outsiderToken = {
      issuer: outsider.did,
      nonce,
      sig: signSync(outsider.seed, inviteSigningBytes(chainId, nonce)),
    };
    const outsiderLink =
      'http://localhost:8080/#/join/' +
      Buffer.from(encode({ ...content, token: outsiderToken })).toString('base64url');
    await forger.host.join(outsiderLink);
    const logText = async () =>
      (await Promise.all(peers.map((p) => p.host.log())))
        .flat()
        .map((l) => l.message)
        .join('\n');
    await until(async () => {
      const text = await logText();
      return (
        text.includes(`${reuser.did} asks to join closed, but its invite was already used`) &&
        text.includes(
          `${forger.did} asks to join closed, but its invite was not issued by a validator`,
        )
      );
    }, 30_000);
    // The chain moves on; neither is admitted, nor proposed.
    const { txId } = await peers[0]!.host.submit({
      type: 'data.put',
      body: { key: 'moving', value: 1 },
    });
    expect((await peers[0]!.host.waitFor(txId, { timeoutMs: 20_000 })).status).toBe('committed');
    const gov = await peers[0]!.host.governance();
    expect(gov.members).toEqual([first.did]);
    expect(
      gov.proposals.filter((p) =>
        [reuser.did, forger.did].includes((p.change as { did: string }).did),
      ),
    ).toEqual([]);
    for (const outsider of [reuser, forger]) {
      expect((await outsider.host.status()).admission).toBe('waiting');
      await expect(
        outsider.host.submit({ type: 'data.put', body: { key: 'sneak', value: 1 } }),
      ).rejects.toMatchObject({
        code: 'NOT_MEMBER',
        message: expect.stringContaining('waits for the validators'),
      });
    }
    // A transaction signed by a non-member and handed to a validator directly is refused too.
    const stranger = testIdentity('stranger');
    const status = await peers[2]!.host.status();
    const tx = signTx(
      {
        chain: status.chainId,
        type: 'data.put',
        from: stranger.did,
        nonce: 1,
        time: Date.now(),
        body: { key: 'sneak', value: 2 },
      },
      stranger.seed,
    );
    await expect(peers[2]!.host.submitRaw(encodeTx(tx))).rejects.toMatchObject({
      code: 'NOT_MEMBER',
      message: expect.stringContaining('accept transactions only from members'),
    });
    expect(await peers[2]!.host.get('sneak')).toBeNull();
  }, 60_000);

  it('a validator whose check of a gossiped transaction is still pending goes on voting: consensus messages do not wait behind gossip', async () => {
    // Validator D never runs a host; only its network endpoint speaks (it sends one gossiped
    // transaction). Of the other three, C's verifier holds any batch with D's transaction
    // until released. A, B and C are three of four validators: every commit needs C's votes.
    const network = new MemoryNetwork();
    const offline = testIdentity('offline validator');
    const txTag = utf8('bot/tx/v1\0');
    const isOfflineTx = (c: { publicKey: Uint8Array; message: Uint8Array }) =>
      equalBytes(c.publicKey, offline.publicKey) && txTag.every((b, i) => c.message[i] === b);
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let holding!: () => void;
    const held = new Promise<void>((resolve) => (holding = resolve));
    const slowOnGossip: Verifier = {
      backend: nobleVerifier.backend,
      async verifyBatch(checks) {
        if (checks.some(isOfflineTx)) {
          holding();
          await released;
        }
        return nobleVerifier.verifyBatch(checks);
      },
    };
    const [a, b, c] = [
      await startPeer(network),
      await startPeer(network),
      await startPeer(network, slowOnGossip),
    ];
    const { chainId, invite } = await a.host.createChain({
      name: 'held',
      mode: 'consortium',
      consensus: 'bft',
      validators: [a.did, b.did, c.did, offline.did],
      timeoutMs: 300,
    });
    for (const p of [b, c]) await p.host.join(invite);
    const d = network.connect();
    d.start(
      {
        did: offline.did,
        sign: async () => new Uint8Array(64),
        room: a.net.room!,
        validators: [],
        relays: [],
        iceServers: [],
      },
      { onMessage: () => {}, onNeighbours: () => {} },
    );
    await until(async () =>
      (await Promise.all([a, b, c].map((p) => p.host.status()))).every(
        (s) => s.chainId === chainId && s.peers === 3,
      ),
    );
    const gossiped = signTx(
      {
        chain: chainId,
        type: 'data.put',
        from: offline.did,
        nonce: 1,
        time: Date.now(),
        body: { key: 'held', value: 1 },
      },
      offline.seed,
    );
    expect(
      d.send(c.did, encodeWire({ kind: 'consensus', message: { type: 'tx', tx: gossiped } })),
    ).toBe(true);
    await held;
    const { txId } = await a.host.submit({ type: 'data.put', body: { key: 'through', value: 2 } });
    expect((await a.host.waitFor(txId, { timeoutMs: 20_000 })).status).toBe('committed');
    expect((await c.host.waitFor(txId, { timeoutMs: 20_000 })).status).toBe('committed');
    // Released, the held transaction enters C's mempool in turn and commits too.
    release();
    expect((await c.host.waitFor(txIdOf(gossiped), { timeoutMs: 20_000 })).status).toBe(
      'committed',
    );
  }, 60_000);

  it('refuses a damaged invite with a typed error', async () => {
    const network = new MemoryNetwork();
    const { host } = await startPeer(network);
    await expect(host.join('http://x/#/join/AAAA')).rejects.toMatchObject({ code: 'MALFORMED' });
    await expect(host.join('not an invite at all')).rejects.toMatchObject({ code: 'MALFORMED' });
    await expect(
      host.createChain({
        name: 'x',
        mode: 'private',
        consensus: 'bft',
        validators: ['did:web:nope'],
      }),
    ).rejects.toMatchObject({ code: 'BAD_FIELD_TYPE' });
  });
});

describe('a write made while no validator is reachable (issue 21)', () => {
  it('is handed to the validator when it connects, and commits', async () => {
    const network = new MemoryNetwork();
    const storageA = new MemoryStorage();
    const a = await startPeer(network, nobleVerifier, storageA);
    const { invite } = await a.host.createChain({
      name: 'harbour',
      mode: 'public',
      consensus: 'poa',
    });
    a.host.stop();
    hosts.splice(hosts.indexOf(a.host), 1);
    const b = await startPeer(network);
    await b.host.join(invite);
    const { txId } = await b.host.submit({ type: 'data.put', body: { key: 'tide', value: 1 } });
    await expect(b.host.waitFor(txId, { timeoutMs: 300 })).rejects.toMatchObject({
      code: 'TIMEOUT',
    });
    const back = await startPeer(network, nobleVerifier, storageA);
    expect(back.did).toBe(a.did);
    expect((await b.host.waitFor(txId, { timeoutMs: 10_000 })).status).toBe('committed');
    expect((await back.host.get('tide'))?.value).toBe(1);
  });
});
