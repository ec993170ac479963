// Cross-chain operations between peers that each run one of two chains, carried by a Node peer
// that runs both (issue 18; Y.4560 7.2.3 to 7.2.5, 10.2 via contract). Tab X creates chain alpha
// (token AAA) and runs only it; tab Y creates beta (token BBB) and runs only it; the Node peer
// joins both through their invites and, running both, relays their operations (its LocalRelays).
// Each tab links the other's chain on the Cross-chain page by pasting the genesis shown in the
// other tab. Then:
//   1. X sends 100 AAA to beta by clicks on the Cross-chain page: it arrives on beta (paid from
//      beta's reserve) and is done on alpha;
//   2. X moves a dataset grant (the dataset key sealed to Y) from alpha to beta;
//   3. the relay is stopped (the Node peer leaves beta on its Chains API, keeping its data), X
//      locks 50 AAA with a deadline 3 blocks ahead and alpha passes it; nothing reaches beta; the
//      Node peer runs beta again and its relay refuses the operation on beta and aborts it on
//      alpha: X has its 50 back.
// Every peer of each chain reports the same operations with the same outcomes (tab X and the
// Node peer for alpha, tab Y and the Node peer for beta), and the tokens outside the two bridge
// accounts (reserve, escrow) are as many as at the start across the two chains. window.bot and
// the Node peer's HTTP API only assert (and fund beta's reserve, lock the grant, write blocks).
// Run inside the test network namespace (scripts/netns-run).
// Conformance: R-x7.2.3-a, R-x7.2.3-b, R-7.2.4, R-7.2.5-a, D-10.2.
import { expect, test, type Page } from '@playwright/test';
import {
  axe,
  createChain,
  crossChainPage,
  didOf,
  genesisShown,
  linkByPasting,
  open,
  phone,
  putFromTab,
  waitUntil,
} from './helpers';
import { startNodePeer, type NodePeer } from './node-peer';

test.setTimeout(420_000);

const port = Number(process.env.E2E_PORT ?? 8091);

interface OpView {
  id: string;
  side: 'out' | 'in';
  status: string;
  asset: { kind: string };
}

const opsOfTab = (page: Page) =>
  page.evaluate(async () => (await window.bot.xchain()).operations as OpView[]);
const opsOfNode = async (node: NodePeer, chainId: string) =>
  (await node.api<{ operations: OpView[] }>('GET', `/v1/chains/${chainId}/xchain`)).operations;
/** What every peer must agree on: each operation's id, side, what moved and its outcome. */
const outcome = (ops: OpView[]) =>
  ops.map((o) => `${o.id} ${o.side} ${o.asset.kind} ${o.status}`).sort();

/** Balances a tab reads on its chain: the account, the reserve and the escrow. */
const balancesOf = (page: Page, account: string) =>
  page.evaluate(async (account) => {
    const of = async (a: string) => (await window.bot.balance(a)).balance;
    return {
      account: await of(account),
      reserve: await of('xchain:reserve'),
      escrow: await of('xchain:escrow'),
      supply: (await window.bot.balance(account)).supply,
    };
  }, account);

async function createTokenChain(page: Page, name: string, symbol: string): Promise<string> {
  await page.getByLabel('Token symbol').fill(symbol);
  // poa (this tab its one validator): a round engine gossips the Node peer's relay transactions
  // to it (a solo chain takes transactions only from its own validator's peer).
  const invite = await createChain(page, name, 'private', 'poa');
  return invite;
}

async function nodeJoins(node: NodePeer, invite: string, tab: Page): Promise<string> {
  const { chainId } = await node.api<{ chainId: string }>('POST', '/v1/join', {
    invite,
  });
  // Admitted by the tab (the chain's validator) and caught up with it.
  await waitUntil(
    async () => {
      const status = await node.api<{ admission: string; height: number }>(
        'GET',
        `/v1/chains/${chainId}/status`,
      );
      const height = await tab.evaluate(async () => (await window.bot.status()).height);
      return status.admission === 'admitted' && status.height === height;
    },
    120_000,
    `the Node peer to be admitted to ${chainId} and catch up`,
  );
  return chainId;
}

