// The lifecycle of contracts (R-7.2.1-a, R-7.2.4-f; issue 17), with the real sandbox: an upgrade
// puts new code under the same name and keeps the state (version 2, both versions listed with
// their code hashes), a retired contract takes no calls while its state stays readable, every
// dApp is told of both (notifications), and who may manage follows the policy
// contracts.managedBy: the deployer by default; with "governance" only the holders of the role
// deploy (POLICY otherwise). Bad input is refused before anything is signed.
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryStorage } from '../store/memory';
import type { PeerHost } from './peer-host';
import { startTestHost } from './testing';
import { dispatch } from './dispatch';
import { sha256 } from '../core/crypto/hash';
import { toHex, utf8 } from '../core/bytes';

const hosts: PeerHost[] = [];
afterEach(() => {
  for (const h of hosts.splice(0)) h.stop();
});

async function commit(host: PeerHost, p: Promise<{ txId: string }>): Promise<number> {
  const { txId } = await p;
  const result = await host.waitFor(txId, { timeoutMs: 10_000 });
  expect(result, JSON.stringify(result)).toMatchObject({ status: 'committed' });
  return result.height!;
}

const v1 = `function increment(ctx) {
  const n = (ctx.get('count') ?? 0) + 1;
  ctx.put('count', n);
  return n;
}`;
const v2 = `function increment(ctx) {
  const n = (ctx.get('count') ?? 0) + 10;
  ctx.put('count', n);
  return n;
}
function reset(ctx) { ctx.put('count', 0); return 0; }`;

async function call(host: PeerHost, method: string): Promise<unknown> {
  await commit(host, host.callContract('counter', method, null));
  const detail = (await host.contract('counter'))!;
  return detail.calls.at(-1)!.result;
}

describe('contract lifecycle (R-7.2.1-a, R-7.2.4-f)', () => {
  it('upgrades under the same name keeping the state, retires, and keeps every version readable', async () => {
    const { host } = await startTestHost(new MemoryStorage());
    hosts.push(host);
    const me = (await host.identity()).did;
    const deployed = await commit(host, host.deployContract({ name: 'counter', code: v1 }));
    expect(await call(host, 'increment')).toBe(1);
    expect((await host.contract('counter'))!).toMatchObject({ version: 1, retired: null });

    const upgraded = await commit(host, host.upgradeContract({ name: 'counter', code: v2 }));
    expect(await call(host, 'increment')).toBe(11); // the state was kept
    const detail = (await host.contract('counter'))!;
    expect(detail).toMatchObject({ version: 2, methods: ['increment', 'reset'], code: v2 });
    expect(detail.versions.map((v) => [v.version, v.height, v.by, v.methods])).toEqual([
      [1, deployed, me, ['increment']],
      [2, upgraded, me, ['increment', 'reset']],
    ]);
    expect(detail.versions[0]!.codeHash).not.toBe(detail.versions[1]!.codeHash);
    expect(detail.versions[0]!.codeHash).toMatch(/^[0-9a-f]{64}$/);

    // bad upgrades are refused before they are signed
    await expect(
      host.upgradeContract({ name: 'counter', code: 'function (' }),
    ).rejects.toMatchObject({ code: expect.stringMatching(/^CONTRACT_/) });
    await expect(host.upgradeContract({ name: 'nothing', code: v2 })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    await expect(
      dispatch(host, 'retireContract', [{ name: 'counter', note: '' }]),
    ).rejects.toMatchObject({ code: 'BAD_REQUEST', message: expect.stringContaining('note') });

    const retired = await commit(
      host,
      host.retireContract({ name: 'counter', note: 'replaced by counter2' }),
    );
    await expect(host.callContract('counter', 'increment', null)).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      message: expect.stringContaining('retired'),
    });
    await expect(host.upgradeContract({ name: 'counter', code: v1 })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
    });
    const after = (await host.contract('counter'))!;
    expect(after.retired).toMatchObject({ height: retired, by: me, note: 'replaced by counter2' });
    expect(after.state).toEqual([{ key: 'count', value: 11 }]); // still readable
    expect((await host.contracts())[0]).toMatchObject({ name: 'counter', version: 2 });

    // every dApp is told (P-10.3 for the new version and the retirement)
    await expect
      .poll(async () =>
        (
          await host.notifications({ kinds: ['contract.upgraded', 'contract.retired'] })
        ).notifications.map((n) => [n.kind, n.subject, n.to]),
      )
      .toEqual([
        ['contract.upgraded', 'counter', []],
        ['contract.retired', 'counter', []],
      ]);
  });

  it('policy contracts.managedBy "governance": only holders of the role deploy manage contracts', async () => {
    const { host } = await startTestHost(new MemoryStorage());
    hosts.push(host);
    const me = (await host.identity()).did;
    await host.createChain({ name: 'managed', mode: 'private', consensus: 'solo', admin: me });
    await commit(host, host.deployContract({ name: 'counter', code: v1 }));
    await commit(host, host.setPolicy('contracts.managedBy', 'governance'));
    await expect(host.upgradeContract({ name: 'counter', code: v2 })).rejects.toMatchObject({
      code: 'POLICY',
      message: expect.stringContaining('contracts.managedBy'),
    });
    await commit(host, host.setRole('deploy', [me]));
    await commit(host, host.upgradeContract({ name: 'counter', code: v2 }));
    expect((await host.contract('counter'))!.version).toBe(2);
  });

  it('policy contracts.managedBy "vote": only a passed proposal upgrades or retires, once (issue 17)', async () => {
    const { host } = await startTestHost(new MemoryStorage());
    hosts.push(host);
    // the solo dev chain's validator is this host: its proposal passes by its own approval
    const propose = async (change: unknown): Promise<string> => {
      const { height } = await host.status();
      const p = host.submit({ type: 'member.propose', body: { change, height: height + 2 } });
      await commit(host, p);
      return (await p).txId;
    };
    await commit(host, host.deployContract({ name: 'counter', code: v1 }));
    await propose({ kind: 'policy', name: 'contracts.managedBy', value: 'vote' });
    await expect(host.upgradeContract({ name: 'counter', code: v2 })).rejects.toMatchObject({
      code: 'POLICY',
      message: expect.stringContaining('contracts.managedBy'),
    });
    const codeHash = toHex(sha256(utf8(v2)));
    const upgrade = await propose({
      kind: 'contract',
      name: 'counter',
      action: 'upgrade',
      codeHash,
    });
    await expect(
      host.upgradeContract({ name: 'counter', code: v1, proposal: upgrade }),
    ).rejects.toMatchObject({ code: 'BAD_REQUEST', message: expect.stringContaining(codeHash) });
    await commit(host, host.upgradeContract({ name: 'counter', code: v2, proposal: upgrade }));
    expect(await call(host, 'increment')).toBe(10); // the new code runs
    expect((await host.contract('counter'))!.versions[1]).toMatchObject({
      codeHash,
      proposal: upgrade,
    });
    await expect(
      host.upgradeContract({ name: 'counter', code: v2, proposal: upgrade }),
    ).rejects.toMatchObject({ code: 'BAD_REQUEST', message: expect.stringContaining('already') });
    await expect(
      host.retireContract({ name: 'counter', note: 'done', proposal: upgrade }),
    ).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    const retire = await propose({ kind: 'contract', name: 'counter', action: 'retire' });
    await commit(host, host.retireContract({ name: 'counter', note: 'done', proposal: retire }));
    expect((await host.contract('counter'))!).toMatchObject({
      version: 2,
      retired: { note: 'done' },
    });
  });
});
