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
