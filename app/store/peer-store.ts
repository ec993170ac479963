// One zustand store built from slices; the bridge (app/bridge.ts) writes with setState,
// components read with narrow selectors. The plain functions below are tested without React.
import { create } from 'zustand';
import type {
  ChainSummary,
  Identity,
  LogEntry,
  NetworkView,
  Status,
  TxResult,
} from '../../worker/api';

export interface BlockSummary {
  height: number;
  hash: string;
  txCount: number;
  time: number;
}

export interface TxSummary {
  txId: string;
  result: TxResult;
  seenAt: number;
}

export interface PeerSlice {
  status: Status | null;
  identity: Identity | null;
  error: string | null;
  /** The worker runs (false after "Stop peer"). */
  running: boolean;
  slot: number | null;
}

export interface LedgerSlice {
  blocks: BlockSummary[];
}

export interface TxSlice {
  txs: TxSummary[];
}

export interface NetworkSlice {
  network: NetworkView | null;
}

export interface SyncSlice {
  sync: { syncing: boolean; height: number; target: number } | null;
}

export interface LogSlice {
  log: LogEntry[];
}

export interface ChainSlice {
  chains: ChainSummary[];
  /** The chain the pages look at (what calls without a chain run on); null before start-up. */
  activeChain: string | null;
  /** Several chains per peer: each running chain's height, peers and sync state, live from its events. */
  chainLive: Record<string, ChainLive>;
}

export interface ChainLive {
  height?: number;
  peers?: number;
  syncing?: boolean;
}

export interface AppSlice {
  /** A new version of the app is installed and waits for a reload. */
  updateReady: boolean;
  offlineReady: boolean;
  /** navigator.onLine: false when the browser knows it has no network. */
  online: boolean;
}

export type AppState = PeerSlice &
  LedgerSlice &
  TxSlice &
  NetworkSlice &
  SyncSlice &
  LogSlice &
  ChainSlice &
  AppSlice;

export const recentBlocksMax = 20;
export const recentTxsMax = 50;
export const logEntriesShownMax = 200;

export const initialState: AppState = {
  status: null,
  identity: null,
  error: null,
  running: true,
  slot: null,
  blocks: [],
  txs: [],
  network: null,
  sync: null,
  log: [],
  chains: [],
  activeChain: null,
  chainLive: {},
  updateReady: false,
  offlineReady: false,
  online: true,
};

export const useAppStore = create<AppState>(() => ({ ...initialState }));

/** Newest first, no duplicates, bounded. */
export function addBlock(blocks: BlockSummary[], block: BlockSummary): BlockSummary[] {
  return [block, ...blocks.filter((b) => b.height !== block.height)].slice(0, recentBlocksMax);
}

/** Merge many blocks at once (events arrive in bursts during sync or heavy writes). */
export function addBlocks(blocks: BlockSummary[], added: BlockSummary[]): BlockSummary[] {
  const byHeight = new Map(blocks.map((b) => [b.height, b]));
  for (const b of added) byHeight.set(b.height, b);
  return [...byHeight.values()].sort((a, b) => b.height - a.height).slice(0, recentBlocksMax);
}

/** Newest first; a later result for the same tx replaces the earlier one. */
export function addTxs(txs: TxSummary[], added: TxSummary[]): TxSummary[] {
  const ids = new Set(added.map((t) => t.txId));
  return [...[...added].reverse(), ...txs.filter((t) => !ids.has(t.txId))].slice(0, recentTxsMax);
}

export function appendLog(log: LogEntry[], added: LogEntry[]): LogEntry[] {
  return [...log, ...added].slice(-logEntriesShownMax);
}

/** Sync progress as a fraction 0..1, or null when not syncing. */
export function syncProgress(sync: SyncSlice['sync']): number | null {
  if (!sync || !sync.syncing || sync.target <= 0) return null;
  return Math.min(1, Math.max(0, sync.height / sync.target));
}

/** Is an event about the chain the pages look at? Events of the whole peer name none. */
export function isActiveChainEvent(chain: string | undefined, active: string | null): boolean {
  return chain === undefined || active === null || chain === active;
}

/** Merge per-chain updates into the live view (newest wins, field by field). */
export function mergeChainLive(
  live: Record<string, ChainLive>,
  updates: Array<[string, ChainLive]>,
): Record<string, ChainLive> {
  if (updates.length === 0) return live;
  const next = { ...live };
  for (const [chain, update] of updates) next[chain] = { ...next[chain], ...update };
  return next;
}
