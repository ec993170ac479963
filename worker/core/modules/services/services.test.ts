// Services outside the chain (Y.4464 10.5): consensus authorizes an access grant by the rule in
// state, and a service holding only the genesis checks the grant's proof (headers with their
// commit certificates, the grant's Merkle proof) and refuses forgeries, another chain, another
// service, a revoked or expired grant, a replayed or oversized proof, with typed errors.
import { describe, expect, it } from 'vitest';
import { signSync } from '../../crypto/ed25519';
import { BotError } from '../../errors';
import { trustGenesis } from '../../lightclient';
import { ids, TestChain } from '../../lightclient/testkit';
import { txIdOf } from '../../tx';
import { registerProofBytes } from '../devices';
import { testIdentity, type TestIdentity } from '../../testing';
import { accessReceiptBytes, decodeGrantRecord, grantPrefix, servicesModule } from './index';
import {
  decodeGrantProof,
  encodeGrantProof,
  followProof,
  grantProofBytesMax,
  grantProofUpdatesMax,
  verifyGrantProof,
  type GrantProof,
} from './proof';

const vals = ids('svc validator', 4);
const gateway = vals[0]!;
const sensor = testIdentity('svc sensor');
const stranger = testIdentity('svc stranger');
const serviceKey = testIdentity('svc service key');
const user = testIdentity('svc user');

function code(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (error instanceof BotError) return `${error.code}: ${error.message}`;
    throw error;
  }
  return 'none';
}

function registerDevice(chain: TestChain, device: TestIdentity) {
  return chain.tx(gateway, 'device.register', {
    did: device.did,
    id: 'sensor-1',
    kind: 'sensor',
    name: 'Sensor',
    gateway: gateway.did,
    owner: gateway.did,
    capabilities: ['t'],
    policy: { mode: 'owner' },
    proof: signSync(device.seed, registerProofBytes(chain.chainId, device.did, gateway.did)),
  });
}

/** A chain with a registered device and a service admitting devices; a grant for the device. */
function setup(name = 'svc-a') {
  const chain = new TestChain(name, vals, undefined, [sensor, stranger, serviceKey, user]);
  chain.commit([
    registerDevice(chain, sensor),
    chain.tx(gateway, 'service.register', {
      id: 'weather',
      name: 'Weather API',
      key: serviceKey.did,
      url: 'http://127.0.0.1:1/',
      access: { mode: 'devices' },
    }),
  ]);
  const grantTx = chain.tx(gateway, 'service.grant', {
    service: 'weather',
    subject: sensor.did,
    ttl: 60_000,
  });
  const block = chain.commit([grantTx]);
  expect(block.failed).toEqual([]);
  return { chain, grant: txIdOf(grantTx) };
}

function proofAt(chain: TestChain, grant: string, from = 1, height = chain.height): GrantProof {
  const updates = [];
  for (let h = from; h <= height; h++) updates.push(chain.update(h));
  const proven = chain.proveAt(height, grantPrefix + grant)!;
  return { chain: chain.chainId, grant, height, updates, ...proven };
}

const at = (chain: TestChain, height: number) => chain.blockAt(height).header.time;

