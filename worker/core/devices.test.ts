// Devices on chain (Y.4464 10.6, 10.7): registration through the gateway, readings signed by the
// device key, access requests decided by policy or owner, all replayable and rebuilt from state.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  accountPrefix,
  executeBlock,
  failurePrefix,
  replayBlock,
  stateFromEntries,
  type ChainState,
} from './ledger';
import { devChain, testIdentity, type TestIdentity } from './testing';
import { signTx, checkTx, type Tx } from './tx';
import { signSync } from './crypto/ed25519';
import {
  decodeAccessLog,
  decodeDeviceRecord,
  decodeMessages,
  decodeReadings,
  devicePrefix,
  mayRead,
  messagePrefix,
  readingPrefix,
  accessLogPrefix,
  registerProofBytes,
  type AccessPolicy,
} from './modules/devices';
import { toHex } from './bytes';
import { BotError } from './errors';

const gateway = testIdentity('gateway');
const strap = testIdentity('hr strap');
const service = testIdentity('service');
const stranger = testIdentity('stranger');
const gatewayB = testIdentity('gateway b');
const thermostat = testIdentity('thermostat');
const lamp = testIdentity('lamp');

const nonces = new Map<string, number>();
function tx(from: TestIdentity, chain: string, type: string, body: unknown): Tx {
  const nonce = (nonces.get(from.did + chain) ?? 0) + 1;
  nonces.set(from.did + chain, nonce);
  return signTx(
    { chain, type, from: from.did, nonce, time: 1_700_000_000_000 + nonce, body },
    from.seed,
  );
}

function registration(
  chain: string,
  device: TestIdentity,
  options: {
    policy?: AccessPolicy;
    by?: TestIdentity;
    proofBy?: TestIdentity;
    owner?: string;
  } = {},
) {
  const by = options.by ?? gateway;
  const body = {
    did: device.did,
    id: 'hr-1',
    kind: 'heart-rate',
    name: 'Chest strap',
    gateway: gateway.did,
    owner: options.owner ?? gateway.did,
    capabilities: ['heartRateBpm', 'rrMs'],
    policy: options.policy ?? { mode: 'owner' },
    proof: signSync(
      (options.proofBy ?? device).seed,
      registerProofBytes(chain, device.did, gateway.did),
    ),
  };
  return tx(by, chain, 'device.register', body);
}

function run(state: ChainState, txs: Tx[]) {
  const executed = executeBlock(
    state,
    txs,
    { time: state.headTime + 1, proposer: gateway.did, round: 0 },
    false,
  );
  // The next transactions follow the nonces of the resulting state (failed ones used theirs).
  for (const id of [gateway, strap, service, stranger, gatewayB, thermostat, lamp])
    nonces.set(id.did + state.chainId, executed.state.nonces.get(id.did) ?? 0);
  return executed;
}

function fresh() {
  nonces.clear();
  return devChain(gateway).state;
}

