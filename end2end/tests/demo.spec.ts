import { expect, test, type Locator } from '@playwright/test';

// The Demo page (scripts/e2e.sh starts Meridian with --demo-fleet): break a
// service and deploy a version, and see the fleet and Meridian react.
test('break a service and deploy a version from the Demo page', async ({ page }) => {
  test.setTimeout(120_000);
  await page.goto('/');
  await expect(page.locator('div.app')).toHaveAttribute('data-hydrated', 'true');
  await page.getByRole('link', { name: 'Demo', exact: true }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Demo fleet');
  const row = (name: string) => page.locator(`[data-testid="demo-fleet"] tr[data-process="${name}"]`);
  const count = async (cell: Locator) => Number((await cell.textContent())?.trim()) || 0;

  // Every request to inventory fails; the fleet confirms, then Meridian sees the errors.
  await row('inventory').getByTestId('demo-choose').click();
  await expect(page.getByTestId('demo-process')).toHaveText('inventory');
  const errorsBefore = await count(row('inventory').getByTestId('errors'));
  await page.getByTestId('demo-error-share').fill('100');
  await page.getByTestId('demo-apply').click();
  await expect(page.getByTestId('demo-outcome')).toHaveText('inventory: faults set.');
  await expect(row('inventory').getByTestId('faults')).toHaveText('100 % errors');
  await expect.poll(() => count(row('inventory').getByTestId('errors')), { timeout: 30_000 }).toBeGreaterThan(errorsBefore + 5);

  // A share out of range is refused before anything is sent; clearing restores inventory.
  await page.getByTestId('demo-error-share').fill('150');
  await page.getByTestId('demo-apply').click();
  await expect(page.getByRole('alert')).toContainText('must be a percentage from 0 to 100, not `150`');
  await expect(row('inventory').getByTestId('faults')).toHaveText('100 % errors');
  await page.getByTestId('demo-clear').click();
  await expect(row('inventory').getByTestId('faults')).toHaveText('none');

  // Deploy checkout: the fleet runs the new version, and Meridian detects the
  // deploy from the service.version of checkout's spans.
  await row('checkout').getByTestId('demo-choose').click();
  await expect(page.getByTestId('demo-process')).toHaveText('checkout');
  const next = await page.getByTestId('demo-version').inputValue();
  expect(next).toMatch(/^\d+\.\d+\.0$/);
  const detected = page.locator('[data-testid="demo-deploys"] li[data-service="checkout"]').filter({ hasText: `→ ${next}` });
  const detectedBefore = await detected.count();
  await page.getByTestId('demo-deploy').click();
  await expect(row('checkout').getByTestId('version')).toHaveText(next);
  await expect(detected).toHaveCount(detectedBefore + 1, { timeout: 45_000 });

  // An uninstrumented process has no telemetry to redeploy: the fleet says so.
  await row('queue').getByTestId('demo-choose').click();
  await page.getByTestId('demo-version').fill('2.0.0');
  await page.getByTestId('demo-deploy').click();
  await expect(page.getByRole('alert')).toContainText('queue is not instrumented');
});