test('tabs on one chain each and a Node peer on both: tokens and a dataset grant cross, an operation aborts at its deadline after the relay stops, and every peer agrees', async ({
  browser,
}) => {
  const node = await startNodePeer(`ws://127.0.0.1:${port}/signal`);
  try {
    const x = await open(browser, '/#/chains', phone);
    const y = await open(browser, '/#/chains', phone);
    const [didX, didY] = [await didOf(x), await didOf(y)];
    const inviteA = await createTokenChain(x, 'alpha', 'AAA');
    const inviteB = await createTokenChain(y, 'beta', 'BBB');
    const alpha = await x.evaluate(async () => (await window.bot.status()).chainId);
    const beta = await y.evaluate(async () => (await window.bot.status()).chainId);
    await nodeJoins(node, inviteA, x);
    await nodeJoins(node, inviteB, y);

    // Each tab links the other's chain by pasting the genesis the other tab shows.
    const genesisB = await genesisShown(y);
    const genesisA = await genesisShown(x);
    await linkByPasting(x, genesisB, beta);
    await linkByPasting(y, genesisA, alpha);
    // beta's bridge reserve backs the tokens that arrive from alpha.
    await y.evaluate(async () => {
      const { txId } = await window.bot.xchainFund(500);
      await window.bot.waitFor(txId, { timeoutMs: 60_000 });
    });
    const startA = await balancesOf(x, didX);
    const startB = await balancesOf(y, didY);
    const circulating = (b: typeof startA) => b.supply - b.reserve - b.escrow;
    const totalAtStart = circulating(startA) + circulating(startB);

    // 1. X sends 100 AAA to beta by clicks; the Node peer relays it.
    await crossChainPage(x);
    await x.getByLabel('What moves').selectOption('tokens');
    await x.getByLabel('Amount').fill('100');
    await x.getByTestId('xchain-lock-button').click();
    await expect(x.getByTestId('xchain-lock-result')).toContainText('Locked in block', {
      timeout: 60_000,
    });
    await expect(x.getByTestId('xchain-operation').first()).toContainText('100 tokens');
    await expect(x.getByTestId('xchain-status').first()).toHaveText('done on both chains', {
      timeout: 120_000,
    });
    await axe(x);
    await crossChainPage(y);
    const arrived = y.getByTestId('xchain-operation').filter({ hasText: '100 tokens' });
    await expect(arrived.getByTestId('xchain-status')).toHaveText('arrived', { timeout: 60_000 });
    await expect(arrived).toContainText(`from chain ${alpha.slice(0, 8)}`);

    // 2. A dataset grant: the dataset key sealed to Y (ciphertext only), from alpha to beta.
    const dataset = 'd5'.repeat(32);
    const grant = await x.evaluate(
      async ({ beta, didY, dataset }) => {
        const height = (await window.bot.status()).height;
        const sealed = crypto.getRandomValues(new Uint8Array(80));
        const { txId } = await window.bot.submit({
          type: 'xchain.lock',
          body: {
            target: beta,
            to: didY,
            asset: { kind: 'grant', dataset, grantee: didY, sealed },
            deadline: height + 50,
          },
        });
        await window.bot.waitFor(txId, { timeoutMs: 60_000 });
        return txId;
      },
      { beta, didY, dataset },
    );
    await waitUntil(
      async () => (await opsOfTab(x)).some((o) => o.id === grant && o.status === 'finalized'),
      120_000,
      'the grant to be finalized on alpha',
    );

    // 3. The relay stops: the Node peer leaves beta (its data kept); nothing relays any more.
    expect(await node.api('POST', `/v1/chains/${beta}/leave`, { keepData: true })).toEqual({
      chainId: beta,
      keptData: true,
    });
    const nodeChains = await node.api<Array<{ chainId: string; running: boolean; left?: boolean }>>(
      'GET',
      '/v1/chains',
    );
    expect(nodeChains.find((c) => c.chainId === beta)).toMatchObject({
      running: false,
      left: true,
    });
    const late = await x.evaluate(async (beta) => {
      const height = (await window.bot.status()).height;
      const { txId, id } = await window.bot.xchainLock({
        target: beta,
        asset: { kind: 'tokens', amount: 50 },
        deadline: height + 3,
      });
      await window.bot.waitFor(txId, { timeoutMs: 60_000 });
      return { id, deadline: height + 3 };
    }, beta);
    expect((await balancesOf(x, didX)).account).toBe(startA.account - 100 - 50);
    // alpha passes the deadline; the Node peer follows alpha (it still runs it) but beta never
    // hears of the operation while the relay is stopped.
    for (let i = 0; i < 3; i++) await putFromTab(x, `tick${i}/`, 1); // one block each
    await waitUntil(
      async () =>
        (await node.api<{ height: number }>('GET', `/v1/chains/${alpha}/status`)).height >=
        late.deadline,
      60_000,
      'the Node peer to follow alpha past the deadline',
    );
    expect((await opsOfTab(x)).find((o) => o.id === late.id)?.status).toBe('locked');
    expect((await opsOfTab(y)).some((o) => o.id === late.id)).toBe(false);

    // The Node peer runs beta again: its relay refuses the operation on beta, aborts it on alpha.
    await node.api('POST', `/v1/chains/${beta}/use`);
    await crossChainPage(x);
    const aborted = x.getByTestId('xchain-operation').filter({ hasText: late.id.slice(0, 10) });
    await expect(aborted.getByTestId('xchain-status')).toHaveText('aborted, returned', {
      timeout: 120_000,
    });
    await axe(x);

    // Every peer of each chain reports the same operations with the same outcomes.
    const wantA = [
      `${grant} out grant finalized`,
      `${late.id} out tokens aborted`,
      expect.stringMatching(/ out tokens finalized$/),
    ];
    await waitUntil(
      async () =>
        JSON.stringify(outcome(await opsOfNode(node, alpha))) ===
          JSON.stringify(outcome(await opsOfTab(x))) &&
        JSON.stringify(outcome(await opsOfNode(node, beta))) ===
          JSON.stringify(outcome(await opsOfTab(y))),
      60_000,
      'the Node peer to report what the tabs report',
    );
    const onA = outcome(await opsOfTab(x));
    const onB = outcome(await opsOfTab(y));
    expect(onA).toEqual(expect.arrayContaining(wantA));
    expect(onA).toHaveLength(3);
    const first = onA.find((o) => o.endsWith('out tokens finalized'))!.split(' ')[0];
    expect(onB.sort()).toEqual(
      [
        `${first} in tokens committed`,
        `${grant} in grant committed`,
        `${late.id} in tokens refused`,
      ].sort(),
    );
    expect(outcome(await opsOfNode(node, alpha))).toEqual(onA);
    expect(outcome(await opsOfNode(node, beta))).toEqual(onB);

    // Tokens: X has its 50 back; 100 left alpha into its reserve and came out of beta's to X.
    const endA = await balancesOf(x, didX);
    const endB = await balancesOf(y, didY);
    expect(endA).toMatchObject({ account: startA.account - 100, reserve: 100, escrow: 0 });
    expect(endB.reserve).toBe(startB.reserve - 100);
    const xOnB = await y.evaluate(async (did) => (await window.bot.balance(did)).balance, didX);
    expect(xOnB).toBe(100);
    expect(circulating(endA) + circulating(endB)).toBe(totalAtStart);
    expect([endA.supply, endB.supply]).toEqual([startA.supply, startB.supply]);
  } catch (error) {
    // What the relay said (its warnings are on the Node peer's chain logs), to see why.
    for (const c of await node.api<Array<{ chainId: string; running: boolean }>>(
      'GET',
      '/v1/chains',
    ))
      if (c.running)
        for (const e of await node.api<Array<{ level: string; message: string }>>(
          'GET',
          `/v1/chains/${c.chainId}/log`,
        ))
          if (e.level !== 'info' || /relay/i.test(e.message))
            console.log(`[node ${c.chainId.slice(0, 6)}] ${e.level} ${e.message}`);
    throw error;
  } finally {
    await node.stop();
  }
});
