import { expect, test } from '@playwright/test';

// The demo's catalog is imperfect on purpose (demo/catalog/services.yaml):
// every kind of drift, one cycle, and a scorecard have something to show.
test('insights show the demo catalog drift, its cycle and its scorecard', async ({ page, request }) => {
  // Exact over the REST API, once the fleet's calls have all been seen.
  // Calls nobody answered (the Demo page test restarts checkout and breaks
  // inventory beside this one) are drawn to the loopback address as an
  // external node; when they fall in the window depends on timing, so they
  // are left out here.
  const loopback = (edge: { target: string }) => edge.target !== 'external:127.0.0.1';
  await expect
    .poll(async () => ((await (await request.get('/api/v1/insights/drift?window=1h')).json()).undeclared ?? []).filter(loopback), {
      timeout: 60_000,
    })
    .toEqual([
      { source: 'component:default/checkout', target: 'component:default/inventory' },
      { source: 'component:default/gateway', target: 'service:recommendations' },
      { source: 'component:default/inventory', target: 'component:default/catalog' },
    ]);
  const drift = await (await request.get('/api/v1/insights/drift?window=1h')).json();
  expect(drift.unobserved).toEqual([{ source: 'component:default/gateway', target: 'component:default/inventory' }]);
  // e2e-* services are the graph test's live probes.
  expect(drift.uncataloged.filter((name: string) => !name.startsWith('e2e-'))).toEqual(['recommendations']);
  expect(drift.silent).toContain('component:default/search-legacy');
  const cycles = await (await request.get('/api/v1/insights/cycles?window=1h')).json();
  expect(cycles.cycles.map((c: { services: string[] }) => c.services)).toEqual([['catalog', 'inventory']]);
  const radius = await (await request.get('/api/v1/insights/blast-radius/pricing?window=1h')).json();
  const callers = radius.callers.map((c: { service: string; hops: number }) => `${c.service}:${c.hops}`);
  for (const expected of ['catalog:1', 'checkout:1', 'gateway:2', 'inventory:2', 'recommendations:2']) {
    expect(callers).toContain(expected);
  }

  // The page: drift, the cycle, hot spots, the scorecard per team (evaluated every 5 s here).
  await page.goto('/insights?window=1h');
  const undeclared = page.getByTestId('undeclared');
  await expect(undeclared.locator('li').filter({ hasNotText: 'external:127.0.0.1' })).toHaveCount(3);
  await expect(undeclared).toContainText('component:default/checkout → component:default/inventory');
  await expect(page.getByTestId('uncataloged')).toContainText('recommendations');
  await expect(page.getByTestId('silent')).toContainText('component:default/search-legacy');
  await expect(page.getByTestId('cycles')).toContainText('catalog ⇄ inventory');
  await expect(page.getByTestId('fan-in').locator('tbody tr').first()).toBeVisible();
  await expect
    .poll(async () => {
      await page.goto('/insights?window=1h');
      return page.getByTestId('team-scores').locator('tbody tr').count();
    }, { timeout: 30_000 })
    .toBeGreaterThan(0);
  const notifications = page.getByTestId('entity-scores').locator('tr[data-entity="component:default/notifications"]');
  await expect(notifications.getByTestId('level')).toHaveText('none'); // its owner no longer exists
  await expect(notifications).toContainText('its owner group:default/team-messaging is not in the catalog');

  // The uncataloged service's draft, then the Register page prefilled with it.
  await page.getByTestId('uncataloged').locator('li', { hasText: 'recommendations' }).getByRole('link', { name: 'catalog-info.yaml draft' }).click();
  await expect(page.getByTestId('draft')).toContainText('name: recommendations');
  await expect(page.getByTestId('draft')).toContainText('- "component:default/catalog"');
  await page.getByRole('link', { name: 'Register it' }).click();
  await expect(page).toHaveURL(/\/register\?draft=recommendations/);
  await expect(page.locator('div.app')).toHaveAttribute('data-hydrated', 'true');
  await expect(page.getByTestId('register-yaml')).toHaveValue(/name: recommendations/);
  await page.getByTestId('register-preview').click();
  await expect(page.locator('body')).toContainText('component:default/recommendations');
});

test('an entity page shows its drift and scorecard', async ({ page }) => {
  await page.goto('/catalog/default/component/checkout?tab=dependencies');
  await expect(page.getByTestId('callees').locator('tr[data-peer="inventory"]')).toContainText('⚠ undeclared');
  await expect(page.getByTestId('entity-drift').getByTestId('undeclared')).toContainText('component:default/checkout → component:default/inventory');
  await page.goto('/catalog/default/component/checkout');
  await expect(page.getByTestId('scorecards').locator('[data-rule="no-undeclared-dependencies"]')).toContainText('✗ failed');
});
