import { expect, test } from '@playwright/test';
import { PAGES } from './pages';

// Server-side rendering alone: every page reads with JavaScript off.
test.use({ javaScriptEnabled: false });

test('pages render on the server without JavaScript', async ({ page }) => {
  await page.goto('/');
  await expect(page.locator('div.app')).toHaveAttribute('data-hydrated', 'false');
  await expect(page.locator('[data-testid="catalog-table"] tbody tr')).toHaveCount(44);

  // The filter still works, as a plain GET form.
  await page.getByTestId('catalog-filter').fill('storefront');
  await page.getByTestId('catalog-filter').press('Enter');
  await expect(page).toHaveURL(/\?q=storefront/);
  const rows = page.locator('[data-testid="catalog-table"] tbody tr');
  await expect(rows.and(page.locator('[data-entity="system:default/storefront"]'))).toHaveCount(1);
  await expect(rows.and(page.locator('[data-entity="component:default/pricing"]'))).toHaveCount(0);

  // Facets are links: narrowing to one kind keeps the search.
  await page.locator('[data-testid="facets"] a[data-facet="kind=Component"]').click();
  await expect(page).toHaveURL(/q=storefront&filter=kind%3DComponent/);
  await expect(rows.and(page.locator('[data-entity="component:default/gateway"]'))).toHaveCount(1);
  await expect(rows.and(page.locator('[data-entity="system:default/storefront"]'))).toHaveCount(0);

  await page.goto('/catalog/default/component/gateway');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Gateway');
  await page.getByTestId('entity-tabs').getByRole('link', { name: 'Source' }).click();
  await expect(page.getByTestId('entity-source')).toContainText('kind: Component');
  await page.getByTestId('entity-tabs').getByRole('link', { name: 'Dependencies' }).click();
  await expect(page).toHaveURL(/tab=dependencies/);
  await expect(page.getByTestId('callers').locator('tr[data-peer="user"]')).toBeVisible();
  await expect(page.getByTestId('callees').locator('tr[data-peer="catalog"]')).toBeVisible();

  await page.goto('/graph');
  await expect(page.locator('svg [data-node="service:pricing"]')).toBeVisible();

  // The SLOs page: its filters are a GET form too.
  await page.goto('/slos');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Service level objectives');
  await page.locator('select[name="sort"]').selectOption('name');
  await page.getByRole('button', { name: 'Show' }).click();
  await expect(page).toHaveURL(/sort=name/);
  await expect(page.locator('[data-testid="slos"] tr[data-slo="gateway-latency"]')).toBeVisible();

  // API and Insights pages: operations and schema trees are <details>, open without scripts.
  await page.goto('/apis/default/catalog-api');
  const product = page.locator('details.operation[data-operation="GET /products/{id}"]');
  await product.locator('summary').click();
  await expect(product.locator('.schema-tree').first()).toBeVisible();
  await page.goto('/insights');
  await expect(page.getByTestId('cycles')).toContainText('catalog ⇄ inventory');
  await page.locator('input[name="window"]').fill('2h');
  await page.getByRole('button', { name: 'Show' }).click();
  await expect(page).toHaveURL(/window=2h/);
  await page.goto('/register?draft=recommendations');
  await expect(page.getByTestId('register-yaml')).toContainText('name: recommendations');

  // The graph's view form is a plain GET form too.
  await page.goto('/graph?window=15m');
  await page.locator('input[name="focus"]').fill('checkout');
  await page.locator('input[name="hops"]').fill('1');
  await page.getByTestId('graph-form').getByRole('button', { name: 'Show' }).click();
  await expect(page).toHaveURL(/focus=checkout/);
  await expect(page.locator('svg [data-node="service:checkout"]')).toBeVisible();
  await expect(page.getByTestId('hidden')).toBeVisible();

  // The header search is a GET form to the catalog.
  await page.getByTestId('header-search').fill('pricing');
  await page.getByTestId('header-search').press('Enter');
  await expect(page).toHaveURL(/\/\?q=pricing/);
  await expect(page.locator('[data-testid="catalog-table"] [data-entity="component:default/pricing"]')).toBeVisible();
});

// Every page and view reads without JavaScript: a heading, and no error.
test('every page renders on the server', async ({ page }) => {
  for (const path of PAGES) {
    const response = await page.goto(path);
    expect(response?.status(), path).toBe(200);
    await expect(page.locator('div.app'), path).toHaveAttribute('data-hydrated', 'false');
    await expect(page.getByRole('heading', { level: 1 }).first(), path).toBeVisible();
    await expect(page.locator('[role="alert"]'), path).toHaveCount(0);
  }
});

