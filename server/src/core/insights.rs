//! What the declared catalog and the observed graph say together:
//!
//! - drift: calls observed but not declared (`dependsOn`, or `consumesApis`
//!   of an API another component provides), declarations never observed,
//!   services in traces but not in the catalog (with a drafted
//!   `catalog-info.yaml`), and `service` components never seen (a
//!   consumer depends on the queue it reads, though the graph's edge runs
//!   from the queue);
//! - cycles: services that call each other round (strongly connected
//!   components of the service graph, the "distributed monolith");
//! - blast radius: every service that calls a service, directly or not,
//!   with its owner and SLOs;
//! - hot spots: the services most called from (fan-in) and calling (fan-out)
//!   the most others.
//!
//! Decisions: a declaration counts as unobserved only when its source was
//! seen in the window (a component seen nowhere is `silent`, which says
//! more); only components of `spec.type: service` can be silent (libraries
//! and websites emit no server spans); the calls of `user` (uninstrumented
//! callers) and of overflow nodes are not dependencies of anyone.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};

use catalog::Entity;
use catalog::index::{CatalogIndex, Condition, Filter};
use collector::{NodeId, NodeKind, OVERFLOW};
use petgraph::graph::{DiGraph, NodeIndex};
use serde::Serialize;

use super::graph::{component_for_service, node_id};
use super::{Core, Error, Window};
use crate::unix_seconds;

/// The window insights cover when none is given: long enough that an
/// hourly call is seen.
pub const DEFAULT_INSIGHTS_WINDOW: Window = Window { duration: std::time::Duration::from_secs(24 * 3600) };

/// `GET /api/v1/insights/drift`'s body.
#[derive(Clone, Debug, Default, Serialize, utoipa::ToSchema, PartialEq)]
pub struct Drift {
    pub undeclared: Vec<Dependency>,
    pub unobserved: Vec<Dependency>,
    /// Service names.
    pub uncataloged: Vec<String>,
    /// Entity refs.
    pub silent: Vec<String>,
}

/// A dependency: entity refs where the catalog has them, else node ids
/// (`database:orders`, `external:payment-provider`).
#[derive(Clone, Debug, Serialize, utoipa::ToSchema, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Dependency {
    pub source: String,
    pub target: String,
}

/// One observed call between nodes, as drift and the graph insights read it.
#[derive(Clone, Debug)]
pub struct ObservedEdge {
    pub source: NodeId,
    pub target: NodeId,
    pub requests: u64,
}

fn is_overflow(node: &NodeId) -> bool {
    node.name.as_ref() == OVERFLOW
}

/// One declared dependency: what was written (`component:default/cart`,
/// or `api:default/catalog-api` for `consumesApis`), and the entities a
/// call to which observes it (the component; any provider of the API).
struct Declaration {
    written: String,
    satisfied_by: Vec<String>,
}

/// What a component declares it depends on.
fn declarations(index: &CatalogIndex, component: &Entity) -> Vec<Declaration> {
    let mut out: Vec<Declaration> = component
        .relation_targets("dependsOn")
        .map(|t| t.to_ascii_lowercase())
        .map(|t| Declaration { satisfied_by: vec![t.clone()], written: t })
        .collect();
    for api in component.relation_targets("consumesApi") {
        let api = api.to_ascii_lowercase();
        let providers =
            index.get(&api).map(|a| a.entity.relation_targets("apiProvidedBy").map(str::to_ascii_lowercase).collect()).unwrap_or_default();
        out.push(Declaration { written: api, satisfied_by: providers });
    }
    out
}

/// Every entity a component's declarations allow it to call.
fn declared(index: &CatalogIndex, component: &Entity) -> BTreeSet<String> {
    declarations(index, component).into_iter().flat_map(|d| d.satisfied_by).collect()
}

