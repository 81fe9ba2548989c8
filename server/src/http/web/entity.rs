//! The entity page's view model, mapped from the core's [`EntityPage`]:
//! each observed call gets its chart, the service its panels.

use std::collections::HashMap;

use app::model::{EntityDetail, ObservedEdge, OperationChart, RedSeries, RelationView};
use collector::{EdgeStats, RedStats};

use super::{contracts, deploy_record_view, dora_view, entity_links, observed_edge, problem, slo_view, summary};
use crate::core::entity::{CHART_HOURS, ENTITY_WINDOW, EntityPage, ServicePanels};
use crate::core::graph::node_id;

pub fn entity_detail(page: EntityPage) -> EntityDetail {
    let EntityPage { overview, service, scores } = page;
    let entity = &overview.entity;
    let (callers, callees): (Vec<ObservedEdge>, Vec<ObservedEdge>) = match overview.observed {
        Some(calls) => (calls.callers.into_iter().map(observed_edge).collect(), calls.callees.into_iter().map(observed_edge).collect()),
        None => (Vec::new(), Vec::new()),
    };
    let mut detail = EntityDetail {
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
        problems: overview.problems.iter().map(problem).collect(),
        deploys: Vec::new(),
        red: None,
        dora: None,
        slos: Vec::new(),
        drift: None,
        scores: scores.scorecards.iter().flat_map(|card| card.entities.iter().map(move |e| contracts::entity_scores(card, e))).collect(),
        operations: Vec::new(),
        chart_hours: CHART_HOURS,
        links: entity_links(entity),
        source_yaml: catalog::emit::to_yaml(&serde_json::to_value(entity.as_ref()).unwrap_or_default()),
    };
    // A component's service: its panels, and a chart for each observed call.
    if let Some(panels) = &service {
        let mut charts = call_charts(panels);
        for (outgoing, edges) in [(false, &mut detail.callers), (true, &mut detail.callees)] {
            for edge in edges.iter_mut() {
                let key = (outgoing, format!("{}:{}", edge.peer_kind, edge.peer), edge.connection_type.clone());
                edge.series = charts.remove(&key);
            }
        }
        detail.deploys = panels.deploys.iter().map(deploy_record_view).collect();
        detail.red = Some(chart(panels, &panels.minutes));
        detail.dora = Some(dora_view(&panels.dora));
        detail.slos = panels.slos.iter().map(slo_view).collect();
        detail.drift = Some(contracts::drift_view(&panels.drift));
        detail.operations = panels
            .operations
            .iter()
            .map(|o| OperationChart {
                operation: o.operation.to_string(),
                requests: o.requests,
                errors: o.errors,
                kept_spans: o.kept_spans,
                series: chart(panels, &o.minutes),
            })
            .collect();
    }
    detail
}

/// Which call a chart is of: outgoing or not, the peer's node id, the connection.
type CallKey = (bool, String, String);

fn call_charts(panels: &ServicePanels) -> HashMap<CallKey, RedSeries> {
    panels
        .calls
        .iter()
        .map(|call| ((call.outgoing, node_id(&call.peer), call.connection.as_str().to_string()), chart(panels, &call.minutes)))
        .collect()
}

/// Minutes of RED figures (a service's, an operation's or a call's).
trait Minute {
    fn point(&self) -> (u64, u64, f64);
}

impl Minute for RedStats {
    fn point(&self) -> (u64, u64, f64) {
        (self.requests, self.errors, self.quantile_ms(0.95))
    }
}

impl Minute for EdgeStats {
    fn point(&self) -> (u64, u64, f64) {
        (self.requests, self.errors, self.quantile_ms(0.95))
    }
}

/// `minutes` as a chart over the panels' span, with the deploys marked.
fn chart<S: Minute>(panels: &ServicePanels, minutes: &[(u64, S)]) -> RedSeries {
    RedSeries {
        from: panels.from,
        to: panels.to,
        minutes: minutes
            .iter()
            .map(|(at, stats)| {
                let (requests, errors, p95) = stats.point();
                (*at as i64, requests, errors, p95)
            })
            .collect(),
        deploys: panels.marks.clone(),
    }
}
