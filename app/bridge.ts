// The bridge: peer events -> store. Events are buffered and written at most every
// `flushIntervalMs`, so a burst (a sync of thousands of blocks, heavy local writes) costs a
// few renders, not one per block: the UI thread never waits on the ledger.
import type { BotApi, PeerControl } from './bot-client';
import type { LogEntry } from '../worker/api';
import {
  addBlocks,
  addTxs,
  appendLog,
  initialState,
  isActiveChainEvent,
  mergeChainLive,
  useAppStore,
  type ChainLive,
  type BlockSummary,
  type TxSummary,
} from './store/peer-store';

export const flushIntervalMs = 100;
const recentBlocksLoaded = 10;

export function connectStore(bot: BotApi, control: PeerControl): void {
  let blocks: BlockSummary[] = [];
  let txs: TxSummary[] = [];
  let log: LogEntry[] = [];
  let live: Array<[string, ChainLive]> = [];
  let statusStale = false;
  // Several chains per peer: events name their chain; the pages show the active one's, and the
  // Chains page every chain's height, peers and sync state (chainLive).
  const active = (chain: string | undefined) =>
    isActiveChainEvent(chain, useAppStore.getState().activeChain);
  const note = (chain: string | undefined, update: ChainLive) => {
    if (chain === undefined) return;
    live.push([chain, update]);
    schedule();
  };
  let timer: ReturnType<typeof setTimeout> | null = null;

  function flush() {
    timer = null;
    const [b, t, l, c] = [blocks, txs, log, live];
    blocks = [];
    txs = [];
    log = [];
    live = [];
    useAppStore.setState((s) => ({
      chainLive: mergeChainLive(s.chainLive, c),
      blocks: b.length ? addBlocks(s.blocks, b) : s.blocks,
      txs: t.length ? addTxs(s.txs, t) : s.txs,
      log: l.length ? appendLog(s.log, l) : s.log,
    }));
    if (statusStale) {
      statusStale = false;
      void bot.status().then(
        (status) => useAppStore.setState({ status }),
        () => undefined,
      );
    }
  }
  const schedule = () => {
    timer ??= setTimeout(flush, flushIntervalMs);
  };

  bot.on('block', (e) => {
    note(e.chain, { height: e.height });
    if (!active(e.chain)) return;
    blocks.push({ height: e.height, hash: e.hash, txCount: e.txCount, time: e.time });
    statusStale = true;
    schedule();
  });
  bot.on('tx', (e) => {
    if (!active(e.chain)) return;
    txs.push({ txId: e.txId, result: e.result, seenAt: Date.now() });
    schedule();
  });
  bot.on('log', (e) => {
    log.push(e.entry);
    schedule();
  });
  bot.on('status', (e) => {
    const { height, peers, syncing } = e.status;
    note(e.chain, { height, peers, syncing });
    if (active(e.chain)) useAppStore.setState({ status: e.status });
  });
  bot.on('network', (e) => {
    if (active(e.chain)) useAppStore.setState({ network: e.network });
  });
  bot.on('sync', (e) => {
    note(e.chain, { syncing: e.syncing });
    if (active(e.chain))
      useAppStore.setState({ sync: { syncing: e.syncing, height: e.height, target: e.target } });
  });
  bot.on('peer', (e) => {
    note(e.chain, { peers: e.peers });
    if (!active(e.chain)) return;
    statusStale = true;
    schedule();
  });
  bot.on('slot', (e) => useAppStore.setState({ slot: e.slot }));
  bot.on('chain', (e) => {
    // the old chain's blocks are not this chain's
    useAppStore.setState({ blocks: [], txs: [], sync: null, activeChain: e.chainId });
    void loadInitial(bot);
  });
  control.onRunning((running) => {
    if (!running) {
      useAppStore.setState({ running: false, network: null, sync: null });
      return;
    }
    useAppStore.setState({ running: true, status: null, identity: null, error: null, blocks: [] });
    void loadInitial(bot);
  });
  if (control.isRunning()) void loadInitial(bot);
}

/** Everything a page needs at start (and after a restart or a chain switch). */
let loadGeneration = 0;

export async function loadInitial(bot: BotApi): Promise<void> {
  // A load started before a chain switch answers with the old chain: the newest load wins.
  const generation = ++loadGeneration;
  try {
    // ready() answers with the status at start-up; after a chain switch that is the old chain
    // (the strip kept showing "dev" after Create chain), so ask for the status now.
    await bot.ready();
    const status = await bot.status();
    const identity = await bot.identity();
    const blocks: BlockSummary[] = [];
    for (let h = status.height; h >= Math.max(0, status.height - recentBlocksLoaded + 1); h--) {
      try {
        const b = await bot.block(h);
        if (b)
          blocks.push({
            height: b.header.height,
            hash: b.hash,
            txCount: b.txIds.length,
            time: b.header.time,
          });
      } catch {
        // A tampered block is reported through status.integrity; the list skips it.
      }
    }
    const [log, network, chains] = await Promise.all([
      bot.log(),
      bot.network().catch(() => null),
      bot.chains().catch(() => []),
    ]);
    if (generation !== loadGeneration) return;
    useAppStore.setState((s) => ({
      status,
      activeChain: status.chainId,
      identity,
      error: null,
      blocks: addBlocks(s.blocks, blocks),
      log: log.slice(-200),
      network,
      chains,
    }));
  } catch (error) {
    if ((error as { code?: string }).code === 'NOT_READY' && !useAppStore.getState().running)
      return;
    useAppStore.setState({ error: (error as Error).message });
  }
}

export { initialState };
