// CBOR tags (a tag-42 CID link) in values: refused at the boundary (the value check, the codec's
// reference decode) and in block validity, instead of being committed and rendered as {"/": ...}.
import { describe, expect, it } from 'vitest';
import { CID } from 'multiformats/cid';
import * as dagCbor from '@ipld/dag-cbor';
import { decode, decodeReference, encode } from './codec';
import { checkTx, decodeTx, signTx, type UnsignedTx } from './tx';
import { decodeBlock, encodeBlock, txRootOf, type Block } from './block';
import { checkDataValue } from './modules/data';
import { BotError } from './errors';
import { devChain, testIdentity } from './testing';

const alice = testIdentity('alice');
const { state, block: genesis } = devChain(alice);
const cid = CID.parse('bafyreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku');

function codeOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (error instanceof BotError) return error.code;
    throw error;
  }
  return 'accepted';
}

/** A data.put whose value holds a CID, signed: the encoder writes it with tag 42. */
function putWithLink(): ReturnType<typeof signTx> {
  const unsigned: UnsignedTx = {
    chain: state.chainId,
    type: 'data.put',
    from: alice.did,
    nonce: 1,
    time: 1_700_000_000_001,
    body: { key: 'doc', value: { link: cid } },
  };
  return signTx(unsigned, alice.seed);
}

describe('CBOR tags in values are refused', () => {
  it('the data-value check refuses a CID with a plain message, and still takes plain values', () => {
    expect(codeOf(() => checkDataValue({ link: cid }))).toBe('BAD_FIELD_TYPE');
    expect(() => checkDataValue([cid])).toThrow(/CBOR tag/);
    expect(
      codeOf(() =>
        checkDataValue({ link: 'bafy...', bytes: new Uint8Array(2), n: [1, null, true] }),
      ),
    ).toBe('accepted');
  });

  it('the codec refuses tag 42 on both decode paths, so no encoding carries a tag', () => {
    const bytes = new Uint8Array(dagCbor.encode({ link: cid }));
    expect(bytes.includes(0xd8)).toBe(true); // tag head 0xd8 0x2a: tag 42
    expect(codeOf(() => decode(bytes, 1 << 20))).toBe('MALFORMED');
    expect(codeOf(() => decodeReference(bytes, 1 << 20))).toBe('MALFORMED');
    expect(() => decode(bytes, 1 << 20)).toThrow(/CBOR tag/);
  });

  it('a signed transaction carrying a CID is refused from its bytes and as a value', () => {
    expect(codeOf(() => decodeTx(encode(putWithLink())))).toBe('MALFORMED');
    expect(codeOf(() => checkTx({ ...putWithLink() }))).toBe('BAD_FIELD_TYPE');
  });

  it('a block that includes such a transaction is not a valid block', () => {
    const tx = putWithLink();
    const block: Block = {
      header: {
        ...genesis.header,
        height: 1,
        prev: new Uint8Array(32),
        txRoot: txRootOf([tx]),
        time: genesis.header.time + 1,
      },
      txs: [tx],
      cert: null,
    };
    expect(codeOf(() => decodeBlock(encodeBlock(block)))).toBe('MALFORMED');
  });
});
