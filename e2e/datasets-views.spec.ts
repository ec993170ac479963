// Data minimization by rights through the Data page (issue 15): phone-sized B asks for a summary
// (count, min, max, mean of pm25 over a window of t) by clicking and typing; owner A sees the
// view it is deciding and grants; A's peer derives the summary and seals it for B only; B reads
// it on the page. window.bot only asserts: B holds no key of the full version. Then B runs an
// analytics job over A's dataset and its own by clicking and sees the merged result.
// Run inside the test network namespace (scripts/netns-run).
import { expect, test } from '@playwright/test';
import { axe, createChain, didOf, joinByLink, open, phone } from './helpers';

test.setTimeout(300_000);

const records = JSON.stringify(
  Array.from({ length: 10 }, (_, t) => ({ t, pm25: t * 2, home: `street ${t}` })),
);

test('B asks for an aggregate, A grants, B sees count/min/max/mean and never the records', async ({
  browser,
}) => {
  const a = await open(browser, '/#/chains');
  const link = await createChain(a, 'air');
  const b = await joinByLink(browser, link, 'air', {
    ...phone,
    viewport: { width: 375, height: 740 },
  });
  const bDid = await didOf(b);

  // A publishes and adds JSON records on the Data page.
  await a.goto('/#/data');
  await a.getByTestId('dataset-id').fill('air');
  await a.getByTestId('publish-dataset').click();
  await expect(a.getByTestId('dataset-air')).toBeVisible({ timeout: 60_000 });
  await a.getByTestId('version-text').fill(records);
  await a.getByTestId('add-version').click();
  await expect(a.getByRole('status').filter({ hasText: 'Version 1 sealed' })).toBeVisible({
    timeout: 60_000,
  });

  // B chooses a summary of pm25 over 2 ≤ t < 6 and asks with a purpose.
  await b.goto('/#/data');
  const mine = b.getByTestId('dataset-air');
  await expect(mine).toBeVisible({ timeout: 60_000 });
  await mine.getByLabel('Summary (count, min, max, mean)').check();
  await mine.getByTestId('view-field').fill('pm25');
  await mine.getByTestId('view-window-field').fill('t');
  await mine.getByTestId('view-from').fill('2');
  await mine.getByTestId('view-to').fill('6');
  await mine.getByTestId('purpose').fill('city air report');
  await axe(b);
  await mine.getByTestId('request-access').click();
  await expect(b.getByTestId('my-request-air')).toContainText('pending', { timeout: 60_000 });
  await expect(b.getByTestId('my-request-air')).toContainText('count, min, max, mean of pm25');

  // A sees what is asked and grants by clicking.
  const ask = a.getByTestId('requests-air');
  await expect(ask).toContainText('city air report', { timeout: 60_000 });
  await expect(ask.getByTestId('request-view')).toHaveText(
    'only count, min, max, mean of pm25 where 2 ≤ t < 6',
  );
  await axe(a);
  await ask.getByTestId('grant').click();
  await expect(a.getByTestId('readers-air')).toContainText('sees only count', {
    timeout: 60_000,
  });

  // B reads its view: the summary, derived on A's peer and decrypted on B's.
  await expect(b.getByTestId('read-view-1')).toBeVisible({ timeout: 60_000 });
  await b.getByTestId('read-view-1').click();
  const summary = b.getByTestId('view-summary');
  await expect(summary).toBeVisible({ timeout: 60_000 });
  await expect(summary.getByTestId('view-count')).toHaveText('4');
  await expect(summary.getByTestId('view-min')).toHaveText('4');
  await expect(summary.getByTestId('view-max')).toHaveText('10');
  await expect(summary.getByTestId('view-mean')).toHaveText('7');
  await expect(b.getByTestId('read-result-air')).not.toContainText('street');
  await axe(b);

  // No key of the full version is wrapped for B; the read is in the access log.
  const seen = await b.evaluate(async () => (await window.bot.datasets())[0]!);
  expect(seen.versions[0]!.readable).toBe(false);
  expect(seen.versions[0]!.readers).not.toContain(bDid);
  expect(seen.viewers.map((v) => v.reader)).toEqual([bDid]);
  const log = await a.evaluate(() => window.bot.accessLog('air'));
  expect(log.filter((e) => e.kind === 'derive').map((e) => e.reader)).toEqual([bDid]);
  await expect
    .poll(async () =>
      (await a.evaluate(() => window.bot.accessLog('air'))).some(
        (e) => e.kind === 'access' && e.reader === bDid,
      ),
    )
    .toBe(true);

  // Distributed analytics (Y.4560 8.2): B also owns air.b and runs one job over both datasets by
  // clicking; A's peer computes its part of air, B's its part of air.b; B merges them.
  await b.getByTestId('dataset-id').fill('air.b');
  await b.getByTestId('publish-dataset').click();
  const own = b.getByTestId('dataset-air.b');
  await expect(own).toBeVisible({ timeout: 60_000 });
  const bRecords = Array.from({ length: 10 }, (_, t) => ({ t, pm25: t }));
  await own.getByTestId('version-text').fill(JSON.stringify(bRecords));
  await own.getByTestId('add-version').click();
  await expect(b.getByRole('status').filter({ hasText: 'Version 1 sealed' })).toBeVisible({
    timeout: 60_000,
  });
  await b.getByTestId('analytics-dataset-air').check();
  await b.getByTestId('analytics-dataset-air.b').check();
  await b.getByTestId('analytics-field').fill('pm25');
  await b.getByTestId('analytics-fn-max').check();
  await b.getByTestId('analytics-window-field').fill('t');
  await b.getByTestId('analytics-from').fill('2');
  await b.getByTestId('analytics-to').fill('6');
  await b.getByTestId('run-analytics').click();
  const result = b.getByTestId('analytics-result');
  await expect(result).toContainText('All 2 owners answered', { timeout: 60_000 });
  // air: pm25 4, 6, 8, 10; air.b: 2, 3, 4, 5 (2 ≤ t < 6).
  await expect(result.getByTestId('analytics-count')).toHaveText('8');
  await expect(result.getByTestId('analytics-max')).toHaveText('10');
  await expect(result.getByTestId('analytics-mean')).toHaveText('5.25');
  await expect(result.getByTestId('analytics-part-air')).toContainText('answered');
  await expect(result.getByTestId('analytics-part-air.b')).toContainText('answered');
  await axe(b);
  // The job and A's partial are in air's access log, on A's Data page too.
  await expect(a.getByTestId('access-log-air')).toContainText('analytics part sent', {
    timeout: 60_000,
  });
  await expect
    .poll(async () =>
      (await a.evaluate(() => window.bot.accessLog('air')))
        .filter((e) => e.kind === 'job' || e.kind === 'partial')
        .map((e) => e.kind),
    )
    .toEqual(['job', 'partial']);
  for (const page of [a, b]) await page.context().close();
});
