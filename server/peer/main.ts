// `npm run peer`: the headless BoT peer (run with tsx: the worker/ TypeScript runs as is, with
// no build step, so the Node peer is always the code the tabs run).
//
//   npm run peer -- --port 8787 --data-dir ./.bot-peer --signal ws://relay:8080/signal --invite LINK
//   npm run peer -- --data-dir ./.bot-peer --repair   (after a failed tamper check: re-sync from peers)
//
// Stops cleanly on SIGINT/SIGTERM: no new requests, event streams ended, the block being
// written finished, the store closed. A second signal exits at once (every committed block is
// already fsynced, so even that loses nothing committed).
import { parseArgs } from 'node:util';
import { defaultConfig, startPeer, type PeerConfig } from './peer';

const usage = `Usage: npm run peer -- [options]
  --port N            HTTP API port (default ${defaultConfig.port}; 0 picks a free port)
  --host ADDRESS      address to listen on (default ${defaultConfig.host}); off loopback every
                      request needs the token of <data-dir>/api.token (created on first start)
  --api-token-file PATH  the API's bearer token file (created if missing); named, the token is
                      required on loopback too
  --data-dir PATH     where the ledger and identity live (default ${defaultConfig.dataDir})
  --key-file PATH     the key that seals the identity seed at rest (default <data-dir>/at-rest.key)
  --signal URL        signaling relay, ws:// or wss:// (repeatable)
  --invite LINK       join the chain of this invite link at start
  --light             with --invite: join as a light peer (headers and proofs only; kept
                      across restarts)
  --invite-base URL   the app URL this peer's invite links point to
  --cors-origin ORIG  let web pages from ORIG call the API (repeatable; * for any)
  --repair            if the tamper check fails at start: set the damaged ledger aside (kept)
                      and re-sync the chain from peers
  --quiet             do not print the peer's log
  --help`;

export function parseFlags(argv: string[]): PeerConfig {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      'data-dir': { type: 'string' },
      'key-file': { type: 'string' },
      'api-token-file': { type: 'string' },
      signal: { type: 'string', multiple: true },
      invite: { type: 'string' },
      light: { type: 'boolean' },
      'invite-base': { type: 'string' },
      'cors-origin': { type: 'string', multiple: true },
      quiet: { type: 'boolean' },
      repair: { type: 'boolean' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    console.log(usage);
    process.exit(0);
  }
  if (values.light && !values.invite)
    throw new RangeError('--light: give the chain to follow with --invite LINK');
  const port = values.port === undefined ? defaultConfig.port : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new RangeError(`--port: expected 0 to 65535, got "${values.port}"`);
  for (const url of values.signal ?? []) {
    if (!/^wss?:\/\/\S+$/.test(url))
      throw new RangeError(`--signal: expected a ws:// or wss:// URL, got "${url}"`);
  }
  return {
    port,
    host: values.host ?? defaultConfig.host,
    dataDir: values['data-dir'] ?? defaultConfig.dataDir,
    ...(values['key-file'] ? { keyFile: values['key-file'] } : {}),
    ...(values['api-token-file'] ? { apiTokenFile: values['api-token-file'] } : {}),
    signal: values.signal ?? [],
    invite: values.invite ?? null,
    ...(values.light ? { light: true } : {}),
    inviteBase: values['invite-base'] ?? null,
    corsOrigins: values['cors-origin'] ?? [],
    quiet: values.quiet ?? false,
    repair: values.repair ?? false,
  };
}

async function main(): Promise<void> {
  let config: PeerConfig;
  try {
    config = parseFlags(process.argv.slice(2));
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${usage}`);
    process.exit(2);
  }
  const peer = await startPeer(config);
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    if (++signals > 1) process.exit(130);
    console.log(`${signal}: stopping the peer.`);
    peer.stop().then(
      () => process.exit(0),
      (error) => {
        console.error('The peer did not stop cleanly:', error);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

main().catch((error) => {
  console.error(`The peer could not start: ${(error as Error)?.message ?? error}`);
  process.exit(1);
});
