// Issue 19, the always-on peer's store: a Node validator (the peer of server/peer/, as its own
// process) fed signed data.put transactions over HTTP (POST /v1/tx { raw }) by 16 device
// identities, each rewriting 64 sensor keys (so the state stays bounded and what grows is the
// ledger: blocks, history, tx index). At each mark (all submitted txs committed) it prints the
// peer's RSS and heap after a full GC, the data directory's bytes and the committed tx/s.
//   npm run bench:store -- --txs 1000000 --marks 100000,1000000 [--tree DIR] [--label NAME] [--lanes N]
// --tree: the code tree whose server/peer/peer.ts runs (an older checkout, for before/after).
import { fork } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { call, repoRoot } from '../server/peer/testing';
import { encodeTx, signTx } from '../worker/core/tx';
import { publicKeyFromSeed } from '../worker/core/crypto/ed25519';
import { didFromPublicKey } from '../worker/core/crypto/did';
import { toHex } from '../worker/core/bytes';

const { values } = parseArgs({
  options: {
    txs: { type: 'string', default: '100000' },
    marks: { type: 'string' },
    tree: { type: 'string', default: repoRoot },
    label: { type: 'string', default: 'level' },
    lanes: { type: 'string', default: '16' },
  },
});
const total = Number(values.txs);
const marks = (values.marks ?? String(total)).split(',').map(Number);
const lanes = Number(values.lanes); // device identities, each submitting in nonce order
const keysPerLane = 64;

function directoryBytes(path: string): number {
  let sum = 0;
  for (const entry of readdirSync(path, { withFileTypes: true })) {
    const full = join(path, entry.name);
    sum += entry.isDirectory() ? directoryBytes(full) : statSync(full).size;
  }
  return sum;
}

const root = mkdtempSync(join(tmpdir(), 'bot-bench-store-'));
const dataDir = join(root, 'peer');
const child = fork(resolve(repoRoot, 'server/peer/bench-store-peer.ts'), [values.tree!, dataDir], {
  execArgv: ['--expose-gc', '--import', 'tsx'],
  cwd: repoRoot,
  stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
});
const replies: Array<(message: Record<string, unknown>) => void> = [];
child.on('message', (message: Record<string, unknown>) => replies.shift()?.(message));
const next = () => new Promise<Record<string, unknown>>((done) => replies.push(done));
try {
  const url = (await next()).url as string;
  const chainId = (await call(url, 'GET', '/v1/status')).body.chainId as string;
  const seeds = Array.from({ length: lanes }, () => crypto.getRandomValues(new Uint8Array(32)));
  const froms = seeds.map((seed) => didFromPublicKey(publicKeyFromSeed(seed)));
  const nonces = new Array<number>(lanes).fill(0);
  const started = performance.now();
  let sent = 0;
  for (const mark of marks) {
    const perLane = Math.round((mark - sent) / lanes);
    const lastIds = await Promise.all(
      seeds.map(async (seed, lane) => {
        let id = '';
        for (let i = 0; i < perLane; i++) {
          const nonce = ++nonces[lane]!;
          const tx = signTx(
            {
              chain: chainId,
              type: 'data.put',
              from: froms[lane]!,
              nonce,
              time: Date.now(),
              body: {
                key: `sensor/${lane}/${nonce % keysPerLane}`,
                value: { celsius: 20 + (nonce % 7) },
              },
            },
            seed,
          );
          const reply = await call(url, 'POST', '/v1/tx', { raw: toHex(encodeTx(tx)) });
          if (reply.status !== 202)
            throw new Error(`POST /v1/tx: ${reply.status} ${JSON.stringify(reply.body)}`);
          id = reply.body.txId;
        }
        return id;
      }),
    );
    for (const id of lastIds) {
      const verdict = (await call(url, 'GET', `/v1/tx/${id}?timeoutMs=600000`)).body;
      if (verdict.status !== 'committed') throw new Error(`tx ${id}: ${JSON.stringify(verdict)}`);
    }
    sent += perLane * lanes;
    const elapsedMs = performance.now() - started;
    child.send({ memory: true });
    const memory = (await next()).memory as NodeJS.MemoryUsage;
    const status = (await call(url, 'GET', '/v1/status')).body;
    console.log(
      JSON.stringify({
        label: values.label,
        txs: sent,
        height: status.height,
        committedTxPerSecond: Math.round(sent / (elapsedMs / 1000)),
        rssMB: +(memory.rss / 2 ** 20).toFixed(1),
        heapUsedMB: +(memory.heapUsed / 2 ** 20).toFixed(1),
        externalMB: +(memory.external / 2 ** 20).toFixed(1),
        dataDirBytes: directoryBytes(dataDir),
        bytesPerTx: Math.round(directoryBytes(dataDir) / sent),
      }),
    );
  }
  child.send({ stop: true });
  await new Promise((done) => child.on('exit', done));
} finally {
  child.kill('SIGKILL');
  rmSync(root, { recursive: true, force: true });
}