// A page fails with the status the REST API gives for the same question.
test('pages fail with the status the API gives', async ({ page }) => {
  const cases: [string, number][] = [
    ['/catalog/default/component/nosuch', 404],
    ['/apis/default/nosuch', 404],
    ['/teams/default/nosuch', 404],
    ['/no/such/page', 404],
    ['/graph?window=forever', 400],
  ];
  for (const [path, status] of cases) {
    const response = await page.goto(path);
    expect(response?.status(), path).toBe(status);
    if (status === 404) {
      await expect(page.getByRole('heading', { level: 1 }), path).toHaveText('Not found');
    } else {
      await expect(page.locator('[role="alert"]'), path).toContainText('window');
    }
  }
});

// Every write works without JavaScript: the Register form is a plain post.
test('the register form works without JavaScript', async ({ page }) => {
  await page.goto('/register');
  await expect(page.locator('div.app')).toHaveAttribute('data-hydrated', 'false');
  await page.getByTestId('register-yaml').fill('apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: made-without-scripts\nspec:\n  type: service\n  lifecycle: experimental\n  owner: team-storefront\n');
  await page.getByTestId('register-preview').click();
  await expect(page).toHaveURL(/\/register\?outcome=/);
  await expect(page.getByTestId('register-outcome')).toContainText('Preview: 1 would be added');
  await page.getByTestId('register-token').fill('e2e-token');
  await page.getByTestId('register-submit').click();
  await expect(page.getByTestId('register-outcome')).toHaveAttribute('data-applied', 'true');
  await page.getByRole('link', { name: 'component:default/made-without-scripts' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('made-without-scripts');
});

// The Demo page's switches are a plain post too: choose a process by its
// link, set a fault, see the outcome and the fleet's state, clear it.
test('the demo switches work without JavaScript', async ({ page }) => {
  await page.goto('/demo');
  await expect(page.locator('div.app')).toHaveAttribute('data-hydrated', 'false');
  const row = page.locator('[data-testid="demo-fleet"] tr[data-process="notifications"]');
  await row.getByTestId('demo-choose').click();
  await expect(page).toHaveURL(/\/demo\?process=notifications$/);
  await expect(page.getByTestId('demo-process')).toHaveText('notifications');
  await page.getByTestId('demo-latency-ms').fill('1');
  await page.getByTestId('demo-latency-share').fill('1');
  await page.getByTestId('demo-apply').click();
  await expect(page).toHaveURL(/\/demo\?process=notifications&outcome=/);
  await expect(page.getByTestId('demo-outcome')).toHaveText('notifications: faults set.');
  await expect(row.getByTestId('faults')).not.toHaveText('none');
  await expect(page.getByTestId('demo-latency-ms')).toHaveValue('1');
  await page.getByTestId('demo-error-share').fill('150');
  await page.getByTestId('demo-apply').click();
  await expect(page.getByRole('alert')).toContainText('must be a percentage from 0 to 100, not `150`');
  await page.getByTestId('demo-clear').click();
  await expect(page.getByTestId('demo-outcome')).toHaveText('notifications: faults set.');
  await expect(row.getByTestId('faults')).toHaveText('none');
});

// A focus on a name that is not in the graph says so, with the closest names.
test('a focus on no node names the closest', async ({ page }) => {
  const response = await page.goto('/graph?window=1h&focus=chekout');
  expect(response?.status()).toBe(404);
  await expect(page.locator('[role="alert"]')).toContainText('no node `chekout`');
  await expect(page.locator('[role="alert"]')).toContainText('`checkout`');
});

// At 1,280 px no page is wider than the window: tables wrap or scroll inside their box.
test('no page runs off the right edge at 1,280 px', async ({ page }) => {
  await page.setViewportSize({ width: 1280, height: 900 });
  const paths = [
    '/catalog/default/component/checkout?tab=dependencies',
    '/catalog/default/component/gateway?tab=dependencies',
    '/catalog/default/component/checkout',
    '/slos',
    '/deploys',
    '/apis/default/catalog-api',
    '/insights',
    '/teams/default/team-storefront',
    '/',
  ];
  for (const path of paths) {
    await page.goto(path);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    const culprits = await page.evaluate(() =>
      [...document.querySelectorAll('body *')]
        .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 1)
        .slice(0, 6)
        .map((e) => `${e.tagName.toLowerCase()}.${e.className} (${Math.round(e.getBoundingClientRect().width)} px)`),
    );
    expect(overflow, `${path} is ${overflow} px wider than the window: ${culprits.join(', ')}`).toBeLessThanOrEqual(0);
  }
});
