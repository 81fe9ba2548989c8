import { expect, test } from '@playwright/test';

// The graph at organisation scale: 2,000 services and 10,000 calls (a second
// Meridian, fed by `meridian-demo organisation`). Once the page is loaded,
// zooming, panning and opening a node's panel never block the browser for
// 200 ms or more (Long Tasks API).
test('at 2,000 services the graph page stays responsive', async ({ page }) => {
  test.setTimeout(240_000);
  const base = process.env.MERIDIAN_E2E_LARGE_URL;
  expect(base, 'scripts/e2e.sh sets MERIDIAN_E2E_LARGE_URL').toBeTruthy();
  await page.goto(`${base}/graph?window=15m`, { timeout: 120_000 });
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
  const zoom = page.getByTestId('zoom');
  for (const name of ['Zoom out', 'Fit', '100%']) {
    await zoom.getByRole('button', { name }).focus();
    await page.keyboard.press('Enter');
  }
  const frame = page.locator('.graph-frame');
  const box = (await frame.boundingBox())!;
  await page.mouse.move(box.x + 200, box.y + 200);
  await page.mouse.down();
  await page.mouse.move(300, 300, { steps: 10 });
  await page.mouse.up();
  // By keyboard, as Playwright's click would hit-test 12,000 elements inside the page (a long task of its own).
  await page.locator('svg [data-node="service:svc-00000"] a').focus();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('node-panel').locator('h2')).toContainText('svc-00000');
  await expect(page.locator('svg rect.selection[data-for="service:svc-00000"]')).toHaveCount(1);
  await page.waitForTimeout(1_000);
  const longTasks = await page.evaluate(() => (window as unknown as { longTasks: number[] }).longTasks);
  console.log(`long tasks after load (ms): ${longTasks.map((d) => d.toFixed(0)).join(', ') || 'none'}`);
  expect(Math.max(0, ...longTasks)).toBeLessThan(200);
});
