// Figures for the headless peer (one run, this machine): durable commitBlock of 100-tx blocks
// on disk vs the memory adapter, reopening the log, and committed tx/s through the HTTP API.
//   node --import tsx server/peer/bench-store.ts [blocks]
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { DiskStorage } from '../../worker/store/disk';
import { MemoryStorage } from '../../worker/store/memory';
import type { BlockCommit, Storage } from '../../worker/store/storage';
import { startPeer, defaultConfig } from './peer';
import { call } from './testing';
import { signTx, encodeTx } from '../../worker/core/tx';
import { publicKeyFromSeed } from '../../worker/core/crypto/ed25519';
import { didFromPublicKey } from '../../worker/core/crypto/did';
import { toHex } from '../../worker/core/bytes';

const blocks = Number(process.argv[2] ?? 300);
const txPerBlock = 100;

function commitOf(height: number): BlockCommit {
  const writes = new Map<string, Uint8Array>();
  const txIds: string[] = [];
  for (let i = 0; i < txPerBlock; i++) {
    writes.set(`data/sensor/${height}/${i}`, randomBytes(90)); // an encoded entry: value, height, txId
    txIds.push(randomBytes(32).toString('hex'));
  }
  return { chainId: 'bench', height, block: randomBytes(txPerBlock * 260), writes, txIds }; // ~260 B per signed tx
}

async function commitRate(storage: Storage): Promise<number> {
  const commits = Array.from({ length: blocks }, (_, h) => commitOf(h));
  const started = performance.now();
  for (const commit of commits) await storage.commitBlock(commit);
  return blocks / ((performance.now() - started) / 1000);
}

const root = mkdtempSync(join(tmpdir(), 'bot-bench-'));
try {
  const memory = await commitRate(new MemoryStorage());
  const disk = await DiskStorage.open(join(root, 'disk'));
  const onDisk = await commitRate(disk);
  await disk.shutdown();
  const logBytes = statSync(join(root, 'disk', 'ledger.log')).size;
  const reopenStarted = performance.now();
  const reopened = await DiskStorage.open(join(root, 'disk'));
  const reopenMs = performance.now() - reopenStarted;
  await reopened.shutdown();

  const peer = await startPeer({
    ...defaultConfig,
    port: 0,
    dataDir: join(root, 'peer'),
    quiet: true,
  });
  const total = 2000;
  let next = 0;
  let last = '';
  const httpStarted = performance.now();
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < total) {
        const i = next++;
        last = (
          await call(peer.url, 'POST', '/v1/tx', {
            type: 'data.put',
            body: { key: `k/${i}`, value: { i, celsius: 20 + (i % 10) } },
          })
        ).body.txId;
      }
    }),
  );
  const submittedMs = performance.now() - httpStarted;
  const verdict = (await call(peer.url, 'GET', `/v1/tx/${last}?timeoutMs=60000`)).body;
  const committedMs = performance.now() - httpStarted;
  const status = (await call(peer.url, 'GET', '/v1/status')).body;

  // The same load signed by 16 device identities elsewhere (POST /v1/tx { raw }): not ordered by
  // the peer's own nonce, so submissions batch into blocks.
  const chainId = status.chainId;
  const lanes = Array.from({ length: 16 }, () => crypto.getRandomValues(new Uint8Array(32)));
  const perLane = total / lanes.length;
  const rawStarted = performance.now();
  const lastIds = await Promise.all(
    lanes.map(async (seed, lane) => {
      const from = didFromPublicKey(publicKeyFromSeed(seed));
      let id = '';
      for (let nonce = 1; nonce <= perLane; nonce++) {
        const tx = signTx(
          {
            chain: chainId,
            type: 'data.put',
            from,
            nonce,
            time: Date.now(),
            body: { key: `raw/${lane}/${nonce}`, value: { celsius: 20 } },
          },
          seed,
        );
        id = (await call(peer.url, 'POST', '/v1/tx', { raw: toHex(encodeTx(tx)) })).body.txId;
      }
      return id;
    }),
  );
  for (const id of lastIds) await call(peer.url, 'GET', `/v1/tx/${id}?timeoutMs=60000`);
  const rawMs = performance.now() - rawStarted;
  const rawStatus = (await call(peer.url, 'GET', '/v1/status')).body;
  await peer.stop();

  const figures = {
    commitBlock100TxPerSecond: {
      memory: Math.round(memory),
      disk: Math.round(onDisk),
      diskTxPerSecond: Math.round(onDisk * txPerBlock),
    },
    log: { blocks, bytes: logBytes, reopenMs: Math.round(reopenMs) },
    httpRaw: {
      transactions: total,
      identities: lanes.length,
      committedPerSecond: Math.round(total / (rawMs / 1000)),
      blocks: rawStatus.height - status.height,
    },
    http: {
      transactions: total,
      clients: 16,
      submitPerSecond: Math.round(total / (submittedMs / 1000)),
      committedPerSecond: Math.round(total / (committedMs / 1000)),
      lastStatus: verdict.status,
      height: status.height,
    },
  };
  console.log(JSON.stringify(figures, null, 2));
} finally {
  rmSync(root, { recursive: true, force: true });
}
