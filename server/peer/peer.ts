// The headless peer: the same worker/ host as a browser tab, on disk storage, behind the HTTP
// API. `startPeer` is what `npm run peer` runs (server/peer/main.ts) and what the tests start
// in-process.
import { DiskBlobStore } from '../../worker/data/blob-disk';
import { installNodeBlobDigest } from '../../worker/data/node-digest';
import { secretBoxFromKey } from '../../worker/host/keys-at-rest';
import { openKeyFile } from './key-file';
import { join, resolve } from 'node:path';
import type { AddressInfo } from 'node:net';
import { MultiHost, type ChainSlot } from '../../worker/host/multi-host';
import { nodeVerifier } from './node-verifier';
import { nodeSigner, nodeTxSigner } from '../../worker/host/node-signer';
import { LevelStorage } from '../../worker/store/level';
import type { PeerNet } from '../../worker/net/types';
import { createNodeNet } from '../net-node';
import type { LogEntry, PeerEvent } from '../../worker/api';
import { createPeerApi, EventHub, type PeerApi } from './http';
import { bearerChecker, openApiToken } from './api-token';

export interface PeerConfig {
  /** TCP port of the HTTP API; 0 picks a free one. */
  port: number;
  /** Address the HTTP API listens on. */
  host: string;
  dataDir: string;
  /** Where the at-rest key lives (default <dataDir>/at-rest.key). */
  keyFile?: string;
  /** Signaling relay URLs (ws:// or wss://). */
  signal: string[];
  /** Join the chain of this invite link at start. */
  invite: string | null;
  /** With invite: join as a light peer (headers and proofs only). */
  light?: boolean;
  /** Where this peer's invite links point (the app's URL); the host's default when null. */
  inviteBase: string | null;
  /** Origins allowed to call the API from web pages (CORS); empty: none. */
  corsOrigins: string[];
  /** Print only the line saying where the API listens (and errors), not the peer's log. */
  quiet: boolean;
  /** When the tamper check fails at start: set the damaged store aside and re-sync (host.repair). */
  repair?: boolean;
  /**
   * The API token file (api-token.ts). Named: its token is required on any address. Not named:
   * required off loopback, from <dataDir>/api.token (created on first start); none on loopback.
   */
  apiTokenFile?: string;
}

export const defaultConfig: PeerConfig = {
  port: 8787,
  host: '127.0.0.1',
  dataDir: './.bot-peer',
  signal: [],
  invite: null,
  inviteBase: null,
  corsOrigins: [],
  quiet: false,
};

/** After a shutdown starts, requests in flight get this long before their connections are closed. */
export const shutdownGraceMs = 2_000;

export interface RunningPeer {
  /** The peer: one host per chain it runs (multi-host.ts); `host.chainHost(id)` is one chain's. */
  host: MultiHost;
  /** The store of the peer's first chain slot (each further chain has one under chains/<id>/). */
  storage: LevelStorage;
  api: PeerApi;
  /** http://address:port of the API. */
  url: string;
  port: number;
  /** Stop serving, stop the host, wait for writes in flight and close the store. */
  stop(): Promise<void>;
}

