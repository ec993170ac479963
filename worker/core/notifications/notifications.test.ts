// The procedures' notifications (Y.4464 clause 10, issue 17) as a pure function of committed
// blocks: P-10.1 (the counterparty of a transfer, the storing dApp), P-10.3 (a deployed contract
// told to every dApp), P-10.4 (a call told to the caller and the service's owner), the
// hijacked-device flow (the report that reaches the threshold notifies "blocked" to the owner,
// not "reported"), access decisions to the requester; a failed transaction notifies nothing; the
// same block and facts give the same list, ids "<height>/<index>".
import { describe, expect, it } from 'vitest';
import { executeBlock, type ChainState, type ExecutedBlock } from '../ledger';
import { devChain, testIdentity, type TestIdentity } from '../testing';
import { signTx, txIdOf as txIdOfTx, type Tx } from '../tx';
import { signSync } from '../crypto/ed25519';
import { registerProofBytes } from '../modules/devices';
import {
  checkNotificationFilter,
  isAfter,
  matchesFilter,
  notificationNeeds,
  notificationsOf,
  parseNotificationId,
  type CommittedBlock,
  type NotificationFacts,
} from '.';
import { BotError } from '../errors';

const g1 = testIdentity('notify gateway 1');
const g2 = testIdentity('notify gateway 2');
const device = testIdentity('notify device');
const owner = testIdentity('notify owner');
const start = devChain(g1);
const chain = start.state.chainId;

function tx(state: ChainState, from: TestIdentity, type: string, body: unknown, offset = 0): Tx {
  const nonce = (state.nonces.get(from.did) ?? 0) + 1 + offset;
  return signTx({ chain, type, from: from.did, nonce, time: 1_700_000_000_000, body }, from.seed);
}

function run(state: ChainState, txs: Tx[]): ExecutedBlock {
  return executeBlock(state, txs, { time: state.headTime + 1, proposer: g1.did, round: 0 }, false);
}

/** What a host reads for the derivation, here straight from the executed block and its state. */
function derive(done: ExecutedBlock, earlier: Tx[] = []) {
  const block: CommittedBlock = {
    chain,
    height: done.block.header.height,
    time: done.block.header.time,
    txs: done.block.txs,
    txIds: done.txIds,
    failed: new Set(done.failed.map((f) => f.txId)),
  };
  const needs = notificationNeeds(block);
  const facts: NotificationFacts = {
    written: new Map(
      needs.keys.flatMap((k) => (done.writes.has(k) ? [[k, done.writes.get(k)!]] : [])),
    ),
    owners: new Map(
      needs.owners.flatMap((name): Array<[string, string]> => {
        const [kind, id] = [name.slice(0, name.indexOf(':')), name.slice(name.indexOf(':') + 1)];
        const d = done.state.devices?.devices.get(id);
        const value =
          kind === 'device'
            ? d?.owner
            : kind === 'gateway'
              ? d?.gateway
              : done.state.contracts?.contracts.get(id)?.owner;
        return value ? [[name, value]] : [];
      }),
    ),
    txs: new Map(earlier.map((t) => [txIdOfTx(t), { from: t.from, type: t.type, body: t.body }])),
  };
  return { list: notificationsOf(block, facts), block, facts };
}

function registered() {
  const s = start.state;
  const done = run(s, [
    tx(s, g1, 'device.register', {
      did: device.did,
      id: 'cam-1',
      kind: 'sensor',
      name: 'Camera',
      gateway: g1.did,
      owner: owner.did,
      capabilities: ['t'],
      policy: { mode: 'owner' },
      proof: signSync(device.seed, registerProofBytes(chain, device.did, g1.did)),
    }),
    tx(s, g2, 'device.register', {
      did: testIdentity('notify device 2').did,
      id: 'meter',
      kind: 'sensor',
      name: 'Meter',
      gateway: g2.did,
      owner: g2.did,
      capabilities: ['t'],
      policy: { mode: 'owner' },
      proof: signSync(
        testIdentity('notify device 2').seed,
        registerProofBytes(chain, testIdentity('notify device 2').did, g2.did),
      ),
    }),
  ]);
  expect(done.failed).toEqual([]);
  return done;
}

