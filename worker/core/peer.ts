// The peer core: one pure step function over PeerInput. No I/O, clocks or randomness here.
import { botError, BotError } from './errors';
import { checkCertificateFor, type Block } from './block';
import { Mempool } from './mempool';
import { txIdOf } from './tx';
import { consensusOf, replayBlock, type ChainState } from './ledger';
import type { Engine, PeerIdentity, PeerInput, PeerState, StepResult } from './consensus/types';
import { soloEngine } from './consensus/solo';
import { bftEngine, restoreRound, type ConsensusRecord } from './consensus/bft';
import { poaEngine } from './consensus/poa';

const engines: Record<string, Engine> = { solo: soloEngine, bft: bftEngine, poa: poaEngine };

export function engineFor(name: string): Engine {
  const engine = engines[name];
  if (!engine)
    throw botError(
      'BAD_REQUEST',
      `The ${name} consensus engine is not available on this peer yet.`,
    );
  return engine;
}

/**
 * `restored`: the last `persistConsensus` record the host stored (round engines; stale ones are
 * ignored). `start`: 'resumed' (the default, and the safe one) when the peer starts again from
 * storage, so it may have signed at the height after its durable head before it stopped;
 * 'fresh' only for a chain this identity has never run (just created or joined).
 */
export function createPeer(
  self: PeerIdentity,
  chain: ChainState,
  restored?: ConsensusRecord,
  start: 'fresh' | 'resumed' = 'resumed',
): PeerState {
  engineFor(chain.genesis.consensus.engine);
  const round = restoreRound(self, chain, restored);
  const state: PeerState = {
    self,
    chain,
    mempool: new Mempool(),
    persistingHeight: null,
    engine: chain.genesis.consensus.engine,
    ...(start === 'resumed' || round ? { resumedAt: chain.height + 1 } : {}),
  };
  return round ? { ...state, round } : state;
}

export function step(state: PeerState, input: PeerInput): StepResult {
  // Governance may switch the engine from a stated height (adaptive consensus).
  const engineName = consensusOf(state.chain).engine;
  if (engineName !== state.engine) state = { ...state, engine: engineName };
  switch (input.kind) {
    case 'submit': {
      const txId = txIdOf(input.tx);
      if (!input.sigOk)
        return {
          state,
          effects: [
            {
              kind: 'txRejected',
              txId,
              error: botError(
                'BAD_SIGNATURE',
                'The signature does not match the sender and contents.',
              ),
            },
          ],
        };
      const error = state.mempool.admit(state.chain, txId, input.tx);
      if (error) return { state, effects: [{ kind: 'txRejected', txId, error }] };
      // Round engines gossip accepted transactions so that every proposer can include them; on
      // a solo chain a member's go to the one validator (its own are already where they belong).
      if (engineFor(state.engine).onMessage || state.chain.validators[0]?.did !== state.self.did)
        return {
          state,
          effects: [
            { kind: 'txAccepted', txId },
            { kind: 'broadcast', message: { type: 'tx', tx: input.tx } },
          ],
        };
      return { state, effects: [{ kind: 'txAccepted', txId }] };
    }
    case 'tick':
      return engineFor(state.engine).onTick(state, input.time);
    case 'persisted':
      if (state.persistingHeight !== input.height) return { state, effects: [] };
      return { state: { ...state, persistingHeight: null }, effects: [] };
    case 'message': {
      const engine = engineFor(state.engine);
      if (!engine.onMessage) {
        if (!input.sigOk) return { state, effects: [] };
        if (input.message.type === 'commit') return applyDecided(state, input.message.block);
        // A member's transaction reaches the solo validator's mempool (the next tick takes it).
        if (input.message.type === 'tx')
          state.mempool.admit(state.chain, txIdOf(input.message.tx), input.message.tx);
        return { state, effects: [] };
      }
      return engine.onMessage(state, input.from, input.message, input.sigOk);
    }
  }
}

/**
 * A decided block from elsewhere on a chain whose engine takes no messages (solo): a follower
 * (observer or member) applies it when it is the next height, its certificate holds a quorum
 * (signatures verified by the host: sigOk) and it re-executes to the same state root.
 */
function applyDecided(state: PeerState, block: Block): StepResult {
  if (state.persistingHeight !== null || block.header.height !== state.chain.height + 1)
    return { state, effects: [] };
  try {
    checkCertificateFor(block.header, block.cert, state.chain.validators);
    const executed = replayBlock(state.chain, block);
    state.mempool.remove(executed.txIds);
    return {
      state: { ...state, chain: executed.state, persistingHeight: block.header.height },
      effects: [
        { kind: 'persist', executed },
        {
          kind: 'committed',
          block: executed.block,
          hash: executed.hash,
          txIds: executed.txIds,
          failed: executed.failed,
        },
      ],
    };
  } catch (error) {
    if (error instanceof BotError) return { state, effects: [] };
    throw error;
  }
}
