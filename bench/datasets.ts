// Sealing cost (`npm run bench:data`, issue 15): encrypt + chunk + hash + store MB/s of one
// 100 MB version, divided by raw WebCrypto AES-GCM MB/s over the same bytes in 1 MiB calls,
// in the same run. Stores: memory, and disk (each blob synced). Option: --mb 100.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryBlobStore, type BlobStore } from '../worker/data/blob-store';
import { DiskBlobStore } from '../worker/data/blob-disk';
import { sealVersion } from '../worker/data/seal';
import { chunkPlainBytes } from '../worker/core/modules/datasets/limits';

const at = process.argv.indexOf('--mb');
const megabytes = at >= 0 ? Number(process.argv[at + 1]) : 100;
const totalBytes = megabytes * 1024 * 1024;
const piece = new Uint8Array(chunkPlainBytes);
crypto.getRandomValues(piece.subarray(0, 65536));

async function* content(): AsyncGenerator<Uint8Array> {
  for (let done = 0; done < totalBytes; done += piece.length)
    yield piece.subarray(0, Math.min(piece.length, totalBytes - done));
}

async function rawAesGcm(): Promise<number> {
  const key = await crypto.subtle.importKey(
    'raw',
    new Uint8Array(32) as BufferSource,
    { name: 'AES-GCM' },
    false,
    ['encrypt'],
  );
  const started = performance.now();
  for (let done = 0, i = 0; done < totalBytes; done += piece.length, i++) {
    const iv = new Uint8Array(12);
    new DataView(iv.buffer).setUint32(8, i);
    await crypto.subtle.encrypt({ name: 'AES-GCM', iv }, key, piece as BufferSource);
  }
  return megabytes / ((performance.now() - started) / 1000);
}

async function seal(store: BlobStore): Promise<number> {
  const started = performance.now();
  await sealVersion(content(), totalBytes, store);
  const rate = megabytes / ((performance.now() - started) / 1000);
  await store.close();
  return rate;
}

const raw = await rawAesGcm();
const memory = await seal(new MemoryBlobStore());
const directory = mkdtempSync(join(tmpdir(), 'bot-bench-blobs-'));
const disk = await seal(await DiskBlobStore.open(directory));
rmSync(directory, { recursive: true, force: true });
const rawAgain = await rawAesGcm();
const reference = (raw + rawAgain) / 2;
console.table([
  { what: 'WebCrypto AES-GCM, 1 MiB calls', 'MB/s': Math.round(reference), ratio: 1 },
  {
    what: 'seal into memory store',
    'MB/s': Math.round(memory),
    ratio: +(memory / reference).toFixed(2),
  },
  {
    what: 'seal into disk store (synced)',
    'MB/s': Math.round(disk),
    ratio: +(disk / reference).toFixed(2),
  },
]);
console.log(`${megabytes} MB version; target ratio >= 0.3 (issue 15)`);
