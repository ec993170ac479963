// A fixed run through every capability module (data, governance, devices, contracts with the real
// QuickJS engine), reduced to one line per block: block hash, state root, a digest of the state
// writes in order, failures and rejections,
// then the same for the state rebuilt from the stored entries. modules-golden.test.ts compares it
// with the lines the code before the module split printed, so that moving the modules changed no
// block hash and no state root. Only ledger, tx, testing and crypto are imported here; the two
// module helpers it needs come in as parameters (their paths moved).
import { toHex } from '../core/bytes';
import { encode } from '../core/codec';
import { sha256 } from '../core/crypto/hash';
import { signSync } from '../core/crypto/ed25519';
import { voteSigningBytes } from '../core/consensus/vote';
import {
  executeBlock,
  genesisState,
  stateFromEntries,
  type ChainState,
  type ExecutedBlock,
} from '../core/ledger';
import { testIdentity, type TestIdentity } from '../core/testing';
import { signTx, txIdOf, type Tx } from '../core/tx';
import type { ContractRuntime } from '../core/modules/contracts';

export interface GoldenDeps {
  registerProofBytes(chain: string, did: string, gateway: string): Uint8Array;
  runtime: ContractRuntime;
}

const counter = `
function add(ctx, args) {
  const n = (ctx.get('count') ?? 0) + args.by;
  ctx.put('count', n);
  ctx.emit({ added: args.by, device: ctx.device && ctx.device.did });
  return n;
}
function fail(ctx) { ctx.put('count', -1); throw new Error('no'); }
`;

