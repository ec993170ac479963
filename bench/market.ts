// Order matching cost (`npm run bench:market`, issue 16): with 10,000 open orders in the stream
// order book, the time to apply a new order that is matched, divided by the time to apply a
// data.put, on the same chain state in one run. The pure core (executeBlock on the state, as a
// peer applies a block), so that only the transactions' own work is compared. The book: 100
// buyers each bid on each of 100 device streams (10,000 resting bids, 100 per account, the
// named limit); each measured ask (price 1, one window) fills the best bid of its stream.
// Phases alternate put, ask, put, ask (the first pair warms up); each phase one block of
// BENCH_TXS transactions (default 250). Target (issue 16): at most 5.
import { executeBlock } from '../worker/core/ledger';
import { testIdentity } from '../worker/core/testing';
import { marketGenesis, MarketChain } from '../worker/core/modules/market/testing';

const txCount = Number(process.env.BENCH_TXS ?? 250);
const pairs = Number(process.env.BENCH_PAIRS ?? 4);
const streams = 100;
const gateways = Array.from({ length: 20 }, (_, i) => testIdentity(`bench gateway ${i}`));
const buyers = Array.from({ length: Number(process.env.BENCH_BUYERS ?? 100) }, (_, i) =>
  testIdentity(`bench buyer ${i}`),
);
const writers = Array.from({ length: 20 }, (_, i) => testIdentity(`bench writer ${i}`));
const c = new MarketChain(
  marketGenesis([...gateways, ...buyers, ...writers].map((id) => [id, 1_000_000_000])),
);
const streamId = (s: number) => `dev-bench${s}-gw${s % gateways.length}`;
const ownerOf = (s: number) => gateways[s % gateways.length]!;

let t = performance.now();
for (let s = 0; s < streams; s++) c.publish(ownerOf(s), streamId(s), 1);
for (let i = 0; i < buyers.length; i += 50) c.block(buyers.slice(i, i + 50).map((b) => c.keyTx(b)));
// 10,000 resting bids, prices spread so that each stream's book is a real order.
for (const [i, buyer] of buyers.entries()) {
  const txs = [];
  for (let s = 0; s < streams; s++)
    txs.push(c.tx(buyer, 'market.bid', { dataset: streamId(s), price: 10 + ((i * 37 + s) % 990) }));
  const executed = c.block(txs);
  if (executed.failed.length > 0 || executed.txIds.length !== streams)
    throw new Error(`bids: ${JSON.stringify(executed.failed[0] ?? executed.txIds.length)}`);
}
const booked = c.market().bookOpen;
console.log(`book: ${booked} open orders (set up in ${Math.round(performance.now() - t)} ms)`);

let asked = 0;
let put = 0;
function phase(kind: 'put' | 'ask'): number {
  const txs = [];
  for (let n = 0; n < txCount; n++) {
    if (kind === 'put') {
      const w = writers[n % writers.length]!;
      txs.push(c.tx(w, 'data.put', { key: `sensor/${put % 5000}`, value: { seq: put, c: 20 } }));
      put++;
    } else {
      const s = asked++ % streams;
      txs.push(
        c.tx(ownerOf(s), 'market.ask', { dataset: streamId(s), price: 1, terms: 'bench use' }),
      );
    }
  }
  const state = c.state;
  t = performance.now();
  const executed = executeBlock(
    state,
    txs,
    {
      time: c.genesis.time + state.height + 1,
      proposer: c.blocks[0]!.block.header.proposer,
      round: 0,
    },
    false,
  );
  const ms = performance.now() - t;
  if (executed.failed.length + executed.rejected.length > 0 || executed.txIds.length !== txCount)
    throw new Error(
      `${kind}: ${executed.txIds.length} of ${txCount} applied; ${JSON.stringify(executed.failed[0] ?? executed.rejected[0])}`,
    );
  c.state = executed.state;
  c.blocks.push(executed);
  return ms;
}

const totals = { put: 0, ask: 0 };
for (let round = 0; round < pairs; round++) {
  const putMs = phase('put');
  const askMs = phase('ask');
  console.log(
    `round ${round}: data.put ${((1000 * putMs) / txCount).toFixed(1)} µs/tx, matched ask ${((1000 * askMs) / txCount).toFixed(1)} µs/tx`,
  );
  if (round > 0) {
    totals.put += putMs;
    totals.ask += askMs;
  }
}
const purchases = [...c.market().purchases.values()].length;
console.log(
  JSON.stringify(
    {
      txCount,
      pairs,
      openOrdersAtStart: booked,
      openOrdersAtEnd: c.market().bookOpen,
      matched: purchases,
      putMicrosPerTx: Number(((1000 * totals.put) / ((pairs - 1) * txCount)).toFixed(1)),
      matchedOrderMicrosPerTx: Number(((1000 * totals.ask) / ((pairs - 1) * txCount)).toFixed(1)),
      ratioMatchToPut: Number((totals.ask / totals.put).toFixed(2)),
      target: 'ratio at most 5',
    },
    null,
    2,
  ),
);
