// The management methods of issue 5 on a real host with memory storage: settings, governance
// view, identity export/import under a passphrase, reset.
import { describe, expect, it } from 'vitest';
import type { PeerHost } from './peer-host';
import { startTestHost } from './testing';
import { MemoryStorage } from '../store/memory';
import { BotError } from '../core/errors';

const startHost = async (storage: MemoryStorage) => (await startTestHost(storage)).host;

const codeOf = (p: Promise<unknown>) =>
  p.then(
    () => 'ok',
    (e) => (e instanceof BotError ? e.code : String(e)),
  );

describe('PeerHost management (issue 5)', () => {
  it('keeps checked settings across a restart and refuses unusable ones', async () => {
    const storage = new MemoryStorage();
    const host = await startHost(storage);
    expect(await host.settings()).toEqual({ relays: [], iceServers: [] });
    await host.setSettings({ relays: ['ws://10.0.0.2:8080/signal'] });
    expect(await codeOf(host.setSettings({ relays: ['ftp://x'] }))).toBe('BAD_REQUEST');
    host.stop();
    const again = await startHost(storage);
    expect((await again.settings()).relays).toEqual(['ws://10.0.0.2:8080/signal']);
    again.stop();
  });

  it('shows validators and proposals from the chain state, and a proposal after a vote passes', async () => {
    const host = await startHost(new MemoryStorage());
    const { did } = await host.identity();
    const before = await host.governance();
    expect(before.validators).toEqual([{ did, power: 1 }]);
    expect(before.engine).toBe('solo');
    const height = (await host.status()).height;
    const member = 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK';
    const { txId } = await host.submit({
      type: 'member.propose',
      body: { change: { kind: 'addMember', did: member }, height: height + 3 },
    });
    expect((await host.waitFor(txId, { timeoutMs: 5000 })).status).toBe('committed');
    const after = await host.governance();
    expect(after.proposals).toHaveLength(1);
    expect(after.proposals[0]).toMatchObject({ id: txId, approvals: [did] });
    expect(after.proposals[0]!.passed).toBeGreaterThan(0);
    host.stop();
  });

  it('exports the identity under a passphrase and imports it into another peer', async () => {
    const one = await startHost(new MemoryStorage());
    const identity = await one.identity();
    const backup = await one.exportIdentity('a long passphrase');
    expect(backup).toContain(identity.did);
    expect(await codeOf(one.exportIdentity('short'))).toBe('BAD_REQUEST');
    one.stop();

    const storage = new MemoryStorage();
    const two = await startHost(storage);
    expect(await codeOf(two.importIdentity(backup, 'the wrong passphrase'))).toBe('UNAUTHORIZED');
    expect(await two.importIdentity(backup, 'a long passphrase')).toEqual(identity);
    two.stop();
    const restarted = await startHost(storage);
    expect((await restarted.identity()).did).toBe(identity.did);
    // Its old dev chain named the old key as its solo validator: it gets a dev chain of its own
    // that it can write to, and keeps the old one.
    expect((await restarted.governance()).validators).toEqual([{ did: identity.did, power: 1 }]);
    const { txId } = await restarted.submit({
      type: 'data.put',
      body: { key: 'after-import', value: 1 },
    });
    expect((await restarted.waitFor(txId, { timeoutMs: 5000 })).status).toBe('committed');
    expect(await restarted.chains()).toHaveLength(2);
    restarted.stop();
  });

  it('reset wipes the identity, the chain and the settings', async () => {
    const storage = new MemoryStorage();
    const host = await startHost(storage);
    const { did } = await host.identity();
    await host.setSettings({ relays: ['wss://relay.example.org/'] });
    await host.reset();
    expect(await storage.getMeta('identity.seed')).toBeUndefined();
    const fresh = await startHost(storage);
    expect((await fresh.identity()).did).not.toBe(did);
    expect((await fresh.settings()).relays).toEqual([]);
    expect((await fresh.status()).height).toBe(0);
    fresh.stop();
  });
});
