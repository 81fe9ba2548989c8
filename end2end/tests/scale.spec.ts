import { expect, test } from '@playwright/test';
import * as fs from 'node:fs';

// The graph at organisation scale: 2,000 services and 10,000 calls (a second
// Meridian, fed by `meridian-demo organisation`). Once the page is loaded,
// zooming, panning and opening a node's panel stay responsive (Long Tasks
// API). The target, no task of 200 ms or more, is a speed figure and lives
// in BENCHMARKS.md (this run writes target/e2e/long-tasks.json for it); on a
// shared machine the test guards against regressions like the 810 ms a
// selection once took: the interactions run three times, the quietest run
// counts, and it must stay under 400 ms.
// The first look at 2,000 uncatalogued services is an overview: clusters of
// their calls, each expandable, with a link to every node.
test('at 2,000 services the first view is an overview of clusters', async ({ page }) => {
  test.setTimeout(120_000);
  const base = process.env.MERIDIAN_E2E_LARGE_URL;
  await page.goto(`${base}/graph?window=15m`, { timeout: 60_000 });
  await expect(page.getByTestId('overview')).toContainText('An overview: 2000 nodes grouped by clusters of calls');
  const groups = page.getByTestId('groups').locator('li');
  const count = await groups.count();
  expect(count).toBeGreaterThan(4);
  expect(count).toBeLessThan(200);
  await expect(page.locator('svg.graph g.node')).toHaveCount(count);
  const first = groups.first();
  const members = Number((await first.textContent())!.match(/· (\d+) services/)![1]);
  await first.getByRole('link', { name: /^Expand / }).click();
  await expect(page.locator('svg.graph g.node')).toHaveCount(count - 1 + members);
  await expect(page).toHaveURL(/expand=svc-\d+(%20|\+)cluster/);
  await expect(page.getByTestId('overview').getByRole('link', { name: 'show every node' })).toHaveAttribute('href', /group=none/);
});

test('at 2,000 services the graph page stays responsive', async ({ page }) => {
  test.setTimeout(240_000);
  const base = process.env.MERIDIAN_E2E_LARGE_URL;
  expect(base, 'scripts/e2e.sh sets MERIDIAN_E2E_LARGE_URL').toBeTruthy();
  await page.goto(`${base}/graph?window=15m&group=none`, { timeout: 120_000 });
  await expect(page.locator('div.app')).toHaveAttribute('data-hydrated', 'true', { timeout: 120_000 });
  await expect(page.locator('svg.graph g.node')).toHaveCount(2000);
  await expect(page.locator('svg.graph g.edge')).toHaveCount(10000);
  await expect(page.getByTestId('graph-edges').locator('tbody tr')).toHaveCount(300); // the busiest; the export has all
  await page.waitForTimeout(2_000); // the end of loading: hydration's last tasks

  await page.evaluate(() => {
    const seen: number[] = [];
    (window as unknown as { longTasks: number[] }).longTasks = seen;
    new PerformanceObserver((list) => list.getEntries().forEach((e) => seen.push(e.duration))).observe({ type: 'longtask' });
  });
  // Buttons and links by keyboard: Playwright's click would hit-test 12,000
  // elements inside the page, a long task of its own.
  const press = async (locator: ReturnType<typeof page.locator>) => {
    await locator.focus();
    await page.keyboard.press('Enter');
  };
  const zoom = page.getByTestId('zoom');
  const frame = page.locator('.graph-frame');
  const runs: number[][] = [];
  for (const node of ['svc-00000', 'svc-00001', 'svc-00002']) {
    for (const name of ['Zoom out', 'Fit', '100%']) await press(zoom.getByRole('button', { name }));
    const box = (await frame.boundingBox())!;
    await page.mouse.move(box.x + 200, box.y + 200);
    await page.mouse.down();
    await page.mouse.move(box.x + 50, box.y + 50, { steps: 10 });
    await page.mouse.up();
    await press(page.locator(`svg [data-node="service:${node}"] a`));
    await expect(page.getByTestId('node-panel').locator('h2')).toContainText(node);
    await expect(page.locator(`svg rect.selection[data-for="service:${node}"]`)).toHaveCount(1);
    await page.waitForTimeout(1_000);
    runs.push(await page.evaluate(() => (window as unknown as { longTasks: number[] }).longTasks.splice(0)));
  }
  const worst = runs.map((tasks) => Math.max(0, ...tasks));
  console.log(`long tasks after load (ms), per run: ${runs.map((r) => r.map((d) => d.toFixed(0)).join(', ') || 'none').join(' | ')}`);
  fs.mkdirSync('../target/e2e', { recursive: true });
  fs.writeFileSync('../target/e2e/long-tasks.json', JSON.stringify({ runs, worst }, null, 2));
  expect(Math.min(...worst)).toBeLessThan(400);
});
