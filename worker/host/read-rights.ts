// Read rights on the chain (issue 15): who may receive what. On a private or consortium chain
// only admitted members read its payload (blocks, sync answers, gossiped transactions,
// consensus messages, device batches); anyone else in the room, such as a peer holding an
// invite and waiting for the validators' vote, gets headers and commit certificates only:
// enough to check that it joined the right chain and how far it has grown, nothing of what the
// blocks carry. Public chains and a solo development chain are readable by all.
//
// Pure functions of the chain state (the last durable state: a member removed in a block stops
// receiving once that block is stored), used on both directions of every path in the host:
// what this peer sends (sync-serving.ts, the gated net in read-gate.ts, the gossip readers of
// the net layer) and what it takes in from neighbours (mesh.ts).
import { consensusOf, type ChainState } from '../core/ledger';
import type { WireMessage } from './wire';

/** What a peer may receive: everything, or headers and certificates only. */
export type ReadRight = 'full' | 'headers';

/** Does every peer read this chain (public, or a solo chain)? */
export function openToAll(state: ChainState): boolean {
  return state.genesis.mode === 'public' || consensusOf(state).engine === 'solo';
}

/**
 * The dids that read a private or consortium chain, as its state says: validators, members,
 * registered devices and their gateways. null: the chain is open to all.
 */
export function readersOf(state: ChainState): ReadonlySet<string> | null {
  // States are immutable: the set is made once per state (every message in and out asks).
  if (readersCache.has(state)) return readersCache.get(state)!;
  const readers = collectReaders(state);
  readersCache.set(state, readers);
  return readers;
}

const readersCache = new WeakMap<ChainState, ReadonlySet<string> | null>();

function collectReaders(state: ChainState): Set<string> | null {
  if (openToAll(state)) return null;
  const out = new Set<string>(state.validators.map((v) => v.did));
  if (state.genesis.admin) out.add(state.genesis.admin);
  for (const did of state.governance?.members ?? []) out.add(did);
  for (const device of state.devices?.devices.values() ?? []) {
    out.add(device.did);
    if (device.status !== 'retired') out.add(device.gateway);
  }
  return out;
}

/** What `did` may receive from a peer of the chain in `state`. */
export function readRight(state: ChainState, did: string): ReadRight {
  const readers = readersOf(state);
  return readers === null || readers.has(did) ? 'full' : 'headers';
}

/**
 * Wire messages that carry nothing of the chain's payload: a head (height and hash), a sync
 * request, a header-only sync answer, a join request. Anything else carries payload.
 */
const headerKinds: ReadonlySet<WireMessage['kind']> = new Set([
  'head',
  'syncRequest',
  'syncHeaders',
  'join',
]);

/** May a message of `kind` go to (or be taken from) a peer with `right`? */
export function wireAllowed(kind: WireMessage['kind'], right: ReadRight): boolean {
  return right === 'full' || headerKinds.has(kind);
}

/** The whole decision, for one peer and one message kind (tests and the docs use this form). */
export function maySend(state: ChainState, did: string, kind: WireMessage['kind']): boolean {
  return wireAllowed(kind, readRight(state, did));
}
