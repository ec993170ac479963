// Run by keep-alive.test.ts in its own Node process (issue 14): a script that submits more than
// a block's worth of raw transactions to a PeerHost (no HTTP server, nothing else keeps the event
// loop open) and awaits the result of the last one. Prints the result as JSON and exits 0; before
// waitFor held the process open, Node exited with code 13 once the next block needed a tick.
import { PeerHost } from './peer-host';
import { MemoryStorage } from '../store/memory';
import { bestVerifier, createSigner } from './crypto';
import { publicKeyFromSeed } from '../core/crypto/ed25519';
import { didFromPublicKey } from '../core/crypto/did';
import { encodeTx, txIdOf, txSigningBytes, type UnsignedTx } from '../core/tx';
import * as limits from '../core/limits';
import { realClock } from '../net/clock';

const host = new PeerHost({
  storage: new MemoryStorage(),
  storageKind: 'memory',
  verifier: await bestVerifier(),
  now: () => Math.floor(realClock.now()),
  randomBytes: (n) => crypto.getRandomValues(new Uint8Array(n)),
  emit: () => {},
  tickIntervalMs: 50,
});
await host.ready();
const { chainId } = await host.createChain({
  name: 'keep alive',
  mode: 'private',
  consensus: 'solo',
});
// Five blocks' worth from five accounts (one account may have at most mempoolPerAccountMax waiting).
const accounts = await Promise.all(
  [1, 2, 3, 4, 5].map(async (n) => {
    const seed = new Uint8Array(32).fill(n);
    return { did: didFromPublicKey(publicKeyFromSeed(seed)), signer: await createSigner(seed) };
  }),
);
const count = 5 * limits.blockTxCountMax;
const unsigned: UnsignedTx[] = Array.from({ length: count }, (_, i) => ({
  chain: chainId,
  type: 'data.put',
  from: accounts[i % 5]!.did,
  nonce: Math.floor(i / 5) + 1,
  time: Math.floor(realClock.now()),
  body: { key: `probe/${i}`, value: i },
}));
const signed = await Promise.all(
  unsigned.map(async (u, i) => ({
    ...u,
    sig: await accounts[i % 5]!.signer.sign(txSigningBytes(u)),
  })),
);
await Promise.all(signed.map((tx) => host.submitRaw(encodeTx(tx))));
const result = await host.waitFor(txIdOf(signed.at(-1)!), { timeoutMs: 120_000 });
console.log(JSON.stringify({ status: result.status, height: (await host.status()).height }));
await host.stop();
