// The token routes of the headless peer (issue 16): a chain whose genesis allocates tokens, a
// transfer over POST /v1/transfer, balances with a Merkle proof that checks against the state
// root (and fails once the entry is altered), the history of both sides, and bad input.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPeer, defaultConfig, type RunningPeer } from './peer';
import { call, waitCommitted } from './testing';
import { checkBalanceProof } from '../../worker/core/proof';
import { testIdentity } from '../../worker/core/testing';

const root = mkdtempSync(join(tmpdir(), 'bot-peer-tokens-'));
let peer: RunningPeer;
let base: string;
const friend = testIdentity('tokens api friend').did;

beforeAll(async () => {
  peer = await startPeer({ ...defaultConfig, port: 0, dataDir: join(root, 'peer'), quiet: true });
  base = peer.url;
});

afterAll(async () => {
  await peer?.stop();
  rmSync(root, { recursive: true, force: true });
});

describe('token routes of the HTTP API', () => {
  it('transfers, proves balances, lists history, and refuses bad input with typed errors', async () => {
    const me = (await call(base, 'GET', '/v1/identity')).body.did as string;
    const created = await call(base, 'POST', '/v1/chains', {
      name: 'wallet',
      mode: 'private',
      consensus: 'solo',
      tokens: { symbol: 'BOT', allocations: [{ did: me, amount: 1000 }], fee: 1 },
    });
    expect(created.status).toBe(201);

    const start = await call(base, 'GET', '/v1/balance');
    expect(start.body).toMatchObject({ account: me, balance: 1000, symbol: 'BOT', fee: 1 });
    expect(checkBalanceProof(start.body.proof)).toEqual({ ok: true, balance: 1000 });

    const sent = await call(base, 'POST', '/v1/transfer', { to: friend, amount: 250, memo: 'hi' });
    expect(sent.status).toBe(202);
    await waitCommitted(base, sent.body.txId);

    const theirs = await call(base, 'GET', `/v1/balance/${friend}`);
    expect(theirs.body.balance).toBe(250);
    expect(checkBalanceProof(theirs.body.proof)).toEqual({ ok: true, balance: 250 });
    // The same proof with the entry of another account does not check.
    expect(checkBalanceProof({ ...theirs.body.proof, entry: start.body.proof.entry }).ok).toBe(
      false,
    );
    // Solo: this peer proposed the block, so the fee came back to it.
    expect((await call(base, 'GET', `/v1/balance/${me}`)).body.balance).toBe(1000 - 250 - 1 + 1);

    const history = (await call(base, 'GET', `/v1/balance/${friend}/history`)).body;
    expect(history).toEqual([
      expect.objectContaining({
        txId: sent.body.txId,
        dir: 'in',
        with: me,
        amount: 250,
        memo: 'hi',
        balanceAfter: 250,
      }),
    ]);
    const mine = (await call(base, 'GET', `/v1/balance/${me}/history?limit=10`)).body;
    expect(mine.map((m: { dir: string }) => m.dir)).toEqual(['fee', 'out', 'mint']);

    const tooMuch = await call(base, 'POST', '/v1/transfer', { to: friend, amount: 5000 });
    expect(tooMuch.status).toBe(422);
    expect(tooMuch.body.error.code).toBe('INSUFFICIENT_FUNDS');
    expect(tooMuch.body.error.message).toMatch(/You hold 750/);
    const zero = await call(base, 'POST', '/v1/transfer', { to: friend, amount: 0 });
    expect(zero.status).toBe(400);
    expect(zero.body.error.message).toMatch(/transfer: request.amount/);
    const self = await call(base, 'POST', '/v1/transfer', { to: me, amount: 1 });
    expect(self.body.error.code).toBe('BAD_REQUEST');
    expect((await call(base, 'GET', '/v1/balance/not-a-did')).body.error.code).toBe('BAD_REQUEST');
    expect((await call(base, 'GET', `/v1/balance/${me}/history?limit=0`)).body.error.code).toBe(
      'BAD_REQUEST',
    );
    const badGenesis = await call(base, 'POST', '/v1/chains', {
      name: 'bad',
      mode: 'private',
      consensus: 'solo',
      tokens: { symbol: 'BOT', allocations: [{ did: me, amount: -1 }] },
    });
    expect(badGenesis.status).toBe(400);
  });
});
