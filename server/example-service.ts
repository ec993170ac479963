// An example service performed outside BoT (Y.4464 10.5, issue 17): it trusts no peer. It holds
// only the chain's genesis (a JSON file) and its own key; a device's gateway presents an access
// grant's proof (header updates with their commit certificates, and the grant's Merkle proof), the
// service checks it with the core's light client (worker/core/modules/services/proof.ts), serves
// its resource and answers a receipt it signs, which the gateway records on chain (service.access:
// the chain checks the signature with the key the service registered, so the record proves the
// service served, and the service needs no account, nonce or peer connection of its own).
//   node --import tsx server/example-service.ts --genesis genesis.json --service weather
//        [--port 0] [--host 127.0.0.1] [--seed <64 hex digits>] [--proof-age-max-ms n]
// Routes (CORS open: a page's peer calls it from the browser):
//   GET  /status   { did, service, chain, height }: what the gateway proves from
//   POST /access   { proof: hex }  200 { resource, receipt } | 403 refused | 409 prove again
//                  from a newer height | 400 malformed | 413 too large; always a plain reason.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { fromHex, toHex } from '../worker/core/bytes';
import { didFromPublicKey } from '../worker/core/crypto/did';
import { publicKeyFromSeed, signSync } from '../worker/core/crypto/ed25519';
import { BotError } from '../worker/core/errors';
import { trustGenesis, type LightClientState } from '../worker/core/lightclient';
import { accessReceiptBytes } from '../worker/core/modules/services';
import {
  decodeGrantProof,
  followProof,
  grantProofBytesMax,
  verifyGrant,
} from '../worker/core/modules/services/proof';

/** The largest request body: a proof in hex plus its JSON wrapping. */
export const exampleServiceBodyBytesMax = 2 * grantProofBytesMax + 1024;

const { values } = parseArgs({
  options: {
    genesis: { type: 'string' },
    service: { type: 'string' },
    port: { type: 'string', default: '0' },
    host: { type: 'string', default: '127.0.0.1' },
    seed: { type: 'string' },
    'proof-age-max-ms': { type: 'string' },
  },
});
if (!values.genesis || !values.service) {
  console.error('usage: example-service --genesis <file> --service <id> [--port n] [--seed hex]');
  process.exit(2);
}
const serviceId = values.service;
const seed = values.seed ? fromHex(values.seed) : new Uint8Array(randomBytes(32));
const did = didFromPublicKey(publicKeyFromSeed(seed));
const proofAgeMaxMs = values['proof-age-max-ms'] ? Number(values['proof-age-max-ms']) : undefined;
let lc: LightClientState = trustGenesis(JSON.parse(readFileSync(values.genesis, 'utf8')));

function answer(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, {
    'content-type': 'application/json',
    'access-control-allow-origin': '*',
    'access-control-allow-headers': 'content-type',
    'cache-control': 'no-store',
  });
  response.end(JSON.stringify(body));
}

function refuse(response: ServerResponse, error: unknown): void {
  const e =
    error instanceof BotError ? error : new BotError('MALFORMED', 'The request is not readable.');
  const status =
    e.code === 'TOO_LARGE'
      ? 413
      : e.code === 'MALFORMED' || e.code === 'BAD_FIELD_TYPE'
        ? 400
        : e.code === 'BAD_REQUEST'
          ? 409
          : 403;
  console.log(`refused ${status} ${e.code}: ${e.message}`);
  answer(response, status, { error: { code: e.code, message: e.message } });
}

/** The body as text, refused with TOO_LARGE past the limit (without reading the rest). */
function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((done, fail) => {
    const declared = Number(request.headers['content-length'] ?? 0);
    if (declared > exampleServiceBodyBytesMax) {
      fail(new BotError('TOO_LARGE', `A request is at most ${exampleServiceBodyBytesMax} bytes.`));
      return;
    }
    let size = 0;
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > exampleServiceBodyBytesMax) {
        fail(
          new BotError('TOO_LARGE', `A request is at most ${exampleServiceBodyBytesMax} bytes.`),
        );
        request.destroy();
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => done(Buffer.concat(chunks).toString('utf8')));
    request.on('error', fail);
  });
}

async function access(request: IncomingMessage, response: ServerResponse): Promise<void> {
  let hex: unknown;
  try {
    hex = (JSON.parse(await readBody(request)) as { proof?: unknown } | null)?.proof;
  } catch (error) {
    refuse(response, error);
    return;
  }
  try {
    if (typeof hex !== 'string' || !/^([0-9a-f]{2})*$/.test(hex))
      throw new BotError('MALFORMED', 'The body is { proof: the grant proof in hex }.');
    const proof = decodeGrantProof(fromHex(hex));
    // The headers are checked one by one; once checked they are kept even if the grant is refused.
    lc = followProof(lc, proof);
    const now = Date.now();
    const grant = verifyGrant(lc, proof, { service: serviceId, now, proofAgeMaxMs });
    const sig = signSync(seed, accessReceiptBytes(lc.chainId, grant.id, serviceId, now));
    console.log(`served grant ${grant.id} to ${grant.subject} at height ${lc.height}`);
    answer(response, 200, {
      service: serviceId,
      grant: grant.id,
      subject: grant.subject,
      resource: { message: `Hello ${grant.subject}, here is today's forecast: sunny.` },
      receipt: { grant: grant.id, at: now, sig: toHex(sig) },
    });
  } catch (error) {
    refuse(response, error);
  }
}

const server = createServer((request, response) => {
  const path = (request.url ?? '/').split('?')[0];
  if (request.method === 'OPTIONS') answer(response, 204, null);
  else if (request.method === 'GET' && path === '/status')
    answer(response, 200, { did, service: serviceId, chain: lc.chainId, height: lc.height });
  else if (request.method === 'POST' && path === '/access') void access(request, response);
  else answer(response, 404, { error: { code: 'NOT_FOUND', message: `No route ${path}.` } });
});
server.listen(Number(values.port), values.host, () => {
  const address = server.address() as { port: number };
  console.log(
    `example service ${serviceId} (${did}) of chain ${lc.chainId} listening on http://${values.host}:${address.port}`,
  );
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => process.exit(0));
