// Backstage's own catalog client, unmodified, against Meridian.
// Usage: node client.mjs http://127.0.0.1:PORT   (exits non-zero on the first failed check)
// Expectations are computed from the unfiltered list the same client returns,
// so each check tests Meridian's filtering, ordering and paging, not a number.
import assert from 'node:assert/strict';
import { CatalogClient, CATALOG_FILTER_EXISTS } from '@backstage/catalog-client';

const base = process.argv[2];
const client = new CatalogClient({ discoveryApi: { getBaseUrl: async () => `${base}/api/catalog` }, fetchApi: { fetch } });
let checks = 0;
const check = async (name, fn) => { await fn(); checks++; console.log(`ok - ${name}`); };
const names = (items) => items.map((e) => e.metadata.name);
const sorted = (list) => [...list].sort((a, b) => (a.toLowerCase() < b.toLowerCase() ? -1 : a.toLowerCase() > b.toLowerCase() ? 1 : 0));

const all = (await client.getEntities()).items;
assert.ok(all.length > 50, `the corpus is loaded (${all.length} entities)`);

await check('getEntities: filter ANDed within, fields, order', async () => {
  const { items } = await client.getEntities({
    filter: { kind: 'component', 'spec.type': 'SERVICE' },
    fields: ['kind', 'metadata.name'],
    order: { field: 'metadata.name', order: 'asc' },
  });
  const expected = sorted(names(all.filter((e) => e.kind === 'Component' && e.spec?.type === 'service')));
  assert.deepEqual(names(items), expected);
  assert.ok(expected.length > 3);
  for (const item of items) assert.deepEqual(Object.keys(item).sort(), ['kind', 'metadata']);
});

await check('getEntities: several filters ORed, exists, offset and limit', async () => {
  const { items } = await client.getEntities({ filter: [{ kind: 'Group' }, { kind: 'User' }] });
  assert.equal(items.length, all.filter((e) => e.kind === 'Group' || e.kind === 'User').length);
  const titled = await client.getEntities({ filter: { 'metadata.title': CATALOG_FILTER_EXISTS } });
  assert.deepEqual(names(titled.items).sort(), names(all.filter((e) => e.metadata.title !== undefined)).sort());
  const page = await client.getEntities({ order: { field: 'metadata.name', order: 'desc' }, offset: 2, limit: 3 });
  const desc = [...names(all)].sort((a, b) => b.toLowerCase().localeCompare(a.toLowerCase()));
  assert.equal(page.items.length, 3);
  assert.equal(page.items[0].metadata.name.toLowerCase(), desc[2].toLowerCase());
});

await check('getEntities: relations filter', async () => {
  const { items } = await client.getEntities({ filter: { 'relations.ownedBy': 'group:default/team-a' } });
  const expected = all.filter((e) => (e.relations ?? []).some((r) => r.type === 'ownedBy' && r.targetRef === 'group:default/team-a'));
  assert.deepEqual(names(items).sort(), names(expected).sort());
  assert.ok(items.length > 2);
});

await check('getEntityByRef and a missing ref', async () => {
  const e = await client.getEntityByRef('component:default/artist-lookup');
  assert.equal(e.metadata.name, 'artist-lookup');
  assert.ok(e.metadata.uid && e.metadata.etag);
  assert.equal(await client.getEntityByRef('component:default/does-not-exist'), undefined);
});

await check('getEntitiesByRefs keeps order, undefined for missing', async () => {
  const { items } = await client.getEntitiesByRefs({
    entityRefs: ['api:default/petstore', 'component:default/nope', 'Group:default/team-a'],
    fields: ['metadata.name'],
  });
  assert.deepEqual(items, [{ metadata: { name: 'petstore' } }, undefined, { metadata: { name: 'team-a' } }]);
});

await check('queryEntities: cursor paging through every user in order', async () => {
  const users = sorted(names(all.filter((e) => e.kind === 'User')));
  let response = await client.queryEntities({ filter: { kind: 'User' }, limit: 5, orderFields: { field: 'metadata.name', order: 'asc' } });
  assert.equal(response.totalItems, users.length);
  const seen = [...names(response.items)];
  let pages = 1;
  while (response.pageInfo.nextCursor) {
    response = await client.queryEntities({ cursor: response.pageInfo.nextCursor, limit: 5 });
    seen.push(...names(response.items));
    pages++;
  }
  assert.deepEqual(seen, users);
  assert.equal(pages, Math.ceil(users.length / 5));
  assert.ok(response.pageInfo.prevCursor, 'later pages can go back');
});

await check('queryEntities: full text filter', async () => {
  const { items } = await client.queryEntities({ fullTextFilter: { term: 'PETSTORE', fields: ['metadata.name'] } });
  assert.deepEqual(names(items).sort(), names(all.filter((e) => e.metadata.name.includes('petstore'))).sort());
});

await check('getEntityFacets', async () => {
  const { facets } = await client.getEntityFacets({ facets: ['kind', 'spec.lifecycle'], filter: { kind: 'API' } });
  assert.deepEqual(facets.kind, [{ value: 'API', count: all.filter((e) => e.kind === 'API').length }]);
  const lifecycles = facets['spec.lifecycle'].reduce((n, f) => n + f.count, 0);
  assert.equal(lifecycles, all.filter((e) => e.kind === 'API' && e.spec?.lifecycle).length);
});

await check('getLocationById', async () => {
  const list = await (await fetch(`${base}/api/catalog/locations`)).json();
  assert.ok(list.length >= 1);
  const location = await client.getLocationById(list[0].data.id);
  assert.equal(location.type, 'file');
  assert.equal(location.target, list[0].data.target);
});

console.log(`${checks} passed, 0 failed`);
