import { describe, expect, it } from 'vitest';
import * as dagCbor from '@ipld/dag-cbor';
import { decodeBlock, encodeBlock, txLeaf, type Block } from './block';
import { decodeTx, encodeTx, signTx, txIdOf, txSigningBytes, type Tx } from './tx';
import { sha256 } from './crypto/hash';
import { concatBytes, toHex, utf8 } from './bytes';
import { encode } from './codec';
import { devChain, put, testIdentity } from './testing';

const alice = testIdentity('alice');
const { state, block: genesis } = devChain(alice);

/** What the encodings were before they were cached and spliced: computed from scratch. */
function reference(tx: Tx) {
  const { chain, type, from, nonce, time, body, sig } = tx;
  const signing = concatBytes(
    utf8('bot/tx/v1\0'),
    new Uint8Array(dagCbor.encode({ chain, type, from, nonce, time, body })),
  );
  const envelope = new Uint8Array(dagCbor.encode({ chain, type, from, nonce, time, body, sig }));
  return { signing, envelope, id: toHex(sha256(signing)), leaf: sha256(envelope) };
}

describe('transaction and block encodings, encoded once and reused', () => {
  const signed = put(alice, state.chainId, 1, 'sensor/1', { celsius: 21.5, note: 'ünïcode 😀' });
  const decoded = decodeTx(encodeTx(signed));
  const plain: Tx = { ...signed };

  it.each([
    ['signed here', signed],
    ['decoded from bytes', decoded],
    ['a plain object', plain],
  ])(
    'a transaction %s has the signed bytes, id, envelope and leaf computed from scratch',
    (_name, tx) => {
      const want = reference(tx);
      for (let i = 0; i < 2; i++) {
        expect(txSigningBytes(tx)).toEqual(want.signing);
        expect(txIdOf(tx)).toBe(want.id);
        expect(encodeTx(tx)).toEqual(want.envelope);
        expect(txLeaf(tx)).toEqual(want.leaf);
      }
    },
  );

  it('core-made transactions are frozen; a signature changed in place is not served from the cache', () => {
    expect(Object.isFrozen(decoded)).toBe(true);
    const tx = decodeTx(encodeTx(signed));
    const before = encodeTx(tx);
    tx.sig[0] = tx.sig[0]! ^ 1;
    expect(encodeTx(tx)).toEqual(reference(tx).envelope);
    expect(encodeTx(tx)).not.toEqual(before);
    expect(txLeaf(tx)).toEqual(reference(tx).leaf);
  });

  it('a spliced block encoding equals the encoding of the whole block value', () => {
    const txs = [
      signed,
      decoded,
      plain,
      signTx(
        {
          chain: state.chainId,
          type: 'data.put',
          from: alice.did,
          nonce: 2,
          time: 1,
          body: { key: 'k', value: [1, 2.5, null] },
        },
        alice.seed,
      ),
    ];
    const withExtra = { ...signed, extra: 1 } as Tx;
    for (const list of [[], txs, Array.from({ length: 30 }, () => signed), [withExtra]]) {
      const block: Block = {
        header: genesis.header,
        txs: list,
        cert: {
          height: 0,
          round: 0,
          block: new Uint8Array(32),
          sigs: [{ validator: alice.did, sig: new Uint8Array(64) }],
        },
      };
      const want = new Uint8Array(
        dagCbor.encode({
          header: block.header,
          txs: block.txs.map((tx) => ({ ...tx })),
          cert: block.cert,
        }),
      );
      expect(encodeBlock(block)).toEqual(want);
      expect(encodeBlock({ ...block, cert: null })).toEqual(
        new Uint8Array(
          encode({ header: block.header, txs: block.txs.map((tx) => ({ ...tx })), cert: null }),
        ),
      );
    }
    const roundTrip = decodeBlock(encodeBlock({ header: genesis.header, txs, cert: null }));
    expect(roundTrip.txs.map(txIdOf)).toEqual(txs.map(txIdOf));
  });
});
