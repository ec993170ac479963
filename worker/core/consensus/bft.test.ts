// Scenario tests of the round engine, driven one input at a time (etcd-raft style): the test
// plays the other validators by signing their messages and reads the peer's effects as a trace.
import { describe, expect, it } from 'vitest';
import { blockHash, checkCertificateFor, type Block } from '../block';
import { toHex } from '../bytes';
import { signSync } from '../crypto/ed25519';
import { executeBlock, genesisState, type Genesis } from '../ledger';
import { createPeer, step } from '../peer';
import { roundStallTimeouts, timeoutMsOf } from './bft';
import { bftGenesis, put, testIdentity, type TestIdentity } from '../testing';
import {
  decodeMessage,
  encodeMessage,
  messageChecks,
  proposalSigningBytes,
  voteSigningBytes,
  type ConsensusMessage,
  type Proposal,
  type Vote,
  type VoteType,
} from './messages';
import { verifyStrict } from '../crypto/ed25519';
import type { PeerEffect, PeerInput, PeerState } from './types';

const ids = [0, 1, 2, 3].map((i) => testIdentity(`bft validator ${i}`));
const genesis: Genesis = bftGenesis('bft test', ids);
const { state: chain } = genesisState(genesis);
const client = testIdentity('bft client');

function blockWith(proposer: TestIdentity, value: number, round: number): Block {
  return executeBlock(
    chain,
    [put(client, chain.chainId, 1, 'k', value)],
    { time: genesis.time + 1, proposer: proposer.did, round },
    false,
  ).block;
}

function proposal(
  from: TestIdentity,
  round: number,
  block: Block,
  validRound = -1,
  pol: Vote[] = [],
): Proposal {
  const sig = signSync(
    from.seed,
    proposalSigningBytes(chain.chainId, 1, round, validRound, blockHash(block.header)),
  );
  return { type: 'proposal', height: 1, round, validRound, proposer: from.did, block, pol, sig };
}

function vote(from: TestIdentity, type: VoteType, round: number, block: Block | null): Vote {
  const hash = block ? blockHash(block.header) : null;
  return {
    type,
    height: 1,
    round,
    block: hash,
    validator: from.did,
    sig: signSync(from.seed, voteSigningBytes(chain.chainId, type, 1, round, hash)),
  };
}

/** Runs inputs through the peer and renders its outgoing messages and commits as short lines. */
class Driver {
  peer: PeerState;
  trace: string[] = [];
  committed: Block[] = [];
  time = genesis.time;

  constructor(
    readonly self: TestIdentity,
    readonly labels: Map<string, string>,
  ) {
    this.peer = createPeer({ did: self.did, seed: self.seed }, chain, undefined, 'fresh');
  }

  private label(hash: Uint8Array | null): string {
    return hash === null ? 'nil' : (this.labels.get(toHex(hash)) ?? toHex(hash).slice(0, 6));
  }

  private render(effect: PeerEffect): string | null {
    if (effect.kind === 'committed') {
      this.committed.push(effect.block);
      return `commit h${effect.block.header.height} r${effect.block.cert!.round} ${this.label(effect.hash)}`;
    }
    if (effect.kind !== 'broadcast') return null;
    const m = effect.message;
    if (m.type === 'proposal')
      return `propose r${m.round} ${this.label(blockHash(m.block.header))} vr${m.validRound}`;
    if (m.type === 'prevote' || m.type === 'precommit')
      return `${m.type} r${m.round} ${this.label(m.block)}`;
    if (m.type === 'status') return `status r${m.round}`;
    return null;
  }

  input(input: PeerInput): this {
    const out = step(this.peer, input);
    this.peer = out.state;
    for (const effect of out.effects) {
      const line = this.render(effect);
      if (line) this.trace.push(line);
    }
    return this;
  }

  message(message: ConsensusMessage): this {
    return this.input({ kind: 'message', from: 'someone', message, sigOk: true });
  }

  tick(ms: number): this {
    this.time += ms;
    return this.input({ kind: 'tick', time: this.time });
  }

