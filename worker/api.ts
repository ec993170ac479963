// The dApp API (window.bot in the page; the HTTP API mirrors it). Types only: the app imports
// nothing else from worker/ except the pure proof checker. Bytes travel as lowercase hex so
// the same shapes work over JSON.
import type { ErrorCode } from './core/errors';
import type { AuditExport, AuditVerdict } from './core/audit';
import type { AbsenceProofView, StateProofView } from './api-common';
import type {
  DeviceAccessEventView,
  DeviceAccessPolicy,
  DeviceAccessView,
  DeviceBatchView,
  DeviceBlockView,
  DeviceMessageView,
  DeviceNotice,
  DeviceReadingView,
  DeviceValue,
  DeviceView,
  RegisterDeviceRequest,
} from './api-devices';
import type { DatasetMethods, DatasetProgress } from './api-datasets';
import { datasetMethodNames } from './api-datasets';
import type { AnalyticsMethods } from './api-analytics';
import { analyticsMethodNames } from './api-analytics';
import type { TokenMethods } from './api-tokens';
import { tokenMethodNames } from './api-tokens';
import type { ItsMethods } from './api-its';
import { itsMethodNames } from './api-its';
import type { TraceMethods } from './api-trace';
import { traceMethodNames } from './api-trace';
import type { XchainMethods } from './api-xchain';
import type { ChainsMethods } from './api-chains';
import { chainsMethodNames } from './api-chains';
import { xchainMethodNames } from './api-xchain';

import type { MarketMethods } from './api-market';
import type { StakingMethods } from './api-staking';
import { stakingMethodNames } from './api-staking';
import type { ServicesMethods } from './api-services';
import type { ReorderMethods } from './api-reorder';
import { reorderMethodNames } from './api-reorder';
import { servicesMethodNames } from './api-services';
import { marketMethodNames } from './api-market';
import type { MultisigMethods } from './api-multisig';
import { multisigMethodNames } from './api-multisig';
import type { ValidationMethods, VersionValidationView } from './api-validation';
import { validationMethodNames } from './api-validation';

import type { NotifyMethods, NotificationView } from './api-notify';
import type { LifecycleMethods, ContractVersionView } from './api-lifecycle';
import { lifecycleMethodNames } from './api-lifecycle';
import { notifyMethodNames } from './api-notify';

// Each capability's view types and methods live in their own file (api-<name>.ts); PeerMethods
// extends them and this module re-exports them, so the app keeps importing from worker/api.
export * from './api-common';
export * from './api-datasets';
export * from './api-analytics';
export * from './api-tokens';
export * from './api-its';
export * from './api-trace';
export * from './api-xchain';
export * from './api-chains';

export * from './api-market';
export * from './api-staking';
export * from './api-services';
export * from './api-reorder';
export * from './api-multisig';
export * from './api-validation';

export * from './api-notify';
export * from './api-lifecycle';

export interface ApiError {
  code: ErrorCode;
  message: string;
}

export interface IntegrityReport {
  ok: boolean;
  /** Highest height whose block, certificate and links were verified. */
  verifiedHeight: number;
  stateVerified: boolean;
  problems: Array<{ height: number | null; message: string }>;
  checkedAt: number;
  /** Set once `repair()` ran: where the damaged store was set aside (it is kept), and when. */
  repaired?: { movedTo: string; at: number };
}

/** What `repair()` did: the damaged store was set aside and the chain is re-syncing from peers. */
export interface RepairResult {
  movedTo: string;
  /** Status right after the repair started (height 0; `syncing` follows as blocks arrive). */
  status: Status;
}

