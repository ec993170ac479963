// The verifier of a browser peer: a pool of verifier workers (verifier-pool.ts) beside the
// peer's worker, one per core (verifierThreadsFor), with the peer thread's best verifier for
// small batches and as the fallback where workers cannot be made.
import { bestVerifier, type Verifier } from './crypto';
import { verifierPool, verifierThreadsFor, type VerifyPort } from './verifier-pool';

export async function browserVerifier(
  threads: number = verifierThreadsFor(globalThis.navigator?.hardwareConcurrency),
): Promise<Verifier> {
  const local = await bestVerifier();
  if (typeof Worker === 'undefined' || threads < 1) return local;
  return verifierPool(
    () =>
      new Worker(new URL('./verify.worker.ts', import.meta.url), {
        type: 'module',
        name: 'bot-verifier',
      }) as unknown as VerifyPort,
    threads,
    local,
  );
}
