//! Serves the Leptos app and implements the port it defines.

use std::collections::HashMap;
use std::sync::Arc;

use app::model::{
    DemoFaults, DemoProcess, DemoView, DeployView, EntityDetail, EntitySummary, FacetView, GraphLayout, ObservedEdge, ObservedLoad,
    Problem, RegistrationView, RelationView, SearchView,
};
use app::port::{PortError, PortalPort, SharedPort};
use app::{App, shell};
use axum::Router;
use catalog::Entity;
use collector::RedStats;
use leptos::prelude::*;
use leptos_axum::{LeptosRoutes, generate_route_list};

use crate::demo_fleet::{DemoFleet, Regression};
use crate::layout::layout;
use crate::query::{GraphView, Query};
use crate::window::Window;

/// The window entity pages show observed calls for.
const ENTITY_WINDOW: &str = "1h";

/// The window the Demo page shows each service's traffic over.
const DEMO_WINDOW: &str = "5m";
/// The Demo page lists this many of the latest deploys.
const DEMO_DEPLOYS: u32 = 10;

pub struct Portal {
    query: Query,
    /// The API tokens; registering from the UI needs one, like the REST API.
    api_tokens: Arc<Vec<String>>,
    /// Demo mode: the demo fleet's control endpoint.
    demo: Option<DemoFleet>,
}

impl Portal {
    pub fn new(query: Query, api_tokens: Arc<Vec<String>>, demo: Option<DemoFleet>) -> Self {
        Self { query, api_tokens, demo }
    }

    fn demo_fleet(&self) -> Result<&DemoFleet, PortError> {
        self.demo.as_ref().ok_or_else(|| PortError("Meridian is not in demo mode: start it with --demo-fleet URL (make demo does).".into()))
    }

    /// Writes need an API token, as in the REST API; previews do not.
    fn check_write_token(&self, token: &str, dry_run: bool) -> Result<(), PortError> {
        if dry_run || crate::api::token_is_valid(&self.api_tokens, token) {
            return Ok(());
        }
        Err(PortError(if self.api_tokens.is_empty() {
            "Registering is disabled: start meridian with --api-token.".into()
        } else {
            "That API token is not valid.".into()
        }))
    }
}

fn port_error(error: anyhow::Error) -> PortError {
    tracing::error!("portal query failed: {error:#}");
    PortError(format!("{error:#}"))
}

pub fn summary(entity: &Entity) -> EntitySummary {
    EntitySummary {
        entity_ref: entity.key(),
        kind: entity.kind.clone(),
        namespace: entity.metadata.namespace.clone(),
        name: entity.metadata.name.clone(),
        title: entity.metadata.title.clone(),
        description: entity.metadata.description.clone(),
        spec_type: entity.spec_str("type").map(str::to_string),
        lifecycle: entity.spec_str("lifecycle").map(str::to_string),
        owner: entity.relation_targets("ownedBy").next().map(str::to_string),
        tags: entity.metadata.tags.clone(),
    }
}

fn observed(view: &GraphView, node_id: &str) -> (Vec<ObservedEdge>, Vec<ObservedEdge>) {
    let node = |id: &str| view.nodes.iter().find(|n| n.id == id);
    let edge_view = |peer_id: &str, e: &crate::query::GraphEdge| {
        let peer = node(peer_id);
        ObservedEdge {
            peer: peer.map_or_else(|| peer_id.to_string(), |n| n.name.clone()),
            peer_kind: peer.map_or("service", |n| n.kind).to_string(),
            peer_entity_ref: peer.and_then(|n| n.entity_ref.clone()),
            connection_type: e.connection_type.to_string(),
            requests: e.requests,
            errors: e.errors,
            p95_ms: e.p95_ms,
        }
    };
    let callers = view.edges.iter().filter(|e| e.target == node_id).map(|e| edge_view(&e.source, e)).collect();
    let callees = view.edges.iter().filter(|e| e.source == node_id).map(|e| edge_view(&e.target, e)).collect();
    (callers, callees)
}

#[async_trait::async_trait]
impl PortalPort for Portal {
    async fn search(&self, text: &str, filter: &str) -> Result<SearchView, PortError> {
        // Facets shown beside the results, with their labels.
        const FACETS: &[(&str, &str)] = &[
            ("kind", "Kind"),
            ("spec.type", "Type"),
            ("spec.lifecycle", "Lifecycle"),
            ("relations.ownedby", "Owner"),
            ("metadata.tags", "Tags"),
        ];
        /// The UI lists at most this many results (the count says how many matched).
        const PAGE: usize = 500;
        let filter = catalog::index::Filter::parse(&[filter]).map_err(|e| PortError(e.to_string()))?;
        let snapshot = self.query.catalog().snapshot();
        let names: Vec<String> = FACETS.iter().map(|(f, _)| f.to_string()).collect();
        let mut result = snapshot.search(text, &filter, &names, PAGE);
        Ok(SearchView {
            catalog_size: snapshot.len(),
            total: result.total,
            items: result.hits.iter().map(|h| summary(&snapshot.entities()[h.position].entity)).collect(),
            facets: FACETS
                .iter()
                .map(|(field, label)| FacetView {
                    field: field.to_string(),
                    label: label.to_string(),
                    values: result.facets.remove(*field).unwrap_or_default(),
                })
                .collect(),
        })
    }

