import { expect, test } from '@playwright/test';

// A view of the demo's graph: focused, narrowed, with what it hides counted.
test('the graph focuses, finds, hides and exports, all from the URL', async ({ page, request }) => {
  await page.goto('/graph?window=15m');
  await expect(page.locator('div.app')).toHaveAttribute('data-hydrated', 'true');
  const form = page.getByTestId('graph-form');
  await form.locator('input[name="focus"]').fill('pricing');
  await form.locator('select[name="direction"]').selectOption('callers');
  await form.locator('input[name="find"]').fill('owner = team-orders');
  await form.getByRole('button', { name: 'Show' }).click();
  await expect(page).toHaveURL(/focus=pricing/);
  await expect(page).toHaveURL(/direction=callers/);

  // pricing's callers: catalog and checkout; nothing else.
  await expect(page.locator('svg [data-node="service:pricing"]')).toBeVisible();
  await expect(page.locator('svg [data-node="service:catalog"]')).toBeVisible();
  await expect(page.locator('svg [data-node="service:checkout"]')).toBeVisible();
  await expect(page.locator('svg [data-node="service:gateway"]')).toHaveCount(0);
  await expect(page.getByTestId('hidden')).toContainText('service:gateway');
  // checkout is team-orders': outlined, and said in words.
  await expect(page.locator('svg g.node.found[data-node="service:checkout"]')).toHaveCount(1);
  await expect(page.getByTestId('found')).toContainText('service:checkout');

  // A bad expression says where it is wrong.
  await page.goto('/graph?window=15m&hide=rate%20%3E');
  await expect(page.locator('[role="alert"]')).toContainText('`hide` at column 7: expected a value after `>`');

  // Exports of the same view.
  const svg = await request.get('/api/v1/graph/view?window=15m&focus=pricing&direction=callers&format=svg');
  expect(svg.headers()['content-type']).toContain('image/svg+xml');
  expect(await svg.text()).toContain('>pricing</text>');
  const mermaid = await (await request.get('/api/v1/graph/view?window=15m&focus=pricing&format=mermaid')).text();
  expect(mermaid.startsWith('flowchart LR')).toBeTruthy();
});

// Clicking a node opens its side panel; the selection is in the URL.
test('a node opens its panel, and the drawing zooms', async ({ page }) => {
  await page.goto('/graph?window=15m');
  await expect(page.locator('div.app')).toHaveAttribute('data-hydrated', 'true');
  await page.locator('svg [data-node="service:catalog"] a').click();
  await expect(page).toHaveURL(/selected=service%3Acatalog/);
  const panel = page.getByTestId('node-panel');
  await expect(panel.locator('h2')).toContainText('catalog');
  await expect(panel.getByTestId('panel-owner')).toContainText('group:default/team-storefront');
  await expect(panel.getByTestId('panel-served')).toContainText(/\d+ req/);
  await expect(panel.getByTestId('panel-operations').locator('tbody tr').first()).toBeVisible();
  await expect(panel.getByTestId('panel-entity')).toHaveAttribute('href', '/catalog/default/component/catalog');
  await expect(page.locator('svg rect.selection[data-for="service:catalog"]')).toHaveCount(1);

  // Zoom: the drawing's size changes, its layout does not.
  const canvas = page.getByTestId('graph-canvas');
  const width = (await canvas.boundingBox())!.width;
  await page.getByTestId('zoom').getByRole('button', { name: 'Zoom in' }).click();
  await expect(page.getByTestId('zoom-level')).toHaveText('125%');
  await expect.poll(async () => (await canvas.boundingBox())!.width).toBeCloseTo(width * 1.25, -1);
  await expect(page.getByTestId('graph')).toHaveAttribute('style', /scale\(1\.25\)/);

  // Focus from the panel: the view narrows to catalog and its neighbours.
  await panel.getByTestId('panel-focus').click();
  await expect(page).toHaveURL(/focus=service%3Acatalog/);
  await expect(page.locator('svg [data-node="service:pricing"]')).toBeVisible();
  await expect(page.getByTestId('hidden')).toBeVisible();
});

