import { expect, test } from '@playwright/test';

// Runs after the catalog counts are checked: it registers an API twice.
const api = (withDelete: boolean) => `apiVersion: backstage.io/v1alpha1
kind: API
metadata: {name: e2e-orders-api}
spec:
  type: openapi
  lifecycle: experimental
  owner: team-orders
  definition: |
    openapi: 3.0.3
    info: {title: e2e orders, version: 1.0.0}
    paths:
      /orders/{id}:
        get: {responses: {'200': {description: one}}}${withDelete ? "\n        delete: {responses: {'204': {description: gone}}}" : ''}
`;

test('every version of a definition is kept and the changes between them graded', async ({ page, request }) => {
  for (const withDelete of [true, false]) {
    const response = await request.post('/api/v1/entities', {
      headers: { authorization: 'Bearer e2e-token', 'content-type': 'application/yaml' },
      data: api(withDelete),
    });
    expect(response.status(), await response.text()).toBeLessThan(300);
  }
  await page.goto('/apis/default/e2e-orders-api');
  await expect(page.getByTestId('versions').locator('tbody tr')).toHaveCount(2);
  const change = page.getByTestId('version-change');
  await expect(change.locator('h3')).toContainText('Version 1 → 2');
  const removed = change.locator('tr[data-check="api-removed-without-deprecation"]');
  await expect(removed).toContainText('BREAKING');
  await expect(removed).toContainText('DELETE /orders/{id}');
  const changes = await (await request.get('/api/v1/apis/default/e2e-orders-api/changes')).json();
  expect(changes.changes[0].changes.map((c: { id: string; level: string }) => `${c.level} ${c.id}`)).toEqual([
    'breaking api-removed-without-deprecation',
  ]);
});
