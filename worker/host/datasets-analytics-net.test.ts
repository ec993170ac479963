// Distributed analytics over a memory mesh of three real hosts (issue 15; Y.4560 8.2, 8.4): a
// reader with aggregate grants on two owners' datasets runs one job; each owner's peer computes
// its partial from its own plaintext and seals it for the reader; the reader merges them. The
// job and each partial's fingerprint are on chain and in the access logs on every peer; a
// partial whose bytes do not match its fingerprint is tampered (not merged); an owner that is
// offline is reported missing (timeout) and the call returns; one that cannot compute says so.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { utf8 } from '../core/bytes';
import { MemoryBlobStore } from '../data/blob-store';
import { DatasetMesh, atHeight, committed, datasetService } from './datasets-testing';
import { until } from './testing';
import type { DatasetReadView } from '../api';

/** A blob store whose reads can be switched to return altered bytes (an owner lying). */
class RogueBlobStore extends MemoryBlobStore {
  lying = false;
  override async get(id: string) {
    const bytes = await super.get(id);
    if (!bytes || !this.lying) return bytes;
    bytes[bytes.length - 1]! ^= 1;
    return bytes;
  }
}

/** A blob store whose reads can be held (never answered): an owner stopped in mid-answer. */
class HeldBlobStore extends MemoryBlobStore {
  held = false;
  override async get(id: string) {
    if (this.held) return new Promise<never>(() => {});
    return super.get(id);
  }
}

let mesh: DatasetMesh;
beforeEach(() => {
  mesh = new DatasetMesh();
});
afterEach(() => mesh.stopAll());

const records = (values: number[]) =>
  utf8(JSON.stringify(values.map((c, i) => ({ t: i, c, site: `home ${i}` }))));