// Grouping: owners' services collapse into one node each, expand on demand.
test('grouping by owner collapses teams and expands one', async ({ page }) => {
  await page.goto('/graph?window=15m&group=owner');
  await expect(page.locator('div.app')).toHaveAttribute('data-hydrated', 'true');
  const orders = page.locator('svg [data-node="group:group:default/team-orders"]');
  await expect(orders).toBeVisible();
  await expect(orders).toContainText(/\d+ services?/);
  await expect(page.locator('svg [data-node="service:checkout"]')).toHaveCount(0);
  await page.getByTestId('groups').getByRole('link', { name: 'Expand team-orders' }).click();
  await expect(page).toHaveURL(/expand=team-orders/);
  await expect(page.locator('svg [data-node="service:checkout"]')).toBeVisible();
  await expect(page.locator('svg .group-box')).not.toHaveCount(0);
  await expect(page.locator('svg [data-node="group:group:default/team-orders"]')).toHaveCount(0);
  await expect(page.getByTestId('groups').getByRole('link', { name: 'Collapse team-orders' })).toBeVisible();
});

// A new service's traffic arrives over the live stream: it is drawn
// without a reload, and every node already on screen stays where it was.
test('live updates add what is new and move nothing', async ({ page }) => {
  const python = process.env.MERIDIAN_E2E_PYTHON;
  const otlp = process.env.MERIDIAN_E2E_OTLP_HTTP;
  expect(python && otlp, 'scripts/e2e.sh sets MERIDIAN_E2E_PYTHON and MERIDIAN_E2E_OTLP_HTTP').toBeTruthy();
  await page.goto('/graph?window=5m');
  await expect(page.locator('div.app')).toHaveAttribute('data-hydrated', 'true');
  const positions = async () =>
    page.locator('svg.graph g.node').evaluateAll((nodes) =>
      Object.fromEntries(nodes.map((n) => {
        const rect = n.querySelector('rect')!;
        return [n.getAttribute('data-node'), `${rect.getAttribute('x')},${rect.getAttribute('y')}`];
      })),
    );
  const before = await positions();
  expect(Object.keys(before).length).toBeGreaterThan(5);

  const { execFileSync } = await import('node:child_process');
  const probe = `e2e-live-probe-${Date.now()}`; // new on every run
  execFileSync(python!, ['../server/tests/python/send_call.py', '--http', otlp!, '--caller', probe, '--callee', 'catalog', '--calls', '5']);

  await expect(page.locator(`svg [data-node="service:${probe}"]`)).toBeVisible({ timeout: 30_000 });
  expect(Number(await page.getByTestId('live').getAttribute('data-updates'))).toBeGreaterThan(0);
  const after = await positions();
  for (const [id, at] of Object.entries(before)) {
    if (id in after) expect(after[id], `${id} stays where it was`).toBe(at);
  }
});

test.describe('without JavaScript', () => {
  test.use({ javaScriptEnabled: false });

  test('the panel and the groups are links', async ({ page }) => {
    await page.goto('/graph?window=15m&selected=service%3Apricing');
    await expect(page.locator('div.app')).toHaveAttribute('data-hydrated', 'false');
    await expect(page.getByTestId('node-panel').locator('h2')).toContainText('pricing');
    await expect(page.getByTestId('node-panel').getByTestId('panel-owner')).toContainText('team-');
    await page.locator('svg [data-node="service:catalog"] a').click();
    await expect(page).toHaveURL(/selected=service%3Acatalog/);
    await expect(page.getByTestId('node-panel').locator('h2')).toContainText('catalog');

    await page.goto('/graph?window=15m&group=system');
    await expect(page.locator('svg [data-node^="group:system:"]').first()).toBeVisible();
    await expect(page.getByTestId('zoom')).toHaveCount(0); // zooming needs JavaScript; scrolling does not
  });
});
