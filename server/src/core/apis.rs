//! API contracts joined with traffic: an API entity's definition read
//! (`contracts`), every version seen and the changes between them, the
//! operations its providers really serve (coverage), and who calls each
//! (consumers), so a breaking change names the services it breaks.
//!
//! An API's providers are the components with `providesApis` naming it;
//! their services' operations (`METHOD /route` from the server spans) are
//! matched to documented operations by method and normalised path, with and
//! without the path of the document's server URLs (or Swagger's
//! `basePath`). An operation documented by another API of the same
//! provider is not undocumented here.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex};

use catalog::Entity;
use collector::RedStats;
use contracts::diff::{Change, Level};
use contracts::other::Named;
use contracts::{Document, Format};
use serde::Serialize;

use super::graph::{component_for_service, node_of_entity};
use super::{Core, Error, Window};
use crate::catalog::definitions::DefinitionFetch;
use crate::scorecards::ApiFacts;
use crate::store::{ApiVersion, definition_hash};
use crate::unix_seconds;

/// An API entity of the current catalog.
struct ApiEntity {
    key: String,
    entity: Arc<Entity>,
}

/// How far back the consumers of a changed operation are counted.
pub const CONSUMERS_WINDOW: Window = Window { duration: std::time::Duration::from_secs(7 * 24 * 3600) };

/// Parsed definitions kept (by content hash), so a page view does not parse again.
const PARSED_KEPT: usize = 64;

/// Definitions read, by content hash; and diffs made, by the two hashes.
#[derive(Clone, Default)]
pub struct ApiCache {
    parsed: Arc<Mutex<HashMap<String, Arc<Parsed>>>>,
    diffs: Arc<Mutex<HashMap<HashPair, Arc<Vec<Change>>>>>,
}

/// The content hashes of an old and a new version.
type HashPair = (String, String);

/// A definition, read.
pub struct Parsed {
    pub document: Result<Document, String>,
    pub view: DefinitionView,
}

/// A definition as pages and the API show it.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema, PartialEq)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum DefinitionView {
    /// OpenAPI 3.x or Swagger 2.0, as operations.
    #[serde(rename_all = "camelCase")]
    OpenApi { format: String, title: Option<String>, version: Option<String>, operations: Vec<contracts::Operation> },
    /// Another language, shown as source with the operations it names.
    #[serde(rename_all = "camelCase")]
    Source { language: String, operations: Vec<Named> },
    /// Could not be read: why, at `file:line:column`.
    #[serde(rename_all = "camelCase")]
    Unreadable { problem: String },
}

/// `GET /api/v1/apis/{namespace}/{name}`'s body.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ApiDetail {
    pub entity_ref: String,
    pub title: Option<String>,
    pub description: Option<String>,
    pub api_type: String,
    pub lifecycle: Option<String>,
    pub owner: Option<String>,
    /// Components that provide it (`providesApis`).
    pub providers: Vec<String>,
    /// Components that declare they consume it (`consumesApis`).
    pub declared_consumers: Vec<String>,
    pub definition: DefinitionView,
    /// The definition's text.
    pub source: String,
    /// Oldest first.
    pub versions: Vec<VersionView>,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct VersionView {
    pub version: i64,
    pub hash: String,
    /// Unix seconds (RFC 3339 in JSON).
    #[serde(serialize_with = "crate::rfc3339::serialize")]
    #[schema(value_type = String, format = DateTime)]
    pub first_seen: i64,
    /// The location that brought it.
    pub source: String,
}

