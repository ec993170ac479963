// Data minimization by rights (issue 15): a request and a grant carry a view (full, projection,
// aggregate); a grant's view is the request's or narrower; a view grant carries no key of a full
// version and makes the reader a viewer, whose only key on chain is the one of the view derived
// for it (dataset.derive). Views are derived from JSON records, CSV and device readings only.
import { describe, expect, it } from 'vitest';
import { encode } from '../../codec';
import { utf8 } from '../../bytes';
import { checkTx } from '../../tx';
import type { BotError } from '../../errors';
import { testIdentity } from '../../testing';
import { MarketChain, marketGenesis, wrapFor } from '../market/testing';
import { derivedFor, mayReadVersion, viewOf } from './state';
import {
  checkReadView,
  deriveView,
  deviceReadingsSchema,
  recordsOf,
  viewWithin,
  type ReadView,
} from './views';

const owner = testIdentity('view owner');
const viewer = testIdentity('view reader');

const codeOf = (f: () => unknown) => {
  try {
    f();
    return 'ok';
  } catch (error) {
    return (error as BotError).code;
  }
};

const agg = (extra: Record<string, unknown> = {}) => ({
  kind: 'aggregate',
  field: 'pm25',
  fns: ['count', 'min', 'max', 'mean'],
  ...extra,
});

describe('view shapes', () => {
  it('takes full, projection and aggregate views and refuses bad ones with typed errors', () => {
    expect(checkReadView({ kind: 'full' })).toEqual({ kind: 'full' });
    expect(checkReadView({ kind: 'projection', fields: ['t', 'pm25'] }).kind).toBe('projection');
    expect(checkReadView(agg({ window: { field: 't', from: 10, to: 20 } })).kind).toBe('aggregate');
    expect(codeOf(() => checkReadView(null))).toBe('MALFORMED');
    expect(codeOf(() => checkReadView({ kind: 'sample' }))).toBe('BAD_FIELD_TYPE');
    expect(codeOf(() => checkReadView({ kind: 'projection', fields: [] }))).toBe('BAD_FIELD_TYPE');
    expect(codeOf(() => checkReadView({ kind: 'projection', fields: ['a', 'a'] }))).toBe(
      'BAD_FIELD_TYPE',
    );
    expect(codeOf(() => checkReadView({ kind: 'projection', fields: ['x'.repeat(65)] }))).toBe(
      'BAD_FIELD_TYPE',
    );
    expect(codeOf(() => checkReadView(agg({ fns: ['median'] })))).toBe('BAD_FIELD_TYPE');
    expect(codeOf(() => checkReadView(agg({ fns: [] })))).toBe('BAD_FIELD_TYPE');
    expect(codeOf(() => checkReadView(agg({ window: { field: 't', from: 5, to: 5 } })))).toBe(
      'BAD_FIELD_TYPE',
    );
    expect(codeOf(() => checkReadView(agg({ extra: 1 })))).toBe('MALFORMED');
    expect(codeOf(() => checkReadView({ kind: 'full', fields: ['a'] }))).toBe('MALFORMED');
  });

  it('orders views: narrower is within, wider is not', () => {
    const full: ReadView = { kind: 'full' };
    const proj = checkReadView({ kind: 'projection', fields: ['t', 'pm25'] });
    const all = checkReadView(agg({ window: { field: 't', from: 0, to: 100 } }));
    const some = checkReadView(agg({ fns: ['mean'], window: { field: 't', from: 10, to: 50 } }));
    expect(viewWithin(proj, full)).toBe(true);
    expect(viewWithin(full, proj)).toBe(false);
    expect(viewWithin(checkReadView({ kind: 'projection', fields: ['t'] }), proj)).toBe(true);
    expect(viewWithin(checkReadView({ kind: 'projection', fields: ['t', 'no2'] }), proj)).toBe(
      false,
    );
    expect(viewWithin(all, proj)).toBe(true);
    expect(viewWithin(proj, all)).toBe(false);
    expect(viewWithin(some, all)).toBe(true);
    expect(viewWithin(all, some)).toBe(false);
    expect(viewWithin(checkReadView(agg()), all)).toBe(false); // no window is wider
  });

  it('derives from JSON records, JSON lines, CSV and device readings; refuses other content', () => {
    const view = checkReadView(agg({ window: { field: 't', from: 2, to: 5 } }));
    const json = utf8(JSON.stringify([1, 2, 3, 4, 5, 6].map((t) => ({ t, pm25: t * 10 }))));
    expect(deriveView(recordsOf(json, ''), view)).toEqual({
      kind: 'aggregate',
      field: 'pm25',
      window: { field: 't', from: 2, to: 5 },
      count: 3,
      min: 20,
      max: 40,
      mean: 30,
    });
    const csv = utf8('t,pm25,site\n1,7,a\n2,9,b\n');
    const projection = checkReadView({ kind: 'projection', fields: ['pm25'] });
    expect(deriveView(recordsOf(csv, ''), projection)).toEqual({
      kind: 'projection',
      fields: ['pm25'],
      records: [{ pm25: 7 }, { pm25: 9 }],
    });
    const lines = utf8('{"t":1,"pm25":3}\n{"t":2,"pm25":5}\n');
    expect(deriveView(recordsOf(lines, ''), checkReadView(agg({ fns: ['mean'] })))).toMatchObject({
      mean: 4,
    });
    const readings = encode([
      { values: { pm25: 11 }, at: 1000 },
      { values: { pm25: 13 }, at: 2000 },
    ]);
    expect(
      deriveView(recordsOf(readings, deviceReadingsSchema), checkReadView(agg())),
    ).toMatchObject({ count: 2, min: 11, max: 13, mean: 12 });
    const empty = deriveView(
      recordsOf(json, ''),
      checkReadView(agg({ window: { field: 't', from: 100 } })),
    );
    expect(empty).toMatchObject({ count: 0, min: null, max: null, mean: null });
    expect(codeOf(() => recordsOf(new Uint8Array([0xff, 0xfe, 0x00]), ''))).toBe('MALFORMED');
    expect(codeOf(() => recordsOf(utf8('[1, 2]'), ''))).toBe('MALFORMED');
    expect(codeOf(() => recordsOf(utf8('a,b\n1,2,3\n'), ''))).toBe('MALFORMED');
    expect(codeOf(() => recordsOf(utf8('just some words'), ''))).toBe('MALFORMED');
    expect(codeOf(() => recordsOf(utf8('{"a":1}'), deviceReadingsSchema))).toBe('MALFORMED');
  });
});