export async function startPeer(config: PeerConfig): Promise<RunningPeer> {
  const dataDir = resolve(config.dataDir);
  const storage = await LevelStorage.open(dataDir);
  const say = (line: string) => {
    if (!config.quiet) console.log(line);
  };
  reportStore(storage, say);
  const events = new EventHub();
  const net = createNet(config);
  const verifier = await nodeVerifier();
  await installNodeBlobDigest(); // blob ids without WebCrypto's copy of each chunk
  const blobs = await DiskBlobStore.open(join(dataDir, 'blobs'));
  // Several chains per peer: each further chain in a LevelDB directory of its own
  // (<data>/chains/<chain id>/), with its own blobs and its own network (a room of its own).
  const openChain = async (chainId: string): Promise<ChainSlot> => {
    const dir = join(dataDir, 'chains', chainId);
    const chainStorage = await LevelStorage.open(dir);
    reportStore(chainStorage, say);
    const chainNet = createNet(config);
    const chainBlobs = await DiskBlobStore.open(join(dir, 'blobs'));
    return {
      storage: chainStorage,
      blobs: chainBlobs,
      ...(chainNet ? { net: chainNet } : {}),
      async close() {
        await chainStorage.shutdown();
        await chainBlobs.close();
      },
    };
  };
  // The seed and device keys are sealed in the store under the key file's key.
  const secretBox = await secretBoxFromKey(
    await openKeyFile(config.keyFile ? resolve(config.keyFile) : join(dataDir, 'at-rest.key')),
  );
  const host = new MultiHost({
    openChain,
    host: {
      storage,
      blobs,
      secretBox,
      storageKind: 'disk',
      verifier,
      // consensus signatures (votes, solo commits) with OpenSSL, not pure JS: a block each
      voteSignerFor: nodeSigner,
      // its transactions too, in this thread: WebCrypto's sign is a thread-pool hop a submission
      signerFor: nodeTxSigner,
      now: () => Date.now(),
      randomBytes: (length) => crypto.getRandomValues(new Uint8Array(length)),
      emit: (event: PeerEvent) => {
        if (event.type === 'log') say(formatLog(event.entry));
        events.emit(event);
      },
      net: net ?? undefined,
      defaultRelays: config.signal,
      ...(config.inviteBase ? { inviteBase: config.inviteBase } : {}),
    },
  });

  const tokenFile = config.apiTokenFile
    ? resolve(config.apiTokenFile)
    : isLoopback(config.host)
      ? null
      : join(dataDir, 'api.token');
  let status;
  try {
    status = await host.ready();
  } catch (error) {
    void host.stop();
    await storage.shutdown();
    verifier.close?.();
    throw error;
  }
  const api = createPeerApi({
    peer: host,
    readDatasetStream: (dataset, options, chain) =>
      host.chainHost(chain).readDatasetStream(dataset, options),
    events,
    corsOrigins: config.corsOrigins,
    loopbackHostsOnly: isLoopback(config.host),
    storeReport: () => storage.report,
    ...(tokenFile ? { authorized: bearerChecker(await openApiToken(tokenFile)) } : {}),
  });
  await listen(api, config);
  const port = (api.server.address() as AddressInfo).port;
  const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
  const identity = await host.identity();
  console.log(
    `BoT peer ${identity.did} listening on ${url} (data ${dataDir}, chain ${status.chainName} ${status.chainId} at height ${status.height}, integrity ${status.integrity.ok ? 'ok' : 'FAILED'})`,
  );
  if (tokenFile) console.log(`The API requires the bearer token in ${tokenFile}.`);

  if (config.invite) await joinInvite(host, config.invite, config.light ?? false, say);
  if (config.repair) await repairAtStart(host, say);

  let stopping: Promise<void> | null = null;
  const stop = () => {
    stopping ??= (async () => {
      const closed = new Promise<void>((done) => api.server.close(() => done()));
      api.closeStreams();
      api.server.closeIdleConnections();
      const grace = setTimeout(() => api.server.closeAllConnections(), shutdownGraceMs);
      await closed;
      clearTimeout(grace);
      await host.stop(); // stops the network too, and waits for the work in the loop
      await storage.shutdown(); // waits for a block being written; every commit was fsynced
      verifier.close?.();
    })();
    return stopping;
  };
  return { host, storage, api, url, port, stop };
}

/**
 * The one place the peer's network is made: the same hub as in the browser worker, with WebRTC
 * from node-datachannel. PeerHost starts it for the active chain with the relays of its
 * settings, of the chain's invite, or else `--signal` (HostOptions.defaultRelays).
 */
function createNet(config: PeerConfig): PeerNet | null {
  return createNodeNet({ defaultRelay: config.signal[0] ?? null });
}

async function joinInvite(
  host: MultiHost,
  invite: string,
  light: boolean,
  say: (line: string) => void,
): Promise<void> {
  try {
    const { chainId } = await host.join(invite, light ? { light } : {});
    say(`Joined chain ${chainId} from the invite${light ? ' as a light peer' : ''}.`);
  } catch (error) {
    say(`Could not join from the invite: ${(error as Error).message}`);
  }
}

async function repairAtStart(host: MultiHost, say: (line: string) => void): Promise<void> {
  if ((await host.integrity()).ok) {
    say('--repair: the tamper check passed; nothing to repair.');
    return;
  }
  const { movedTo } = await host.repair();
  console.log(
    `Repair: the damaged ledger was set aside as ${movedTo}; re-syncing from peers (GET /v1/status shows the height).`,
  );
}

function listen(api: PeerApi, config: PeerConfig): Promise<void> {
  return new Promise((done, fail) => {
    api.server.once('error', fail);
    api.server.listen(config.port, config.host, () => {
      api.server.off('error', fail);
      done();
    });
  });
}

function reportStore(storage: LevelStorage, say: (line: string) => void): void {
  const { records, problems, migration } = storage.report;
  if (migration)
    console.log(
      `Migrated the data directory to LevelDB (ledger.ldb): ${migration.blocks} blocks, ${migration.metaKeys} settings, ${migration.auditRecords} audit records; the old files are kept (${migration.keptAs}).`,
    );
  say(`Opened ${storage.directory}: ${records} block records.`);
  for (const problem of problems) console.error(`Ledger store: ${problem.message}`);
}

function formatLog(entry: LogEntry): string {
  return `${new Date(entry.time).toISOString()} ${entry.level.padEnd(5)} ${entry.message}`;
}

function isLoopback(address: string): boolean {
  return address === 'localhost' || address === '::1' || address.startsWith('127.');
}
