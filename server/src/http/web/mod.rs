//! The web app: serves the Leptos pages, server functions and assets, and
//! implements the port the app defines ([`Portal`]) over the core. Core
//! answers become the app's view models here; core errors become
//! [`PortError`]s in one place ([`port_error`]).
//!
//! - [`contracts`]: the API and Insights pages' view models;
//! - [`teams`]: the team pages' view models;
//! - [`demo_fleet`]: the demo fleet's control endpoint, behind the Demo page.

pub mod catalog_table;
pub mod contracts;
pub mod demo_fleet;
pub mod entity;
mod forms;
pub mod graph;
pub mod teams;

use std::collections::HashMap;
use std::sync::Arc;

use app::model::{
    AlertState, AroundView, DemoProcess, DemoView, DeployQuery, DeployRecordView, DeployView, DeploysView, DoraView, EntityDetail,
    EntitySummary, FacetView, GraphLayout, Level, ObservedEdge, ObservedLoad, Problem, RegisterOutcome, RegistrationView, SearchView,
    SloQuery, SloSort, SloView, SlosView,
};
use app::port::{PortError, PortalPort, SharedPort};
use app::{App, shell};
use axum::Router;
use catalog::{Diagnostic, Entity};
use collector::RedStats;
use leptos::prelude::*;
use leptos_axum::{LeptosRoutes, generate_route_list};

use self::demo_fleet::{DemoFleet, FleetError};
use super::auth::{AuthError, Tokens};
use crate::core::deploys::{Around, DeployFilter, DeployRecord};
use crate::core::dora::Dora;
use crate::core::slos::{ListedObjective, SloFilter, SloOrder};
use crate::core::{self, Core, ObservedCall, SEARCH_FACETS, Window, location_source};

/// The window the Demo page shows each service's traffic over.
const DEMO_WINDOW: Window = Window::minutes(5);
/// The Demo page lists this many of the latest deploys.
const DEMO_DEPLOYS: u32 = 10;
/// The Deploys page covers this many days, at most this many deploys.
const DEPLOYS_PAGE_DAYS: i64 = 90;
const DEPLOYS_PAGE: usize = 500;
/// The catalog page lists at most this many results (its count says how many matched).
const SEARCH_PAGE: usize = 500;

pub struct Portal {
    core: Core,
    /// Registering from the UI needs a write token, as the REST API does.
    write_tokens: Tokens,
    /// Demo mode: the demo fleet's control endpoint.
    demo: Option<DemoFleet>,
    /// The forms' latest outcomes, by the id their redirect names.
    registered: forms::Outcomes<RegisterOutcome>,
    demo_outcomes: forms::Outcomes<app::model::DemoOutcome>,
}

impl Portal {
    pub fn new(core: Core, write_tokens: Tokens, demo: Option<DemoFleet>) -> Self {
        Self { core, write_tokens, demo, registered: Default::default(), demo_outcomes: Default::default() }
    }

    async fn register(&self, yaml: &str, token: &str, dry_run: bool) -> Result<RegistrationView, PortError> {
        self.check_write_token(token, dry_run)?;
        let outcome = self.core.register_yaml(yaml, dry_run).await.map_err(port_error)?;
        Ok(registration_view(&outcome))
    }

    async fn register_location(&self, target: &str, token: &str, dry_run: bool) -> Result<RegistrationView, PortError> {
        self.check_write_token(token, dry_run)?;
        let source = location_source(None, target).map_err(port_error)?;
        let outcome = self.core.register_location(&source, dry_run).await.map_err(port_error)?;
        Ok(registration_view(&outcome.registration))
    }

    fn demo_fleet(&self) -> Result<&DemoFleet, PortError> {
        self.demo
            .as_ref()
            .ok_or_else(|| PortError::Conflict("Meridian is not in demo mode: start it with --demo-fleet URL (make demo does).".into()))
    }

