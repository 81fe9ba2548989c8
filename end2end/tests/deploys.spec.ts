import { expect, test } from '@playwright/test';

// Deploy payments from the Demo page with an error regression (a fifth of its
// requests fail): Meridian detects the deploy in traces and, once the window
// after it has passed (scripts/e2e.sh: 60 s), flags it as a regression, on
// the Deploys page and on payments' page.
//
// Most of this test is waiting for that window, so playwright.config.ts runs
// it beside the others. Hence payments: a leaf no other test breaks or
// deploys, so its window before the deploy is clean traffic of one version.
test('a deploy with an error regression is flagged as one', async ({ page }) => {
  test.setTimeout(420_000);
  const answer = await (await page.request.get('/api/v1/deploys?service=payments')).json();
  expect(answer.items, 'no other test deploys payments').toEqual([]);
  // The judgement compares the minute before the deploy with the one after:
  // deploy once payments' last minute is clean (on a busy machine, its calls
  // can fail for a while, and a failing "before" hides the regression).
  await expect
    .poll(
      async () => {
        const ops = await (await page.request.get('/api/v1/services/payments/operations?window=1m')).json();
        const all = ops.operations.reduce((sum: { requests: number; errors: number }, o: { requests: number; errors: number }) =>
          ({ requests: sum.requests + o.requests, errors: sum.errors + o.errors }), { requests: 0, errors: 0 });
        return all.requests >= 10 && all.errors === 0;
      },
      { timeout: 120_000, intervals: [2_000] },
    )
    .toBe(true);
  await page.goto('/demo');
  await expect(page.locator('div.app')).toHaveAttribute('data-hydrated', 'true');
  const payments = page.locator('[data-testid="demo-fleet"] tr[data-process="payments"]');
  await payments.getByTestId('demo-choose').click();
  await expect(page.getByTestId('demo-process')).toHaveText('payments');
  const version = await page.getByTestId('demo-version').inputValue();
  await page.getByTestId('demo-regression').selectOption('errors');
  await page.getByTestId('demo-deploy').click();
  await expect(payments.getByTestId('version')).toHaveText(version);

  // The Deploys page, filtered to regressions of payments (a GET form: the URL holds it).
  const row = page.locator(`[data-testid="deploys"] tr[data-service="payments"][data-version="${version}"]`);
  await expect
    .poll(
      async () => {
        await page.goto('/deploys?service=payments&regression=yes');
        return row.count();
      },
      { timeout: 240_000, intervals: [5_000] },
    )
    .toBe(1);
  await expect(row.getByTestId('regression')).toHaveText('Regression');
  await expect(row).toContainText('traces');
  await expect(page.locator('select[name="regression"]')).toHaveValue('yes');

  // payments' page shows the same deploy in its timeline.
  await page.goto('/catalog/default/component/payments?tab=deploys');
  const own = page.locator(`[data-testid="deploys"] tr[data-version="${version}"]`);
  await expect(own.getByTestId('regression')).toHaveText('Regression');
  await expect(page.getByTestId('dora')).toContainText('Change failure rate');
});
