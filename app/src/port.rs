//! The port: everything the app needs from the server, as one trait. The
//! server implements it; server functions find it in the Leptos context.

#[cfg(feature = "ssr")]
use std::sync::Arc;

#[cfg(feature = "ssr")]
use crate::model::{
    ApiPageView, ApiRow, CatalogQuery, CatalogTable, DemoOutcome, DemoView, DeployQuery, DeploysView, DraftView, EntityDetail, GraphLayout,
    GraphQuery, InsightsView, KeptPosition, NodePanel, RegisterOutcome, SearchView, SloQuery, SlosView, TeamRow, TeamView,
};

/// Why the server could not do what a page asked, by class. Messages are
/// phrased for the person using the page; `Internal` says only that
/// something failed (the server logs why). It crosses the server-function
/// boundary as itself, so the page answers with [`PortError::status`].
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum PortError {
    /// What was entered is wrong; the message says how.
    Invalid(String),
    NotFound(String),
    /// A write without a valid API token.
    Unauthorized(String),
    /// The request conflicts with how Meridian is configured.
    Conflict(String),
    /// Something Meridian needs cannot be reached now (its database, the
    /// demo fleet); the message says what.
    Unavailable(String),
    /// Something failed on the server.
    Internal,
}

/// Seconds a client is asked to wait after a 503 (`Retry-After`), by the
/// REST API and the pages alike.
pub const RETRY_AFTER_SECS: u64 = 5;

impl PortError {
    /// The HTTP status a page with this error answers with: the REST API's
    /// for the same class.
    pub fn status(&self) -> u16 {
        match self {
            PortError::Invalid(_) => 400,
            PortError::Unauthorized(_) => 401,
            PortError::NotFound(_) => 404,
            PortError::Conflict(_) => 409,
            PortError::Internal => 500,
            PortError::Unavailable(_) => 503,
        }
    }
}

/// What the server-function machinery itself can fail with, by class: a
/// request that never reached the server, arguments it could not read.
impl leptos::server_fn::error::FromServerFnError for PortError {
    type Encoder = leptos::server_fn::codec::JsonEncoding;

    fn from_server_fn_error(error: leptos::server_fn::error::ServerFnErrorErr) -> Self {
        use leptos::server_fn::error::ServerFnErrorErr as E;
        match error {
            E::Request(message) => PortError::Unavailable(format!("Meridian cannot be reached: {message}")),
            E::Args(message) | E::MissingArg(message) => PortError::Invalid(message),
            _ => PortError::Internal,
        }
    }
}

impl std::fmt::Display for PortError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PortError::Invalid(message)
            | PortError::NotFound(message)
            | PortError::Unauthorized(message)
            | PortError::Conflict(message)
            | PortError::Unavailable(message) => f.write_str(message),
            PortError::Internal => f.write_str("Something went wrong on the server; its log has the details."),
        }
    }
}

#[cfg(feature = "ssr")]
#[async_trait::async_trait]
pub trait PortalPort: Send + Sync + 'static {
    /// Ranked search; `filter` is a Backstage filter string (facet choices).
    async fn search(&self, text: &str, filter: &str) -> Result<SearchView, PortError>;
    /// One page of the catalog table: matches sorted and paged on the server, with health.
    async fn catalog(&self, query: CatalogQuery) -> Result<CatalogTable, PortError>;
    async fn entity(&self, kind: &str, namespace: &str, name: &str) -> Result<Option<EntityDetail>, PortError>;
    /// The graph as `query` narrows it (window `5m`, `15m`, `1h`, `24h`, `7d`
    /// or any `<n><s|m|h|d|w>`; focus, filters, find and hide), laid out.
    /// Nodes in `keep` stay where an earlier drawing put them.
    async fn graph_layout(&self, query: GraphQuery, keep: Vec<KeptPosition>) -> Result<GraphLayout, PortError>;
    /// A node's side panel (`id` as the layout names it) over `window`; `None` when there is no such node.
    async fn graph_node(&self, window: &str, id: &str) -> Result<Option<NodePanel>, PortError>;
    /// What a post of the Register form came to (`id` from its redirect);
    /// `None` once forgotten. The form itself posts to the server, so it
    /// works without JavaScript.
    async fn register_outcome(&self, id: &str) -> Result<Option<RegisterOutcome>, PortError>;
    /// Every SLO objective `query` keeps, as last evaluated, in its order.
    async fn slos(&self, query: SloQuery) -> Result<SlosView, PortError>;
    /// The deploy history `query` keeps, newest first.
    async fn deploys(&self, query: DeployQuery) -> Result<DeploysView, PortError>;
    /// Every API entity of the catalog, by title.
    async fn apis(&self) -> Result<Vec<ApiRow>, PortError>;
    /// One API: its definition, versions, changes and coverage; `None` when there is no such API.
    async fn api(&self, namespace: &str, name: &str) -> Result<Option<ApiPageView>, PortError>;
    /// Drift, cycles, hot spots and scorecards over `window` (`24h` when empty).
    async fn insights(&self, window: &str) -> Result<InsightsView, PortError>;
    /// Every Group of the catalog.
    async fn teams(&self) -> Result<Vec<TeamRow>, PortError>;
    /// One Group: members, sub-teams, what it owns with its health, who calls its services; `None` when there is no such group.
    async fn team(&self, namespace: &str, name: &str) -> Result<Option<TeamView>, PortError>;
    /// A `catalog-info.yaml` draft for a service seen in traffic but not in the catalog.
    async fn draft(&self, service: &str) -> Result<DraftView, PortError>;
    /// Demo mode (`--demo-fleet`): shows the Demo page and its link.
    fn demo_mode(&self) -> bool;
    /// The demo fleet's processes, their switches and what Meridian observes
    /// of each; `None` outside demo mode.
    async fn demo(&self) -> Result<Option<DemoView>, PortError>;
    /// What a post of the Demo page's form came to (its redirect names `id`).
    async fn demo_outcome(&self, id: &str) -> Result<Option<DemoOutcome>, PortError>;
}

/// How the port travels in the Leptos context.
#[cfg(feature = "ssr")]
pub type SharedPort = Arc<dyn PortalPort>;
