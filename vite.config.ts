import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { VitePWA } from 'vite-plugin-pwa';

export default defineConfig({
  plugins: [
    react(),
    // The PWA: manifest, and a Workbox service worker that precaches the app shell, its
    // chunks and the peer worker so the app starts offline. 'prompt': a new version waits
    // for the user's OK (app/pwa.ts shows the update prompt).
    VitePWA({
      registerType: 'prompt',
      injectRegister: false,
      includeAssets: ['icon.svg', 'apple-touch-icon.png'],
      manifest: {
        id: '/',
        name: 'BoT peer',
        short_name: 'BoT peer',
        description:
          'A Blockchain-of-Things peer running in your browser: ledger, devices and audit, offline first.',
        start_url: '/',
        scope: '/',
        display: 'standalone',
        // An invite link opened on a phone with the app installed opens the app (where the
        // browser supports link capturing), in the window already open: #/join/<code> routes it.
        handle_links: 'preferred',
        launch_handler: { client_mode: ['navigate-existing', 'auto'] },
        background_color: '#0e1116',
        theme_color: '#0f766e',
        icons: [
          { src: 'icon-192.png', sizes: '192x192', type: 'image/png', purpose: 'any' },
          { src: 'icon-512.png', sizes: '512x512', type: 'image/png', purpose: 'any' },
          { src: 'maskable-512.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' },
        ],
      },
      workbox: {
        globPatterns: ['**/*.{js,css,html,svg,png,webmanifest,wasm}'],
        globIgnores: ['bench.html', 'assets/bench-*', 'assets/peer-bench*'],
        navigateFallback: 'index.html',
        navigateFallbackDenylist: [/^\/healthz/, /^\/api\//, /^\/signal/, /^\/bench/],
        maximumFileSizeToCacheInBytes: 5 * 1024 * 1024,
        cleanupOutdatedCaches: true,
        // The first install takes control of the open page, so it works offline from then on.
        clientsClaim: true,
      },
    }),
  ],
  worker: { format: 'es' },
  build: {
    target: 'es2022',
    sourcemap: true,
    // dist/.vite/manifest.json: the bundle-size benchmark reads the initial chunks from it.
    manifest: true,
    rollupOptions: {
      input: { main: 'index.html', bench: 'bench.html', netHarness: 'e2e/net-harness.html' },
    },
  },
  server: { port: 5173 },
});
