import { expect, test } from '@playwright/test';

test('the theme follows the system and the toggle, which the browser remembers', async ({ page }) => {
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.goto('/teams');
  const background = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  expect(await background()).toBe('rgb(18, 21, 28)'); // the system's dark, before any choice
  await page.emulateMedia({ colorScheme: 'light' });
  expect(await background()).toBe('rgb(247, 248, 250)');
  await expect(page.locator('div.app')).toHaveAttribute('data-hydrated', 'true');
  await page.getByTestId('theme-toggle').click();
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
  expect(await background()).toBe('rgb(18, 21, 28)');
  await page.reload();
  await expect(page.locator('div.app')).toHaveAttribute('data-hydrated', 'true');
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
  await page.getByTestId('theme-toggle').click();
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'light');
});
