// Issue 19: heap per entry of the light clients' memo of verified signatures (worker/core/lightclient,
// one entry per solo block a Node validator signs), 4,000 entries after a full GC.
//   node --expose-gc --import tsx bench/verified-memo.ts
import { rememberVerifiedSignature } from '../worker/core/lightclient/index';
import { commitSigningBytes } from '../worker/core/consensus/vote';
const gc = (globalThis as any).gc;
gc();
const before = process.memoryUsage().heapUsed;
const key = crypto.getRandomValues(new Uint8Array(32));
for (let h = 1; h <= 4000; h++) {
  const message = commitSigningBytes(
    'ab'.repeat(16),
    h,
    0,
    crypto.getRandomValues(new Uint8Array(32)),
  );
  rememberVerifiedSignature(key, message, crypto.getRandomValues(new Uint8Array(64)));
}
gc();
console.log(
  'heap per memo entry, bytes:',
  Math.round((process.memoryUsage().heapUsed - before) / 4000),
);
