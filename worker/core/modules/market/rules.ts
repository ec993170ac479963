// Stateless rules of the market transaction bodies (the stateful ones are in ./apply.ts).
import { botError } from '../../errors';
import { isPlainObject, onlyFields } from '../../body';
import type { BodyRules } from '../module';
import { checkAmount } from '../tokens/rules';
import { checkWrappedKey } from '../datasets/keys';
import { checkDatasetId } from '../datasets/record';
import { grantVersionsMax } from '../datasets/limits';
import {
  askQuantityMax,
  deliverBlocksMax,
  disputeBlocksMax,
  expiresBlocksMax,
  type marketTxTypes,
  termsLengthMax,
} from './types';

function mapOf(
  body: unknown,
  type: string,
  required: readonly string[],
  optional: readonly string[] = [],
): Record<string, unknown> {
  if (!isPlainObject(body))
    throw botError(
      'MALFORMED',
      `A ${type} body must be a map { ${[...required, ...optional.map((f) => `${f}?`)].join(', ')} }.`,
    );
  onlyFields(body, [...required, ...optional], type);
  for (const name of required)
    if (body[name] === undefined)
      throw botError('MISSING_FIELD', `A ${type} body needs "${name}".`);
  return body;
}

function checkId(value: unknown, what: string): void {
  if (typeof value !== 'string' || !/^[0-9a-f]{64}$/.test(value))
    throw botError('BAD_FIELD_TYPE', `${what} must be an id of 64 hex digits.`);
}

function checkDataset(value: unknown): void {
  if (typeof value !== 'string') throw botError('BAD_FIELD_TYPE', 'dataset is a dataset id.');
  checkDatasetId(value);
}

function checkBlocks(value: unknown, name: string, max: number, unit = 'blocks'): void {
  if (value === undefined) return;
  if (!Number.isSafeInteger(value) || (value as number) < 1 || (value as number) > max)
    throw botError('BAD_FIELD_TYPE', `${name} is a whole number of ${unit} from 1 to ${max}.`);
}

export function checkTerms(value: unknown): string {
  if (typeof value !== 'string' || value.trim().length === 0 || value.length > termsLengthMax)
    throw botError(
      'BAD_FIELD_TYPE',
      `State the terms (the use the buyer may make of the data) in 1 to ${termsLengthMax} characters.`,
    );
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(value))
    throw botError('BAD_FIELD_TYPE', 'The terms must not contain control characters.');
  return value;
}

const offer: BodyRules = {
  check(body) {
    const b = mapOf(
      body,
      'market.offer',
      ['dataset', 'price', 'terms'],
      ['deliverBlocks', 'expiresBlocks', 'penalty', 'disputeBlocks'],
    );
    checkDataset(b.dataset);
    checkAmount(b.price, 'price');
    checkTerms(b.terms);
    checkBlocks(b.deliverBlocks, 'deliverBlocks', deliverBlocksMax);
    checkBlocks(b.disputeBlocks, 'disputeBlocks', disputeBlocksMax);
    checkBlocks(b.expiresBlocks, 'expiresBlocks', expiresBlocksMax);
    if (b.penalty !== undefined && b.penalty !== 0) checkAmount(b.penalty, 'penalty');
  },
};

const withdraw: BodyRules = {
  check(body) {
    checkId(mapOf(body, 'market.withdraw', ['offer']).offer, 'offer');
  },
};

const buy: BodyRules = {
  check(body) {
    const b = mapOf(body, 'market.buy', ['offer', 'price']);
    checkId(b.offer, 'offer');
    checkAmount(b.price, 'price');
  },
};

const demand: BodyRules = {
  check(body) {
    const b = mapOf(body, 'market.demand', ['dataset', 'maxPrice'], ['expiresBlocks']);
    checkDataset(b.dataset);
    checkAmount(b.maxPrice, 'maxPrice');
    checkBlocks(b.expiresBlocks, 'expiresBlocks', expiresBlocksMax);
  },
};

const cancel: BodyRules = {
  check(body) {
    checkId(mapOf(body, 'market.cancel', ['demand']).demand, 'demand');
  },
};

const deliver: BodyRules = {
  check(body) {
    const b = mapOf(body, 'market.deliver', ['purchase', 'keys']);
    checkId(b.purchase, 'purchase');
    if (!Array.isArray(b.keys) || b.keys.length > grantVersionsMax)
      throw botError(
        'TOO_LARGE',
        `A delivery carries keys for at most ${grantVersionsMax} versions (the grant window).`,
      );
    let last = 0;
    for (const item of b.keys) {
      const k = mapOf(item, 'delivery key', ['version', 'key']);
      if (!Number.isSafeInteger(k.version) || (k.version as number) <= last)
        throw botError('BAD_FIELD_TYPE', 'Delivery keys name whole version numbers, ascending.');
      last = k.version as number;
      checkWrappedKey(k.key);
    }
  },
};

const ask: BodyRules = {
  check(body) {
    const b = mapOf(
      body,
      'market.ask',
      ['dataset', 'price', 'terms'],
      ['quantity', 'deliverBlocks', 'penalty', 'expiresBlocks'],
    );
    checkDataset(b.dataset);
    checkAmount(b.price, 'price');
    checkTerms(b.terms);
    checkBlocks(b.quantity, 'quantity', askQuantityMax, 'windows');
    checkBlocks(b.deliverBlocks, 'deliverBlocks', deliverBlocksMax);
    if (b.penalty !== undefined && b.penalty !== 0) checkAmount(b.penalty, 'penalty');
    checkBlocks(b.expiresBlocks, 'expiresBlocks', expiresBlocksMax);
  },
};

const bid: BodyRules = {
  check(body) {
    const b = mapOf(body, 'market.bid', ['dataset', 'price'], ['expiresBlocks']);
    checkDataset(b.dataset);
    checkAmount(b.price, 'price');
    checkBlocks(b.expiresBlocks, 'expiresBlocks', expiresBlocksMax);
  },
};

const closeOrder: BodyRules = {
  check(body) {
    checkId(mapOf(body, 'market.close', ['order']).order, 'order');
  },
};

const refund: BodyRules = {
  check(body) {
    checkId(mapOf(body, 'market.refund', ['purchase']).purchase, 'purchase');
  },
};

const dispute: BodyRules = {
  check(body) {
    checkId(mapOf(body, 'market.dispute', ['purchase']).purchase, 'purchase');
  },
};

const answer: BodyRules = {
  check(body) {
    const b = mapOf(body, 'market.answer', ['purchase', 'secrets']);
    checkId(b.purchase, 'purchase');
    if (!Array.isArray(b.secrets) || b.secrets.length === 0 || b.secrets.length > grantVersionsMax)
      throw botError(
        'BAD_FIELD_TYPE',
        `secrets is a list of 1 to ${grantVersionsMax} X25519 private keys, one per key delivered.`,
      );
    for (const s of b.secrets)
      if (!(s instanceof Uint8Array) || s.length !== 32)
        throw botError('BAD_FIELD_TYPE', 'Each secret is a 32-byte X25519 private key.');
  },
};

export const marketBodyRules: Record<(typeof marketTxTypes)[number], BodyRules> = {
  'market.offer': offer,
  'market.withdraw': withdraw,
  'market.buy': buy,
  'market.demand': demand,
  'market.cancel': cancel,
  'market.deliver': deliver,
  'market.refund': refund,
  'market.ask': ask,
  'market.bid': bid,
  'market.close': closeOrder,
  'market.dispute': dispute,
  'market.answer': answer,
};
