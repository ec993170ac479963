// BoT data: data.put { key, value } (or { key, sealed } under a read role, ./sealed.ts) and
// data.delete { key }. State "data/<key>": the value, the sealed value or a tombstone, with the
// height and transaction that wrote it. The module keeps nothing in memory
// (reads go to the state), and its transactions cannot fail once their body passed the rules:
// apply writes at once, in transaction order.
import { decode, encode } from '../../codec';
import * as limits from '../../limits';
import type { TxModule } from '../module';
import type { Tx } from '../../tx-shape';
import { dataDelete, dataPut } from './rules';
import { noteDataWrite } from '../validation';

import type { SealedValue } from './sealed';

export { checkDataKey, checkDataValue } from './rules';
export * from './sealed';

export const dataTxTypes = ['data.put', 'data.delete'] as const;
export const dataPrefix = 'data/';

export interface DataEntry {
  /** The value, or null for a tombstone or a sealed value. */
  value: unknown;
  /** The value sealed for the holders of a read role (./sealed.ts), when it was written so. */
  sealed?: SealedValue;
  deleted: boolean;
  height: number;
  txId: string;
}

/** Decode a stored data entry. */
export function decodeDataEntry(bytes: Uint8Array): DataEntry {
  const raw = decode<{ v?: unknown; s?: SealedValue; d?: boolean; h: number; tx: string }>(
    bytes,
    limits.txBodyBytesMax + 1024,
  );
  return {
    value: raw.d || raw.s ? null : raw.v,
    ...(raw.s && !raw.d ? { sealed: raw.s } : {}),
    deleted: raw.d === true,
    height: raw.h,
    txId: raw.tx,
  };
}

/** The state entry a data transaction of block `height` writes (integrity.ts rebuilds it too). */
export function dataEntryOf(tx: Tx, txId: string, height: number): Uint8Array {
  const body = tx.body as { value?: unknown; sealed?: SealedValue };
  if (tx.type !== 'data.put') return encode({ d: true, h: height, tx: txId });
  if (body.sealed) return encode({ s: body.sealed, h: height, tx: txId });
  return encode({ v: body.value, h: height, tx: txId });
}

export const dataModule: TxModule<null, Map<string, Uint8Array>, 'data'> = {
  name: 'data',
  txTypes: dataTxTypes,
  bodyRules: { 'data.put': dataPut, 'data.delete': dataDelete },
  empty: () => null,
  overlay: (_state, block) => block.writes,
  apply(writes, tx, txId, block) {
    const body = tx.body as { key: string };
    writes.set(dataPrefix + body.key, dataEntryOf(tx, txId, block.height));
    noteDataWrite(tx, txId, block); // validation of submitted data (../validation, D-9.4)
  },
  finish: () => null,
  views: { decodeDataEntry },
};
