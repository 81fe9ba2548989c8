import { expect, test } from '@playwright/test';

// Every page of the demo, in the light and the dark theme (the system's
// setting, which Meridian follows), saved under docs/screenshots/.
const PAGES: [string, string][] = [
  ['catalog', '/?sort=requests&order=desc'],
  ['graph', '/graph?window=15m&selected=service%3Acatalog'],
  ['graph-grouped', '/graph?window=15m&group=owner&expand=team-orders'],
  ['entity', '/catalog/default/component/catalog'],
  ['entity-dependencies', '/catalog/default/component/checkout?tab=dependencies'],
  ['entity-source', '/catalog/default/component/checkout?tab=source'],
  ['teams', '/teams'],
  ['team', '/teams/default/team-storefront'],
  ['apis', '/apis'],
  ['api', '/apis/default/catalog-api'],
  ['slos', '/slos'],
  ['deploys', '/deploys'],
  ['insights', '/insights'],
  ['register', '/register'],
  ['demo', '/demo'],
];

for (const scheme of ['light', 'dark'] as const) {
  test.describe(scheme, () => {
    test.use({ colorScheme: scheme, viewport: { width: 1400, height: 900 } });
    for (const [name, path] of PAGES) {
      test(name, async ({ page }) => {
        await page.goto(path);
        await expect(page.locator('div.app')).toHaveAttribute('data-hydrated', 'true');
        await page.screenshot({ path: `../docs/screenshots/${name}-${scheme}.png` });
      });
    }
  });
}
