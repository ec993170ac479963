// The road-conditions part of the OpenAPI document (issue 20; server/peer/openapi.ts spreads
// these in): answer schemas and paths. Shapes follow worker/api-its.ts.
import { hex, int, list, nullable, obj, ref, str, type Schema } from './openapi-schema';

/** One answer of an operation: its status and schema. */
const answer = (status: string, schema: Schema): [string, Schema] => [status, schema];
const pathParam = (name: string) => ({ name, in: 'path', required: true, schema: str });
const queryParam = (name: string) => ({
  name,
  in: 'query',
  required: false,
  schema: { type: 'number' },
});

export const itsSchemas: Record<string, Schema> = {
  ItsNetwork: obj({
    name: str,
    segments: list(
      obj({
        id: str,
        name: str,
        limitKmh: int,
        from: { type: 'object' },
        to: { type: 'object' },
      }),
    ),
  }),
  ItsCondition: obj(
    {
      segment: str,
      name: str,
      limitKmh: int,
      window: int,
      from: int,
      to: int,
      trips: int,
      rejected: int,
      speedMedianKmh: nullable(int),
      speedMeanKmh: nullable({ type: 'number' }),
      congestionMedian: nullable(int),
      humidityMeanPct: nullable({ type: 'number' }),
      temperatureMeanC: nullable({ type: 'number' }),
      engineRpmMean: int,
      settled: { type: 'boolean' },
      height: int,
      reporters: list(obj({ provider: str, trips: int, trust: int })),
      trustMin: nullable(int),
    },
    ['engineRpmMean'],
  ),
  ItsConditions: obj(
    {
      height: int,
      windowMs: int,
      enabled: { type: 'boolean' },
      conditions: list(ref('ItsCondition')),
      providers: list(obj({ did: str, ok: int, bad: int, trust: int })),
      near: nullable({ type: 'object' }),
      segments: list(str),
      proven: { type: 'boolean' },
    },
    ['segments'],
  ),
  ItsCertified: obj({ certificates: str, trips: int }),
  ItsConditionProof: obj({
    condition: nullable(ref('ItsCondition')),
    proof: nullable({ type: 'object' }),
  }),
  ItsSettled: obj({
    settled: list(obj({ segment: str, window: int, txId: hex(64) })),
  }),
};

export const itsPaths = {
  '/v1/its/network': {
    get: {
      summary: 'The bundled road network (segments, limits, positions).',
      ok: answer('200', ref('ItsNetwork')),
    },
  },
  '/v1/its/conditions': {
    get: {
      summary:
        "Every segment's latest road condition (a city dashboard), with the providers' trust; with lat and lon (and radius, metres), the segments near that point only; with segments (ids separated by commas, at most 64: itsSegmentsReadMax), those segments only.",
      ok: answer('200', ref('ItsConditions')),
      params: [
        queryParam('lat'),
        queryParam('lon'),
        queryParam('radius'),
        { name: 'segments', in: 'query', required: false, schema: str },
      ],
    },
  },
  '/v1/its/conditions/{segment}': {
    get: {
      summary: "One segment's road condition with the Merkle proof of its state entry.",
      ok: answer('200', ref('ItsConditionProof')),
      params: [pathParam('segment')],
    },
  },
  '/v1/its/settle': {
    post: {
      summary: 'Settle the ended, corroborated windows (pays the agreeing vehicles).',
      ok: answer('202', ref('ItsSettled')),
    },
  },
  '/v1/its/certify': {
    post: {
      summary:
        "A provider certifies a vehicle's trip keys (the request code from its Drive page; the vehicle's name stays on this peer).",
      ok: answer('200', ref('ItsCertified')),
      body: 'ItsCertify',
    },
  },
};

export const itsBodies: Record<string, Schema> = {
  ItsCertify: {
    type: 'object',
    properties: { request: str, vehicle: { type: 'string', minLength: 1, maxLength: 64 } },
    required: ['request', 'vehicle'],
    additionalProperties: false,
  },
};
