// Devices on chain (Y.4464 10.6, 10.7): registration through the gateway, readings signed by the
// device key, access requests decided by policy or owner, all replayable and rebuilt from state.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { executeBlock, replayBlock, stateFromEntries, type ChainState } from './ledger';
import { devChain, testIdentity, type TestIdentity } from './testing';
import { signTx, checkTx, type Tx } from './tx';
import { signSync } from './crypto/ed25519';
import { decodeAccessLog, decodeDeviceRecord, decodeReadings, devicePrefix, mayRead, readingPrefix, accessLogPrefix, registerProofBytes, type AccessPolicy } from './devices';
import { toHex } from './bytes';
import { BotError } from './errors';

const gateway = testIdentity('gateway');
const strap = testIdentity('hr strap');
const service = testIdentity('service');
const stranger = testIdentity('stranger');

const nonces = new Map<string, number>();
function tx(from: TestIdentity, chain: string, type: string, body: unknown): Tx {
  const nonce = (nonces.get(from.did + chain) ?? 0) + 1;
  nonces.set(from.did + chain, nonce);
  return signTx({ chain, type, from: from.did, nonce, time: 1_700_000_000_000 + nonce, body }, from.seed);
}

function registration(chain: string, device: TestIdentity, options: { policy?: AccessPolicy; by?: TestIdentity; proofBy?: TestIdentity; owner?: string } = {}) {
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
    proof: signSync((options.proofBy ?? device).seed, registerProofBytes(chain, device.did, gateway.did)),
  };
  return tx(by, chain, 'device.register', body);
}

