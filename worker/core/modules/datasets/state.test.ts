// Confidential datasets on chain (Y.4560 8.1, 8.2, 8.4, I.2): the owner publishes, adds
// versions and decides; a grant answers a request; revocation keeps the reader out of later
// versions; every fetch is accounted. Replayed and rebuilt from state alike on every peer.
import { describe, expect, it } from 'vitest';
import { failurePrefix, type ChainState, type ExecutedBlock } from '../../ledger';
import { BlockRunner, devChain, testIdentity, type TestIdentity } from '../../testing';
import { checkTx, type Tx } from '../../tx';
import { toHex } from '../../bytes';
import type { BotError } from '../../errors';
import { bindingFromSeed, wrappedKeyBytes } from './keys';
import {
  decodeDatasetEvents,
  logPrefix,
  mayReadVersion,
  type DatasetEvent,
  type DatasetRegistry,
} from './state';
import * as limits from './limits';

const owner = testIdentity('dataset owner');
const reader = testIdentity('dataset reader');
const stranger = testIdentity('dataset stranger');
const everyone = [owner, reader, stranger];

const chainRun = new BlockRunner(owner, everyone);
const { tx, run, blocks } = chainRun;

const failures = (executed: ExecutedBlock) =>
  executed.failed.map((f) => [f.error?.code, f.error?.message]);

function fresh(): ChainState {
  chainRun.reset();
  return devChain(owner).state;
}

const wrap = (to: TestIdentity, n = 1) => ({
  reader: to.did,
  ephemeral: new Uint8Array(32).fill(n),
  sealed: new Uint8Array(wrappedKeyBytes).fill(n),
});

function keyTx(chain: string, id: TestIdentity, signer: TestIdentity = id): Tx {
  const binding = bindingFromSeed(signer.seed, id.did);
  return tx(id, chain, 'identity.x25519', { key: binding.x25519, signature: binding.signature });
}

const publishBody = (policy: unknown = { mode: 'owner' }) => ({
  id: 'air.quality',
  labels: ['air', 'pm2.5'],
  schema: 'pm25 µg/m³ per minute, CSV',
  policy,
});

const versionBody = (version: number, keys: unknown[]) => ({
  dataset: 'air.quality',
  version,
  fingerprint: new Uint8Array(32).fill(version),
  sealedBytes: 1040,
  keys,
});