export interface Status {
  chainId: string;
  chainName: string;
  height: number;
  headHash: string;
  peers: number;
  role: 'validator' | 'member' | 'observer';
  mode: 'private' | 'consortium' | 'public';
  consensus: string;
  syncing: boolean;
  mempool: number;
  integrity: IntegrityReport;
  storage: 'indexeddb' | 'memory' | 'disk';
  /** How signatures are checked: the backend, and how many verifier threads beside the peer's (0: on its own thread). */
  verifier: { backend: 'webcrypto' | 'noble'; threads: number };
  /**
   * May this peer write? 'admitted': a validator or member, or the chain is public. 'waiting': a
   * private or consortium chain whose validators have not (yet) voted this peer in; its
   * transactions are refused with NOT_MEMBER until they do.
   */
  admission: 'admitted' | 'waiting';
  /**
   * The height up to which this peer holds verified headers and certificates: its height, or
   * more while it waits for admission to a private or consortium chain (members serve it headers
   * only until the validators admit it).
   */
  headerHeight: number;
  /**
   * Read rights: 'full' when this peer reads the chain's blocks and values (a public or solo
   * chain, or a member), 'headers' when it gets headers only; `get` then fails with NOT_MEMBER.
   */
  readAccess: 'full' | 'headers';
  /** Messages refused by read rights: payload not sent to non-members, and not taken from them. */
  readRefusals: { sent: number; taken: number };
  /**
   * Present when this peer follows the chain as a light peer (joined with { light: true },
   * issue 19): it holds headers and certificates it verified up to `verifiedHeight` (the status
   * height), no ledger, and `storedBytes` of light-client state; reads come with proofs.
   */
  light?: { verifiedHeight: number; storedBytes: number };
}

export interface JoinOptions {
  /**
   * Join as a light peer (issue 19): follow headers and certificates only, read with proofs,
   * submit through full peers; for phones. Kept across restarts. Default false (a full peer).
   */
  light?: boolean;
}

export interface Identity {
  did: string;
  publicKey: string;
}

export interface TxResult {
  status: 'committed' | 'rejected';
  height?: number;
  error?: ApiError;
}

export interface HeaderView {
  chain: string;
  height: number;
  prev: string;
  txRoot: string;
  stateRoot: string;
  time: number;
  proposer: string;
  round: number;
}

export interface BlockView {
  hash: string;
  header: HeaderView;
  txIds: string[];
  txs: Array<{
    txId: string;
    type: string;
    from: string;
    nonce: number;
    time: number;
    body: unknown;
  }>;
  /** The commit certificate: validators' Ed25519 signatures (hex) over commitSigningBytes of this block. */
  cert: {
    round: number;
    signers: string[];
    sigs: Array<{ validator: string; sig: string }>;
  } | null;
}

export interface GetResult {
  value: unknown;
  deleted: boolean;
  /** Height of the block that wrote this version. */
  height: number;
  txId: string;
  proof: StateProofView;
  /**
   * D-9.4: the verdict on this version, on a chain that tracks validation (a regulator named or
   * policy data.validationRequired); absent on others. `pending`: waiting for a regulator (with
   * the policy on, a version written before tracking began is pending too).
   */
  validation?: { status: 'pending' | 'valid' | 'refused'; required: boolean; reason?: string };
  /** Present when the value was written sealed under a read role (issue 15): see SealedView. */
  sealed?: SealedView;
}

/**
 * A value sealed for the holders of a read role (issue 15). `opened`: this peer's identity is
 * among `readers` and the value was opened (then `value` holds it); otherwise `value` is null and
 * `reason` says why it stays sealed here.
 */
export interface SealedView {
  /** The read role that covers the key now (null: none any more). */
  role: string | null;
  /**
   * The dids that hold a wrap of the value's content key: those it was sealed for when it was
   * written, then the holders granted later that a holder shared it with (data.share).
   */
  readers: string[];
  opened: boolean;
  reason?: string;
  /**
   * Holders of the role with a published X25519 key that cannot read this value yet (granted
   * after it was written): a holder that can open it shares it with them (shareSealed).
   */
  waiting?: string[];
}

/** What shareSealed sent. */
export interface ShareSealedResult {
  /** Values the data.share it sent carries wraps for (0: none this peer can share now). */
  shared: number;
  /** Values still waiting for a share from this peer (sent in the next batches). */
  waiting: number;
  /** The data.share transaction, when one was sent. */
  txId?: string;
}

/** A chain this peer holds. */
export interface ChainSummary {
  chainId: string;
  name: string;
  mode: Status['mode'];
  consensus: string;
  height: number;
  active: boolean;
  role: Status['role'];
  /**
   * Several chains per peer (issue 18): whether this peer runs the chain now (consensus, sync and
   * storage; every call may name it with a chain id), its neighbours and whether it is catching up.
   * A held chain that does not run (an older chain of the first slot) has running false.
   */
  running?: boolean;
  /** This peer left the chain keeping its data (leaveChain): useChain runs it again. */
  left?: boolean;
  /** The chain of the peer's first slot (with its identity and settings): it cannot be left. */
  first?: boolean;
  /** This peer follows the chain as a light peer (headers and proofs only). */
  light?: boolean;
  peers?: number;
  syncing?: boolean;
  /** Why this chain's host stopped itself (a failed write, a broken invariant); null while healthy. */
  fault?: string | null;
}

