//! Series for the entity page's small charts: each observed call, and the
//! busiest operations, over the span of the service's own chart, with the
//! service's deploys marked.

use std::collections::HashMap;

use app::model::{ENTITY_OPERATIONS, OperationChart, RedSeries};
use app::port::PortError;
use collector::NodeId;

use super::port_error;
use crate::core::graph::node_id;
use crate::core::{Core, Window};

/// Which call a series is of: outgoing or not, the peer's node id, the connection.
pub type CallKey = (bool, String, String);

fn window(from: i64, to: i64) -> Window {
    Window::minutes(((to - from).max(60) / 60) as u64)
}

/// Every call to and from `node` between `from` and `to`, minute by minute.
pub async fn call_series(core: &Core, node: &NodeId, span: &RedSeries) -> Result<HashMap<CallKey, RedSeries>, PortError> {
    let edges = core.edge_minutes(node, window(span.from, span.to)).await.map_err(port_error)?;
    Ok(edges
        .into_iter()
        .map(|(edge, minutes)| {
            let outgoing = &edge.source == node;
            let peer = if outgoing { &edge.target } else { &edge.source };
            let series = RedSeries {
                minutes: minutes.iter().map(|(at, s)| (*at as i64, s.requests, s.errors, s.quantile_ms(0.95))).collect(),
                ..span.clone()
            };
            ((outgoing, node_id(peer), edge.connection.as_str().to_string()), series)
        })
        .collect())
}

/// The service's busiest operations over the span, each minute by minute.
pub async fn operation_charts(core: &Core, service: &str, span: &RedSeries) -> Result<Vec<OperationChart>, PortError> {
    let operations = core.operation_minutes(service, window(span.from, span.to)).await.map_err(port_error)?;
    let mut charts: Vec<OperationChart> = operations
        .into_iter()
        .map(|(operation, minutes)| OperationChart {
            operation: operation.to_string(),
            requests: minutes.iter().map(|(_, s)| s.requests).sum(),
            errors: minutes.iter().map(|(_, s)| s.errors).sum(),
            kept_spans: minutes.iter().map(|(_, s)| s.kept).sum(),
            series: RedSeries {
                minutes: minutes.iter().map(|(at, s)| (*at as i64, s.requests, s.errors, s.quantile_ms(0.95))).collect(),
                ..span.clone()
            },
        })
        .collect();
    charts.sort_by(|a, b| b.requests.cmp(&a.requests).then_with(|| a.operation.cmp(&b.operation)));
    charts.truncate(ENTITY_OPERATIONS);
    Ok(charts)
}
