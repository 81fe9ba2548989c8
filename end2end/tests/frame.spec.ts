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

test('the header search: `/` focuses it, arrows move through results, Enter opens one', async ({ page }) => {
  await page.goto('/graph');
  await expect(page.locator('div.app')).toHaveAttribute('data-hydrated', 'true');
  await page.keyboard.press('/');
  const search = page.getByTestId('header-search');
  await expect(search).toBeFocused();
  await search.pressSequentially('checkou');
  const results = page.getByTestId('header-search-results').locator('li');
  const component = results.filter({ hasText: /^Checkout Component$/ });
  await expect(component).toHaveCount(1);
  const texts = await results.allTextContents();
  const at = texts.findIndex((t) => t === 'Checkout Component');
  for (let i = 0; i <= at; i++) await search.press('ArrowDown');
  await expect(component).toHaveAttribute('aria-selected', 'true');
  await search.press('Enter');
  await expect(page).toHaveURL(/\/catalog\/default\/component\/checkout$/);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Checkout');
});
