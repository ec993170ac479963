// Two-chain simulator of cross-chain operations (issue 18): two real chains of the core (each
// block executed by the ledger and signed by its validators), linked in contract mode (on-chain
// light clients) or relay/shared mode, parties locking tokens and records both ways, and a relay
// whose every move is drawn from one seed: honest, crashing half-way through its plan (it keeps
// nothing: it re-reads both chains), withholding, forging (tampered entries, other operations,
// swapped outcomes, forged headers, early refusals) or replaying old proofs. Blocks of the two
// chains interleave at random. After every block the checkers run:
//   - no operation is finalized on its source without being committed on its target, nor aborted
//     without being refused there; the target's record is of the same operation;
//   - a record arrives on the target exactly when its operation is committed;
//   - each chain's balances add up to its supply, which never changes;
//   - tokens are conserved across the two chains: the circulating total (supply less the bridge
//     reserve and escrow) is the start's, less the amounts of operations locked and neither
//     committed nor aborted.
// At the end an honest relay drains: every operation ends finalized (committed) or aborted
// (refused), and the circulating total is exactly the start's. The same seed replays the run.
import { decode, encode } from '../core/codec';
import { equalBytes } from '../core/bytes';
import { signSync } from '../core/crypto/ed25519';
import { ids, relayView, TestChain } from '../core/lightclient/testkit';
import { supplyCheck } from '../core/modules/tokens';
import { mergeHeaders, planRelay, type RelayIntent } from '../core/modules/xchain/relay';
import { attestationBytes } from '../core/modules/xchain';
import {
  xchainEscrow,
  xchainReserve,
  type XchainMode,
  type XOperation,
} from '../core/modules/xchain/types';
import type { TestIdentity } from '../core/testing';
import { Random } from './prng';

export interface XSimOptions {
  seed: number;
  mode: XchainMode;
  /** Random steps before the drain. */
  steps: number;
  /** Operations the parties start at most. */
  operations: number;
}

export interface XSimReport {
  finalized: number;
  aborted: number;
  failedTxs: number;
  relayMoves: Record<string, number>;
}

export class XSimFailure extends Error {
  override readonly name = 'XSimFailure';
}

type RelayMove = 'honest' | 'crash' | 'withhold' | 'forge' | 'replay';

const validatorsA = ids('xsim a validator', 4);
const validatorsB = ids('xsim b validator', 4);
const parties = ids('xsim party', 2) as [TestIdentity, TestIdentity];
const notaries = ids('xsim notary', 3);
const relayId = notaries[0]!;