/// Drift over the observed `edges`; `served` are the services with server
/// spans in the window (seen even when no instrumented caller called them).
/// `only` keeps what concerns one entity: its calls and declarations, and
/// undeclared calls into it.
pub fn drift(index: &CatalogIndex, edges: &[ObservedEdge], served: &[String], only: Option<&str>) -> Drift {
    let mut refs: HashMap<&NodeId, Option<String>> = HashMap::new();
    let mut observed: HashSet<(String, String)> = HashSet::new();
    let mut seen_refs: HashSet<String> = HashSet::new();
    let mut uncataloged: BTreeSet<String> = BTreeSet::new();
    let mut undeclared: BTreeSet<Dependency> = BTreeSet::new();
    let mut note_service = |name: &str, entity: &Option<String>, seen_refs: &mut HashSet<String>| match entity {
        Some(entity) => {
            seen_refs.insert(entity.clone());
        }
        None => {
            uncataloged.insert(name.to_string());
        }
    };
    for name in served.iter().filter(|n| n.as_str() != OVERFLOW) {
        let entity = component_for_service(index, name);
        note_service(name, &entity, &mut seen_refs);
    }
    let mut allowed: HashMap<String, BTreeSet<String>> = HashMap::new();
    for edge in edges {
        if is_overflow(&edge.source) || is_overflow(&edge.target) {
            continue;
        }
        // Who depends on what: a service on what it calls, a consumer on the queue it reads.
        let (dependent, dependency) = match (edge.source.kind, edge.target.kind) {
            (NodeKind::Service, _) => (&edge.source, &edge.target),
            (NodeKind::Messaging, NodeKind::Service) => (&edge.target, &edge.source),
            _ => continue,
        };
        let source = refs.entry(dependent).or_insert_with(|| super::graph::entity_of_node(index, dependent)).clone();
        let target = refs.entry(dependency).or_insert_with(|| super::graph::entity_of_node(index, dependency)).clone();
        note_service(&dependent.name, &source, &mut seen_refs);
        if dependency.kind == NodeKind::Service {
            note_service(&dependency.name, &target, &mut seen_refs);
        }
        let Some(source) = source else { continue };
        let target_name = target.clone().unwrap_or_else(|| node_id(dependency));
        observed.insert((source.clone(), target_name.clone()));
        let declared_here =
            allowed.entry(source.clone()).or_insert_with(|| index.get(&source).map(|c| declared(index, &c.entity)).unwrap_or_default());
        if !declared_here.contains(&target_name) {
            undeclared.insert(Dependency { source, target: target_name });
        }
    }
    let mut unobserved = Vec::new();
    let mut silent = Vec::new();
    let only = only.map(str::to_ascii_lowercase);
    let components: Vec<usize> = match &only {
        Some(entity) => index.position(entity).into_iter().collect(),
        None => index.filter(&Filter::all_of([Condition::equals("kind", "component")])),
    };
    for position in components {
        let component = &index.entities()[position];
        if !component.entity.kind.eq_ignore_ascii_case("component") {
            continue;
        }
        let key = component.key();
        if !seen_refs.contains(&key) {
            if component.entity.spec_str("type").is_some_and(|t| t.eq_ignore_ascii_case("service")) {
                silent.push(key);
            }
            continue;
        }
        for declaration in declarations(index, &component.entity) {
            if !declaration.satisfied_by.iter().any(|target| observed.contains(&(key.clone(), target.clone()))) {
                unobserved.push(Dependency { source: key.clone(), target: declaration.written });
            }
        }
    }
    unobserved.sort();
    silent.sort();
    let mut drift =
        Drift { undeclared: undeclared.into_iter().collect(), unobserved, uncataloged: uncataloged.into_iter().collect(), silent };
    if let Some(entity) = only {
        drift.undeclared.retain(|d| d.source == entity || d.target == entity);
        drift.unobserved.retain(|d| d.source == entity || d.target == entity);
        drift.silent.retain(|s| *s == entity);
        drift.uncataloged.clear();
    }
    drift
}

/// The service graph of `edges` (services only, no overflow).
struct ServiceGraph {
    graph: DiGraph<String, u64>,
    nodes: HashMap<String, NodeIndex>,
}

impl ServiceGraph {
    fn of(edges: &[ObservedEdge]) -> Self {
        let mut out = ServiceGraph { graph: DiGraph::new(), nodes: HashMap::new() };
        for edge in edges {
            if edge.source.kind != NodeKind::Service
                || edge.target.kind != NodeKind::Service
                || is_overflow(&edge.source)
                || is_overflow(&edge.target)
            {
                continue;
            }
            let (a, b) = (out.node(&edge.source.name), out.node(&edge.target.name));
            out.graph.update_edge(a, b, edge.requests);
        }
        out
    }

