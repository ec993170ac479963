// The tab's peer runtime, set once by main.tsx: the dApp API and the start/stop control.
import type { BotApi, PeerControl } from './bot-client';

export const runtime: { bot: BotApi | null; control: PeerControl | null } = {
  bot: null,
  control: null,
};

export function bot(): BotApi {
  if (!runtime.bot) throw new Error('The peer runtime is not started');
  return runtime.bot;
}
