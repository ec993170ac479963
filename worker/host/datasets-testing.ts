// Test support for confidential datasets (issue 15): real hosts over one memory mesh, each with
// its own blob store, and a consortium chain of four of them (one validator that admits the
// other three), as datasets-faults, datasets-gc and datasets-net tests use.
import { expect } from 'vitest';
import type { PeerHost } from './peer-host';
import type { Capabilities } from './capabilities';
import type { DatasetsHost } from './datasets';
import { startNetPeer, until } from './testing';
import type { PeerEvent } from '../api';
import { MemoryStorage } from '../store/memory';
import { MemoryNetwork } from './memory-net';
import { MemoryBlobStore } from '../data/blob-store';

export interface DatasetPeer<B extends MemoryBlobStore = MemoryBlobStore> {
  host: PeerHost;
  events: PeerEvent[];
  blobs: B;
  did: string;
  storage: MemoryStorage;
}

/** Hosts started on one memory mesh; `stopAll` stops every one started so far. */
export class DatasetMesh {
  readonly network = new MemoryNetwork();
  private readonly hosts: PeerHost[] = [];

  async peer<B extends MemoryBlobStore = MemoryBlobStore>(
    blobs: B = new MemoryBlobStore() as B,
    storage = new MemoryStorage(),
  ): Promise<DatasetPeer<B>> {
    const { host, events, did } = await startNetPeer(this.network, this.hosts, { storage, blobs });
    return { host, events, blobs, storage, did };
  }

  /**
   * A consortium chain (proof of authority, the first peer its validator) with every peer a
   * member, and the holders per blob set by governance when `holders` is given.
   */
  async chain(name: string, peers: DatasetPeer[], holders?: number): Promise<void> {
    const [validator, ...others] = peers as [DatasetPeer, ...DatasetPeer[]];
    await validator.host.createChain({
      name,
      mode: 'consortium',
      consensus: 'poa',
      validators: [validator.did],
      timeoutMs: 200,
    });
    for (const p of others) await p.host.join(await validator.host.invite());
    await until(async () => {
      const { members } = await validator.host.governance();
      return others.every((p) => members.includes(p.did));
    });
    if (holders === undefined) return;
    const now = (await validator.host.status()).height;
    await committed(
      validator.host,
      validator.host.submit({
        type: 'member.propose',
        body: {
          change: { kind: 'policy', name: 'datasets.holders', value: holders },
          height: now + 2,
        },
      }),
    );
  }

  async stopAll(): Promise<void> {
    for (const h of this.hosts.splice(0)) await h.stop();
  }
}

/** Waits for a submitted transaction and expects it committed; gives its height. */
export async function committed(host: PeerHost, p: Promise<{ txId: string }>): Promise<number> {
  const { txId } = await p;
  const result = await host.waitFor(txId, { timeoutMs: 20_000 });
  expect(result).toMatchObject({ status: 'committed' });
  return result.height!;
}

/** Until every peer has applied `height`. */
export const atHeight = (peers: Array<{ host: PeerHost }>, height: number) =>
  until(async () => {
    for (const p of peers) if ((await p.host.status()).height < height) return false;
    return true;
  });

/** The datasets service of a peer (for what the API does not show: collection, the asker). */
export const datasetService = (p: { host: PeerHost }): Promise<DatasetsHost> =>
  (p.host as unknown as { capabilities: Capabilities }).capabilities.datasets();
