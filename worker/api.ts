// The dApp API (window.bot in the page; the HTTP API mirrors it). Types only: the app imports
// nothing else from worker/ except the pure proof checker. Bytes travel as lowercase hex so
// the same shapes work over JSON.
import type { ErrorCode } from './core/errors';

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
  txs: Array<{ txId: string; type: string; from: string; nonce: number; time: number; body: unknown }>;
  cert: { round: number; signers: string[] } | null;
}

export interface StateProofView {
  /** The state key (e.g. "data/<key>"). */
  key: string;
  /** Encoded entry, hex; its SHA-256 is the leaf's value hash. */
  entry: string;
  siblings: string[];
  stateRoot: string;
  /** Height of the block whose header carries stateRoot. */
  height: number;
}

export interface GetResult {
  value: unknown;
  deleted: boolean;
  /** Height of the block that wrote this version. */
  height: number;
  txId: string;
  proof: StateProofView;
}

export type PeerEvent =
  | { type: 'block'; height: number; hash: string; txCount: number; time: number }
  | { type: 'tx'; txId: string; result: TxResult }
  | { type: 'peer'; peers: number }
  | { type: 'sync'; syncing: boolean; height: number; target: number }
  | { type: 'status'; status: Status }
  | { type: 'log'; entry: LogEntry }
  | { type: 'slot'; slot: number };

export interface LogEntry {
  time: number;
  level: 'info' | 'warn' | 'error';
  message: string;
}

/** Methods of the peer, as the page calls them. */
export interface PeerMethods {
  ready(): Promise<Status>;
  identity(): Promise<Identity>;
  status(): Promise<Status>;
  submit(request: { type: string; body: unknown }): Promise<{ txId: string }>;
  /** A transaction signed elsewhere, in its canonical encoding. */
  submitRaw(bytes: Uint8Array): Promise<{ txId: string }>;
  waitFor(txId: string, options?: { timeoutMs?: number }): Promise<TxResult>;
  block(height: number): Promise<BlockView | null>;
  get(key: string): Promise<GetResult | null>;
  history(key: string): Promise<Array<{ height: number; value: unknown; deleted: boolean; txId: string }>>;
  integrity(): Promise<IntegrityReport>;
  log(): Promise<LogEntry[]>;
}

export type MethodName = keyof PeerMethods;

export type RpcRequest = { id: number; method: MethodName; params: unknown[] };
export type RpcResponse = { id: number; result?: unknown; error?: ApiError };
export type WorkerMessage = RpcResponse | { event: PeerEvent };
