import { describe, expect, it } from 'vitest';
import { checkDatasetRecord, checkVersionRecord } from './record';
import { didFromPublicKey } from '../../crypto/did';
import { publicKeyFromSeed } from '../../crypto/ed25519';
import { readersPerVersionMax } from './limits';
import { wrappedKeyBytes as wrappedKeyBytesForTest } from './keys';

const did = (n: number) => didFromPublicKey(publicKeyFromSeed(new Uint8Array(32).fill(n)));
const wrap = (n: number) => ({
  reader: did(n),
  ephemeral: new Uint8Array(32),
  sealed: new Uint8Array(wrappedKeyBytesForTest),
});
const version = {
  dataset: 'air.quality',
  version: 1,
  fingerprint: new Uint8Array(32),
  sealedBytes: 1040,
  keys: [wrap(1)],
};
const code = (f: () => unknown) => {
  try {
    f();
  } catch (error) {
    return (error as { code?: string }).code;
  }
  return undefined;
};

describe('dataset records', () => {
  it('accepts well-formed records', () => {
    const record = { id: 'air.quality', owner: did(1), labels: ['air'], schema: 'pm25 per minute' };
    expect(checkDatasetRecord(record)).toEqual(record);
    expect(checkVersionRecord(version).keys).toHaveLength(1);
  });

  it('refuses bad ids, owners, fingerprints, duplicate or too many readers, with typed errors', () => {
    expect(
      code(() => checkDatasetRecord({ id: '../x', owner: did(1), labels: [], schema: '' })),
    ).toBe('BAD_FIELD_TYPE');
    expect(code(() => checkDatasetRecord({ id: 'a', owner: 'bob', labels: [], schema: '' }))).toBe(
      'BAD_FIELD_TYPE',
    );
    expect(code(() => checkDatasetRecord({ id: 'a', owner: did(1), labels: [] }))).toBe(
      'MISSING_FIELD',
    );
    expect(code(() => checkVersionRecord({ ...version, fingerprint: new Uint8Array(31) }))).toBe(
      'BAD_FIELD_TYPE',
    );
    expect(code(() => checkVersionRecord({ ...version, version: 0 }))).toBe('BAD_FIELD_TYPE');
    expect(code(() => checkVersionRecord({ ...version, keys: [wrap(1), wrap(1)] }))).toBe(
      'BAD_REQUEST',
    );
    const many = Array.from({ length: readersPerVersionMax + 1 }, () => wrap(2));
    expect(code(() => checkVersionRecord({ ...version, keys: many }))).toBe('TOO_LARGE');
    expect(
      code(() =>
        checkVersionRecord({ ...version, keys: [{ ...wrap(1), sealed: new Uint8Array(47) }] }),
      ),
    ).toBe('BAD_FIELD_TYPE');
  });
});