/** What an invite link offers (inviteInfo), after its signature was checked. */
export interface InviteInfo {
  chainId: string;
  name: string;
  mode: Status['mode'];
  consensus: string;
  /** The chain's validators at its start (did:key). */
  validators: string[];
  /** When the chain was made (ms since 1970, from its genesis). */
  createdAt: number;
  /** Who signed the invite (did:key); null: the link carries no token. */
  inviter: string | null;
  /** The inviter is one of the validators named at the chain's start. */
  inviterIsValidator: boolean;
  /**
   * How a joiner gets to write: 'open' (a public chain), 'vote' (the validators vote the joiner
   * in, automatically for a genuine token), 'manual' (no token: a validator proposes by hand).
   */
  admission: 'open' | 'vote' | 'manual';
  relays: string[];
  /** This peer holds the chain already / it is the active chain / this peer is a validator. */
  held: boolean;
  active: boolean;
  validatorHere: boolean;
}

export interface CreateChainRequest {
  name: string;
  mode: 'private' | 'consortium' | 'public';
  consensus: 'solo' | 'poa' | 'bft';
  /** did:key of each validator (equal power); default: this peer alone. */
  validators?: string[];
  /** Round engines: base timeout in ms. */
  timeoutMs?: number;
  /** Round engines: how long a round without transactions waits before an empty block (ms). */
  emptyBlockIntervalMs?: number;
  /** A native token (issue 16): its symbol and genesis balances; absent, the chain has none. */
  tokens?: {
    symbol: string;
    allocations: Array<{ did: string; amount: number }>;
    fee?: number;
    minter?: string;
    supplyMax?: number;
  };
  /**
   * A private chain's administrator (did:key; e.g. this peer): it alone sets the chain's roles
   * and policies (admin.set). Absent: the validators' votes set them.
   */
  admin?: string;
  /** Road conditions (issue 20): the consortium's ITS providers (did:key) and the reward per agreeing observation. */
  its?: {
    providers: string[];
    windowMs?: number;
    reward?: number;
    corroborationMin?: number;
    /**
     * The trust contract whose plausibility and corroboration verdicts count. "its-trust": this
     * peer (a provider) deploys the bundled source under that name right after creating the chain.
     */
    contract?: string;
  };

  /**
   * A public chain's validators by stake (issue 16; needs `tokens`): the settings of
   * worker/core/modules/staking, and `bond`, each genesis validator's bond and power (default:
   * minBond), created into the stake pool at genesis.
   */
  staking?: {
    minBond: number;
    unbondingBlocks: number;
    maxValidators: number;
    slashPercent: number;
    epochBlocks: number;
    bond?: number;
  };

  /** Multi-signature permission: k of the signers approve each transaction of the listed types. */
  multisig?: {
    signers: string[];
    k: number;
    types: Array<{ type: string; amountOver?: number }>;
  };
}

/** One neighbour in the mesh, as this peer sees it. */
export interface NeighbourView {
  did: string;
  validator: boolean;
  /**
   * A ring neighbour (worker/net/overlay.ts): a link kept for the overlay's connectivity, on
   * top of linksMax.
   */
  ring: boolean;
  state: 'connecting' | 'open' | 'closed';
  /** Smoothed round trip of the data channel, ms; null until measured. */
  rttMs: number | null;
  /** How the link was signaled: 'broadcast-channel' | 'relay' | 'peer'. */
  via: string;
  height: number | null;
}

export interface NetworkView {
  did: string;
  room: string | null;
  neighbours: NeighbourView[];
  relays: Array<{ url: string; state: 'connecting' | 'open' | 'closed' | 'failed' }>;
  /** 'blocked': RTCPeerConnection is missing or failed to gather candidates. */
  webrtc: 'ok' | 'blocked' | 'unknown';
  /** Human-readable notice when the peer cannot reach anybody (shown in the UI). */
  notice: string | null;
}