describe('service grants on chain (consensus authorizes)', () => {
  it('grants a registered device through its gateway, with an expiry of block time + ttl', () => {
    const { chain, grant } = setup();
    const record = decodeGrantRecord(chain.entryAt(chain.height, grantPrefix + grant)!);
    expect(record).toMatchObject({
      service: 'weather',
      subject: sensor.did,
      device: true,
      by: gateway.did,
      time: at(chain, 2),
      expires: at(chain, 2) + 60_000,
      revoked: null,
    });
  });

  it('refuses a grant the rule in state does not allow, and bad bodies', () => {
    const { chain } = setup();
    const failed = chain
      .commit([
        // not the device, its gateway or its owner
        chain.tx(stranger, 'service.grant', { service: 'weather', subject: sensor.did, ttl: 5000 }),
        // a user on a devices-only service
        chain.tx(user, 'service.grant', { service: 'weather', subject: user.did, ttl: 5000 }),
        chain.tx(gateway, 'service.grant', { service: 'nope', subject: sensor.did, ttl: 5000 }),
        // a service id taken by another owner
        chain.tx(stranger, 'service.register', {
          id: 'weather',
          name: 'Mine',
          key: stranger.did,
          access: { mode: 'devices' },
        }),
      ])
      .failed.map((f) => f.code);
    expect(failed).toEqual(['UNAUTHORIZED', 'UNAUTHORIZED', 'NOT_FOUND', 'UNAUTHORIZED']);
    const rules = servicesModule.bodyRules;
    const grantBody = { service: 'weather', subject: sensor.did, ttl: 60_000 };
    expect(code(() => rules['service.grant']!.check({ ...grantBody, ttl: 10 }))).toMatch(/ttl/);
    expect(code(() => rules['service.grant']!.check({ ...grantBody, extra: 1 }))).toMatch(
      /^MALFORMED/,
    );
    expect(
      code(() =>
        rules['service.register']!.check({
          id: 'Bad Id',
          name: 'x',
          key: serviceKey.did,
          access: { mode: 'devices' },
        }),
      ),
    ).toMatch(/^BAD_FIELD_TYPE/);
    expect(code(() => rules['service.access']!.check({ grant: 'x', at: 1, sig: 'x' }))).toMatch(
      /^BAD_FIELD_TYPE/,
    );
    // A retired device is refused; a listed user asks for itself.
    chain.commit([
      chain.tx(gateway, 'device.status', { device: sensor.did, status: 'retired', message: 'x' }),
      chain.tx(user, 'service.register', {
        id: 'archive',
        name: 'Archive',
        key: serviceKey.did,
        access: { mode: 'list', allow: [user.did] },
      }),
    ]);
    const after = chain.commit([
      chain.tx(gateway, 'service.grant', { service: 'weather', subject: sensor.did, ttl: 5000 }),
      chain.tx(user, 'service.grant', { service: 'archive', subject: user.did, ttl: 5000 }),
    ]);
    expect(after.failed.map((f) => f.code)).toEqual(['UNAUTHORIZED']);
  });

  it('records an access only with the service signature, once, inside the validity', () => {
    const { chain, grant } = setup();
    const t = at(chain, 2) + 10;
    const sign = (by: TestIdentity, time: number) =>
      signSync(by.seed, accessReceiptBytes(chain.chainId, grant, 'weather', time));
    const block = chain.commit([
      chain.tx(gateway, 'service.access', { grant, at: t, sig: sign(serviceKey, t) }),
      chain.tx(gateway, 'service.access', { grant, at: t + 1, sig: sign(stranger, t + 1) }),
      chain.tx(gateway, 'service.access', { grant, at: t, sig: sign(serviceKey, t) }),
      chain.tx(gateway, 'service.access', {
        grant,
        at: t + 120_000,
        sig: sign(serviceKey, t + 120_000),
      }),
    ]);
    expect(block.failed.map((f) => f.code)).toEqual([
      'BAD_SIGNATURE',
      'BAD_REQUEST',
      'UNAUTHORIZED',
    ]);
    const record = decodeGrantRecord(chain.entryAt(chain.height, grantPrefix + grant)!);
    expect(record.accesses).toEqual([
      { at: t, height: chain.height, tx: block.txIds[0], by: gateway.did },
    ]);
  });
});

