import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { createBot, type BotApi, type PeerControl } from './bot-client';
import { startNetOwner } from '../worker/net/net-owner';
import { connectStore } from './bridge';
import { runtime } from './runtime';
import { useAppStore } from './store/peer-store';
import { applyTheme, savedTheme } from './theme';
import { startPwa } from './pwa';
import { App } from './App';
import './styles.css';

declare global {
  interface Window {
    bot: BotApi;
    /** Start/stop of this tab's peer worker (the Peer page's buttons; tests). */
    botControl: PeerControl;
  }
}

applyTheme(savedTheme());

// The tab's peer slot survives reloads in sessionStorage, so a reload reopens the same peer.
const slotKey = 'bot-peer-slot';
function spawnWorker(): Worker {
  const savedSlot = sessionStorage.getItem(slotKey) ?? '';
  return new Worker(new URL('../worker/peer.worker.ts', import.meta.url), {
    type: 'module',
    name: `bot-peer#slot=${savedSlot}`,
  });
}
const { bot, control } = createBot(spawnWorker);
window.bot = bot;
window.botControl = control;
runtime.bot = bot;
runtime.control = control;
bot.on('slot', (e) => sessionStorage.setItem(slotKey, String(e.slot)));

// Network owner hook: runs for every worker this tab starts (stop/start on the Peer page
// makes a new one), e.g. to hand it the MessagePort of the RTC owner.
let netOwner: { stop(): void } | null = null;
control.onWorker((worker) => {
  netOwner?.stop();
  netOwner = startNetOwner(worker);
});

connectStore(bot, control);
const setOnline = () => useAppStore.setState({ online: navigator.onLine });
window.addEventListener('online', setOnline);
window.addEventListener('offline', setOnline);
setOnline();

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
startPwa();
