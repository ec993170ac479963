// The verifier pool (Node): checks packed and sent to pool threads come back with the strict
// verifier's verdict for every check, in order, including the edge-case vectors; small batches
// stay on the calling thread; a thread that fails loses no verdict. The real browser workers are
// covered by verifier-pool.browser.test.ts.
import { describe, expect, it } from 'vitest';
import {
  answerVerifyJob,
  packChecks,
  unpackChecks,
  verifierPool,
  verifierThreadsFor,
  type VerifyAnswer,
  type VerifyJob,
  type VerifyPort,
} from './verifier-pool';
import { nobleVerifier, type Verifier } from './crypto';
import { publicKeyFromSeed, signSync, verifyStrict } from '../core/crypto/ed25519';
import { fromHex } from '../core/bytes';
import { rfc8032, speccheck } from '../core/fixtures/ed25519-vectors';
import { malleatedVectors } from '../core/crypto/ed25519-extra';
import type { SignatureCheck } from '../core/block';
import * as limits from '../core/limits';

/** A pool thread in this process: answers each job a macrotask later, as a worker would. */
function fakeThread(
  stats: { jobs: number; checks: number },
  fail?: { afterJobs: number },
): () => VerifyPort {
  return () => {
    const port: VerifyPort & { dead: boolean } = {
      dead: false,
      onmessage: null,
      onerror: null,
      postMessage(job: VerifyJob) {
        const copy = job.packed.slice(0); // the buffer is transferred: the sender's view is detached
        setTimeout(async () => {
          if (port.dead) return;
          stats.jobs++;
          stats.checks += unpackChecks(copy).length;
          if (fail && stats.jobs > fail.afterJobs) {
            port.onerror?.({ message: 'simulated crash' });
            return;
          }
          const { answer } = await answerVerifyJob({ id: job.id, packed: copy });
          port.onmessage?.({ data: answer });
        }, 0);
      },
      terminate() {
        port.dead = true;
      },
    };
    return port;
  };
}

function counting(inner: Verifier): Verifier & { checks: number } {
  const v = {
    backend: inner.backend,
    checks: 0,
    verifyBatch(checks: SignatureCheck[]) {
      v.checks += checks.length;
      return inner.verifyBatch(checks);
    },
  };
  return v;
}

const vectors = [...rfc8032, ...speccheck, ...malleatedVectors()].map((v) => ({
  check: {
    publicKey: fromHex(v.publicKey),
    message: fromHex(v.message),
    signature: fromHex(v.signature),
  },
  valid: v.valid,
}));

function randomChecks(count: number): { checks: SignatureCheck[]; expected: boolean[] } {
  const checks: SignatureCheck[] = [];
  const expected: boolean[] = [];
  for (let i = 0; i < count; i++) {
    const seed = new Uint8Array(32).fill(i % 251);
    seed[1] = i >> 8;
    const message = new TextEncoder().encode(`check ${i}`);
    const signature = signSync(seed, message);
    if (i % 7 === 3) signature[i % 64]! ^= 1 << (i % 8); // a forged one now and then
    checks.push({ publicKey: publicKeyFromSeed(seed), message, signature });
    expected.push(verifyStrict(checks[i]!.publicKey, message, signature));
  }
  return { checks, expected };
}

describe('verifier pool', () => {
  it('packs and unpacks checks of any lengths, and refuses a truncated job', () => {
    const checks = [
      ...vectors.map((v) => v.check),
      {
        publicKey: new Uint8Array(3),
        signature: new Uint8Array(0),
        message: new Uint8Array(70_000),
      },
    ];
    const back = unpackChecks(packChecks(checks));
    expect(back.length).toBe(checks.length);
    back.forEach((c, i) => {
      expect([...c.publicKey]).toEqual([...checks[i]!.publicKey]);
      expect([...c.signature]).toEqual([...checks[i]!.signature]);
      expect([...c.message]).toEqual([...checks[i]!.message]);
    });
    expect(() => unpackChecks(packChecks(checks).slice(0, 200))).toThrow(RangeError);
  });

  it('gives the strict verdict of every edge-case vector, in order, from the pool threads', async () => {
    const stats = { jobs: 0, checks: 0 };
    const local = counting(nobleVerifier);
    const pool = verifierPool(fakeThread(stats), 2, local);
    const verdicts = await pool.verifyBatch(vectors.map((v) => v.check));
    expect(verdicts).toEqual(vectors.map((v) => v.valid));
    expect(stats.checks).toBe(vectors.length);
    expect(local.checks).toBe(0);
    pool.close();
  });

  it('splits a large batch into bounded jobs over the threads and keeps the order', async () => {
    const stats = { jobs: 0, checks: 0 };
    const pool = verifierPool(fakeThread(stats), 2, nobleVerifier);
    const { checks, expected } = randomChecks(700);
    expect(await pool.verifyBatch(checks)).toEqual(expected);
    expect(expected.filter((ok) => !ok).length).toBe(100);
    expect(stats.jobs).toBe(Math.ceil(700 / limits.verifyJobChecksMax));
    pool.close();
  });

  it('verifies a batch of a vote or two on the calling thread', async () => {
    const stats = { jobs: 0, checks: 0 };
    const local = counting(nobleVerifier);
    const pool = verifierPool(fakeThread(stats), 2, local);
    const { checks, expected } = randomChecks(limits.verifyInThreadChecksMax);
    expect(await pool.verifyBatch(checks)).toEqual(expected);
    expect(stats.jobs).toBe(0);
    expect(local.checks).toBe(checks.length);
    pool.close();
  });

  it('a thread that fails is retired and its checks are verified on the calling thread', async () => {
    const stats = { jobs: 0, checks: 0 };
    const local = counting(nobleVerifier);
    const pool = verifierPool(fakeThread(stats, { afterJobs: 1 }), 1, local);
    const { checks, expected } = randomChecks(300);
    expect(await pool.verifyBatch(checks)).toEqual(expected);
    expect(pool.threads).toBe(0);
    expect(local.checks).toBeGreaterThan(0);
    expect(await pool.verifyBatch(checks)).toEqual(expected); // then the calling thread does it all
    pool.close();
  });

  it('a thread that answers with an error or the wrong count gets its job verified on the calling thread', async () => {
    const local = counting(nobleVerifier);
    const answers: Array<(job: VerifyJob) => VerifyAnswer> = [
      (job) => ({ id: job.id, error: 'no WebCrypto' }),
      (job) => ({ id: job.id, verdicts: new Uint8Array(1).fill(1) }),
    ];
    for (const answer of answers) {
      const pool = verifierPool(
        () => {
          const port: VerifyPort = {
            onmessage: null,
            onerror: null,
            postMessage: (job) => setTimeout(() => port.onmessage?.({ data: answer(job) }), 0),
            terminate() {},
          };
          return port;
        },
        1,
        local,
      );
      const { checks, expected } = randomChecks(100);
      expect(await pool.verifyBatch(checks)).toEqual(expected);
      pool.close();
    }
    expect(local.checks).toBe(200);
  });

  it('uses one thread per core, at least one, at most the named limit', () => {
    expect(verifierThreadsFor(1)).toBe(1);
    expect(verifierThreadsFor(2)).toBe(2);
    expect(verifierThreadsFor(3)).toBe(3);
    expect(verifierThreadsFor(64)).toBe(limits.verifierThreadsMax);
    expect(verifierThreadsFor(undefined)).toBe(2);
  });
});
