import AxeBuilder from '@axe-core/playwright';
import { expect, test } from '@playwright/test';
import { PAGES as pages } from './pages';

// axe-core on every page, hydrated, in both themes: no serious or critical violation.

for (const scheme of ['light', 'dark'] as const) {
  test(`no serious accessibility violation on any page (${scheme})`, async ({ page }) => {
    test.setTimeout(120_000);
    await page.emulateMedia({ colorScheme: scheme });
    const found: string[] = [];
    for (const path of pages) {
      await page.goto(path);
      await expect(page.locator('div.app')).toHaveAttribute('data-hydrated', 'true');
      const results = await new AxeBuilder({ page }).analyze();
      for (const violation of results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')) {
        found.push(`${path}: ${violation.id} (${violation.impact}): ${violation.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`);
      }
    }
    expect(found, found.join('\n')).toEqual([]);
  });
}
