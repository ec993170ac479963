// Read rights as a pure decision (issue 15): given the chain's mode and state and a peer's did,
// what may be sent to it. Members read everything; anyone else on a private or consortium chain
// gets headers only; public and solo chains are read by all.
import { describe, expect, it } from 'vitest';
import { genesisState, type ChainState } from '../core/ledger';
import { bftGenesis, devChain, testIdentity } from '../core/testing';
import { maySend, readersOf, readRight, wireAllowed } from './read-rights';
import { decodeWire, encodeWire, wireKindOf, type WireMessage } from './wire';
import { blockHash } from '../core/block';
import { encode as encodeCbor } from '../core/codec';

const [v1, v2, v3] = ['v1', 'v2', 'v3'].map(testIdentity) as [
  ReturnType<typeof testIdentity>,
  ReturnType<typeof testIdentity>,
  ReturnType<typeof testIdentity>,
];
const member = testIdentity('member');
const gateway = testIdentity('gateway');
const device = testIdentity('device');
const stranger = testIdentity('stranger');

const payloadKinds: WireMessage['kind'][] = [
  'consensus',
  'syncBlocks',
  'batchRequest',
  'batchAnswer',
];
const headerKinds: WireMessage['kind'][] = ['head', 'syncRequest', 'syncHeaders', 'join'];

// Built from literals (not the governance and devices modules' helpers), so the test stays the
// same wherever those modules live.
function chainOf(mode: 'private' | 'consortium' | 'public'): ChainState {
  const { state } = genesisState(bftGenesis(`rr-${mode}`, [v1, v2, v3], mode));
  const governance = {
    proposals: new Map(),
    offenders: new Map(),
    members: new Set([member.did]),
    consensus: state.genesis.consensus,
  } as unknown as ChainState['governance'];
  const record = { did: device.did, gateway: gateway.did, status: 'online' };
  const devices = {
    devices: new Map([[device.did, record]]),
    open: new Map(),
  } as unknown as ChainState['devices'];
  return { ...state, governance, devices } as ChainState;
}

describe('read rights (pure decision)', () => {
  for (const mode of ['private', 'consortium'] as const) {
    it(`a ${mode} chain: validators, members, devices and their gateways read; a stranger gets headers only`, () => {
      const chain = chainOf(mode);
      expect([...readersOf(chain)!].sort()).toEqual(
        [v1.did, v2.did, v3.did, member.did, device.did, gateway.did].sort(),
      );
      for (const did of [v1.did, member.did, gateway.did, device.did]) {
        expect(readRight(chain, did)).toBe('full');
        for (const kind of [...payloadKinds, ...headerKinds])
          expect(maySend(chain, did, kind)).toBe(true);
      }
      expect(readRight(chain, stranger.did)).toBe('headers');
      for (const kind of payloadKinds) expect(maySend(chain, stranger.did, kind)).toBe(false);
      for (const kind of headerKinds) expect(maySend(chain, stranger.did, kind)).toBe(true);
    });
  }

  it('a member removed by governance reads no further; a retired device no longer makes its gateway a reader', () => {
    const chain = chainOf('consortium');
    const removed = {
      ...chain,
      governance: { ...chain.governance!, members: new Set<string>() },
    } as ChainState;
    expect(readRight(chain, member.did)).toBe('full');
    expect(readRight(removed, member.did)).toBe('headers');
    expect(maySend(removed, member.did, 'consensus')).toBe(false);
    const retired = {
      ...chain,
      devices: {
        devices: new Map([
          [device.did, { did: device.did, gateway: gateway.did, status: 'retired' }],
        ]),
        open: new Map(),
      },
    } as unknown as ChainState;
    expect(readRight(retired, gateway.did)).toBe('headers');
  });

  it('public and solo chains are read by everyone', () => {
    const open = chainOf('public');
    expect(readersOf(open)).toBeNull();
    expect(readersOf(devChain(v1).state)).toBeNull();
    for (const kind of payloadKinds) {
      expect(maySend(open, stranger.did, kind)).toBe(true);
      expect(maySend(devChain(v1).state, stranger.did, kind)).toBe(true);
    }
  });

  it('every wire kind is classified: the gate knows the kind of each encoded message', () => {
    const header = chainOf('consortium');
    const samples: WireMessage[] = [
      { kind: 'head', height: 3, hash: new Uint8Array(32) },
      { kind: 'syncRequest', from: 1, count: 4 },
      { kind: 'syncBlocks', from: 1, blocks: [new Uint8Array([1])] },
      { kind: 'join', invite: null },
      {
        kind: 'syncHeaders',
        from: 1,
        headers: [
          {
            header: {
              chain: header.chainId,
              height: 1,
              prev: header.headHash,
              txRoot: new Uint8Array(32),
              stateRoot: new Uint8Array(32),
              time: 1,
              proposer: v1.did,
              round: 0,
            },
            cert: {
              height: 1,
              round: 0,
              block: blockHash({
                chain: header.chainId,
                height: 1,
                prev: header.headHash,
                txRoot: new Uint8Array(32),
                stateRoot: new Uint8Array(32),
                time: 1,
                proposer: v1.did,
                round: 0,
              }),
              sigs: [{ validator: v1.did, sig: new Uint8Array(64) }],
            },
          },
        ],
      },
    ];
    for (const message of samples) {
      const bytes = encodeWire(message);
      expect(wireKindOf(bytes)).toBe(message.kind);
      expect(decodeWire(bytes)).toEqual(message);
    }
    expect(wireKindOf(new Uint8Array([99, 0]))).toBeNull();
    expect(wireAllowed('syncHeaders', 'headers')).toBe(true);
    expect(wireAllowed('syncBlocks', 'headers')).toBe(false);
  });

  it('a header-only answer carrying anything but header and certificate is refused as malformed', () => {
    const bytes = encodeWire({ kind: 'syncHeaders', from: 1, headers: [] });
    expect(decodeWire(bytes)).toEqual({ kind: 'syncHeaders', from: 1, headers: [] });
    const smuggled = new Uint8Array([
      8,
      ...encodeCbor({ from: 1, headers: [{ header: null, cert: null, txs: [] }] }),
    ]);
    expect(() => decodeWire(smuggled)).toThrow(/signed header/);
  });
});
