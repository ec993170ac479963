// Gateways against hijacked devices (Y.4464 II.2, issue 17): reports from distinct gateways block
// a device once they reach the policy threshold; a blocked device's transactions are refused by
// block validity (left out, BAD_BLOCK on replay, refused by the mempool); its gateway or owner
// lifts the block; every step is in the state and rebuilt at load.
import { describe, expect, it } from 'vitest';
import { executeBlock, replayBlock, stateFromEntries, type ChainState } from './ledger';
import { devChain, testIdentity, type TestIdentity } from './testing';
import { checkTx, signTx, txIdOf, type Tx } from './tx';
import { signSync } from './crypto/ed25519';
import { registerProofBytes } from './modules/devices';
import { blocklistPrefix, decodeBlockRecord, isBlocked } from './modules/blocklist';
import { Mempool } from './mempool';
import type { BotError } from './errors';

const gateways = [1, 2, 3].map((i) => testIdentity(`blocklist gateway ${i}`)) as TestIdentity[];
const [g1, g2, g3] = gateways as [TestIdentity, TestIdentity, TestIdentity];
const devices = [1, 2, 3].map((i) => testIdentity(`blocklist device ${i}`)) as TestIdentity[];
const hijacked = devices[0]!;
const owner = testIdentity('blocklist owner');
const start = devChain(g1);
const chain = start.state.chainId;

function tx(state: ChainState, from: TestIdentity, type: string, body: unknown, offset = 0): Tx {
  const nonce = (state.nonces.get(from.did) ?? 0) + 1 + offset;
  return signTx({ chain, type, from: from.did, nonce, time: 1_700_000_000_000, body }, from.seed);
}

function run(state: ChainState, txs: Tx[]) {
  return executeBlock(state, txs, { time: state.headTime + 1, proposer: g1.did, round: 0 }, false);
}

function registered(): { state: ChainState; writes: Map<string, Uint8Array> } {
  const s = start.state;
  const done = run(
    s,
    gateways.map((g, i) =>
      tx(s, g, 'device.register', {
        did: devices[i]!.did,
        id: `dev-${i}`,
        kind: 'sensor',
        name: `Sensor ${i}`,
        gateway: g.did,
        owner: i === 0 ? owner.did : g.did,
        capabilities: ['t'],
        policy: { mode: 'owner' },
        proof: signSync(devices[i]!.seed, registerProofBytes(chain, devices[i]!.did, g.did)),
      }),
    ),
  );
  expect(done.failed).toEqual([]);
  return { state: done.state, writes: new Map([...start.writes, ...done.writes]) };
}

const report = (s: ChainState, g: TestIdentity, offset = 0) =>
  tx(s, g, 'device.report', { device: hijacked.did, reason: 'flood', rate: 900 }, offset);
const reading = (s: ChainState) =>
  tx(s, hijacked, 'device.reading', { values: { t: 1 }, at: 1_700_000_000_000 });

