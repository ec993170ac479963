// Data asset circulation through a data proxy (Y.4560 Annex I.2, Figure I.6; D-I.2): the proxy
// asks for an enterprise, the enterprise confirms, the owner grants (not before), the proxy
// forwards granted versions, the enterprise reads; every step in the access log with who, for
// whom and the purpose; revoking the proxy ends the enterprise's later versions. Replayed and
// rebuilt from state alike.
import { describe, expect, it } from 'vitest';
import type { ExecutedBlock } from '../../ledger';
import { BlockRunner, devChain, testIdentity, type TestIdentity } from '../../testing';
import { checkTx } from '../../tx';
import { toHex } from '../../bytes';
import type { BotError } from '../../errors';
import { bindingFromSeed, wrappedKeyBytes } from './keys';
import { decodeDatasetEvents, logPrefix, mayReadVersion, type DatasetEvent } from './state';
import * as limits from './limits';

const owner = testIdentity('proxy test owner');
const proxy = testIdentity('proxy test proxy');
const enterprise = testIdentity('proxy test enterprise');
const stranger = testIdentity('proxy test stranger');
const everyone = [owner, proxy, enterprise, stranger];
const id = 'grid.load';
const purpose = 'load forecast for E, no resale';

const chainRun = new BlockRunner(owner, everyone);
const { tx, run, blocks } = chainRun;
const codes = (b: ExecutedBlock) => b.failed.map((f) => f.error?.code);
const messages = (b: ExecutedBlock) => b.failed.map((f) => f.error?.message);

const wrap = (to: TestIdentity, n = 1) => ({
  reader: to.did,
  ephemeral: new Uint8Array(32).fill(n),
  sealed: new Uint8Array(wrappedKeyBytes).fill(n),
});
const keyTx = (chain: string, who: TestIdentity) => {
  const binding = bindingFromSeed(who.seed, who.did);
  return tx(who, chain, 'identity.x25519', { key: binding.x25519, signature: binding.signature });
};
const versionBody = (version: number, readers: TestIdentity[]) => ({
  dataset: id,
  version,
  fingerprint: new Uint8Array(32).fill(version),
  sealedBytes: 1040,
  keys: readers.map((r) => wrap(r, version)),
});
const forwardKeys = (...versions: number[]) =>
  versions.map((v) => ({ version: v, key: wrap(enterprise, v) }));

function events(): DatasetEvent[] {
  return blocks.flatMap((b) => {
    const bytes = b.writes.get(`${logPrefix}${id}`);
    return bytes ? decodeDatasetEvents(bytes, 1 << 20) : [];
  });
}

const codeOf = (chain: string, type: string, body: unknown) => {
  try {
    checkTx({ chain, type, from: owner.did, nonce: 1, time: 1, body, sig: new Uint8Array(64) });
    return 'accepted';
  } catch (error) {
    return (error as BotError).code;
  }
};

describe('data proxy bodies', () => {
  it('refuses a bad enterprise, a proxy view, and empty, oversized or repeated forwards', () => {
    const chain = devChain(owner).state.chainId;
    const request = 'a'.repeat(64);
    const ask = { dataset: id, purpose };
    expect(codeOf(chain, 'dataset.request', { ...ask, for: enterprise.did })).toBe('accepted');
    expect(codeOf(chain, 'dataset.request', { ...ask, for: 'acme' })).toBe('BAD_FIELD_TYPE');
    const projection = { kind: 'projection', fields: ['kw'] };
    expect(
      codeOf(chain, 'dataset.request', { ...ask, for: enterprise.did, view: projection }),
    ).toBe('BAD_REQUEST');
    expect(codeOf(chain, 'dataset.confirm', { request })).toBe('accepted');
    expect(codeOf(chain, 'dataset.confirm', { request: 'x' })).toBe('BAD_FIELD_TYPE');
    expect(codeOf(chain, 'dataset.confirm', null)).toBe('MALFORMED');
    expect(codeOf(chain, 'dataset.forward', { request, keys: forwardKeys(1) })).toBe('accepted');
    expect(codeOf(chain, 'dataset.forward', { request, keys: [] })).toBe('BAD_FIELD_TYPE');
    const many = Array.from({ length: limits.forwardVersionsMax + 1 }, (_, i) => i + 1);
    expect(codeOf(chain, 'dataset.forward', { request, keys: forwardKeys(...many) })).toBe(
      'TOO_LARGE',
    );
    expect(codeOf(chain, 'dataset.forward', { request, keys: forwardKeys(2, 2) })).toBe(
      'BAD_REQUEST',
    );
    expect(codeOf(chain, 'dataset.forward', { request })).toBe('MISSING_FIELD');
  });
});

