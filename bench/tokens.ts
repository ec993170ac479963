// Token transfer cost (`npm run bench:tokens`, issue 16): committed token.transfer per second
// divided by committed data.put per second, on the same peer (one PeerHost, memory store, the
// best verifier) and the same chain, in one run. Phases alternate put, transfer, put, transfer
// (the first pair warms up; the ratio is of the second pair) so that both see the same JIT and
// state size. Each phase: BENCH_TXS transactions (default 10,000: five blocks' worth) from 100
// accounts, submitted raw in one go (BENCH_WAVE at a time) and waited for. Target (issue 16):
// ratio at least 0.8.
import { PeerHost } from '../worker/host/peer-host';
import { MemoryStorage } from '../worker/store/memory';
import { bestVerifier, createSigner, type Signer } from '../worker/host/crypto';
import { publicKeyFromSeed } from '../worker/core/crypto/ed25519';
import { didFromPublicKey } from '../worker/core/crypto/did';
import { encodeTx, txIdOf, txSigningBytes, type UnsignedTx } from '../worker/core/tx';

type Kind = 'data.put' | 'token.transfer';
// A phase used to be capped at one block's worth: a Node script awaiting more than that exited
// with code 13 before waitFor held the process open (issue 14; worker/host/keep-alive.test.ts).
const txCount = Number(process.env.BENCH_TXS ?? 10_000);
const pairs = Number(process.env.BENCH_PAIRS ?? 6);
const wave = Number(process.env.BENCH_WAVE ?? 10_000);

const host = new PeerHost({
  storage: new MemoryStorage(),
  storageKind: 'memory',
  verifier: await bestVerifier(),
  now: () => Date.now(),
  randomBytes: (n) => crypto.getRandomValues(new Uint8Array(n)),
  emit: () => {},
  tickIntervalMs: 50,
});
await host.ready();
const accounts: Array<{ did: string; signer: Signer; nonce: number }> = await Promise.all(
  Array.from({ length: 100 }, async () => {
    const seed = crypto.getRandomValues(new Uint8Array(32));
    return {
      did: didFromPublicKey(publicKeyFromSeed(seed)),
      signer: await createSigner(seed),
      nonce: 0,
    };
  }),
);
const { chainId } = await host.createChain({
  name: 'bench tokens',
  mode: 'private',
  consensus: 'solo',
  tokens: {
    symbol: 'BOT',
    allocations: accounts.map((a) => ({ did: a.did, amount: 1_000_000_000 })),
    fee: 1,
  },
});

async function phase(kind: Kind, round: number): Promise<number> {
  const encoded: Uint8Array[] = [];
  const lastIds: string[][] = [];
  for (let start = 0; start < txCount; start += wave) {
    const count = Math.min(wave, txCount - start);
    const unsigned: UnsignedTx[] = Array.from({ length: count }, (_, i) => {
      const n = start + i;
      const account = accounts[n % accounts.length]!;
      account.nonce++;
      return {
        chain: chainId,
        type: kind,
        from: account.did,
        nonce: account.nonce,
        time: Date.now(),
        body:
          kind === 'data.put'
            ? { key: `sensor/${n % 5000}`, value: { seq: n, celsius: 20 + (n % 100) / 10 } }
            : { to: accounts[(n * 7 + round) % accounts.length]!.did, amount: 1 + (n % 50) },
      };
    });
    // A transfer to oneself is refused: move it to the next account.
    for (const [i, u] of unsigned.entries())
      if (kind === 'token.transfer' && (u.body as { to: string }).to === u.from)
        (u.body as { to: string }).to = accounts[(start + i + 1) % accounts.length]!.did;
    const sigs = await Promise.all(
      unsigned.map((u, i) =>
        accounts[(start + i) % accounts.length]!.signer.sign(txSigningBytes(u)),
      ),
    );
    unsigned.forEach((u, i) => encoded.push(encodeTx({ ...u, sig: sigs[i]! })));
    lastIds.push(unsigned.slice(-accounts.length).map(txIdOf));
  }
  const t0 = performance.now();
  for (let start = 0, w = 0; start < encoded.length; start += wave, w++) {
    await Promise.all(encoded.slice(start, start + wave).map((bytes) => host.submitRaw(bytes)));
    const results = await Promise.all(
      lastIds[w]!.map((id) => host.waitFor(id, { timeoutMs: 300_000 })),
    );
    const bad = results.find((r) => r.status !== 'committed' || r.error);
    if (bad) throw new Error(`${kind}: a transaction did not take effect: ${JSON.stringify(bad)}`);
  }
  return txCount / ((performance.now() - t0) / 1000);
}

const totals = { put: 0, transfer: 0 };
for (let round = 0; round < 2 * pairs; round++) {
  const kind: Kind = round % 2 === 0 ? 'data.put' : 'token.transfer';
  const txPerSecond = await phase(kind, round);
  console.log(`${kind}: ${Math.round(txPerSecond)} committed tx/s`);
  // The first pair warms up; the rest count, as total time per kind.
  if (round >= 2) totals[kind === 'data.put' ? 'put' : 'transfer'] += txCount / txPerSecond;
}
const put = ((pairs - 1) * txCount) / totals.put;
const transfer = ((pairs - 1) * txCount) / totals.transfer;
const supply = (await host.balance(accounts[0]!.did)).supply;
console.log(
  JSON.stringify(
    {
      txCount,
      pairs,
      putTxPerSecond: Math.round(put),
      transferTxPerSecond: Math.round(transfer),
      ratioTransferToPut: Number((transfer / put).toFixed(3)),
      supplyUnchanged: supply === 100 * 1_000_000_000,
      target: 'ratio at least 0.8',
    },
    null,
    2,
  ),
);
host.stop();
process.exit(0);