    fn node(&mut self, name: &str) -> NodeIndex {
        if let Some(&index) = self.nodes.get(name) {
            return index;
        }
        let index = self.graph.add_node(name.to_string());
        self.nodes.insert(name.to_string(), index);
        index
    }
}

/// `GET /api/v1/insights/cycles`'s body.
#[derive(Clone, Debug, Default, Serialize, utoipa::ToSchema, PartialEq)]
pub struct Cycles {
    pub cycles: Vec<Cycle>,
}

/// Services that all reach each other through calls.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Cycle {
    /// Sorted.
    pub services: Vec<String>,
    pub entity_refs: Vec<Option<String>>,
    /// The calls among them, (caller, callee), sorted.
    pub edges: Vec<(String, String)>,
}

/// Strongly connected components of two or more services (and services calling themselves).
pub fn cycles(index: &CatalogIndex, edges: &[ObservedEdge]) -> Cycles {
    let graph = ServiceGraph::of(edges);
    let mut out = Vec::new();
    for component in petgraph::algo::tarjan_scc(&graph.graph) {
        let looped = component.len() == 1 && graph.graph.contains_edge(component[0], component[0]);
        if component.len() < 2 && !looped {
            continue;
        }
        let members: HashSet<NodeIndex> = component.iter().copied().collect();
        let mut services: Vec<String> = component.iter().map(|&n| graph.graph[n].clone()).collect();
        services.sort();
        let mut calls: Vec<(String, String)> = graph
            .graph
            .edge_indices()
            .filter_map(|e| graph.graph.edge_endpoints(e))
            .filter(|(a, b)| members.contains(a) && members.contains(b))
            .map(|(a, b)| (graph.graph[a].clone(), graph.graph[b].clone()))
            .collect();
        calls.sort();
        let entity_refs = services.iter().map(|s| component_for_service(index, s)).collect();
        out.push(Cycle { services, entity_refs, edges: calls });
    }
    out.sort_by(|a, b| b.services.len().cmp(&a.services.len()).then_with(|| a.services.cmp(&b.services)));
    Cycles { cycles: out }
}

/// `GET /api/v1/insights/blast-radius/{name}`'s body.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct BlastRadius {
    pub service: String,
    pub entity_ref: Option<String>,
    /// Every service that calls it directly (1 hop) or through others; nearest first.
    pub callers: Vec<AtRisk>,
    /// The teams owning those callers, sorted.
    pub owners: Vec<String>,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct AtRisk {
    pub service: String,
    pub entity_ref: Option<String>,
    pub owner: Option<String>,
    pub hops: usize,
    /// The caller's objectives and their alert state.
    pub slos: Vec<SloState>,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema, PartialEq)]
pub struct SloState {
    pub name: String,
    pub state: slo::Alert,
}

/// Every transitive caller of `service`, by breadth-first search over the
/// reversed service graph.
pub fn blast_radius(index: &CatalogIndex, edges: &[ObservedEdge], service: &str, slos: &dyn Fn(&str) -> Vec<SloState>) -> BlastRadius {
    let graph = ServiceGraph::of(edges);
    let owner_of = |entity: &Option<String>| {
        entity.as_ref().and_then(|e| index.get(e)).and_then(|c| c.entity.relation_targets("ownedBy").next().map(str::to_string))
    };
    let mut callers = Vec::new();
    if let Some(&start) = graph.nodes.get(service) {
        let mut hops: HashMap<NodeIndex, usize> = HashMap::from([(start, 0)]);
        let mut queue = VecDeque::from([start]);
        while let Some(node) = queue.pop_front() {
            let distance = hops[&node];
            let mut callers_here: Vec<NodeIndex> = graph.graph.neighbors_directed(node, petgraph::Direction::Incoming).collect();
            callers_here.sort_by(|a, b| graph.graph[*a].cmp(&graph.graph[*b]));
            for caller in callers_here {
                if hops.contains_key(&caller) {
                    continue;
                }
                hops.insert(caller, distance + 1);
                queue.push_back(caller);
                let name = graph.graph[caller].clone();
                let entity_ref = component_for_service(index, &name);
                callers.push(AtRisk { owner: owner_of(&entity_ref), slos: slos(&name), entity_ref, service: name, hops: distance + 1 });
            }
        }
    }
    let owners: BTreeSet<String> = callers.iter().filter_map(|c| c.owner.clone()).collect();
    let entity_ref = component_for_service(index, service);
    BlastRadius { service: service.to_string(), entity_ref, callers, owners: owners.into_iter().collect() }
}

