// The host's assertions: a broken pipeline invariant stops the peer with INTERNAL, one log line
// and nothing written; bad input from a peer (a synced batch with a bad certificate, a forged
// block) or from a caller is a refusal of that input, and the peer and its chain go on.
import { describe, expect, it } from 'vitest';
import { decodeBlock, type Block } from '../core/block';
import { type BotError, botError } from '../core/errors';
import { executeBlock, type ChainState, type ExecutedBlock } from '../core/ledger';
import type { PeerEffect } from '../core/consensus/types';
import { MemoryStorage } from '../store/memory';
import type { PeerHost } from './peer-host';
import { startTestHost, until } from './testing';
import { assertPersistsFollow, assertStepConsistent, stopsPeer } from './assertions';

/** The host's internals a test breaks on purpose. */
interface Internals {
  s: { durable: ChainState; stopped: boolean };
  queueEffects(effects: PeerEffect[]): void;
  syncServing: { applySynced(from: string, blocks: Block[]): Promise<number> };
}
const internals = (host: PeerHost) => host as unknown as Internals;

function next(state: ChainState, time: number): ExecutedBlock {
  return executeBlock(state, [], { time, proposer: state.validators[0]!.did, round: 0 }, false);
}

function internal(run: () => void): string {
  try {
    run();
  } catch (error) {
    expect((error as BotError).code).toBe('INTERNAL');
    return (error as Error).message;
  }
  throw new Error('the broken invariant was not caught');
}

async function committedPut(host: PeerHost, key: string): Promise<number> {
  const { txId } = await host.submit({ type: 'data.put', body: { key, value: key } });
  const result = await host.waitFor(txId, { timeoutMs: 10_000 });
  expect(result.status).toBe('committed');
  return result.height!;
}

const stoppedLines = async (host: PeerHost) =>
  (await host.log()).filter((e) => e.message.startsWith('The peer stopped'));

describe('host assertions', () => {
  it('tell a broken invariant (INTERNAL, or a bug) from a refusal of input', () => {
    expect(stopsPeer(botError('INTERNAL', 'x'))).toBe(true);
    expect(stopsPeer(new TypeError('x'))).toBe(true);
    for (const code of ['BAD_CERTIFICATE', 'BAD_BLOCK', 'BAD_REQUEST', 'MALFORMED'] as const)
      expect(stopsPeer(botError(code, 'x'))).toBe(false);
  });

  it('the persisting pipeline takes exactly tip + 1, on the tip, carrying its state', async () => {
    const { host } = await startTestHost();
    const durable = internals(host).s.durable;
    const one = next(durable, durable.headTime + 1);
    const two = next(one.state, durable.headTime + 2);
    expect(() => assertPersistsFollow(durable, [one, two])).not.toThrow();
    expect(internal(() => assertPersistsFollow(durable, [two]))).toMatch(
      /persisting block 2 while the durable tip is 0/,
    );
    const orphan = {
      ...one,
      block: { ...one.block, header: { ...one.block.header, prev: two.hash } },
    };
    expect(internal(() => assertPersistsFollow(durable, [orphan]))).toMatch(/names parent/);
    expect(internal(() => assertPersistsFollow(durable, [{ ...one, state: durable }]))).toMatch(
      /carries the state of height 0/,
    );
    const persist = (executed: ExecutedBlock): PeerEffect => ({ kind: 'persist', executed });
    expect(() =>
      assertStepConsistent(durable, two.state, [persist(one), persist(two)]),
    ).not.toThrow();
    expect(internal(() => assertStepConsistent(durable, one.state, []))).toMatch(
      /after the step the chain is at 1/,
    );
    await host.stop();
  });

  it('a broken pipeline stops the peer with INTERNAL and one log line, and writes nothing', async () => {
    const storage = new MemoryStorage();
    const { host } = await startTestHost(storage);
    const height = await committedPut(host, 'before');
    const { s } = internals(host);
    const chainId = s.durable.chainId;
    // Deliberately skip a height: a block at tip + 2 handed to the pipeline.
    const one = next(s.durable, s.durable.headTime + 1);
    const skipped = next(one.state, s.durable.headTime + 2);
    internals(host).queueEffects([{ kind: 'persist', executed: skipped }]);
    await until(() => s.stopped, 5_000);
    const lines = await stoppedLines(host);
    expect(lines).toHaveLength(1);
    expect(lines[0]!.message).toMatch(
      /^The peer stopped \(INTERNAL\): Invariant broken: persisting block/,
    );
    expect(await storage.headHeight(chainId)).toBe(height);
    expect(await storage.getBlock(chainId, height + 2)).toBeUndefined();
    // A stopped peer takes no write: it says so at once instead of accepting one that never commits.
    await expect(
      host.submit({ type: 'data.put', body: { key: 'after', value: 1 } }),
    ).rejects.toMatchObject({
      code: 'INTERNAL',
      message: expect.stringMatching(/takes no writes until it is restarted/),
    });
    await host.stop();
  });

  it('a synced batch with a bad certificate or a forged block is refused; the peer goes on and syncs the real blocks', async () => {
    const source = await startTestHost();
    for (let i = 0; i < 3; i++) await committedPut(source.host, `k${i}`);
    const sourceStatus = await source.host.status();
    const sourceStorage = (source.host as unknown as { options: { storage: MemoryStorage } })
      .options.storage;
    const blocks: Block[] = [];
    for (let h = 1; h <= sourceStatus.height; h++)
      blocks.push(decodeBlock((await sourceStorage.getBlock(sourceStatus.chainId, h))!));
    const from = (await source.host.identity()).did;

    const { host } = await startTestHost();
    await host.join(await source.host.invite());
    const { syncServing, s } = internals(host);
    expect((await host.status()).height).toBe(0);

    // A certificate signature that does not verify: refused with BAD_CERTIFICATE.
    const first = blocks[0]!;
    const badCert: Block = {
      ...first,
      cert: {
        ...first.cert!,
        sigs: first.cert!.sigs.map((sig) => ({
          ...sig,
          sig: sig.sig.map((b, i) => (i ? b : b ^ 1)),
        })),
      },
    };
    await expect(syncServing.applySynced(from, [badCert])).rejects.toMatchObject({
      code: 'BAD_CERTIFICATE',
    });
    // A forged block: its transactions changed under a genuine certificate (the header's
    // txRoot no longer matches). Not applied, nothing written.
    const forged: Block = { ...first, txs: [] };
    expect(first.txs.length).toBeGreaterThan(0);
    expect(await syncServing.applySynced(from, [forged])).toBe(0);

    expect(s.stopped).toBe(false);
    expect(await stoppedLines(host)).toEqual([]);
    expect((await host.status()).height).toBe(0);
    // The chain is not stalled: the real blocks apply and the peer reaches the source's head.
    // (As the syncer does: a batch applies up to the block the core waits to see durable.)
    await until(async () => {
      await syncServing.applySynced(from, blocks);
      return (await host.status()).height === sourceStatus.height;
    }, 5_000);
    expect((await host.status()).headHash).toBe(sourceStatus.headHash);
    expect(await host.get('k2')).toMatchObject({ value: 'k2' });
    await host.stop();
    await source.host.stop();
  });

  it('a call refused inside the event loop (repair with nothing to repair) does not stop the peer', async () => {
    const { host } = await startTestHost();
    await expect(host.repair()).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await committedPut(host, 'after-repair'); // the chain still commits
    expect(await stoppedLines(host)).toEqual([]);
    expect(internals(host).s.stopped).toBe(false);
    await host.stop();
  });
});
