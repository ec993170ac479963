// One zustand store built from slices; the bridge writes with setState, components read with
// narrow selectors.
import { create } from 'zustand';
import type { Identity, LogEntry, Status } from '../../worker/api';

export interface BlockSummary {
  height: number;
  hash: string;
  txCount: number;
  time: number;
}

export interface PeerSlice {
  status: Status | null;
  identity: Identity | null;
  error: string | null;
}

export interface LedgerSlice {
  blocks: BlockSummary[];
}

export interface LogSlice {
  log: LogEntry[];
}

export type AppState = PeerSlice & LedgerSlice & LogSlice;

export const recentBlocksMax = 20;
export const logEntriesShownMax = 200;

export const useAppStore = create<AppState>(() => ({ status: null, identity: null, error: null, blocks: [], log: [] }));

/** Newest first, no duplicates, bounded. Plain function: tested without React. */
export function addBlock(blocks: BlockSummary[], block: BlockSummary): BlockSummary[] {
  return [block, ...blocks.filter((b) => b.height !== block.height)].slice(0, recentBlocksMax);
}
