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
  await expect(rows).toHaveCount(44);

  await page.getByTestId('catalog-filter').fill('prcing'); // a typo: search forgives one edit
  await expect(rows).toHaveCount(4); // the service, its team, its API and its database
  await expect(page.getByTestId('catalog-count')).toHaveText('4 of 44 entities');
  await expect(page).toHaveURL(/\/\?q=prcing$/); // filtered as you type; the view stays in the URL

  // Sorted on the server by a health column: the busiest component first.
  await page.getByTestId('catalog-filter').fill('');
  await expect(rows).toHaveCount(44);
  await page.locator('[data-testid="catalog-table"] th a[data-sort="requests"]').click();
  await expect(page).toHaveURL(/sort=requests&order=desc/);
  await expect(page.locator('[data-testid="catalog-table"] th[aria-sort="descending"]')).toContainText('Requests');
  const served = await rows.getByTestId('health-requests').allTextContents();
  expect(served.length).toBeGreaterThan(5);
  expect(served.map(Number)).toEqual([...served.map(Number)].sort((a, b) => b - a));
  await page.getByTestId('catalog-filter').fill('prcing');
  await expect(rows).toHaveCount(4);

  await page.getByRole('link', { name: 'Pricing', exact: true }).click();
  await expect(page).toHaveURL(/\/catalog\/default\/component\/pricing$/);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Pricing');
  await expect(page.getByTestId('owner')).toHaveText('group:default/team-pricing');
  await expect(page.getByTestId('breadcrumbs')).toContainText('Catalog');
  await page.getByTestId('entity-tabs').getByRole('link', { name: 'Dependencies' }).click();
  await expect(page).toHaveURL(/\/catalog\/default\/component\/pricing\?tab=dependencies$/);

  // The demo fleet's traffic: catalog calls pricing, pricing queries its own
  // (embedded SQLite) database, which is pricing's own node.
  const caller = page.getByTestId('callers').locator('tr[data-peer="catalog"]');
  await expect(caller).toBeVisible();
  const requests = Number(await caller.getByTestId('requests').textContent());
  expect(requests).toBeGreaterThan(0);
  await expect(page.getByTestId('callees').locator('tr[data-peer="pricing/pricing-db"]')).toBeVisible();

  expect(problems).toEqual([]);
});

// What `make demo` promises: within a minute of the fleet's start, the graph
// shows the whole shop (eight services, their databases, the queue, the
// outside payment provider, the shoppers) and Meridian itself.
test('within a minute of start the graph shows the whole demo shop', async ({ page }) => {
  const started = Number(process.env.MERIDIAN_E2E_FLEET_STARTED ?? Date.now());
  const deadline = started + 60_000;
  test.setTimeout(Math.max(deadline - Date.now(), 0) + 30_000);
  const services = ['gateway', 'users', 'catalog', 'pricing', 'inventory', 'checkout', 'payments', 'notifications'];
  const nodes = [
    ...services.map((s) => `service:${s}`),
    'service:recommendations', // running, missing from the catalog
    'service:meridian', // --self-telemetry
    'database:catalog/catalog-db', // SQLite: each service's own
    'database:checkout/orders-db',
    'messaging:order-placed',
    'external:payment-provider',
    'user:user',
  ];
  await expect(async () => {
    await page.goto('/graph?window=15m');
    for (const node of nodes) {
      await expect(page.locator(`svg [data-node="${node}"]`)).toBeVisible({ timeout: 1_000 });
    }
  }).toPass({ timeout: Math.max(deadline - Date.now(), 1_000) });
  await expect(page.locator('div.app')).toHaveAttribute('data-hydrated', 'true');
  const edge = (source: string, target: string) => page.locator(`svg g.edge[data-source="${source}"][data-target="${target}"]`);
  await expect(edge('service:gateway', 'service:catalog')).toHaveCount(1);
  await expect(edge('service:checkout', 'messaging:order-placed')).toHaveCount(1);
  await expect(edge('messaging:order-placed', 'service:notifications')).toHaveCount(1);
  await expect(edge('service:payments', 'external:payment-provider')).toHaveCount(1);
});
