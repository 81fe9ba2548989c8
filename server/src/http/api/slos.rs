//! `GET /api/v1/slos[?service=&owner=&state=&sort=]` and `GET /api/v1/slos/{name}`: one
//! item per objective, as last evaluated (README, "SLOs").

use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use slo::window::rfc3339;
use slo::{Alert, BurnWindow};
use utoipa_axum::routes;

use super::openapi::{NotFound, ReadErrors};
use super::{ApiError, ApiPath, ApiQuery, ApiState, Routes, given};
use crate::core::slos::{ListedObjective, SloFilter, SloList, SloOrder};

pub fn routes() -> Routes {
    Routes::new().routes(routes!(list)).routes(routes!(one))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct Params {
    /// Only this service's objectives.
    service: Option<String>,
    /// Only objectives in this alert state: `ok`, `ticket`, `page` or `nodata`.
    #[param(pattern = "^(ok|ticket|page|nodata)?$")]
    state: Option<String>,
    /// Only the objectives of this owner's services: a ref as a descriptor
    /// writes it (`team-shop`, `group:default/team-shop`).
    owner: Option<String>,
    /// `definitions` (default: as defined), `budget` (least left first),
    /// `burn` (fastest over the last hour first) or `name`.
    #[param(pattern = "^(definitions|budget|burn|name)?$")]
    sort: Option<String>,
}

/// Every objective, as last evaluated.
#[utoipa::path(get, path = "/api/v1/slos", tag = "slos", params(Params), responses((status = 200, body = Items), ReadErrors))]
async fn list(State(state): State<ApiState>, ApiQuery(params): ApiQuery<Params>) -> Result<Response, ApiError> {
    let alert = match params.state.as_deref() {
        None | Some("") => None,
        Some(text) => Some(
            Alert::parse(text).ok_or_else(|| ApiError::bad_request(format!("unknown state `{text}`; use ok, ticket, page or nodata")))?,
        ),
    };
    let order = match params.sort.as_deref() {
        None | Some("") => SloOrder::default(),
        Some(text) => SloOrder::parse(text)?,
    };
    let filter = SloFilter { service: given(params.service), owner: given(params.owner), state: alert, order };
    Ok(Json(Items::of(state.core.slos(&filter)?)).into_response())
}

/// One SLO's objectives, as last evaluated.
#[utoipa::path(get, path = "/api/v1/slos/{name}", tag = "slos", params(("name" = String, Path)),
    responses((status = 200, body = Items), NotFound, ReadErrors))]
async fn one(State(state): State<ApiState>, ApiPath(name): ApiPath<String>) -> Result<Response, ApiError> {
    Ok(Json(Items::of(state.core.slo(&name)?)).into_response())
}

#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = SloObjectives)]
#[serde(rename_all = "camelCase")]
struct Items {
    /// RFC 3339; absent before the first evaluation.
    evaluated_at: Option<String>,
    items: Vec<Item>,
    /// Every owner of an objective's service, for a filter to offer.
    owners: Vec<String>,
}

impl Items {
    fn of(list: SloList) -> Self {
        Items { evaluated_at: list.evaluated_at.map(rfc3339), items: list.objectives.iter().map(Item::of).collect(), owners: list.owners }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = SloObjective)]
#[serde(rename_all = "camelCase")]
struct Item {
    name: String,
    display_name: Option<String>,
    service: String,
    /// The service's Component, where the catalog has one.
    entity_ref: Option<String>,
    /// The owner (an entity ref) of the service's Component, where the catalog has one.
    owner: Option<String>,
    /// Index of the objective in the SLO's `objectives`.
    objective_index: usize,
    objective_name: Option<String>,
    /// The target, as a fraction.
    objective: f64,
    threshold: Option<Threshold>,
    window: String,
    window_start: String,
    window_end: String,
    /// Good and all events in the window (estimates when sampled).
    good: u64,
    total: u64,
    /// Whether `good` and `total` are estimates: the service's recent
    /// traffic is sampled.
    estimated: bool,
    attainment: Option<f64>,
    error_budget_remaining: Option<f64>,
    /// Burn rate by window (`5m` … `3d`); null while a window has no requests.
    #[schema(value_type = HashMap<String, Option<f64>>)]
    burn_rates: BurnRates,
    alert: Alert,
    alert_history: Vec<AlertChange>,
    budget_series: Vec<BudgetPoint>,
}

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct Threshold {
    op: &'static str,
    value_ms: f64,
}

/// Burn rates by window (`5m` … `3d`), in the order the windows grow.
struct BurnRates(slo::BurnRates);

impl Serialize for BurnRates {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(BurnWindow::ALL.len()))?;
        for (window, rate) in self.0.iter() {
            map.serialize_entry(window.as_str(), &rate)?;
        }
        map.end()
    }
}

#[derive(Serialize, utoipa::ToSchema)]
struct AlertChange {
    state: Alert,
    at: String,
}

#[derive(Serialize, utoipa::ToSchema)]
struct BudgetPoint {
    at: String,
    remaining: f64,
}

impl Item {
    fn of(listed: &ListedObjective) -> Self {
        let status = &listed.status;
        let slo = &status.slo;
        let objective = listed.objective();
        Item {
            name: slo.name.clone(),
            display_name: slo.display_name.clone(),
            service: slo.service.clone(),
            entity_ref: listed.entity_ref.clone(),
            owner: listed.owner.clone(),
            objective_index: status.objective,
            objective_name: objective.display_name.clone(),
            objective: objective.target,
            threshold: objective.threshold.map(|t| Threshold { op: t.op.as_str(), value_ms: t.milliseconds }),
            window: slo.window.describe(),
            window_start: rfc3339(status.window.start),
            window_end: rfc3339(status.window.end),
            good: status.counts.good,
            total: status.counts.total,
            estimated: status.estimated,
            attainment: status.counts.attainment(),
            error_budget_remaining: listed.budget_remaining(),
            burn_rates: BurnRates(status.burn),
            alert: status.alert,
            alert_history: status.history.iter().map(|(state, at)| AlertChange { state: *state, at: rfc3339(*at as u64) }).collect(),
            budget_series: status
                .budget_chart
                .iter()
                .map(|(at, remaining)| BudgetPoint { at: rfc3339(*at), remaining: *remaining })
                .collect(),
        }
    }
}
