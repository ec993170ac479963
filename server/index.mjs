// The app server: serves the built PWA from dist/ and the signaling relay at /signal
// (server/signal.mjs; the headless peer joins this process later). PORT overrides the default 8080.
import { createServer } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { attachSignal } from './signal.mjs';

const distRoot = resolve(fileURLToPath(new URL('../dist/', import.meta.url)));
const types = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.webmanifest': 'application/manifest+json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.map': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
  // Compiled while it downloads (WebAssembly.compileStreaming needs this type).
  '.wasm': 'application/wasm',
};

async function fileFor(root, urlPath) {
  const clean = normalize(decodeURIComponent(urlPath.split('?')[0])).replace(/^(\.\.[/\\])+/, '');
  const path = join(root, clean);
  if (!path.startsWith(root)) return null;
  try {
    const info = await stat(path);
    if (info.isFile()) return path;
  } catch {
    // fall through to the app shell
  }
  return null;
}

/**
 * The app server. `options.root`: the built app to serve (default dist/; the update-prompt test
 * serves a second, changed copy of it as the app's next version).
 */
export function createAppServer(options = {}) {
  const root = options.root ? resolve(options.root) : distRoot;
  const server = createServer(async (request, response) => {
    try {
      if (request.method !== 'GET' && request.method !== 'HEAD') {
        response.writeHead(405, { allow: 'GET, HEAD' }).end();
        return;
      }
      if (request.url === '/healthz') {
        response.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
        return;
      }
      // Routes of the single-page app fall back to index.html so a reload keeps the page.
      const path = (await fileFor(root, request.url ?? '/')) ?? join(root, 'index.html');
      const body = await readFile(path);
      const hashed = path.includes(`${join(root, 'assets')}`);
      response.writeHead(200, {
        'content-type': types[extname(path)] ?? 'application/octet-stream',
        'cache-control': hashed ? 'public, max-age=31536000, immutable' : 'no-cache',
        'x-content-type-options': 'nosniff',
      });
      response.end(request.method === 'HEAD' ? undefined : body);
    } catch (error) {
      response
        .writeHead(500, { 'content-type': 'text/plain' })
        .end('The app is not built: run npm start.');
    }
  });
  // The signaling relay on the same port (WebSocket upgrades to /signal); `server.signalRelay`
  // stops it (tests simulate a relay outage with it).
  // BOT_REDIS_URL shares its rooms with other relays (server/signal.mjs); unset: one relay.
  server.signalRelay = attachSignal(server, { redisUrl: process.env.BOT_REDIS_URL || undefined });
  const close = server.close.bind(server);
  server.close = (callback) => {
    server.signalRelay.close();
    return close(callback);
  };
  return server;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const port = Number(process.env.PORT ?? 8080);
  const server = createAppServer();
  server.listen(port, () => console.log(`BoT peer app on http://localhost:${port}`));
  for (const signal of ['SIGINT', 'SIGTERM'])
    process.on(signal, () => server.close(() => process.exit(0)));
}
