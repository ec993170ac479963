// Validation of submitted data on the Data page (issue 17; Y.4560 9.4, D-9.4) between two tabs:
// A's chain names A its regulator (through window.bot: the governance form is not the subject);
// B submits a value; A sees it pending in the Validate card, types a reason and clicks Refuse;
// B (a phone) sees the refusal and its reason, types a corrected value and clicks Resubmit; A
// sees the resubmission linked to the refusal and clicks Valid. Run inside the test network
// namespace (scripts/netns-run). Second test: the chain's policy data.validators is
// "stakeholders"; A submits a value naming B (a phone) its stakeholder; B refuses it by clicks;
// A sees the refusal and why on its page and resubmits by clicks; B validates the resubmission.
// Conformance: D-9.4.
import { expect, test } from '@playwright/test';
import { axe, open, phone } from './helpers';

test.describe.configure({ mode: 'serial' });
test.setTimeout(300_000);

test('a regulator refuses a value by clicks, the submitter sees why and resubmits, then it is valid', async ({
  browser,
}) => {
  const a = await open(browser, '/#/data');
  const b = await open(browser, '/#/data', phone);
  const aDid = await a.evaluate(async () => (await window.bot.identity()).did);
  const { invite } = await a.evaluate(() =>
    window.bot.createChain({ name: 'lab', mode: 'consortium', consensus: 'poa' }),
  );
  await b.goto(`/${invite.slice(invite.indexOf('#'))}`);
  await b.getByRole('button', { name: 'Join lab' }).click();
  await expect(b.getByTestId('admission-state')).toContainText('Admitted', { timeout: 120_000 });
  await a.evaluate(async (me) => {
    const { txId } = await window.bot.setRole('regulate', [me]);
    await window.bot.waitFor(txId, { timeoutMs: 60_000 });
  }, aDid);
  await b.evaluate(async () => {
    const { txId } = await window.bot.submit({
      type: 'data.put',
      body: { key: 'lab/batch-7', value: { ph: 9.9 } },
    });
    await window.bot.waitFor(txId, { timeoutMs: 60_000 });
  });

  // A refuses it with a reason, by clicks.
  await a.goto('/#/data');
  const entry = a.getByTestId('validation-entry');
  await expect(entry).toContainText('lab/batch-7', { timeout: 60_000 });
  await expect(entry).toContainText('pending validation');
  await expect(a.getByTestId('validation-value')).toContainText('9.9');
  await axe(a);
  await a.getByTestId('validation-reason-input').fill('pH out of range');
  await a.getByTestId('validate-refuse').click();
  await expect(entry).toContainText('refused', { timeout: 60_000 });

  // B sees the refusal and why, and resubmits a corrected value.
  await b.goto('/#/data');
  await expect(b.getByTestId('validation-reason')).toContainText('pH out of range', {
    timeout: 60_000,
  });
  await axe(b);
  await b.getByTestId('resubmit-value').fill('{"ph":7.1}');
  await b.getByTestId('resubmit').click();
  await expect(b.getByTestId('validation-entry')).toContainText('resubmitted', {
    timeout: 60_000,
  });

  // A sees the resubmission linked to the refusal, and validates it.
  await a.reload();
  await expect(entry).toContainText('answers the refusal: pH out of range', { timeout: 60_000 });
  await a.getByTestId('validate-valid').click();
  await expect(a.getByTestId('validation-entry')).toHaveCount(0, { timeout: 60_000 });
  await expect
    .poll(
      () => b.evaluate(() => window.bot.get('lab/batch-7').then((g) => g?.validation?.status)),
      {
        timeout: 60_000,
      },
    )
    .toBe('valid');
  const history = await b.evaluate(() => window.bot.history('lab/batch-7'));
  expect(history.map((v) => v.validation?.status)).toEqual(['refused', 'valid']);
});

test('a stakeholder named by the submitter refuses by clicks, the submitter sees why and resubmits, the stakeholder validates', async ({
  browser,
}) => {
  const a = await open(browser, '/#/data');
  const b = await open(browser, '/#/data', phone);
  const bDid = await b.evaluate(async () => (await window.bot.identity()).did);
  const { invite } = await a.evaluate(() =>
    window.bot.createChain({ name: 'farm', mode: 'consortium', consensus: 'poa' }),
  );
  await b.goto(`/${invite.slice(invite.indexOf('#'))}`);
  await b.getByRole('button', { name: 'Join farm' }).click();
  await expect(b.getByTestId('admission-state')).toContainText('Admitted', { timeout: 120_000 });
  await a.evaluate(async (stakeholder) => {
    const policy = await window.bot.setPolicy('data.validators', 'stakeholders');
    await window.bot.waitFor(policy.txId, { timeoutMs: 60_000 });
    const { txId } = await window.bot.submit({
      type: 'data.put',
      body: { key: 'farm/lot-3', value: { kg: 120 }, stakeholders: [stakeholder] },
    });
    await window.bot.waitFor(txId, { timeoutMs: 60_000 });
  }, bDid);

  // B, a stakeholder without any role, refuses it with a reason, by clicks.
  await b.goto('/#/data');
  const entry = b.getByTestId('validation-entry');
  await expect(entry).toContainText('farm/lot-3', { timeout: 60_000 });
  await expect(b.getByTestId('validation-stakeholders')).toContainText('you');
  await axe(b);
  await b.getByTestId('validation-reason-input').fill('weight not on the scale ticket');
  await b.getByTestId('validate-refuse').click();
  await expect(entry).toContainText('refused', { timeout: 60_000 });

  // A, the submitter, sees the verdict and why, and resubmits by clicks.
  await a.goto('/#/data');
  await expect(a.getByTestId('validation-reason')).toContainText('weight not on the scale ticket', {
    timeout: 60_000,
  });
  await axe(a);
  await a.getByTestId('resubmit-value').fill('{"kg":118}');
  await a.getByTestId('resubmit').click();
  await expect(a.getByTestId('validation-entry')).toContainText('resubmitted', {
    timeout: 60_000,
  });

  // B validates the resubmission; A's read reports it valid.
  await b.reload();
  await expect(entry).toContainText('answers the refusal: weight not on the scale ticket', {
    timeout: 60_000,
  });
  await b.getByTestId('validate-valid').click();
  await expect
    .poll(() => a.evaluate(() => window.bot.get('farm/lot-3').then((g) => g?.validation?.status)), {
      timeout: 60_000,
    })
    .toBe('valid');
  await expect(a.getByTestId('validation-entry')).toHaveCount(0, { timeout: 60_000 });
});
