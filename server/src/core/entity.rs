//! One entity as a page shows it: what was declared (the entity and the
//! problems found loading it) beside what was observed (the calls to and
//! from its node over a window). Only that node's edges are read.

use std::sync::Arc;

use catalog::{Diagnostic, Entity, EntityRef};
use collector::{ConnectionType, Edge, EdgeStats, NodeId};

use super::graph::{GraphNode, graph_node, node_of_entity};
use super::{Core, Error, Window};
use crate::unix_seconds;

#[derive(Clone, Debug)]
pub struct EntityOverview {
    pub entity: Arc<Entity>,
    /// Problems the last load found with it, at their `file:line:column`.
    pub problems: Vec<Diagnostic>,
    /// What traces show of it; `None` when it is not a component (no node).
    pub observed: Option<ObservedCalls>,
}

/// The calls observed to and from one node over a window.
#[derive(Clone, Debug, PartialEq)]
pub struct ObservedCalls {
    pub window: Window,
    pub callers: Vec<ObservedCall>,
    pub callees: Vec<ObservedCall>,
}

/// Calls between a node and one peer, in one direction.
#[derive(Clone, Debug, PartialEq)]
pub struct ObservedCall {
    /// The other end, joined to its component when it is a service.
    pub peer: GraphNode,
    pub connection: ConnectionType,
    pub requests: u64,
    pub errors: u64,
    /// Calls in which the caller saw a failure (a 4xx, a timeout).
    pub caller_failures: u64,
    /// Spans the counts rest on (fewer than `requests`: an estimate).
    pub kept_spans: u64,
    pub p95_ms: f64,
}

impl Core {
    /// `kind:namespace/name` (any case) with its problems and, for a
    /// component, the calls observed to and from it over `window`.
    pub async fn entity(&self, kind: &str, namespace: &str, name: &str, window: Window) -> Result<Option<EntityOverview>, Error> {
        let snapshot = self.catalog.snapshot();
        let key = EntityRef::new(kind, namespace, name).key();
        let Some(entity) = snapshot.get(&key).map(|e| e.entity.clone()) else { return Ok(None) };
        let problems = self.catalog.diagnostics().iter().filter(|d| d.entity_ref.as_deref() == Some(key.as_str())).cloned().collect();
        let observed = match node_of_entity(&entity) {
            Some(node) => Some(self.calls_of(&node, window).await?),
            None => None,
        };
        Ok(Some(EntityOverview { entity, problems, observed }))
    }

    /// The calls to and from `node` over `window`: its edges only, read
    /// from the store, within the cardinality limits.
    pub async fn calls_of(&self, node: &NodeId, window: Window) -> Result<ObservedCalls, Error> {
        let edges = self.store.edges_touching(node, window.first_bucket(unix_seconds())).await?;
        let edges = collector::engine::limits::fold(edges, &self.limits);
        Ok(observed_calls(&self.catalog.snapshot(), node, &edges, window))
    }
}

/// `edges` (each touching `node`) split into callers and callees.
fn observed_calls(index: &catalog::index::CatalogIndex, node: &NodeId, edges: &[(Edge, EdgeStats)], window: Window) -> ObservedCalls {
    let call = |peer: &NodeId, edge: &Edge, stats: &EdgeStats| ObservedCall {
        peer: graph_node(index, peer),
        connection: edge.connection,
        requests: stats.requests,
        errors: stats.errors,
        caller_failures: stats.caller_failures,
        kept_spans: stats.kept,
        p95_ms: stats.quantile_ms(0.95),
    };
    let callers = edges.iter().filter(|(e, _)| &e.target == node).map(|(e, s)| call(&e.source, e, s)).collect();
    let callees = edges.iter().filter(|(e, _)| &e.source == node).map(|(e, s)| call(&e.target, e, s)).collect();
    ObservedCalls { window, callers, callees }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use collector::NodeKind;

    use super::*;

    fn edge(source: NodeId, target: NodeId, requests: u64) -> (Edge, EdgeStats) {
        let mut stats = EdgeStats::default();
        for _ in 0..requests {
            stats.record(&collector::Call::one(false, Some(Duration::from_millis(20)), None));
        }
        (Edge { source, target, connection: ConnectionType::Http }, stats)
    }

    #[test]
    fn edges_of_a_node_become_callers_and_callees_joined_to_components() {
        let text = "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: gateway}\nspec: {type: service, lifecycle: production, owner: team}\n";
        let index = catalog::index::CatalogIndex::new(catalog::parse_str("t", text).entities.into_iter().map(|p| p.entity).collect());
        let pricing = NodeId::service("pricing".into());
        let database = NodeId::new(NodeKind::Database, "pricing-db".into());
        let edges = [edge(NodeId::service("gateway".into()), pricing.clone(), 3), edge(pricing.clone(), database, 5)];
        let calls = observed_calls(&index, &pricing, &edges, Window::parse("1h").unwrap());
        assert_eq!(calls.callers.len(), 1);
        assert_eq!(calls.callers[0].peer.entity_ref.as_deref(), Some("component:default/gateway"));
        assert_eq!(calls.callers[0].requests, 3);
        assert_eq!(calls.callees[0].peer.id, "database:pricing-db");
        assert_eq!(calls.callees[0].peer.entity_ref, None, "only services join components");
        assert!((19.0..=21.0).contains(&calls.callees[0].p95_ms));
    }
}