    async fn entity(&self, kind: &str, namespace: &str, name: &str) -> Result<Option<EntityDetail>, PortError> {
        let snapshot = self.query.catalog().snapshot();
        let Some(entity) = snapshot.get(&catalog::EntityRef::new(kind, namespace, name).key()).map(|e| &e.entity) else {
            return Ok(None);
        };
        let key = entity.key();
        let problems = self
            .query
            .catalog()
            .diagnostics()
            .iter()
            .filter(|d| d.entity_ref.as_deref() == Some(key.as_str()))
            .map(|d| Problem { level: d.severity.as_str().to_string(), message: format!("{}: {}", d.location, d.message) })
            .collect();
        let (callers, callees) = match Query::node_id_for_entity(entity) {
            Some(node_id) => {
                let window = Window::parse(ENTITY_WINDOW).map_err(PortError)?;
                let view = self.query.graph(window).await.map_err(port_error)?;
                observed(&view, &node_id)
            }
            None => (Vec::new(), Vec::new()),
        };
        Ok(Some(EntityDetail {
            summary: summary(entity),
            relations: entity
                .relations
                .iter()
                .map(|r| RelationView { relation_type: r.relation_type.to_string(), target_ref: r.target_ref.to_string() })
                .collect(),
            annotations: entity.metadata.annotations.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            observed_window: ENTITY_WINDOW.to_string(),
            callers,
            callees,
            problems,
        }))
    }

    async fn register(&self, yaml: &str, token: &str, dry_run: bool) -> Result<RegistrationView, PortError> {
        self.check_write_token(token, dry_run)?;
        let outcome = self.query.catalog().register_yaml(yaml, dry_run).await.map_err(port_error)?;
        Ok(registration_view(&outcome))
    }

    async fn register_location(&self, target: &str, token: &str, dry_run: bool) -> Result<RegistrationView, PortError> {
        self.check_write_token(token, dry_run)?;
        let target = target.trim();
        let source = match catalog::Source::parse(target).map_err(|e| PortError(e.to_string()))? {
            catalog::Source::File(path) if !path.is_absolute() => {
                return Err(PortError(format!("`{target}` is neither a URL nor an absolute path on the server.")));
            }
            source => source,
        };
        let outcome = self.query.catalog().register_location(&source, dry_run).await.map_err(|e| PortError(format!("{e:#}")))?;
        Ok(registration_view(&outcome.registration))
    }

    fn demo_mode(&self) -> bool {
        self.demo.is_some()
    }

    async fn demo(&self) -> Result<Option<DemoView>, PortError> {
        let Some(fleet) = &self.demo else { return Ok(None) };
        let window = Window::parse(DEMO_WINDOW).map_err(PortError)?;
        // The page asks every few seconds: the fleet and the database at once.
        let (processes, served, deploys) =
            tokio::join!(fleet.processes(), self.query.services(window), self.query.recent_deploys(DEMO_DEPLOYS));
        let processes = processes.map_err(PortError)?;
        let served: HashMap<Arc<str>, RedStats> = served.map_err(port_error)?.into_iter().collect();
        let deploys = deploys.map_err(port_error)?;
        let now_nanos = crate::store::unix_seconds().max(0) as u64 * 1_000_000_000;
        Ok(Some(DemoView {
            window: DEMO_WINDOW.to_string(),
            processes: processes
                .into_iter()
                .map(|p| DemoProcess {
                    entity_ref: self.query.component_of_service(&p.name),
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

    async fn demo_set_faults(&self, process: &str, faults: DemoFaults) -> Result<(), PortError> {
        self.demo_fleet()?.set_faults(process, faults).await.map_err(PortError)
    }

    async fn demo_deploy(&self, process: &str, version: &str, regression: &str) -> Result<(), PortError> {
        let regression = Regression::parse(regression).map_err(PortError)?;
        self.demo_fleet()?.deploy(process, version, regression).await.map_err(PortError)
    }

    async fn graph_layout(&self, window: &str) -> Result<GraphLayout, PortError> {
        let parsed = Window::parse(window).map_err(PortError)?;
        let view = self.query.graph(parsed).await.map_err(port_error)?;
        Ok(layout(&view, window))
    }
}

fn registration_view(outcome: &crate::catalog_service::Registration) -> RegistrationView {
    RegistrationView {
        applied: outcome.applied,
        entities: outcome.entities.iter().map(|e| summary(e)).collect(),
        added: outcome.added.clone(),
        replaced: outcome.replaced.clone(),
        problems: outcome.problems.iter().map(|d| Problem { level: d.severity.as_str().to_string(), message: d.to_string() }).collect(),
    }
}

/// The app's pages, server functions and static files (`site_root/pkg`).
pub fn router(port: SharedPort, site_root: &str) -> Router {
    let options = LeptosOptions::builder().output_name("meridian").site_root(site_root).site_pkg_dir("pkg").build();
    let routes = generate_route_list(App);
    let provide_port = move || provide_context(port.clone());
    Router::new()
        .leptos_routes_with_context(&options, routes, provide_port, {
            let options = options.clone();
            move || shell(options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler(shell))
        .with_state(options)
}

/// The port the app gets, over the query layer.
pub fn shared_port(query: Query, api_tokens: Arc<Vec<String>>, demo: Option<DemoFleet>) -> SharedPort {
    Arc::new(Portal::new(query, api_tokens, demo))
}