export function runXchainSim(options: XSimOptions): XSimReport {
  const random = new Random(options.seed);
  const tokens = (symbol: string) => ({
    symbol,
    allocations: parties.map((p) => ({ did: p.did, amount: 10_000 })),
  });
  const a = new TestChain(`xsim-a-${options.mode}`, validatorsA, tokens('AAA'));
  const b = new TestChain(`xsim-b-${options.mode}`, validatorsB, tokens('BBB'));
  const chains = [a, b];
  const fail = (message: string): never => {
    throw new XSimFailure(`seed ${options.seed} (${options.mode}): ${message}`);
  };
  const attest = (chain: string, height: number, key: string, entry: Uint8Array) =>
    notaries.map((n) => ({
      signer: n.did,
      sig: signSync(n.seed, attestationBytes(chain, height, key, entry)),
    }));
  const linkOf = (remote: TestChain) =>
    options.mode === 'contract'
      ? { chain: remote.chainId, mode: 'contract', genesis: remote.genesis }
      : options.mode === 'relay'
        ? { chain: remote.chainId, mode: 'relay', notaries: [relayId.did] }
        : {
            chain: remote.chainId,
            mode: 'shared',
            notaries: notaries.map((n) => n.did),
            quorum: 3,
          };
  for (const [chain, remote, validator] of [
    [a, b, validatorsA[0]!],
    [b, a, validatorsB[0]!],
  ] as const) {
    chain.commit([
      chain.tx(validator, 'xchain.link', linkOf(remote)),
      chain.tx(parties[1], 'xchain.fund', { amount: 5_000 }),
    ]);
    if (chain.blocks[0]!.failed.length) fail('setup failed');
  }
  const supplies = chains.map((c) => c.state.tokens!.supply);
  const circulating = (c: TestChain) =>
    c.state.tokens!.supply -
    (c.state.tokens!.balances.get(xchainReserve) ?? 0) -
    (c.state.tokens!.balances.get(xchainEscrow) ?? 0);
  const baseline = circulating(a) + circulating(b);
  const ops: XOperation[] = [];
  const history: RelayIntent[] = [];
  const report: XSimReport = {
    finalized: 0,
    aborted: 0,
    failedTxs: 0,
    relayMoves: { honest: 0, crash: 0, withhold: 0, forge: 0, replay: 0 },
  };

  const chainOf = (id: string) => (id === a.chainId ? a : b);
  const send = (intent: RelayIntent, who: TestIdentity = relayId) => {
    const chain = chainOf(intent.chain);
    // A party that crashed and restarted knows only the chain: its next nonce follows the
    // committed one and its transactions still waiting.
    const waiting = chain.pending.filter((tx) => tx.from === who.did).length;
    chain.nonces.set(who.did, (chain.state.nonces.get(who.did) ?? 0) + waiting);
    chain.submit(chain.tx(who, intent.type, intent.body));
  };

  const check = () => {
    chains.forEach((chain, i) => {
      const problem = supplyCheck(chain.state.tokens!);
      if (problem) fail(`${chain.name}: ${problem}`);
      if (chain.state.tokens!.supply !== supplies[i]) fail(`${chain.name}: the supply changed`);
    });
    let outstanding = 0;
    for (const op of ops) {
      const source = chainOf(op.source);
      const target = chainOf(op.target);
      const out = source.state.xchain?.outs.get(op.id);
      const inn = target.state.xchain?.ins.get(op.id);
      if (!out) fail(`operation ${op.id} has no lock on its source`);
      if (out!.s === 'finalized' && inn?.s !== 'committed')
        fail(
          `operation ${op.id} is finalized on the source but ${inn?.s ?? 'absent'} on the target`,
        );
      if (out!.s === 'aborted' && inn?.s !== 'refused')
        fail(`operation ${op.id} is aborted on the source but ${inn?.s ?? 'absent'} on the target`);
      if (inn && !equalBytes(encode(inn.op), encode(op)))
        fail(`the target holds another operation under ${op.id}`);
      if (op.asset.kind === 'record') {
        const entry = target.entryAt(target.height, `data/${op.asset.key}`);
        if ((entry !== null) !== (inn?.s === 'committed'))
          fail(
            `the record of ${op.id} is ${entry ? 'on' : 'not on'} the target, which ${inn?.s ?? 'has no record'}`,
          );
        if (entry && decode<{ v: unknown }>(entry, 1 << 16).v !== op.asset.value)
          fail(`the record of ${op.id} arrived changed`);
      }
      if (op.asset.kind === 'tokens' && inn?.s !== 'committed' && out!.s !== 'aborted')
        outstanding += op.asset.amount;
    }
    const total = circulating(a) + circulating(b);
    if (total !== baseline - outstanding)
      fail(`tokens are not conserved: ${total} circulate, expected ${baseline} - ${outstanding}`);
  };

  const commitBlock = (chain: TestChain) => {
    const block = chain.commit();
    report.failedTxs += block.failed.length;
    check();
  };

  const lock = () => {
    const forward = random.chance(0.5);
    const [source, target] = forward ? [a, b] : [b, a];
    const party = random.pick(parties);
    const record = random.chance(0.3);
    const asset = record
      ? { kind: 'record', key: `xsim/${ops.length}`, value: `v${random.int(0, 999)}` }
      : { kind: 'tokens', amount: random.int(1, 300) };
    const tx = source.tx(party, 'xchain.lock', {
      target: target.chainId,
      to: party.did,
      asset,
      deadline: source.height + random.int(3, 12),
    });
    const block = source.commit([...source.pending, tx]);
    report.failedTxs += block.failed.length;
    const id = block.txIds[block.txIds.length - 1];
    const out = id === undefined ? undefined : source.state.xchain?.outs.get(id);
    if (out && out.op.from === party.did && !block.failed.some((f) => f.txId === id))
      ops.push(out.op);
    check();
  };

  const forge = (intent: RelayIntent): RelayIntent => {
    const body = structuredClone(intent.body) as {
      updates: Array<{ header: { stateRoot: Uint8Array } }>;
      proof?: { height: number; entry?: Uint8Array };
      op?: XOperation;
    };
    const kind = random.chance(0.4) ? 3 : random.pick([0, 1, 2, 4]);
    const inline = (body as { headers?: Array<{ header: { stateRoot: Uint8Array } }> }).headers;
    if (inline && random.chance(0.5)) {
      inline[0]!.header.stateRoot[random.int(0, 31)]! ^= 1;
      return { ...intent, body };
    }
    if (intent.type === 'xchain.headers') {
      const root = body.updates[0]!.header.stateRoot;
      root[random.int(0, 31)]! ^= 1;
      return { ...intent, body };
    }
    if (kind === 0 && body.proof?.entry) {
      const entry = body.proof.entry;
      entry[random.int(0, entry.length - 1)]! ^= 1 << random.int(0, 7);
    } else if (kind === 1 && body.op) {
      body.op = { ...body.op, to: relayId.did };
    } else if (kind === 2 && body.op?.asset?.kind === 'tokens') {
      body.op = { ...body.op, asset: { kind: 'tokens', amount: body.op.asset.amount + 1 } };
    } else if (kind === 3) {
      const swap: Record<string, string> = {
        'xchain.commit': 'xchain.refuse',
        'xchain.refuse': 'xchain.commit',
        'xchain.finalize': 'xchain.abort',
        'xchain.abort': 'xchain.finalize',
      };
      return { ...intent, type: swap[intent.type] ?? intent.type, body };
    } else if (body.proof) body.proof = { ...body.proof, height: body.proof.height + 1 };
    return { ...intent, body };
  };

  const relayStep = (move: RelayMove) => {
    report.relayMoves[move]!++;
    let plan = [
      ...planRelay(relayView(a), relayView(b), attest),
      ...planRelay(relayView(b), relayView(a), attest),
    ];
    // Half the passes carry header updates inside the steps that need them.
    if (random.chance(0.5)) plan = mergeHeaders(plan);
    if (move === 'withhold') return;
    if (move === 'replay') {
      if (history.length) send(random.pick(history));
      return;
    }
    if (move === 'crash') {
      for (const intent of plan.slice(0, random.int(0, plan.length))) send(intent);
      return;
    }
    if (move === 'forge' && plan.length) {
      // Forge an operation's step when there is one (headers otherwise, or now and then).
      const steps = plan.flatMap((intent, i) => (intent.op ? [i] : []));
      const at =
        steps.length && !random.chance(0.2) ? random.pick(steps) : random.int(0, plan.length - 1);
      plan[at] = forge(plan[at]!);
    }
    for (const intent of plan) {
      send(intent);
      history.push(intent);
    }
  };

  const moves: RelayMove[] = ['honest', 'crash', 'withhold', 'forge', 'replay'];
  for (let step = 0; step < options.steps; step++) {
    const roll = random.float();
    if (roll < 0.12 && ops.length < options.operations) lock();
    else if (roll < 0.4) commitBlock(a);
    else if (roll < 0.68) commitBlock(b);
    else relayStep(random.pick(moves));
  }
  // Drain: an honest relay (any party may run it) and blocks on both chains until all settle.
  for (let round = 0; round < 40; round++) {
    const open = ops.filter(
      (op) => chainOf(op.source).state.xchain!.outs.get(op.id)!.s === 'locked',
    );
    if (open.length === 0) break;
    relayStep('honest');
    commitBlock(a);
    commitBlock(b);
  }
  for (const op of ops) {
    const status = chainOf(op.source).state.xchain!.outs.get(op.id)!.s;
    if (status === 'locked') fail(`operation ${op.id} never settled`);
    if (status === 'finalized') report.finalized++;
    else report.aborted++;
  }
  if (circulating(a) + circulating(b) !== baseline)
    fail('tokens are not conserved after the drain');
  return report;
}
