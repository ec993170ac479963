// Stateless body rules of the xchain transactions: shapes, sizes and named limits. The proofs
// themselves are checked in ./apply.ts against the chain's links.
import { botError } from '../../errors';
import { encode } from '../../codec';
import * as limits from '../../limits';
import { isPlainObject, onlyFields } from '../../body';
import { checkDataKey, checkDataValue } from '../data/rules';
import { checkAmount, isDidKey } from '../tokens/rules';
import { lightClientUpdatesMax } from '../../lightclient';
import type { BodyRules } from '../module';
import {
  xchainDeadlineBlocksMax,
  xchainEntryBytesMax,
  xchainNotariesMax,
  xchainSealedBytesMax,
  type XAsset,
  type XOperation,
  type XProof,
} from './types';

function map(value: unknown, type: string, shape: string): Record<string, unknown> {
  if (!isPlainObject(value)) throw botError('MALFORMED', `A ${type} body must be a map ${shape}.`);
  return value;
}

export function isChainId(value: unknown): value is string {
  return typeof value === 'string' && /^[0-9a-f]{32}$/.test(value);
}

function checkChainId(value: unknown, field: string): string {
  if (value === undefined) throw botError('MISSING_FIELD', `The body has no "${field}".`);
  if (!isChainId(value))
    throw botError('BAD_FIELD_TYPE', `${field} must be a chain id (32 hex digits).`);
  return value;
}

function checkDid(value: unknown, field: string): string {
  if (value === undefined) throw botError('MISSING_FIELD', `The body has no "${field}".`);
  if (!isDidKey(value)) throw botError('BAD_FIELD_TYPE', `${field} must be a did:key.`);
  return value;
}

function checkHeight(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0)
    throw botError('BAD_FIELD_TYPE', `${field} must be a whole block height.`);
  return value;
}

export function checkAsset(value: unknown): XAsset {
  if (!isPlainObject(value))
    throw botError('MALFORMED', 'asset must be a map with a "kind": tokens, record or grant.');
  if (value.kind === 'tokens') {
    onlyFields(value, ['kind', 'amount'], 'tokens asset');
    checkAmount(value.amount);
  } else if (value.kind === 'record') {
    onlyFields(value, ['kind', 'key', 'value'], 'record asset');
    checkDataKey(value.key);
    if (value.value === undefined) throw botError('MISSING_FIELD', 'The record has no "value".');
    checkDataValue(value.value);
    const bytes = encode(value.value).length;
    if (bytes > limits.dataValueBytesMax)
      throw botError(
        'TOO_LARGE',
        `The record value is ${bytes} bytes; the limit is ${limits.dataValueBytesMax}.`,
      );
  } else if (value.kind === 'grant') {
    onlyFields(value, ['kind', 'dataset', 'grantee', 'sealed'], 'grant asset');
    if (typeof value.dataset !== 'string' || !/^[0-9a-f]{64}$/.test(value.dataset))
      throw botError('BAD_FIELD_TYPE', 'dataset must be a dataset id (64 hex digits).');
    checkDid(value.grantee, 'grantee');
    if (!(value.sealed instanceof Uint8Array) || value.sealed.length === 0)
      throw botError(
        'BAD_FIELD_TYPE',
        'sealed must be the dataset key sealed to the grantee (bytes).',
      );
    if (value.sealed.length > xchainSealedBytesMax)
      throw botError(
        'TOO_LARGE',
        `The sealed key is ${value.sealed.length} bytes; the limit is ${xchainSealedBytesMax}.`,
      );
  } else throw botError('BAD_FIELD_TYPE', 'asset.kind must be tokens, record or grant.');
  return value as unknown as XAsset;
}

