// Backstage's own verdict on descriptor documents: reads a JSON list of
// {id, text} on stdin and prints a JSON object {id: "valid" | "invalid" |
// "unknown-kind"}. Validation follows the catalog backend: entity policies
// (schema, default namespace, no foreign root fields, field formats), then the
// built-in kind validators (the MCP-server variant for API type mcp-server).
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import {
  EntityPolicies, DefaultNamespaceEntityPolicy, NoForeignRootFieldsEntityPolicy, FieldFormatEntityPolicy, SchemaValidEntityPolicy,
  apiEntityV1alpha1Validator, componentEntityV1alpha1Validator, domainEntityV1alpha1Validator, groupEntityV1alpha1Validator,
  locationEntityV1alpha1Validator, resourceEntityV1alpha1Validator, systemEntityV1alpha1Validator, userEntityV1alpha1Validator,
} from '@backstage/catalog-model';
import { mcpServerApiEntityValidator } from './node_modules/@backstage/catalog-model/dist/kinds/McpServerApiEntity.esm.js';

const policy = EntityPolicies.allOf([
  new SchemaValidEntityPolicy(), new DefaultNamespaceEntityPolicy(), new NoForeignRootFieldsEntityPolicy(), new FieldFormatEntityPolicy(),
]);
const kindValidators = [componentEntityV1alpha1Validator, domainEntityV1alpha1Validator, groupEntityV1alpha1Validator,
  locationEntityV1alpha1Validator, resourceEntityV1alpha1Validator, systemEntityV1alpha1Validator, userEntityV1alpha1Validator];

async function verdict(text) {
  let entity;
  try {
    entity = parse(text);
    await policy.enforce(entity);
  } catch (e) {
    return { verdict: 'invalid', reason: String(e.message ?? e).slice(0, 200) };
  }
  const validators = entity.kind === 'API'
    ? [entity.spec?.type === 'mcp-server' ? mcpServerApiEntityValidator : apiEntityV1alpha1Validator]
    : kindValidators;
  try {
    for (const v of validators) if (await v.check(entity)) return { verdict: 'valid' };
  } catch (e) {
    return { verdict: 'invalid', reason: String(e.message ?? e).slice(0, 200) };
  }
  return { verdict: 'unknown-kind' };
}

const cases = JSON.parse(readFileSync(0, 'utf8'));
const out = {};
for (const c of cases) out[c.id] = await verdict(c.text);
console.log(JSON.stringify(out));
