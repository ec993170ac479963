// Distributed analytics (Y.4560 8.2): partials merge to the aggregate of all records, a partial
// that is not the job's is TAMPERED, and the chain records jobs and partials only for readers
// with aggregate rights and from each dataset's owner, logged in the datasets' access logs.
import { describe, expect, it } from 'vitest';
import type { ExecutedBlock } from '../../ledger';
import { BlockRunner, devChain, testIdentity, type TestIdentity } from '../../testing';
import type { BotError } from '../../errors';
import { bindingFromSeed, wrappedKeyBytes } from '../datasets/keys';
import { decodeDatasetEvents, logPrefix } from '../datasets/state';
import {
  addRows,
  analyticsDatasetsMax,
  analyticsModule,
  checkJobBody,
  checkPartialContent,
  emptyPartial,
  mergePartials,
  resultOf,
} from '.';

const rows = (values: Array<[number, number]>) => values.map(([t, v]) => ({ t, v, site: 'x' }));

describe('partial aggregates', () => {
  it('merge to the aggregate of all records, whatever the split', () => {
    const all: Array<[number, number]> = [
      [1, 4],
      [2, -3],
      [3, 10],
      [4, 7.5],
      [5, 0],
      [6, 12],
      [7, 2],
    ];
    const window = { field: 't', from: 2, to: 7 };
    const whole = addRows(emptyPartial(), rows(all), 'v', window);
    expect(whole).toEqual({ count: 5, sum: 26.5, min: -3, max: 12 });
    for (const cut of [0, 1, 3, 6, 7]) {
      const a = addRows(emptyPartial(), rows(all.slice(0, cut)), 'v', window);
      const b = addRows(emptyPartial(), rows(all.slice(cut)), 'v', window);
      expect(mergePartials([a, b])).toEqual(whole);
      expect(mergePartials([b, a])).toEqual(whole);
    }
    expect(resultOf(whole, ['count', 'min', 'max', 'mean'])).toEqual({
      count: 5,
      min: -3,
      max: 12,
      mean: 5.3,
    });
    // An owner with nothing in the window adds nothing; no records at all: min/max/mean null.
    const none = addRows(emptyPartial(), rows([[9, 100]]), 'v', window);
    expect(none).toEqual(emptyPartial());
    expect(mergePartials([none, whole])).toEqual(whole);
    expect(resultOf(mergePartials([none]), ['count', 'mean', 'max'])).toEqual({
      count: 0,
      mean: null,
      max: null,
    });
    // Text and missing values are not counted.
    expect(addRows(emptyPartial(), [{ v: '3' }, { w: 1 }, { v: 2 }], 'v', null).count).toBe(1);
  });

  it("a partial that is not the job's, or not an aggregate, is TAMPERED", () => {
    const good = { job: 'j', dataset: 'd', from: 1, to: 2, count: 2, sum: 3, min: 1, max: 2 };
    expect(checkPartialContent(good, 'j', 'd')).toEqual(good);
    const code = (value: unknown, job = 'j', dataset = 'd') => {
      try {
        checkPartialContent(value, job, dataset);
        return 'accepted';
      } catch (error) {
        return (error as BotError).code;
      }
    };
    expect(code(good, 'other')).toBe('TAMPERED');
    expect(code(good, 'j', 'other')).toBe('TAMPERED');
    expect(code({ ...good, count: -1 })).toBe('TAMPERED');
    expect(code({ ...good, min: 3 })).toBe('TAMPERED');
    expect(code({ ...good, count: 0 })).toBe('TAMPERED');
    expect(code({ ...good, sum: 'x' })).toBe('TAMPERED');
    expect(code([good])).toBe('TAMPERED');
  });

  it('checks a job body with typed errors and named limits', () => {
    const body = { datasets: ['a'], field: 'v', fns: ['max'] };
    expect(checkJobBody(body)).toMatchObject({ versions: 1, window: null });
    const code = (b: unknown) => {
      try {
        checkJobBody(b);
        return 'accepted';
      } catch (error) {
        return (error as BotError).code;
      }
    };
    expect(code({ ...body, datasets: [] })).toBe('BAD_FIELD_TYPE');
    const many = Array.from({ length: analyticsDatasetsMax + 1 }, (_, i) => `d${i}`);
    expect(code({ ...body, datasets: many })).toBe('BAD_FIELD_TYPE');
    expect(code({ ...body, datasets: ['a', 'a'] })).toBe('BAD_REQUEST');
    expect(code({ ...body, fns: ['sum'] })).toBe('BAD_FIELD_TYPE');
    expect(code({ ...body, versions: 0 })).toBe('BAD_FIELD_TYPE');
    expect(code({ ...body, window: { field: 't', from: 5, to: 1 } })).toBe('BAD_FIELD_TYPE');
    expect(code({ ...body, extra: 1 })).toBe('MALFORMED');
    expect(code({ datasets: ['a'], field: 'v' })).toBe('MISSING_FIELD');
  });
});