/// `GET /api/v1/apis/{namespace}/{name}/coverage`'s body.
#[derive(Clone, Debug, Default, Serialize, utoipa::ToSchema, PartialEq)]
pub struct Coverage {
    /// Every documented operation, with what was observed of it (zeros if nothing).
    pub documented: Vec<OperationUse>,
    /// Operations served by a provider that no API of it documents.
    pub undocumented: Vec<OperationUse>,
    /// Documented operations never called in the window.
    pub unused: Vec<Route>,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct OperationUse {
    pub method: String,
    pub path: String,
    /// Requests served (estimated when sampled).
    pub requests: u64,
    pub errors: u64,
    /// Spans the counts rest on.
    pub kept_spans: u64,
    /// Whether the counts are estimates from sampled spans.
    pub estimated: bool,
    pub p95_ms: f64,
    /// RFC 3339, `null` if never seen in the window.
    pub last_seen: Option<String>,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Route {
    pub method: String,
    pub path: String,
}

/// `GET /api/v1/apis/{namespace}/{name}/consumers`'s body.
#[derive(Clone, Debug, Default, Serialize, utoipa::ToSchema, PartialEq)]
pub struct Consumers {
    pub operations: Vec<OperationConsumers>,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct OperationConsumers {
    pub method: String,
    pub path: String,
    pub documented: bool,
    /// Most calls first.
    pub consumers: Vec<Consumer>,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Consumer {
    /// The calling service.
    pub service: String,
    pub entity_ref: Option<String>,
    pub owner: Option<String>,
    /// Calls made (estimated when sampled), counted as the operation counts them.
    pub calls: u64,
    /// Calls that failed, as the operation's server says.
    pub errors: u64,
    /// Calls in which this consumer saw a failure (a 4xx, a timeout) besides.
    pub caller_failures: u64,
    /// Spans the counts rest on.
    pub kept_spans: u64,
    /// Whether the counts are estimates from sampled spans.
    pub estimated: bool,
}

/// `GET /api/v1/apis/{namespace}/{name}/changes`'s body: newest change first.
#[derive(Clone, Debug, Default, Serialize, utoipa::ToSchema, PartialEq)]
pub struct ApiChanges {
    pub changes: Vec<VersionChange>,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct VersionChange {
    pub from_version: i64,
    pub to_version: i64,
    /// Unix seconds (RFC 3339 in JSON).
    #[serde(serialize_with = "crate::rfc3339::serialize")]
    #[schema(value_type = String, format = DateTime)]
    pub at: i64,
    pub source: String,
    /// Empty when either version could not be read (`problem` says why).
    pub changes: Vec<ChangeView>,
    /// The same changes grouped by what changed (`contracts::report::groups`),
    /// most severe first: one edit of a shared schema is one group.
    pub groups: Vec<GroupView>,
    pub problem: Option<String>,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct GroupView {
    #[serde(flatten)]
    pub group: contracts::report::Group,
    /// For a breaking group: the services that called any operation it
    /// reaches in the last 7 days, each once, most calls first.
    pub consumers: Vec<Consumer>,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ChangeView {
    #[serde(flatten)]
    pub change: Change,
    /// For a breaking change: the services that called the operation in
    /// the last 7 days, most calls first.
    pub consumers: Vec<Consumer>,
}

/// The keys an operation is matched by: (`GET`, `/orders/{}`), or
/// (`RPC`, `shop.Orders/Place`) for gRPC.
type Key = (String, String);

/// How an observed operation name is matched: an HTTP route, else an RPC method.
fn observed_key(operation: &str) -> Option<Key> {
    if let Some(route) = contracts::path::split_operation(operation) {
        return Some(route);
    }
    operation.contains('/').then(|| ("RPC".to_string(), operation.to_string()))
}

/// An observed operation's route as its service wrote it
/// (`/orders/:id/history`), for pages and answers; `key` is its normalised form.
fn written_route(operation: &str, key: &Key) -> Route {
    let written = operation.split_once(' ').filter(|_| key.0 != "RPC").map_or(operation, |(_, route)| route);
    Route { method: key.0.clone(), path: written.to_string() }
}

/// A documented operation and every key it answers to.
struct Documented {
    route: Route,
    keys: Vec<Key>,
}

/// The documented operations of a parsed definition.
fn documented(parsed: &Parsed) -> Vec<Documented> {
    match (&parsed.view, &parsed.document) {
        (DefinitionView::OpenApi { operations, .. }, Ok(document)) => {
            let bases = base_paths(document);
            operations
                .iter()
                .map(|operation| {
                    let mut keys = vec![(operation.method.clone(), contracts::path::normalize(&operation.path))];
                    for base in &bases {
                        keys.push((operation.method.clone(), contracts::path::normalize(&format!("{base}{}", operation.path))));
                    }
                    Documented { route: Route { method: operation.method.clone(), path: operation.path.clone() }, keys }
                })
                .collect()
        }
        (DefinitionView::Source { operations, .. }, _) => operations
            .iter()
            .filter(|named| named.kind == "rpc")
            .map(|named| Documented {
                route: Route { method: "RPC".into(), path: named.name.clone() },
                keys: vec![("RPC".into(), named.name.clone())],
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// The paths of a document's server URLs (OpenAPI 3) or its `basePath` (Swagger 2).
fn base_paths(document: &Document) -> Vec<String> {
    let root = document.root().value;
    let mut bases: Vec<String> = root
        .get("servers")
        .and_then(serde_json::Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|server| server.get("url")?.as_str())
        .filter_map(contracts::path::base_path)
        .collect();
    if let Some(base) = root.get("basePath").and_then(serde_json::Value::as_str).and_then(contracts::path::base_path) {
        bases.push(base);
    }
    bases.sort();
    bases.dedup();
    bases
}

/// One observed operation of a provider.
struct Observed {
    pub operation: String,
    pub stats: RedStats,
    pub last_seen: Option<i64>,
}

/// Documented operations joined with observed ones. `elsewhere` holds the
/// keys other APIs of the same providers document.
fn coverage(documented: &[Documented], observed: &[Observed], elsewhere: &HashSet<Key>, grpc: bool) -> Coverage {
    let mut by_key: HashMap<&Key, usize> = HashMap::new();
    for (index, operation) in documented.iter().enumerate() {
        for key in &operation.keys {
            by_key.entry(key).or_insert(index);
        }
    }
    let mut seen: Vec<(RedStats, Option<i64>)> = vec![(RedStats::default(), None); documented.len()];
    // Undocumented operations by key, shown as first written (`/orders/:id/history`).
    let mut undocumented: BTreeMap<Key, (Route, (RedStats, Option<i64>))> = BTreeMap::new();
    for observed in observed {
        let Some(key) = observed_key(&observed.operation) else { continue };
        let slot = match by_key.get(&key) {
            Some(&index) => &mut seen[index],
            None if elsewhere.contains(&key) || (key.0 == "RPC") != grpc => continue,
            None => {
                let route = written_route(&observed.operation, &key);
                &mut undocumented.entry(key).or_insert_with(|| (route, Default::default())).1
            }
        };
        slot.0.merge(&observed.stats);
        slot.1 = slot.1.max(observed.last_seen);
    }
    let use_of = |route: &Route, (stats, last_seen): &(RedStats, Option<i64>)| OperationUse {
        method: route.method.clone(),
        path: route.path.clone(),
        requests: stats.requests,
        errors: stats.errors,
        kept_spans: stats.kept,
        estimated: stats.estimated(),
        p95_ms: if stats.requests == 0 { 0.0 } else { stats.quantile_ms(0.95) },
        last_seen: last_seen.map(|at| slo::window::rfc3339(at.max(0) as u64)),
    };
    Coverage {
        documented: documented.iter().zip(&seen).map(|(d, s)| use_of(&d.route, s)).collect(),
        undocumented: undocumented.values().map(|(route, s)| use_of(route, s)).collect(),
        unused: documented.iter().zip(&seen).filter(|(_, (stats, _))| stats.requests == 0).map(|(d, _)| d.route.clone()).collect(),
    }
}

/// Reads a definition: OpenAPI and Swagger as operations, other types as
/// source with the operations they name.
fn parse(name: &str, api_type: &str, text: &str, fetch: &DefinitionFetch<'_>) -> Parsed {
    let looks_openapi = api_type.eq_ignore_ascii_case("openapi") || api_type.eq_ignore_ascii_case("swagger");
    if looks_openapi {
        let document = Document::read(name, text, fetch).map_err(|e| e.to_string());
        let view = match &document {
            Ok(document) => {
                let info = document.root().value.get("info");
                let text_of = |key: &str| info.and_then(|i| i.get(key)).and_then(serde_json::Value::as_str).map(str::to_string);
                DefinitionView::OpenApi {
                    format: match document.format {
                        Format::Swagger2 => "swagger-2.0",
                        Format::OpenApi30 => "openapi-3.0",
                        Format::OpenApi31 => "openapi-3.1",
                    }
                    .to_string(),
                    title: text_of("title"),
                    version: text_of("version"),
                    operations: contracts::operations(document),
                }
            }
            Err(problem) => DefinitionView::Unreadable { problem: problem.clone() },
        };
        return Parsed { document, view };
    }
    let operations = match api_type.to_ascii_lowercase().as_str() {
        "grpc" => contracts::other::protobuf(text),
        "graphql" => contracts::other::graphql(text),
        "asyncapi" => match catalog::yaml::yaml_to_json(name, text) {
            Ok(value) => contracts::other::asyncapi(&value),
            Err(problem) => return Parsed { document: Err(problem.clone()), view: DefinitionView::Unreadable { problem } },
        },
        _ => Vec::new(),
    };
    Parsed {
        document: Err(format!("`{api_type}` definitions are shown as source")),
        view: DefinitionView::Source { language: api_type.to_ascii_lowercase(), operations },
    }
}

impl Core {
    fn api_entity(&self, namespace: &str, name: &str) -> Result<ApiEntity, Error> {
        let key = catalog::EntityRef::new("api", namespace, name).key();
        let found = self.catalog.snapshot().get(&key).map(|e| ApiEntity { key: e.key(), entity: e.entity.clone() });
        found.ok_or_else(|| Error::NotFound(format!("no API `{key}` in the catalog")))
    }

    /// A definition read (once per content hash), its `$ref`s resolved
    /// beside the descriptor it came from.
    async fn parsed(&self, entity_ref: &str, api_type: &str, text: &str, source: &str) -> Result<Arc<Parsed>, Error> {
        let hash = definition_hash(text);
        if let Some(parsed) = self.apis.parsed.lock().unwrap_or_else(|p| p.into_inner()).get(&hash) {
            return Ok(parsed.clone());
        }
        let (roots, urls) = self.catalog.definition_sources();
        let (name, api_type, text) = (entity_ref.to_string(), api_type.to_string(), text.to_string());
        let base = source.strip_prefix("file:").or_else(|| source.strip_prefix("url:")).map(str::to_string);
        let parsed = crate::run_blocking(move || {
            let mut fetch = DefinitionFetch::new(roots, &*urls);
            if let Some(base) = &base {
                fetch = fetch.with_base(&name, base);
            }
            parse(&name, &api_type, &text, &fetch)
        })
        .await
        .map_err(|e| Error::Internal(Box::new(e)))?;
        let parsed = Arc::new(parsed);
        let mut kept = self.apis.parsed.lock().unwrap_or_else(|p| p.into_inner());
        if kept.len() >= PARSED_KEPT {
            kept.clear();
        }
        kept.insert(hash, parsed.clone());
        Ok(parsed)
    }

    async fn current_definition(&self, entity: &ApiEntity) -> Result<Arc<Parsed>, Error> {
        let spec = &entity.entity;
        let source = spec.annotation(catalog::load::MANAGED_BY_LOCATION).unwrap_or_default();
        self.parsed(&entity.key, spec.spec_str("type").unwrap_or_default(), spec.spec_str("definition").unwrap_or_default(), source).await
    }

    /// An API: its definition, providers, consumers as declared and versions.
    pub async fn api(&self, namespace: &str, name: &str) -> Result<ApiDetail, Error> {
        let entity = self.api_entity(namespace, name)?;
        let parsed = self.current_definition(&entity).await?;
        let versions = self.store.api_versions(&entity.key).await?;
        let spec = &entity.entity;
        let targets = |relation: &str| spec.relation_targets(relation).map(str::to_string).collect::<Vec<_>>();
        Ok(ApiDetail {
            entity_ref: entity.key.clone(),
            title: spec.metadata.title.clone(),
            description: spec.metadata.description.clone(),
            api_type: spec.spec_str("type").unwrap_or_default().to_string(),
            lifecycle: spec.spec_str("lifecycle").map(str::to_string),
            owner: spec.relation_targets("ownedBy").next().map(str::to_string),
            providers: targets("apiProvidedBy"),
            declared_consumers: targets("apiConsumedBy"),
            definition: parsed.view.clone(),
            source: spec.spec_str("definition").unwrap_or_default().to_string(),
            versions: versions
                .into_iter()
                .map(|v| VersionView { version: v.version, hash: v.hash, first_seen: v.first_seen_unix_secs, source: v.source })
                .collect(),
        })
    }

    /// The services of the components that provide `entity`.
    fn provider_services(&self, entity: &ApiEntity) -> Vec<String> {
        let index = self.catalog.snapshot();
        entity
            .entity
            .relation_targets("apiProvidedBy")
            .filter_map(|component| index.get(&component.to_ascii_lowercase()))
            .filter_map(|component| node_of_entity(&component.entity))
            .map(|node| node.name.to_string())
            .collect()
    }

    /// What other APIs of the same providers document (so it is not called undocumented here).
    async fn documented_elsewhere(&self, entity: &ApiEntity) -> Result<HashSet<Key>, Error> {
        let index = self.catalog.snapshot();
        let mut keys = HashSet::new();
        for component in entity.entity.relation_targets("apiProvidedBy") {
            let Some(component) = index.get(&component.to_ascii_lowercase()) else { continue };
            for api in component.entity.relation_targets("providesApi") {
                let Some(other) = index.get(&api.to_ascii_lowercase()).filter(|other| !other.entity.has_key(&entity.key)) else { continue };
                let other = ApiEntity { key: other.key(), entity: other.entity.clone() };
                let parsed = self.current_definition(&other).await?;
                keys.extend(documented(&parsed).into_iter().flat_map(|d| d.keys));
            }
        }
        Ok(keys)
    }

    /// What scorecard rules read of one API, with each thing read once:
    /// its definition (parsed, cached), its stored versions and the diffs
    /// between them (cached). `None` when the catalog has no such API.
    pub(super) async fn api_facts(&self, namespace: &str, name: &str, with_changes: bool) -> Result<Option<ApiFacts>, Error> {
        let Ok(entity) = self.api_entity(namespace, name) else { return Ok(None) };
        let parsed = self.current_definition(&entity).await?;
        let mut facts = ApiFacts {
            readable: !matches!(parsed.view, DefinitionView::Unreadable { .. }),
            documented: documented(&parsed).into_iter().flat_map(|d| d.keys).collect(),
            breaking_without_bump: false,
        };
        if with_changes {
            let versions = self.store.api_versions(&entity.key).await?;
            for pair in versions.windows(2) {
                let [old, new] = pair else { continue };
                let Ok(changes) = self.diff_versions(&entity.key, old, new).await? else { continue };
                if !changes.iter().any(|c| c.level == Level::Breaking) {
                    continue;
                }
                // Both were parsed (and cached) by the diff.
                let (old_label, new_label) = (self.version_label(&entity.key, old).await?, self.version_label(&entity.key, new).await?);
                if !crate::scorecards::major_bumped(old_label.as_deref(), new_label.as_deref()) {
                    facts.breaking_without_bump = true;
                    break;
                }
            }
        }
        Ok(Some(facts))
    }

    /// The `info.version` of a stored version of an OpenAPI definition.
    async fn version_label(&self, entity_ref: &str, version: &ApiVersion) -> Result<Option<String>, Error> {
        let name = format!("{entity_ref}@{}", version.version);
        let parsed = self.parsed(&name, &version.api_type, &version.definition, &version.source).await?;
        Ok(match &parsed.view {
            DefinitionView::OpenApi { version, .. } => version.clone(),
            _ => None,
        })
    }

    /// Documented operations against what the providers served in `window`.
    pub async fn api_coverage(&self, namespace: &str, name: &str, window: Window) -> Result<Coverage, Error> {
        let entity = self.api_entity(namespace, name)?;
        let parsed = self.current_definition(&entity).await?;
        let since = window.first_bucket(unix_seconds());
        let mut observed = Vec::new();
        for service in self.provider_services(&entity) {
            // Operations first: a flush between the reads then adds to what
            // `last_seen` knows, never to an operation it would not know.
            let operations = self.store.operations_since(&service, since).await?;
            let last_seen = self.store.operations_last_seen(&service, since).await?;
            for operation in operations {
                let last_seen = last_seen.get(&operation.operation).copied();
                observed.push(Observed { operation: operation.operation, stats: operation.stats, last_seen });
            }
        }
        let elsewhere = self.documented_elsewhere(&entity).await?;
        let grpc = entity.entity.spec_str("type").is_some_and(|t| t.eq_ignore_ascii_case("grpc"));
        Ok(coverage(&documented(&parsed), &observed, &elsewhere, grpc))
    }

    /// Who called each operation of the API's providers in `window`.
    pub async fn api_consumers(&self, namespace: &str, name: &str, window: Window) -> Result<Consumers, Error> {
        let entity = self.api_entity(namespace, name)?;
        let parsed = self.current_definition(&entity).await?;
        let documented = documented(&parsed);
        let by_operation = self.callers_by_key(&entity, window).await?;
        let mut out = Consumers::default();
        let mut matched: HashSet<&Key> = HashSet::new();
        for operation in &documented {
            let mut consumers: Vec<Consumer> = Vec::new();
            for key in &operation.keys {
                if let Some((_, found)) = by_operation.get(key) {
                    matched.insert(key);
                    merge_consumers(&mut consumers, found);
                }
            }
            consumers.sort_by(|a, b| b.calls.cmp(&a.calls).then_with(|| a.service.cmp(&b.service)));
            out.operations.push(OperationConsumers {
                method: operation.route.method.clone(),
                path: operation.route.path.clone(),
                documented: true,
                consumers,
            });
        }
        // Shown as first written, as coverage shows them.
        for (route, consumers) in by_operation.iter().filter(|(key, _)| !matched.contains(key)).map(|(_, found)| found) {
            out.operations.push(OperationConsumers {
                method: route.method.clone(),
                path: route.path.clone(),
                documented: false,
                consumers: consumers.clone(),
            });
        }
        Ok(out)
    }

    /// The callers of every operation of the API's providers, by key, with
    /// the route as first written.
    async fn callers_by_key(&self, entity: &ApiEntity, window: Window) -> Result<BTreeMap<Key, (Route, Vec<Consumer>)>, Error> {
        let since = window.first_bucket(unix_seconds());
        let index = self.catalog.snapshot();
        let mut by_key: BTreeMap<Key, (Route, Vec<Consumer>)> = BTreeMap::new();
        for service in self.provider_services(entity) {
            for caller in self.store.callers_since(&service, since).await? {
                let Some(key) = observed_key(&caller.operation) else { continue };
                let entity_ref = component_for_service(&index, &caller.caller);
                let owner = entity_ref
                    .as_ref()
                    .and_then(|r| index.get(r))
                    .and_then(|component| component.entity.relation_targets("ownedBy").next().map(str::to_string));
                let consumer = Consumer {
                    service: caller.caller.to_string(),
                    entity_ref,
                    owner,
                    calls: caller.calls,
                    errors: caller.errors,
                    caller_failures: caller.caller_failures,
                    kept_spans: caller.kept,
                    estimated: caller.kept != caller.calls,
                };
                let route = written_route(&caller.operation, &key);
                merge_consumers(&mut by_key.entry(key).or_insert_with(|| (route, Vec::new())).1, std::slice::from_ref(&consumer));
            }
        }
        for (_, consumers) in by_key.values_mut() {
            consumers.sort_by(|a, b| b.calls.cmp(&a.calls).then_with(|| a.service.cmp(&b.service)));
        }
        Ok(by_key)
    }

    /// Every change between successive versions, newest first; breaking
    /// changes carry the consumers of their operation over the last 7 days.
    pub async fn api_changes(&self, namespace: &str, name: &str) -> Result<ApiChanges, Error> {
        let entity = self.api_entity(namespace, name)?;
        let versions = self.store.api_versions(&entity.key).await?;
        let callers = self.callers_by_key(&entity, CONSUMERS_WINDOW).await?;
        let mut out = ApiChanges::default();
        for pair in versions.windows(2).rev() {
            let [old, new] = pair else { continue };
            let (changes, problem) = match self.diff_versions(&entity.key, old, new).await? {
                Ok(changes) => (changes, None),
                Err(problem) => (Arc::new(Vec::new()), Some(problem)),
            };
            let groups = contracts::report::groups(&changes, Level::Info);
            let changes: Vec<ChangeView> = changes
                .iter()
                .map(|change| {
                    let key = change.operation.as_ref().map(|o| (o.method.clone(), contracts::path::normalize(&o.path)));
                    let consumers = match (change.level, key) {
                        (Level::Breaking, Some(key)) => callers.get(&key).map(|(_, consumers)| consumers.clone()).unwrap_or_default(),
                        _ => Vec::new(),
                    };
                    ChangeView { change: change.clone(), consumers }
                })
                .collect();
            let groups = groups
                .into_iter()
                .map(|group| {
                    let mut consumers = Vec::new();
                    if group.level == Level::Breaking {
                        for operation in &group.operations {
                            let key = (operation.method.clone(), contracts::path::normalize(&operation.path));
                            if let Some((_, more)) = callers.get(&key) {
                                merge_consumers(&mut consumers, more);
                            }
                        }
                        consumers.sort_by(|a, b| b.calls.cmp(&a.calls).then_with(|| a.service.cmp(&b.service)));
                    }
                    GroupView { group, consumers }
                })
                .collect();
            out.changes.push(VersionChange {
                from_version: old.version,
                to_version: new.version,
                at: new.first_seen_unix_secs,
                source: new.source.clone(),
                changes,
                groups,
                problem,
            });
        }
        Ok(out)
    }

    async fn diff_versions(&self, entity_ref: &str, old: &ApiVersion, new: &ApiVersion) -> Result<Result<Arc<Vec<Change>>, String>, Error> {
        let key = (old.hash.clone(), new.hash.clone());
        if let Some(changes) = self.apis.diffs.lock().unwrap_or_else(|p| p.into_inner()).get(&key) {
            return Ok(Ok(changes.clone()));
        }
        let old_parsed = self.parsed(&format!("{entity_ref}@{}", old.version), &old.api_type, &old.definition, &old.source).await?;
        let new_parsed = self.parsed(&format!("{entity_ref}@{}", new.version), &new.api_type, &new.definition, &new.source).await?;
        let (old_document, new_document) = match (&old_parsed.document, &new_parsed.document) {
            (Ok(old), Ok(new)) => (old, new),
            (Err(problem), _) | (_, Err(problem)) => return Ok(Err(problem.clone())),
        };
        let changes = Arc::new(contracts::diff(old_document, new_document));
        let mut kept = self.apis.diffs.lock().unwrap_or_else(|p| p.into_inner());
        if kept.len() >= PARSED_KEPT {
            kept.clear();
        }
        kept.insert(key, changes.clone());
        Ok(Ok(changes))
    }
}

/// Adds `more` into `into`, a consumer per service.
fn merge_consumers(into: &mut Vec<Consumer>, more: &[Consumer]) {
    for consumer in more {
        match into.iter_mut().find(|c| c.service == consumer.service) {
            Some(kept) => {
                kept.calls += consumer.calls;
                kept.errors += consumer.errors;
                kept.caller_failures += consumer.caller_failures;
                kept.kept_spans += consumer.kept_spans;
                kept.estimated |= consumer.estimated;
            }
            None => into.push(consumer.clone()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(text: &str) -> Parsed {
        let fetch = DefinitionFetch::new(catalog::PathRoots::default(), &catalog::NoUrls);
        parse("api:default/orders", "openapi", text, &fetch)
    }

    fn observed(operation: &str, requests: u64, errors: u64) -> Observed {
        let mut stats = RedStats::default();
        for i in 0..requests {
            let outcome = collector::Outcome { error: i < errors, ..Default::default() };
            stats.record(outcome, std::time::Duration::from_millis(10 + i), 1);
        }
        Observed { operation: operation.to_string(), stats, last_seen: Some(1_700_000_000) }
    }

    #[test]
    fn traffic_meets_documented_operations_whatever_the_template_spelling() {
        let parsed = parsed(
            "openapi: 3.0.3\nservers: [{url: 'https://shop.example.com/api'}]\npaths:\n  /orders/{id}:\n    get: {responses: {'200': {description: ok}}}\n    delete: {responses: {'204': {description: ok}}}\n  /orders:\n    post: {responses: {'201': {description: ok}}}\n",
        );
        let observed = [
            observed("GET /orders/:orderId", 3, 1),
            observed("GET /api/orders/{id}/", 2, 0),
            observed("PUT /orders/{id}", 4, 0),
            observed("GET /health", 5, 0),
            observed("process-queue", 9, 0),
        ];
        let elsewhere: HashSet<Key> = [("GET".to_string(), "/health".to_string())].into();
        let coverage = coverage(&documented(&parsed), &observed, &elsewhere, false);
        let documented: Vec<_> = coverage.documented.iter().map(|u| (u.method.as_str(), u.path.as_str(), u.requests, u.errors)).collect();
        assert_eq!(documented, [("POST", "/orders", 0, 0), ("GET", "/orders/{id}", 5, 1), ("DELETE", "/orders/{id}", 0, 0)]);
        assert_eq!(coverage.documented[1].last_seen.as_deref(), Some("2023-11-14T22:13:20Z"));
        assert_eq!(
            coverage.undocumented.iter().map(|u| (u.method.as_str(), u.path.as_str(), u.requests)).collect::<Vec<_>>(),
            [("PUT", "/orders/{id}", 4)]
        );
        let unused: Vec<_> = coverage.unused.iter().map(|r| format!("{} {}", r.method, r.path)).collect();
        assert_eq!(unused, ["POST /orders", "DELETE /orders/{id}"]);
    }

    #[test]
    fn grpc_definitions_match_rpc_methods() {
        let fetch = DefinitionFetch::new(catalog::PathRoots::default(), &catalog::NoUrls);
        let parsed = parse(
            "api:default/stock",
            "grpc",
            "package shop;\nservice Stock { rpc Reserve(A) returns (B); rpc Release(A) returns (B); }\n",
            &fetch,
        );
        let observed = [observed("shop.Stock/Reserve", 2, 0), observed("shop.Stock/Audit", 1, 0), observed("GET /x", 1, 0)];
        let coverage = coverage(&documented(&parsed), &observed, &HashSet::new(), true);
        assert_eq!(coverage.documented[0].requests, 2);
        assert_eq!(coverage.unused, [Route { method: "RPC".into(), path: "shop.Stock/Release".into() }]);
        assert_eq!(coverage.undocumented.iter().map(|u| u.path.as_str()).collect::<Vec<_>>(), ["shop.Stock/Audit"]);
    }

    #[test]
    fn unreadable_definitions_say_where() {
        let parsed = parsed("openapi: 3.0.0\npaths:\n  /a: [x\n");
        let DefinitionView::Unreadable { problem } = &parsed.view else { panic!("{:?}", parsed.view) };
        assert!(problem.starts_with("api:default/orders:4:1: invalid YAML"), "{problem}");
    }
}