export interface Settings {
  relays: string[];
  iceServers: Array<{ urls: string | string[]; username?: string; credential?: string }>;
  /**
   * Bytes of dataset blobs (sealed chunks and manifests) this peer keeps at most; absent: the
   * default (2 GiB). Past it, sealing or holding more is refused with QUOTA.
   */
  blobQuotaBytes?: number;
  /**
   * Links this peer keeps to peers other than its fellow validators (the overlay, issue 19);
   * absent: 12. From 2 to 64; taken when the network next starts (opening a chain, a reload).
   */
  linksMax?: number;
}

export interface ProposalView {
  id: string;
  change: unknown;
  height: number;
  approvals: string[];
  passed: number;
  applied: boolean;
  /** A join quoting an invite: who issued the invite (validators vote for it automatically when its signature holds). */
  invite?: { issuer: string };
}

/** How a role, policy, member or multisig rule change goes (setRole, setPolicy, ...). */
export interface RightsChangeResult {
  txId: string;
  via: 'admin' | 'vote' | 'approvals';
  /** via 'approvals': the signatures it needs in all (this peer's counts). */
  approvalsNeeded?: number;
}

export interface GovernanceView {
  validators: Array<{ did: string; power: number }>;
  members: string[];
  proposals: ProposalView[];
  /** Validators proven to have signed conflicting votes, with the height of the evidence. */
  offenders: Array<{ did: string; height: number }>;
  engine: string;
  /** Who sets roles and policies: the administrator, the validators' votes, or none (public). */
  rightsBy?: 'admin' | 'votes' | 'none';
  /** A private chain's administrator (genesis), or null. */
  admin?: string | null;
  /**
   * Who administers a private chain now: the genesis administrator, or the signers of a
   * multisig rule holding admin.set (then `adminApprovals` of them approve each change). [] when
   * the chain has no administrator.
   */
  admins?: string[];
  adminApprovals?: number;
  /** Roles set (a role not listed is open to all members). */
  roles?: Array<{ role: string; dids: string[] }>;
  /** Policies in force; `enforced`: the chain checks it in every block. */
  policies?: Array<{ name: string; value: string | number | boolean; enforced: boolean }>;
}

// ---- devices (issue 6): worker/api-devices.ts ----
export * from './api-devices';

// ---- contracts (R-7.2.1, R-7.2.2-c) ----
export interface ContractView {
  name: string;
  owner: string;
  methods: string[];
  height: number;
  txId: string;
  codeBytes: number;
  /** 1 at deploy, + 1 at each upgrade (worker/api-lifecycle.ts). */
  version: number;
  /** Retired: it takes no calls; its code, state and calls stay readable. */
  retired: { height: number; by: string; note: string; txId: string } | null;
}

export interface ContractCallView {
  txId: string;
  height: number;
  caller: string;
  /** The caller called as a registered device (signed with the device key by its gateway). */
  device: boolean;
  method: string;
  /** A trigger's run (worker/api-lifecycle.ts): the trigger's id; `caller` scheduled it. */
  trigger?: string;
  result: unknown;
  events: unknown[];
}

export interface ContractDetailView extends ContractView {
  code: string;
  /** Every version, oldest first. */
  versions: ContractVersionView[];
  /** The contract's own state, key order. */
  state: Array<{ key: string; value: unknown }>;
  /** Committed calls, oldest first (at most contractListedMax, newest kept). */
  calls: ContractCallView[];
}

/**
 * A peer event. `chain`: the chain it is about, when the peer runs several (issue 18); events of
 * the whole peer (slot) carry none.
 */
export type PeerEvent = PeerEventBody & { chain?: string };

export type PeerEventBody =
  | { type: 'block'; height: number; hash: string; txCount: number; time: number }
  | { type: 'network'; network: NetworkView }
  | { type: 'chain'; chainId: string }
  | { type: 'tx'; txId: string; result: TxResult }
  | { type: 'peer'; peers: number }
  | { type: 'sync'; syncing: boolean; height: number; target: number }
  | { type: 'status'; status: Status }
  | { type: 'log'; entry: LogEntry }
  | { type: 'slot'; slot: number }
  | { type: 'device'; notice: DeviceNotice }
  | { type: 'dataset'; progress: DatasetProgress }
  /** A committed block with ITS observations or settlements: the segments whose road state it may have changed. */
  | { type: 'its'; height: number; segments: string[] }
  /** A notification of a committed block (Y.4464 clause 10), with the subscriptions it matches. */
  | ({ type: 'notification'; subscriptions: string[] } & NotificationView);

