// Service worker registration (vite-plugin-pwa, Workbox precache). With registerType
// 'prompt', a new version waits until the user accepts the update prompt.
import { registerSW } from 'virtual:pwa-register';
import { useAppStore } from './store/peer-store';

let update: ((reload?: boolean) => Promise<void>) | null = null;

export function startPwa(): void {
  if (!('serviceWorker' in navigator)) return;
  update = registerSW({
    immediate: true,
    onNeedRefresh: () => useAppStore.setState({ updateReady: true }),
    onOfflineReady: () => useAppStore.setState({ offlineReady: true }),
  });
}

export async function applyUpdate(): Promise<void> {
  await update?.(true);
}
