// Run by record-file.browser.test.ts in a Chromium worker, as the peer's worker runs: 'write'
// makes a validator precommit block A (its record stored through IdbStorage with record files)
// and answers as soon as the record is stored; the test then terminates this worker at once (a
// crash). 'read' restarts the validator from what was stored and offers it block B in the same
// round: what it signs and sends is the answer.
import { IdbStorage } from './idb';
import { encode, decode } from '../core/codec';
import { stripUndefined } from '../host/host-state';
import { bftGenesis, put, testIdentity } from '../core/testing';
import { executeBlock, genesisState } from '../core/ledger';
import { blockHash, type Block } from '../core/block';
import { signSync } from '../core/crypto/ed25519';
import { createPeer, step } from '../core/peer';
import { proposalSigningBytes, voteSigningBytes, type Vote } from '../core/consensus/messages';
import type { PeerEffect, PeerState } from '../core/consensus/types';
import type { ConsensusRecord } from '../core/consensus/round';

const ids = [0, 1, 2, 3].map((i) => testIdentity(`record validator ${i}`));
const genesis = bftGenesis('record file test', ids);
const { state: chain } = genesisState(genesis);
const client = testIdentity('record client');
const [v0, v1, v2] = ids as [(typeof ids)[0], (typeof ids)[0], (typeof ids)[0]];

const blockOf = (value: number): Block =>
  executeBlock(
    chain,
    [put(client, chain.chainId, 1, 'k', value)],
    { time: genesis.time + 1, proposer: v1.did, round: 0 },
    false,
  ).block;
const a = blockOf(1);
const b = blockOf(2);

const proposal = (block: Block) => ({
  type: 'proposal' as const,
  height: 1,
  round: 0,
  validRound: -1,
  proposer: v1.did,
  block,
  pol: [],
  sig: signSync(v1.seed, proposalSigningBytes(chain.chainId, 1, 0, -1, blockHash(block.header))),
});
const prevote = (from: typeof v1, block: Block): Vote => ({
  type: 'prevote',
  height: 1,
  round: 0,
  block: blockHash(block.header),
  validator: from.did,
  sig: signSync(
    from.seed,
    voteSigningBytes(chain.chainId, 'prevote', 1, 0, blockHash(block.header)),
  ),
});
const feed = (state: PeerState, message: unknown) =>
  step(state, { kind: 'message', from: 'x', message, sigOk: true } as never);
/** The votes sent (type and block label) among effects. */
const sent = (effects: PeerEffect[]) =>
  effects.flatMap((e) => {
    if (e.kind !== 'broadcast' && e.kind !== 'send') return [];
    const m = e.message as { type: string; block?: Uint8Array | null };
    if (m.type !== 'prevote' && m.type !== 'precommit') return [];
    const hash = m.block ? blockHash(a.header).every((x, i) => x === m.block![i]) : null;
    return [`${m.type} ${hash === null ? 'nil' : hash ? 'A' : 'B'}`];
  });

self.addEventListener(
  'message',
  async (event: MessageEvent<{ mode: 'write' | 'read'; name: string; waitMs?: number }>) => {
    try {
      const storage = await IdbStorage.open(event.data.name, {
        recordFiles: true,
        ...(event.data.waitMs === undefined ? {} : { recordFilesWaitMs: event.data.waitMs }),
      });
      if (event.data.mode === 'write') {
        let peer = createPeer({ did: v0.did, seed: v0.seed }, chain, undefined, 'fresh');
        const effects: PeerEffect[] = [];
        for (const message of [proposal(a), prevote(v1, a), prevote(v2, a)]) {
          const out = feed(peer, message);
          peer = out.state;
          effects.push(...out.effects);
        }
        const record = effects.find((e) => e.kind === 'persistConsensus');
        if (record?.kind !== 'persistConsensus') throw new Error('no record to store');
        await storage.putConsensusRecord(chain.chainId, encode(stripUndefined(record.record)));
        postMessage({
          place: await storage.consensusRecordPlace(chain.chainId),
          signed: sent(effects),
        });
        return; // terminated by the test now, without closing anything
      }
      const bytes = await storage.getConsensusRecord(chain.chainId);
      const record = bytes ? decode<ConsensusRecord>(bytes, 1 << 20) : undefined;
      let peer = createPeer({ did: v0.did, seed: v0.seed }, chain, record);
      const resent = step(peer, { kind: 'tick', time: genesis.time + 300 } as never);
      peer = resent.state;
      const offered = feed(peer, proposal(b));
      const more = feed(offered.state, prevote(v1, b));
      postMessage({
        place: await storage.consensusRecordPlace(chain.chainId),
        restored: record !== undefined,
        resent: sent(resent.effects).sort(),
        signedForB: [...sent(offered.effects), ...sent(more.effects)],
      });
      storage.close();
    } catch (error) {
      postMessage({ error: String((error as Error)?.stack ?? error) });
    }
  },
);