    /// Writes need a write token, as in the REST API; previews do not.
    fn check_write_token(&self, token: &str, dry_run: bool) -> Result<(), PortError> {
        if dry_run {
            return Ok(());
        }
        self.write_tokens.check_token(token).map_err(|refusal| {
            PortError::Unauthorized(match refusal {
                AuthError::WritesDisabled => "Registering is disabled: start meridian with --api-token.".into(),
                AuthError::MissingHeader | AuthError::InvalidToken => "That API token is not valid.".into(),
            })
        })
    }
}

/// The one mapping from the core's error classes to the port's.
fn port_error(error: core::Error) -> PortError {
    error.log("page request failed");
    match error {
        core::Error::Invalid(message) => PortError::Invalid(message),
        core::Error::NotFound(message) => PortError::NotFound(message),
        core::Error::Conflict(message) => PortError::Conflict(message),
        // On a form, a path Meridian may not read is what was entered wrong.
        core::Error::Forbidden(message) => PortError::Invalid(message),
        core::Error::Unavailable(_) => {
            PortError::Unavailable("Meridian cannot reach its database right now. Try again in a few seconds.".into())
        }
        core::Error::Internal(_) => PortError::Internal,
    }
}

/// The fleet's refusals are the user's to fix; no answer is an outage.
fn fleet_error(error: FleetError) -> PortError {
    match error {
        FleetError::Refused(_) => PortError::Invalid(error.to_string()),
        FleetError::Unreachable { .. } | FleetError::Unreadable { .. } => PortError::Unavailable(error.to_string()),
    }
}

/// The search facets' counts, in the UI's order, with their labels.
pub fn facet_views(counts: &mut std::collections::BTreeMap<String, Vec<(String, usize)>>) -> Vec<FacetView> {
    SEARCH_FACETS
        .iter()
        .map(|facet| FacetView {
            field: facet.field.to_string(),
            label: facet.label.to_string(),
            values: counts.remove(facet.field).unwrap_or_default(),
        })
        .collect()
}

/// `metadata.links` whose URL is http(s) or mailto: a descriptor's
/// `javascript:` or `data:` link is never made clickable.
fn entity_links(entity: &Entity) -> Vec<app::model::LinkView> {
    entity
        .metadata
        .links
        .iter()
        .filter_map(|link| {
            let url = link.get("url")?.as_str()?.trim();
            let scheme = url.split_once(':').map(|(s, _)| s.to_ascii_lowercase());
            matches!(scheme.as_deref(), Some("http" | "https" | "mailto")).then(|| app::model::LinkView {
                url: url.to_string(),
                title: link.get("title").and_then(|t| t.as_str()).unwrap_or(url).to_string(),
            })
        })
        .collect()
}

pub fn summary(entity: &Entity) -> EntitySummary {
    EntitySummary {
        entity_ref: entity.key(),
        kind: entity.kind.to_string(),
        namespace: entity.metadata.namespace.to_string(),
        name: entity.metadata.name.clone(),
        title: entity.metadata.title.clone(),
        description: entity.metadata.description.clone(),
        spec_type: entity.spec_str("type").map(str::to_string),
        lifecycle: entity.spec_str("lifecycle").map(str::to_string),
        owner: entity.relation_targets("ownedBy").next().map(str::to_string),
        tags: entity.metadata.tags.clone(),
    }
}

fn around_view(around: Around) -> AroundView {
    AroundView { requests: around.requests, error_rate: around.error_rate, p95_ms: around.p95_ms, kept_spans: around.kept_spans }
}

fn deploy_record_view(record: &DeployRecord) -> DeployRecordView {
    DeployRecordView {
        service: record.service.clone(),
        entity_ref: format!("component:default/{}", record.service.to_ascii_lowercase()),
        owner: record.owner.clone(),
        version: record.version.clone(),
        from_version: record.from_version.clone(),
        environment: record.environment.clone(),
        at: record.at.clone(),
        sources: record.sources.iter().map(|s| s.as_str().to_string()).collect(),
        commit: record.commit.clone(),
        url: record.url.clone(),
        before: record.before.map(around_view),
        after: record.after.map(around_view),
        regression: record.regression,
        burn_rose: record.burn_rose.iter().map(|b| b.slo.clone()).collect(),
    }
}

