// Atomic cross-chain operations (issue 18; Y.4560 7.2.3 to 7.2.5, 10.2). docs/CROSS-CHAIN.md
// gives the format with its CBOR schema, the protocol and a worked example. In short:
//   xchain.link { chain, mode, genesis? | checkpoint?, notaries?, quorum? }   a validator links a
//       remote chain: mode "contract" keeps an on-chain light client of it (from its genesis or a
//       checkpoint); "relay" trusts one named notary's attestations; "shared" a quorum of named
//       notaries that validate both chains
//   xchain.headers { chain, updates }   anyone advances the on-chain light client (contract mode)
//   xchain.fund { amount }              anyone pays tokens into this chain's bridge reserve
//   xchain.lock { target, to, asset, deadline }   SOURCE: the party locks what moves; the
//       operation's id is this transaction's id; deadline: the source height from which it may
//       be aborted
//   xchain.commit { op, proof }   TARGET: with a proof of the lock, the asset arrives
//   xchain.refuse { op, proof }   TARGET: with a proof of the lock at a source height at or past
//       the deadline, the target refuses the operation for ever
//   xchain.finalize { id, proof } SOURCE: with a proof of the commit, the lock is spent
//   xchain.abort { id, proof }    SOURCE: with a proof of the refusal, the lock is returned
// The target writes xc/in/<id> once: committed or refused, whichever comes first. Finalize needs
// "committed", abort needs "refused": the two can never both happen.

import type { LightClientState } from '../../lightclient';

export const xchainTxTypes = [
  'xchain.link',
  'xchain.headers',
  'xchain.fund',
  'xchain.lock',
  'xchain.commit',
  'xchain.refuse',
  'xchain.finalize',
  'xchain.abort',
] as const;

export const xchainLinkPrefix = 'xc/link/';
export const xchainOutPrefix = 'xc/out/';
export const xchainInPrefix = 'xc/in/';
export const xchainGrantPrefix = 'xc/grant/';
/** The token account that holds locked amounts on the source chain. */
export const xchainEscrow = 'xchain:escrow';
/** The token account that backs amounts arriving from other chains (filled by finalized locks and xchain.fund). */
export const xchainReserve = 'xchain:reserve';

// Named limits.
/** Remote chains one chain may link. */
export const xchainLinksMax = 16;
/** Notaries a relay or shared-nodes link may name. */
export const xchainNotariesMax = 16;
/** A lock's deadline is at least this many blocks after the lock's block... */
export const xchainDeadlineBlocksMin = 2;
/** ...and at most this many. */
export const xchainDeadlineBlocksMax = 100_000;
/** Bytes of a dataset grant's sealed key (encrypted to the grantee; the chains see only this). */
export const xchainSealedBytesMax = 1024;
/** Bytes of a proven remote entry. */
export const xchainEntryBytesMax = 16 * 1024;
/** Operations locked and not yet finalized or aborted on one chain. */
export const xchainOpenOperationsMax = 10_000;

export type XchainMode = 'contract' | 'relay' | 'shared';

/** What an operation moves. */
export type XAsset =
  /** Tokens: locked in escrow on the source, paid from the reserve on the target. */
  | { kind: 'tokens'; amount: number }
  /** A record: written on the target under data/<key> (a BoT data entry). */
  | { kind: 'record'; key: string; value: unknown }
  /** A dataset grant: the dataset key sealed to the grantee (confidential), recorded on the target. */
  | { kind: 'grant'; dataset: string; grantee: string; sealed: Uint8Array };

/** One cross-chain operation, the same bytes on both chains (version 1). */
export interface XOperation {
  v: 1;
  /** The id of the source's xchain.lock transaction (64 hex digits). */
  id: string;
  /** Source and target chain ids. */
  source: string;
  target: string;
  /** The party: the same did on both chains. */
  from: string;
  /** Who receives it on the target (a did; for a grant, the grantee). */
  to: string;
  asset: XAsset;
  /** The source height from which the operation may be refused on the target and aborted. */
  deadline: number;
}

/** Evidence of a remote chain's state entry. */
export type XProof =
  /** Contract mode: a Merkle proof against the root of a header the on-chain light client verified. */
  | { height: number; entry: Uint8Array; siblings: Uint8Array[] }
  /** Relay and shared modes: notaries' signatures over the entry at a height. */
  | { height: number; entry: Uint8Array; attest: Array<{ signer: string; sig: Uint8Array }> };

export type OutStatus = 'locked' | 'finalized' | 'aborted';
export type InStatus = 'committed' | 'refused';

/** xc/out/<id> on the source. */
export interface OutRecord {
  op: XOperation;
  s: OutStatus;
  /** Height of the lock, and of the last change. */
  lh: number;
  h: number;
}

/** xc/in/<id> on the target: written once. */
export interface InRecord {
  op: XOperation;
  s: InStatus;
  h: number;
}

/** xc/link/<chain>. */
export interface LinkRecord {
  mode: XchainMode;
  /** Contract mode: the on-chain light client (worker/core/lightclient). */
  lc?: LightClientState;
  /** Relay and shared modes: who attests, and how many must. */
  notaries?: string[];
  quorum?: number;
  h: number;
}

export interface XchainState {
  readonly links: ReadonlyMap<string, LinkRecord>;
  readonly outs: ReadonlyMap<string, OutRecord>;
  readonly ins: ReadonlyMap<string, InRecord>;
  /** Locks neither finalized nor aborted. */
  readonly open: number;
}
