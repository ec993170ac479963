// Device wallets through the peer (issue 16, U-II.4): this peer is the gateway and owner of a
// washer; the washer's account is paid, its owner sets a spending rule on chain, and the washer
// pays (signed with its own key) only within it. A payment outside the rule is refused with
// UNAUTHORIZED before it is signed, and the balance view shows the rule and today's spending.
import { describe, expect, it } from 'vitest';
import type { PeerHost } from './peer-host';
import { startTestHost } from './testing';
import { testIdentity } from '../core/testing';

const supplier = testIdentity('detergent supplier').did;
const stranger = testIdentity('detergent stranger').did;

async function commit(host: PeerHost, p: Promise<{ txId: string }>): Promise<string> {
  const { txId } = await p;
  const result = await host.waitFor(txId, { timeoutMs: 5000 });
  expect(result.status, JSON.stringify(result.error)).toBe('committed');
  expect(result.error ?? null).toBeNull();
  return txId;
}

async function refusal(p: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await p;
  } catch (error) {
    return error as { code: string; message: string };
  }
  throw new Error('expected a refusal');
}

describe('device wallets through the peer', () => {
  it('a washer pays its supplier within its owner’s rule; outside it is UNAUTHORIZED', async () => {
    const { host } = await startTestHost();
    const me = (await host.identity()).did;
    await host.createChain({
      name: 'home',
      mode: 'private',
      consensus: 'solo',
      tokens: { symbol: 'BOT', allocations: [{ did: me, amount: 1000 }] },
    });
    const { did: washer, txId } = await host.registerDevice({
      id: 'washer',
      kind: 'sensor',
      name: 'Washer',
      capabilities: ['detergentMl'],
    });
    await host.waitFor(txId, { timeoutMs: 5000 });
    await commit(host, host.transfer({ to: washer, amount: 100 }));

    // No rule yet: the washer cannot pay at all.
    const none = await refusal(host.deviceTransfer(washer, { to: supplier, amount: 5 }));
    expect(none.code).toBe('UNAUTHORIZED');
    expect(none.message).toMatch(/no spending rule/);

    await commit(
      host,
      host.setSpendingRule(washer, { perTxMax: 20, perDayMax: 30, payees: [supplier] }),
    );
    await commit(
      host,
      host.deviceTransfer(washer, { to: supplier, amount: 20, memo: 'detergent' }),
    );
    expect((await host.balance(supplier)).balance).toBe(20);

    const tooBig = await refusal(host.deviceTransfer(washer, { to: supplier, amount: 21 }));
    expect(tooBig.code).toBe('UNAUTHORIZED');
    const pastDay = await refusal(host.deviceTransfer(washer, { to: supplier, amount: 11 }));
    expect(pastDay.message).toMatch(/30 a day and has paid 20/);
    const otherPayee = await refusal(host.deviceTransfer(washer, { to: stranger, amount: 1 }));
    expect(otherPayee.message).toMatch(/did not allow that payee/);

    const view = await host.balance(washer);
    expect(view.balance).toBe(80);
    expect(view.rule).toEqual({ perTxMax: 20, perDayMax: 30, payees: [supplier], spentToday: 20 });
    // Only the owner sets the rule: a rule for an unknown device is NOT_FOUND.
    expect(
      (await refusal(host.setSpendingRule(stranger, { perTxMax: 1, perDayMax: 1 }))).code,
    ).toBe('NOT_FOUND');
    host.stop();
  });
});