fn dora_view(dora: &Dora) -> DoraView {
    DoraView {
        days: dora.days,
        deploys: dora.deployment_frequency.deploys,
        per_day: dora.deployment_frequency.per_day,
        lead_time_hours: dora.lead_time_for_changes.median_hours,
        lead_time_deploys: dora.lead_time_for_changes.deploys,
        failure_rate: dora.change_failure_rate.rate,
        failures: dora.change_failure_rate.failures,
        restore_minutes: dora.time_to_restore.median_minutes,
        restored: dora.time_to_restore.restored,
    }
}

/// The app's alert state for the evaluator's, and back.
fn alert_state(alert: slo::Alert) -> AlertState {
    match alert {
        slo::Alert::Ok => AlertState::Ok,
        slo::Alert::Ticket => AlertState::Ticket,
        slo::Alert::Page => AlertState::Page,
        slo::Alert::NoData => AlertState::NoData,
    }
}

fn alert(state: AlertState) -> slo::Alert {
    match state {
        AlertState::Ok => slo::Alert::Ok,
        AlertState::Ticket => slo::Alert::Ticket,
        AlertState::Page => slo::Alert::Page,
        AlertState::NoData => slo::Alert::NoData,
    }
}

fn slo_view(listed: &ListedObjective) -> SloView {
    let status = &listed.status;
    let slo = &status.slo;
    SloView {
        name: slo.name.clone(),
        title: listed.title(),
        service: slo.service.clone(),
        entity_ref: listed.entity_ref.clone(),
        owner: listed.owner.clone(),
        target: listed.objective().target,
        window: slo.window.describe(),
        good: status.counts.good,
        total: status.counts.total,
        estimated: status.estimated,
        attainment: status.counts.attainment(),
        budget_remaining: listed.budget_remaining(),
        burn_rates: status.burn.iter().map(|(window, rate)| (window.as_str().to_string(), rate)).collect(),
        alert: alert_state(status.alert),
        history: status.history.iter().map(|(state, at)| (alert_state(*state), slo::window::rfc3339(*at as u64))).collect(),
        budget_chart: status.budget_chart.iter().map(|(at, share)| (*at as i64, *share)).collect(),
        window_start: status.window.start as i64,
    }
}

fn problem(diagnostic: &Diagnostic) -> Problem {
    Problem { level: if diagnostic.is_error() { Level::Error } else { Level::Warning }, message: diagnostic.to_string() }
}

fn observed_edge(call: ObservedCall) -> ObservedEdge {
    ObservedEdge {
        peer: call.peer.name,
        peer_kind: call.peer.kind.as_str().to_string(),
        peer_entity_ref: call.peer.entity_ref,
        connection_type: call.connection.as_str().to_string(),
        requests: call.requests,
        errors: call.errors,
        caller_failures: call.caller_failures,
        kept_spans: call.kept_spans,
        p95_ms: call.p95_ms,
        series: None,
    }
}

#[async_trait::async_trait]
impl PortalPort for Portal {
    async fn search(&self, text: &str, filter: &str) -> Result<SearchView, PortError> {
        let filter = catalog::index::Filter::parse(&[filter]).map_err(|e| port_error(e.into()))?;
        let mut answer = self.core.search(text, &filter, &[], SEARCH_PAGE);
        Ok(SearchView {
            catalog_size: answer.catalog_size,
            total: answer.total,
            items: answer.hits.iter().map(|hit| summary(&hit.entity)).collect(),
            facets: facet_views(&mut answer.facets),
        })
    }

    async fn catalog(&self, query: app::model::CatalogQuery) -> Result<app::model::CatalogTable, PortError> {
        catalog_table::catalog_table(&self.core, query).await
    }

    async fn entity(&self, kind: &str, namespace: &str, name: &str) -> Result<Option<EntityDetail>, PortError> {
        let Some(page) = self.core.entity_page(kind, namespace, name).await.map_err(port_error)? else { return Ok(None) };
        Ok(Some(entity::entity_detail(page)))
    }

