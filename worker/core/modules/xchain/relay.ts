// What a relay does next, as a pure function of what it reads from two chains (issue 18). A relay
// holds nothing of its own: after a crash it reads both chains again and carries on, so its
// crash can only delay an operation. It is not trusted either: every proof it carries is checked
// on chain (contract mode by the on-chain light client; relay and shared modes by the notaries'
// signatures, which the relay obtains through `attest`). worker/host/xchain.ts runs it between
// two peers; the two-chain simulator tests run it under crashes and forgeries.
import type { HeaderUpdate } from '../../lightclient';
import { lightClientUpdatesMax } from '../../lightclient';
import { encode } from '../../codec';
import {
  xchainInPrefix,
  xchainOutPrefix,
  type InRecord,
  type LinkRecord,
  type OutRecord,
  type XProof,
} from './types';

/** Bytes of header updates one xchain.headers transaction carries (under limits.txBodyBytesMax). */
export const relayHeadersBytesMax = 9 * 1024;

/** What the relay reads of one chain (a peer's committed state and blocks). */
export interface RelayChainView {
  readonly chainId: string;
  /** The newest committed height. */
  readonly height: number;
  /** Header, certificate and proven next validator set of a committed block. */
  update(height: number): HeaderUpdate;
  /** A state entry after block `height` and its Merkle proof, or null when absent. */
  prove(height: number, key: string): { entry: Uint8Array; siblings: Uint8Array[] } | null;
  /** This chain's link to `remote`, as of the newest block. */
  link(remote: string): LinkRecord | undefined;
  /** Locks of this chain neither finalized nor aborted. */
  openLocks(): OutRecord[];
  /** This chain's record of an incoming operation. */
  incoming(id: string): InRecord | undefined;
}

/** A transaction the relay (or any party) should send to `chain`, in order. */
export interface RelayIntent {
  chain: string;
  type: string;
  body: unknown;
  /** The operation it moves (absent for header updates). */
  op?: string;
}

/** Notary signatures over an entry (relay and shared modes); null when this relay is no notary. */
export type Attest = (
  chain: string,
  height: number,
  key: string,
  entry: Uint8Array,
) => Array<{ signer: string; sig: Uint8Array }> | null;

/** Header updates bringing `target`'s light client of `source` up to at most `upTo`. */
function headerIntents(
  source: RelayChainView,
  target: RelayChainView,
  link: LinkRecord,
  upTo: number,
): { intents: RelayIntent[]; height: number } {
  const from = link.lc!.height;
  const intents: RelayIntent[] = [];
  let height = from;
  while (height < upTo) {
    const updates: HeaderUpdate[] = [];
    // encode(updates).length, summed: a CBOR array of fewer than 24 items is one header byte
    // and its items' encodings (lightClientUpdatesMax is 16); each update encoded once
    let bytes = 1;
    while (height < upTo && updates.length < lightClientUpdatesMax) {
      const update = source.update(height + 1);
      const size = encode(update).length;
      if (updates.length > 0 && bytes + size > relayHeadersBytesMax) break;
      updates.push(update);
      bytes += size;
      height++;
    }
    intents.push({
      chain: target.chainId,
      type: 'xchain.headers',
      body: { chain: source.chainId, updates },
    });
  }
  return { intents, height };
}

/**
 * The proof of `key` on `source` for `target` at a height of at least `atLeast`: for contract
 * mode with the header updates it needs first. Null when it cannot be given yet (the source has
 * not reached that height, the entry is absent, or this relay cannot attest).
 */
function proofFor(
  source: RelayChainView,
  target: RelayChainView,
  key: string,
  atLeast: number,
  attest: Attest,
): { before: RelayIntent[]; proof: XProof } | null {
  const link = target.link(source.chainId);
  if (!link || source.height < atLeast) return null;
  if (link.mode === 'contract') {
    // Prove at the light client's height when it is recent enough and the source can prove
    // there; else bring the light client to the source's newest height and prove there.
    const lcHeight = link.lc!.height;
    const there = lcHeight >= atLeast ? source.prove(lcHeight, key) : null;
    if (there)
      return {
        before: [],
        proof: { height: lcHeight, entry: there.entry, siblings: there.siblings },
      };
    if (source.height <= lcHeight) return null;
    const { intents, height } = headerIntents(source, target, link, source.height);
    const proven = source.prove(height, key);
    if (!proven) return null;
    return { before: intents, proof: { height, entry: proven.entry, siblings: proven.siblings } };
  }
  const proven = source.prove(source.height, key);
  if (!proven) return null;
  const signatures = attest(source.chainId, source.height, key, proven.entry);
  if (!signatures) return null;
  return { before: [], proof: { height: source.height, entry: proven.entry, attest: signatures } };
}

/**
 * The next transactions for every open operation from `source` to `target`: commit (before the
 * deadline) or refuse (at or after it) on the target, then finalize or abort on the source.
 */
export function planRelay(
  source: RelayChainView,
  target: RelayChainView,
  attest: Attest = () => null,
): RelayIntent[] {
  const intents: RelayIntent[] = [];
  const headersSent = new Set<string>();
  // Header updates for a chain are planned once per call (a second operation proves at the same height).
  const push = (list: RelayIntent[]) => {
    for (const intent of list) if (!headersSent.has(intent.chain)) intents.push(intent);
    for (const intent of list) headersSent.add(intent.chain);
  };
  for (const record of source.openLocks()) {
    const { op } = record;
    if (op.target !== target.chainId) continue;
    const incoming = target.incoming(op.id);
    if (!incoming) {
      const refuse = source.height >= op.deadline;
      const found = proofFor(
        source,
        target,
        xchainOutPrefix + op.id,
        refuse ? op.deadline : record.lh,
        attest,
      );
      if (!found) continue;
      push(found.before);
      intents.push({
        chain: target.chainId,
        type: refuse ? 'xchain.refuse' : 'xchain.commit',
        body: { op, proof: found.proof },
        op: op.id,
      });
      continue;
    }
    const found = proofFor(target, source, xchainInPrefix + op.id, incoming.h, attest);
    if (!found) continue;
    push(found.before);
    intents.push({
      chain: source.chainId,
      type: incoming.s === 'committed' ? 'xchain.finalize' : 'xchain.abort',
      body: { id: op.id, proof: found.proof },
      op: op.id,
    });
  }
  return intents;
}

/**
 * The same steps with each header update that comes just before a step on the same chain carried
 * inside that step (`headers`), when the step stays under relayHeadersBytesMax more: one
 * transaction, so one block, instead of two.
 */
export function mergeHeaders(intents: RelayIntent[]): RelayIntent[] {
  const out: RelayIntent[] = [];
  for (let i = 0; i < intents.length; i++) {
    const intent = intents[i]!;
    const next = intents[i + 1];
    if (intent.type === 'xchain.headers' && next?.op && next.chain === intent.chain) {
      const updates = (intent.body as { updates: HeaderUpdate[] }).updates;
      const body = { ...(next.body as Record<string, unknown>), headers: updates };
      if (encode(body).length <= relayHeadersBytesMax + 2048) {
        out.push({ ...next, body });
        i++;
        continue;
      }
    }
    out.push(intent);
  }
  return out;
}
