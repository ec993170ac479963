// Issue 19, the always-on peer's store, the whole peer: a Node validator (the peer of
// server/peer/, solo engine, LevelDB store, as its own process) fed signed data.put transactions
// over HTTP by 16 device identities, each rewriting 64 sensor keys (so the state stays bounded
// and what grows is the ledger: blocks, history, tx index). At each mark (every submitted tx
// committed) it prints the peer's RSS and heap after a full GC, the data directory's bytes and
// bytes per tx, and the committed tx/s.
//   BENCH_WHOLE=1 npm run bench:store -- --txs 1000000 --marks 100000,1000000   (or --whole)
//   node --import tsx bench/store.ts --txs N [--marks a,b] [--batch 1000] [--window 4]
//        [--tree DIR] [--label NAME] [--lanes N]
// --batch: transactions per POST /v1/tx/batch (default 1,000, the route's txBatchCountMax);
// 0 sends each alone as POST /v1/tx { raw } (the only way an older tree takes them).
// --window: batches submitted and not yet committed at once (4 x 1,000 stays far below
// mempoolTxCountMax, so no item is refused for a full mempool).
// --tree: the code tree whose server/peer/peer.ts runs (an older checkout, for before/after).
// --snapshots DIR: a V8 heap snapshot of the peer at each mark (DIR/peer-<txs>.heapsnapshot),
// to find what grows: node --import tsx bench/heap-diff.ts DIR/peer-A.heapsnapshot DIR/peer-B.heapsnapshot
import { fork } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { call, repoRoot } from '../server/peer/testing';
import { checkTx, encodeTx, txIdOf, txSigningBytes, withSignature } from '../worker/core/tx';
import { publicKeyFromSeed } from '../worker/core/crypto/ed25519';
import { didFromPublicKey } from '../worker/core/crypto/did';
import { toHex } from '../worker/core/bytes';
import { nodeSigner } from '../worker/host/node-signer';
import { txBatchCountMax } from '../worker/core/limits';

const { values } = parseArgs({
  options: {
    whole: { type: 'boolean', default: false },
    txs: { type: 'string', default: '100000' },
    marks: { type: 'string' },
    tree: { type: 'string', default: repoRoot },
    label: { type: 'string', default: 'level' },
    lanes: { type: 'string', default: '16' },
    batch: { type: 'string', default: String(txBatchCountMax) },
    window: { type: 'string', default: '4' },
    snapshots: { type: 'string' },
  },
});
const total = Number(values.txs);
const marks = (values.marks ?? String(total)).split(',').map(Number);
const lanes = Number(values.lanes); // device identities, each submitting in nonce order
const batchSize = Number(values.batch);
const window = Number(values.window);
const keysPerLane = 64;
if (batchSize > txBatchCountMax) throw new RangeError(`--batch is at most ${txBatchCountMax}`);

function directoryBytes(path: string): number {
  let sum = 0;
  for (const entry of readdirSync(path, { withFileTypes: true })) {
    const full = join(path, entry.name);
    sum += entry.isDirectory() ? directoryBytes(full) : statSync(full).size;
  }
  return sum;
}

/** One device identity: signs its data.put transactions with Node's Ed25519, nonce after nonce. */
class Lane {
  private readonly sign: (message: Uint8Array) => Uint8Array;
  private readonly from: string;
  nonce = 0;
  lastTxId = '';

  constructor(
    private readonly chainId: string,
    readonly index: number,
  ) {
    const seed = crypto.getRandomValues(new Uint8Array(32));
    this.sign = nodeSigner(seed);
    this.from = didFromPublicKey(publicKeyFromSeed(seed));
  }

  /** The next transaction in hex, canonical CBOR. */
  next(): string {
    const nonce = ++this.nonce;
    const draft = checkTx({
      chain: this.chainId,
      type: 'data.put',
      from: this.from,
      nonce,
      time: Date.now(),
      body: {
        key: `sensor/${this.index}/${nonce % keysPerLane}`,
        value: { celsius: 20 + (nonce % 7) },
      },
      sig: new Uint8Array(64),
    });
    const tx = withSignature(draft, this.sign(txSigningBytes(draft)));
    this.lastTxId = txIdOf(tx);
    return toHex(encodeTx(tx));
  }
}

