// POST /v1/tx/batch on a real headless peer (disk store, solo engine): per-item answers in the
// order sent, good items taken beside bad ones, and the batch's own bounds (issue 19).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPeer, defaultConfig, type RunningPeer } from './peer';
import { call, waitCommitted } from './testing';
import { encodeTx, signTx, txIdOf, type Tx } from '../../worker/core/tx';
import { publicKeyFromSeed } from '../../worker/core/crypto/ed25519';
import { didFromPublicKey } from '../../worker/core/crypto/did';
import { toHex } from '../../worker/core/bytes';
import { txBatchBodyBytesMax, txBatchCountMax } from '../../worker/core/limits';

const root = mkdtempSync(join(tmpdir(), 'bot-peer-batch-'));
let peer: RunningPeer;
let base: string;
let chainId: string;

beforeAll(async () => {
  peer = await startPeer({ ...defaultConfig, port: 0, dataDir: join(root, 'peer'), quiet: true });
  base = peer.url;
  chainId = (await call(base, 'GET', '/v1/status')).body.chainId;
});

afterAll(async () => {
  await peer?.stop();
  rmSync(root, { recursive: true, force: true });
});

/** A device identity signing data.put transactions elsewhere, nonce after nonce. */
function device() {
  const seed = crypto.getRandomValues(new Uint8Array(32));
  const from = didFromPublicKey(publicKeyFromSeed(seed));
  let nonce = 0;
  return {
    next(key: string, value: unknown, overrides: Partial<Tx> = {}): Tx {
      const unsigned = { chain: chainId, type: 'data.put', from, nonce: ++nonce, time: Date.now() };
      return signTx({ ...unsigned, body: { key, value }, ...overrides }, seed);
    },
  };
}

const raw = (tx: Tx) => ({ raw: toHex(encodeTx(tx)) });
const batch = (txs: unknown, headers?: Record<string, string>) =>
  call(base, 'POST', '/v1/tx/batch', { txs }, headers);

describe('POST /v1/tx/batch', () => {
  it("takes a sender's transactions in the order listed and commits every one", async () => {
    const sensor = device();
    const txs = Array.from({ length: 60 }, (_, i) => sensor.next(`batch/order/${i % 3}`, i));
    const reply = await batch(txs.map(raw));
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({ accepted: 60, rejected: 0 });
    expect(reply.body.results).toEqual(txs.map((tx) => ({ status: 'accepted', txId: txIdOf(tx) })));
    await waitCommitted(base, txIdOf(txs.at(-1)!), 30_000);
    for (const tx of txs)
      expect((await call(base, 'GET', `/v1/tx/${txIdOf(tx)}`)).body.status).toBe('committed');
    // The last value written to each key is the last listed for it: nonce order held.
    expect((await call(base, 'GET', '/v1/state/batch%2Forder%2F2')).body.value).toBe(59);
  });

  it('answers each item in order: the good ones are taken, each bad one refused with its code', async () => {
    const a = device();
    const b = device();
    const good1 = a.next('batch/mixed/a', 1);
    const wrongChain = b.next('batch/mixed/b', 1, { chain: 'ff'.repeat(16) });
    const good2 = a.next('batch/mixed/a', 2);
    const signed = b.next('batch/mixed/b', 2);
    const forged = raw({ ...signed, body: { key: 'batch/mixed/b', value: 3 } });
    const replay = raw(good1);
    const gap = a.next('batch/mixed/a', 4, { nonce: 9 });
    const items = [
      raw(good1),
      raw(wrongChain),
      'not an object',
      { raw: 'zz' },
      { hex: '00' },
      { raw: 42 },
      { raw: '00'.repeat(txBatchBodyBytesMax / 4) },
      raw(good2),
      forged,
      replay,
      raw(gap),
    ];
    const reply = await batch(items);
    expect(reply.status).toBe(200);
    const codes = reply.body.results.map((r: { status: string; error?: { code: string } }) =>
      r.status === 'accepted' ? 'accepted' : r.error!.code,
    );
    expect(codes).toEqual([
      'accepted',
      'WRONG_CHAIN',
      'BAD_FIELD_TYPE',
      'MALFORMED',
      'MISSING_FIELD',
      'BAD_FIELD_TYPE',
      'TOO_LARGE',
      'accepted',
      'BAD_SIGNATURE',
      // the same bytes again while the first copy waits: the nonce is taken
      expect.stringMatching(/^(NONCE_REPLAYED|accepted)$/),
      'NONCE_GAP',
    ]);
    expect(reply.body.results[2].error.message).toContain('txs[2]');
    await waitCommitted(base, txIdOf(good2), 30_000);
    expect((await call(base, 'GET', '/v1/state/batch%2Fmixed%2Fa')).body.value).toBe(2);
    expect((await call(base, 'GET', '/v1/state/batch%2Fmixed%2Fb')).status).toBe(404);
  });

  it('refuses a batch that is not a list, has too many items or too many bytes, and takes none of it', async () => {
    const sensor = device();
    const first = sensor.next('batch/refused', 1);
    const notList = await batch({ raw: raw(first).raw });
    expect(notList).toMatchObject({ status: 400, body: { error: { code: 'BAD_FIELD_TYPE' } } });
    const missing = await call(base, 'POST', '/v1/tx/batch', { list: [] });
    expect(missing).toMatchObject({ status: 400, body: { error: { code: 'MISSING_FIELD' } } });
    const notJson = await call(base, 'POST', '/v1/tx/batch', '[1,2]');
    expect(notJson).toMatchObject({ status: 400, body: { error: { code: 'BAD_FIELD_TYPE' } } });

    const tooMany = await batch([raw(first), ...Array(txBatchCountMax).fill({ raw: '00' })]);
    expect(tooMany).toMatchObject({ status: 413, body: { error: { code: 'TOO_LARGE' } } });
    expect(tooMany.body.error.message).toContain(`${txBatchCountMax}`);

    const filler = '00'.repeat(1000);
    const count = Math.ceil(txBatchBodyBytesMax / filler.length);
    const tooLarge = await batch([raw(first), ...Array(count).fill({ raw: filler })]);
    expect(tooLarge).toMatchObject({ status: 413, body: { error: { code: 'TOO_LARGE' } } });

    // None of the refused batches reached the peer: the first transaction is still unknown.
    const verdict = (await call(base, 'GET', `/v1/tx/${txIdOf(first)}`)).body;
    expect(verdict.status).toBe('pending');
    expect((await call(base, 'GET', '/v1/state/batch%2Frefused')).status).toBe(404);
    const empty = await batch([]);
    expect(empty).toMatchObject({ status: 200, body: { accepted: 0, rejected: 0, results: [] } });
  });
});
