// Light peer storage (`npm run bench:light`, issues 19 and 20): one peer (memory store, the best
// verifier) runs a solo chain busy with road observations (BENCH_TXS data.put per block, each a
// segment's speed, count and humidity, as a vehicle reports them); a light peer
// (worker/host/light.ts) follows it from genesis through the peer's light-client material. At
// each checkpoint of BENCH_BLOCKS (default 250, 500, 1000, 2000): the light peer's stored bytes
// (its light-client state, encoded) ÷ the full peer's stored block bytes (blocks only: the full
// peer's state and indexes come on top, so the true ratio is lower). Target (issue 20, ITS):
// at most 0.05. The light store is bounded (lightPeerStoredBytesMax) and the full one grows
// with every block, so the ratio falls as 1/N.
import { startTestHost } from '../worker/host/testing';
import { endpointLightSource, LightFollower, lightPeerStoredBytesMax } from '../worker/host/light';
import { trustGenesis } from '../worker/core/lightclient';

const checkpoints = (process.env.BENCH_BLOCKS ?? '250,500,1000,2000').split(',').map(Number);
const txsPerBlock = Number(process.env.BENCH_TXS ?? 4);
const keepAlive = setInterval(() => {}, 1000);

const { host } = await startTestHost();
await host.createChain({ name: 'roads', mode: 'public', consensus: 'solo' });
const end = await host.xchainEndpoint();
const light = new LightFollower(trustGenesis(end.durable().genesis), endpointLightSource(end));
const chainId = end.durable().chainId;
let fullBytes = 0;
let counted = 0;
let i = 0;
console.log(`| blocks | light bytes | full block bytes | light ÷ full |`);
console.log(`| ------ | ----------- | ---------------- | ------------ |`);
for (const target of checkpoints) {
  while (end.durable().height < target) {
    const pending = [];
    for (let t = 0; t < txsPerBlock; t++, i++)
      pending.push(
        host.submit({
          type: 'data.put',
          body: {
            key: `seg/${i % 64}`,
            value: { speed: 30 + (i % 50), n: 1 + (i % 7), humidity: i % 100 },
          },
        }),
      );
    const ids = await Promise.all(pending);
    await host.waitFor(ids[ids.length - 1]!.txId, { timeoutMs: 60_000 });
    await light.follow();
  }
  await light.follow();
  for (; counted < light.height; counted++)
    fullBytes += (await end.storage.getBlock(chainId, counted + 1))!.length;
  const lightBytes = light.storedBytes();
  console.log(
    `| ${light.height} | ${lightBytes} | ${fullBytes} | ${(lightBytes / fullBytes).toFixed(4)} |`,
  );
}
console.log(`lightPeerStoredBytesMax = ${lightPeerStoredBytesMax}`);
await host.stop();
clearInterval(keepAlive);
