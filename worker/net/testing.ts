// Test helpers shared by the network tests (Node and the browser harness).
import { didFromPublicKey } from '../core/crypto/did';
import { publicKeyFromSeed, signSync } from '../core/crypto/ed25519';
import { linkRank } from './overlay';

/** A fresh random identity: its did:key and a signer. */
export function testIdentity(): { did: string; sign(message: Uint8Array): Promise<Uint8Array> } {
  const seed = crypto.getRandomValues(new Uint8Array(32));
  return {
    did: didFromPublicKey(publicKeyFromSeed(seed)),
    sign: async (message) => signSync(seed, message),
  };
}

export type TestIdentity = ReturnType<typeof testIdentity>;

/**
 * From `poolSize` fresh identities, three that form a triangle and `outsiders` others that each
 * triangle member ranks below both its triangle links in `room` (overlay.ts linkRank): at
 * linksMax 2 a full triangle refuses them by rank alone. Null if the pool holds none.
 */
export function rankRefusedTriangle(
  room: string,
  poolSize: number,
  outsiders: number,
): { triangle: TestIdentity[]; outsiders: TestIdentity[] } | null {
  const pool = Array.from({ length: poolSize }, () => testIdentity());
  const rank = (a: TestIdentity, b: TestIdentity) => linkRank(room, a.did, b.did);
  for (let a = 0; a < pool.length; a++)
    for (let b = a + 1; b < pool.length; b++)
      for (let c = b + 1; c < pool.length; c++) {
        const triangle = [pool[a]!, pool[b]!, pool[c]!];
        const lowest = triangle.map((t) =>
          Math.min(...triangle.filter((u) => u !== t).map((u) => rank(t, u))),
        );
        const refused = pool.filter(
          (p) => !triangle.includes(p) && triangle.every((t, i) => rank(t, p) < lowest[i]!),
        );
        if (refused.length >= outsiders)
          return { triangle, outsiders: refused.slice(0, outsiders) };
      }
  return null;
}