export interface LogEntry {
  time: number;
  level: 'info' | 'warn' | 'error';
  message: string;
}

/** Methods of the peer, as the page calls them. */
export interface PeerMethods
  extends DatasetMethods,
    AnalyticsMethods,
    TokenMethods,
    TraceMethods,
    XchainMethods,
    ChainsMethods,
    ItsMethods,
    MarketMethods,
    StakingMethods,
    ServicesMethods,
    ReorderMethods,
    MultisigMethods,
    ValidationMethods,
    NotifyMethods,
    LifecycleMethods {
  ready(): Promise<Status>;
  identity(): Promise<Identity>;
  status(): Promise<Status>;
  submit(request: { type: string; body: unknown }): Promise<{ txId: string }>;
  /**
   * A transaction signed elsewhere, in its canonical encoding. Resolves once the peer took it
   * (pending); throws at once what it can tell at once: MALFORMED, BAD_SIGNATURE, WRONG_CHAIN,
   * NONCE_REPLAYED, NONCE_GAP, MEMPOOL_FULL, NOT_MEMBER. A refused copy never changes the
   * result of the transaction with the same id (a committed result is final).
   */
  submitRaw(bytes: Uint8Array): Promise<{ txId: string }>;
  waitFor(txId: string, options?: { timeoutMs?: number }): Promise<TxResult>;
  /** The operation log as a hash chain with signed base and head checkpoints (D-8-audit). */
  exportAuditLog(): Promise<AuditExport & { persisted: boolean }>;
  /** Check an exported audit log (pure; core/audit.ts verifyAuditLog works offline too). `anchor`: a head kept from an earlier export. */
  verifyAuditLog(
    log: AuditExport,
    options?: { anchor?: { seq: number; hash: string } },
  ): Promise<AuditVerdict>;
  block(height: number): Promise<BlockView | null>;
  get(key: string): Promise<GetResult | null>;
  /**
   * The proof that nothing is stored under `key` (issue 19): checked in the page with
   * bot.verifyAbsenceProof. null when the key has a value (get gives it with its inclusion proof).
   */
  absenceProof(key: string): Promise<AbsenceProofView | null>;
  /**
   * Share the sealed values this peer can open with the holders of their read role granted
   * after they were written (issue 15, data.share): one batch of at most sealedSharesPerTxMax
   * values at once; the rest follows in the background, one batch per block. `prefix` narrows
   * it to keys that start with it.
   */
  shareSealed(prefix?: string): Promise<ShareSealedResult>;
  history(key: string): Promise<
    Array<{
      height: number;
      value: unknown;
      deleted: boolean;
      txId: string;
      /** D-9.4: the version's verdicts and the refused version it answers (tracked chains). */
      validation?: VersionValidationView;
      /** A version written sealed under a read role (issue 15). */
      sealed?: SealedView;
    }>
  >;
  integrity(): Promise<IntegrityReport>;
  /**
   * When the tamper check failed: set the damaged store aside (kept, never deleted; identity,
   * chains and settings stay) and re-sync the active chain from peers. Progress: `sync` events
   * and status.height. Refused (BAD_REQUEST) when the check passed.
   */
  repair(): Promise<RepairResult>;
  log(): Promise<LogEntry[]>;

  // ---- chains and network (issue 4) ----
  /** Create a chain with this peer in it and make it active; returns an invite link. */
  createChain(request: CreateChainRequest): Promise<{ chainId: string; invite: string }>;
  /** Join the chain of an invite link, make it active and start syncing. */
  join(invite: string, options?: JoinOptions): Promise<{ chainId: string }>;
  /** An invite link for the active chain. */
  invite(): Promise<string>;
  /**
   * What an invite link offers (chain, mode, engine, validators, who invited), without joining.
   * A link whose signature does not hold is refused (BAD_SIGNATURE), a damaged one (MALFORMED).
   */
  inviteInfo(invite: string): Promise<InviteInfo>;
  chains(): Promise<ChainSummary[]>;
  /** Make another held chain active. */
  useChain(chainId: string): Promise<Status>;
  network(): Promise<NetworkView>;
  settings(): Promise<Settings>;
  setSettings(patch: Partial<Settings>): Promise<Settings>;

  // ---- governance and identity (issue 5) ----
  governance(): Promise<GovernanceView>;
  /** The identity seed encrypted under a passphrase (scrypt + AES-GCM), as a JSON string. */
  exportIdentity(passphrase: string): Promise<string>;
  importIdentity(backup: string, passphrase: string): Promise<Identity>;
  /** Wipe this peer slot (identity, chains, settings). The page reloads the worker after it. */
  reset(): Promise<void>;

  // ---- devices (issue 6) ----
  /** Devices registered on the active chain (discovery), newest registrations last. */
  devices(): Promise<DeviceView[]>;
  /** Make a key pair for a device, keep it on this peer (the gateway) and register the device. */
  registerDevice(request: RegisterDeviceRequest): Promise<{ did: string; txId: string }>;
  setDeviceStatus(
    device: string,
    status: DeviceView['status'],
    message?: string | null,
  ): Promise<{ txId: string }>;
  /** The owner sets who may read the device. */
  setDevicePolicy(device: string, policy: DeviceAccessPolicy): Promise<{ txId: string }>;
  /** A reading signed with the device's key (held here); `at` defaults to now. */
  deviceReading(
    device: string,
    reading: { values: Record<string, DeviceValue>; at?: number },
  ): Promise<{ txId: string }>;
  /**
   * High rates: the samples stay off chain; the chain gets their SHA-256 and the last sample.
   * The batch becomes the next version of the device's dataset (`dataset`, owned by this
   * gateway, sealed and replicated like any dataset; read by others through dataset grants, an
   * aggregate view included), so a batch whose fingerprint is on chain is never dropped.
   */
  deviceReadingBatch(
    device: string,
    samples: Array<{ values: Record<string, DeviceValue>; at: number }>,
  ): Promise<{ txId: string; digest: string; dataset: string; version: number }>;
  /** Committed readings of a device, oldest first (at most `limit`, newest kept). */
  deviceReadings(device: string, options?: { limit?: number }): Promise<DeviceReadingView[]>;
  /** A service on this peer asks to read a device; its policy or owner decides. */
  requestDeviceAccess(
    device: string,
    request: { service: string; purpose?: string },
  ): Promise<{ txId: string }>;
  decideDeviceAccess(request: string, grant: boolean): Promise<{ txId: string }>;
  /** Who asked for the device and who was granted or denied, when; plus the open requests. */
  deviceAccessLog(
    device: string,
  ): Promise<{ events: DeviceAccessEventView[]; open: DeviceAccessView[] }>;
  /**
   * Read an off-chain batch from the device's gateway over the mesh. The gateway serves it only if
   * the chain lets this peer read the device (owner, gateway, or a granted, unrevoked request);
   * the samples are checked against the fingerprint on chain before they are returned.
   */
  readDeviceBatch(device: string, digest: string): Promise<DeviceBatchView>;

  // ---- contracts ----
  /** Deploy JavaScript: top-level functions (not starting with "_") are its methods, called as f(ctx, args). */
  deployContract(request: { name: string; code: string }): Promise<{ txId: string }>;
  /** Call a method as this peer; `pay` tokens go into the contract's account with the call. */
  callContract(
    contract: string,
    method: string,
    args?: unknown,
    options?: { pay?: number },
  ): Promise<{ txId: string }>;
  /**
   * Call a method as a device this peer is the gateway of (signed with the device key); `pay`
   * comes from the device's account, within its spending rule.
   */
  deviceCallContract(
    device: string,
    contract: string,
    method: string,
    args?: unknown,
    options?: { pay?: number },
  ): Promise<{ txId: string }>;
  /**
   * A device this peer is the gateway of sends a message to another device through the chain
   * (signed with the sender's key). The recipient's access records decide: its owner's own
   * devices, an open or list policy naming the sender or its owner, or a granted request.
   */
  sendDeviceMessage(from: string, to: string, body: unknown): Promise<{ txId: string }>;
  /** Committed messages to a device, oldest first (at most `limit`, newest kept). */
  deviceMessages(device: string, options?: { limit?: number }): Promise<DeviceMessageView[]>;

  // ---- gateways against hijacked devices (issue 17, Y.4464 II.2) ----
  /**
   * This gateway reports a device it sees attacking (device.report). Reports of distinct
   * gateways reaching devices.blockThreshold block it: every gateway refuses its traffic
   * (UNAUTHORIZED) and no block holds its transactions. A gateway reports a flood on its own
   * (policy devices.messagesPerMinuteMax). UNAUTHORIZED when this peer is no gateway.
   */
  reportDevice(device: string, reason: string): Promise<{ txId: string }>;
  /** The device's gateway or owner lifts its block once it is fixed (device.unblock). */
  unblockDevice(device: string, note: string): Promise<{ txId: string }>;
  /** Devices with reports against them, blocked or not yet. */
  blockedDevices(): Promise<DeviceBlockView[]>;

  // ---- roles and policies (issues 15, 17) ----
  // Each change returns how it goes: `via` 'admin' (admin.set, in force once committed), 'vote'
  // (a member.propose the validators vote on) or 'approvals' (the chain's multisig rule holds it:
  // proposed with multisig.propose, this peer's approval counts, `approvalsNeeded` in all).
  /**
   * Name who holds a role ("deploy", "transact", "transact:<type or module>", "read:<prefix>"),
   * or open it to all again (null): admin.set on a private chain with an administrator, else a
   * proposal for the validators' votes. BAD_REQUEST on a public chain.
   */
  setRole(role: string, dids: string[] | null): Promise<RightsChangeResult>;
  /** Set a policy (gov/policy/<name>) the same way; see docs/API.md for the enforced ones. */
  setPolicy(name: string, value: string | number | boolean): Promise<RightsChangeResult>;
  /**
   * Admit (true) or remove (false) a member: admin.set on a private chain with an administrator
   * (no vote; with k of n administrators, held for their approvals), else a proposal.
   */
  setMember(did: string, member: boolean): Promise<RightsChangeResult>;
  /**
   * Set the chain's multi-signature rule (k of the signers approve each transaction of the
   * listed types), or drop it (null): admin.set on a private chain, else a proposal.
   */
  setMultisigRule(
    policy: {
      signers: string[];
      k: number;
      types: Array<{ type: string; amountOver?: number }>;
    } | null,
  ): Promise<RightsChangeResult>;
  contracts(): Promise<ContractView[]>;
  contract(name: string): Promise<ContractDetailView | null>;
}

