//! One entity as a page shows it: what was declared (the entity and the
//! problems found loading it) beside what was observed (the calls to and
//! from its node over a window; only that node's edges are read), and, of
//! a component, its service's panels: charts, deploys, DORA, SLOs, drift
//! and scorecard results ([`Core::entity_page`]). The web adapter only
//! maps this to view models.

use std::sync::Arc;

use catalog::{Diagnostic, Entity, EntityRef};
use collector::{ConnectionType, Edge, EdgeStats, NodeId, RedStats};

use super::deploys::{DeployFilter, DeployRecord};
use super::dora::Dora;
use super::graph::{GraphNode, graph_node, node_of_entity};
use super::insights::{DEFAULT_INSIGHTS_WINDOW, Drift};
use super::scorecards::ScoreSnapshot;
use super::slos::{ListedObjective, SloFilter};
use super::{Core, Error, Window};
use crate::unix_seconds;

/// An entity page shows the calls observed over this window.
pub const ENTITY_WINDOW: Window = Window::minutes(60);
/// A component's charts (its service, each call, the busiest operations) span this many hours.
pub const CHART_HOURS: u64 = 3;
/// A component's DORA figures cover this many days; its page lists the latest [`DEPLOYS_LISTED`] deploys of them.
pub const DORA_DAYS: u32 = 30;
pub const DEPLOYS_LISTED: usize = 20;
/// A component's page charts this many of its busiest operations.
pub const OPERATIONS_CHARTED: usize = 10;

/// Everything an entity's page shows.
#[derive(Clone, Debug)]
pub struct EntityPage {
    pub overview: EntityOverview,
    /// Of a component: its service's panels.
    pub service: Option<ServicePanels>,
    /// Its results on the scorecards that grade it, as last evaluated.
    pub scores: ScoreSnapshot,
}

/// A component's service, over the last [`CHART_HOURS`] (charts) and
/// [`DORA_DAYS`] (deploys, DORA).
#[derive(Clone, Debug)]
pub struct ServicePanels {
    /// The charts' span, unix seconds.
    pub from: i64,
    pub to: i64,
    /// Served requests, minute by minute.
    pub minutes: Vec<(u64, RedStats)>,
    /// The latest [`DEPLOYS_LISTED`] deploys, newest first.
    pub deploys: Vec<DeployRecord>,
    /// The deploys within the charts' span (their markers): time, version.
    pub marks: Vec<(i64, String)>,
    pub dora: Dora,
    pub slos: Vec<ListedObjective>,
    pub drift: Drift,
    /// Each observed call to or from the service, minute by minute.
    pub calls: Vec<CallMinutes>,
    /// The busiest [`OPERATIONS_CHARTED`] operations, busiest first.
    pub operations: Vec<OperationMinutes>,
}

/// One call's minutes, seen from the service.
#[derive(Clone, Debug)]
pub struct CallMinutes {
    /// The service calls the peer (else the peer calls it).
    pub outgoing: bool,
    pub peer: NodeId,
    pub connection: ConnectionType,
    pub minutes: Vec<(u64, EdgeStats)>,
}

/// One operation's minutes and its totals over them.
#[derive(Clone, Debug)]
pub struct OperationMinutes {
    pub operation: Arc<str>,
    pub requests: u64,
    pub errors: u64,
    pub kept_spans: u64,
    pub minutes: Vec<(u64, RedStats)>,
}

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

    /// `kind:namespace/name` as its page shows it; `None` when there is no such entity.
    pub async fn entity_page(&self, kind: &str, namespace: &str, name: &str) -> Result<Option<EntityPage>, Error> {
        let Some(overview) = self.entity(kind, namespace, name, ENTITY_WINDOW).await? else { return Ok(None) };
        let key = overview.entity.entity_ref().key();
        let scores = self.scorecards_of(Some(&key), None)?;
        let service = match node_of_entity(&overview.entity) {
            Some(node) => Some(self.service_panels(&overview.entity.metadata.name, &node, &key).await?),
            None => None,
        };
        Ok(Some(EntityPage { overview, service, scores }))
    }

    /// One read of the service's deploy history (the DORA period) serves
    /// the list, the charts' markers and the DORA figures.
    async fn service_panels(&self, service: &str, node: &NodeId, entity_ref: &str) -> Result<ServicePanels, Error> {
        let to = unix_seconds();
        let span = Window::minutes(CHART_HOURS * 60);
        let from = to - span.duration.as_secs() as i64;
        let filter =
            DeployFilter { service: Some(service.to_string()), ..DeployFilter::since(to - i64::from(DORA_DAYS) * 86_400, usize::MAX) };
        let history = self.deploy_history(&filter, to).await?.items;
        let dora = self.dora_of(vec![service.to_string()], DORA_DAYS, &history, to).await?;
        let slos = self.slos(&SloFilter { service: Some(service.to_string()), ..SloFilter::default() })?.objectives;
        let drift = self.drift(DEFAULT_INSIGHTS_WINDOW, Some(entity_ref)).await?;
        let calls = self
            .edge_minutes(node, span)
            .await?
            .into_iter()
            .map(|(edge, minutes)| {
                let outgoing = &edge.source == node;
                let peer = if outgoing { edge.target } else { edge.source };
                CallMinutes { outgoing, peer, connection: edge.connection, minutes }
            })
            .collect();
        let mut operations: Vec<OperationMinutes> = self
            .operation_minutes(&node.name, span)
            .await?
            .into_iter()
            .map(|(operation, minutes)| OperationMinutes {
                operation,
                requests: minutes.iter().map(|(_, s)| s.requests).sum(),
                errors: minutes.iter().map(|(_, s)| s.errors).sum(),
                kept_spans: minutes.iter().map(|(_, s)| s.kept).sum(),
                minutes,
            })
            .collect();
        operations.sort_by(|a, b| b.requests.cmp(&a.requests).then_with(|| a.operation.cmp(&b.operation)));
        operations.truncate(OPERATIONS_CHARTED);
        Ok(ServicePanels {
            from,
            to,
            minutes: self.service_minutes(service, span).await?,
            marks: history.iter().filter(|d| d.at_unix_secs >= from).map(|d| (d.at_unix_secs, d.version.clone())).collect(),
            deploys: history.into_iter().take(DEPLOYS_LISTED).collect(),
            dora,
            slos,
            drift,
            calls,
            operations,
        })
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
