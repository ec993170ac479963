// Several chains per peer (issue 18) on real hosts with memory storage: two chains commit at the
// same time in one peer, each in its own store; a write on one never lands in the other; a
// restart brings both back; a chain whose store fails or is damaged does not hold up the other;
// calls name their chain through the dispatcher, and bad chain ids and one chain too many are
// refused with typed errors.
import { afterEach, describe, expect, it } from 'vitest';
import type { MultiHost } from './multi-host';
import { MemoryStorage } from '../store/memory';
import { BotError } from '../core/errors';
import { chainsActiveMax } from '../core/limits';
import { dispatch } from './dispatch';
import type { PeerEvent } from '../api';
import { startTestMultiHost, until } from './testing';

interface Peer {
  multi: MultiHost;
  events: PeerEvent[];
  base: MemoryStorage;
  stores: Map<string, MemoryStorage>;
}

const running: MultiHost[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((m) => m.stop()));
});

async function startPeer(
  base = new MemoryStorage(),
  stores = new Map<string, MemoryStorage>(),
  failOpen: (chainId: string) => boolean = () => false,
): Promise<Peer> {
  const events: PeerEvent[] = [];
  const multi = await startTestMultiHost(
    { storage: base, emit: (e) => events.push(e), contractRuntime: null },
    {
      async openChain(chainId) {
        if (failOpen(chainId)) throw new Error('the store cannot be opened');
        let storage = stores.get(chainId);
        if (!storage) stores.set(chainId, (storage = new MemoryStorage()));
        return { storage };
      },
    },
  );
  running.push(multi);
  return { multi, events, base, stores };
}

const codeOf = (p: Promise<unknown>) =>
  p.then(
    () => 'ok',
    (e) => (e instanceof BotError ? e.code : String(e)),
  );

const soloChain = (name: string) => ({
  name,
  mode: 'private' as const,
  consensus: 'solo' as const,
});

async function put(multi: MultiHost, chain: string, key: string, value: unknown) {
  const { txId } = (await dispatch(
    multi,
    'submit',
    [{ type: 'data.put', body: { key, value } }],
    chain,
  )) as {
    txId: string;
  };
  return dispatch(multi, 'waitFor', [txId, { timeoutMs: 10_000 }], chain) as Promise<{
    status: string;
    height: number;
  }>;
}

