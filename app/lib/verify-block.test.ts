import { describe, expect, it } from 'vitest';
import { blockHash, signCommit } from '../../worker/shared/block';
import { toHex } from '../../worker/shared/bytes';
import { didFromPublicKey } from '../../worker/shared/did';
import { publicKeyFromSeed } from '../../worker/shared/ed25519';
import { checkBlockInPage } from './verify-block';
import type { BlockView } from '../../worker/api';

const seed = new Uint8Array(32).fill(7);
const did = didFromPublicKey(publicKeyFromSeed(seed));
const header = {
  chain: 'c1',
  height: 5,
  prev: new Uint8Array(32).fill(1),
  txRoot: new Uint8Array(32).fill(2),
  stateRoot: new Uint8Array(32).fill(3),
  time: 1000,
  proposer: did,
  round: 0,
};
const hash = blockHash(header);
const sig = signCommit(seed, did, 'c1', 5, 0, hash);

function view(extra: Partial<BlockView> = {}, sigs = true): BlockView {
  return {
    hash: toHex(hash),
    header: {
      ...header,
      prev: toHex(header.prev),
      txRoot: toHex(header.txRoot),
      stateRoot: toHex(header.stateRoot),
    },
    txIds: [],
    txs: [],
    cert: {
      round: 0,
      signers: [did],
      ...(sigs ? { sigs: [{ validator: did, sig: toHex(sig.sig) }] } : {}),
    },
    ...extra,
  } as BlockView;
}

describe('checking a block in the page', () => {
  it('accepts a block whose hash, link, quorum and signatures check out', () => {
    expect(checkBlockInPage(view(), [{ did, power: 1 }], toHex(header.prev))).toMatchObject({
      ok: true,
      hashOk: true,
      linkOk: true,
      quorumOk: true,
      signaturesOk: true,
    });
  });
  it('falls back to hash and quorum when the view names signers only', () => {
    expect(checkBlockInPage(view({}, false), [{ did, power: 1 }])).toMatchObject({
      ok: true,
      signaturesOk: null,
    });
  });
  it('rejects a changed header, a broken link, a missing quorum and a forged signature', () => {
    expect(
      checkBlockInPage(view({ hash: toHex(new Uint8Array(32)) }), [{ did, power: 1 }]).ok,
    ).toBe(false);
    expect(checkBlockInPage(view(), [{ did, power: 1 }], '00'.repeat(32)).linkOk).toBe(false);
    expect(
      checkBlockInPage(view(), [
        { did, power: 1 },
        { did: 'did:key:other', power: 5 },
      ]).quorumOk,
    ).toBe(false);
    const forged = view();
    (forged.cert as unknown as { sigs: Array<{ validator: string; sig: string }> }).sigs[0]!.sig =
      '00'.repeat(64);
    expect(checkBlockInPage(forged, [{ did, power: 1 }]).signaturesOk).toBe(false);
  });
});
