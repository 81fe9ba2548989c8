import { expect, test } from '@playwright/test';

// The Register page: preview with problems at their line and column, then
// register with the API token (scripts/e2e.sh starts Meridian with it).
test('preview, fix, and register an entity from pasted YAML', async ({ page }) => {
  await page.goto('/register');
  await expect(page.locator('div.app')).toHaveAttribute('data-hydrated', 'true');
  const yaml = page.getByTestId('register-yaml');

  await yaml.fill('apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: bad name\nspec:\n  type: service\n  lifecycle: experimental\n  owner: team-storefront\n');
  await page.getByTestId('register-preview').click();
  await expect(page.getByTestId('register-problems')).toContainText('request:4:9: error: metadata.name `bad name` is not valid');
  await expect(page.getByTestId('register-outcome')).toContainText('Nothing was registered');

  await yaml.fill('apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: browser-made\nspec:\n  type: service\n  lifecycle: experimental\n  owner: team-storefront\n');
  await page.getByTestId('register-preview').click();
  await expect(page.getByTestId('register-outcome')).toContainText('Preview: 1 would be added');
  await expect(page.locator('[data-testid="register-outcome"] tr[data-entity="component:default/browser-made"]')).toBeVisible();

  await page.getByTestId('register-submit').click();
  await expect(page.getByRole('alert')).toContainText('That API token is not valid');

  await page.getByTestId('register-token').fill('e2e-token');
  await page.getByTestId('register-submit').click();
  await expect(page.getByTestId('register-outcome')).toHaveAttribute('data-applied', 'true');
  await page.getByRole('link', { name: 'component:default/browser-made' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('browser-made');
  await expect(page.getByTestId('owner')).toHaveText('group:default/team-storefront');
});

// A location (here a folder on the server; scripts/e2e.sh creates it):
// preview lists its entities, registering loads them.
test('preview and register a location by path', async ({ page }) => {
  const folder = process.env.MERIDIAN_E2E_LOCATION;
  expect(folder, 'scripts/e2e.sh sets MERIDIAN_E2E_LOCATION').toBeTruthy();
  await page.goto('/register');
  await expect(page.locator('div.app')).toHaveAttribute('data-hydrated', 'true');

  await page.getByTestId('register-target').fill('relative/folder');
  await page.getByTestId('register-location-preview').click();
  await expect(page.getByRole('alert')).toContainText('neither a URL nor an absolute path');

  await page.getByTestId('register-target').fill(folder!);
  await page.getByTestId('register-location-preview').click();
  await expect(page.getByTestId('register-outcome')).toContainText('Preview: 1 would be added');
  await expect(page.locator('[data-testid="register-outcome"] tr[data-entity="component:default/from-a-folder"]')).toBeVisible();

  await page.getByTestId('register-token').fill('e2e-token');
  await page.getByTestId('register-location-submit').click();
  await expect(page.getByTestId('register-outcome')).toHaveAttribute('data-applied', 'true');
  await page.getByRole('link', { name: 'component:default/from-a-folder' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('from-a-folder');
});
