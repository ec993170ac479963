// ITS routes (issue 20): what a city's traffic centre reads from a provider's Node peer (the
// road network, every segment's latest condition or those near a point, one segment's condition
// with its Merkle proof), settlement of ended windows, and a headless provider's certification
// of a vehicle's trip keys. Through the dispatcher like every route (it checks the parameters).
import { botError } from '../../worker/core/errors';
import { type Call, type Handler, type Method, readJsonObject, stringField } from './http-common';

/** A decimal number of the query (absent: undefined); the dispatcher checks its range. */
function numberQuery(query: URLSearchParams, name: string): number | undefined {
  const text = query.get(name);
  if (text === null) return undefined;
  const value = /^-?\d{1,12}(\.\d{1,12})?$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isFinite(value)) throw botError('BAD_REQUEST', `${name} must be a decimal number.`);
  return value;
}

export function itsRoutes(call: Call): Array<[Method, string, Handler]> {
  return [
    ['GET', '/v1/its/network', async () => ({ body: await call('itsNetwork') })],
    [
      'GET',
      '/v1/its/conditions',
      async ({ query }) => {
        const [lat, lon, radiusM] = ['lat', 'lon', 'radius'].map((n) => numberQuery(query, n));
        // segments=h20,h21: those segments only (what a live map reads after an `its` event).
        const named = query.get('segments');
        const segments = named === null ? [] : [named.split(',')];
        if (lat === undefined && lon === undefined && radiusM === undefined)
          return {
            body: await call('itsConditions', ...(segments.length ? [null] : []), ...segments),
          };
        if (lat === undefined || lon === undefined)
          throw botError('BAD_REQUEST', 'Conditions near a point take both lat and lon.');
        const near = radiusM === undefined ? { lat, lon } : { lat, lon, radiusM };
        return { body: await call('itsConditions', near, ...segments) };
      },
    ],
    [
      'GET',
      '/v1/its/conditions/:segment',
      async ({ params }) => ({ body: await call('itsCondition', params[0]!) }),
    ],
    ['POST', '/v1/its/settle', async () => ({ status: 202, body: await call('itsSettle') })],
    [
      'POST',
      '/v1/its/certify',
      async ({ request }) => {
        const body = await readJsonObject(request);
        return {
          body: await call(
            'itsCertify',
            stringField(body, 'request'),
            stringField(body, 'vehicle'),
          ),
        };
      },
    ],
  ];
}
