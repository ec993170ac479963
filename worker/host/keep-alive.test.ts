// Issue 14 §2: one submission of more than a block's worth of transactions at once. On the Node
// host a script that submitted 10,000 raw transactions and awaited their results exited with code
// 13 (every host timer is unreferenced, so nothing kept the event loop open while the next block
// waited for its tick): the chain did not stall, the process died with the writes undecided.
// waitFor now holds the process open until its result or its timeout (Clock.hold).
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { startTestHost } from './testing';
import { createSigner } from './crypto';
import { publicKeyFromSeed } from '../core/crypto/ed25519';
import { didFromPublicKey } from '../core/crypto/did';
import { encodeTx, txIdOf, txSigningBytes, type Tx } from '../core/tx';
import type { BotError } from '../core/errors';
import * as limits from '../core/limits';

describe('more than a block of transactions in one submission (issue 14)', () => {
  it('a Node script awaiting the results of five blocks of raw submissions gets them (exit 0, not 13)', () => {
    const probe = fileURLToPath(new URL('./keep-alive-probe.node.ts', import.meta.url));
    const out = execFileSync(process.execPath, ['--import', 'tsx', probe], {
      encoding: 'utf8',
      timeout: 240_000,
    });
    const result = JSON.parse(out.trim().split('\n').at(-1)!) as { status: string; height: number };
    expect(result.status).toBe('committed');
    expect(result.height).toBeGreaterThanOrEqual(5);
  }, 300_000);

  it('10,000 from one caller each end committed or refused at once for a named limit, and another caller commits meanwhile', async () => {
    const { host } = await startTestHost();
    const { chainId } = await host.createChain({
      name: 'flood',
      mode: 'private',
      consensus: 'solo',
    });
    const seed = new Uint8Array(32).fill(9);
    const from = didFromPublicKey(publicKeyFromSeed(seed));
    const signer = await createSigner(seed);
    const count = 10_000;
    const txs: Tx[] = await Promise.all(
      Array.from({ length: count }, async (_, i) => {
        const unsigned = {
          chain: chainId,
          type: 'data.put',
          from,
          nonce: i + 1,
          time: Date.now(),
          body: { key: `flood/${i}`, value: i },
        };
        return { ...unsigned, sig: await signer.sign(txSigningBytes(unsigned)) };
      }),
    );
    const submitted = txs.map((tx) =>
      host.submitRaw(encodeTx(tx)).then(
        () => null,
        (error: BotError) => error,
      ),
    );
    // Another caller (the peer's own identity) writes while the flood is being taken in.
    const other = await host.submit({ type: 'data.put', body: { key: 'other', value: 1 } });
    const refusals = await Promise.all(submitted);
    const otherResult = await host.waitFor(other.txId, { timeoutMs: 120_000 });
    expect(otherResult).toMatchObject({ status: 'committed' });
    expect(otherResult.error).toBeFalsy();

    // Accepted ones are a prefix of the nonces; the rest were refused at once, each naming why.
    const accepted = refusals.findIndex((r) => r !== null);
    const firstRefused = accepted === -1 ? count : accepted;
    expect(firstRefused).toBeGreaterThanOrEqual(limits.mempoolPerAccountMax);
    for (const refusal of refusals.slice(firstRefused))
      expect(['MEMPOOL_FULL', 'NONCE_GAP']).toContain(refusal!.code);
    const results = await Promise.all(
      txs.slice(0, firstRefused).map((tx) => host.waitFor(txIdOf(tx), { timeoutMs: 120_000 })),
    );
    for (const result of results) {
      expect(result.status).toBe('committed');
      expect(result.error).toBeFalsy();
    }
    expect((await host.get('flood/0'))?.value).toBe(0);
    await host.stop();
  }, 300_000);
});
