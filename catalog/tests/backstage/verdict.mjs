// Backstage's own verdict on descriptor documents: reads a JSON list of
// {id, text} on stdin and prints a JSON object {id: {verdict, reason,
// custom}}. Validation follows the catalog backend: entity policies (schema,
// default namespace, no foreign root fields, field formats), then the
// built-in kind validators (the MCP-server variant for API type mcp-server).
// The verdict is `valid` when a kind validator claims the entity, `invalid`
// when a policy or a validator throws, and `unclaimed` when no validator
// claims it: Backstage's processing orchestrator then rejects it ("No
// processor recognized the entity ... as valid"), unless a plug-in's
// processor claims it.
//
// `custom` states, independently of Meridian's code, the one deliberate
// difference: an entity whose kind is not a built-in one (ignoring case),
// of an apiVersion outside the backstage.io group or one Backstage's kinds
// take (as Backstage's own examples write custom kinds), is kept with a
// warning by default, since Meridian has no processor plug-ins.
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
  return { verdict: 'unclaimed' };
}

const builtInKinds = ['api', 'component', 'domain', 'group', 'location', 'resource', 'system', 'user'];

function custom(text) {
  try {
    const entity = parse(text);
    const apiVersion = String(entity?.apiVersion ?? '');
    const group = apiVersion.split('/').slice(0, -1).join('/').toLowerCase();
    const takenByBackstage = ['backstage.io/v1alpha1', 'backstage.io/v1beta1'].includes(apiVersion);
    return !builtInKinds.includes(String(entity?.kind ?? '').toLowerCase()) && (group !== 'backstage.io' || takenByBackstage);
  } catch {
    return false;
  }
}

const cases = JSON.parse(readFileSync(0, 'utf8'));
const out = {};
for (const c of cases) out[c.id] = { ...(await verdict(c.text)), custom: custom(c.text) };
console.log(JSON.stringify(out));
