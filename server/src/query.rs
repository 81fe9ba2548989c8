//! The query layer: the one place where the declared catalog and the
//! observed graph meet. A service node is joined to the Component of the same
//! name (its `namespace/name` when the service sets `service.namespace`).

use std::collections::HashMap;
use std::sync::Arc;

use anyhow::Result;
use catalog::entity_ref::DEFAULT_NAMESPACE;
use catalog::index::{CatalogIndex, Filter};
use catalog::{Entity, EntityRef};
use collector::{Deploy, Edge, EdgeStats, NodeKind, RedStats};
use serde::Serialize;

use crate::catalog_service::CatalogService;
use crate::live::{HORIZON_SECS, Live};
use crate::store::{Store, unix_seconds};
use crate::window::Window;

/// The start of the first one-minute bucket inside `window` (the one the
/// window starts in counts whole).
fn first_bucket(window: Window) -> i64 {
    let since = unix_seconds() - window.duration.as_secs() as i64;
    since - since.rem_euclid(60)
}

/// `GET /api/v1/graph`'s body.
#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct GraphView {
    pub nodes: Vec<GraphNode>,
    pub edges: Vec<GraphEdge>,
}

#[derive(Clone, Debug, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct GraphNode {
    /// `<kind>:<name>`, unique across kinds (a service and a database may share a name).
    pub id: String,
    pub name: String,
    pub kind: &'static str,
    pub entity_ref: Option<String>,
}

#[derive(Clone, Debug, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct GraphEdge {
    pub source: String,
    pub target: String,
    pub connection_type: &'static str,
    pub requests: u64,
    pub errors: u64,
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub p99_ms: f64,
}

/// `GET /api/v1/services/{name}/operations`'s body.
#[derive(Clone, Debug, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct OperationsView {
    pub service: String,
    /// The window asked for, as written (`15m`).
    pub window: String,
    /// Busiest first.
    pub operations: Vec<OperationView>,
}

#[derive(Clone, Debug, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct OperationView {
    /// `METHOD /route`, the RPC method, or the span name.
    pub operation: String,
    pub requests: u64,
    pub errors: u64,
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub p99_ms: f64,
}

#[derive(Clone)]
pub struct Query {
    store: Store,
    catalog: Arc<CatalogService>,
    live: Arc<Live>,
}

fn node_id(kind: NodeKind, name: &str) -> String {
    format!("{}:{name}", kind.as_str())
}

/// The component a service node is: `ns/name` names it outright; a bare
/// name is the component of that name in the default namespace, else the
/// first (in ref order) in any namespace. Index lookups, not a scan.
fn component_for_service(index: &CatalogIndex, service: &str) -> Option<String> {
    let component = |namespace: &str, name: &str| index.get(&EntityRef::new("component", namespace, name).key()).map(|e| e.key.clone());
    if let Some((namespace, name)) = service.split_once('/') {
        return component(namespace, name);
    }
    component(DEFAULT_NAMESPACE, service).or_else(|| {
        let filter = Filter::parse(&[format!("kind=component,metadata.name={service}")]).ok()?;
        index.filter(&filter).first().map(|&i| index.entities()[i].key.clone())
    })
}

impl Query {
    pub fn new(store: Store, catalog: Arc<CatalogService>, live: Arc<Live>) -> Self {
        Self { store, catalog, live }
    }

    pub fn catalog(&self) -> &CatalogService {
        &self.catalog
    }

    pub fn live(&self) -> &Live {
        &self.live
    }

    /// A service's operations (its SERVER and CONSUMER spans) over `window`.
    pub async fn operations(&self, service: &str, window: Window, window_text: &str) -> Result<OperationsView> {
        let operations = self.store.operations_since(service, first_bucket(window)).await?;
        Ok(OperationsView {
            service: service.to_string(),
            window: window_text.to_string(),
            operations: operations
                .into_iter()
                .map(|o| OperationView {
                    operation: o.operation,
                    requests: o.stats.requests,
                    errors: o.stats.errors,
                    p50_ms: o.stats.quantile_ms(0.5),
                    p95_ms: o.stats.quantile_ms(0.95),
                    p99_ms: o.stats.quantile_ms(0.99),
                })
                .collect(),
        })
    }

