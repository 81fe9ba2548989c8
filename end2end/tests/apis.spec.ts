import { expect, test } from '@playwright/test';

// catalog-api (demo/catalog/apis.yaml) documents three operations; catalog
// also serves GET /products/{id}/related, undocumented on purpose.
test('an API page sets its definition beside traffic and consumers', async ({ page }) => {
  await page.goto('/apis');
  await page.getByRole('link', { name: 'catalog-api' }).click();
  await expect(page).toHaveURL(/\/apis\/default\/catalog-api$/);
  await expect(page.getByTestId('providers')).toHaveText('component:default/catalog ');
  const operations = page.getByTestId('operations').locator('details.operation');
  await expect(operations).toHaveCount(3);

  // Who calls GET /products/{id}: the gateway (and recommendations, not in the catalog).
  const product = page.locator('details.operation[data-operation="GET /products/{id}"]');
  await expect
    .poll(async () => {
      await page.goto('/apis/default/catalog-api');
      await product.locator('summary').click();
      return product.getByTestId('consumers').locator('tr[data-consumer="gateway"]').count();
    }, { timeout: 60_000 })
    .toBe(1);
  await expect(product.getByTestId('consumers').locator('tr[data-consumer="gateway"]')).toContainText('group:default/team-storefront');

  // Observed against documented.
  await expect(page.getByTestId('undocumented').locator('tr[data-operation="GET /products/{id}/related"]')).toBeVisible();
  const documented = page.getByTestId('documented').locator('tr[data-operation="GET /products"]');
  expect(Number(await documented.getByTestId('requests').textContent())).toBeGreaterThan(0);
  await expect(page.getByTestId('versions').locator('tbody tr')).toHaveCount(1);
});
