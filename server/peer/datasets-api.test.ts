// The dataset routes of the headless peer (issue 15, Product): publish, add a version as raw
// bytes, list, read back (decrypted on this peer, blobs on disk), the access log, and bad input.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPeer, defaultConfig, type RunningPeer } from './peer';
import { call, waitCommitted } from './testing';

const root = mkdtempSync(join(tmpdir(), 'bot-peer-datasets-'));
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

describe('dataset routes of the HTTP API', () => {
  it('publishes, stores a sealed version on disk, reads it back, and logs it', async () => {
    const published = await call(base, 'POST', '/v1/datasets', {
      id: 'meter',
      labels: ['energy'],
      schema: 'kWh per hour',
    });
    expect(published.status).toBe(202);
    await waitCommitted(base, published.body.txId);

    const content = new Uint8Array(randomBytes(2 * 1024 * 1024 + 3));
    const response = await fetch(`${base}/v1/datasets/meter/versions`, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream' },
      body: content,
    });
    expect(response.status).toBe(202);
    const put = await response.json();
    expect(put).toMatchObject({ version: 1, fingerprint: expect.stringMatching(/^[0-9a-f]{64}$/) });
    await waitCommitted(base, put.txId);
    // Sealed chunks (3) and the manifest are files named by their SHA-256; no plaintext on disk.
    const files = readdirSync(join(root, 'peer', 'blobs', 'blobs'));
    expect(files).toHaveLength(4);
    expect(files).toContain(put.fingerprint);

    const text = await call(base, 'POST', '/v1/datasets/meter/versions', { text: 'v2 as text' });
    await waitCommitted(base, text.body.txId);

    const list = (await call(base, 'GET', '/v1/datasets')).body;
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ id: 'meter', mine: true, labels: ['energy'] });
    expect(list[0].versions.map((v: { version: number }) => v.version)).toEqual([1, 2]);

    const read = await fetch(`${base}/v1/datasets/meter/content?version=1`);
    expect(read.status).toBe(200);
    expect(read.headers.get('x-dataset-fingerprint')).toBe(put.fingerprint);
    expect(Buffer.from(await read.arrayBuffer()).equals(Buffer.from(content))).toBe(true);
    const latest = await fetch(`${base}/v1/datasets/meter/content`);
    expect(await latest.text()).toBe('v2 as text');

    const log = (await call(base, 'GET', '/v1/datasets/meter/log')).body;
    expect(log.map((e: { kind: string }) => e.kind)).toEqual(['publish', 'version', 'version']);
  });

  it('answers bad input with typed errors', async () => {
    expect((await call(base, 'GET', '/v1/datasets/nope/log')).body.error.code).toBe('NOT_FOUND');
    expect(
      (
        await call(base, 'POST', '/v1/datasets/meter/versions', 'x', {
          'content-type': 'text/plain',
        })
      ).status,
    ).toBe(415);
    const decision = await call(base, 'POST', `/v1/dataset-requests/${'a'.repeat(64)}/decision`, {
      grant: 'yes',
    });
    expect(decision.body.error.code).toBe('BAD_REQUEST'); // the dispatcher's boundary check
    const bad = await call(base, 'POST', '/v1/datasets', { id: '../x' });
    expect(bad.body.error.code).toBe('BAD_FIELD_TYPE');
    const self = await call(base, 'POST', '/v1/datasets/meter/requests', { purpose: 'audit' });
    expect(self.body.error.code).toBe('BAD_REQUEST'); // the owner reads without asking
    expect((await call(base, 'GET', '/v1/datasets/meter/content?version=9')).status).toBe(404);
    expect(existsSync(join(root, 'peer', 'blobs', 'tmp'))).toBe(true);
  });
});
