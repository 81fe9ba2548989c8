//! Server functions: the app's only way to the server, each a thin call
//! into the [`crate::port::PortalPort`] found in context. Their errors are
//! [`PortError`]s, so a page knows the class (and answers 404 or 503) as
//! the REST API does.

use leptos::prelude::*;

use crate::port::PortError;

use crate::model::{
    ApiPageView, ApiRow, CatalogQuery, CatalogTable, DemoOutcome, DemoView, DeployQuery, DeploysView, DraftView, EntityDetail, GraphLayout,
    GraphQuery, InsightsView, KeptPosition, NodePanel, RegisterOutcome, SearchView, SloQuery, SlosView, TeamRow, TeamView,
};

#[cfg(feature = "ssr")]
fn port() -> Result<crate::port::SharedPort, PortError> {
    // A server that did not provide it is a bug, logged by the server's own checks.
    use_context::<crate::port::SharedPort>().ok_or(PortError::Internal)
}

#[server(endpoint = "entity")]
pub async fn fetch_entity(kind: String, namespace: String, name: String) -> Result<Option<EntityDetail>, PortError> {
    port()?.entity(&kind, &namespace, &name).await
}

/// `keep`: positions of an earlier drawing to keep (live updates); empty on
/// a first load. Sent as JSON: a form encoding drops an empty list.
#[server(endpoint = "graph_layout", input = leptos::server_fn::codec::Json)]
pub async fn fetch_graph(query: GraphQuery, keep: Vec<KeptPosition>) -> Result<GraphLayout, PortError> {
    port()?.graph_layout(query, keep).await
}

#[server(endpoint = "graph_node")]
pub async fn fetch_graph_node(window: String, id: String) -> Result<Option<NodePanel>, PortError> {
    port()?.graph_node(&window, &id).await
}

/// What a post of the Register form came to (its redirect names `id`).
#[server(endpoint = "register_outcome")]
pub async fn fetch_register_outcome(id: String) -> Result<Option<RegisterOutcome>, PortError> {
    port()?.register_outcome(&id).await
}

#[server(endpoint = "catalog_table")]
pub async fn fetch_catalog(query: CatalogQuery) -> Result<CatalogTable, PortError> {
    port()?.catalog(query).await
}

#[server(endpoint = "search_catalog")]
pub async fn search_catalog(text: String, filter: String) -> Result<SearchView, PortError> {
    port()?.search(&text, &filter).await
}

#[server(endpoint = "slos")]
pub async fn fetch_slos(query: SloQuery) -> Result<SlosView, PortError> {
    port()?.slos(query).await
}

#[server(endpoint = "deploys")]
pub async fn fetch_deploys(query: DeployQuery) -> Result<DeploysView, PortError> {
    port()?.deploys(query).await
}

#[server(endpoint = "apis")]
pub async fn fetch_apis() -> Result<Vec<ApiRow>, PortError> {
    port()?.apis().await
}

#[server(endpoint = "api")]
pub async fn fetch_api(namespace: String, name: String) -> Result<Option<ApiPageView>, PortError> {
    port()?.api(&namespace, &name).await
}

#[server(endpoint = "insights")]
pub async fn fetch_insights(window: String) -> Result<InsightsView, PortError> {
    port()?.insights(&window).await
}

#[server(endpoint = "teams")]
pub async fn fetch_teams() -> Result<Vec<TeamRow>, PortError> {
    port()?.teams().await
}

#[server(endpoint = "team")]
pub async fn fetch_team(namespace: String, name: String) -> Result<Option<TeamView>, PortError> {
    port()?.team(&namespace, &name).await
}

#[server(endpoint = "draft")]
pub async fn fetch_draft(service: String) -> Result<DraftView, PortError> {
    port()?.draft(&service).await
}

#[server(endpoint = "demo_mode")]
pub async fn demo_mode() -> Result<bool, PortError> {
    Ok(port()?.demo_mode())
}

#[server(endpoint = "demo")]
pub async fn fetch_demo() -> Result<Option<DemoView>, PortError> {
    port()?.demo().await
}

/// What a post of the Demo page's form came to (its redirect names `id`).
#[server(endpoint = "demo_outcome")]
pub async fn fetch_demo_outcome(id: String) -> Result<Option<DemoOutcome>, PortError> {
    port()?.demo_outcome(&id).await
}
