import { expect, test, type Page } from '@playwright/test';

// Descriptors and traces are written by anyone in the organisation: what
// they say is shown as text, and no link they carry runs script. Runs after
// the catalog counts are checked: it registers an entity.
const hostile = `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: e2e-hostile
  title: '<img src=x onerror="window.__pwned=1">'
  description: '<script>window.__pwned=2</script> [x](javascript:window.__pwned=3)'
  annotations:
    pagerduty.com/service-id: '<svg onload="window.__pwned=4">'
    backstage.io/source-location: 'url:javascript:window.__pwned=9'
  tags: [e2e]
  links:
    - {url: 'javascript:window.__pwned=5', title: 'js link'}
    - {url: 'data:text/html,<script>window.__pwned=6</script>', title: 'data link'}
    - {url: 'JaVaScRiPt:window.__pwned=10', title: 'mixed case'}
    - {url: 'https://example.com/runbook', title: 'runbook'}
spec:
  type: service
  lifecycle: production
  owner: '<b>team-orders</b>'
  system: '</text><script>window.__pwned=7</script>'
`;

// A call from a service named like markup, so the graph's SVG draws its name.
const markupService = '</text><script>window.__pwned=8</script>';
function traces(): object {
  const now = BigInt(Date.now()) * 1_000_000n;
  const span = (id: string, parent: string, kind: number) => ({
    traceId: '5e'.repeat(16),
    spanId: id.repeat(8),
    parentSpanId: parent ? parent.repeat(8) : '',
    name: 'GET /x',
    kind,
    startTimeUnixNano: String(now - 2_000_000n),
    endTimeUnixNano: String(now),
  });
  const resource = (service: string, spans: object[]) => ({
    resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] },
    scopeSpans: [{ spans }],
  });
  return { resourceSpans: [resource(markupService, [span('a1', '', 3)]), resource('e2e-hostile', [span('b2', 'a1', 2)])] };
}

async function noScriptRan(page: Page, path: string) {
  await page.goto(path);
  await page.waitForLoadState('networkidle');
  expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned), path).toBeUndefined();
  expect(await page.locator('a[href^="javascript:" i], a[href^="data:" i], a[href^="vbscript:" i]').count(), path).toBe(0);
  expect(await page.locator('[onerror], [onload]').count(), path).toBe(0);
}

test('markup and script in descriptors and service names stay text', async ({ page, request }) => {
  const dialogs: string[] = [];
  page.on('dialog', (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  const registered = await request.post('/api/v1/entities', {
    headers: { authorization: 'Bearer e2e-token', 'content-type': 'application/yaml' },
    data: hostile,
  });
  expect(registered.status(), await registered.text()).toBeLessThan(300);
  const exported = await request.post('/v1/traces', { data: traces() });
  expect(exported.status(), await exported.text()).toBe(200);

  const entity = '/catalog/default/component/e2e-hostile';
  for (const tab of ['', '?tab=dependencies', '?tab=source']) {
    await noScriptRan(page, entity + tab);
  }
  await page.goto(entity);
  // Shown, as text.
  await expect(page.locator('h1')).toContainText('<img src=x onerror=');
  await expect(page.getByText('<script>window.__pwned=2</script>', { exact: false }).first()).toBeVisible();
  // The unsafe links are listed as text, the safe one is a link.
  await expect(page.getByRole('link', { name: 'runbook' })).toHaveAttribute('href', 'https://example.com/runbook');
  await expect(page.getByRole('link', { name: 'js link' })).toHaveCount(0);
  await expect(page.getByRole('link', { name: 'data link' })).toHaveCount(0);

  // The graph draws the service named like markup as text in its SVG.
  await expect
    .poll(async () => (await (await request.get('/api/v1/graph?window=15m')).json()).nodes.some((n: { name: string }) => n.name === markupService))
    .toBe(true);
  for (const path of ['/graph?window=15m', '/?q=e2e-hostile', `/graph?window=15m&selected=${encodeURIComponent('service:' + markupService)}`]) {
    await noScriptRan(page, path);
  }
  await page.goto('/graph?window=15m');
  await expect(page.locator('svg text', { hasText: '</text><script>' }).first()).toBeAttached();
  expect(dialogs).toEqual([]);
});