    async fn deploys(&self, query: DeployQuery) -> Result<DeploysView, PortError> {
        let now = crate::unix_seconds();
        let filter = DeployFilter {
            service: query.service,
            owner: query.owner,
            environment: query.environment,
            regression: query.regression,
            ..DeployFilter::since(now - DEPLOYS_PAGE_DAYS * 86_400, DEPLOYS_PAGE)
        };
        let history = self.core.deploy_history(&filter, now).await.map_err(port_error)?;
        Ok(DeploysView {
            items: history.items.iter().map(deploy_record_view).collect(),
            services: history.services,
            owners: history.owners,
            environments: history.environments,
        })
    }

    async fn slos(&self, query: SloQuery) -> Result<SlosView, PortError> {
        let order = match query.sort {
            SloSort::Budget => SloOrder::Budget,
            SloSort::Burn => SloOrder::Burn,
            SloSort::Name => SloOrder::Name,
        };
        let filter = SloFilter { owner: query.owner, state: query.state.map(alert), order, ..SloFilter::default() };
        let list = self.core.slos(&filter).map_err(port_error)?;
        Ok(SlosView {
            items: list.objectives.iter().map(slo_view).collect(),
            owners: list.owners,
            evaluated_at: list.evaluated_at.map(slo::window::rfc3339),
        })
    }

    async fn register_outcome(&self, id: &str) -> Result<Option<RegisterOutcome>, PortError> {
        Ok(self.registered.get(id))
    }

    async fn apis(&self) -> Result<Vec<app::model::ApiRow>, PortError> {
        Ok(contracts::apis(&self.core))
    }

    async fn api(&self, namespace: &str, name: &str) -> Result<Option<app::model::ApiPageView>, PortError> {
        contracts::api(&self.core, namespace, name).await
    }

    async fn insights(&self, window: &str) -> Result<app::model::InsightsView, PortError> {
        contracts::insights(&self.core, window).await
    }

    async fn teams(&self) -> Result<Vec<app::model::TeamRow>, PortError> {
        Ok(teams::teams(&self.core))
    }

    async fn team(&self, namespace: &str, name: &str) -> Result<Option<app::model::TeamView>, PortError> {
        teams::team(&self.core, namespace, name).await
    }

    async fn draft(&self, service: &str) -> Result<app::model::DraftView, PortError> {
        let yaml = self.core.draft_descriptor(service, crate::core::insights::DEFAULT_INSIGHTS_WINDOW).await.map_err(port_error)?;
        Ok(app::model::DraftView { service: service.to_string(), yaml })
    }

    fn demo_mode(&self) -> bool {
        self.demo.is_some()
    }

    async fn demo(&self) -> Result<Option<DemoView>, PortError> {
        let Some(fleet) = &self.demo else { return Ok(None) };
        // The page asks every few seconds: the fleet and the database at once.
        let (processes, served, deploys) =
            tokio::join!(fleet.processes(), self.core.services(DEMO_WINDOW), self.core.recent_deploys(DEMO_DEPLOYS));
        let processes = processes.map_err(fleet_error)?;
        let served: HashMap<Arc<str>, RedStats> = served.map_err(port_error)?.into_iter().collect();
        let deploys = deploys.map_err(port_error)?;
        let now_nanos = crate::unix_seconds().max(0) as u64 * 1_000_000_000;
        Ok(Some(DemoView {
            window: DEMO_WINDOW.to_string(),
            processes: processes
                .into_iter()
                .map(|p| DemoProcess {
                    entity_ref: self.core.component_of_service(&p.name),
                    observed: served.get(p.name.as_str()).map(|s| ObservedLoad {
                        requests: s.requests,
                        errors: s.errors,
                        p95_ms: s.quantile_ms(0.95),
                    }),
                    version: p.state.as_ref().and_then(|s| s.version.clone()),
                    faults: p.state.map(|s| s.faults),
                    unreachable: p.error,
                    instrumented: p.instrumented,
                    name: p.name,
                })
                .collect(),
            deploys: deploys
                .iter()
                .map(|d| DeployView {
                    service: d.service.to_string(),
                    from_version: d.from_version.to_string(),
                    to_version: d.to_version.to_string(),
                    seconds_ago: now_nanos.saturating_sub(d.at_unix_nanos) / 1_000_000_000,
                })
                .collect(),
        }))
    }