describe('data asset circulation through a proxy on chain', () => {
  it('request for E, confirm by E only, grant after it, forward of granted versions, revocation', () => {
    chainRun.reset();
    let state = devChain(owner).state;
    const chain = state.chainId;
    state = run(state, [keyTx(chain, owner), keyTx(chain, proxy), keyTx(chain, stranger)]).state;

    // Step 1: P asks for E (not for itself, not for the owner).
    let b = run(state, [
      tx(owner, chain, 'dataset.publish', {
        id,
        labels: [],
        schema: 'kW',
        policy: { mode: 'owner' },
      }),
      tx(owner, chain, 'dataset.version', versionBody(1, [owner])),
      tx(proxy, chain, 'dataset.request', { dataset: id, purpose, for: proxy.did }),
      tx(proxy, chain, 'dataset.request', { dataset: id, purpose, for: owner.did }),
      tx(proxy, chain, 'dataset.request', { dataset: id, purpose, for: enterprise.did }),
    ]);
    expect(codes(b)).toEqual(['BAD_REQUEST', 'BAD_REQUEST']);
    state = b.state;
    const request = b.txIds[4]!;
    expect(state.datasets?.open.get(request)).toMatchObject({
      reader: proxy.did,
      for: enterprise.did,
      state: 'pending',
    });
    expect(state.datasets?.open.get(request)?.confirmed).toBeUndefined();

    // Before E confirms: no grant, no forward; only E confirms, and only with its key on chain.
    b = run(state, [
      tx(owner, chain, 'dataset.grant', { request, keys: [{ version: 1, key: wrap(proxy) }] }),
      tx(proxy, chain, 'dataset.forward', { request, keys: forwardKeys(1) }),
      tx(stranger, chain, 'dataset.confirm', { request }),
      tx(proxy, chain, 'dataset.confirm', { request }),
      tx(enterprise, chain, 'dataset.confirm', { request }),
      tx(enterprise, chain, 'dataset.confirm', { request: 'c'.repeat(64) }),
    ]);
    expect(codes(b)).toEqual([
      'UNAUTHORIZED',
      'UNAUTHORIZED',
      'UNAUTHORIZED',
      'UNAUTHORIZED',
      'BAD_REQUEST',
      'NOT_FOUND',
    ]);
    expect(messages(b)[0]).toMatch(/has not confirmed/);
    expect(messages(b)[4]).toMatch(/X25519 key/);
    state = b.state;

    // Step 2: E confirms (once).
    b = run(state, [
      keyTx(chain, enterprise),
      tx(enterprise, chain, 'dataset.confirm', { request }),
      tx(enterprise, chain, 'dataset.confirm', { request }),
    ]);
    expect(codes(b)).toEqual(['BAD_REQUEST']);
    state = b.state;
    expect(state.datasets?.open.get(request)?.confirmed).toMatchObject({ tx: b.txIds[1] });

    // Step 3: the owner grants to P; version 2 is sealed for P too, version 3 for the owner only.
    b = run(state, [
      tx(owner, chain, 'dataset.grant', { request, keys: [{ version: 1, key: wrap(proxy) }] }),
      tx(owner, chain, 'dataset.version', versionBody(2, [owner, proxy])),
      tx(owner, chain, 'dataset.version', versionBody(3, [owner])),
    ]);
    expect(codes(b)).toEqual([]);
    state = b.state;

    // Step 4: only P forwards, only keys for E, only versions granted to P; E reads after it.
    b = run(state, [
      tx(enterprise, chain, 'dataset.access', { dataset: id, version: 1, purpose }),
      tx(stranger, chain, 'dataset.forward', { request, keys: forwardKeys(1) }),
      tx(proxy, chain, 'dataset.forward', {
        request,
        keys: [{ version: 1, key: wrap(stranger) }],
      }),
      tx(proxy, chain, 'dataset.forward', { request, keys: forwardKeys(9) }),
      tx(proxy, chain, 'dataset.forward', { request: 'c'.repeat(64), keys: forwardKeys(1) }),
      tx(proxy, chain, 'dataset.forward', { request, keys: forwardKeys(1, 3) }),
      tx(proxy, chain, 'dataset.forward', { request, keys: forwardKeys(1, 2) }),
      tx(proxy, chain, 'dataset.forward', { request, keys: forwardKeys(2) }),
      tx(enterprise, chain, 'dataset.access', { dataset: id, version: 2, purpose }),
      tx(enterprise, chain, 'dataset.access', { dataset: id, version: 3, purpose }),
    ]);
    expect(codes(b)).toEqual([
      'UNAUTHORIZED',
      'UNAUTHORIZED',
      'BAD_REQUEST',
      'NOT_FOUND',
      'NOT_FOUND',
      'UNAUTHORIZED',
      'BAD_REQUEST',
      'UNAUTHORIZED',
    ]);
    expect(messages(b)[5]).toMatch(/Version 3 .* was not granted to you/);
    state = b.state;
    const registry = state.datasets!;
    expect([1, 2, 3].map((v) => mayReadVersion(registry, id, v, enterprise.did))).toEqual([
      true,
      true,
      false,
    ]);
    // E is not a reader of the dataset: later versions reach it only through P.
    expect(registry.datasets.get(id)?.readers).toEqual([proxy.did]);

    // Revoking P ends E's later versions: P forwards nothing more, and version 4 is not for it.
    b = run(state, [
      tx(owner, chain, 'dataset.revoke', { dataset: id, reader: proxy.did }),
      tx(owner, chain, 'dataset.version', versionBody(4, [owner, proxy])),
      tx(owner, chain, 'dataset.version', versionBody(4, [owner])),
      tx(proxy, chain, 'dataset.forward', { request, keys: forwardKeys(4) }),
      tx(enterprise, chain, 'dataset.access', { dataset: id, version: 4, purpose }),
      tx(enterprise, chain, 'dataset.access', { dataset: id, version: 1, purpose }),
    ]);
    expect(codes(b)).toEqual(['UNAUTHORIZED', 'UNAUTHORIZED', 'UNAUTHORIZED']);
    expect(messages(b)[1]).toMatch(/request is revoked/);
    state = b.state;

    // The access log: every step with who, for whom and the purpose.
    const steps = events()
      .filter((e) => !['publish', 'version'].includes(e.kind))
      .map((e) => [e.kind, e.by, e.reader, e.for ?? null, e.version, e.purpose]);
    const [O, P, E] = [owner.did, proxy.did, enterprise.did];
    expect(steps).toEqual([
      ['request', P, P, E, null, purpose],
      ['confirm', E, P, E, null, purpose],
      ['grant', O, P, E, null, purpose],
      ['forward', P, E, E, 1, purpose],
      ['forward', P, E, E, 2, purpose],
      ['access', E, E, null, 2, purpose],
      ['revoke', O, P, E, null, null],
      ['access', E, E, null, 1, purpose],
    ]);

    // Another peer replays every block to the same hashes; a reload rebuilds the same registry.
    chainRun.replayAll();
    const rebuilt = chainRun.rebuilt(state.genesis);
    expect(toHex(rebuilt.trie.rootHash())).toBe(toHex(state.trie.rootHash()));
    expect(mayReadVersion(rebuilt.datasets!, id, 2, enterprise.did)).toBe(true);
    expect(mayReadVersion(rebuilt.datasets!, id, 4, enterprise.did)).toBe(false);
  });
});
