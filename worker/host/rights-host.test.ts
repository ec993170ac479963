// Roles and policies on a real host (issues 15 and 17): once governance set them, the submitting
// peer refuses at once (before a nonce is used) with UNAUTHORIZED naming the role or POLICY
// naming the policy, and the host does not serve a key under a read role its identity lacks.
import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { PeerHost } from './peer-host';
import { MemoryStorage } from '../store/memory';
import { bestVerifier } from './crypto';
import { encodeTx } from '../core/tx';
import { put, testIdentity } from '../core/testing';
import { until } from './testing';

async function startHost() {
  const host = new PeerHost({
    storage: new MemoryStorage(),
    storageKind: 'memory',
    verifier: await bestVerifier(),
    now: () => Date.now(),
    randomBytes: (n) => new Uint8Array(randomBytes(n)),
    emit: () => undefined,
    tickIntervalMs: 20,
  });
  await host.ready();
  return host;
}

async function govern(host: PeerHost, change: unknown): Promise<void> {
  const { height } = await host.status();
  const { txId } = await host.submit({
    type: 'member.propose',
    body: { change, height: height + 2 },
  });
  const result = await host.waitFor(txId, { timeoutMs: 5000 });
  expect(result, JSON.stringify(result)).toMatchObject({ status: 'committed' });
}

describe('roles and policies on a host (solo dev chain: its validator governs)', () => {
  it('refuses a write at once naming the role, and serves no key under a read role it lacks', async () => {
    const host = await startHost();
    const other = testIdentity('rights host other');
    const before = await host.submit({ type: 'data.put', body: { key: 'secret/a', value: 1 } });
    await host.waitFor(before.txId, { timeoutMs: 5000 });
    await govern(host, { kind: 'role', role: 'transact:data.put', dids: [other.did] });
    await expect(
      host.submit({ type: 'data.put', body: { key: 'k', value: 1 } }),
    ).rejects.toMatchObject({
      code: 'UNAUTHORIZED',
      message: expect.stringContaining('role transact:data.put'),
    });
    // The role holder's transaction, signed elsewhere, is taken and committed.
    const { chainId } = await host.status();
    const theirs = await host.submitRaw(encodeTx(put(other, chainId, 1, 'theirs', 1)));
    expect((await host.waitFor(theirs.txId, { timeoutMs: 5000 })).status).toBe('committed');
    // A refused write used no nonce: the next allowed one commits.
    const del = await host.submit({ type: 'data.delete', body: { key: 'theirs' } });
    expect((await host.waitFor(del.txId, { timeoutMs: 5000 })).status).toBe('committed');
    // Read roles: a key under read:secret/ is not served to this peer's identity.
    await govern(host, { kind: 'role', role: 'read:secret/', dids: [other.did] });
    await expect(host.get('secret/a')).rejects.toMatchObject({
      code: 'UNAUTHORIZED',
      message: expect.stringContaining('read:secret/'),
    });
    await expect(host.history('secret/a')).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    expect(await host.get('theirs')).not.toBeNull();
    // The same role binds the traceability data: read:trace/ held by another, so this peer
    // neither shows a lot nor answers the backward query (U-II.1 with roles).
    const lot = await host.traceRecord({
      id: 'LOT-1',
      server: 'http://127.0.0.1:9/lot1.json',
      hash: 'ab'.repeat(32),
    });
    expect((await host.waitFor(lot.txId, { timeoutMs: 5000 })).status).toBe('committed');
    expect((await host.traceLot('LOT-1'))?.id).toBe('LOT-1');
    await govern(host, { kind: 'role', role: 'read:trace/', dids: [other.did] });
    await expect(host.traceLot('LOT-1')).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    await expect(host.traceBack('LOT-1')).rejects.toMatchObject({
      code: 'UNAUTHORIZED',
      message: expect.stringContaining('read:trace/'),
    });
    host.stop();
  });

  it('refuses a write that breaks a policy, naming it', async () => {
    const host = await startHost();
    await govern(host, { kind: 'policy', name: 'data.valueBytesMax', value: 8 });
    await expect(
      host.submit({ type: 'data.put', body: { key: 'k', value: 'longer than eight bytes' } }),
    ).rejects.toMatchObject({
      code: 'POLICY',
      message: expect.stringContaining('data.valueBytesMax'),
    });
    const ok = await host.submit({ type: 'data.put', body: { key: 'k', value: 1 } });
    expect((await host.waitFor(ok.txId, { timeoutMs: 5000 })).status).toBe('committed');
    host.stop();
  });

  it('a private chain created with an administrator: setRole is its admin.set, no vote', async () => {
    const host = await startHost();
    const me = (await host.identity()).did;
    await expect(
      host.createChain({ name: 'bad', mode: 'consortium', consensus: 'solo', admin: me }),
    ).rejects.toMatchObject({ code: 'BAD_FIELD_TYPE' });
    await host.createChain({ name: 'lab', mode: 'private', consensus: 'solo', admin: me });
    const other = testIdentity('rights host admin other');
    const { txId } = await host.setRole('deploy', [other.did]);
    const result = await host.waitFor(txId, { timeoutMs: 5000 });
    expect(result).toMatchObject({ status: 'committed' });
    const block = await host.block(result.height!);
    expect(block!.txs.find((t) => t.txId === txId)?.type).toBe('admin.set');
    const governance = await host.governance();
    expect(governance).toMatchObject({
      rightsBy: 'admin',
      admin: me,
      roles: [{ role: 'deploy', dids: [other.did] }],
      proposals: [],
    });
    await expect(
      host.deployContract({ name: 'c', code: 'function f() { return 1; }' }),
    ).rejects.toMatchObject({
      code: 'UNAUTHORIZED',
      message: expect.stringContaining('role deploy'),
    });
    host.stop();
  });

  it('the multisig rule of a chain without an administrator is set by a proposal and dropped by another', async () => {
    const host = await startHost();
    const me = (await host.identity()).did;
    const other = testIdentity('rights host msig other');
    const rule = { signers: [me, other.did], k: 2, types: [{ type: 'data.put' }] };
    const set = await host.setMultisigRule(rule);
    expect(set.via).toBe('vote');
    const result = await host.waitFor(set.txId, { timeoutMs: 5000 });
    expect((await host.block(result.height!))!.txs.find((t) => t.txId === set.txId)?.type).toBe(
      'member.propose',
    );
    expect((await host.governance()).admins).toEqual([]);
    await until(async () => (await host.multisig()).policy?.k === 2);
    // A data.put is now held: proposed for approvals, not sent.
    await expect(
      host.submit({ type: 'data.put', body: { key: 'k', value: 1 } }),
    ).rejects.toMatchObject({ code: 'UNAUTHORIZED', message: expect.stringMatching(/2 of 2/) });
    // Dropping it is not held (member.propose is not in the rule): it passes by the vote.
    expect((await host.setMultisigRule(null)).via).toBe('vote');
    await until(async () => (await host.multisig()).policy === null);
    host.stop();
  });
});
