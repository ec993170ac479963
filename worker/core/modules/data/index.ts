// BoT data: data.put { key, value } and data.delete { key }. State "data/<key>": the value or a
// tombstone, with the height and transaction that wrote it. The module keeps nothing in memory
// (reads go to the state), and its transactions cannot fail once their body passed the rules:
// apply writes at once, in transaction order.
import { decode, encode } from '../../codec';
import * as limits from '../../limits';
import type { TxModule } from '../module';
import { dataDelete, dataPut } from './rules';
import { noteDataWrite } from '../validation';

export { checkDataKey, checkDataValue } from './rules';

export const dataTxTypes = ['data.put', 'data.delete'] as const;
export const dataPrefix = 'data/';

export interface DataEntry {
  /** The value, or null for a tombstone. */
  value: unknown;
  deleted: boolean;
  height: number;
  txId: string;
}

/** Decode a stored data entry. */
export function decodeDataEntry(bytes: Uint8Array): DataEntry {
  const raw = decode<{ v?: unknown; d?: boolean; h: number; tx: string }>(
    bytes,
    limits.dataValueBytesMax + 1024,
  );
  return { value: raw.d ? null : raw.v, deleted: raw.d === true, height: raw.h, txId: raw.tx };
}

export const dataModule: TxModule<null, Map<string, Uint8Array>, 'data'> = {
  name: 'data',
  txTypes: dataTxTypes,
  bodyRules: { 'data.put': dataPut, 'data.delete': dataDelete },
  empty: () => null,
  overlay: (_state, block) => block.writes,
  apply(writes, tx, txId, block) {
    const body = tx.body as { key: string; value?: unknown };
    if (tx.type === 'data.put')
      writes.set(dataPrefix + body.key, encode({ v: body.value, h: block.height, tx: txId }));
    else writes.set(dataPrefix + body.key, encode({ d: true, h: block.height, tx: txId }));
    noteDataWrite(tx, txId, block); // validation of submitted data (../validation, D-9.4)
  },
  finish: () => null,
  views: { decodeDataEntry },
};
