// Body rules of the traceability transaction types (stateless). Each body carries the parts of
// a traceability mapping record (Y.4560 I.1.3, I.1.5 step 1) that the signer states: the object
// identifier(s), the information-server address and the SHA-256 of the traceability data held
// there. The ledger adds the rest (./state.ts recordOf): the transfer-out account (the signer,
// none at an origin), the transfer-in account (`to`, or the signer), the timestamp (tx.time)
// and the digital signature (the transaction's, by the signer over all of it).
import { botError } from '../../errors';
import { isPlainObject, onlyFields } from '../../body';
import { publicKeyFromDid } from '../../crypto/did';
import type { BodyRules } from '../module';
import {
  traceIdLengthMax,
  traceMergeInputsMax,
  traceServerLengthMax,
  traceSplitPartsMax,
} from './limits';

export const traceTxTypes = [
  'trace.record',
  'trace.transfer',
  'trace.split',
  'trace.merge',
] as const;
export type TraceTxType = (typeof traceTxTypes)[number];

/** An object identifier: printable text without control characters, 1..traceIdLengthMax. */
export function checkTraceId(value: unknown, field: string): string {
  if (typeof value !== 'string') throw botError('BAD_FIELD_TYPE', `${field} must be text.`);
  if (value.length === 0 || value.length > traceIdLengthMax)
    throw botError(
      'BAD_FIELD_TYPE',
      `${field} must be 1 to ${traceIdLengthMax} characters (traceIdLengthMax).`,
    );
  if (!/^[\x21-\x7e][\x20-\x7e]*$/.test(value) || value.endsWith(' '))
    throw botError(
      'BAD_FIELD_TYPE',
      `${field} must be printable ASCII (a product code, lot or GS1-style identifier), not starting or ending with a space.`,
    );
  return value;
}

export function checkServer(value: unknown): string {
  if (typeof value !== 'string')
    throw botError('BAD_FIELD_TYPE', 'server must be the information-server address (a URL).');
  if (value.length > traceServerLengthMax)
    throw botError(
      'TOO_LARGE',
      `server is ${value.length} characters; the limit is ${traceServerLengthMax} (traceServerLengthMax).`,
    );
  if (!/^https?:\/\/[\x21-\x7e]+$/.test(value))
    throw botError(
      'BAD_FIELD_TYPE',
      'server must be an http:// or https:// address of the information server, without spaces.',
    );
  return value;
}

export function checkHash(value: unknown): string {
  if (typeof value !== 'string' || !/^[0-9a-f]{64}$/.test(value))
    throw botError(
      'BAD_FIELD_TYPE',
      'hash must be the SHA-256 of the traceability data: 64 lowercase hex digits.',
    );
  return value;
}

function checkDid(value: unknown, field: string): string {
  if (typeof value !== 'string' || !value.startsWith('did:key:z') || value.length > 64)
    throw botError('BAD_FIELD_TYPE', `${field} must be a did:key account.`);
  publicKeyFromDid(value);
  return value;
}

function checkIds(value: unknown, field: string, max: number): string[] {
  if (!Array.isArray(value) || value.length === 0)
    throw botError('BAD_FIELD_TYPE', `${field} must be a non-empty list of identifiers.`);
  if (value.length > max)
    throw botError('TOO_LARGE', `${field} lists ${value.length} identifiers; the limit is ${max}.`);
  const seen = new Set<string>();
  value.forEach((id, i) => {
    checkTraceId(id, `${field}[${i}]`);
    if (seen.has(id)) throw botError('BAD_REQUEST', `${field} names "${id}" twice.`);
    seen.add(id);
  });
  return value as string[];
}

function mapBody(body: unknown, type: string, fields: readonly string[]): Record<string, unknown> {
  if (!isPlainObject(body))
    throw botError('MALFORMED', `A ${type} body must be a map { ${fields.join(', ')} }.`);
  onlyFields(body, fields, type);
  return body;
}

export const traceBodyRules: Record<TraceTxType, BodyRules> = {
  'trace.record': {
    check(body) {
      const b = mapBody(body, 'trace.record', ['id', 'server', 'hash']);
      checkTraceId(b.id, 'id');
      checkServer(b.server);
      checkHash(b.hash);
    },
  },
  'trace.transfer': {
    check(body) {
      const b = mapBody(body, 'trace.transfer', ['id', 'to', 'server', 'hash']);
      checkTraceId(b.id, 'id');
      checkDid(b.to, 'to');
      checkServer(b.server);
      checkHash(b.hash);
    },
  },
  'trace.split': {
    check(body) {
      const b = mapBody(body, 'trace.split', ['id', 'into', 'server', 'hash']);
      checkTraceId(b.id, 'id');
      const into = checkIds(b.into, 'into', traceSplitPartsMax);
      if (into.includes(b.id as string))
        throw botError(
          'BAD_REQUEST',
          'A split makes new identifiers: into must not name the lot split.',
        );
      checkServer(b.server);
      checkHash(b.hash);
    },
  },
  'trace.merge': {
    check(body) {
      const b = mapBody(body, 'trace.merge', ['ids', 'into', 'server', 'hash']);
      const ids = checkIds(b.ids, 'ids', traceMergeInputsMax);
      checkTraceId(b.into, 'into');
      if (ids.includes(b.into as string))
        throw botError(
          'BAD_REQUEST',
          'A merge makes a new identifier: into must not be one of ids.',
        );
      checkServer(b.server);
      checkHash(b.hash);
    },
  },
};