/// `GET /api/v1/insights/hotspots`'s body.
#[derive(Clone, Debug, Default, Serialize, utoipa::ToSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Hotspots {
    /// Services called by the most other services, most first.
    pub fan_in: Vec<Fan>,
    /// Services calling the most other services, most first.
    pub fan_out: Vec<Fan>,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Fan {
    pub service: String,
    pub entity_ref: Option<String>,
    pub services: usize,
    pub requests: u64,
}

pub fn hotspots(index: &CatalogIndex, edges: &[ObservedEdge], limit: usize) -> Hotspots {
    let graph = ServiceGraph::of(edges);
    let ranked = |direction: petgraph::Direction| {
        let mut fans: Vec<Fan> = graph
            .graph
            .node_indices()
            .map(|node| {
                let edges = graph
                    .graph
                    .edges_directed(node, direction)
                    .filter(|e| petgraph::visit::EdgeRef::source(e) != petgraph::visit::EdgeRef::target(e));
                let (services, requests) = edges.fold((0, 0), |(n, r), e| (n + 1, r + e.weight()));
                let service = graph.graph[node].clone();
                Fan { entity_ref: component_for_service(index, &service), service, services, requests }
            })
            .filter(|fan| fan.services > 0)
            .collect();
        fans.sort_by(|a, b| b.services.cmp(&a.services).then_with(|| b.requests.cmp(&a.requests)).then_with(|| a.service.cmp(&b.service)));
        fans.truncate(limit);
        fans
    };
    Hotspots { fan_in: ranked(petgraph::Direction::Incoming), fan_out: ranked(petgraph::Direction::Outgoing) }
}

/// A `catalog-info.yaml` draft for a service the catalog lacks, filled from
/// what traffic says of it: its name, what it calls, the HTTP operations it serves.
pub fn draft_descriptor(index: &CatalogIndex, service: &str, edges: &[ObservedEdge], operations: &[String]) -> String {
    let name = entity_name(service);
    let mut depends: BTreeSet<String> = BTreeSet::new();
    for edge in edges.iter().filter(|e| e.source.kind == NodeKind::Service && e.source.name.as_ref() == service && !is_overflow(&e.target))
    {
        if let Some(entity) = super::graph::entity_of_node(index, &edge.target) {
            depends.insert(entity);
        }
    }
    let mut routes: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for operation in operations {
        if let Some((method, _)) = contracts::path::split_operation(operation)
            && let Some((_, route)) = operation.split_once(' ')
        {
            routes.entry(route.to_string()).or_default().insert(method.to_ascii_lowercase());
        }
    }
    let mut out = String::new();
    out.push_str("# Drafted by Meridian from traces: check the owner, lifecycle and description.\n");
    out.push_str("apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n");
    out.push_str(&format!("  name: {name}\n  description: {}\n", quoted(&format!("Seen in traces as `{service}`."))));
    out.push_str("spec:\n  type: service\n  lifecycle: experimental\n  owner: unknown  # the owning team\n");
    if !depends.is_empty() {
        out.push_str("  dependsOn:\n");
        for dependency in &depends {
            out.push_str(&format!("    - {}\n", quoted(dependency)));
        }
    }
    if routes.is_empty() {
        return out;
    }
    out.push_str(&format!(
        "  providesApis:\n    - {name}-api\n---\napiVersion: backstage.io/v1alpha1\nkind: API\nmetadata:\n  name: {name}-api\n"
    ));
    out.push_str("  description: The HTTP operations Meridian saw it serve.\nspec:\n  type: openapi\n  lifecycle: experimental\n  owner: unknown\n  definition: |\n");
    out.push_str(&format!("    openapi: 3.0.3\n    info: {{title: {}, version: observed}}\n    paths:\n", quoted(service)));
    for (route, methods) in &routes {
        out.push_str(&format!("      {}:\n", quoted(&openapi_path(route))));
        for method in methods {
            out.push_str(&format!("        {method}:\n          responses: {{'200': {{description: observed}}}}\n"));
        }
    }
    out
}

