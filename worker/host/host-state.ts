// The host's shared mutable state in one typed object: what the event loop and the services
// (submissions, inbound lanes, sync serving, mesh, chains, admission, reads, identity) read and
// move on. PeerHost owns it and hands it to each service in its dependency bag; a field lives
// here only when more than one of them uses it.
import type { SecretBox } from './keys-at-rest';
import type { BlobStore } from '../data/blob-store';
import { HeightTrace } from './height-trace';
import type { PeerState } from '../core/consensus/types';
import type { Genesis, ChainState } from '../core/ledger';
import type { Tx } from '../core/tx';
import type { BotError } from '../core/errors';
import type { InviteToken } from '../core/modules/governance';
import type { ContractRuntime } from '../core/modules/contracts';
import type { Storage } from '../store/storage';
import type { PeerNet } from '../net/types';
import type { Identity, IntegrityReport, PeerEvent, Status } from '../api';
import type { Signer, Verifier } from './crypto';
import { realClock, type Clock } from '../net/clock';
import type { Syncer } from './sync';
import type { LightUpdateLog } from './xchain';

export interface HostOptions {
  storage: Storage;
  storageKind: Status['storage'];
  verifier: Verifier;
  now: () => number;
  /** Timers and elapsed time (ticks, waits, flushes); the real clock when omitted. */
  clock?: Clock;
  /** How this peer's signer is made from its seed; default createSigner (WebCrypto or pure JS). */
  signerFor?: (seed: Uint8Array) => Promise<Signer>;
  /** The core's synchronous signer (votes, proposals); default signerFromSeed (pure JS). */
  voteSignerFor?: (seed: Uint8Array) => (message: Uint8Array) => Uint8Array;
  randomBytes: (length: number) => Uint8Array;
  emit: (event: PeerEvent) => void;
  /** Milliseconds between engine ticks when idle. */
  tickIntervalMs?: number;
  /** The network layer; without it the peer runs alone (tests, a solo dev chain). */
  net?: PeerNet;
  /** Where invite links point (e.g. the app's origin + '/'); the invite is appended as #/join/<code>. */
  inviteBase?: string;
  /** Relay URLs used when the settings name none (e.g. this origin's /signal). */
  defaultRelays?: string[];
  /** The contract sandbox; default: QuickJS in wasm, loaded once at start. null: none (contract transactions are refused). */
  contractRuntime?: ContractRuntime | null;
  /** Where dataset blobs are kept (IndexedDB in a tab, a directory on the Node peer); default memory. */
  blobs?: BlobStore;
  /**
   * Seals the identity seed and device keys at rest (a tab: a non-extractable WebCrypto key in
   * IndexedDB, keys-at-rest.ts); without it they are stored as they are (the Node peer, tests).
   */
  secretBox?: SecretBox;

  /**
   * Several chains per peer (multi-host.ts): a per-chain host of a peer gets the peer's identity
   * seed here (it stores none of its own), and the chain it runs when its store holds none yet.
   */
  identitySeed?: Uint8Array;
  startChain?: ChainRecord;
  /**
   * The light-client material this chain's host kept before it was stopped in this process (a
   * chain left keeping its data and run again, multi-host.ts): a relay still carries the headers
   * of the blocks it made durable then. Default: none yet.
   */
  lightUpdates?: LightUpdateLog;

  /** How information-server documents are fetched for traceability (tests); default HTTP(S). */
  fetchDocument?: (url: string) => Promise<Uint8Array>;
}

export interface ChainRecord {
  chainId: string;
  genesis: Genesis;
  /** Relays named by the invite this chain was joined with. */
  relays?: string[];
  /** The invite token this peer joined with: quoted when it asks the validators to admit it. */
  token?: InviteToken;
  /** This peer follows the chain as a light peer (light-host.ts): headers and proofs only. */
  light?: boolean;
}

/** What an invite link carries (canonical CBOR, base64url). */
export interface InviteContent {
  genesis: Genesis;
  relays: string[];
  /**
   * Single-use admission token: a nonce signed by the inviter. The joiner quotes it in its join
   * request; validators' peers vote it in when the signer is a validator and the chain has not
   * seen the nonce before (null: no token; admission then needs a human vote).
   */
  token: InviteToken | null;
}

/** A submission waiting to be verified; `signedHere`: signed by this peer just now. */
export interface PendingSubmission {
  tx: Tx;
  signedHere: boolean;
  /** Signed here and not yet in the outbox: stored there before the core takes it (outbox.ts). */
  keep: boolean;
  done: (refusal: BotError | null) => void;
  /** It could not be taken (its outbox write failed: the peer stops). */
  fail: (error: BotError) => void;
}

export class HostState {
  peer!: PeerState;
  signer!: Signer;
  identityView!: Identity;
  seed!: Uint8Array;
  /** Verified header hashes by height: reads are checked against them. */
  hashes: Uint8Array[] = [];
  integrityReport!: IntegrityReport;
  /** The chain state as of the last durable block: what reads answer from. */
  durable!: ChainState;
  /** Submissions waiting to be verified (not verified again when signed here). */
  pendingSubmissions: PendingSubmission[] = [];
  /** The highest nonce this peer signed (a rejected own transaction lowers it). */
  nonceNext = 0;
  stopped = false;
  /** Why the peer stopped itself (a broken invariant or a failed write); null while healthy. */
  fault: string | null = null;
  contractRuntime: ContractRuntime | undefined;
  chainRecord!: ChainRecord;
  /** The validator set the network was last told about (space-joined dids). */
  validatorKey = '';
  neighbours: string[] = [];
  syncer!: Syncer;
  /**
   * Headers verified beyond the durable state (their certificates checked), from header-only
   * sync answers: what a peer waiting for admission to a private or consortium chain holds.
   */
  headerTip: { chainId: string; height: number; hash: Uint8Array } | null = null;
  /** The write of blocks whose results were already told (round engines); reads wait for it. */
  announcedWrite: Promise<void> = Promise.resolve();
  /** When each step of the recent heights happened here (bench:mesh reads it). */
  readonly trace = new HeightTrace();
}

/** The host's clock: the one injected, or the real one. */
export function clockOf(options: HostOptions): Clock {
  return options.clock ?? realClock;
}

/** Canonical CBOR has no `undefined`: drop such fields before encoding a host record. */
export function stripUndefined<T>(value: T): T {
  if (Array.isArray(value)) return value.map(stripUndefined) as T;
  if (value instanceof Uint8Array || value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = stripUndefined(v);
  return out as T;
}
