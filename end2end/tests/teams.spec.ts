import { expect, test } from '@playwright/test';

// team-orders (demo/catalog/org.yaml) owns checkout and inventory, which
// gateway (team-storefront) and catalog call.
test('a team page lists its members, what it owns with health, and other teams calling it', async ({ page }) => {
  await page.goto('/teams');
  await page.getByTestId('teams').getByRole('link', { name: 'Orders team' }).click();
  await expect(page).toHaveURL(/\/teams\/default\/team-orders$/);
  await expect(page.getByTestId('members')).toContainText('Margaret');
  const checkout = page.getByTestId('owned').locator('tr[data-entity="component:default/checkout"]');
  await expect
    .poll(async () => Number(await checkout.getByTestId('requests').textContent()), { timeout: 30_000 })
    .toBeGreaterThan(0);
  await expect(page.getByTestId('callers').locator('tr[data-caller="gateway"][data-callee="checkout"]')).toContainText('group:default/team-storefront');
  await expect(page.getByTestId('callers').locator('tr[data-caller="checkout"]')).toHaveCount(0); // its own calls are not "other teams"
  await page.getByRole('link', { name: 'Teams', exact: true }).first().click();
  await expect(page).toHaveURL(/\/teams$/);
});