  take(): string[] {
    const lines = this.trace;
    this.trace = [];
    return lines;
  }
}

describe('bft engine scenarios', () => {
  const [v0, v1, v2, v3] = ids as [TestIdentity, TestIdentity, TestIdentity, TestIdentity];
  const a = blockWith(v1, 1, 0);
  const b = blockWith(v2, 2, 1);
  const labels = new Map([
    [toHex(blockHash(a.header)), 'A'],
    [toHex(blockHash(b.header)), 'B'],
  ]);

  it('decides in one round when everyone agrees, and the precommits form a valid certificate', () => {
    const d = new Driver(v0, labels).tick(1);
    // Proposer of height 1, round 0 is validator (1 + 0) mod 4 = v1.
    expect(d.message(proposal(v1, 0, a)).take()).toEqual(['prevote r0 A']);
    expect(
      d
        .message(vote(v1, 'prevote', 0, a))
        .message(vote(v2, 'prevote', 0, a))
        .take(),
    ).toEqual(['precommit r0 A']);
    expect(
      d
        .message(vote(v1, 'precommit', 0, a))
        .message(vote(v2, 'precommit', 0, a))
        .take(),
    ).toEqual(['commit h1 r0 A']);
    const block = d.committed[0]!;
    expect(() => checkCertificateFor(block.header, block.cert, chain.validators)).not.toThrow();
    for (const check of messageChecks({ type: 'commit', block }, chain.chainId, chain.validators)) {
      expect(verifyStrict(check.publicKey, check.message, check.signature)).toBe(true);
    }
    expect(d.peer.chain.height).toBe(1);
  });

  it('stays locked on a value through a higher round until a proof of lock for it appears', () => {
    const d = new Driver(v0, labels).tick(1);
    d.message(proposal(v1, 0, a))
      .message(vote(v1, 'prevote', 0, a))
      .message(vote(v2, 'prevote', 0, a));
    expect(d.take()).toEqual(['prevote r0 A', 'precommit r0 A']);
    // The others precommit nil (they missed the polka): the round ends after its timeout.
    d.message(vote(v2, 'precommit', 0, null)).message(vote(v3, 'precommit', 0, null));
    expect(d.tick(150).take()).toEqual(['status r1']);
    // Round 1: v2 proposes another block B. Locked on A, this validator prevotes nil.
    expect(d.message(proposal(v2, 1, b)).take()).toEqual(['prevote r1 nil']);
    d.message(vote(v2, 'prevote', 1, b))
      .message(vote(v3, 'prevote', 1, null))
      .message(vote(v1, 'prevote', 1, null));
    expect(d.take()).toEqual(['precommit r1 nil']);
    // A nil precommit quorum: no block can decide in round 1, so round 2 starts at once.
    expect(
      d
        .message(vote(v1, 'precommit', 1, null))
        .message(vote(v2, 'precommit', 1, null))
        .take(),
    ).toEqual(['status r2']);
    // Round 2: v3 re-proposes A with the round-0 prevotes as its proof of lock.
    const pol = [vote(v1, 'prevote', 0, a), vote(v2, 'prevote', 0, a), vote(v0, 'prevote', 0, a)];
    expect(d.message(proposal(v3, 2, a, 0, pol)).take()).toEqual(['prevote r2 A']);
    d.message(vote(v1, 'prevote', 2, a)).message(vote(v3, 'prevote', 2, a));
    d.message(vote(v1, 'precommit', 2, a)).message(vote(v3, 'precommit', 2, a));
    expect(d.take()).toEqual(['precommit r2 A', 'commit h1 r2 A']);
  });

  it('times out a silent proposer, then proposes itself in its own round', () => {
    const d = new Driver(v3, labels);
    d.input({ kind: 'submit', tx: put(client, chain.chainId, 1, 'k', 9), sigOk: true }).tick(1);
    expect(d.take()).toEqual([]);
    expect(d.tick(110).take()).toEqual(['prevote r0 nil']);
    d.message(vote(v1, 'prevote', 0, null)).message(vote(v2, 'prevote', 0, null));
    expect(d.take()).toEqual(['precommit r0 nil']);
    expect(
      d
        .message(vote(v1, 'precommit', 0, null))
        .message(vote(v2, 'precommit', 0, null))
        .take(),
    ).toEqual(['status r1']);
    // Round 1: (1 + 1) mod 4 = v2 is silent too; its propose timeout is 100 + 50 ms.
    expect(d.tick(160).take()).toEqual(['prevote r1 nil']);
    expect(
      d
        .message(vote(v1, 'prevote', 1, null))
        .message(vote(v2, 'prevote', 1, null))
        .take(),
    ).toEqual(['precommit r1 nil']);
    // Round 2 belongs to v3, this peer: it proposes the waiting transaction and prevotes for it.
    const lines = d
      .message(vote(v1, 'precommit', 1, null))
      .message(vote(v2, 'precommit', 1, null))
      .take();
    expect(lines).toEqual([
      'status r2',
      expect.stringMatching(/^propose r2 \w+ vr-1$/),
      expect.stringMatching(/^prevote r2 \w+$/),
    ]);
  });

  it('waits longer for the proposal of a large block: 2 ms per waiting transaction on top of the round timeout', () => {
    const waiting = (d: Driver) => {
      for (let nonce = 1; nonce <= 200; nonce++)
        d.input({
          kind: 'submit',
          tx: put(client, chain.chainId, nonce, `k${nonce}`, nonce),
          sigOk: true,
        });
      return d.take();
    };
    // Nothing arrives: the propose timeout is 100 ms + 200 x 2 ms, not the bare 100 ms.
    const silent = new Driver(v3, labels);
    waiting(silent);
    expect(silent.tick(1).take()).toEqual([]);
    expect(silent.tick(300).take()).toEqual([]);
    expect(silent.tick(250).take()).toEqual(['prevote r0 nil']);
    // A proposal that arrives after the bare timeout but within the allowance is prevoted.
    const late = new Driver(v0, labels);
    waiting(late);
    late.tick(1).tick(300);
    expect(late.message(proposal(v1, 0, a)).take()).toEqual(['prevote r0 A']);
  });

  it('jumps to a higher round when more than 1/3 of the power is there', () => {
    const d = new Driver(v0, labels).tick(1);
    d.message(vote(v1, 'prevote', 5, null));
    expect(d.take()).toEqual([]);
    expect(d.message(vote(v2, 'precommit', 5, null)).take()).toEqual(['status r5']);
  });

  it('reports two different signed votes of one validator as evidence and counts neither twice', () => {
    const d = new Driver(v0, labels).tick(1);
    const out = step(d.peer, {
      kind: 'message',
      from: 'x',
      message: vote(v2, 'prevote', 0, a),
      sigOk: true,
    });
    const again = step(out.state, {
      kind: 'message',
      from: 'x',
      message: vote(v2, 'prevote', 0, b),
      sigOk: true,
    });
    const evidence = again.effects.filter((e) => e.kind === 'evidence');
    expect(evidence).toHaveLength(1);
  });

  it('sends round 0 proposals and prevotes unrecorded, and stores every precommit and every later-round signature before sending it', () => {
    const kinds = (effects: PeerEffect[]) =>
      effects
        .map((e) => (e.kind === 'broadcast' ? e.message.type : e.kind))
        .filter((k) => k !== 'status');
    const d = new Driver(v0, labels).tick(1);
    expect(
      d.input({ kind: 'message', from: 'x', message: proposal(v1, 0, a), sigOk: false }).take(),
    ).toEqual([]);
    let out = step(d.peer, {
      kind: 'message',
      from: 'x',
      message: proposal(v1, 0, a),
      sigOk: true,
    });
    expect(kinds(out.effects)).toEqual(['prevote']);
    out = step(out.state, {
      kind: 'message',
      from: 'x',
      message: vote(v1, 'prevote', 0, a),
      sigOk: true,
    });
    out = step(out.state, {
      kind: 'message',
      from: 'x',
      message: vote(v2, 'prevote', 0, a),
      sigOk: true,
    });
    expect(kinds(out.effects)).toEqual(['persistConsensus', 'precommit']);
    // A round that failed (a nil precommit quorum): round 1's prevote is stored before it leaves.
    const e = new Driver(v0, labels).tick(1);
    for (const v of [v1, v2, v3]) e.message(vote(v, 'precommit', 0, null));
    expect(e.take()).toEqual(['status r1']);
    out = step(e.peer, { kind: 'message', from: 'x', message: proposal(v2, 1, b), sigOk: true });
    expect(kinds(out.effects)).toEqual(['persistConsensus', 'prevote']);
    const record = out.effects.find((x) => x.kind === 'persistConsensus');
    expect(
      record?.kind === 'persistConsensus' &&
        record.record.votes.map((v) => `${v.type} r${v.round}`),
    ).toEqual(['prevote r1']);
  });

  it('never signs twice after a restart: round 0 of the next height is skipped, recorded votes are sent again and nothing conflicting is signed', () => {
    // Before the restart it prevoted A in round 0; that prevote was sent but never recorded.
    const d = new Driver(v0, labels).tick(1);
    expect(d.message(proposal(v1, 0, a)).take()).toEqual(['prevote r0 A']);
    // Restarted from storage without a record: a proposal of B for round 0 gets no prevote; the peer goes to round 1.
    const restarted = new Driver(v0, labels);
    restarted.peer = createPeer({ did: v0.did, seed: v0.seed }, chain);
    expect(restarted.tick(1).take()).toEqual([]);
    expect(restarted.message(proposal(v1, 0, b)).take()).toEqual(['status r1']);
    expect(
      restarted
        .message(vote(v1, 'prevote', 0, b))
        .message(vote(v2, 'prevote', 0, b))
        .message(vote(v3, 'prevote', 0, b))
        .take(),
    ).toEqual([]);
    // It still takes part from round 1 on, and still decides a block others decided in round 0.
    expect(restarted.message(proposal(v2, 1, b)).take()).toEqual(['prevote r1 B']);
    expect(
      restarted
        .message(vote(v1, 'precommit', 0, b))
        .message(vote(v2, 'precommit', 0, b))
        .message(vote(v3, 'precommit', 0, b))
        .take(),
    ).toEqual(['commit h1 r0 B']);
    // With the record of its precommit: it sends its votes again (same bytes) and signs nothing for B.
    let out = step(d.peer, {
      kind: 'message',
      from: 'x',
      message: vote(v1, 'prevote', 0, a),
      sigOk: true,
    });
    out = step(out.state, {
      kind: 'message',
      from: 'x',
      message: vote(v2, 'prevote', 0, a),
      sigOk: true,
    });
    const record = out.effects.find((x) => x.kind === 'persistConsensus');
    const again = new Driver(v0, labels);
    again.peer = createPeer(
      { did: v0.did, seed: v0.seed },
      chain,
      record?.kind === 'persistConsensus' ? record.record : undefined,
    );
    expect(again.tick(300).take().sort()).toEqual(['precommit r0 A', 'prevote r0 A', 'status r0']);
    expect(again.message(proposal(v1, 0, b)).take()).toEqual([]);
  });

  it('gives up a round that cannot end, with fewer than 2/3 of the power in it, after roundStallTimeouts of its timeouts', () => {
    const timeout = timeoutMsOf(chain);
    const d = new Driver(v0, labels).tick(1);
    expect(
      d
        .message(proposal(v1, 0, a))
        .message(vote(v1, 'prevote', 0, a))
        .take(),
    ).toEqual(['prevote r0 A']);
    // Two of four prevoted: no quorum of any kind, so neither the prevote nor the precommit timeout is armed.
    expect(
      d
        .tick(roundStallTimeouts * timeout - 10)
        .take()
        .filter((line) => !line.endsWith(' r0') && !line.includes(' r0 ')),
    ).toEqual([]);
    expect(
      d
        .tick(20)
        .take()
        .filter((line) => !line.endsWith(' r0') && !line.includes(' r0 ')),
    ).toEqual(['status r1']);
    expect(d.peer.round!.round).toBe(1);
  });

  it('leaves a stalled round with its nil precommit, so peers still in that round see a precommit quorum and follow (issue 22)', () => {
    const timeout = timeoutMsOf(chain);
    const d = new Driver(v0, labels).tick(1);
    // Alone with v1 in round 0: v2 restarted into round 1, v3 is silent. No quorum arms a timeout.
    expect(
      d
        .message(proposal(v1, 0, a))
        .message(vote(v1, 'prevote', 0, a))
        .take(),
    ).toEqual(['prevote r0 A']);
    const lines = d
      .tick(roundStallTimeouts * timeout + 10)
      .take()
      .filter((line) => line !== 'prevote r0 A' && line !== 'status r0');
    expect(lines).toEqual(['precommit r0 nil', 'status r1']);
    // A peer leaving from the propose step signs the nil prevote first, then the nil precommit.
    const e = new Driver(v0, labels);
    e.input({ kind: 'submit', tx: put(client, chain.chainId, 1, 'k', 9), sigOk: true })
      .tick(1)
      .take();
    e.peer = {
      ...e.peer,
      round: {
        ...e.peer.round!,
        timeouts: e.peer.round!.timeouts.filter((t) => t.kind === 'stall'),
      },
    };
    expect(
      e
        .tick(roundStallTimeouts * timeout + 10)
        .take()
        .filter((line) => line !== 'status r0'),
    ).toEqual(['prevote r0 nil', 'precommit r0 nil', 'status r1']);
  });

  it('decides when every validator restarts at once with no record (round 1)', () => {
    const peers = ids.map((id) => createPeer({ did: id.did, seed: id.seed }, chain));
    const inbox: Array<{ to: number; message: ConsensusMessage }> = [];
    const send = (from: number, effects: PeerEffect[]) => {
      for (const effect of effects)
        if (effect.kind === 'broadcast')
          for (let to = 0; to < peers.length; to++)
            if (to !== from) inbox.push({ to, message: effect.message });
    };
    let out = step(peers[0]!, {
      kind: 'submit',
      tx: put(client, chain.chainId, 1, 'k', 7),
      sigOk: true,
    });
    peers[0] = out.state;
    send(0, out.effects);
    let time = genesis.time;
    const rounds = new Set<number>();
    for (let i = 0; i < 200 && peers.some((p) => p.chain.height < 1); i++) {
      time += 50;
      for (let at = 0; at < peers.length; at++) {
        out = step(peers[at]!, { kind: 'tick', time });
        peers[at] = out.state;
        send(at, out.effects);
      }
      while (inbox.length > 0) {
        const { to, message } = inbox.shift()!;
        out = step(peers[to]!, { kind: 'message', from: ids[0]!.did, message, sigOk: true });
        peers[to] = out.state;
        send(to, out.effects);
        for (const effect of out.effects)
          if (effect.kind === 'committed') rounds.add(effect.block.cert!.round);
        for (const effect of out.effects)
          if (
            effect.kind === 'broadcast' &&
            (effect.message.type === 'prevote' || effect.message.type === 'precommit')
          )
            expect(effect.message.round).toBeGreaterThan(0);
      }
    }
    expect(peers.map((p) => p.chain.height)).toEqual([1, 1, 1, 1]);
    expect([...rounds]).toEqual([1]);
  });

  it('round-trips every message kind through the strict wire decoder', () => {
    const messages: ConsensusMessage[] = [
      proposal(v1, 1, a, 0, [vote(v1, 'prevote', 0, a)]),
      vote(v1, 'prevote', 0, a),
      vote(v2, 'precommit', 0, null),
      { type: 'status', height: 1, round: 2 },
    ];
    for (const m of messages) expect(decodeMessage(encodeMessage(m))).toEqual(m);
    expect(() => decodeMessage(new Uint8Array([1, 2, 3]))).toThrow();
  });
});