function chain(): MarketChain {
  const c = new MarketChain(marketGenesis([]));
  c.publish(owner, 'air', 2);
  c.block([c.keyTx(viewer)]);
  return c;
}

const derive = (version: number, extra: Record<string, unknown> = {}) => ({
  dataset: 'air',
  version,
  reader: viewer.did,
  fingerprint: new Uint8Array(32).fill(100 + version),
  sealedBytes: 60,
  key: wrapFor(viewer, 100 + version),
  ...extra,
});

describe('view grants on chain', () => {
  it('refuses bad views in request and grant bodies', () => {
    const c = chain();
    const check = (type: string, body: unknown) =>
      codeOf(() =>
        checkTx({
          chain: c.state.chainId,
          type,
          from: viewer.did,
          nonce: 1,
          time: 1,
          body,
          sig: new Uint8Array(64),
        }),
      );
    expect(check('dataset.request', { dataset: 'air', purpose: 'p', view: agg() })).toBe('ok');
    expect(check('dataset.request', { dataset: 'air', purpose: 'p', view: { kind: 'x' } })).toBe(
      'BAD_FIELD_TYPE',
    );
    const request = 'a'.repeat(64);
    const keys = [{ version: 1, key: wrapFor(viewer) }];
    expect(check('dataset.grant', { request, keys, view: agg() })).toBe('BAD_REQUEST');
    expect(check('dataset.grant', { request, keys, view: { kind: 'full' } })).toBe('ok');
    expect(check('dataset.derive', derive(1, { key: wrapFor(owner) }))).toBe('BAD_REQUEST');
    expect(check('dataset.derive', derive(1, { sealedBytes: 2 }))).toBe('TOO_LARGE');
  });

  it('grants the view asked or a narrower one, with no key of a full version', () => {
    const c = chain();
    const asked = agg({ window: { field: 't', from: 0, to: 100 } });
    expect(
      c.run(viewer, 'dataset.request', { dataset: 'air', purpose: 'study', view: asked }),
    ).toBe(null);
    const request = c.lastTx();
    expect(c.state.datasets!.open.get(request)!.view).toEqual(asked);
    // Wider than asked: the full data, another field, or no window.
    const wider = [
      { kind: 'full' },
      agg({ field: 'no2', window: { field: 't', from: 0, to: 100 } }),
      agg(),
    ];
    for (const view of wider)
      expect(c.run(owner, 'dataset.grant', { request, keys: [], view })).toBe('BAD_REQUEST');
    // Keys of full versions with a view grant are refused (the body rule checks it first).
    expect(
      c.run(owner, 'dataset.grant', { request, keys: [{ version: 1, key: wrapFor(viewer) }] }),
    ).toBe('BAD_REQUEST');
    // Nothing of a view is derived before the grant.
    expect(c.run(owner, 'dataset.derive', derive(2))).toBe('UNAUTHORIZED');
    const narrower = agg({ fns: ['count', 'mean'], window: { field: 't', from: 10, to: 50 } });
    expect(c.run(viewer, 'dataset.grant', { request, keys: [], view: narrower })).toBe(
      'UNAUTHORIZED',
    );
    expect(c.run(owner, 'dataset.grant', { request, keys: [], view: narrower })).toBeNull();
    const d = c.state.datasets!.datasets.get('air')!;
    expect(d.readers).toEqual([]);
    expect(viewOf(d, viewer.did)).toEqual(narrower);
    expect(c.state.datasets!.open.get(request)).toMatchObject({ state: 'granted', view: narrower });
    // A viewer's key may not be in a new full version; it reads no full version.
    const version3 = (keys: unknown[]) => ({
      dataset: 'air',
      version: 3,
      fingerprint: new Uint8Array(32).fill(3),
      sealedBytes: 100,
      keys,
    });
    expect(c.run(owner, 'dataset.version', version3([wrapFor(owner), wrapFor(viewer)]))).toBe(
      'UNAUTHORIZED',
    );
    expect(c.run(owner, 'dataset.version', version3([wrapFor(owner)]))).toBeNull();
    expect(mayReadVersion(c.state.datasets!, 'air', 3, viewer.did)).toBe(false);
    // Reading before a view is derived is refused; the owner derives; then the read is recorded.
    expect(c.run(viewer, 'dataset.access', { dataset: 'air', version: 3, purpose: 'study' })).toBe(
      'UNAUTHORIZED',
    );
    expect(c.run(viewer, 'dataset.derive', derive(3))).toBe('UNAUTHORIZED');
    expect(c.run(owner, 'dataset.derive', derive(3))).toBeNull();
    expect(c.run(owner, 'dataset.derive', derive(3))).toBe('BAD_REQUEST');
    expect(c.run(owner, 'dataset.derive', derive(9))).toBe('NOT_FOUND');
    expect(derivedFor(c.state.datasets!, 'air', 3, viewer.did)).toMatchObject({
      view: narrower,
      sealedBytes: 60,
    });
    expect(c.run(viewer, 'dataset.access', { dataset: 'air', version: 3, purpose: 'study' })).toBe(
      null,
    );
    // The only keys on chain wrapped for the viewer are those of derived views.
    const forViewer = c.blocks
      .flatMap((b) => [...b.writes.keys()])
      .filter((k) => k.startsWith('ds/') && k.endsWith(viewer.did));
    expect(forViewer.filter((k) => !k.startsWith('ds/key/'))).toEqual([
      `ds/der/air/3/${viewer.did}`,
    ]);
    // A reloaded chain knows the derived view; a revoke ends the view.
    expect(derivedFor(c.reload().datasets!, 'air', 3, viewer.did)?.view).toEqual(narrower);
    expect(c.run(owner, 'dataset.revoke', { dataset: 'air', reader: viewer.did })).toBeNull();
    expect(viewOf(c.state.datasets!.datasets.get('air')!, viewer.did)).toBeNull();
    expect(c.run(owner, 'dataset.derive', derive(2))).toBe('UNAUTHORIZED');
  });
});
