// The OpenAPI check (openapi.test.ts), its third part: datasets, distributed analytics and
// traceability. Each route's answers to good and bad input are validated against the document;
// the calls run in order on the one peer of openapi.test.ts and count toward its every-route check.
import { expect } from 'vitest';
import { call, waitCommitted } from './testing';
import { testIdentity } from '../../worker/core/testing';
import { sha256 } from '../../worker/core/crypto/hash';
import { toHex, utf8 } from '../../worker/core/bytes';
import type { RouteCheck } from './openapi-check';

const documentHash = (text: string) => toHex(sha256(utf8(text)));

export async function checkDataRoutes(ctx: RouteCheck): Promise<void> {
  const {
    hit,
    documentedBody,
    expectDocumented,
    validator,
    base,
    status,
    me,
    put,
    device,
    documents,
    info,
  } = ctx;
  // ---- datasets ----
  const published = await hit(
    'POST',
    '/v1/datasets',
    '/v1/datasets',
    documentedBody('PublishDataset', { id: 'meter', labels: ['kwh'] }),
    202,
  );
  await waitCommitted(base, published.body.txId);
  await hit('POST', '/v1/datasets', '/v1/datasets', { id: 7 }, 400);
  await hit('GET', '/v1/datasets', '/v1/datasets', undefined, 200);
  const version = await hit(
    'POST',
    '/v1/datasets/meter/versions',
    '/v1/datasets/{id}/versions',
    { text: 'v1' },
    202,
  );
  await waitCommitted(base, version.body.txId);
  await hit('POST', '/v1/datasets/meter/versions', '/v1/datasets/{id}/versions', 'x', 415, {
    'content-type': 'text/plain',
  });
  const content = await fetch(`${base}/v1/datasets/meter/content`);
  expectDocumented(
    'GET',
    '/v1/datasets/{id}/content',
    { status: content.status, headers: content.headers, body: null },
    200,
  );
  await content.arrayBuffer();
  await hit(
    'GET',
    '/v1/datasets/meter/content?version=9',
    '/v1/datasets/{id}/content',
    undefined,
    404,
  );
  await hit('GET', '/v1/datasets/meter/log', '/v1/datasets/{id}/log', undefined, 200);
  await hit('GET', '/v1/datasets/nope/log', '/v1/datasets/{id}/log', undefined, 404);
  await hit(
    'POST',
    '/v1/datasets/meter/requests',
    '/v1/datasets/{id}/requests',
    { purpose: 7 },
    400,
  );
  await hit(
    'POST',
    '/v1/datasets/nope/requests',
    '/v1/datasets/{id}/requests',
    { purpose: 'audit' },
    404,
  );
  await hit(
    'POST',
    `/v1/dataset-requests/${'a'.repeat(64)}/decision`,
    '/v1/dataset-requests/{id}/decision',
    { grant: true },
    404,
  );
  await hit(
    'POST',
    '/v1/dataset-requests/x/decision',
    '/v1/dataset-requests/{id}/decision',
    { grant: true },
    400,
  );
  // A data proxy (Annex I.2): a request for a bad enterprise, unknown requests to confirm or forward.
  await hit(
    'POST',
    '/v1/datasets/meter/requests',
    '/v1/datasets/{id}/requests',
    { purpose: 'audit', for: 'acme' },
    400,
  );
  await hit(
    'POST',
    `/v1/dataset-requests/${'a'.repeat(64)}/confirm`,
    '/v1/dataset-requests/{id}/confirm',
    undefined,
    404,
  );
  await hit(
    'POST',
    '/v1/dataset-requests/x/confirm',
    '/v1/dataset-requests/{id}/confirm',
    undefined,
    400,
  );
  await hit(
    'POST',
    `/v1/dataset-requests/${'a'.repeat(64)}/forward`,
    '/v1/dataset-requests/{id}/forward',
    documentedBody('ForwardVersions', { versions: [1] }),
    404,
  );
  await hit(
    'POST',
    `/v1/dataset-requests/${'a'.repeat(64)}/forward`,
    '/v1/dataset-requests/{id}/forward',
    { versions: [] },
    400,
  );
  const reader = testIdentity('openapi reader').did;
  await hit(
    'POST',
    '/v1/datasets/meter/revoke',
    '/v1/datasets/{id}/revoke',
    { reader: 'bob' },
    400,
  );
  const revoke = await call(base, 'POST', '/v1/datasets/meter/revoke', { reader });
  expectDocumented('POST', '/v1/datasets/{id}/revoke', revoke); // 202, or a refusal the document lists
  // ---- distributed analytics (issue 15, Y.4560 8.2): this peer owns meter, so it answers ----
  const jobs = '/v1/analytics/jobs';
  const csv = await call(base, 'POST', '/v1/datasets/meter/versions', { text: 'kwh\n3\n5' });
  await waitCommitted(base, csv.body.txId);
  const jobBody = {
    datasets: ['meter'],
    field: 'kwh',
    fns: ['count', 'mean'],
    timeoutMs: 20_000,
  };
  const analysed = await hit('POST', jobs, jobs, documentedBody('AnalyticsJob', jobBody), 200);
  expect(analysed.body).toMatchObject({ complete: true, result: { count: 2, mean: 4 } });
  await hit('POST', jobs, jobs, { ...jobBody, fns: ['sum'] }, 400);
  await hit('POST', jobs, jobs, { ...jobBody, datasets: ['nope'] }, 404);
  await hit('GET', jobs, jobs, undefined, 200);
  const jobPath = `${jobs}/{id}`;
  await hit('GET', `${jobs}/${analysed.body.job}?timeoutMs=0`, jobPath, undefined, 200);
  await hit('GET', `${jobs}/${'a'.repeat(64)}`, jobPath, undefined, 404);
  await hit('GET', `${jobs}/x?timeoutMs=-1`, jobPath, undefined, 400);

  // ---- traceability (Y.4560 I.1.4) ----
  documents.set('/farm.json', '{"origin":"North farm","harvest":"2026-07-01"}');
  documents.set('/mill.json', '{"milled":"2026-07-05"}');
  const farmDoc = `${info}/farm.json`;
  const millDoc = `${info}/mill.json`;
  const recorded = await hit(
    'POST',
    '/v1/trace/records',
    '/v1/trace/records',
    documentedBody('TraceRecord', { id: 'LOT-A', server: farmDoc }),
    202,
  );
  expect(recorded.body.hash).toBe(documentHash(documents.get('/farm.json')!));
  await waitCommitted(base, recorded.body.txId);
  await hit(
    'POST',
    '/v1/trace/records',
    '/v1/trace/records',
    { id: 'LOT-B', server: farmDoc, hash: 'XY' },
    400,
  );
  await hit(
    'POST',
    '/v1/trace/records',
    '/v1/trace/records',
    { id: 'LOT-B', server: `${info}/absent.json` },
    404,
  );
  const split = await hit(
    'POST',
    '/v1/trace/splits',
    '/v1/trace/splits',
    documentedBody('TraceSplit', { id: 'LOT-A', into: ['A1', 'A2'], server: millDoc }),
    202,
  );
  await waitCommitted(base, split.body.txId);
  await hit(
    'POST',
    '/v1/trace/splits',
    '/v1/trace/splits',
    { id: 'LOT-A', into: ['A3'], server: millDoc, extra: 1 },
    400,
  );
  await hit(
    'POST',
    '/v1/trace/splits',
    '/v1/trace/splits',
    { id: 'LOT-A', into: ['A3'], server: millDoc },
    400,
  ); // consumed
  const merged = await hit(
    'POST',
    '/v1/trace/merges',
    '/v1/trace/merges',
    documentedBody('TraceMerge', { ids: ['A1', 'A2'], into: 'BOX', server: millDoc }),
    202,
  );
  await waitCommitted(base, merged.body.txId);
  await hit(
    'POST',
    '/v1/trace/merges',
    '/v1/trace/merges',
    { ids: ['NOPE'], into: 'BOX2', server: millDoc },
    404,
  );
  const shop = testIdentity('openapi shop').did;
  const moved = await hit(
    'POST',
    '/v1/trace/transfers',
    '/v1/trace/transfers',
    documentedBody('TraceTransfer', { id: 'BOX', to: shop, server: millDoc }),
    202,
  );
  await waitCommitted(base, moved.body.txId);
  await hit(
    'POST',
    '/v1/trace/transfers',
    '/v1/trace/transfers',
    { id: 'BOX', to: shop, server: millDoc },
    403,
  ); // no longer the holder
  await hit(
    'POST',
    '/v1/trace/transfers',
    '/v1/trace/transfers',
    { id: 'BOX', to: 'bob', server: millDoc },
    400,
  );
  const lot = await hit('GET', '/v1/trace/lots/BOX', '/v1/trace/lots/{id}', undefined, 200);
  expect(lot.body).toMatchObject({ holder: shop, mine: false, parents: ['A1', 'A2'] });
  await hit('GET', '/v1/trace/lots/NOPE', '/v1/trace/lots/{id}', undefined, 404);
  const journey = await hit(
    'GET',
    '/v1/trace/lots/BOX/journey?fetch=true',
    '/v1/trace/lots/{id}/journey',
    undefined,
    200,
  );
  expect(journey.body).toMatchObject({ origins: ['LOT-A'], verified: true, truncated: null });
  expect(journey.body.steps.map((s: { kind: string }) => s.kind)).toEqual([
    'origin',
    'split',
    'merge',
    'transfer',
  ]);
  documents.set('/mill.json', '{"milled":"2026-07-06"}'); // changed on the information server
  const changed = await hit(
    'GET',
    '/v1/trace/lots/BOX/journey?fetch=true',
    '/v1/trace/lots/{id}/journey',
    undefined,
    200,
  );
  expect(changed.body.verified).toBe(false);
  expect(changed.body.steps.filter((s: any) => s.document.status === 'tampered')).toHaveLength(3);
  await hit(
    'GET',
    '/v1/trace/lots/BOX/journey?fetch=maybe',
    '/v1/trace/lots/{id}/journey',
    undefined,
    400,
  );
  await hit('GET', '/v1/trace/lots/NOPE/journey', '/v1/trace/lots/{id}/journey', undefined, 404);
}
