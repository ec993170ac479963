// Body rules of the ITS transaction types (stateless): typed refusals naming the field and its
// bound. Plausibility (against the segment, the trip and the block) is in ./state.ts.
import { isPlainObject, onlyFields } from '../../body';
import { publicKeyFromDid } from '../../crypto/did';
import { botError } from '../../errors';
import type { BodyRules } from '../module';
import { checkCertificateShape } from './certificate';
import { checkContractName } from '../contracts/name';
import {
  itsCongestionLevelMax,
  itsEngineRpmMax,
  itsProvidersMax,
  itsRevokeTripsMax,
  itsRewardMax,
  itsSegmentIdLengthMax,
  itsSpeedKmhMax,
  itsWindowMsMax,
  itsWindowMsMin,
} from './limits';
import { demoTownNetwork } from './network';
import type { ItsGenesis, ItsTxType } from './types';
import { itsTxTypes } from './types';

function mapBody(body: unknown, type: string, fields: readonly string[]): Record<string, unknown> {
  if (!isPlainObject(body))
    throw botError('MALFORMED', `A ${type} body must be a map { ${fields.join(', ')} }.`);
  onlyFields(body, fields, type);
  return body;
}

function wholeNumber(value: unknown, field: string, min: number, max: number): number {
  if (value === undefined) throw botError('MISSING_FIELD', `${field} is missing.`);
  if (typeof value !== 'number' || !Number.isInteger(value))
    throw botError('BAD_FIELD_TYPE', `${field} must be a whole number.`);
  if (value < min || value > max)
    throw botError('BAD_FIELD_TYPE', `${field} must be from ${min} to ${max}; it is ${value}.`);
  return value;
}

/** A segment of the chain's road network (BAD_FIELD_TYPE or NOT_FOUND). */
export function checkSegmentId(value: unknown, field = 'segment'): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > itsSegmentIdLengthMax)
    throw botError(
      'BAD_FIELD_TYPE',
      `${field} must be a road segment identifier of 1 to ${itsSegmentIdLengthMax} characters (itsSegmentIdLengthMax).`,
    );
  if (!demoTownNetwork.segmentById.has(value))
    throw botError(
      'NOT_FOUND',
      `${field} "${value}" is not a segment of the road network ${demoTownNetwork.name}.`,
    );
  return value;
}

function checkDid(value: unknown, field: string): string {
  if (typeof value !== 'string' || !value.startsWith('did:key:z') || value.length > 64)
    throw botError('BAD_FIELD_TYPE', `${field} must be a did:key.`);
  try {
    publicKeyFromDid(value);
  } catch {
    throw botError('BAD_FIELD_TYPE', `${field} must be a did:key.`);
  }
  return value;
}

/** An observation's engine speed: a whole number of rpm from 0 to itsEngineRpmMax (BAD_FIELD_TYPE). */
export function checkEngineRpm(value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value))
    throw botError('BAD_FIELD_TYPE', 'rpm (the engine speed) must be a whole number of rpm.');
  if (value < 0 || value > itsEngineRpmMax)
    throw botError(
      'BAD_FIELD_TYPE',
      `rpm (the engine speed) must be from 0 to ${itsEngineRpmMax} (itsEngineRpmMax, the OBD-II ceiling); it is ${value}.`,
    );
  return value;
}

/** Ranges a sensor could report at all: outside them the body is bad input, not a lie. */
const sensorRange = 1_000;

export const itsBodyRules: Record<ItsTxType, BodyRules> = {
  'its.observe': {
    check(body) {
      const b = mapBody(body, 'its.observe', [
        'cert',
        'segment',
        'speedKmh',
        'congestion',
        'humidityPct',
        'temperatureC',
        'rpm',
      ]);
      if (b.cert !== undefined) checkCertificateShape(b.cert);
      checkSegmentId(b.segment);
      wholeNumber(b.speedKmh, 'speedKmh', 0, itsSpeedKmhMax);
      wholeNumber(b.congestion, 'congestion', 0, itsCongestionLevelMax);
      if (b.humidityPct !== undefined)
        wholeNumber(b.humidityPct, 'humidityPct', -sensorRange, sensorRange);
      if (b.temperatureC !== undefined)
        wholeNumber(b.temperatureC, 'temperatureC', -sensorRange, sensorRange);
      if (b.rpm !== undefined) checkEngineRpm(b.rpm);
    },
  },
  'its.revoke': {
    check(body) {
      const b = mapBody(body, 'its.revoke', ['trips']);
      if (!Array.isArray(b.trips) || b.trips.length === 0)
        throw botError('BAD_FIELD_TYPE', 'trips must be a non-empty list of trip keys (did:key).');
      if (b.trips.length > itsRevokeTripsMax)
        throw botError(
          'TOO_LARGE',
          `trips lists ${b.trips.length} keys; the limit is ${itsRevokeTripsMax} (itsRevokeTripsMax).`,
        );
      const seen = new Set<string>();
      b.trips.forEach((trip, i) => {
        checkDid(trip, `trips[${i}]`);
        if (seen.has(trip)) throw botError('BAD_REQUEST', `trips names ${trip} twice.`);
        seen.add(trip);
      });
    },
  },
  'its.settle': {
    check(body) {
      const b = mapBody(body, 'its.settle', ['segment', 'window']);
      checkSegmentId(b.segment);
      wholeNumber(b.window, 'window', 0, Number.MAX_SAFE_INTEGER);
    },
  },
};

export { itsTxTypes };

/** A genesis's ITS settings (BAD_FIELD_TYPE naming the field). */
export function checkItsGenesis(value: ItsGenesis): void {
  if (!isPlainObject(value))
    throw botError('BAD_FIELD_TYPE', 'its must be { providers, windowMs?, reward? }.');
  onlyFields(
    value as unknown as Record<string, unknown>,
    ['providers', 'windowMs', 'reward', 'corroborationMin', 'contract'],
    'its genesis',
  );
  if (!Array.isArray(value.providers) || value.providers.length > itsProvidersMax)
    throw botError(
      'BAD_FIELD_TYPE',
      `its.providers must be a list of at most ${itsProvidersMax} did:key (itsProvidersMax).`,
    );
  value.providers.forEach((did, i) => checkDid(did, `its.providers[${i}]`));
  if (value.windowMs !== undefined)
    wholeNumber(value.windowMs, 'its.windowMs', itsWindowMsMin, itsWindowMsMax);
  if (value.reward !== undefined) wholeNumber(value.reward, 'its.reward', 0, itsRewardMax);
  if (value.corroborationMin !== undefined)
    wholeNumber(value.corroborationMin, 'its.corroborationMin', 1, 64);
  if (value.contract !== undefined) checkContractName(value.contract);
}
