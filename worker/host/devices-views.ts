// How the devices host shows committed device records: blocklist entries and readings (a
// reading of a batch carries no values on chain; the host fills them from its own copy).
import { toHex } from '../core/bytes';
import type { ChainState } from '../core/ledger';
import { blockThresholdOf, type BlockRecord } from '../core/modules/blocklist';
import { decodeReadings, readingPrefix, type ReadingRecord } from '../core/modules/devices';
import { deviceListedMax } from '../core/limits';
import type { Storage } from '../store/storage';
import type { DeviceBlockView, DeviceReadingView } from '../api';

export function blockView(record: BlockRecord, chain: ChainState): DeviceBlockView {
  return {
    device: record.device,
    reports: record.reports.map((r) => ({
      gateway: r.gateway,
      reason: r.reason,
      rate: r.rate,
      height: r.height,
      txId: r.tx,
    })),
    blockedHeight: record.blocked,
    threshold: blockThresholdOf(chain.governance?.policies),
    lifted: record.lifted
      ? {
          height: record.lifted.height,
          by: record.lifted.by,
          note: record.lifted.note,
          txId: record.lifted.tx,
        }
      : null,
  };
}

export function blockViewOf(chain: ChainState, device: string): DeviceBlockView | null {
  const record = chain.blocklist?.records.get(device);
  return record ? blockView(record, chain) : null;
}

export function readingViewOf(r: ReadingRecord): DeviceReadingView {
  return {
    txId: r.tx,
    height: r.height,
    at: r.at,
    values: r.values,
    batch: r.batch ? { ...r.batch, digest: toHex(r.batch.digest) } : null,
  };
}

/** The committed reading whose batch fingerprint is `digest` (newest versions first, bounded). */
export async function committedBatch(
  storage: Storage,
  chainId: string,
  device: string,
  digest: string,
): Promise<{ height: number; txId: string } | null> {
  const versions = await storage.history(chainId, readingPrefix + device);
  for (let i = versions.length - 1; i >= 0 && i >= versions.length - deviceListedMax; i--) {
    for (const r of decodeReadings(versions[i]!.entry))
      if (r.batch && toHex(r.batch.digest) === digest) return { height: r.height, txId: r.tx };
  }
  return null;
}