function run(state: ChainState, txs: Tx[]) {
  const executed = executeBlock(state, txs, { time: state.headTime + 1, proposer: gateway.did, round: 0 }, false);
  // Rejected transactions used no nonce: the next ones follow the committed state.
  for (const id of [gateway, strap, service, stranger]) nonces.set(id.did + state.chainId, executed.state.nonces.get(id.did) ?? 0);
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
        checkTx({ chain, type, from: gateway.did, nonce: 1, time: 1, body, sig: new Uint8Array(64) });
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
    expect(bad('device.reading', { values: {}, at: 1, batch: { digest: new Uint8Array(31), count: 1, first: 1, last: 1 } })).toBe('BAD_FIELD_TYPE');
    expect(bad('device.register', { did: 'nope' })).toBe('BAD_FIELD_TYPE');
    expect(bad('device.policy', { device: strap.did, policy: { mode: 'list', allow: ['x'] } })).toBe('BAD_FIELD_TYPE');
    expect(bad('device.access.decide', { request: 'abc', grant: true })).toBe('BAD_FIELD_TYPE');
    expect(bad('device.access.request', { device: strap.did, service: '', purpose: '' })).toBe('BAD_FIELD_TYPE');
    expect(bad('device.status', { device: strap.did, status: 'melting', message: null })).toBe('BAD_FIELD_TYPE');
    expect(bad('device.reading', { values: { heartRateBpm: 72 }, at: 5 })).toBe('accepted');
  });

  it('never throws anything but a BotError on random bodies', () => {
    const chain = fresh().chainId;
    const types = ['device.register', 'device.status', 'device.policy', 'device.reading', 'device.access.request', 'device.access.decide'];
    const fields = ['did', 'id', 'kind', 'name', 'gateway', 'owner', 'capabilities', 'policy', 'proof', 'device', 'status', 'message', 'values', 'at', 'batch', 'service', 'purpose', 'request', 'grant'];
      const leaf = fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.uint8Array({ maxLength: 70 }), fc.constant(strap.did), fc.constant({ mode: 'list', allow: [strap.did] }));
      const bodies = fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.dictionary(fc.constantFrom(...fields), leaf, { maxKeys: 10 }));
    fc.assert(
      fc.property(fc.constantFrom(...types), bodies, (type, body) => {
        try {
          checkTx({ chain, type, from: gateway.did, nonce: 1, time: 1, body, sig: new Uint8Array(64) });
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
    expect(one.rejected).toEqual([]);
    const record = decodeDeviceRecord(one.writes.get(devicePrefix + strap.did)!);
    expect(record).toMatchObject({ gateway: gateway.did, owner: gateway.did, kind: 'heart-rate', status: 'online', registered: 1 });
    const two = run(one.state, [tx(strap, state.chainId, 'device.reading', { values: { heartRateBpm: 72 }, at: 10 }), tx(strap, state.chainId, 'device.reading', { values: { heartRateBpm: 74, rrMs: 810 }, at: 11 })]);
    expect(two.rejected).toEqual([]);
    expect(two.block.txs.every((t) => t.from === strap.did)).toBe(true);
    const readings = decodeReadings(two.writes.get(readingPrefix + strap.did)!);
    expect(readings.map((r) => r.values.heartRateBpm)).toEqual([72, 74]);
    // Another peer replays the blocks to the same state.
    expect(toHex(replayBlock(one.state, two.block).hash)).toBe(toHex(two.hash));
  });

  it('rejects readings from unregistered keys, unknown values, and registrations without the device key', () => {
    const state = fresh();
    const early = run(state, [tx(strap, state.chainId, 'device.reading', { values: { heartRateBpm: 72 }, at: 1 })]);
    expect(early.rejected[0]!.error!.code).toBe('UNAUTHORIZED');
    nonces.clear();
    const forged = run(state, [registration(state.chainId, strap, { proofBy: stranger })]);
    expect(forged.rejected[0]!.error!.code).toBe('BAD_SIGNATURE');
    nonces.clear();
    const notGateway = run(state, [registration(state.chainId, strap, { by: stranger })]);
    expect(notGateway.rejected[0]!.error!.code).toBe('UNAUTHORIZED');
    nonces.clear();
    const ok = run(state, [registration(state.chainId, strap)]);
    const unknown = run(ok.state, [tx(strap, state.chainId, 'device.reading', { values: { speedKmh: 3 }, at: 1 })]);
    expect(unknown.rejected[0]!.error!.message).toMatch(/did not register the value "speedKmh"/);
    const twice = run(ok.state, [registration(state.chainId, strap)]);
    expect(twice.rejected[0]!.error!.code).toBe('BAD_REQUEST');
  });

  it('records a batch fingerprint for high-rate data', () => {
    const state = fresh();
    const one = run(state, [registration(state.chainId, strap)]);
    const batch = { digest: new Uint8Array(32).fill(7), count: 600, first: 1000, last: 600_000 };
    const two = run(one.state, [tx(strap, state.chainId, 'device.reading', { values: { heartRateBpm: 80 }, at: 600_000, batch })]);
    expect(two.rejected).toEqual([]);
    expect(decodeReadings(two.writes.get(readingPrefix + strap.did)!)[0]!.batch!.count).toBe(600);
  });

  it('lets the gateway change status; a retired device sends nothing more', () => {
    const state = fresh();
    const one = run(state, [registration(state.chainId, strap)]);
    const bad = run(one.state, [tx(stranger, state.chainId, 'device.status', { device: strap.did, status: 'offline', message: null })]);
    expect(bad.rejected[0]!.error!.code).toBe('UNAUTHORIZED');
    const two = run(one.state, [tx(gateway, state.chainId, 'device.status', { device: strap.did, status: 'retired', message: 'battery dead' })]);
    expect(two.state.devices!.devices.get(strap.did)!.status).toBe('retired');
    const three = run(two.state, [tx(strap, state.chainId, 'device.reading', { values: { heartRateBpm: 60 }, at: 1 })]);
    expect(three.rejected[0]!.error!.code).toBe('BAD_REQUEST');
  });

  it('fails a whole block from elsewhere that holds one bad device transaction', () => {
    const state = fresh();
    const one = run(state, [registration(state.chainId, strap)]);
    const good = tx(strap, state.chainId, 'device.reading', { values: { heartRateBpm: 72 }, at: 1 });
    const badReading = tx(stranger, state.chainId, 'device.reading', { values: { heartRateBpm: 72 }, at: 1 });
    const proposed = executeBlock(one.state, [good], { time: 9e12, proposer: gateway.did, round: 0 }, false);
    const forgedBlock = { ...proposed.block, txs: [good, badReading] };
    expect(() => executeBlock(one.state, forgedBlock.txs, { time: 9e12, proposer: gateway.did, round: 0 }, true)).toThrow(/invalid transaction/);
  });
});