describe('blocklist of hijacked devices', () => {
  it('blocks a device at the threshold of distinct gateways (default 2), refuses its traffic, and its owner lifts it', () => {
    const { state: s0, writes } = registered();
    // One report: recorded, not blocked; the device still sends.
    const one = run(s0, [report(s0, g2)]);
    expect(one.failed).toEqual([]);
    expect(isBlocked(one.state.blocklist, hijacked.did)).toBe(false);
    expect(run(one.state, [reading(one.state)]).rejected).toEqual([]);
    // The same gateway again: refused; a second gateway: blocked.
    const again = run(one.state, [report(one.state, g2)]);
    expect(again.failed[0]?.error?.message).toContain('already reported');
    const s1 = one.state;
    const two = run(s1, [report(s1, g3)]);
    expect(two.failed).toEqual([]);
    const s2 = two.state;
    expect(isBlocked(s2.blocklist, hijacked.did)).toBe(true);
    const stored = decodeBlockRecord(two.writes.get(blocklistPrefix + hijacked.did)!);
    expect(stored.reports.map((r) => r.gateway)).toEqual([g2.did, g3.did]);
    expect(stored.blocked).toBe(s2.height);
    // Its readings: left out by the proposer, refused by the mempool, BAD_BLOCK in a block.
    const flood = reading(s2);
    const next = run(s2, [flood]);
    expect(next.rejected[0]?.error).toMatchObject({ code: 'UNAUTHORIZED' });
    expect(next.rejected[0]?.error?.message).toContain('is blocked');
    expect(new Mempool().admit(s2, txIdOf(flood), flood)?.code).toBe('UNAUTHORIZED');
    const made = run(one.state, [reading(one.state)]);
    const forged = { ...made.block, header: { ...made.block.header, prev: s2.headHash } };
    let error: BotError | null = null;
    try {
      replayBlock(s2, { ...forged, header: { ...forged.header, height: s2.height + 1 } });
    } catch (e) {
      error = e as BotError;
    }
    expect(error?.code).toBe('BAD_BLOCK');
    expect(error?.message).toContain('is blocked');
    // A load rebuilds the blocked device.
    const all = new Map([...writes, ...one.writes, ...two.writes]);
    const loaded = stateFromEntries(s2.genesis, two.block.header, two.hash, [...all]);
    expect(isBlocked(loaded.blocklist, hijacked.did)).toBe(true);
    // Only its gateway or owner lifts it; then it sends again and reports start afresh.
    const stranger = run(s2, [tx(s2, g2, 'device.unblock', { device: hijacked.did, note: 'x' })]);
    expect(stranger.failed[0]?.error?.code).toBe('UNAUTHORIZED');
    const lifted = run(s2, [
      tx(s2, owner, 'device.unblock', { device: hijacked.did, note: 'firmware reflashed' }),
    ]);
    expect(lifted.failed).toEqual([]);
    const s3 = lifted.state;
    expect(isBlocked(s3.blocklist, hijacked.did)).toBe(false);
    const record = decodeBlockRecord(lifted.writes.get(blocklistPrefix + hijacked.did)!);
    expect(record).toMatchObject({ blocked: null, reports: [], lifted: { by: owner.did } });
    expect(run(s3, [reading(s3)]).rejected).toEqual([]);
    expect(run(s3, [report(s3, g2)]).failed).toEqual([]);
  });

  it('a threshold of 1 set by governance blocks on one report; a non-gateway cannot report', () => {
    const { state: s0 } = registered();
    const policy = run(s0, [
      tx(s0, g1, 'member.propose', {
        change: { kind: 'policy', name: 'devices.blockThreshold', value: 1 },
        height: s0.height + 2,
      }),
    ]);
    expect(policy.failed).toEqual([]);
    const s1 = policy.state;
    expect(run(s1, [report(s1, g2)]).state.blocklist?.records.get(hijacked.did)?.blocked).toBe(
      s1.height + 1,
    );
    const notGateway = run(s1, [
      tx(s1, owner, 'device.report', { device: hijacked.did, reason: 'flood' }),
    ]);
    expect(notGateway.failed[0]?.error?.code).toBe('UNAUTHORIZED');
  });

  it('refuses malformed reports and lifts with typed errors', () => {
    const s = start.state;
    for (const [type, body] of [
      ['device.report', { device: 'nope', reason: 'flood' }],
      ['device.report', { device: hijacked.did, reason: '' }],
      ['device.report', { device: hijacked.did, reason: 'x'.repeat(201) }],
      ['device.report', { device: hijacked.did, reason: 'flood', rate: -1 }],
      ['device.report', { device: hijacked.did, reason: 'flood', extra: 1 }],
      ['device.unblock', { device: hijacked.did }],
    ] as const)
      expect(() => checkTx(tx(s, g1, type, body))).toThrow(
        expect.objectContaining({
          code: expect.stringMatching(/BAD_FIELD_TYPE|MISSING|MALFORMED/),
        }),
      );
    const unknown = run(s, [tx(s, g1, 'device.report', { device: owner.did, reason: 'flood' })]);
    expect(unknown.failed[0]?.error?.code).toBe('NOT_FOUND');
  });
});