export type MethodName = keyof PeerMethods;

/** Every method the worker answers (the page client and the HTTP API are built from this list). */
export const methodNames = [
  'ready',
  'identity',
  'status',
  'submit',
  'submitRaw',
  'waitFor',
  'block',
  'get',
  'absenceProof',
  'shareSealed',
  'history',
  'integrity',
  'repair',
  'log',
  'exportAuditLog',
  'verifyAuditLog',
  'createChain',
  'join',
  'invite',
  'inviteInfo',
  'chains',
  'useChain',
  'network',
  'settings',
  'setSettings',
  'governance',
  'exportIdentity',
  'importIdentity',
  'reset',
  'devices',
  'registerDevice',
  'setDeviceStatus',
  'setDevicePolicy',
  'deviceReading',
  'deviceReadingBatch',
  'deviceReadings',
  'requestDeviceAccess',
  'decideDeviceAccess',
  'deviceAccessLog',
  'readDeviceBatch',
  'deployContract',
  'callContract',
  'deviceCallContract',
  'contracts',
  'contract',
  'sendDeviceMessage',
  'deviceMessages',
  'reportDevice',
  'unblockDevice',
  'blockedDevices',
  'setRole',
  'setPolicy',
  'setMember',
  'setMultisigRule',
  ...datasetMethodNames,
  ...analyticsMethodNames,
  ...tokenMethodNames,
  ...itsMethodNames,
  ...traceMethodNames,
  ...xchainMethodNames,
  ...chainsMethodNames,

  ...marketMethodNames,
  ...stakingMethodNames,
  ...servicesMethodNames,
  ...reorderMethodNames,
  ...multisigMethodNames,
  ...validationMethodNames,

  ...notifyMethodNames,
  ...lifecycleMethodNames,
] as const satisfies readonly MethodName[];

/** `chain`: run the method on this chain of the peer (a chain id); the active chain when left out. */
export type RpcRequest = { id: number; method: MethodName; params: unknown[]; chain?: string };
export type RpcResponse = { id: number; result?: unknown; error?: ApiError };
export type WorkerMessage = RpcResponse | { event: PeerEvent };

type Unlisted = Exclude<MethodName, (typeof methodNames)[number]>;
/** Compile-time check: a method added to PeerMethods must be added to methodNames too. */
export const everyMethodListed: [Unlisted] extends [never] ? true : Unlisted = true;
