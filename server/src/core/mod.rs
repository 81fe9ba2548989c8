//! The application core: what Meridian answers, as plain data, to any
//! adapter (the REST API, the web app's port). It is the one place where the
//! declared catalog and the observed graph meet; SLOs, deploy history and
//! insights join here too.
//!
//! - [`graph`]: the observed graph over a window (from the store, or live
//!   from memory), service nodes joined to their components;
//! - [`entity`]: one entity with its problems and the calls observed to and
//!   from its node;
//! - [`services`]: RED per service and per operation;
//! - [`apis`]: API definitions read, their versions and changes, joined with
//!   the operations their providers serve (coverage) and who calls them (consumers);
//! - [`deploys`]: the deploy history (detected, pushed, GitHub), each deploy
//!   compared with the traffic around it;
//! - [`dora`]: DORA's four keys from that history and the SLO alerts;
//! - [`slos`]: SLOs as last evaluated, filtered;
//! - [`scorecards`]: scorecards evaluated per entity and team, their history;
//! - [`insights`]: drift between the declared and the observed, cycles,
//!   blast radius, hot spots;
//! - [`catalog`]: ranked search, problems, locations, registration;
//! - [`view`]: a view of the graph: filters, find/hide expressions, a focus,
//!   what is hidden counted; exports (DOT, Mermaid, SVG, JSON);
//! - [`refs`]: entity refs as requests write them (`owner=team-shop`);
//! - [`window`]: time windows (`15m`, `7d`);
//! - [`error`]: [`Error`], one enum by class that each adapter maps once.
//!
//! Rules: no HTTP, no Leptos, no SQL. The core calls the catalog room, the
//! store and the live graph; nothing below it calls the core.

pub mod apis;
pub mod catalog;
pub mod deploys;
pub mod dora;
pub mod entity;
pub mod error;
pub mod graph;
pub mod insights;
pub mod refs;
pub mod scorecards;
pub mod services;
pub mod slos;
pub mod table;
pub mod view;
pub mod window;

use std::sync::Arc;

pub use catalog::{Facet, Found, SEARCH_FACETS, SearchAnswer, location_source};
pub use entity::{EntityOverview, ObservedCall, ObservedCalls};
pub use error::Error;
pub use graph::{GraphEdge, GraphNode, GraphView};
pub use services::{OperationView, OperationsView};
pub use window::Window;

use collector::Limits;
use tokio::sync::Semaphore;

use crate::catalog::CatalogService;
use crate::slos::SloService;
use crate::store::Store;
use crate::traffic::Live;

/// Graph reads over the database at once; more wait. Each holds a window's
/// rows merged in memory, so this is what bounds their memory together.
pub const GRAPH_READS_AT_ONCE: usize = 2;

/// How long a readiness check waits for the database.
pub const READINESS_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(2);

/// Whether this replica should get traffic, and why not (`GET /readyz`).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct Readiness {
    pub ready: bool,
    /// What is wrong, in words for an operator; empty when ready.
    pub reasons: Vec<String>,
}

/// The core, cheap to clone; every adapter holds one.
#[derive(Clone)]
pub struct Core {
    store: Store,
    catalog: Arc<CatalogService>,
    live: Arc<Live>,
    /// The collector's cardinality limits, applied again to graph reads.
    limits: Limits,
    graph_reads: Arc<Semaphore>,
    slos: Arc<SloService>,
    regression_rule: deploys::RegressionRule,
    comparisons: deploys::Comparisons,
    apis: apis::ApiCache,
    scores: scorecards::Scores,
    /// Only the leading replica stores scorecard history.
    leadership: crate::store::Leadership,
}

impl Core {
    pub fn new(store: Store, catalog: Arc<CatalogService>, live: Arc<Live>, limits: Limits, slos: Arc<SloService>) -> Self {
        Self {
            store,
            catalog,
            live,
            limits,
            graph_reads: Arc::new(Semaphore::new(GRAPH_READS_AT_ONCE)),
            slos,
            regression_rule: deploys::RegressionRule::default(),
            comparisons: deploys::Comparisons::default(),
            apis: apis::ApiCache::default(),
            scores: scorecards::Scores::default(),
            leadership: crate::store::Leadership::always(),
        }
    }

    /// Ready unless stopping or the database does not answer within
    /// [`READINESS_TIMEOUT`]. Catalog reads go on from memory either way;
    /// this says whether writes and traffic reads can be served.
    pub async fn readiness(&self) -> Readiness {
        let mut reasons = Vec::new();
        if self.live.is_closed() {
            reasons.push("stopping".to_string());
        }
        match tokio::time::timeout(READINESS_TIMEOUT, self.store.ping()).await {
            Ok(Ok(())) => {}
            Ok(Err(error)) => {
                tracing::warn!("readiness: the database did not answer: {error}");
                reasons.push("the database cannot be reached".to_string());
            }
            Err(_) => {
                tracing::warn!("readiness: the database did not answer within {READINESS_TIMEOUT:?}");
                reasons.push("the database cannot be reached".to_string());
            }
        }
        Readiness { ready: reasons.is_empty(), reasons }
    }

    /// When a deploy counts as a regression (default: [`deploys::DEFAULT_REGRESSION_RULE`]).
    pub fn with_regression_rule(self, regression_rule: deploys::RegressionRule) -> Self {
        Self { regression_rule, ..self }
    }

    /// Whether this replica leads the others on its database (default: it
    /// is alone, and leads).
    pub fn with_leadership(self, leadership: crate::store::Leadership) -> Self {
        Self { leadership, ..self }
    }

    /// Whether this replica leads (`/metrics`).
    pub fn is_leading(&self) -> bool {
        self.leadership.is_leading()
    }
}