describe('distributed analytics', () => {
  it("merges the owners' partials; tampered and offline owners are named, not merged, not waited on", async () => {
    const a = await mesh.peer();
    const b = await mesh.peer(new RogueBlobStore());
    const reader = await mesh.peer();
    const all = [a, b, reader];
    await mesh.chain('analytics', all);
    await committed(a.host, a.host.publishDataset({ id: 'temps.a', schema: 'JSON records' }));
    await committed(b.host, b.host.publishDataset({ id: 'temps.b', schema: 'JSON records' }));
    await committed(a.host, a.host.putDatasetVersion('temps.a', records([4, -3, 10])));
    await committed(b.host, b.host.putDatasetVersion('temps.b', records([7, 12, 2, 30])));
    const view: DatasetReadView = {
      kind: 'aggregate',
      field: 'c',
      fns: ['count', 'min', 'max', 'mean'],
    };
    for (const [owner, id] of [
      [a, 'temps.a'],
      [b, 'temps.b'],
    ] as const) {
      await committed(reader.host, reader.host.requestAccess(id, 'regional mean', view));
      await until(async () =>
        (await owner.host.datasets()).some((d) => d.id === id && d.requests.length > 0),
      );
      const request = (await owner.host.datasets()).find((d) => d.id === id)!.requests[0]!;
      await atHeight(all, await committed(owner.host, owner.host.decideAccess(request.id, true)));
    }
    // A peer with no grant cannot record a job (refused before signing).
    await expect(
      a.host.runAnalytics({ datasets: ['temps.b'], field: 'c', fns: ['max'] }),
    ).rejects.toMatchObject({ code: 'UNAUTHORIZED' });

    // Both owners answer; only the aggregate reaches the reader (t in [0, 3)).
    const run = await reader.host.runAnalytics({
      datasets: ['temps.a', 'temps.b'],
      field: 'c',
      fns: ['count', 'min', 'max', 'mean'],
      window: { field: 't', from: 0, to: 3 },
      timeoutMs: 20_000,
    });
    expect(run.complete).toBe(true);
    expect(run.result).toEqual({ count: 6, min: -3, max: 12, mean: 32 / 6 });
    expect(run.parts.map((p) => [p.dataset, p.owner, p.status, p.count])).toEqual([
      ['temps.a', a.did, 'answered', 3],
      ['temps.b', b.did, 'answered', 3],
    ]);
    expect(JSON.stringify(run)).not.toContain('home');
    // Every peer records the job and both partials in the datasets' access logs.
    const height = (await reader.host.status()).height;
    await atHeight(all, height);
    for (const p of all) {
      const log = await p.host.accessLog('temps.b');
      expect(
        log.filter((e) => e.kind === 'job' || e.kind === 'partial').map((e) => [e.kind, e.by]),
      ).toEqual([
        ['job', reader.did],
        ['partial', b.did],
      ]);
      expect((await p.host.analyticsJobs()).length).toBe(
        p === reader || p === a || p === b ? 1 : 0,
      );
    }
    // The owner serves a sealed partial to its reader only.
    const asker = (await datasetService(a)) as unknown as {
      exchange: {
        ask(peer: string, id: string): Promise<{ error: { code: string } | null } | null>;
      };
    };
    const refused = await asker.exchange.ask(b.did, run.parts[1]!.fingerprint!);
    expect(refused?.error?.code).toBe('UNAUTHORIZED');

    // B answers the next job, then serves altered bytes: its part is tampered, not merged.
    const { txId: job } = await reader.host.submit({
      type: 'analytics.job',
      body: { datasets: ['temps.a', 'temps.b'], field: 'c', fns: ['max'] },
    });
    await until(async () =>
      (await reader.host.analyticsJobs()).some(
        (j) => j.job === job && j.parts.every((p) => p.recorded),
      ),
    );
    b.blobs.lying = true;
    const tampered = await reader.host.analyticsResult(job, { timeoutMs: 5_000 });
    expect(tampered.parts.map((p) => p.status)).toEqual(['answered', 'tampered']);
    expect(tampered.parts[1]!.reason).toMatch(/fingerprint/);
    expect(tampered.result).toEqual({ max: 10 });
    expect(tampered.complete).toBe(false);
    b.blobs.lying = false;

    // An owner that cannot read its content as records says so on chain: failed, not a timeout.
    await committed(a.host, a.host.publishDataset({ id: 'notes.a', schema: 'text' }));
    await committed(a.host, a.host.putDatasetVersion('notes.a', utf8('[not json')));
    const own = await a.host.runAnalytics({
      datasets: ['notes.a', 'temps.a'],
      field: 'c',
      fns: ['count'],
      timeoutMs: 20_000,
    });
    expect(own.parts.map((p) => [p.dataset, p.status])).toEqual([
      ['notes.a', 'failed'],
      ['temps.a', 'answered'],
    ]);
    expect(own.parts[0]!.reason).toMatch(/^MALFORMED/);
    expect(own.result).toEqual({ count: 3 });

    // B goes offline: the next job reports it missing after the wait instead of hanging.
    await b.host.stop();
    const offline = await reader.host.runAnalytics({
      datasets: ['temps.a', 'temps.b'],
      field: 'c',
      fns: ['count', 'max'],
      timeoutMs: 1_500,
    });
    expect(offline.parts.map((p) => [p.status, p.reason ?? null])).toEqual([
      ['answered', null],
      ['missing', 'timeout'],
    ]);
    expect(offline.result).toEqual({ count: 3, max: 10 });
  });

  it('an owner stopped between a job and its answer answers when it starts again', async () => {
    const owner = await mesh.peer(new HeldBlobStore());
    const reader = await mesh.peer();
    const all = [owner, reader];
    await mesh.chain('analytics-restart', all);
    await committed(owner.host, owner.host.publishDataset({ id: 'temps', schema: 'JSON records' }));
    await committed(owner.host, owner.host.putDatasetVersion('temps', records([5, 9, 1])));
    await committed(
      reader.host,
      reader.host.requestAccess('temps', 'site mean', {
        kind: 'aggregate',
        field: 'c',
        fns: ['count', 'mean'],
      }),
    );
    await until(async () =>
      (await owner.host.datasets()).some((d) => d.id === 'temps' && d.requests.length > 0),
    );
    const request = (await owner.host.datasets()).find((d) => d.id === 'temps')!.requests[0]!;
    await atHeight(all, await committed(owner.host, owner.host.decideAccess(request.id, true)));

    // The owner applies the job's block, starts its answer (reading its plaintext) and stops
    // before recording it.
    owner.blobs.held = true;
    const jobHeight = await committed(
      reader.host,
      reader.host.submit({
        type: 'analytics.job',
        body: { datasets: ['temps'], field: 'c', fns: ['count', 'mean'] },
      }),
    );
    await atHeight([owner], jobHeight);
    const [job] = await reader.host.analyticsJobs();
    await owner.host.stop();
    expect(job!.parts[0]!.recorded).toBe(false);

    // Started again on the same storage and blobs, it answers the job it left.
    owner.blobs.held = false;
    const again = await mesh.peer(owner.blobs, owner.storage);
    expect(again.did).toBe(owner.did);
    const result = await reader.host.analyticsResult(job!.job, { timeoutMs: 20_000 });
    expect(result.parts.map((p) => [p.status, p.count])).toEqual([['answered', 3]]);
    expect(result.result).toEqual({ count: 3, mean: 5 });
  });
});