export function goldenRun(deps: GoldenDeps): string[] {
  const [a, b, c, d] = ['a', 'b', 'c', 'd'].map((n) => testIdentity(`golden validator ${n}`)) as [
    TestIdentity,
    TestIdentity,
    TestIdentity,
    TestIdentity,
  ];
  const member = testIdentity('golden member');
  const outsider = testIdentity('golden outsider');
  const strap = testIdentity('golden strap');
  const meter = testIdentity('golden meter');
  const genesis = {
    name: 'golden',
    mode: 'consortium' as const,
    consensus: { engine: 'bft' as const, timeoutMs: 100 },
    validators: [a, b, c, d].map((id) => ({ did: id.did, power: 1 })),
    time: 1_700_000_000_000,
    salt: 'golden',
  };
  const start = genesisState(genesis);
  const chain = start.state.chainId;
  const nonces = new Map<string, number>();
  const tx = (from: TestIdentity, type: string, body: unknown): Tx => {
    const nonce = (nonces.get(from.did) ?? 0) + 1;
    nonces.set(from.did, nonce);
    return signTx(
      { chain, type, from: from.did, nonce, time: 1_700_000_000_000 + nonce, body },
      from.seed,
    );
  };
  const lines: string[] = [];
  const entries = new Map(start.writes);
  let state: ChainState = { ...start.state, contractRuntime: deps.runtime };
  let header = start.block.header;
  const line = (executed: ExecutedBlock) =>
    [
      executed.block.header.height,
      toHex(executed.hash),
      toHex(executed.block.header.stateRoot),
      // the state writes, keys and bytes, in their order
      toHex(sha256(encode([...executed.writes]))).slice(0, 16),
      executed.txIds.length,
      executed.failed.map((f) => f.error?.code).join(','),
      executed.rejected.map((r) => r.error?.code).join(','),
    ].join(' ');
  const block = (txs: Tx[]) => {
    const executed = executeBlock(
      state,
      txs,
      { time: state.headTime + 1000, proposer: a.did, round: 0 },
      false,
    );
    for (const [key, bytes] of executed.writes) entries.set(key, bytes);
    state = executed.state;
    header = executed.block.header;
    // a rejected transaction used no nonce: take it back
    for (const id of [a, b, c, d, member, outsider, strap, meter])
      nonces.set(id.did, state.nonces.get(id.did) ?? 0);
    lines.push(line(executed));
    return executed;
  };
  const device = (id: TestIdentity, name: string, capabilities: string[]) =>
    tx(a, 'device.register', {
      did: id.did,
      id: name,
      kind: 'sensor',
      name,
      gateway: a.did,
      owner: member.did,
      capabilities,
      policy: { mode: 'owner' },
      proof: signSync(id.seed, deps.registerProofBytes(chain, id.did, a.did)),
    });
  const vote = (from: TestIdentity, fill: number) => {
    const hash = new Uint8Array(32).fill(fill);
    return {
      type: 'prevote' as const,
      height: 3,
      round: 0,
      block: hash,
      validator: from.did,
      sig: signSync(from.seed, voteSigningBytes(chain, 'prevote', 3, 0, hash)),
    };
  };

  // Transactions are signed in the order of the block (their nonces follow it).
  let propose: Tx;
  block([
    tx(a, 'data.put', { key: 'k1', value: { n: 1, s: 'one', b: new Uint8Array([1, 2]) } }),
    (propose = tx(a, 'member.propose', {
      change: { kind: 'addMember', did: member.did },
      height: 1,
    })),
    tx(b, 'data.put', { key: 'k2', value: [1, 2.5, null, true] }),
    tx(outsider, 'data.put', { key: 'k3', value: 'refused' }),
    tx(a, 'chain.upgrade', { engine: 'poa', timeoutMs: 200, height: 9 }),
    tx(b, 'member.vote', { proposal: '0'.repeat(64), approve: true }),
  ]);
  let policy: Tx;
  block([
    tx(b, 'member.vote', { proposal: txIdOf(propose), approve: true }),
    tx(c, 'member.vote', { proposal: txIdOf(propose), approve: true }),
    tx(a, 'data.delete', { key: 'k1' }),
    tx(a, 'data.put', { key: 'k2', value: 'again' }),
    (policy = tx(b, 'member.propose', {
      change: { kind: 'policy', name: 'retention', value: 30 },
      height: 5,
    })),
    tx(c, 'member.vote', { proposal: txIdOf(policy), approve: true }),
    tx(d, 'member.vote', { proposal: txIdOf(policy), approve: true }),
    tx(b, 'member.propose', {
      change: { kind: 'addValidator', did: member.did, power: 2 },
      height: 4,
    }),
  ]);
  block([
    tx(member, 'data.put', { key: 'member', value: 1 }),
    device(strap, 'strap', ['bpm']),
    device(meter, 'meter', ['kwh']),
    tx(a, 'contract.deploy', { name: 'counter', code: counter }),
    tx(a, 'contract.deploy', { name: 'bad', code: 'this is not javascript (' }),
    tx(member, 'evidence.submit', { first: vote(d, 1), second: vote(d, 2) }),
  ]);
  let request: Tx;
  block([
    tx(strap, 'device.reading', { values: { bpm: 61 }, at: 1_700_000_000_500 }),
    tx(strap, 'device.reading', { values: { volts: 3 }, at: 1_700_000_000_600 }),
    (request = tx(b, 'device.access.request', {
      device: strap.did,
      service: 'clinic',
      purpose: 'care',
    })),
    tx(member, 'device.access.decide', { request: txIdOf(request), grant: true }),
    tx(member, 'device.policy', { device: meter.did, policy: { mode: 'open' } }),
    tx(strap, 'device.message', { to: meter.did, body: { hello: 'meter' } }),
    tx(b, 'contract.call', { contract: 'counter', method: 'add', args: { by: 2 } }),
    tx(strap, 'contract.call', {
      contract: 'counter',
      method: 'add',
      args: { by: 3 },
      device: true,
    }),
    tx(c, 'contract.call', { contract: 'counter', method: 'fail', args: null }),
    tx(c, 'contract.call', { contract: 'missing', method: 'add', args: null }),
    tx(a, 'device.status', { device: meter.did, status: 'retired', message: 'replaced' }),
  ]);
  block([]);
  block([tx(meter, 'device.reading', { values: { kwh: 1 }, at: 1_700_000_000_900 })]);
  // The state a peer loads from its store executes the next block alike.
  const loaded = stateFromEntries(genesis, header, state.headHash, entries);
  lines.push(`loaded ${toHex(loaded.trie.rootHash())} ${loaded.nonces.size}`);
  state = { ...loaded, contractRuntime: deps.runtime };
  block([tx(b, 'contract.call', { contract: 'counter', method: 'add', args: { by: 4 } })]);
  return lines;
}