async function committed(url: string, txIds: string[]): Promise<void> {
  for (const id of txIds) {
    const verdict = (await call(url, 'GET', `/v1/tx/${id}?timeoutMs=600000`)).body;
    if (verdict.status !== 'committed') throw new Error(`tx ${id}: ${JSON.stringify(verdict)}`);
  }
}

/** `count` transactions, `count / lanes` from each lane, as batches of POST /v1/tx/batch. */
async function sendBatched(url: string, all: Lane[], count: number): Promise<void> {
  const inFlight: Array<Promise<void>> = [];
  for (let sent = 0; sent < count; ) {
    const size = Math.min(batchSize, count - sent);
    const perLane = Math.ceil(size / all.length);
    const txs: Array<{ raw: string }> = [];
    const used = new Set<Lane>();
    for (const lane of all)
      for (let i = 0; i < perLane && txs.length < size; i++) {
        txs.push({ raw: lane.next() });
        used.add(lane);
      }
    const reply = await call(url, 'POST', '/v1/tx/batch', { txs });
    if (reply.status !== 200 || reply.body.rejected !== 0) {
      const refused = reply.body.results?.find((r: { status: string }) => r.status !== 'accepted');
      throw new Error(
        `POST /v1/tx/batch: ${reply.status} ${JSON.stringify(refused ?? reply.body)}`,
      );
    }
    sent += txs.length;
    // A lane's last transaction committed means all of its earlier ones did (nonce order).
    inFlight.push(
      committed(
        url,
        [...used].map((lane) => lane.lastTxId),
      ),
    );
    if (inFlight.length >= window) await inFlight.shift();
  }
  await Promise.all(inFlight);
}

/** `count` transactions, one POST /v1/tx { raw } each, the lanes in parallel. */
async function sendOneByOne(url: string, all: Lane[], count: number): Promise<void> {
  const perLane = Math.round(count / all.length);
  await Promise.all(
    all.map(async (lane) => {
      for (let i = 0; i < perLane; i++) {
        const reply = await call(url, 'POST', '/v1/tx', { raw: lane.next() });
        if (reply.status !== 202)
          throw new Error(`POST /v1/tx: ${reply.status} ${JSON.stringify(reply.body)}`);
      }
    }),
  );
  await committed(
    url,
    all.map((lane) => lane.lastTxId),
  );
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
  const all = Array.from({ length: lanes }, (_, index) => new Lane(chainId, index));
  const started = performance.now();
  let sent = 0;
  for (const mark of marks) {
    const markStarted = performance.now();
    if (batchSize > 0) await sendBatched(url, all, mark - sent);
    else await sendOneByOne(url, all, mark - sent);
    const markMs = performance.now() - markStarted;
    const txsThisMark = all.reduce((sum, lane) => sum + lane.nonce, 0) - sent;
    sent += txsThisMark;
    const elapsedMs = performance.now() - started;
    child.send({ memory: true });
    const memory = (await next()).memory as NodeJS.MemoryUsage;
    if (values.snapshots) {
      child.send({ snapshot: join(resolve(values.snapshots), `peer-${sent}.heapsnapshot`) });
      await next();
    }
    const status = (await call(url, 'GET', '/v1/status')).body;
    const bytes = directoryBytes(dataDir);
    console.log(
      JSON.stringify({
        label: values.label,
        batch: batchSize,
        txs: sent,
        height: status.height,
        txsPerBlock: Math.round(sent / status.height),
        committedTxPerSecond: Math.round(sent / (elapsedMs / 1000)),
        committedTxPerSecondThisMark: Math.round(txsThisMark / (markMs / 1000)),
        rssMB: +(memory.rss / 2 ** 20).toFixed(1),
        heapUsedMB: +(memory.heapUsed / 2 ** 20).toFixed(1),
        externalMB: +(memory.external / 2 ** 20).toFixed(1),
        dataDirBytes: bytes,
        bytesPerTx: Math.round(bytes / sent),
        elapsedS: Math.round(elapsedMs / 1000),
      }),
    );
  }
  child.send({ stop: true });
  await new Promise((done) => child.on('exit', done));
} finally {
  child.kill('SIGKILL');
  rmSync(root, { recursive: true, force: true });
}
