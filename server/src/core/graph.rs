//! The observed graph over a window, with each service node joined to the
//! Component it is: a service named `N` (or `ns/N` when it sets
//! `service.namespace`) is the Component named `N` in the default
//! namespace, else the first of that name in any namespace.

use std::collections::HashMap;

use catalog::entity_ref::DEFAULT_NAMESPACE;
use catalog::index::{CatalogIndex, Condition, Filter};
use catalog::{Entity, EntityRef};
use collector::engine::limits::fold;
use collector::{ConnectionType, Edge, EdgeStats, NodeId, NodeKind};
use serde::Serialize;
use tokio::sync::watch;

use super::{Core, Error, Window};
use crate::traffic::HORIZON;
use crate::unix_seconds;

/// `GET /api/v1/graph`'s body.
#[derive(Clone, Debug, Default, Serialize, utoipa::ToSchema, PartialEq)]
pub struct GraphView {
    pub nodes: Vec<GraphNode>,
    pub edges: Vec<GraphEdge>,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct GraphNode {
    /// `<kind>:<name>`, unique across kinds (a service and a database may share a name).
    pub id: String,
    pub name: String,
    pub kind: NodeKind,
    pub entity_ref: Option<String>,
    /// The share of calls a sampled service keeps (0.05 for 5 %), from the
    /// calls it served (else made) in the window; absent when nothing was
    /// sampled away.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sample_rate: Option<f64>,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct GraphEdge {
    pub source: String,
    pub target: String,
    pub connection_type: ConnectionType,
    /// Calls made (estimated when sampled).
    pub requests: u64,
    /// Calls that failed, as their server says (a call nobody answered in
    /// traces: as its client knows the server's answer).
    pub errors: u64,
    /// Calls whose caller saw a failure: a 4xx or a timeout the server does
    /// not count shows here, not in `errors`.
    pub caller_failures: u64,
    /// Spans the counts rest on (a call's two halves count once).
    pub kept_spans: u64,
    /// Whether the counts are estimates from sampled spans.
    pub estimated: bool,
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub p99_ms: f64,
}

/// A node's id in views: `<kind>:<name>`.
pub fn node_id(node: &NodeId) -> String {
    format!("{}:{}", node.kind.as_str(), node.name)
}

/// The graph node a catalog entity appears as, if it is a component: the
/// service of its name (`namespace/name` outside the default namespace).
pub fn node_of_entity(entity: &Entity) -> Option<NodeId> {
    entity.service_name().map(|name| NodeId::service(name.into()))
}

/// The component a service node is (its ref): `ns/name` names it outright;
/// a bare name is the component of that name in the default namespace,
/// else the first (in ref order) in any namespace. Index lookups, not a scan.
pub fn component_for_service(index: &CatalogIndex, service: &str) -> Option<String> {
    let component = |namespace: &str, name: &str| index.get(&EntityRef::new("component", namespace, name).key()).map(|e| e.key());
    if let Some((namespace, name)) = service.split_once('/') {
        return component(namespace, name);
    }
    component(DEFAULT_NAMESPACE, service).or_else(|| {
        let filter = Filter::all_of([Condition::equals("kind", "component"), Condition::equals("metadata.name", service)]);
        index.filter(&filter).first().map(|&i| index.entities()[i].key())
    })
}

/// A node as views show it, joined to its component when it is a service.
pub fn graph_node(index: &CatalogIndex, node: &NodeId) -> GraphNode {
    GraphNode {
        id: node_id(node),
        name: node.name.to_string(),
        kind: node.kind,
        entity_ref: entity_of_node(index, node),
        sample_rate: None,
    }
}

/// The entity a node is: a service's component; a database, queue or
/// external system's Resource (else Component) of its name; a service's
/// own (embedded or local) database, `SERVICE/FILE`, the database Resource
/// that service's component declares it depends on, else the Resource
/// named `FILE`.
pub fn entity_of_node(index: &CatalogIndex, node: &NodeId) -> Option<String> {
    let named = |name: &str| {
        ["resource", "component"]
            .into_iter()
            .map(|kind| EntityRef::new(kind, catalog::entity_ref::DEFAULT_NAMESPACE, name).key())
            .find(|key| index.get(key).is_some())
    };
    match node.kind {
        NodeKind::Service => component_for_service(index, &node.name),
        NodeKind::User | NodeKind::Group => None,
        NodeKind::Database => named(&node.name).or_else(|| {
            let (_, own) = node.name.rsplit_once('/')?;
            declared_own_database(index, &node.name).or_else(|| named(own))
        }),
        _ => named(&node.name),
    }
}

/// The database Resource a service's component depends on, for the
/// service's own database node `SERVICE/FILE` or `SERVICE/SYSTEM`: of the
/// Resources of `spec.type: database` it declares, the one named after the
/// file or system (`orders-db`, `orders-sqlite`), else the only one no
/// other component depends on (an embedded database is private to its
/// service; a shared one is a node of its own).
fn declared_own_database(index: &CatalogIndex, name: &str) -> Option<String> {
    let (service, own) = name.rsplit_once('/')?;
    let component = index.get(&component_for_service(index, service)?)?;
    let databases: Vec<&catalog::index::IndexedEntity> = component
        .entity
        .relation_targets("dependsOn")
        .filter(|target| target.starts_with("resource:"))
        .filter_map(|target| index.get(target))
        .filter(|resource| resource.entity.spec_str("type").is_some_and(|t| t.eq_ignore_ascii_case("database")))
        .collect();
    let only = |candidates: Vec<&&catalog::index::IndexedEntity>| match candidates.as_slice() {
        [one] => Some(one.key()),
        _ => None,
    };
    let own = own.to_ascii_lowercase();
    let named = |db: &&&catalog::index::IndexedEntity| {
        let name = db.entity.metadata.name.to_ascii_lowercase();
        name.contains(&own) || own.contains(&name)
    };
    only(databases.iter().filter(named).collect())
        .or_else(|| only(databases.iter().filter(|db| db.entity.relation_targets("dependencyOf").count() <= 1).collect()))
}

impl Core {
    /// The graph over `window`, from the database (every replica's traffic),
    /// within the cardinality limits (the rest merged into `(other)`).
    pub async fn graph(&self, window: Window) -> Result<GraphView, Error> {
        let _turn = self.graph_reads.acquire().await.map_err(|e| Error::Internal(Box::new(e)))?;
        let edges = self.store.edges_since(window.first_bucket(unix_seconds())).await?;
        Ok(self.graph_of(&fold(edges, &self.limits)))
    }

