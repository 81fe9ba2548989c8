import { expect, test } from '@playwright/test';

// Deploy checkout from the Demo page with an error regression (a fifth of its
// requests fail): Meridian detects the deploy in traces and, once the window
// after it has passed (scripts/e2e.sh: 60 s), flags it as a regression, on
// the Deploys page and on checkout's page.
test('a deploy with an error regression is flagged as one', async ({ page }) => {
  test.setTimeout(420_000);
  // Checkout's previous deploy (the Demo page test's) is compared first: its
  // window then lies wholly before this deploy's, so each window holds one version.
  await expect
    .poll(
      async () => {
        const answer = await (await page.request.get('/api/v1/deploys?service=checkout&limit=1')).json();
        const latest = answer.items[0];
        return latest === undefined || latest.after !== null;
      },
      { timeout: 180_000, intervals: [5_000] },
    )
    .toBe(true);
  await page.goto('/demo');
  await expect(page.locator('div.app')).toHaveAttribute('data-hydrated', 'true');
  const checkout = page.locator('[data-testid="demo-fleet"] tr[data-process="checkout"]');
  await checkout.getByTestId('demo-choose').click();
  await expect(page.getByTestId('demo-process')).toHaveText('checkout');
  const version = await page.getByTestId('demo-version').inputValue();
  await page.getByTestId('demo-regression').selectOption('errors');
  await page.getByTestId('demo-deploy').click();
  await expect(checkout.getByTestId('version')).toHaveText(version);

  // The Deploys page, filtered to regressions of checkout (a GET form: the URL holds it).
  const row = page.locator(`[data-testid="deploys"] tr[data-service="checkout"][data-version="${version}"]`);
  await expect
    .poll(
      async () => {
        await page.goto('/deploys?service=checkout&regression=yes');
        return row.count();
      },
      { timeout: 240_000, intervals: [5_000] },
    )
    .toBe(1);
  await expect(row.getByTestId('regression')).toHaveText('Regression');
  await expect(row).toContainText('traces');
  await expect(page.locator('select[name="regression"]')).toHaveValue('yes');

  // checkout's page shows the same deploy in its timeline.
  await page.goto('/catalog/default/component/checkout?tab=deploys');
  const own = page.locator(`[data-testid="deploys"] tr[data-version="${version}"]`);
  await expect(own.getByTestId('regression')).toHaveText('Regression');
  await expect(page.getByTestId('dora')).toContainText('Change failure rate');
});
