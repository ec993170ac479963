// Several chains per peer (issue 18) on the headless peer: two chains created over HTTP run at
// once, each in its own LevelDB directory; a request names its chain with ?chain= or the
// /v1/chains/:id/... prefix (the active chain otherwise); a restart on the same data directory
// runs both again; unknown and malformed chain ids, a chain for a peer-wide route and one chain
// too many are refused with typed errors.
import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPeer, defaultConfig, type RunningPeer } from './peer';
import { call } from './testing';
import { chainsActiveMax } from '../../worker/core/limits';

const root = mkdtempSync(join(tmpdir(), 'bot-peer-multichain-'));
const dataDir = join(root, 'peer');
let peer: RunningPeer | null = null;

afterAll(async () => {
  await peer?.stop();
  rmSync(root, { recursive: true, force: true });
});

const start = async () =>
  (peer = await startPeer({ ...defaultConfig, port: 0, dataDir, quiet: true }));

async function putOn(base: string, route: string, key: string, value: unknown) {
  const sent = await call(base, 'POST', route, { type: 'data.put', body: { key, value } });
  expect(sent.status).toBe(202);
  const prefix = route.replace(/\/tx(\?.*)?$/, '');
  const query = route.includes('?') ? `&${route.split('?')[1]}` : '';
  const done = await call(base, 'GET', `${prefix}/tx/${sent.body.txId}?timeoutMs=10000${query}`);
  expect(done.body.status).toBe('committed');
}

describe('several chains per peer over HTTP', () => {
  it('runs two chains at once, each call on the chain it names, and both again after a restart', async () => {
    let { url } = await start();
    const solo = (name: string) => ({ name, mode: 'private', consensus: 'solo' });
    const a = (await call(url, 'POST', '/v1/chains', solo('alpha'))).body.chainId as string;
    const b = (await call(url, 'POST', '/v1/chains', solo('beta'))).body.chainId as string;
    expect(existsSync(join(dataDir, 'chains', a))).toBe(true);
    expect(existsSync(join(dataDir, 'chains', b))).toBe(true);

    await Promise.all([
      putOn(url, `/v1/tx?chain=${a}`, 'k', 'on alpha'),
      putOn(url, `/v1/chains/${b}/tx`, 'k', 'on beta'),
    ]);
    expect((await call(url, 'GET', `/v1/state/k?chain=${a}`)).body.value).toBe('on alpha');
    expect((await call(url, 'GET', `/v1/chains/${b}/state/k`)).body.value).toBe('on beta');
    expect((await call(url, 'GET', '/v1/state/k')).body.value).toBe('on beta'); // the active chain
    expect((await call(url, 'GET', `/v1/chains/${a}/status`)).body.chainName).toBe('alpha');
    const rpc = await call(url, 'POST', `/v1/rpc/status?chain=${a}`, { params: [] });
    expect(rpc.body.result.chainId).toBe(a);

    // Bad input: typed errors, nothing run.
    const unknown = await call(url, 'GET', `/v1/status?chain=${'ab'.repeat(16)}`);
    expect([unknown.status, unknown.body.error.code]).toEqual([404, 'NOT_FOUND']);
    const malformed = await call(url, 'GET', '/v1/chains/nope/status');
    expect([malformed.status, malformed.body.error.code]).toEqual([400, 'BAD_REQUEST']);
    const peerWide = await call(url, 'GET', `/v1/identity?chain=${a}`);
    expect(peerWide.body.error.message).toContain('call it without a chain');
    const twoChains = await call(url, 'GET', `/v1/chains/${a}/status?chain=${b}`);
    expect(twoChains.status).toBe(400);
    for (let i = 3; i < chainsActiveMax; i++)
      expect((await call(url, 'POST', '/v1/chains', solo(`c${i}`))).status).toBe(201);
    const over = await call(url, 'POST', '/v1/chains', solo('one too many'));
    expect(over.body.error.code).toBe('QUOTA');
    expect(over.body.error.message).toContain('chainsActiveMax');

    // Use alpha, restart: both run again, alpha still active.
    expect((await call(url, 'POST', `/v1/chains/${a}/use`, {})).body.chainId).toBe(a);
    await peer!.stop();
    ({ url } = await start());
    const chains = (await call(url, 'GET', '/v1/chains')).body as Array<{
      chainId: string;
      running: boolean;
      active: boolean;
    }>;
    expect(chains.filter((c) => c.running)).toHaveLength(chainsActiveMax);
    expect(chains.find((c) => c.active)!.chainId).toBe(a);
    expect((await call(url, 'GET', '/v1/state/k')).body.value).toBe('on alpha');
    expect((await call(url, 'GET', `/v1/state/k?chain=${b}`)).body.value).toBe('on beta');
  });
  it('serves a dataset and an event stream from the chain the request names, not the active one', async () => {
    const { url } = peer!;
    const chains = (await call(url, 'GET', '/v1/chains')).body as Array<{
      chainId: string;
      name: string;
      active: boolean;
    }>;
    const active = chains.find((c) => c.active)!.chainId;
    const other = chains.find((c) => c.name === 'beta')!.chainId;
    expect(other).not.toBe(active);

    // The event stream of the named chain: its status first, then only its blocks.
    const abort = new AbortController();
    const stream = await fetch(`${url}/v1/chains/${other}/events?types=status,block`, {
      signal: abort.signal,
    });
    const reader = stream.body!.getReader();
    const seen: Array<{ type: string; chain?: string; status?: { chainId: string } }> = [];
    const reading = (async () => {
      let text = '';
      for (;;) {
        const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
        if (done) return;
        text += new TextDecoder().decode(value);
        const frames = text.split('\n\n');
        text = frames.pop()!;
        for (const frame of frames) {
          const data = frame.split('\n').find((l) => l.startsWith('data: '));
          if (data) seen.push(JSON.parse(data.slice(6)));
        }
      }
    })();

    // A dataset on the chain that is not active, read over /v1/chains/:id/... chunk by chunk.
    const route = `/v1/chains/${other}`;
    const published = await call(url, 'POST', `${route}/datasets`, { id: 'side' });
    expect(published.status).toBe(202);
    await call(url, 'GET', `${route}/tx/${published.body.txId}?timeoutMs=10000`);
    const put = await call(url, 'POST', `${route}/datasets/side/versions`, {
      text: 'on beta only',
    });
    expect(put.status).toBe(202);
    expect(
      (await call(url, 'GET', `${route}/tx/${put.body.txId}?timeoutMs=10000`)).body.status,
    ).toBe('committed');
    await putOn(url, `/v1/tx?chain=${active}`, 'k2', 'on the active chain');
    const read = await fetch(`${url}${route}/datasets/side/content`);
    expect(read.status).toBe(200);
    expect(await read.text()).toBe('on beta only');
    const onActive = await call(url, 'GET', '/v1/datasets/side/log');
    expect(onActive.body.error.code).toBe('NOT_FOUND');

    abort.abort();
    await reading;
    expect(seen[0]).toMatchObject({ type: 'status', status: { chainId: other } });
    const blocks = seen.filter((e) => e.type === 'block');
    expect(blocks.length).toBeGreaterThan(0);
    expect(blocks.every((e) => e.chain === other)).toBe(true);
  });
});