describe('notifications derived from committed blocks (Y.4464 clause 10)', () => {
  it('tells the owner and gateway of a registered device; ids are "<height>/<index>"', () => {
    const done = registered();
    const { list } = derive(done);
    expect(list.map((n) => [n.id, n.kind, n.subject])).toEqual([
      ['1/0', 'device.registered', device.did],
      ['1/1', 'device.registered', testIdentity('notify device 2').did],
    ]);
    expect(list[0]!.to).toEqual([owner.did, g1.did]);
    expect(list[0]!).toMatchObject({
      chain,
      height: 1,
      index: 0,
      txId: done.txIds[0],
      actor: g1.did,
    });
  });

  it('the report that reaches the threshold notifies "device.blocked" to the owner; the lift "device.unblocked"', () => {
    const one = registered();
    const first = run(one.state, [
      tx(one.state, g1, 'device.report', { device: device.did, reason: 'flood', rate: 900 }),
    ]);
    const reported = derive(first).list;
    expect(reported.map((n) => n.kind)).toEqual(['device.reported']);
    expect(reported[0]!.to).toEqual([owner.did, g1.did]);
    const second = run(first.state, [
      tx(first.state, g2, 'device.report', { device: device.did, reason: 'pattern' }),
    ]);
    const blocked = derive(second).list;
    expect(blocked.map((n) => [n.kind, n.subject, n.actor])).toEqual([
      ['device.blocked', device.did, g2.did],
    ]);
    expect(blocked[0]!.to).toContain(owner.did);
    expect(blocked[0]!.detail).toMatchObject({ reports: 2 });
    // without the block's own blocklist entry it could not tell: reported, not blocked
    const blind = notificationsOf(derive(second).block, {
      ...derive(second).facts,
      written: new Map(),
    });
    expect(blind.map((n) => n.kind)).toEqual(['device.reported']);
    const lift = run(second.state, [
      tx(second.state, owner, 'device.unblock', { device: device.did, note: 'reflashed' }),
    ]);
    expect(derive(lift).list.map((n) => [n.kind, n.to])).toEqual([
      ['device.unblocked', [owner.did, g1.did]],
    ]);
  });

  it('P-10.3 a deployed contract is told to every dApp; a failed transaction notifies nothing', () => {
    const s = start.state;
    const done = run(s, [
      tx(s, g1, 'data.put', { key: 'a/1', value: 1 }),
      tx(s, g1, 'device.unblock', { device: device.did, note: 'x' }, 1), // fails: not registered
    ]);
    expect(done.failed.length).toBe(1);
    const { list } = derive(done);
    expect(list.map((n) => [n.kind, n.subject, n.to])).toEqual([['data.stored', 'a/1', [g1.did]]]);
  });

  it('an access decision is told to the requester; deterministic for the same block and facts', () => {
    const one = registered();
    const request = tx(one.state, g2, 'device.access.request', {
      device: device.did,
      service: 'billing',
      purpose: 'monthly bill',
    });
    const asked = run(one.state, [request]);
    expect(asked.failed).toEqual([]);
    const askedList = derive(asked).list;
    expect(askedList.map((n) => [n.kind, n.subject, n.to])).toEqual([
      ['access.requested', device.did, [owner.did]],
    ]);
    const decide = run(asked.state, [
      tx(asked.state, owner, 'device.access.decide', { request: txIdOfTx(request), grant: true }),
    ]);
    expect(decide.failed).toEqual([]);
    const a = derive(decide, [request]).list;
    const b = derive(decide, [request]).list;
    expect(a).toEqual(b);
    expect(a.map((n) => [n.kind, n.subject, n.to])).toEqual([
      ['access.granted', device.did, [g2.did]],
    ]);
  });

  it("a data proxy's steps are told to the enterprise and the proxy (Y.4560 I.2)", () => {
    const proxy = testIdentity('notify proxy');
    const enterprise = testIdentity('notify enterprise');
    const dataOwner = testIdentity('notify data owner');
    const at = (t: Tx, height: number): CommittedBlock => ({
      chain,
      height,
      time: 1,
      txs: [t],
      txIds: [txIdOfTx(t)],
      failed: new Set(),
    });
    const sign = (from: TestIdentity, type: string, body: unknown) =>
      signTx({ chain, type, from: from.did, nonce: 1, time: 1, body }, from.seed);
    const request = sign(proxy, 'dataset.request', {
      dataset: 'air',
      purpose: 'city report',
      for: enterprise.did,
    });
    const requestId = txIdOfTx(request);
    const facts: NotificationFacts = {
      written: new Map(),
      owners: new Map([['dataset:air', dataOwner.did]]),
      txs: new Map([[requestId, { from: proxy.did, type: request.type, body: request.body }]]),
    };
    const view = (t: Tx, h: number) =>
      notificationsOf(at(t, h), facts).map((n) => [n.kind, n.subject, n.to, n.detail]);
    expect(view(request, 5)).toEqual([
      [
        'access.requested',
        'air',
        [dataOwner.did],
        { request: requestId, purpose: 'city report', for: enterprise.did },
      ],
      [
        'access.proxied',
        'air',
        [enterprise.did],
        { request: requestId, purpose: 'city report', proxy: proxy.did },
      ],
    ]);
    expect(view(sign(enterprise, 'dataset.confirm', { request: requestId }), 6)).toEqual([
      ['access.confirmed', 'air', [proxy.did], { request: requestId, for: enterprise.did }],
    ]);
    expect(view(sign(proxy, 'dataset.forward', { request: requestId, keys: [] }), 7)).toEqual([
      ['access.granted', 'air', [enterprise.did], { request: requestId, via: proxy.did }],
    ]);
    // The derivation asks for the request a confirm or a forward names.
    expect(
      notificationNeeds(at(sign(enterprise, 'dataset.confirm', { request: requestId }), 6)).txs,
    ).toEqual([requestId]);
  });

  it('filters, ids and their bad input', () => {
    const n = derive(registered()).list[0]!;
    expect(matchesFilter(n, {})).toBe(true);
    expect(matchesFilter(n, { kinds: ['device.blocked'] })).toBe(false);
    expect(matchesFilter(n, { to: owner.did, subject: device.did })).toBe(true);
    expect(matchesFilter(n, { to: g2.did })).toBe(false);
    expect(matchesFilter({ ...n, to: [] }, { to: g2.did })).toBe(true); // a broadcast
    expect(parseNotificationId('12/3')).toEqual({ height: 12, index: 3 });
    expect(isAfter({ height: 12, index: 4 }, { height: 12, index: 3 })).toBe(true);
    expect(isAfter({ height: 12, index: 3 }, { height: 12, index: 3 })).toBe(false);
    expect(isAfter({ height: 11, index: 9 }, { height: 12, index: 0 })).toBe(false);
    for (const bad of ['12', '12/x', '-1/0', '', '1/2/3'])
      expect(() => parseNotificationId(bad)).toThrow(BotError);
    for (const bad of [
      [],
      5,
      { kinds: ['nope'] },
      { kinds: 'device.blocked' },
      { subject: '' },
      { x: 1 },
    ])
      expect(() => checkNotificationFilter(bad)).toThrow(BotError);
    expect(checkNotificationFilter({ kinds: ['device.blocked', 'device.blocked'] })).toEqual({
      kinds: ['device.blocked'],
    });
  });
});