describe('a service checks a grant without trusting any single peer', () => {
  const check = (chain: TestChain, extra: Partial<{ service: string; now: number }> = {}) => ({
    service: 'weather',
    now: at(chain, chain.height) + 1000,
    ...extra,
  });

  it('accepts a real grant from the genesis and follows the headers to it', () => {
    const { chain, grant } = setup();
    const lc = trustGenesis(chain.genesis);
    const proof = decodeGrantProof(encodeGrantProof(proofAt(chain, grant)));
    const result = verifyGrantProof(lc, proof, check(chain));
    expect(result.grant).toMatchObject({ id: grant, subject: sensor.did });
    expect(result.lc.height).toBe(chain.height);
    expect(lc.height).toBe(0); // the caller keeps its light client until it adopts the result
  });

  it('refuses forged certificates, another key, a tampered entry, another chain or service', () => {
    const { chain, grant } = setup();
    const lc = trustGenesis(chain.genesis);
    const good = proofAt(chain, grant);

    const forgedSig = structuredClone(good);
    forgedSig.updates[1]!.cert.sigs[0]!.sig[0]! ^= 1;
    expect(code(() => verifyGrantProof(lc, forgedSig, check(chain)))).toMatch(/^BAD_CERTIFICATE/);

    // Signed by keys that are not the chain's validators (a single peer's own chain).
    const rogue = new TestChain('svc-a', vals, undefined, [sensor, serviceKey]);
    const outsiders = ids('svc outsider', 4);
    rogue.commit([registerDevice(rogue, sensor)], outsiders);
    expect(
      code(() => verifyGrantProof(lc, { ...good, updates: [rogue.update(1)] }, check(chain))),
    ).toMatch(/^BAD_CERTIFICATE: .* is not a validator/);

    // The proof of another key (the service record) presented as the grant.
    const other = chain.proveAt(chain.height, 'svc/service/weather')!;
    expect(code(() => verifyGrantProof(lc, { ...good, ...other }, check(chain)))).toMatch(
      /^TAMPERED/,
    );
    const tampered = structuredClone(good);
    tampered.entry[tampered.entry.length - 1]! ^= 1;
    expect(code(() => verifyGrantProof(lc, tampered, check(chain)))).toMatch(/^TAMPERED/);
    expect(
      code(() => verifyGrantProof(lc, { ...good, grant: 'ab'.repeat(32) }, check(chain))),
    ).toMatch(/^TAMPERED/);

    const elsewhere = setup('svc-b');
    expect(
      code(() => verifyGrantProof(lc, proofAt(elsewhere.chain, elsewhere.grant), check(chain))),
    ).toMatch(/^WRONG_CHAIN/);
    expect(code(() => verifyGrantProof(lc, good, check(chain, { service: 'maps' })))).toMatch(
      /^UNAUTHORIZED: The grant is for service weather, not maps/,
    );
  });

  it('refuses an expired grant, a revoked one, and the old proof replayed after the revocation', () => {
    const { chain, grant } = setup();
    const start = trustGenesis(chain.genesis);
    const before = proofAt(chain, grant);
    const expires = at(chain, 2) + 60_000;
    expect(code(() => verifyGrantProof(start, before, check(chain, { now: expires })))).toMatch(
      /^UNAUTHORIZED: The grant expired/,
    );
    const seen = verifyGrantProof(start, before, check(chain)).lc;
    chain.commit([chain.tx(gateway, 'service.revoke', { grant })]);
    const revoked = proofAt(chain, grant, seen.height + 1);
    expect(code(() => verifyGrantProof(seen, revoked, check(chain)))).toMatch(
      /^UNAUTHORIZED: The grant was revoked in block 3/,
    );
    // The service keeps the headers it checked, even though it refused the grant: the old
    // proof (at height 2) is then refused as stale, whoever replays it.
    const later = followProof(seen, revoked);
    expect(later.height).toBe(3);
    expect(code(() => verifyGrantProof(later, before, check(chain)))).toMatch(
      /^BAD_REQUEST: The proof is at height 2; this service has verified the chain up to 3/,
    );
  });

  it('refuses oversized and malformed proofs before any check', () => {
    const { chain, grant } = setup();
    const good = proofAt(chain, grant);
    expect(code(() => decodeGrantProof(new Uint8Array(grantProofBytesMax + 1)))).toMatch(
      /^TOO_LARGE/,
    );
    const many = { ...good, updates: Array(grantProofUpdatesMax + 1).fill(good.updates[0]) };
    expect(code(() => decodeGrantProof(encodeGrantProof(many)))).toMatch(/^TOO_LARGE/);
    expect(code(() => decodeGrantProof(new Uint8Array([0xff, 1, 2])))).toMatch(/^MALFORMED/);
    expect(
      code(() => decodeGrantProof(encodeGrantProof({ ...good, entry: 'x' } as never))),
    ).toMatch(/^MALFORMED/);
  });
});
