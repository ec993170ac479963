// A rogue peer for the issue 4 tests: a real Node peer on the wire (node-datachannel WebRTC,
// the real hub and a signed handshake under its own identity) that, once linked, attacks
// each honest neighbour with one kind of bad input: garbage bytes, a forged vote in a
// validator's name, a decided block with a forged certificate, and an oversized frame.
// Run: ROOM=<chain id> RELAY=ws://host/signal VALIDATOR=<did> npx tsx e2e/rogue-peer.ts
// It prints JSON lines (ready, neighbours, attacked) and attacks when stdin says "attack".
import { createNodeNet, shutdownNodeWebRtc } from '../server/net-node';
import { testIdentity } from '../worker/net/testing';
import { encodeWire } from '../worker/host/wire';
import { frameBytesMax } from '../worker/net/limits';

const room = process.env.ROOM ?? '';
const relay = process.env.RELAY ?? '';
const validator = process.env.VALIDATOR ?? '';
const identity = testIdentity();
const net = createNodeNet();
let neighbours: string[] = [];
const print = (event: Record<string, unknown>) =>
  process.stdout.write(`${JSON.stringify(event)}\n`);

net.start(
  { did: identity.did, sign: identity.sign, room, validators: [], relays: [relay], iceServers: [] },
  {
    onMessage() {},
    onNeighbours(dids) {
      neighbours = dids;
      print({ event: 'neighbours', dids });
    },
  },
);
print({ event: 'ready', did: identity.did });

const zero32 = new Uint8Array(32);
const forgedSig = new Uint8Array(64).fill(7);
const attacks: Array<[string, (did: string) => boolean]> = [
  ['garbage', (did) => net.send(did, crypto.getRandomValues(new Uint8Array(300)))],
  [
    'forged vote',
    (did) =>
      net.send(
        did,
        encodeWire({
          kind: 'consensus',
          message: {
            type: 'prevote',
            height: 1,
            round: 0,
            block: zero32,
            validator,
            sig: forgedSig,
          },
        }),
      ),
  ],
  [
    'forged certificate',
    (did) =>
      net.send(
        did,
        encodeWire({
          kind: 'consensus',
          message: {
            type: 'commit',
            block: {
              header: {
                chain: room,
                height: 1,
                prev: zero32,
                txRoot: zero32,
                stateRoot: zero32,
                time: 1,
                proposer: validator,
                round: 0,
              },
              txs: [],
              cert: { height: 1, round: 0, block: zero32, sigs: [{ validator, sig: forgedSig }] },
            },
          },
        }),
      ),
  ],
  [
    'oversized frame',
    (did) => {
      const start = new Uint8Array(1 + 4 + 16);
      start[0] = 1;
      new DataView(start.buffer).setUint32(1, frameBytesMax + 1);
      return net.sendRawChunks(did, [start]);
    },
  ],
];

process.stdin.setEncoding('utf8');
process.stdin.on('data', (text: string) => {
  if (!text.includes('attack')) return;
  const targets = [...neighbours].sort();
  const done: Array<{ did: string; attack: string; sent: boolean }> = [];
  targets.forEach((did, i) => {
    const [name, run] = attacks[i % attacks.length]!;
    done.push({ did, attack: name, sent: run(did) });
  });
  print({ event: 'attacked', done });
});

const stop = () => {
  net.stop();
  shutdownNodeWebRtc();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.stdin.on('end', stop);
