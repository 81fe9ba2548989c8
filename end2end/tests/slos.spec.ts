import { expect, test } from '@playwright/test';

// Break checkout from the Demo page: its availability SLO (demo/catalog/slos.yaml,
// POST /orders not-5xx against 99 %) burns its budget and pages within minutes.
// scripts/e2e.sh evaluates SLOs every 5 s; a minute counts once it is complete.
test('breaking checkout pages its availability SLO', async ({ page }) => {
  test.setTimeout(300_000);
  await page.goto('/demo');
  await expect(page.locator('div.app')).toHaveAttribute('data-hydrated', 'true');
  const checkout = page.locator('[data-testid="demo-fleet"] tr[data-process="checkout"]');
  await checkout.getByTestId('demo-choose').click();
  await expect(page.getByTestId('demo-process')).toHaveText('checkout');
  await page.getByTestId('demo-error-share').fill('100');
  await page.getByTestId('demo-apply').click();
  await expect(checkout.getByTestId('faults')).toHaveText('100 % errors');

  try {
    // The SLOs page, filtered to what pages (a GET form: the URL says so).
    await expect
      .poll(
        async () => {
          await page.goto('/slos?state=page&sort=budget');
          return page.locator('[data-testid="slos"] tr[data-slo="checkout-availability"]').count();
        },
        { timeout: 240_000, intervals: [5_000] },
      )
      .toBe(1);
    const row = page.locator('[data-testid="slos"] tr[data-slo="checkout-availability"]');
    await expect(row.getByTestId('alert')).toHaveText('Page');
    await expect(page.locator('select[name="state"]')).toHaveValue('page');

    // The component's page says the same, with the budget spent below zero.
    await row.getByRole('link', { name: 'checkout' }).click();
    const card = page.locator('[data-testid="slo-panel"] article[data-slo="checkout-availability"]');
    await expect(card.locator('header').getByTestId('alert')).toHaveText('Page');
    await expect(card.getByTestId('budget')).toContainText('-');
    await expect(card.locator('svg.budget-chart')).toHaveCount(1);
  } finally {
    await page.goto('/demo');
    await expect(page.locator('div.app')).toHaveAttribute('data-hydrated', 'true');
    await checkout.getByTestId('demo-choose').click();
    await page.getByTestId('demo-clear').click();
    await expect(checkout.getByTestId('faults')).toHaveText('none');
  }
});
