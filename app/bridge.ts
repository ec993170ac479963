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
  useAppStore,
  type BlockSummary,
  type TxSummary,
} from './store/peer-store';

export const flushIntervalMs = 100;
const recentBlocksLoaded = 10;

export function connectStore(bot: BotApi, control: PeerControl): void {
  let blocks: BlockSummary[] = [];
  let txs: TxSummary[] = [];
  let log: LogEntry[] = [];
  let statusStale = false;
  let timer: ReturnType<typeof setTimeout> | null = null;

  function flush() {
    timer = null;
    const [b, t, l] = [blocks, txs, log];
    blocks = [];
    txs = [];
    log = [];
    useAppStore.setState((s) => ({
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
    blocks.push({ height: e.height, hash: e.hash, txCount: e.txCount, time: e.time });
    statusStale = true;
    schedule();
  });
  bot.on('tx', (e) => {
    txs.push({ txId: e.txId, result: e.result, seenAt: Date.now() });
    schedule();
  });
  bot.on('log', (e) => {
    log.push(e.entry);
    schedule();
  });
  bot.on('status', (e) => useAppStore.setState({ status: e.status }));
  bot.on('network', (e) => useAppStore.setState({ network: e.network }));
  bot.on('sync', (e) =>
    useAppStore.setState({ sync: { syncing: e.syncing, height: e.height, target: e.target } }),
  );
  bot.on('peer', () => {
    statusStale = true;
    schedule();
  });
  bot.on('slot', (e) => useAppStore.setState({ slot: e.slot }));
  bot.on('chain', () => {
    useAppStore.setState({ blocks: [], txs: [] }); // the old chain's blocks are not this chain's
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
