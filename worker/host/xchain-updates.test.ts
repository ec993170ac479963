// The light-client material a peer keeps of its blocks (xchain.ts LightUpdateLog): the newest
// xchainHeadersCachedMax blocks' headers and certificates are served from memory, as they were
// recorded (a relay's pass and a light peer's request no longer read and decode those blocks
// from the store); older ones are read from the store; a header recorded for another chain is
// not served for this one.
import { describe, expect, it } from 'vitest';
import { encodeBlock } from '../core/block';
import { ids, TestChain } from '../core/lightclient/testkit';
import type { Storage } from '../store/storage';
import { LightUpdateLog, xchainHeadersCachedMax } from './xchain';

const [validator] = ids('updates validator', 1);

/** A chain of `count` certified blocks and a store of them that counts its block reads. */
function chainOf(name: string, count: number) {
  const chain = new TestChain(name, [validator!]);
  for (let i = 0; i < count; i++) chain.commit([]);
  const reads: number[] = [];
  const storage = {
    async getBlock(chainId: string, height: number) {
      reads.push(height);
      if (chainId !== chain.chainId) return undefined;
      const { header, cert } = chain.blockAt(height);
      return encodeBlock({ header, txs: [], cert } as never);
    },
  } as unknown as Storage;
  return { chain, storage, reads };
}

describe('LightUpdateLog', () => {
  it('serves the newest blocks’ headers and certificates from memory and older ones from the store', async () => {
    const count = xchainHeadersCachedMax + 6;
    const { chain, storage, reads } = chainOf('updates-a', count);
    const log = new LightUpdateLog();
    for (let height = 1; height <= count; height++) {
      const block = chain.blockAt(height);
      await log.record(block.state, { header: block.header, txs: [], cert: block.cert } as never);
    }
    for (let height = 1; height <= count; height++)
      expect(await log.update(storage, chain.chainId, height)).toEqual(chain.update(height));
    // the store was read only for the blocks older than the cached ones
    expect(reads).toEqual([1, 2, 3, 4, 5, 6]);
    // no material recorded: nothing, whatever the store holds
    expect(await log.update(storage, chain.chainId, count + 1)).toBeUndefined();
  });

  it('recorded without its block (a restart, load): the header comes from the store', async () => {
    const { chain, storage, reads } = chainOf('updates-b', 3);
    const log = new LightUpdateLog();
    for (let height = 1; height <= 3; height++) await log.record(chain.blockAt(height).state);
    expect(await log.update(storage, chain.chainId, 2)).toEqual(chain.update(2));
    expect(reads).toEqual([2]);
    // a header cached for one chain is not served for another (the store is asked, has none)
    const other = chainOf('updates-c', 1);
    const block = other.chain.blockAt(1);
    const mixed = new LightUpdateLog();
    await mixed.record(block.state, { header: block.header, txs: [], cert: block.cert } as never);
    const served = await mixed.update(storage, chain.chainId, 1);
    expect(served?.header).toEqual(chain.blockAt(1).header);
    expect(served?.cert).toEqual(chain.blockAt(1).cert);
    expect(reads).toEqual([2, 1]);
  });
});