function events(state: ChainState): DatasetEvent[] {
  return blocks.flatMap((b) => {
    const bytes = b.writes.get(`${logPrefix}air.quality`);
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

describe('dataset body rules', () => {
  it('refuses malformed bodies with typed errors before any state is touched', () => {
    const chain = fresh().chainId;
    expect(codeOf(chain, 'dataset.publish', publishBody())).toBe('accepted');
    expect(codeOf(chain, 'dataset.publish', { ...publishBody(), id: '../etc' })).toBe(
      'BAD_FIELD_TYPE',
    );
    expect(codeOf(chain, 'dataset.publish', { ...publishBody(), owner: owner.did })).toBe(
      'MALFORMED',
    );
    expect(codeOf(chain, 'dataset.publish', publishBody({ mode: 'anyone' }))).toBe(
      'BAD_FIELD_TYPE',
    );
    expect(codeOf(chain, 'dataset.publish', publishBody({ mode: 'list', allow: ['bob'] }))).toBe(
      'BAD_FIELD_TYPE',
    );
    const { policy: _p, ...noPolicy } = publishBody();
    expect(codeOf(chain, 'dataset.publish', noPolicy)).toBe('MISSING_FIELD');
    expect(codeOf(chain, 'dataset.version', versionBody(1, [wrap(owner)]))).toBe('accepted');
    expect(codeOf(chain, 'dataset.version', versionBody(0, []))).toBe('BAD_FIELD_TYPE');
    expect(
      codeOf(chain, 'dataset.version', { ...versionBody(1, []), fingerprint: new Uint8Array(8) }),
    ).toBe('BAD_FIELD_TYPE');
    expect(codeOf(chain, 'dataset.version', versionBody(1, [wrap(owner), wrap(owner)]))).toBe(
      'BAD_REQUEST',
    );
    expect(codeOf(chain, 'dataset.request', { dataset: 'air.quality', purpose: '  ' })).toBe(
      'BAD_FIELD_TYPE',
    );
    expect(
      codeOf(chain, 'dataset.request', {
        dataset: 'air.quality',
        purpose: 'x'.repeat(limits.purposeLengthMax + 1),
      }),
    ).toBe('BAD_FIELD_TYPE');
    expect(codeOf(chain, 'dataset.grant', { request: 'ab', keys: [] })).toBe('BAD_FIELD_TYPE');
    const request = 'a'.repeat(64);
    const many = Array.from({ length: limits.grantVersionsMax + 1 }, (_, i) => ({
      version: i + 1,
      key: wrap(reader),
    }));
    expect(codeOf(chain, 'dataset.grant', { request, keys: many })).toBe('TOO_LARGE');
    expect(
      codeOf(chain, 'dataset.grant', {
        request,
        keys: [
          { version: 1, key: wrap(reader) },
          { version: 1, key: wrap(reader) },
        ],
      }),
    ).toBe('BAD_REQUEST');
    expect(codeOf(chain, 'dataset.revoke', { dataset: 'air.quality', reader: 'me' })).toBe(
      'BAD_FIELD_TYPE',
    );
    expect(codeOf(chain, 'dataset.access', { dataset: 'air.quality', version: 1 })).toBe(
      'MISSING_FIELD',
    );
    expect(codeOf(chain, 'identity.x25519', { key: new Uint8Array(31), signature: null })).toBe(
      'BAD_KEY',
    );
    expect(codeOf(chain, 'dataset.deny', null)).toBe('MALFORMED');
  });
});

describe('dataset records on chain', () => {
  it('owner publishes and grants; a revoked reader is out of later versions; reads are accounted', () => {
    let state = fresh();
    const chain = state.chainId;
    // Keys: a key signed by another identity is refused; each publishes its own.
    let b = run(state, [keyTx(chain, stranger, reader), keyTx(chain, owner)]);
    expect(failures(b)).toEqual([['BAD_SIGNATURE', expect.stringMatching(/not signed/)]]);
    expect([...b.writes.keys()].filter((k) => k.startsWith('ds/'))).toEqual([
      `ds/key/${owner.did}`,
    ]);
    state = b.state;
    // Publish, version 1 (wrapped for the owner); the reader asks before it has a key: refused.
    b = run(state, [
      tx(owner, chain, 'dataset.publish', publishBody()),
      tx(owner, chain, 'dataset.version', versionBody(1, [wrap(owner)])),
      tx(reader, chain, 'dataset.request', { dataset: 'air.quality', purpose: 'asthma study' }),
      tx(stranger, chain, 'dataset.version', versionBody(2, [wrap(stranger)])),
      tx(owner, chain, 'dataset.version', versionBody(3, [wrap(owner)])),
      tx(owner, chain, 'dataset.publish', publishBody()),
    ]);
    expect(failures(b).map((f) => f[0])).toEqual([
      'BAD_REQUEST',
      'UNAUTHORIZED',
      'BAD_REQUEST',
      'BAD_REQUEST',
    ]);
    state = b.state;
    expect(state.datasets?.datasets.get('air.quality')).toMatchObject({
      owner: owner.did,
      latest: 1,
      readers: [],
    });
    // With a key, the request is pending; a stranger cannot grant it; a wrong-reader key fails.
    b = run(state, [
      keyTx(chain, reader),
      tx(reader, chain, 'dataset.request', { dataset: 'air.quality', purpose: 'asthma study' }),
    ]);
    state = b.state;
    const request = b.txIds[1]!;
    expect(state.datasets?.open.get(request)).toMatchObject({ state: 'pending', by: null });
    expect(mayReadVersion(state.datasets!, 'air.quality', 1, reader.did)).toBe(false);
    b = run(state, [
      tx(stranger, chain, 'dataset.grant', { request, keys: [] }),
      tx(owner, chain, 'dataset.grant', { request, keys: [{ version: 1, key: wrap(stranger) }] }),
      tx(owner, chain, 'dataset.grant', { request, keys: [{ version: 9, key: wrap(reader) }] }),
      tx(owner, chain, 'dataset.grant', { request: 'b'.repeat(64), keys: [] }),
      tx(reader, chain, 'dataset.access', { dataset: 'air.quality', version: 1, purpose: 'x' }),
    ]);
    expect(failures(b).map((f) => f[0])).toEqual([
      'UNAUTHORIZED',
      'BAD_REQUEST',
      'NOT_FOUND',
      'NOT_FOUND',
      'UNAUTHORIZED',
    ]);
    expect([...b.writes.keys()].filter((k) => k.startsWith('ds/'))).toEqual([]);
    expect([...b.writes.keys()].filter((k) => k.startsWith(failurePrefix))).toHaveLength(5);
    state = b.state;
    // Granted with the key of version 1: the reader reads it, the stranger cannot.
    b = run(state, [
      tx(owner, chain, 'dataset.grant', { request, keys: [{ version: 1, key: wrap(reader) }] }),
      tx(reader, chain, 'dataset.access', {
        dataset: 'air.quality',
        version: 1,
        purpose: 'asthma study',
      }),
      tx(stranger, chain, 'dataset.access', { dataset: 'air.quality', version: 1, purpose: 'x' }),
      tx(owner, chain, 'dataset.deny', { request }),
    ]);
    expect(failures(b).map((f) => f[0])).toEqual(['UNAUTHORIZED', 'NOT_FOUND']);
    state = b.state;
    expect(state.datasets?.datasets.get('air.quality')?.readers).toEqual([reader.did]);
    expect(mayReadVersion(state.datasets!, 'air.quality', 1, reader.did)).toBe(true);
    expect(b.writes.has(`ds/wrap/air.quality/1/${reader.did}`)).toBe(true);
    // Version 2 for both; revoke; version 3 may not carry the reader's key; without it, fine.
    b = run(state, [
      tx(owner, chain, 'dataset.version', versionBody(2, [wrap(owner), wrap(reader)])),
      tx(owner, chain, 'dataset.revoke', { dataset: 'air.quality', reader: reader.did }),
      tx(owner, chain, 'dataset.version', versionBody(3, [wrap(owner), wrap(reader)])),
      tx(owner, chain, 'dataset.version', versionBody(3, [wrap(owner)])),
      tx(reader, chain, 'dataset.access', { dataset: 'air.quality', version: 3, purpose: 'x' }),
      tx(reader, chain, 'dataset.access', { dataset: 'air.quality', version: 2, purpose: 'again' }),
      tx(owner, chain, 'dataset.revoke', { dataset: 'air.quality', reader: reader.did }),
    ]);
    expect(failures(b).map((f) => f[0])).toEqual(['UNAUTHORIZED', 'UNAUTHORIZED', 'NOT_FOUND']);
    state = b.state;
    expect(mayReadVersion(state.datasets!, 'air.quality', 2, reader.did)).toBe(true);
    expect(mayReadVersion(state.datasets!, 'air.quality', 3, reader.did)).toBe(false);
    expect(state.datasets?.open.size).toBe(0); // the granted request is now revoked

    // The access log, block by block, in order (Y.4560 8.4).
    expect(
      events(state).map((e) => [e.kind, e.reader === reader.did ? 'reader' : e.reader, e.version]),
    ).toEqual([
      ['publish', null, null],
      ['version', null, 1],
      ['request', 'reader', null],
      ['grant', 'reader', null],
      ['access', 'reader', 1],
      ['version', null, 2],
      ['revoke', 'reader', null],
      ['version', null, 3],
      ['access', 'reader', 2],
    ]);
    expect(events(state).find((e) => e.kind === 'access')).toMatchObject({
      purpose: 'asthma study',
      by: reader.did,
      dataset: 'air.quality',
    });

    // Another peer replays every block to the same hashes, and a reload rebuilds the registry.
    chainRun.replayAll();
    const rebuilt = chainRun.rebuilt(state.genesis);
    expect(toHex(rebuilt.trie.rootHash())).toBe(toHex(state.trie.rootHash()));
    const summary = (r: DatasetRegistry) => ({
      keys: [...r.keys.keys()].sort(),
      datasets: [...r.datasets.values()],
      versions: [...r.versions.entries()].sort().map(([k, v]) => [k, [...v.readers].sort()]),
      open: [...r.open.keys()],
    });
    expect(summary(rebuilt.datasets!)).toEqual(summary(state.datasets!));
  });

  it('policies decide by rule: closed denies, a listed reader is approved for the owner to wrap', () => {
    let state = fresh();
    const chain = state.chainId;
    let b = run(state, [
      keyTx(chain, reader),
      keyTx(chain, stranger),
      tx(owner, chain, 'dataset.publish', publishBody({ mode: 'list', allow: [reader.did] })),
      tx(owner, chain, 'dataset.publish', { ...publishBody({ mode: 'closed' }), id: 'secret' }),
    ]);
    state = b.state;
    b = run(state, [
      tx(reader, chain, 'dataset.request', { dataset: 'air.quality', purpose: 'study' }),
      tx(stranger, chain, 'dataset.request', { dataset: 'air.quality', purpose: 'study' }),
      tx(stranger, chain, 'dataset.request', { dataset: 'secret', purpose: 'curious' }),
      tx(reader, chain, 'dataset.request', { dataset: 'air.quality', purpose: 'twice' }),
      tx(owner, chain, 'dataset.request', { dataset: 'air.quality', purpose: 'mine' }),
    ]);
    expect(failures(b).map((f) => f[0])).toEqual(['BAD_REQUEST', 'BAD_REQUEST']);
    state = b.state;
    const [approved, pending, closed] = b.txIds;
    expect(state.datasets?.open.get(approved!)).toMatchObject({ state: 'approved', by: 'policy' });
    expect(state.datasets?.open.get(pending!)).toMatchObject({ state: 'pending' });
    expect(state.datasets?.open.has(closed!)).toBe(false);
    b = run(state, [
      tx(owner, chain, 'dataset.grant', { request: approved, keys: [] }),
      tx(owner, chain, 'dataset.deny', { request: pending }),
      tx(owner, chain, 'dataset.version', versionBody(1, [wrap(owner), wrap(reader)])),
      tx(owner, chain, 'dataset.version', versionBody(2, [wrap(stranger)])),
    ]);
    expect(failures(b).map((f) => f[0])).toEqual(['UNAUTHORIZED']);
    expect(b.state.datasets?.datasets.get('air.quality')?.readers).toEqual([reader.did]);
  });
});

describe('datasetsModule (the TxModule shape for the registry)', () => {
  it('applies through the same rules: a failure throws its typed error and writes nothing', async () => {
    const { datasetsModule } = await import('./index');
    const state = fresh();
    const chain = state.chainId;
    const overlay = datasetsModule.overlay(datasetsModule.empty());
    const block = { height: 1 };
    datasetsModule.apply(
      overlay,
      tx(owner, chain, 'dataset.publish', publishBody()),
      'a'.repeat(64),
      block,
    );
    expect(() =>
      datasetsModule.apply(
        overlay,
        tx(stranger, chain, 'dataset.version', versionBody(1, [])),
        'b'.repeat(64),
        block,
      ),
    ).toThrow(expect.objectContaining({ code: 'UNAUTHORIZED' }));
    const writes = new Map<string, Uint8Array>();
    const next = datasetsModule.finish(overlay, { height: 1, writes });
    expect([...writes.keys()]).toEqual(['ds/set/air.quality', 'ds/log/air.quality']);
    const loaded = datasetsModule.load.fromEntries([...writes]);
    expect([...loaded.datasets.values()]).toEqual([...next.datasets.values()]);
    expect(datasetsModule.txTypes).toContain('dataset.access');
    expect(Object.keys(datasetsModule.bodyRules).sort()).toEqual(
      [...datasetsModule.txTypes].sort(),
    );
  });
});