describe('device access (P-10.6 steps 3-8, P-10.7 steps 3-7, R-7.2.2-b, r-7.2.2-f)', () => {
  it('a service requests access, only the owner decides, and every step is in the access log', () => {
    const state = fresh();
    const one = run(state, [registration(state.chainId, strap)]);
    const request = tx(service, state.chainId, 'device.access.request', { device: strap.did, service: 'fitness-coach', purpose: 'weekly report' });
    const two = run(one.state, [request]);
    expect(two.rejected).toEqual([]);
    const requestId = two.txIds[0]!;
    expect(two.state.devices!.open.get(requestId)!.state).toBe('pending');
    expect(mayRead(two.state.devices!, strap.did, service.did)).toBe(false);
    const intruder = run(two.state, [tx(stranger, state.chainId, 'device.access.decide', { request: requestId, grant: true })]);
    expect(intruder.rejected[0]!.error!.message).toMatch(/Only the device's owner/);
    const three = run(two.state, [tx(gateway, state.chainId, 'device.access.decide', { request: requestId, grant: true })]);
    expect(three.rejected).toEqual([]);
    expect(mayRead(three.state.devices!, strap.did, service.did)).toBe(true);
    const log = decodeAccessLog(three.writes.get(accessLogPrefix + strap.did)!);
    expect(log[0]).toMatchObject({ kind: 'decision', state: 'granted', by: gateway.did, requester: service.did, height: 3 });
    const four = run(three.state, [tx(gateway, state.chainId, 'device.access.decide', { request: requestId, grant: false })]);
    expect(four.state.devices!.open.has(requestId)).toBe(false);
    expect(decodeAccessLog(four.writes.get(accessLogPrefix + strap.did)!)[0]!.state).toBe('revoked');
    const again = run(four.state, [tx(gateway, state.chainId, 'device.access.decide', { request: requestId, grant: true })]);
    expect(again.rejected[0]!.error!.code).toBe('NOT_FOUND');
  });

  it('decides at request time under an open, closed or list policy set by the owner only', () => {
    const state = fresh();
    const one = run(state, [registration(state.chainId, strap, { policy: { mode: 'closed' } })]);
    const denied = run(one.state, [tx(service, state.chainId, 'device.access.request', { device: strap.did, service: 's', purpose: '' })]);
    expect(denied.state.devices!.open.size).toBe(0);
    expect(decodeAccessLog(denied.writes.get(accessLogPrefix + strap.did)!)[0]).toMatchObject({ state: 'denied', by: 'policy' });
    const notOwner = run(denied.state, [tx(service, state.chainId, 'device.policy', { device: strap.did, policy: { mode: 'open' } })]);
    expect(notOwner.rejected[0]!.error!.code).toBe('UNAUTHORIZED');
    const listed = run(denied.state, [tx(gateway, state.chainId, 'device.policy', { device: strap.did, policy: { mode: 'list', allow: [service.did] } })]);
    const granted = run(listed.state, [tx(service, state.chainId, 'device.access.request', { device: strap.did, service: 's', purpose: '' }), tx(stranger, state.chainId, 'device.access.request', { device: strap.did, service: 's', purpose: '' })]);
    const events = decodeAccessLog(granted.writes.get(accessLogPrefix + strap.did)!);
    expect(events.map((e) => e.state)).toEqual(['granted', 'pending']);
    const duplicate = run(granted.state, [tx(service, state.chainId, 'device.access.request', { device: strap.did, service: 's', purpose: '' })]);
    expect(duplicate.rejected[0]!.error!.code).toBe('BAD_REQUEST');
  });

  it('rebuilds the registry from stored state exactly as execution left it', () => {
    nonces.clear();
    const genesis = devChain(gateway);
    const state = genesis.state;
    const entries = new Map<string, Uint8Array>(genesis.writes);
    let current = state;
    let last = null as ReturnType<typeof run> | null;
    for (const txs of [[registration(state.chainId, strap)], [tx(service, state.chainId, 'device.access.request', { device: strap.did, service: 'x', purpose: '' })]]) {
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