export function checkOperation(value: unknown): XOperation {
  if (!isPlainObject(value)) throw botError('MALFORMED', 'op must be a cross-chain operation map.');
  onlyFields(
    value,
    ['v', 'id', 'source', 'target', 'from', 'to', 'asset', 'deadline'],
    'operation',
  );
  if (value.v !== 1) throw botError('BAD_FIELD_TYPE', 'This peer knows operations of version 1.');
  if (typeof value.id !== 'string' || !/^[0-9a-f]{64}$/.test(value.id))
    throw botError(
      'BAD_FIELD_TYPE',
      'The operation id is its lock transaction id (64 hex digits).',
    );
  checkChainId(value.source, 'source');
  checkChainId(value.target, 'target');
  checkDid(value.from, 'from');
  checkDid(value.to, 'to');
  checkAsset(value.asset);
  checkHeight(value.deadline, 'deadline');
  return value as unknown as XOperation;
}

export function checkProof(value: unknown): XProof {
  if (!isPlainObject(value))
    throw botError('MALFORMED', 'proof must be a map { height, entry, siblings | attest }.');
  onlyFields(value, ['height', 'entry', 'siblings', 'attest'], 'proof');
  checkHeight(value.height, 'proof.height');
  if (!(value.entry instanceof Uint8Array))
    throw botError('BAD_FIELD_TYPE', 'proof.entry must be the proven entry (bytes).');
  if (value.entry.length > xchainEntryBytesMax)
    throw botError('TOO_LARGE', `A proven entry holds at most ${xchainEntryBytesMax} bytes.`);
  const merkle = value.siblings !== undefined;
  if (merkle === (value.attest !== undefined))
    throw botError(
      'MALFORMED',
      'A proof carries either siblings (contract mode) or attest (relay, shared).',
    );
  if (merkle && !Array.isArray(value.siblings))
    throw botError('BAD_FIELD_TYPE', 'proof.siblings is a list of 32-byte hashes.');
  if (!merkle) {
    if (
      !Array.isArray(value.attest) ||
      value.attest.length === 0 ||
      value.attest.length > xchainNotariesMax
    )
      throw botError('BAD_FIELD_TYPE', `proof.attest lists 1 to ${xchainNotariesMax} signatures.`);
    for (const a of value.attest) {
      if (
        !isPlainObject(a) ||
        !isDidKey(a.signer) ||
        !(a.sig instanceof Uint8Array) ||
        a.sig.length !== 64
      )
        throw botError('BAD_FIELD_TYPE', 'Each attestation is { signer: did:key, sig: 64 bytes }.');
    }
  }
  return value as unknown as XProof;
}

const link: BodyRules = {
  check(body) {
    const b = map(
      body,
      'xchain.link',
      '{ chain, mode, genesis? | checkpoint?, notaries?, quorum? }',
    );
    onlyFields(b, ['chain', 'mode', 'genesis', 'checkpoint', 'notaries', 'quorum'], 'xchain.link');
    checkChainId(b.chain, 'chain');
    if (b.mode === 'contract') {
      if ((b.genesis === undefined) === (b.checkpoint === undefined))
        throw botError(
          'MISSING_FIELD',
          'A contract-mode link gives the remote genesis or a checkpoint.',
        );
      if (b.notaries !== undefined || b.quorum !== undefined)
        throw botError('MALFORMED', 'A contract-mode link names no notaries.');
      return;
    }
    if (b.mode !== 'relay' && b.mode !== 'shared')
      throw botError('BAD_FIELD_TYPE', 'mode must be contract, relay or shared.');
    if (b.genesis !== undefined || b.checkpoint !== undefined)
      throw botError('MALFORMED', 'Only a contract-mode link follows the remote headers.');
    if (
      !Array.isArray(b.notaries) ||
      b.notaries.length === 0 ||
      b.notaries.length > xchainNotariesMax
    )
      throw botError('BAD_FIELD_TYPE', `notaries lists 1 to ${xchainNotariesMax} did:keys.`);
    for (const did of b.notaries) checkDid(did, 'notaries');
    if (new Set(b.notaries).size !== b.notaries.length)
      throw botError('BAD_FIELD_TYPE', 'notaries names each did once.');
    if (b.mode === 'relay' && b.notaries.length !== 1)
      throw botError('BAD_FIELD_TYPE', 'A relay link names exactly one notary.');
    const quorum = b.quorum ?? 1;
    if (
      typeof quorum !== 'number' ||
      !Number.isSafeInteger(quorum) ||
      quorum < 1 ||
      quorum > b.notaries.length
    )
      throw botError('BAD_FIELD_TYPE', 'quorum must be from 1 to the number of notaries.');
    if (b.mode === 'shared' && quorum * 3 <= b.notaries.length * 2)
      throw botError(
        'BAD_FIELD_TYPE',
        'A shared-nodes quorum must be more than 2/3 of the notaries.',
      );
  },
};

