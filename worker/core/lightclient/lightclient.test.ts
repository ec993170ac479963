// The light client against real chains of the core: it follows headers with their commit
// certificates from the genesis (or a checkpoint), follows governance changes of the validator
// set from the proven "sys/validators" entry, reads state with Merkle proofs, keeps bounded
// storage, and refuses forged certificates, wrong validator sets, bad proofs with typed errors.
import { describe, expect, it } from 'vitest';
import { encode } from '../codec';
import { blockHash, signCommit } from '../block';
import { chainIdOf } from '../ledger';
import { txIdOf } from '../tx';
import { BotError } from '../errors';
import {
  advance,
  advanceMany,
  certificateSignatureChecks,
  genesisChainId,
  headerAt,
  isVerifiedSignature,
  lightBlockHash,
  lightClientCheckpointEvery,
  lightClientHeadersKeptMax,
  rememberVerifiedSignature,
  trustCheckpoint,
  trustGenesis,
  verifyRead,
  type LightClientState,
} from './index';
import { ids, TestChain } from './testkit';

const vals = ids('lc validator', 4);
const newcomer = ids('lc newcomer', 1)[0]!;
const outsider = ids('lc outsider', 1)[0]!;

function code(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (error instanceof BotError) return error.code;
    throw error;
  }
  return 'none';
}

function follow(chain: TestChain, from: LightClientState, to: number): LightClientState {
  let lc = from;
  for (let h = lc.height + 1; h <= to; h++) lc = advance(lc, chain.update(h));
  return lc;
}

