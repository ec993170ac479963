// A headless Node peer for the network tests: the real Node PeerNet (server/net-node.ts) with
// a random identity. It joins ROOM through RELAY, prints events as JSON lines on stdout, and
// answers every message with the SHA-256 of what it received (so a test can check the bytes).
// Run: ROOM=<hex> RELAY=ws://host/signal npx tsx e2e/net-node-peer.ts
import { createHash } from 'node:crypto';
import { createNodeNet, shutdownNodeWebRtc } from '../server/net-node';
import { testIdentity } from '../worker/net/testing';

const room = process.env.ROOM ?? '';
const relay = process.env.RELAY ?? '';
const identity = testIdentity();
const net = createNodeNet();
const print = (event: Record<string, unknown>) =>
  process.stdout.write(`${JSON.stringify(event)}\n`);

net.start(
  { did: identity.did, sign: identity.sign, room, validators: [], relays: [relay], iceServers: [] },
  {
    onMessage(from, bytes) {
      const digest = createHash('sha256').update(bytes).digest();
      print({ event: 'message', from, bytes: bytes.length, sha256: digest.toString('hex') });
      net.send(from, new Uint8Array(digest));
    },
    onNeighbours: (dids) => print({ event: 'neighbours', dids, view: net.view() }),
    onLog: (level, message) => print({ event: 'log', level, message }),
  },
);
print({ event: 'ready', did: identity.did });

const stop = () => {
  net.stop();
  shutdownNodeWebRtc();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.stdin.on('end', stop);
process.stdin.resume();