    /// The graph over `window` (at most [`HORIZON`]) from this process's live graph.
    pub fn live_graph(&self, window: Window) -> Result<GraphView, Error> {
        if window.duration > HORIZON {
            return Err(Error::Invalid(format!(
                "window `{window}`: the live stream covers at most {}; use GET /api/v1/graph?window={window}",
                Window { duration: HORIZON }
            )));
        }
        let edges = self.live.edges_since(window.first_bucket(unix_seconds()).max(0) as u64);
        Ok(self.graph_of(&fold(edges, &self.limits)))
    }

    /// Changes of the live graph (a counter that moves on each).
    pub fn graph_changes(&self) -> watch::Receiver<u64> {
        self.live.subscribe()
    }

    /// Resolves when the server stops (so streams can end).
    pub async fn closed(&self) {
        self.live.closed().await
    }

    /// The component a service is (its ref), if the catalog has one.
    pub fn component_of_service(&self, service: &str) -> Option<String> {
        component_for_service(&self.catalog.snapshot(), service)
    }

    /// Nodes and edges of `edges`, services joined to their components.
    fn graph_of(&self, edges: &[(Edge, EdgeStats)]) -> GraphView {
        let snapshot = self.catalog.snapshot();
        let mut nodes: HashMap<&NodeId, GraphNode> = HashMap::new();
        let mut out = GraphView::default();
        for (edge, stats) in edges {
            for end in [&edge.source, &edge.target] {
                nodes.entry(end).or_insert_with(|| graph_node(&snapshot, end));
            }
            out.edges.push(graph_edge(edge, stats));
        }
        let sampling = sampling_of_services(edges);
        out.nodes = nodes
            .into_iter()
            .map(|(id, mut node)| {
                node.sample_rate = sampling.get(id).copied();
                node
            })
            .collect();
        out.nodes.sort_by(|a, b| a.id.cmp(&b.id));
        out
    }
}

/// An edge as views show it.
pub fn graph_edge(edge: &Edge, stats: &EdgeStats) -> GraphEdge {
    GraphEdge {
        source: node_id(&edge.source),
        target: node_id(&edge.target),
        connection_type: edge.connection,
        requests: stats.requests,
        errors: stats.errors,
        caller_failures: stats.caller_failures,
        kept_spans: stats.kept,
        estimated: stats.estimated(),
        p50_ms: stats.quantile_ms(0.50),
        p95_ms: stats.quantile_ms(0.95),
        p99_ms: stats.quantile_ms(0.99),
    }
}

/// How much of its traffic each sampled service keeps: kept over estimated
/// calls, on the calls it served (the callee's weight decides a pair), else
/// on those it made. Services that sample nothing away are absent.
pub fn sampling_of_services(edges: &[(Edge, EdgeStats)]) -> HashMap<&NodeId, f64> {
    let mut served: HashMap<&NodeId, (u64, u64)> = HashMap::new();
    let mut made: HashMap<&NodeId, (u64, u64)> = HashMap::new();
    for (edge, stats) in edges {
        for (end, sums) in [(&edge.target, &mut served), (&edge.source, &mut made)] {
            if end.kind == NodeKind::Service {
                let sum = sums.entry(end).or_default();
                sum.0 += stats.kept;
                sum.1 += stats.requests;
            }
        }
    }
    let mut rates = HashMap::new();
    for (node, (kept, requests)) in made.into_iter().chain(served) {
        // Served calls come second, so they win where a service has both.
        if requests > 0 && kept < requests {
            rates.insert(node, kept as f64 / requests as f64);
        } else {
            rates.remove(node);
        }
    }
    rates
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn services_match_components_preferring_the_default_namespace() {
        let text = "\
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {name: Checkout, namespace: shop}
spec: {type: service, lifecycle: production, owner: team}
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {name: checkout}
spec: {type: service, lifecycle: production, owner: team}
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {name: only-here, namespace: shop}
spec: {type: service, lifecycle: production, owner: team}
";
        let entities: Vec<_> = catalog::parse_str("t", text).entities.into_iter().map(|p| p.entity).collect();
        let index = CatalogIndex::new(entities);
        assert_eq!(component_for_service(&index, "checkout").as_deref(), Some("component:default/checkout"));
        assert_eq!(component_for_service(&index, "shop/checkout").as_deref(), Some("component:shop/checkout"));
        assert_eq!(component_for_service(&index, "only-here").as_deref(), Some("component:shop/only-here"));
        // A name is a value, never filter text: formatted into a filter string,
        // this one would have matched `only-here` (one key's values are ORed).
        assert_eq!(component_for_service(&index, "zzz,metadata.name=only-here"), None);
    }

    /// A service's own (embedded) database joins the Resource its component
    /// declares: named after it, else the only private one; else the
    /// Resource of its file's name.
    #[test]
    fn a_services_own_database_joins_the_resource_it_declares() {
        let text = "\
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {name: orders}
spec: {type: service, lifecycle: production, owner: team, dependsOn: [resource:orders-db, resource:shop]}
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {name: storefront}
spec: {type: service, lifecycle: production, owner: team, dependsOn: [resource:shop]}
---
apiVersion: backstage.io/v1alpha1
kind: Resource
metadata: {name: orders-db}
spec: {type: database, owner: team}
---
apiVersion: backstage.io/v1alpha1
kind: Resource
metadata: {name: shop}
spec: {type: database, owner: team}
---
apiVersion: backstage.io/v1alpha1
kind: Resource
metadata: {name: lonely-db}
spec: {type: database, owner: team}
";
        let mut loaded = catalog::parse_str("t", text);
        catalog::derive_relations(&mut loaded.entities);
        let index = CatalogIndex::new(loaded.entities.into_iter().map(|p| p.entity).collect());
        let database = |name: &str| entity_of_node(&index, &NodeId::new(NodeKind::Database, name.into()));
        assert_eq!(database("shop").as_deref(), Some("resource:default/shop"), "a server's database by its name");
        assert_eq!(database("orders/sqlite").as_deref(), Some("resource:default/orders-db"), "the private one, not the shared shop");
        assert_eq!(database("orders/orders-db").as_deref(), Some("resource:default/orders-db"));
        assert_eq!(database("storefront/sqlite"), None, "storefront declares only a shared database");
        assert_eq!(
            database("billing/lonely-db").as_deref(),
            Some("resource:default/lonely-db"),
            "undeclared: the Resource of its file's name"
        );
    }
}