describe('light client', () => {
  it('follows a chain from its genesis and reads state with Merkle proofs', () => {
    const chain = new TestChain('lc-a', vals);
    expect(genesisChainId(chain.genesis)).toBe(chainIdOf(chain.genesis));
    chain.commit([chain.tx(vals[0]!, 'data.put', { key: 'sensor/1', value: 21.5 })]);
    chain.commit([]);
    chain.commit([chain.tx(vals[1]!, 'data.put', { key: 'sensor/1', value: 22 })]);
    expect(lightBlockHash(chain.blockAt(2).header)).toEqual(blockHash(chain.blockAt(2).header));
    const lc = follow(chain, trustGenesis(chain.genesis), 3);
    expect(lc.height).toBe(3);
    const at1 = chain.proveAt(1, 'data/sensor/1')!;
    expect(verifyRead(lc, 1, 'data/sensor/1', at1.entry, at1.siblings)).toEqual(at1.entry);
    // The entry of height 1 against the root of height 3 (where the value changed): refused.
    expect(code(() => verifyRead(lc, 3, 'data/sensor/1', at1.entry, at1.siblings))).toBe(
      'TAMPERED',
    );
    const tampered = at1.entry.slice();
    tampered[0] = tampered[0]! ^ 1;
    expect(code(() => verifyRead(lc, 1, 'data/sensor/1', tampered, at1.siblings))).toBe('TAMPERED');
    expect(code(() => verifyRead(lc, 9, 'data/sensor/1', at1.entry, at1.siblings))).toBe(
      'NOT_FOUND',
    );
  });

  it('follows governance changes of the validator set and refuses the old set after it', () => {
    const chain = new TestChain('lc-gov', vals, undefined, [newcomer]);
    const add = chain.tx(vals[0]!, 'member.propose', {
      change: { kind: 'addValidator', did: newcomer.did, power: 1 },
      height: 2,
    });
    const proposal = txIdOf(add);
    chain.commit([
      add,
      chain.tx(vals[1]!, 'member.vote', { proposal, approve: true }),
      chain.tx(vals[2]!, 'member.vote', { proposal, approve: true }),
    ]);
    chain.commit([]);
    const remove = chain.tx(vals[0]!, 'member.propose', {
      change: { kind: 'removeValidator', did: vals[3]!.did },
      height: 4,
    });
    const removal = txIdOf(remove);
    chain.commit([
      remove,
      chain.tx(vals[1]!, 'member.vote', { proposal: removal, approve: true }),
      chain.tx(vals[2]!, 'member.vote', { proposal: removal, approve: true }),
      chain.tx(newcomer, 'member.vote', { proposal: removal, approve: true }),
    ]);
    chain.commit([]);
    chain.commit([]);
    expect(chain.state.validators.map((v) => v.did)).toContain(newcomer.did);
    expect(chain.state.validators.map((v) => v.did)).not.toContain(vals[3]!.did);
    const lc = follow(chain, trustGenesis(chain.genesis), 5);
    expect(lc.validators).toEqual(chain.state.validators);
    // Block 6 forged by the removed validator and two that remain: vals[3] no longer counts.
    const six = chain.commit([], [vals[0]!, vals[1]!, vals[3]!]);
    expect(six.header.height).toBe(6);
    expect(code(() => advance(lc, chain.update(6)))).toBe('BAD_CERTIFICATE');
    // The same block signed by the set in force is accepted.
    const honest = chain.update(6);
    honest.cert = {
      ...honest.cert,
      sigs: [vals[0]!, vals[1]!, newcomer].map((id) =>
        signCommit(id.seed, id.did, chain.chainId, 6, 0, honest.cert.block),
      ),
    };
    expect(advance(lc, honest).height).toBe(6);
  });

  it('takes certificate signatures a host verified beforehand, only for the same bytes', () => {
    const chain = new TestChain('lc-memo', vals);
    chain.commit([]);
    const lc = trustGenesis(chain.genesis);
    const one = chain.update(1);
    const checks = certificateSignatureChecks(chain.chainId, one);
    expect(checks).toHaveLength(one.cert.sigs.length);
    for (const c of checks) rememberVerifiedSignature(c.publicKey, c.message, c.signature);
    expect(advance(lc, one).height).toBe(1);
    // A remembered signature does not vouch for another block's bytes or another signature.
    const forged = {
      ...one,
      cert: {
        ...one.cert,
        sigs: one.cert.sigs.map((s, i) =>
          i === 0 ? { ...s, sig: s.sig.map((b, j) => (j === 9 ? b ^ 1 : b)) } : s,
        ),
      },
    };
    expect(code(() => advance(lc, forged))).toBe('BAD_CERTIFICATE');
    expect(certificateSignatureChecks('ab'.repeat(16), one)[0]!.message).not.toEqual(
      checks[0]!.message,
    );
  });

  it('keys the memo of verified signatures by signature, key and message, never by their bytes run together', () => {
    const sig = new Uint8Array(64).fill(9);
    const key = new Uint8Array(32).fill(7);
    const message = Uint8Array.from({ length: 40 }, (_, i) => i);
    rememberVerifiedSignature(key, message, sig);
    expect(isVerifiedSignature(key, message, sig)).toBe(true);
    expect(isVerifiedSignature(key, message.subarray(1), sig)).toBe(false);
    // The same bytes split elsewhere (a 96-byte "signature", the message's head as the key) are
    // not the remembered signature; nor is anything not of Ed25519's sizes ever remembered.
    const longSig = new Uint8Array([...sig, ...key]);
    expect(isVerifiedSignature(message.subarray(0, 32), message.subarray(32), longSig)).toBe(false);
    rememberVerifiedSignature(key, message, longSig);
    expect(isVerifiedSignature(key, message, longSig)).toBe(false);
  });

  it('refuses forged certificates, wrong validator sets, other chains and gaps, changing nothing', () => {
    const chain = new TestChain('lc-forge', vals);
    const other = new TestChain('lc-other', vals);
    for (let i = 0; i < 3; i++) chain.commit([]);
    other.commit([]);
    const lc = trustGenesis(chain.genesis);
    const one = chain.update(1);
    // A signature over other bytes.
    const badSig = {
      ...one,
      cert: {
        ...one.cert,
        sigs: one.cert.sigs.map((s, i) =>
          i === 0 ? { ...s, sig: s.sig.map((b, j) => (j === 5 ? b ^ 1 : b)) } : s,
        ),
      },
    };
    expect(code(() => advance(lc, badSig))).toBe('BAD_CERTIFICATE');
    // Too few signers (2 of 4 is not more than 2/3).
    expect(
      code(() => advance(lc, { ...one, cert: { ...one.cert, sigs: one.cert.sigs.slice(0, 2) } })),
    ).toBe('BAD_CERTIFICATE');
    // An outsider's signature does not count, nor does a signer twice.
    const outsiderSig = signCommit(
      outsider.seed,
      outsider.did,
      chain.chainId,
      1,
      0,
      one.cert.block,
    );
    expect(
      code(() =>
        advance(lc, {
          ...one,
          cert: { ...one.cert, sigs: [...one.cert.sigs.slice(0, 2), outsiderSig] },
        }),
      ),
    ).toBe('BAD_CERTIFICATE');
    expect(
      code(() =>
        advance(lc, {
          ...one,
          cert: { ...one.cert, sigs: [...one.cert.sigs.slice(0, 2), one.cert.sigs[0]!] },
        }),
      ),
    ).toBe('BAD_CERTIFICATE');
    // A header changed after signing (another state root): the certificate is for another block.
    const root = one.header.stateRoot.slice();
    root[0] = root[0]! ^ 1;
    expect(code(() => advance(lc, { ...one, header: { ...one.header, stateRoot: root } }))).toBe(
      'BAD_CERTIFICATE',
    );
    // A validator set that is not the one the state root holds.
    expect(code(() => advance(lc, { ...one, validators: [{ did: outsider.did, power: 1 }] }))).toBe(
      'TAMPERED',
    );
    expect(code(() => advance(lc, { ...one, siblings: one.siblings.slice(1) }))).toBe('TAMPERED');
    // Another chain, a gap, a header that does not link.
    expect(code(() => advance(lc, other.update(1)))).toBe('WRONG_CHAIN');
    expect(code(() => advance(lc, chain.update(2)))).toBe('BAD_BLOCK');
    const at1 = advance(lc, one);
    const forkedTwo = new TestChain('lc-forge', vals);
    forkedTwo.commit([forkedTwo.tx(vals[0]!, 'data.put', { key: 'k', value: 1 })]);
    forkedTwo.commit([]);
    expect(code(() => advance(at1, forkedTwo.update(2)))).toBe('BAD_BLOCK');
    // All or nothing over a batch; the state given is never changed.
    expect(code(() => advanceMany(lc, [one, chain.update(3)]))).toBe('BAD_BLOCK');
    expect(lc.height).toBe(0);
    expect(code(() => advanceMany(lc, []))).toBe('TOO_LARGE');
    expect(advanceMany(lc, [one, chain.update(2), chain.update(3)]).height).toBe(3);
  });

  it('starts from a checkpoint and keeps bounded storage', () => {
    const chain = new TestChain('lc-long', vals.slice(0, 1));
    const total = lightClientCheckpointEvery + 10;
    for (let i = 0; i < total; i++) chain.commit([]);
    const cp = chain.blockAt(5);
    const lc0 = trustCheckpoint({
      chainId: chain.chainId,
      header: cp.header,
      validators: cp.state.validators,
    });
    expect(
      code(() =>
        trustCheckpoint({ chainId: 'x', header: cp.header, validators: cp.state.validators }),
      ),
    ).toBe('WRONG_CHAIN');
    const lc = follow(chain, lc0, total);
    expect(lc.recent.length).toBe(lightClientHeadersKeptMax);
    expect(lc.checkpoints.map((h) => h.height)).toEqual([lightClientCheckpointEvery]);
    expect(headerAt(lc, lightClientCheckpointEvery)).not.toBeNull();
    expect(headerAt(lc, 6)).toBeNull();
    expect(encode(lc).length).toBeLessThan(16 * 1024);
  });
});