    async fn demo_outcome(&self, id: &str) -> Result<Option<app::model::DemoOutcome>, PortError> {
        Ok(self.demo_outcomes.get(id))
    }

    async fn graph_layout(&self, query: app::model::GraphQuery, keep: Vec<app::model::KeptPosition>) -> Result<GraphLayout, PortError> {
        graph::graph_layout(&self.core, query, keep).await
    }

    async fn graph_node(&self, window: &str, id: &str) -> Result<Option<app::model::NodePanel>, PortError> {
        graph::graph_node(&self.core, window, id).await
    }
}

fn registration_view(outcome: &crate::core::catalog::Registration) -> RegistrationView {
    RegistrationView {
        applied: outcome.applied,
        entities: outcome.entities.iter().map(|e| summary(e)).collect(),
        added: outcome.added.clone(),
        replaced: outcome.replaced.clone(),
        problems: outcome.problems.iter().map(problem).collect(),
    }
}

/// The app's pages, server functions, the Register form's post and static
/// files (`site_root/pkg`). Writes from another site are refused.
pub fn router(portal: Arc<Portal>, site_root: &str) -> Router {
    let options = LeptosOptions::builder().output_name("meridian").site_root(site_root).site_pkg_dir("pkg").build();
    let routes = route_list();
    let port: SharedPort = portal.clone();
    let provide_port = move || provide_context(port.clone());
    let forms = forms::router(portal);
    Router::new()
        .leptos_routes_with_context(&options, routes, provide_port, {
            let options = options.clone();
            move || shell(options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler(shell))
        .with_state(options)
        .merge(forms)
        .layer(axum::middleware::from_fn(refuse_cross_site_writes))
        // Pages and the app's files, compressed as the browser asks
        // (brotli, else gzip): the release wasm shrinks most (BENCHMARKS.md).
        .layer(tower_http::compression::CompressionLayer::new())
}

/// The app's routes, listed once per process. Listing them renders the app
/// with resource loads suppressed by a process-wide flag (leptos_server's
/// `SuppressResourceLoad`): a page of another server in the same process
/// (tests, replicas in one process) whose resource first polled then would
/// wait for ever. Once, before any server serves, nothing can overlap it.
fn route_list() -> Vec<leptos_axum::AxumRouteListing> {
    static ROUTES: std::sync::OnceLock<Vec<leptos_axum::AxumRouteListing>> = std::sync::OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(App)).clone()
}

/// The port the app gets, over the core.
pub fn portal(core: Core, write_tokens: Tokens, demo: Option<DemoFleet>) -> Arc<Portal> {
    Arc::new(Portal::new(core, write_tokens, demo))
}

/// Writes (every method but GET and HEAD) from a page of another site are
/// refused, 403: a browser says where a request comes from
/// (`Sec-Fetch-Site`, else `Origin`), so no other site can make a
/// visitor's browser post a form here. Clients that are not browsers send
/// neither header and are not affected.
async fn refuse_cross_site_writes(request: axum::extract::Request, next: axum::middleware::Next) -> axum::response::Response {
    use axum::http::{Method, StatusCode, header};
    use axum::response::IntoResponse;
    let headers = request.headers();
    let reading = matches!(*request.method(), Method::GET | Method::HEAD);
    let cross_site = match headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        Some(site) => site == "cross-site",
        None => {
            match (headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()), headers.get(header::HOST).and_then(|v| v.to_str().ok())) {
                // An origin is `scheme://host[:port]`: compare what follows the scheme with Host.
                (Some(origin), Some(host)) => origin.split_once("://").is_none_or(|(_, origin_host)| origin_host != host),
                _ => false,
            }
        }
    };
    if !reading && cross_site {
        return (StatusCode::FORBIDDEN, "Refused: this form was sent from another site.").into_response();
    }
    next.run(request).await
}
