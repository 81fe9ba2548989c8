//! What services served: RED (requests, errors, duration) per service and
//! per operation over a window, from their SERVER and CONSUMER spans.

use std::sync::Arc;

use collector::{Edge, EdgeStats, NodeId, RedStats};
use serde::Serialize;

use super::{Core, Error, Window};
use crate::unix_seconds;

/// `GET /api/v1/services/{name}/operations`'s body.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct OperationsView {
    pub service: String,
    /// The window, as [`Window`] writes it (`15m`).
    pub window: String,
    /// Busiest first.
    pub operations: Vec<OperationView>,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct OperationView {
    /// `METHOD /route`, the RPC method, or the span name.
    pub operation: String,
    /// Requests served (estimated when sampled).
    pub requests: u64,
    pub errors: u64,
    /// Spans the counts rest on.
    pub kept_spans: u64,
    /// Whether the counts are estimates from sampled spans.
    pub estimated: bool,
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub p99_ms: f64,
}

impl Core {
    /// A service's RED per minute over `window` (what served requests it had), by minute.
    pub async fn service_minutes(&self, service: &str, window: Window) -> Result<Vec<(u64, RedStats)>, Error> {
        let now = unix_seconds();
        Ok(self.store.service_minutes(service, window.first_bucket(now), now + 60).await?)
    }

    /// A service's operations per minute over `window`: (operation, minutes).
    pub async fn operation_minutes(&self, service: &str, window: Window) -> Result<Vec<(Arc<str>, Vec<(u64, RedStats)>)>, Error> {
        let now = unix_seconds();
        let buckets = self.store.operation_minutes(service, window.first_bucket(now), now + 60).await?;
        let mut by_operation: std::collections::BTreeMap<Arc<str>, Vec<(u64, RedStats)>> = std::collections::BTreeMap::new();
        for bucket in buckets {
            by_operation.entry(bucket.operation.clone()).or_default().push((bucket.bucket_start_unix_secs, bucket.stats));
        }
        Ok(by_operation.into_iter().collect())
    }

    /// The calls to and from `node` per minute over `window`, per edge.
    pub async fn edge_minutes(&self, node: &NodeId, window: Window) -> Result<Vec<(Edge, Vec<(u64, EdgeStats)>)>, Error> {
        let now = unix_seconds();
        let buckets = self.store.edge_minutes_touching(node, window.first_bucket(now), now + 60).await?;
        let mut by_edge: std::collections::BTreeMap<Edge, Vec<(u64, EdgeStats)>> = std::collections::BTreeMap::new();
        for bucket in buckets {
            by_edge.entry(bucket.edge.clone()).or_default().push((bucket.bucket_start_unix_secs, bucket.stats));
        }
        Ok(by_edge.into_iter().collect())
    }

    /// A service's operations (its SERVER and CONSUMER spans) over `window`.
    pub async fn operations(&self, service: &str, window: Window) -> Result<OperationsView, Error> {
        let operations = self.store.operations_since(service, window.first_bucket(unix_seconds())).await?;
        Ok(OperationsView {
            service: service.to_string(),
            window: window.to_string(),
            operations: operations
                .into_iter()
                .map(|o| OperationView {
                    operation: o.operation,
                    requests: o.stats.requests,
                    errors: o.stats.errors,
                    kept_spans: o.stats.kept,
                    estimated: o.stats.estimated(),
                    p50_ms: o.stats.quantile_ms(0.5),
                    p95_ms: o.stats.quantile_ms(0.95),
                    p99_ms: o.stats.quantile_ms(0.99),
                })
                .collect(),
        })
    }

    /// What each service served over `window`, by name.
    pub async fn services(&self, window: Window) -> Result<Vec<(Arc<str>, RedStats)>, Error> {
        Ok(self.store.services_since(window.first_bucket(unix_seconds())).await?)
    }
}