    /// What each service served (SERVER and CONSUMER spans) over `window`, by name.
    pub async fn services(&self, window: Window) -> Result<Vec<(Arc<str>, RedStats)>> {
        self.store.services_since(first_bucket(window)).await
    }

    /// The latest `limit` deploys of any service, newest first.
    pub async fn recent_deploys(&self, limit: u32) -> Result<Vec<Deploy>> {
        self.store.recent_deploys(limit).await
    }

    /// The component a service is (its ref), if the catalog has one.
    pub fn component_of_service(&self, service: &str) -> Option<String> {
        component_for_service(&self.catalog.snapshot(), service)
    }

    /// The graph over `window`, from the database (every replica's traffic).
    pub async fn graph(&self, window: Window) -> Result<GraphView> {
        Ok(self.graph_of(&self.store.edges_since(first_bucket(window)).await?))
    }

    /// The graph over `window` (at most [`HORIZON_SECS`]) from the live graph in memory.
    pub fn live_graph(&self, window: Window) -> Result<GraphView> {
        anyhow::ensure!(window.duration.as_secs() <= HORIZON_SECS, "the live graph reaches back {HORIZON_SECS} s");
        Ok(self.graph_of(&self.live.edges_since(first_bucket(window).max(0) as u64)?))
    }

    /// Nodes and edges of `edges`, services joined to their components.
    fn graph_of(&self, edges: &[(Edge, EdgeStats)]) -> GraphView {
        let snapshot = self.catalog.snapshot();
        let mut nodes: HashMap<String, GraphNode> = HashMap::new();
        let mut out = GraphView::default();
        for (edge, stats) in edges {
            for end in [&edge.source, &edge.target] {
                let id = node_id(end.kind, &end.name);
                nodes.entry(id.clone()).or_insert_with(|| GraphNode {
                    id,
                    name: end.name.to_string(),
                    kind: end.kind.as_str(),
                    entity_ref: (end.kind == NodeKind::Service).then(|| component_for_service(&snapshot, &end.name)).flatten(),
                });
            }
            out.edges.push(GraphEdge {
                source: node_id(edge.source.kind, &edge.source.name),
                target: node_id(edge.target.kind, &edge.target.name),
                connection_type: edge.connection.as_str(),
                requests: stats.requests,
                errors: stats.errors,
                p50_ms: stats.quantile_ms(0.50),
                p95_ms: stats.quantile_ms(0.95),
                p99_ms: stats.quantile_ms(0.99),
            });
        }
        out.nodes = nodes.into_values().collect();
        out.nodes.sort_by(|a, b| a.id.cmp(&b.id));
        out
    }

    /// The graph node id a catalog entity appears as, if it is a component.
    pub fn node_id_for_entity(entity: &Entity) -> Option<String> {
        if !entity.kind.eq_ignore_ascii_case("component") {
            return None;
        }
        let name = if entity.metadata.namespace.eq_ignore_ascii_case(catalog::entity_ref::DEFAULT_NAMESPACE) {
            entity.metadata.name.clone()
        } else {
            format!("{}/{}", entity.metadata.namespace, entity.metadata.name)
        };
        Some(node_id(NodeKind::Service, &name))
    }
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
";
        let entities: Vec<_> = catalog::parse_str("t", text).entities.into_iter().map(|p| p.entity).collect();
        let index = CatalogIndex::new(entities);
        assert_eq!(component_for_service(&index, "checkout").as_deref(), Some("component:default/checkout"));
        assert_eq!(component_for_service(&index, "shop/checkout").as_deref(), Some("component:shop/checkout"));
    }
}
