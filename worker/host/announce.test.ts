// Issue 14 §6: a round engine's results are told when the block is decided, while this peer's
// own copy is still being written (its certificate's signers stored the block first), and what
// a caller reads after that answer still includes the block: reads wait for the write. Solo's
// results wait for the write (its block exists nowhere else until then).
import { describe, expect, it } from 'vitest';
import { startTestHost } from './testing';
import { MemoryStorage } from '../store/memory';
import type { BlockCommit } from '../store/storage';
import type { PeerNet } from '../net/types';
import { decodeWire } from './wire';

/** A memory store whose block writes wait until the test opens the gate. */
class GatedStorage extends MemoryStorage {
  gated = false;
  private opened: Array<() => void> = [];
  writesWaiting = 0;

  override async commitBlock(commit: BlockCommit): Promise<void> {
    if (this.gated) {
      this.writesWaiting++;
      await new Promise<void>((resolve) => this.opened.push(resolve));
      this.writesWaiting--;
    }
    return super.commitBlock(commit);
  }

  open(): void {
    this.gated = false;
    for (const resolve of this.opened.splice(0)) resolve();
  }
}

const settledWithin = async <T>(promise: Promise<T>, ms: number): Promise<boolean> =>
  Promise.race([
    promise.then(() => true),
    new Promise<boolean>((resolve) => setTimeout(() => resolve(false), ms)),
  ]);

describe('when a commit is told', () => {
  it('a bft chain tells the result while the block is still being written; a read after it waits for the write', async () => {
    const storage = new GatedStorage();
    const { host } = await startTestHost(storage);
    const { did } = await host.identity();
    await host.createChain({
      name: 'told early',
      mode: 'private',
      consensus: 'bft',
      validators: [did],
      timeoutMs: 200,
    });
    const before = (await host.status()).height;
    storage.gated = true;
    const { txId } = await host.submit({ type: 'data.put', body: { key: 'k', value: 42 } });
    const result = await host.waitFor(txId, { timeoutMs: 10_000 });
    expect(result.status).toBe('committed');
    expect(storage.writesWaiting).toBe(1); // told while its block's write has not ended
    const read = host.get('k');
    const status = host.status();
    expect(await settledWithin(read, 200)).toBe(false);
    storage.open();
    expect((await read)?.value).toBe(42);
    expect((await status).height).toBe(result.height);
    expect(result.height).toBe(before + 1);
    await host.stop();
  });

  it('a bft chain tells the result before its own copy of the block is encoded and handed to the store', async () => {
    const storage = new GatedStorage();
    const { host, events } = await startTestHost(storage);
    const { did } = await host.identity();
    await host.createChain({
      name: 'told first',
      mode: 'private',
      consensus: 'bft',
      validators: [did],
      timeoutMs: 200,
    });
    // What had been told when the store was handed each block (the call, not its end).
    const toldAtWrite: string[][] = [];
    const commitBlock = storage.commitBlock.bind(storage);
    storage.commitBlock = (commit) => {
      toldAtWrite.push(events.flatMap((e) => (e.type === 'tx' ? [e.txId] : [])));
      return commitBlock(commit);
    };
    const { txId } = await host.submit({ type: 'data.put', body: { key: 'k', value: 1 } });
    expect((await host.waitFor(txId, { timeoutMs: 10_000 })).status).toBe('committed');
    expect(toldAtWrite.at(-1)).toContain(txId);
    expect((await host.get('k'))?.value).toBe(1); // the read still waits for the write
    await host.stop();
  });

  it("a submission's gossip leaves at once, not after the previous block's write", async () => {
    const storage = new GatedStorage();
    const gossiped: string[] = [];
    const net = {
      start() {},
      stop() {},
      broadcast(bytes: Uint8Array) {
        const wire = decodeWire(bytes);
        if (wire.kind === 'consensus' && wire.message.type === 'tx')
          gossiped.push(String((wire.message.tx.body as { key: string }).key));
      },
      send: () => false,
      drop() {},
      setValidators() {},
      setReaders() {},
      view: () => ({ did: '', room: null, neighbours: [], relays: [], webrtc: 'unknown' }),
    } as unknown as PeerNet;
    const { host } = await startTestHost(storage, { net });
    const { did } = await host.identity();
    await host.createChain({
      name: 'gossip first',
      mode: 'private',
      consensus: 'bft',
      validators: [did],
      timeoutMs: 200,
    });
    storage.gated = true;
    const first = await host.submit({ type: 'data.put', body: { key: 'a', value: 1 } });
    expect((await host.waitFor(first.txId, { timeoutMs: 10_000 })).status).toBe('committed');
    expect(storage.writesWaiting).toBe(1); // block of 'a' still being written
    await host.submit({ type: 'data.put', body: { key: 'b', value: 2 } });
    expect(gossiped).toEqual(['a', 'b']); // 'b' went out while that write had not ended
    storage.open();
    await host.stop();
  });

  it('a solo chain tells the result only once the block is written', async () => {
    const storage = new GatedStorage();
    const { host } = await startTestHost(storage);
    storage.gated = true;
    const { txId } = await host.submit({ type: 'data.put', body: { key: 'k', value: 7 } });
    const result = host.waitFor(txId, { timeoutMs: 10_000 });
    expect(await settledWithin(result, 500)).toBe(false);
    expect(storage.writesWaiting).toBe(1);
    storage.open();
    expect((await result).status).toBe('committed');
    expect((await host.get('k'))?.value).toBe(7);
    await host.stop();
  });
});