describe('device body rules', () => {
  it('refuses malformed bodies with typed errors before any state is touched', () => {
    const chain = fresh().chainId;
    const bad = (type: string, body: unknown) => {
      try {
        checkTx({
          chain,
          type,
          from: gateway.did,
          nonce: 1,
          time: 1,
          body,
          sig: new Uint8Array(64),
        });
        return 'accepted';
      } catch (error) {
        return (error as BotError).code;
      }
    };
    expect(bad('device.reading', { values: {}, at: 1 })).toBe('BAD_FIELD_TYPE');
    expect(bad('device.reading', { values: { '9x': 1 }, at: 1 })).toBe('BAD_FIELD_TYPE');
    expect(bad('device.reading', { values: { x: [1] }, at: 1 })).toBe('BAD_FIELD_TYPE');
    expect(bad('device.reading', { values: { x: 1 }, at: -1 })).toBe('BAD_FIELD_TYPE');
    expect(bad('device.reading', { values: { x: 1 }, at: 1, extra: 2 })).toBe('MALFORMED');
    expect(
      bad('device.reading', {
        values: {},
        at: 1,
        batch: { digest: new Uint8Array(31), count: 1, first: 1, last: 1 },
      }),
    ).toBe('BAD_FIELD_TYPE');
    expect(bad('device.register', { did: 'nope' })).toBe('BAD_FIELD_TYPE');
    expect(
      bad('device.policy', { device: strap.did, policy: { mode: 'list', allow: ['x'] } }),
    ).toBe('BAD_FIELD_TYPE');
    expect(bad('device.access.decide', { request: 'abc', grant: true })).toBe('BAD_FIELD_TYPE');
    expect(bad('device.access.request', { device: strap.did, service: '', purpose: '' })).toBe(
      'BAD_FIELD_TYPE',
    );
    expect(bad('device.status', { device: strap.did, status: 'melting', message: null })).toBe(
      'BAD_FIELD_TYPE',
    );
    expect(bad('device.reading', { values: { heartRateBpm: 72 }, at: 5 })).toBe('accepted');
  });

  it('never throws anything but a BotError on random bodies', () => {
    const chain = fresh().chainId;
    const types = [
      'device.register',
      'device.status',
      'device.policy',
      'device.reading',
      'device.access.request',
      'device.access.decide',
      'device.message',
    ];
    const fields = [
      'to',
      'body',
      'did',
      'id',
      'kind',
      'name',
      'gateway',
      'owner',
      'capabilities',
      'policy',
      'proof',
      'device',
      'status',
      'message',
      'values',
      'at',
      'batch',
      'service',
      'purpose',
      'request',
      'grant',
    ];
    const leaf = fc.oneof(
      fc.jsonValue({ maxDepth: 2 }),
      fc.uint8Array({ maxLength: 70 }),
      fc.constant(strap.did),
      fc.constant({ mode: 'list', allow: [strap.did] }),
    );
    const bodies = fc.oneof(
      fc.jsonValue({ maxDepth: 2 }),
      fc.dictionary(fc.constantFrom(...fields), leaf, { maxKeys: 10 }),
    );
    fc.assert(
      fc.property(fc.constantFrom(...types), bodies, (type, body) => {
        try {
          checkTx({
            chain,
            type,
            from: gateway.did,
            nonce: 1,
            time: 1,
            body,
            sig: new Uint8Array(64),
          });
        } catch (error) {
          expect(error).toBeInstanceOf(BotError);
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('device registration and readings (P-10.6, P-10.7, R-7.2.2-a)', () => {
  it('registers through the gateway and commits readings signed by the device key', () => {
    const state = fresh();
    const one = run(state, [registration(state.chainId, strap)]);
    expect(one.failed).toEqual([]);
    const record = decodeDeviceRecord(one.writes.get(devicePrefix + strap.did)!);
    expect(record).toMatchObject({
      gateway: gateway.did,
      owner: gateway.did,
      kind: 'heart-rate',
      status: 'online',
      registered: 1,
    });
    const two = run(one.state, [
      tx(strap, state.chainId, 'device.reading', { values: { heartRateBpm: 72 }, at: 10 }),
      tx(strap, state.chainId, 'device.reading', {
        values: { heartRateBpm: 74, rrMs: 810 },
        at: 11,
      }),
    ]);
    expect(two.failed).toEqual([]);
    expect(two.block.txs.every((t) => t.from === strap.did)).toBe(true);
    const readings = decodeReadings(two.writes.get(readingPrefix + strap.did)!);
    expect(readings.map((r) => r.values.heartRateBpm)).toEqual([72, 74]);
    // Another peer replays the blocks to the same state.
    expect(toHex(replayBlock(one.state, two.block).hash)).toBe(toHex(two.hash));
  });

  it('rejects readings from unregistered keys, unknown values, and registrations without the device key', () => {
    const state = fresh();
    const early = run(state, [
      tx(strap, state.chainId, 'device.reading', { values: { heartRateBpm: 72 }, at: 1 }),
    ]);
    expect(early.failed[0]!.error!.code).toBe('UNAUTHORIZED');
    nonces.clear();
    const forged = run(state, [registration(state.chainId, strap, { proofBy: stranger })]);
    expect(forged.failed[0]!.error!.code).toBe('BAD_SIGNATURE');
    nonces.clear();
    const notGateway = run(state, [registration(state.chainId, strap, { by: stranger })]);
    expect(notGateway.failed[0]!.error!.code).toBe('UNAUTHORIZED');
    nonces.clear();
    const ok = run(state, [registration(state.chainId, strap)]);
    const unknown = run(ok.state, [
      tx(strap, state.chainId, 'device.reading', { values: { speedKmh: 3 }, at: 1 }),
    ]);
    expect(unknown.failed[0]!.error!.message).toMatch(/did not register the value "speedKmh"/);
    const twice = run(ok.state, [registration(state.chainId, strap)]);
    expect(twice.failed[0]!.error!.code).toBe('BAD_REQUEST');
  });

  it('records a batch fingerprint for high-rate data', () => {
    const state = fresh();
    const one = run(state, [registration(state.chainId, strap)]);
    const batch = { digest: new Uint8Array(32).fill(7), count: 600, first: 1000, last: 600_000 };
    const two = run(one.state, [
      tx(strap, state.chainId, 'device.reading', {
        values: { heartRateBpm: 80 },
        at: 600_000,
        batch,
      }),
    ]);
    expect(two.failed).toEqual([]);
    expect(decodeReadings(two.writes.get(readingPrefix + strap.did)!)[0]!.batch!.count).toBe(600);
  });

  it('lets the gateway change status; a retired device sends nothing more', () => {
    const state = fresh();
    const one = run(state, [registration(state.chainId, strap)]);
    const bad = run(one.state, [
      tx(stranger, state.chainId, 'device.status', {
        device: strap.did,
        status: 'offline',
        message: null,
      }),
    ]);
    expect(bad.failed[0]!.error!.code).toBe('UNAUTHORIZED');
    const two = run(one.state, [
      tx(gateway, state.chainId, 'device.status', {
        device: strap.did,
        status: 'retired',
        message: 'battery dead',
      }),
    ]);
    expect(two.state.devices!.devices.get(strap.did)!.status).toBe('retired');
    const three = run(two.state, [
      tx(strap, state.chainId, 'device.reading', { values: { heartRateBpm: 60 }, at: 1 }),
    ]);
    expect(three.failed[0]!.error!.code).toBe('BAD_REQUEST');
  });

  it('a block from elsewhere holding a device transaction that fails is valid only with the failure recorded', () => {
    const state = fresh();
    const one = run(state, [registration(state.chainId, strap)]);
    const good = tx(strap, state.chainId, 'device.reading', {
      values: { heartRateBpm: 72 },
      at: 1,
    });
    const badReading = tx(stranger, state.chainId, 'device.reading', {
      values: { heartRateBpm: 72 },
      at: 1,
    });
    const proposed = executeBlock(
      one.state,
      [good, badReading],
      { time: 9e12, proposer: gateway.did, round: 0 },
      false,
    );
    expect(proposed.failed.map((f) => f.error!.code)).toEqual(['UNAUTHORIZED']);
    expect(replayBlock(one.state, proposed.block).hash).toEqual(proposed.hash);
    // A header that claims the bad reading had no failure (the root of the good reading alone) is refused.
    const alone = executeBlock(
      one.state,
      [good],
      { time: 9e12, proposer: gateway.did, round: 0 },
      false,
    );
    const forged = {
      ...proposed.block,
      header: { ...proposed.block.header, stateRoot: alone.block.header.stateRoot },
    };
    expect(() => replayBlock(one.state, forged)).toThrow(/state root/);
  });
});

describe('device access (P-10.6 steps 3-8, P-10.7 steps 3-7, R-7.2.2-b, r-7.2.2-f)', () => {
  it('a service requests access, only the owner decides, and every step is in the access log', () => {
    const state = fresh();
    const one = run(state, [registration(state.chainId, strap)]);
    const request = tx(service, state.chainId, 'device.access.request', {
      device: strap.did,
      service: 'fitness-coach',
      purpose: 'weekly report',
    });
    const two = run(one.state, [request]);
    expect(two.failed).toEqual([]);
    const requestId = two.txIds[0]!;
    expect(two.state.devices!.open.get(requestId)!.state).toBe('pending');
    expect(mayRead(two.state.devices!, strap.did, service.did)).toBe(false);
    const intruder = run(two.state, [
      tx(stranger, state.chainId, 'device.access.decide', { request: requestId, grant: true }),
    ]);
    expect(intruder.failed[0]!.error!.message).toMatch(/Only the device's owner/);
    const three = run(two.state, [
      tx(gateway, state.chainId, 'device.access.decide', { request: requestId, grant: true }),
    ]);
    expect(three.failed).toEqual([]);
    expect(mayRead(three.state.devices!, strap.did, service.did)).toBe(true);
    const log = decodeAccessLog(three.writes.get(accessLogPrefix + strap.did)!);
    expect(log[0]).toMatchObject({
      kind: 'decision',
      state: 'granted',
      by: gateway.did,
      requester: service.did,
      height: 3,
    });
    const four = run(three.state, [
      tx(gateway, state.chainId, 'device.access.decide', { request: requestId, grant: false }),
    ]);
    expect(four.state.devices!.open.has(requestId)).toBe(false);
    expect(decodeAccessLog(four.writes.get(accessLogPrefix + strap.did)!)[0]!.state).toBe(
      'revoked',
    );
    const again = run(four.state, [
      tx(gateway, state.chainId, 'device.access.decide', { request: requestId, grant: true }),
    ]);
    expect(again.failed[0]!.error!.code).toBe('NOT_FOUND');
  });

  it('decides at request time under an open, closed or list policy set by the owner only', () => {
    const state = fresh();
    const one = run(state, [registration(state.chainId, strap, { policy: { mode: 'closed' } })]);
    const denied = run(one.state, [
      tx(service, state.chainId, 'device.access.request', {
        device: strap.did,
        service: 's',
        purpose: '',
      }),
    ]);
    expect(denied.state.devices!.open.size).toBe(0);
    expect(decodeAccessLog(denied.writes.get(accessLogPrefix + strap.did)!)[0]).toMatchObject({
      state: 'denied',
      by: 'policy',
    });
    const notOwner = run(denied.state, [
      tx(service, state.chainId, 'device.policy', { device: strap.did, policy: { mode: 'open' } }),
    ]);
    expect(notOwner.failed[0]!.error!.code).toBe('UNAUTHORIZED');
    const listed = run(denied.state, [
      tx(gateway, state.chainId, 'device.policy', {
        device: strap.did,
        policy: { mode: 'list', allow: [service.did] },
      }),
    ]);
    const granted = run(listed.state, [
      tx(service, state.chainId, 'device.access.request', {
        device: strap.did,
        service: 's',
        purpose: '',
      }),
      tx(stranger, state.chainId, 'device.access.request', {
        device: strap.did,
        service: 's',
        purpose: '',
      }),
    ]);
    const events = decodeAccessLog(granted.writes.get(accessLogPrefix + strap.did)!);
    expect(events.map((e) => e.state)).toEqual(['granted', 'pending']);
    const duplicate = run(granted.state, [
      tx(service, state.chainId, 'device.access.request', {
        device: strap.did,
        service: 's',
        purpose: '',
      }),
    ]);
    expect(duplicate.failed[0]!.error!.code).toBe('BAD_REQUEST');
  });

  it('rebuilds the registry from stored state exactly as execution left it', () => {
    nonces.clear();
    const genesis = devChain(gateway);
    const state = genesis.state;
    const entries = new Map<string, Uint8Array>(genesis.writes);
    let current = state;
    let last = null as ReturnType<typeof run> | null;
    for (const txs of [
      [registration(state.chainId, strap)],
      [
        tx(service, state.chainId, 'device.access.request', {
          device: strap.did,
          service: 'x',
          purpose: '',
        }),
      ],
    ]) {
      last = run(current, txs);
      for (const [k, v] of last.writes) entries.set(k, v);
      current = last.state;
    }
    const rebuilt = stateFromEntries(state.genesis, last!.block.header, last!.hash, entries);
    expect([...rebuilt.devices!.devices.keys()]).toEqual([strap.did]);
    expect([...rebuilt.devices!.open.values()].map((r) => r.state)).toEqual(['pending']);
    expect(toHex(rebuilt.trie.rootHash())).toBe(toHex(current.trie.rootHash()));
  });
});

describe('device-to-device messages through the chain (r-7.2.2-e)', () => {
  /** A device behind `by` (its gateway), owned by `owner`. */
  function behind(
    chain: string,
    device: TestIdentity,
    by: TestIdentity,
    owner: TestIdentity,
    policy: AccessPolicy,
  ) {
    const body = {
      did: device.did,
      id: device.did.slice(-6),
      kind: 'sensor',
      name: '',
      gateway: by.did,
      owner: owner.did,
      capabilities: ['level'],
      policy,
      proof: signSync(device.seed, registerProofBytes(chain, device.did, by.did)),
    };
    return tx(by, chain, 'device.register', body);
  }

  it('delivers a message only when the recipient policy lets the sender device or its owner in; a refusal writes nothing', () => {
    const state = fresh();
    const chain = state.chainId;
    // strap behind gateway A (owned by A); thermostat behind gateway B (owned by B, owner decides).
    const one = run(state, [
      registration(chain, strap),
      behind(chain, thermostat, gatewayB, gatewayB, { mode: 'owner' }),
    ]);
    expect(one.failed).toEqual([]);
    const send = (body: unknown = { setpoint: 21.5 }) =>
      tx(strap, chain, 'device.message', { to: thermostat.did, body });

    // Nobody let the strap in: the message fails; it uses its nonce and writes nothing but its failure record.
    const refused = run(one.state, [send()]);
    expect(refused.failed[0]!.error).toMatchObject({
      code: 'UNAUTHORIZED',
      message: expect.stringMatching(/access policy .* does not let this device or its owner in/),
    });
    expect([...refused.writes.keys()].sort()).toEqual(
      [accountPrefix + strap.did, failurePrefix + refused.txIds[0]!].sort(),
    );
    expect(refused.state.devices).toBe(one.state.devices);

    // Gateway A (the strap's owner) asks; pending is still refused.
    const two = run(one.state, [
      tx(gateway, chain, 'device.access.request', {
        device: thermostat.did,
        service: 'strap-link',
        purpose: 'heating by heart rate',
      }),
    ]);
    const requestId = two.txIds[0]!;
    expect(run(two.state, [send()]).failed[0]!.error!.code).toBe('UNAUTHORIZED');

    // Granted by B: the message is delivered, listed for the thermostat, and replays the same.
    const three = run(two.state, [
      tx(gatewayB, chain, 'device.access.decide', { request: requestId, grant: true }),
    ]);
    const four = run(three.state, [send(), send({ setpoint: 19, mode: 'eco' })]);
    expect(four.failed).toEqual([]);
    const delivered = decodeMessages(four.writes.get(messagePrefix + thermostat.did)!);
    expect(delivered.map((m) => [m.from, m.owner, m.gateway, m.to, m.body])).toEqual([
      [strap.did, gateway.did, gateway.did, thermostat.did, { setpoint: 21.5 }],
      [strap.did, gateway.did, gateway.did, thermostat.did, { setpoint: 19, mode: 'eco' }],
    ]);
    expect(delivered.map((m) => m.height)).toEqual([4, 4]);
    expect(toHex(replayBlock(three.state, four.block).hash)).toBe(toHex(four.hash));

    // Revoked: refused again.
    const five = run(four.state, [
      tx(gatewayB, chain, 'device.access.decide', { request: requestId, grant: false }),
    ]);
    expect(run(five.state, [send()]).failed[0]!.error!.code).toBe('UNAUTHORIZED');
  });

  it('lets in devices of the same owner (even under a closed policy) and anyone under an open or list policy', () => {
    const state = fresh();
    const chain = state.chainId;
    // lamp behind gateway B but owned by A, closed to everyone else; thermostat behind B, open.
    const one = run(state, [
      registration(chain, strap),
      behind(chain, lamp, gatewayB, gateway, { mode: 'closed' }),
      behind(chain, thermostat, gatewayB, gatewayB, { mode: 'open' }),
    ]);
    expect(one.failed).toEqual([]);
    const toLamp = run(one.state, [
      tx(strap, chain, 'device.message', { to: lamp.did, body: 'on' }),
    ]);
    expect(toLamp.failed).toEqual([]);
    const fromThermostat = run(toLamp.state, [
      tx(thermostat, chain, 'device.message', { to: lamp.did, body: 'off' }),
      tx(thermostat, chain, 'device.message', { to: strap.did, body: null }),
    ]);
    // The thermostat's owner (B) is neither the lamp's owner nor let in by its closed policy; the strap's policy is "owner".
    expect(fromThermostat.failed.map((r) => r.error!.code)).toEqual(['UNAUTHORIZED']);
    const listed = run(fromThermostat.state, [
      tx(gateway, chain, 'device.policy', {
        device: strap.did,
        policy: { mode: 'list', allow: [thermostat.did] },
      }),
    ]);
    const fromListed = run(listed.state, [
      tx(thermostat, chain, 'device.message', { to: strap.did, body: [1, 2, 3] }),
      tx(strap, chain, 'device.message', { to: thermostat.did, body: { ok: true } }),
    ]);
    expect(fromListed.failed).toEqual([]);
    expect(decodeMessages(fromListed.writes.get(messagePrefix + strap.did)!)[0]!.body).toEqual([
      1, 2, 3,
    ]);
  });

  it('refuses unregistered senders, unknown or retired recipients, and oversized or non-JSON bodies', () => {
    const state = fresh();
    const chain = state.chainId;
    const one = run(state, [
      registration(chain, strap, { policy: { mode: 'open' } }),
      behind(chain, lamp, gatewayB, gatewayB, { mode: 'open' }),
    ]);
    expect(
      run(one.state, [tx(stranger, chain, 'device.message', { to: strap.did, body: 1 })]).failed[0]!
        .error!.code,
    ).toBe('UNAUTHORIZED');
    // A failed message uses its nonce: the next one follows it.
    const unknown = run(one.state, [
      tx(strap, chain, 'device.message', { to: thermostat.did, body: 1 }),
    ]);
    expect(unknown.failed[0]!.error!.code).toBe('NOT_FOUND');
    expect(
      run(unknown.state, [tx(strap, chain, 'device.message', { to: strap.did, body: 1 })])
        .failed[0]!.error!.code,
    ).toBe('BAD_REQUEST');
    const retired = run(one.state, [
      tx(gatewayB, chain, 'device.status', { device: lamp.did, status: 'retired', message: null }),
    ]);
    expect(
      run(retired.state, [tx(strap, chain, 'device.message', { to: lamp.did, body: 1 })]).failed[0]!
        .error!.code,
    ).toBe('BAD_REQUEST');
    const shape = (body: unknown) => {
      try {
        checkTx({
          chain,
          type: 'device.message',
          from: strap.did,
          nonce: 1,
          time: 1,
          body,
          sig: new Uint8Array(64),
        });
        return 'accepted';
      } catch (error) {
        return (error as BotError).code;
      }
    };
    expect(shape({ to: lamp.did, body: 'x'.repeat(1022) })).toBe('accepted');
    expect(shape({ to: lamp.did, body: 'x'.repeat(1023) })).toBe('TOO_LARGE');
    expect(shape({ to: lamp.did, body: new Uint8Array(2) })).toBe('BAD_FIELD_TYPE');
    expect(shape({ to: 'lamp', body: 1 })).toBe('BAD_FIELD_TYPE');
    expect(shape({ to: lamp.did })).toBe('MISSING_FIELD');
    expect(shape({ to: lamp.did, body: 1, extra: 1 })).toBe('MALFORMED');
  });
});
