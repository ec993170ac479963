// A contract triggered by height (issue 17, r-7.2-b), phone first: on a consortium chain of two
// tabs, the first deploys the example counter and schedules its `increment` every 2 blocks,
// three times, by clicks on the Contracts page; nobody calls it, and the other tab's Contracts
// page shows the counter rise to 3 and the trigger done, with its last outcome. A second
// trigger, until cancelled, is cancelled by a click and runs no more. window.bot only asserts.
// Separate contexts over the relay and WebRTC: run inside scripts/netns-run.
// Conformance: r-7.2-b, R-7.2.1-a, R-7.2.4-f.
import { expect, test } from '@playwright/test';
import { axe, createChain, open, phone } from './helpers';

test.setTimeout(300_000);

test('a contract triggered by height: scheduled by clicks, the counter rises on another tab with no caller', async ({
  browser,
}) => {
  const a = await open(browser, '/#/chains', phone);
  // Heights advance only with blocks: an empty block every 2 s keeps the triggers running on this
  // otherwise idle chain (the default is 30 round timeouts).
  await a.getByLabel(/^Empty block every/).fill('2');
  const link = await createChain(a, 'timers', 'consortium');
  const b = await open(browser, link, phone);
  await b.getByRole('button', { name: 'Join timers' }).click();
  await expect(b.getByTestId('admission-state')).toContainText('Admitted', { timeout: 120_000 });

  await a.evaluate(() => {
    location.hash = '#/contracts';
  });
  await expect(a.getByRole('heading', { level: 1, name: 'Contracts' })).toBeVisible();
  await a.getByLabel('Contract name').fill('counter');
  await a.getByRole('button', { name: 'Deploy', exact: true }).click(); // the example code
  await expect(a.getByTestId('deploy-result')).toContainText(/Deployed counter in block \d+/, {
    timeout: 60_000,
  });

  await a.getByText('Schedule a trigger').click();
  await a.getByLabel('Method to run').selectOption('increment');
  await a.getByRole('combobox', { name: /^When/ }).selectOption('every');
  await a.getByLabel('Blocks between runs').fill('2');
  await a.getByLabel('Number of runs (empty: until cancelled)').fill('3');
  await a.getByRole('button', { name: 'Schedule trigger' }).click();
  await expect(a.getByTestId('schedule-result')).toContainText(/Scheduled in block \d+/, {
    timeout: 60_000,
  });
  const scheduledAt = Number(
    /block (\d+)/.exec((await a.getByTestId('schedule-result').textContent())!)![1],
  );
  await expect(a.getByTestId('trigger-next')).toContainText(`next at block ${scheduledAt + 2}`);

  // the other tab: no one calls; the counter rises by itself
  await b.evaluate(() => {
    location.hash = '#/contracts';
  });
  await expect(b.getByRole('heading', { level: 1, name: 'Contracts' })).toBeVisible();
  await expect(b.getByTestId('contract-state')).toContainText('count', { timeout: 60_000 });
  await expect(b.getByTestId('trigger-row')).toContainText('done in block', { timeout: 90_000 });
  await expect(b.getByTestId('contract-state')).toContainText('3');
  await expect(b.getByTestId('trigger-last')).toContainText(`block ${scheduledAt + 6}: ok → 3`);
  await axe(b);
  const seen = await b.evaluate(() => window.bot.triggers('counter'));
  expect(seen).toEqual([
    expect.objectContaining({
      runs: 3,
      every: 2,
      ended: expect.objectContaining({ reason: 'done' }),
    }),
  ]);
  const detail = await b.evaluate(() => window.bot.contract('counter'));
  expect(detail!.calls.filter((c) => c.trigger).map((c) => c.height)).toEqual([
    scheduledAt + 2,
    scheduledAt + 4,
    scheduledAt + 6,
  ]);

  // a trigger until cancelled: cancelled by a click, it runs no more
  await a.getByLabel('Blocks between runs').fill('1');
  await a.getByLabel('Number of runs (empty: until cancelled)').fill('');
  await a.getByRole('button', { name: 'Schedule trigger' }).click();
  await expect(a.getByTestId('trigger-row').first()).toContainText('every 1 blocks', {
    timeout: 60_000,
  });
  await expect(a.getByTestId('trigger-row').first()).toContainText(/[1-9]\d* runs?/, {
    timeout: 60_000,
  });
  await a.getByRole('button', { name: 'Cancel the increment trigger' }).click();
  await expect(a.getByTestId('trigger-row').first()).toContainText('cancelled in block', {
    timeout: 60_000,
  });
  await axe(a);
  const [cancelled] = await a.evaluate(() =>
    window.bot.triggers('counter').then((l) => l.slice(-1)),
  );
  const count = await b.evaluate(
    async () => (await window.bot.contract('counter'))!.state[0]!.value,
  );
  await expect
    .poll(async () => (await b.evaluate(() => window.bot.triggers('counter')))[1]?.ended?.reason, {
      timeout: 60_000,
    })
    .toBe('cancelled');
  expect(cancelled!.runs).toBeGreaterThanOrEqual(1);
  expect(Number(count)).toBeGreaterThanOrEqual(4);
  for (const page of [a, b]) await page.context().close();
});
