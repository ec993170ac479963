// The peer core: one pure step function over PeerInput. No I/O, clocks or randomness here.
import { botError } from './errors';
import { Mempool } from './mempool';
import { txIdOf } from './tx';
import type { ChainState } from './ledger';
import type { Engine, PeerIdentity, PeerInput, PeerState, StepResult } from './consensus/types';
import { soloEngine } from './consensus/solo';

const engines: Record<string, Engine> = { solo: soloEngine };

export function engineFor(name: string): Engine {
  const engine = engines[name];
  if (!engine) throw botError('BAD_REQUEST', `The ${name} consensus engine is not available on this peer yet.`);
  return engine;
}

export function createPeer(self: PeerIdentity, chain: ChainState): PeerState {
  engineFor(chain.genesis.consensus.engine);
  return { self, chain, mempool: new Mempool(), persistingHeight: null, engine: chain.genesis.consensus.engine };
}

export function step(state: PeerState, input: PeerInput): StepResult {
  switch (input.kind) {
    case 'submit': {
      const txId = txIdOf(input.tx);
      if (!input.sigOk) return { state, effects: [{ kind: 'txRejected', txId, error: botError('BAD_SIGNATURE', 'The signature does not match the sender and contents.') }] };
      const error = state.mempool.admit(state.chain, txId, input.tx);
      if (error) return { state, effects: [{ kind: 'txRejected', txId, error }] };
      return { state, effects: [{ kind: 'txAccepted', txId }] };
    }
    case 'tick':
      return engineFor(state.engine).onTick(state, input.time);
    case 'persisted':
      if (state.persistingHeight !== input.height) return { state, effects: [] };
      return { state: { ...state, persistingHeight: null }, effects: [] };
  }
}