describe('several chains per peer (issue 18)', () => {
  it('two chains commit at the same time in one peer, each in its own store; a write on A never lands in B', async () => {
    const { multi, events, base, stores } = await startPeer();
    const first = (await multi.status()).chainId;
    const a = (await multi.createChain(soloChain('alpha'))).chainId;
    const b = (await multi.createChain(soloChain('beta'))).chainId;
    expect(multi.runningChainIds()).toEqual([first, a, b]);
    expect((await multi.status()).chainId).toBe(b); // the last one created is active
    // Twelve writes, interleaved on the two chains, all in flight at once.
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        put(multi, i % 2 === 0 ? a : b, `k${i}`, { chain: i % 2 === 0 ? 'A' : 'B', i }),
      ),
    );
    expect(results.every((r) => r.status === 'committed')).toBe(true);
    for (let i = 0; i < 12; i++) {
      const [mine, other] = i % 2 === 0 ? [a, b] : [b, a];
      expect(((await dispatch(multi, 'get', [`k${i}`], mine)) as { value: unknown }).value).toEqual(
        {
          chain: i % 2 === 0 ? 'A' : 'B',
          i,
        },
      );
      expect(await dispatch(multi, 'get', [`k${i}`], other)).toBeNull();
    }
    // Each chain's blocks are in its own namespace, none in the first slot's store.
    expect(await stores.get(a)!.headHeight(a)).toBeGreaterThan(0);
    expect(await stores.get(a)!.headHeight(b)).toBe(-1);
    expect(await stores.get(b)!.headHeight(a)).toBe(-1);
    expect(await base.headHeight(a)).toBe(-1);
    // Events name their chain.
    const blocks = events.filter((e) => e.type === 'block' && e.height > 0);
    expect(new Set(blocks.map((e) => e.chain))).toEqual(new Set([a, b]));
    // Calls without a chain run on the active one; useChain moves it among running chains.
    expect(((await multi.get('k1')) as { value: unknown }).value).toEqual({ chain: 'B', i: 1 });
    await multi.useChain(a);
    expect((await multi.status()).chainId).toBe(a);
    expect(((await multi.get('k0')) as { value: unknown }).value).toEqual({ chain: 'A', i: 0 });
    expect(events.at(-1)).toMatchObject({ type: 'chain', chainId: a });
    const list = await multi.chains();
    expect(list.map((c) => [c.chainId, c.running, c.active])).toEqual([
      [first, true, false],
      [a, true, true],
      [b, true, false],
    ]);
    expect(list.find((c) => c.chainId === b)!.height).toBeGreaterThan(0);
  });

  it('a restart brings back every chain it ran, their data and the active one', async () => {
    const one = await startPeer();
    const a = (await one.multi.createChain(soloChain('alpha'))).chainId;
    const b = (await one.multi.createChain(soloChain('beta'))).chainId;
    await Promise.all([put(one.multi, a, 'x', 'on A'), put(one.multi, b, 'x', 'on B')]);
    const heights = [
      (await one.multi.chainHost(a).status()).height,
      (await one.multi.chainHost(b).status()).height,
    ];
    await one.multi.useChain(a);
    await one.multi.stop();

    const two = await startPeer(one.base, one.stores);
    expect(two.multi.runningChainIds()).toEqual(one.multi.runningChainIds());
    expect((await two.multi.status()).chainId).toBe(a);
    expect((await two.multi.chainHost(a).status()).height).toBe(heights[0]);
    expect((await two.multi.chainHost(b).status()).height).toBe(heights[1]);
    expect(((await dispatch(two.multi, 'get', ['x'], a)) as { value: unknown }).value).toBe('on A');
    expect(((await dispatch(two.multi, 'get', ['x'], b)) as { value: unknown }).value).toBe('on B');
    // Both still commit after the restart.
    const after = await Promise.all([put(two.multi, a, 'y', 1), put(two.multi, b, 'y', 2)]);
    expect(after.map((r) => r.status)).toEqual(['committed', 'committed']);
    expect((await two.multi.identity()).did).toBe((await one.multi.identity()).did);
  });

  it('a chain whose store fails stops alone: the other keeps committing', async () => {
    const { multi, stores } = await startPeer();
    const a = (await multi.createChain(soloChain('alpha'))).chainId;
    const b = (await multi.createChain(soloChain('beta'))).chainId;
    const storeA = stores.get(a)!;
    storeA.commitBlock = async () => {
      throw new Error('disk full');
    };
    storeA.commitBlocks = storeA.commitBlock as never;
    const failing = put(multi, a, 'lost', 1).catch(() => 'not committed');
    await until(() => multi.chainHost(a).fault() !== null);
    for (let i = 0; i < 3; i++) expect((await put(multi, b, `k${i}`, i)).status).toBe('committed');
    const listed = (await multi.chains()).find((c) => c.chainId === a)!;
    expect(listed.fault).toMatch(/disk full/);
    void failing;
  });

  it('a damaged chain fails its tamper check at restart; the other chain commits', async () => {
    const one = await startPeer();
    const a = (await one.multi.createChain(soloChain('alpha'))).chainId;
    const b = (await one.multi.createChain(soloChain('beta'))).chainId;
    await put(one.multi, a, 'x', 1);
    await one.multi.stop();
    const storeA = one.stores.get(a)!;
    const getBlock = storeA.getBlock.bind(storeA);
    storeA.getBlock = async (chainId, height) =>
      height === 1 ? new Uint8Array([0xff, 0x00]) : getBlock(chainId, height);

    const two = await startPeer(one.base, one.stores);
    expect((await dispatch(two.multi, 'integrity', [], a)) as { ok: boolean }).toMatchObject({
      ok: false,
    });
    expect((await dispatch(two.multi, 'integrity', [], b)) as { ok: boolean }).toMatchObject({
      ok: true,
    });
    expect((await put(two.multi, b, 'y', 2)).status).toBe('committed');
  });

  it('a chain whose store cannot be opened is listed with why; the others run', async () => {
    const one = await startPeer();
    const a = (await one.multi.createChain(soloChain('alpha'))).chainId;
    const b = (await one.multi.createChain(soloChain('beta'))).chainId;
    await one.multi.stop();
    const two = await startPeer(one.base, one.stores, (chainId) => chainId === a);
    expect(two.multi.runningChainIds()).not.toContain(a);
    expect((await put(two.multi, b, 'z', 3)).status).toBe('committed');
    expect(await codeOf(dispatch(two.multi, 'status', [], a))).toBe('NOT_READY');
    expect((await two.multi.chains()).find((c) => c.chainId === a)).toMatchObject({
      running: false,
      fault: 'the store cannot be opened',
    });
  });

  it('refuses an unknown or malformed chain id, a chain for a peer-wide method, and one chain too many', async () => {
    const { multi } = await startPeer();
    expect(await codeOf(dispatch(multi, 'status', [], 'ab'.repeat(16)))).toBe('NOT_FOUND');
    expect(await codeOf(dispatch(multi, 'status', [], 'not a chain'))).toBe('BAD_REQUEST');
    expect(await codeOf(dispatch(multi, 'status', [], 42))).toBe('BAD_REQUEST');
    const first = (await multi.status()).chainId;
    expect(await codeOf(dispatch(multi, 'identity', [], first))).toBe('BAD_REQUEST');
    expect(await codeOf(dispatch(multi, 'useChain', ['cd'.repeat(16)]))).toBe('NOT_FOUND');
    for (let i = 1; i < chainsActiveMax; i++) await multi.createChain(soloChain(`c${i}`));
    expect(multi.runningChainIds()).toHaveLength(chainsActiveMax);
    const over = dispatch(multi, 'createChain', [soloChain('one too many')]);
    await expect(over).rejects.toMatchObject({
      code: 'QUOTA',
      message: expect.stringContaining('chainsActiveMax'),
    });
    expect(multi.runningChainIds()).toHaveLength(chainsActiveMax); // nothing half-started
    expect(await codeOf(dispatch(multi, 'createChain', [{ name: '' }]))).toBe('BAD_REQUEST');
  });
  it('leaving a chain stops everything of it and frees its place; kept data runs again, deleted data is gone', async () => {
    const { multi, events, base, stores } = await startPeer();
    const first = (await multi.status()).chainId;
    const busy = (await multi.createChain(soloChain('busy'))).chainId;
    await put(multi, busy, 'before', 1);
    const busyHost = multi.chainHost(busy);
    const others: string[] = [];
    for (let i = 2; i < chainsActiveMax; i++)
      others.push((await multi.createChain(soloChain(`c${i}`))).chainId);
    expect(await codeOf(multi.createChain(soloChain('full')))).toBe('QUOTA');

    expect(await multi.leaveChain(busy)).toEqual({ chainId: busy, keptData: true });
    const heightLeft = await stores.get(busy)!.headHeight(busy);
    const seen = events.length;
    // Nothing of it runs: a transaction handed to its old host is never committed while the
    // other chains commit, and it tells nothing.
    const late = busyHost
      .submit({ type: 'data.put', body: { key: 'late', value: 1 } })
      .catch(() => null);
    for (let i = 0; i < 4; i++)
      expect((await put(multi, others[0]!, `k${i}`, i)).status).toBe('committed');
    expect(await stores.get(busy)!.headHeight(busy)).toBe(heightLeft);
    expect(events.slice(seen).filter((e) => e.chain === busy)).toEqual([]);
    await late;
    expect(await stores.get(busy)!.headHeight(busy)).toBe(heightLeft);
    expect(multi.runningChainIds()).not.toContain(busy);
    expect(await codeOf(dispatch(multi, 'status', [], busy))).toBe('NOT_FOUND');
    expect((await multi.chains()).find((c) => c.chainId === busy)).toMatchObject({
      running: false,
      left: true,
      height: heightLeft,
    });
    // Its place is free: one more chain runs; the peer is full again.
    const extra = (await multi.createChain(soloChain('extra'))).chainId;
    expect(await codeOf(multi.useChain(busy))).toBe('QUOTA');
    // The first slot's chain cannot be left; an unknown chain is not found.
    expect(await codeOf(multi.leaveChain(first))).toBe('BAD_REQUEST');
    expect(await codeOf(multi.leaveChain('ef'.repeat(16)))).toBe('NOT_FOUND');
    // Leaving without keeping the data wipes its store; it is no longer listed.
    await put(multi, extra, 'gone', 1);
    expect(await dispatch(multi, 'leaveChain', [extra, { keepData: false }])).toEqual({
      chainId: extra,
      keptData: false,
    });
    expect(await stores.get(extra)!.headHeight(extra)).toBe(-1);
    expect((await multi.chains()).some((c) => c.chainId === extra)).toBe(false);
    // The kept chain runs again from its data, and the left list survives a restart.
    await multi.useChain(busy);
    expect((await multi.status()).chainId).toBe(busy);
    expect(((await dispatch(multi, 'get', ['before'], busy)) as { value: unknown }).value).toBe(1);
    expect((await put(multi, busy, 'after', 2)).status).toBe('committed');
    await multi.leaveChain(others[1]!);
    await multi.stop();
    const two = await startPeer(base, stores);
    expect(two.multi.runningChainIds()).toEqual([first, others[0], busy]);
    expect((await two.multi.chains()).find((c) => c.chainId === others[1])).toMatchObject({
      left: true,
      running: false,
    });
  });
});
