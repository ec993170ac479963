import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { createBot, type BotApi } from './bot-client';
import { addBlock, logEntriesShownMax, useAppStore } from './store/peer-store';
import { App } from './App';
import './styles.css';

declare global {
  interface Window {
    bot: BotApi;
  }
}

// The tab's peer slot survives reloads in sessionStorage, so a reload reopens the same peer.
const slotKey = 'bot-peer-slot';
const savedSlot = sessionStorage.getItem(slotKey) ?? '';
const worker = new Worker(new URL('../worker/peer.worker.ts', import.meta.url), { type: 'module', name: `bot-peer#slot=${savedSlot}` });
const bot = createBot(worker);
window.bot = bot;
bot.on('slot', (e) => sessionStorage.setItem(slotKey, String(e.slot)));

// The bridge: peer events -> store.
bot.on('block', (e) => {
  useAppStore.setState((s) => ({ blocks: addBlock(s.blocks, { height: e.height, hash: e.hash, txCount: e.txCount, time: e.time }) }));
  void bot.status().then((status) => useAppStore.setState({ status }));
});
bot.on('log', (e) => useAppStore.setState((s) => ({ log: [...s.log, e.entry].slice(-logEntriesShownMax) })));

async function loadInitial(): Promise<void> {
  try {
    const status = await bot.ready();
    const identity = await bot.identity();
    const blocks = [];
    for (let h = status.height; h >= Math.max(0, status.height - 9); h--) {
      try {
        const b = await bot.block(h);
        if (b) blocks.push({ height: b.header.height, hash: b.hash, txCount: b.txIds.length, time: b.header.time });
      } catch {
        // A tampered block is reported through status.integrity; the list skips it.
      }
    }
    useAppStore.setState({ status, identity, blocks, log: await bot.log() });
  } catch (error) {
    useAppStore.setState({ error: (error as Error).message });
  }
}
void loadInitial();

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
