// Roles and policies over the HTTP API (issues 15, 17): POST /v1/rpc/setPolicy and setRole go
// through the dispatcher; a write that breaks the policy is 403 POLICY naming it, one its
// sender has no role for is 403 UNAUTHORIZED naming the role; GET /v1/governance shows both.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPeer, defaultConfig, type RunningPeer } from './peer';
import { call, waitCommitted } from './testing';

const root = mkdtempSync(join(tmpdir(), 'bot-peer-rights-'));
let peer: RunningPeer;
let base: string;

beforeAll(async () => {
  peer = await startPeer({ ...defaultConfig, port: 0, dataDir: join(root, 'peer'), quiet: true });
  base = peer.url;
});

afterAll(async () => {
  await peer?.stop();
  rmSync(root, { recursive: true, force: true });
});

describe('roles and policies over HTTP', () => {
  it('sets a policy and a role through the rpc routes; refused writes name them', async () => {
    const policy = await call(base, 'POST', '/v1/rpc/setPolicy', {
      params: ['data.valueBytesMax', 8],
    });
    expect(policy.status).toBe(200);
    await waitCommitted(base, policy.body.result.txId);
    const big = await call(base, 'POST', '/v1/tx', {
      type: 'data.put',
      body: { key: 'k', value: 'longer than eight bytes' },
    });
    expect(big.status).toBe(403);
    expect(big.body.error).toMatchObject({ code: 'POLICY' });
    expect(big.body.error.message).toContain('data.valueBytesMax');
    const other = 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK';
    const role = await call(base, 'POST', '/v1/rpc/setRole', {
      params: ['transact:data', [other]],
    });
    await waitCommitted(base, role.body.result.txId);
    const refused = await call(base, 'POST', '/v1/tx', {
      type: 'data.put',
      body: { key: 'k', value: 1 },
    });
    expect(refused.status).toBe(403);
    expect(refused.body.error.message).toContain('role transact:data');
    const governance = (await call(base, 'GET', '/v1/governance')).body;
    expect(governance.roles).toEqual([{ role: 'transact:data', dids: [other] }]);
    expect(governance.policies).toEqual([{ name: 'data.valueBytesMax', value: 8, enforced: true }]);
    const bad = await call(base, 'POST', '/v1/rpc/setRole', { params: ['sudo', [other]] });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('BAD_FIELD_TYPE');
  });
});
