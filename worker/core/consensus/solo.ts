// `solo`: one validator (the development chain). On a tick with waiting transactions and no
// block in flight, it executes up to blockTxCountMax of them as the next block and commits it
// with its own signature as the certificate (one validator holds all the voting power).
import { signCommit } from '../block';
import { executeBlock } from '../ledger';
import * as limits from '../limits';
import { triggerDueAfter } from '../modules/contracts';
import type { Engine, PeerEffect, PeerState, StepResult } from './types';

export const soloEngine: Engine = {
  name: 'solo',
  onTick(state: PeerState, time: number): StepResult {
    // a block is made for waiting transactions, or for a contract trigger due in it
    if (
      state.persistingHeight !== null ||
      (state.mempool.size === 0 && !triggerDueAfter(state.chain.contracts, state.chain.height))
    )
      return { state, effects: [] };
    if (state.chain.validators[0]?.did !== state.self.did) return { state, effects: [] };
    const batch = state.mempool.take(limits.blockTxCountMax);
    const executed = executeBlock(
      state.chain,
      batch.map(([, tx]) => tx),
      { time, proposer: state.self.did, round: 0 },
      false,
    );
    const { header } = executed.block;
    const cert = {
      height: header.height,
      round: 0,
      block: executed.hash,
      sigs: [
        signCommit(
          state.self.seed,
          state.self.did,
          header.chain,
          header.height,
          0,
          executed.hash,
          state.self.sign,
        ),
      ],
    };
    const block = { ...executed.block, cert };
    const done = { ...executed, block };
    const effects: PeerEffect[] = [
      { kind: 'persist', executed: done },
      {
        kind: 'committed',
        block,
        hash: executed.hash,
        txIds: executed.txIds,
        failed: executed.failed,
      },
      ...executed.rejected.map(
        (r): PeerEffect => ({ kind: 'txRejected', txId: r.txId, error: r.error! }),
      ),
    ];
    state.mempool.remove([...executed.txIds, ...executed.rejected.map((r) => r.txId)]);
    return { state: { ...state, chain: executed.state, persistingHeight: header.height }, effects };
  },
};