/// A name Backstage accepts: letters, digits, `-`, `_`, `.`, at most 63, alphanumeric at both ends.
fn entity_name(service: &str) -> String {
    let cleaned: String =
        service.chars().map(|c| if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') { c } else { '-' }).collect();
    let trimmed: String = cleaned.trim_matches(|c: char| !c.is_ascii_alphanumeric()).chars().take(63).collect();
    let trimmed = trimmed.trim_end_matches(|c: char| !c.is_ascii_alphanumeric()).to_string();
    if trimmed.is_empty() { "unnamed-service".to_string() } else { trimmed }
}

/// `/orders/:id` → `/orders/{id}`, as OpenAPI writes parameters.
fn openapi_path(route: &str) -> String {
    route
        .split('/')
        .map(|segment| match segment.strip_prefix(':') {
            Some(name) if !name.is_empty() => format!("{{{name}}}"),
            _ => segment.trim_start_matches('<').trim_end_matches('>').to_string(),
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// A YAML double-quoted scalar.
fn quoted(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_else(|_| "\"\"".to_string())
}

impl Core {
    /// The observed edges of a window, as the insights read them.
    async fn observed_edges(&self, window: Window) -> Result<Vec<ObservedEdge>, Error> {
        let _turn = self.graph_reads.acquire().await.map_err(|e| Error::Internal(Box::new(e)))?;
        let edges = self.store.edges_since(window.first_bucket(unix_seconds())).await?;
        Ok(edges
            .into_iter()
            .map(|(edge, stats)| ObservedEdge { source: edge.source, target: edge.target, requests: stats.requests })
            .collect())
    }

    /// Drift over `window`; for one `entity`, its own calls and declarations
    /// and the undeclared calls into it (read from its edges only).
    pub async fn drift(&self, window: Window, entity: Option<&str>) -> Result<Drift, Error> {
        let entity = entity.map(|e| super::refs::entity_key("entity", e, "component")).transpose()?;
        let node = entity.as_ref().and_then(|e| self.catalog.snapshot().get(e).and_then(|c| super::graph::node_of_entity(&c.entity)));
        let edges = match &node {
            Some(node) => {
                let edges = self.store.edges_touching(node, window.first_bucket(unix_seconds())).await?;
                edges
                    .into_iter()
                    .map(|(edge, stats)| ObservedEdge { source: edge.source, target: edge.target, requests: stats.requests })
                    .collect()
            }
            None => self.observed_edges(window).await?,
        };
        let mut served: Vec<String> = self.services(window).await?.into_iter().map(|(name, _)| name.to_string()).collect();
        if let Some(node) = &node {
            served.retain(|name| *name == *node.name);
        }
        let index = self.catalog.snapshot();
        crate::run_blocking(move || drift(&index, &edges, &served, entity.as_deref())).await.map_err(|e| Error::Internal(Box::new(e)))
    }

    pub async fn cycles(&self, window: Window) -> Result<Cycles, Error> {
        let edges = self.observed_edges(window).await?;
        Ok(cycles(&self.catalog.snapshot(), &edges))
    }

    pub async fn blast_radius(&self, service: &str, window: Window) -> Result<BlastRadius, Error> {
        let edges = self.observed_edges(window).await?;
        let snapshot = self.slos.snapshot();
        let slos = |caller: &str| {
            snapshot
                .objectives
                .iter()
                .filter(|o| o.slo.service == caller)
                .map(|o| SloState { name: o.slo.name.clone(), state: o.alert })
                .collect()
        };
        let index = self.catalog.snapshot();
        if !edges.iter().any(|e| e.target.kind == NodeKind::Service && e.target.name.as_ref() == service)
            && component_for_service(&index, service).is_none()
        {
            return Err(Error::NotFound(format!("no service `{service}` in the catalog or in traffic over {window}")));
        }
        Ok(blast_radius(&index, &edges, service, &slos))
    }

    pub async fn hotspots(&self, window: Window, limit: usize) -> Result<Hotspots, Error> {
        let edges = self.observed_edges(window).await?;
        Ok(hotspots(&self.catalog.snapshot(), &edges, limit))
    }

    /// A `catalog-info.yaml` draft for a service seen in traffic but not in the catalog.
    pub async fn draft_descriptor(&self, service: &str, window: Window) -> Result<String, Error> {
        let index = self.catalog.snapshot();
        if let Some(entity) = component_for_service(&index, service) {
            return Err(Error::Conflict(format!("`{service}` is in the catalog already, as {entity}")));
        }
        let edges = self.observed_edges(window).await?;
        let operations: Vec<String> =
            self.store.operations_since(service, window.first_bucket(unix_seconds())).await?.into_iter().map(|o| o.operation).collect();
        if operations.is_empty() && !edges.iter().any(|e| e.source.name.as_ref() == service || e.target.name.as_ref() == service) {
            return Err(Error::NotFound(format!("no service `{service}` in traffic over {window}")));
        }
        Ok(draft_descriptor(&index, service, &edges, &operations))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    const CATALOG: &str = "\
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {name: web}
spec: {type: service, lifecycle: production, owner: team-web, dependsOn: [component:cart, resource:sessions], consumesApis: [catalog-api]}
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {name: cart}
spec: {type: service, lifecycle: production, owner: team-cart}
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {name: catalog}
spec: {type: service, lifecycle: production, owner: team-catalog, providesApis: [catalog-api]}
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {name: quiet}
spec: {type: service, lifecycle: production, owner: team-cart}
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {name: docs-site}
spec: {type: website, lifecycle: production, owner: team-web}
---
apiVersion: backstage.io/v1alpha1
kind: Resource
metadata: {name: sessions}
spec: {type: database, owner: team-web}
---
apiVersion: backstage.io/v1alpha1
kind: Resource
metadata: {name: carts}
spec: {type: database, owner: team-cart}
---
apiVersion: backstage.io/v1alpha1
kind: API
metadata: {name: catalog-api}
spec: {type: openapi, lifecycle: production, owner: team-catalog, definition: 'openapi: 3.0.0'}
";

    fn index() -> CatalogIndex {
        let mut loaded = catalog::parse_str("catalog.yaml", CATALOG);
        catalog::derive_relations(&mut loaded.entities);
        CatalogIndex::new(loaded.entities.into_iter().map(|p| p.entity).collect())
    }

    fn edge(source: (NodeKind, &str), target: (NodeKind, &str), requests: u64) -> ObservedEdge {
        ObservedEdge { source: NodeId::new(source.0, Arc::from(source.1)), target: NodeId::new(target.0, Arc::from(target.1)), requests }
    }

    use NodeKind::{Database, External, Messaging, Service, User};

    fn traffic() -> Vec<ObservedEdge> {
        vec![
            edge((User, "user"), (Service, "web"), 100),
            edge((Service, "web"), (Service, "catalog"), 50),
            edge((Service, "web"), (Database, "sessions"), 40),
            edge((Service, "web"), (Service, "recommender"), 20),
            edge((Service, "recommender"), (Service, "catalog"), 20),
            edge((Service, "cart"), (Database, "carts"), 10),
            edge((Service, "cart"), (External, "payment-provider"), 5),
            edge((Service, "web"), (Service, "(other)"), 1),
            edge((Service, "cart"), (Messaging, "sessions"), 1),
            edge((Messaging, "events"), (Service, "catalog"), 4),
        ]
    }

    #[test]
    fn drift_finds_each_kind_exactly() {
        let drift = drift(&index(), &traffic(), &["web".into(), "catalog".into(), "cart".into(), "recommender".into()], None);
        fn pairs(list: &[Dependency]) -> Vec<(&str, &str)> {
            list.iter().map(|d| (d.source.as_str(), d.target.as_str())).collect()
        }
        assert_eq!(
            pairs(&drift.undeclared),
            [
                ("component:default/cart", "external:payment-provider"),
                ("component:default/cart", "resource:default/carts"),
                ("component:default/cart", "resource:default/sessions"),
                ("component:default/catalog", "messaging:events"),
                ("component:default/web", "service:recommender"),
            ]
        );
        assert_eq!(pairs(&drift.unobserved), [("component:default/web", "component:default/cart")]);
        assert_eq!(drift.uncataloged, ["recommender"]);
        assert_eq!(drift.silent, ["component:default/quiet"], "a website is never silent; a seen component is not");
        let web = super::drift(&index(), &traffic(), &[], Some("component:default/web"));
        assert_eq!(web.undeclared.len(), 1);
        assert_eq!(web.unobserved.len(), 1);
        assert!(web.uncataloged.is_empty());
    }

    #[test]
    fn cycles_blast_radius_and_hot_spots() {
        let mut edges = traffic();
        edges.push(edge((Service, "catalog"), (Service, "web"), 3));
        edges.push(edge((Service, "cart"), (Service, "cart"), 2));
        let index = index();
        let found = cycles(&index, &edges);
        let services: Vec<Vec<String>> = found.cycles.iter().map(|c| c.services.clone()).collect();
        assert_eq!(services, [vec!["catalog".to_string(), "recommender".into(), "web".into()], vec!["cart".to_string()]]);
        assert_eq!(found.cycles[0].edges.len(), 4);
        assert_eq!(found.cycles[0].entity_refs[1], None);

        let slos = |service: &str| {
            if service == "web" { vec![SloState { name: "web-availability".into(), state: slo::Alert::Page }] } else { vec![] }
        };
        let radius = blast_radius(&index, &traffic(), "catalog", &slos);
        let callers: Vec<(&str, usize)> = radius.callers.iter().map(|c| (c.service.as_str(), c.hops)).collect();
        assert_eq!(callers, [("recommender", 1), ("web", 1)]);
        assert_eq!(radius.callers[1].slos[0].state, slo::Alert::Page);
        assert_eq!(radius.owners, ["group:default/team-web"]);
        let deeper =
            blast_radius(&index, &[edge((Service, "a"), (Service, "b"), 1), edge((Service, "b"), (Service, "c"), 1)], "c", &|_| vec![]);
        assert_eq!(deeper.callers.iter().map(|c| (c.service.as_str(), c.hops)).collect::<Vec<_>>(), [("b", 1), ("a", 2)]);

        let hot = hotspots(&index, &edges, 2);
        assert_eq!(hot.fan_in.iter().map(|f| (f.service.as_str(), f.services)).collect::<Vec<_>>(), [("catalog", 2), ("recommender", 1)]);
        assert_eq!(hot.fan_out[0].service, "web");
        assert_eq!(hot.fan_out[0].services, 2, "overflow and self-calls are not counted");
    }

    #[test]
    fn drafts_are_valid_descriptors_filled_from_traffic() {
        let operations = ["GET /recommendations/:user".to_string(), "POST /recommendations".to_string(), "consume events".to_string()];
        let draft = draft_descriptor(&index(), "recommender", &traffic(), &operations);
        let parsed = catalog::parse_str("draft.yaml", &draft);
        let errors: Vec<_> = parsed.diagnostics.iter().filter(|d| d.is_error()).collect();
        assert!(errors.is_empty(), "{errors:?}\n{draft}");
        let component = &parsed.entities[0].entity;
        assert_eq!(component.metadata.name, "recommender");
        assert_eq!(component.spec.get("dependsOn").cloned(), Some(serde_json::json!(["component:default/catalog"])));
        let api = &parsed.entities[1].entity;
        let definition = api.spec_str("definition").unwrap();
        let document = contracts::Document::read("draft", definition, &contracts::NoFetch).unwrap();
        let operations: Vec<String> = contracts::operations(&document).iter().map(|o| format!("{} {}", o.method, o.path)).collect();
        assert_eq!(operations, ["POST /recommendations", "GET /recommendations/{user}"]);
        assert_eq!(entity_name("shop/Payments API!"), "shop-Payments-API");
    }
}
