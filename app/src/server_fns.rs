//! Server functions: the app's only way to the server, each a thin call
//! into the [`crate::port::PortalPort`] found in context.

use leptos::prelude::*;

use crate::model::{
    ApiPageView, ApiRow, CatalogQuery, CatalogTable, DemoRegression, DemoView, DeployQuery, DeploysView, DraftView, EntityDetail,
    GraphLayout, GraphQuery, InsightsView, KeptPosition, NodePanel, RegistrationView, SearchView, SloQuery, SlosView, TeamRow, TeamView,
};

#[cfg(feature = "ssr")]
fn port() -> Result<crate::port::SharedPort, ServerFnError> {
    use_context::<crate::port::SharedPort>().ok_or_else(|| ServerFnError::new("the server did not provide the portal port"))
}

#[server(endpoint = "entity")]
pub async fn fetch_entity(kind: String, namespace: String, name: String) -> Result<Option<EntityDetail>, ServerFnError> {
    port()?.entity(&kind, &namespace, &name).await.map_err(|e| ServerFnError::new(e.to_string()))
}

/// `keep`: positions of an earlier drawing to keep (live updates); empty on
/// a first load. Sent as JSON: a form encoding drops an empty list.
#[server(endpoint = "graph_layout", input = leptos::server_fn::codec::Json)]
pub async fn fetch_graph(query: GraphQuery, keep: Vec<KeptPosition>) -> Result<GraphLayout, ServerFnError> {
    port()?.graph_layout(query, keep).await.map_err(|e| ServerFnError::new(e.to_string()))
}

#[server(endpoint = "graph_node")]
pub async fn fetch_graph_node(window: String, id: String) -> Result<Option<NodePanel>, ServerFnError> {
    port()?.graph_node(&window, &id).await.map_err(|e| ServerFnError::new(e.to_string()))
}

#[server(endpoint = "register_entities")]
pub async fn register_entities(yaml: String, token: String, dry_run: bool) -> Result<RegistrationView, ServerFnError> {
    port()?.register(&yaml, &token, dry_run).await.map_err(|e| ServerFnError::new(e.to_string()))
}

#[server(endpoint = "register_location")]
pub async fn register_location(target: String, token: String, dry_run: bool) -> Result<RegistrationView, ServerFnError> {
    port()?.register_location(&target, &token, dry_run).await.map_err(|e| ServerFnError::new(e.to_string()))
}

#[server(endpoint = "catalog_table")]
pub async fn fetch_catalog(query: CatalogQuery) -> Result<CatalogTable, ServerFnError> {
    port()?.catalog(query).await.map_err(|e| ServerFnError::new(e.to_string()))
}

#[server(endpoint = "search_catalog")]
pub async fn search_catalog(text: String, filter: String) -> Result<SearchView, ServerFnError> {
    port()?.search(&text, &filter).await.map_err(|e| ServerFnError::new(e.to_string()))
}

#[server(endpoint = "slos")]
pub async fn fetch_slos(query: SloQuery) -> Result<SlosView, ServerFnError> {
    port()?.slos(query).await.map_err(|e| ServerFnError::new(e.to_string()))
}

#[server(endpoint = "deploys")]
pub async fn fetch_deploys(query: DeployQuery) -> Result<DeploysView, ServerFnError> {
    port()?.deploys(query).await.map_err(|e| ServerFnError::new(e.to_string()))
}

#[server(endpoint = "apis")]
pub async fn fetch_apis() -> Result<Vec<ApiRow>, ServerFnError> {
    port()?.apis().await.map_err(|e| ServerFnError::new(e.to_string()))
}

#[server(endpoint = "api")]
pub async fn fetch_api(namespace: String, name: String) -> Result<Option<ApiPageView>, ServerFnError> {
    port()?.api(&namespace, &name).await.map_err(|e| ServerFnError::new(e.to_string()))
}

#[server(endpoint = "insights")]
pub async fn fetch_insights(window: String) -> Result<InsightsView, ServerFnError> {
    port()?.insights(&window).await.map_err(|e| ServerFnError::new(e.to_string()))
}

#[server(endpoint = "teams")]
pub async fn fetch_teams() -> Result<Vec<TeamRow>, ServerFnError> {
    port()?.teams().await.map_err(|e| ServerFnError::new(e.to_string()))
}

#[server(endpoint = "team")]
pub async fn fetch_team(namespace: String, name: String) -> Result<Option<TeamView>, ServerFnError> {
    port()?.team(&namespace, &name).await.map_err(|e| ServerFnError::new(e.to_string()))
}

#[server(endpoint = "draft")]
pub async fn fetch_draft(service: String) -> Result<DraftView, ServerFnError> {
    port()?.draft(&service).await.map_err(|e| ServerFnError::new(e.to_string()))
}

#[server(endpoint = "demo_mode")]
pub async fn demo_mode() -> Result<bool, ServerFnError> {
    Ok(port()?.demo_mode())
}

#[server(endpoint = "demo")]
pub async fn fetch_demo() -> Result<Option<DemoView>, ServerFnError> {
    port()?.demo().await.map_err(|e| ServerFnError::new(e.to_string()))
}

/// Shares are 0–1 (the page converts from percent).
#[server(endpoint = "demo_faults")]
pub async fn set_demo_faults(process: String, latency_ms: u64, latency_share: f64, error_share: f64) -> Result<(), ServerFnError> {
    let faults = crate::model::DemoFaults { latency_ms, latency_share, error_share };
    port()?.demo_set_faults(&process, faults).await.map_err(|e| ServerFnError::new(e.to_string()))
}

#[server(endpoint = "demo_deploy")]
pub async fn deploy_demo(process: String, version: String, regression: DemoRegression) -> Result<(), ServerFnError> {
    port()?.demo_deploy(&process, &version, regression).await.map_err(|e| ServerFnError::new(e.to_string()))
}