const headers: BodyRules = {
  check(body) {
    const b = map(body, 'xchain.headers', '{ chain, updates }');
    onlyFields(b, ['chain', 'updates'], 'xchain.headers');
    checkChainId(b.chain, 'chain');
    if (
      !Array.isArray(b.updates) ||
      b.updates.length === 0 ||
      b.updates.length > lightClientUpdatesMax
    )
      throw botError(
        'BAD_FIELD_TYPE',
        `updates lists 1 to ${lightClientUpdatesMax} header updates.`,
      );
  },
};

const fund: BodyRules = {
  check(body) {
    const b = map(body, 'xchain.fund', '{ amount }');
    onlyFields(b, ['amount'], 'xchain.fund');
    if (b.amount === undefined) throw botError('MISSING_FIELD', 'The body has no "amount".');
    checkAmount(b.amount);
  },
};

const lock: BodyRules = {
  check(body) {
    const b = map(body, 'xchain.lock', '{ target, to, asset, deadline }');
    onlyFields(b, ['target', 'to', 'asset', 'deadline'], 'xchain.lock');
    checkChainId(b.target, 'target');
    checkDid(b.to, 'to');
    if (b.asset === undefined) throw botError('MISSING_FIELD', 'The body has no "asset".');
    const asset = checkAsset(b.asset);
    if (asset.kind === 'grant' && asset.grantee !== b.to)
      throw botError('BAD_FIELD_TYPE', 'A grant goes to its grantee: "to" must be the grantee.');
    const deadline = checkHeight(b.deadline, 'deadline');
    if (deadline > Number.MAX_SAFE_INTEGER - xchainDeadlineBlocksMax)
      throw botError('BAD_FIELD_TYPE', 'deadline is out of range.');
  },
};

/** Header updates a step may carry (applied to the link's light client before its proof). */
function checkHeaders(value: unknown): void {
  if (value === undefined) return;
  if (!Array.isArray(value) || value.length === 0 || value.length > lightClientUpdatesMax)
    throw botError('BAD_FIELD_TYPE', `headers lists 1 to ${lightClientUpdatesMax} header updates.`);
}

const withOp = (type: string): BodyRules => ({
  check(body) {
    const b = map(body, type, '{ op, proof, headers? }');
    onlyFields(b, ['op', 'proof', 'headers'], type);
    checkHeaders(b.headers);
    if (b.op === undefined || b.proof === undefined)
      throw botError(
        'MISSING_FIELD',
        `A ${type} body needs the operation and a proof of the lock.`,
      );
    checkOperation(b.op);
    checkProof(b.proof);
  },
});

const withId = (type: string): BodyRules => ({
  check(body) {
    const b = map(body, type, '{ id, proof, headers? }');
    onlyFields(b, ['id', 'proof', 'headers'], type);
    checkHeaders(b.headers);
    if (typeof b.id !== 'string' || !/^[0-9a-f]{64}$/.test(b.id))
      throw botError('BAD_FIELD_TYPE', 'id must be an operation id (64 hex digits).');
    if (b.proof === undefined) throw botError('MISSING_FIELD', `A ${type} body needs a proof.`);
    checkProof(b.proof);
  },
});

export const xchainBodyRules: Record<string, BodyRules> = {
  'xchain.link': link,
  'xchain.headers': headers,
  'xchain.fund': fund,
  'xchain.lock': lock,
  'xchain.commit': withOp('xchain.commit'),
  'xchain.refuse': withOp('xchain.refuse'),
  'xchain.finalize': withId('xchain.finalize'),
  'xchain.abort': withId('xchain.abort'),
};