const ownerA = testIdentity('analytics owner A');
const ownerB = testIdentity('analytics owner B');
const reader = testIdentity('analytics reader');
const stranger = testIdentity('analytics stranger');
const everyone = [ownerA, ownerB, reader, stranger];

const chainRun = new BlockRunner(ownerA, everyone);
const { tx, run, blocks } = chainRun;
const codes = (b: ExecutedBlock) => b.failed.map((f) => f.error?.code);
const wrap = (to: TestIdentity) => ({
  reader: to.did,
  ephemeral: new Uint8Array(32).fill(1),
  sealed: new Uint8Array(wrappedKeyBytes).fill(1),
});
const keyTx = (chain: string, id: TestIdentity) => {
  const b = bindingFromSeed(id.seed, id.did);
  return tx(id, chain, 'identity.x25519', { key: b.x25519, signature: b.signature });
};
const agg = (fns: string[]) => ({ kind: 'aggregate', field: 'v', fns });

describe('analytics jobs on chain', () => {
  it("records a job for a reader with aggregate rights and each owner's partial, in the access logs", () => {
    chainRun.reset();
    let state = devChain(ownerA).state;
    const chain = state.chainId;
    const publish = (id: string) => ({ id, labels: [], schema: '', policy: { mode: 'owner' } });
    const version = (dataset: string, owner: TestIdentity, v: number) => ({
      dataset,
      version: v,
      fingerprint: new Uint8Array(32).fill(v),
      sealedBytes: 1040,
      keys: [wrap(owner)],
    });
    let b = run(state, [
      ...everyone.map((id) => keyTx(chain, id)),
      tx(ownerA, chain, 'dataset.publish', publish('a.x')),
      tx(ownerB, chain, 'dataset.publish', publish('b.x')),
      tx(ownerB, chain, 'dataset.publish', publish('b.empty')),
      tx(ownerA, chain, 'dataset.version', version('a.x', ownerA, 1)),
      tx(ownerA, chain, 'dataset.version', version('a.x', ownerA, 2)),
      tx(ownerB, chain, 'dataset.version', version('b.x', ownerB, 1)),
    ]);
    expect(codes(b)).toEqual([]);
    b = run(b.state, [
      tx(reader, chain, 'dataset.request', {
        dataset: 'a.x',
        purpose: 'study',
        view: agg(['count', 'min', 'max', 'mean']),
      }),
      tx(reader, chain, 'dataset.request', {
        dataset: 'b.x',
        purpose: 'study',
        view: agg(['count', 'min', 'max', 'mean']),
      }),
    ]);
    const [reqA, reqB] = b.txIds;
    b = run(b.state, [
      tx(ownerA, chain, 'dataset.grant', { request: reqA, keys: [] }),
      tx(ownerB, chain, 'dataset.grant', { request: reqB, keys: [], view: agg(['max', 'mean']) }),
    ]);
    expect(codes(b)).toEqual([]);
    const job = (datasets: string[], fns: string[], extra = {}) => ({
      datasets,
      field: 'v',
      fns,
      ...extra,
    });
    b = run(b.state, [
      tx(stranger, chain, 'analytics.job', job(['a.x'], ['max'])), // no grant
      tx(reader, chain, 'analytics.job', job(['a.x', 'b.x'], ['mean'])), // b.x: mean without count
      tx(reader, chain, 'analytics.job', job(['a.x', 'nope'], ['max'])),
      tx(reader, chain, 'analytics.job', job(['b.empty'], ['max'])), // not granted, no version
      tx(reader, chain, 'analytics.job', job(['a.x', 'b.x'], ['max'], { versions: 2 })),
    ]);
    expect(codes(b)).toEqual(['UNAUTHORIZED', 'UNAUTHORIZED', 'NOT_FOUND', 'NOT_FOUND']);
    const jobId = b.txIds.at(-1)!;
    expect(b.state.analytics?.jobs.get(jobId)?.parts).toEqual([
      { dataset: 'a.x', owner: ownerA.did, from: 1, to: 2, partial: null },
      { dataset: 'b.x', owner: ownerB.did, from: 1, to: 1, partial: null },
    ]);
    const partial = (dataset: string, to = reader) => ({
      job: jobId,
      dataset,
      fingerprint: new Uint8Array(32).fill(7),
      key: wrap(to),
    });
    b = run(b.state, [
      tx(stranger, chain, 'analytics.partial', partial('a.x')),
      tx(ownerB, chain, 'analytics.partial', partial('a.x')),
      tx(ownerA, chain, 'analytics.partial', partial('a.x', stranger)),
      tx(ownerA, chain, 'analytics.partial', partial('b.empty')),
      tx(ownerA, chain, 'analytics.partial', { ...partial('a.x'), job: 'f'.repeat(64) }),
      tx(ownerA, chain, 'analytics.partial', partial('a.x')),
      tx(ownerA, chain, 'analytics.partial', partial('a.x')),
      tx(ownerB, chain, 'dataset.revoke', { dataset: 'b.x', reader: reader.did }),
      tx(ownerB, chain, 'analytics.partial', partial('b.x')),
    ]);
    expect(codes(b)).toEqual([
      'UNAUTHORIZED',
      'UNAUTHORIZED',
      'BAD_REQUEST',
      'BAD_REQUEST',
      'NOT_FOUND',
      'BAD_REQUEST',
      'UNAUTHORIZED',
    ]);
    // An owner that cannot compute its partial says so, once; nothing is sealed or logged.
    const failed = (from: TestIdentity, dataset: string) =>
      tx(from, chain, 'analytics.partial', { job: jobId, dataset, error: 'MALFORMED: no records' });
    b = run(b.state, [
      failed(stranger, 'b.x'),
      failed(ownerB, 'b.x'),
      failed(ownerB, 'b.x'),
      failed(ownerA, 'a.x'),
    ]);
    expect(codes(b)).toEqual(['UNAUTHORIZED', 'BAD_REQUEST', 'BAD_REQUEST']);
    state = b.state;
    const parts = state.analytics!.jobs.get(jobId)!.parts;
    expect(parts[0]!.partial).toMatchObject({ height: b.block.header.height - 1 });
    expect(parts[0]!.failed).toBeUndefined();
    expect(parts[1]!.partial).toBeNull();
    expect(parts[1]!.failed).toEqual({
      reason: 'MALFORMED: no records',
      height: b.block.header.height,
      tx: b.txIds[1],
    });
    const check = analyticsModule.bodyRules!['analytics.partial']!.check!;
    const refusal = (body: unknown) => {
      try {
        check(body);
        return 'accepted';
      } catch (error) {
        return (error as BotError).code;
      }
    };
    expect(refusal({ ...partial('a.x'), error: 'x' })).toBe('MALFORMED');
    expect(refusal({ job: jobId, dataset: 'a.x', error: '' })).toBe('BAD_FIELD_TYPE');
    expect(refusal({ job: jobId, dataset: 'a.x', error: 'x'.repeat(201) })).toBe('BAD_FIELD_TYPE');
    expect(refusal({ job: jobId, dataset: 'a.x', fingerprint: new Uint8Array(32) })).toBe(
      'MISSING_FIELD',
    );
    // The access log of a.x names the job and the partial, with the reader.
    const log = blocks.flatMap((x) => {
      const bytes = x.writes.get(`${logPrefix}a.x`);
      return bytes ? decodeDatasetEvents(bytes, 1 << 20) : [];
    });
    expect(
      log
        .filter((e) => e.kind === 'job' || e.kind === 'partial')
        .map((e) => [e.kind, e.reader, e.by]),
    ).toEqual([
      ['job', reader.did, reader.did],
      ['partial', reader.did, ownerA.did],
    ]);
    // Replayed to the same hashes; a reload rebuilds the jobs.
    chainRun.replayAll();
    const rebuilt = chainRun.rebuilt(state.genesis);
    expect(rebuilt.analytics?.jobs.get(jobId)).toEqual(state.analytics?.jobs.get(jobId));
  });
});
