import { expect, test } from '@playwright/test';

// Hydrated: the filter reacts as you type, and links navigate in the app.
test('filter the catalog, open a service, see traffic observed from real OTLP', async ({ page }) => {
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });

  await page.goto('/');
  await expect(page.locator('div.app')).toHaveAttribute('data-hydrated', 'true');
  const rows = page.locator('[data-testid="catalog-table"] tbody tr');
  await expect(rows).toHaveCount(9);

  await page.getByTestId('catalog-filter').fill('prcing'); // a typo: search forgives one edit
  await expect(rows).toHaveCount(2);
  await expect(page.getByTestId('catalog-count')).toHaveText('2 of 9 entities');
  await expect(page).toHaveURL(/\/$/); // filtered in the browser, no form submit

  await page.getByRole('link', { name: 'Pricing', exact: true }).click();
  await expect(page).toHaveURL(/\/catalog\/default\/component\/pricing$/);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Pricing');
  await expect(page.getByTestId('owner')).toHaveText('group:default/team-pricing');

  // The demo fleet's traffic: catalog calls pricing.
  const caller = page.getByTestId('callers').locator('tr[data-peer="catalog"]');
  await expect(caller).toBeVisible();
  const requests = Number(await caller.getByTestId('requests').textContent());
  expect(requests).toBeGreaterThan(0);
  await expect(page.getByTestId('callees')).toHaveText('None observed.');

  expect(problems).toEqual([]);
});

test('the graph page draws the observed services', async ({ page }) => {
  await page.goto('/graph?window=15m');
  await expect(page.locator('div.app')).toHaveAttribute('data-hydrated', 'true');
  for (const node of ['user:user', 'service:gateway', 'service:catalog', 'service:pricing']) {
    await expect(page.locator(`svg [data-node="${node}"]`)).toBeVisible();
  }
  await expect(page.locator('svg g.edge[data-source="service:gateway"][data-target="service:catalog"]')).toHaveCount(1);
});
