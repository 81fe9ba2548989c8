//! What the collector measured: per-minute rows of edges, services and
//! operations (latency as HDR histograms in their compact V2 encoding), and
//! detected deploys. Each flush appends rows; reads merge the rows of a
//! window (histograms merge exactly).

use std::collections::HashMap;
use std::sync::Arc;

use anyhow::{Context, Result};
use collector::{ConnectionType, Deploy, Drained, Edge, EdgeStats, NodeId, NodeKind, RedStats};
use hdrhistogram::Histogram;
use hdrhistogram::serialization::{Deserializer, Serializer, V2Serializer};
use sqlx::Row;

use super::{Store, unix_seconds};

/// One operation of a service over a window.
#[derive(Clone, Debug)]
pub struct OperationStats {
    pub operation: String,
    pub stats: RedStats,
}

fn encode(histogram: &Histogram<u64>) -> Result<Vec<u8>> {
    let mut bytes = Vec::new();
    V2Serializer::new().serialize(histogram, &mut bytes).context("cannot encode a latency histogram")?;
    Ok(bytes)
}

fn decode(bytes: &[u8]) -> Result<Histogram<u64>> {
    let mut reader = bytes;
    Deserializer::new().deserialize(&mut reader).context("corrupt latency histogram in the database")
}

fn node(kind: String, name: String) -> Result<NodeId> {
    let kind = NodeKind::parse(&kind).with_context(|| format!("unknown node kind `{kind}` in the database"))?;
    Ok(NodeId { kind, name: Arc::from(name) })
}

fn count(row: &sqlx::any::AnyRow, column: &str) -> Result<u64> {
    Ok(row.try_get::<i64, _>(column)?.max(0) as u64)
}

impl Store {
    /// Writes one drain of the engine in one transaction: all of it or none.
    pub async fn write_drained(&self, drained: &Drained) -> Result<()> {
        if drained.is_empty() {
            return Ok(());
        }
        let mut tx = self.pool.begin().await?;
        for b in &drained.edges {
            sqlx::query(
                "INSERT INTO edge_minutes (bucket_start, source_kind, source_name, target_kind, target_name, connection_type, requests, errors, latency, server_latency)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            )
            .bind(b.bucket_start_unix_secs as i64)
            .bind(b.edge.source.kind.as_str())
            .bind(b.edge.source.name.as_ref())
            .bind(b.edge.target.kind.as_str())
            .bind(b.edge.target.name.as_ref())
            .bind(b.edge.connection.as_str())
            .bind(b.stats.requests as i64)
            .bind(b.stats.errors as i64)
            .bind(encode(&b.stats.latency_us)?)
            .bind(encode(&b.stats.server_latency_us)?)
            .execute(&mut *tx)
            .await?;
        }
        for b in &drained.services {
            sqlx::query("INSERT INTO service_minutes (bucket_start, service, requests, errors, latency) VALUES ($1, $2, $3, $4, $5)")
                .bind(b.bucket_start_unix_secs as i64)
                .bind(b.service.as_ref())
                .bind(b.stats.requests as i64)
                .bind(b.stats.errors as i64)
                .bind(encode(&b.stats.latency_us)?)
                .execute(&mut *tx)
                .await?;
        }
        for b in &drained.operations {
            sqlx::query(
                "INSERT INTO operation_minutes (bucket_start, service, operation, requests, errors, latency) VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(b.bucket_start_unix_secs as i64)
            .bind(b.service.as_ref())
            .bind(b.operation.as_ref())
            .bind(b.stats.requests as i64)
            .bind(b.stats.errors as i64)
            .bind(encode(&b.stats.latency_us)?)
            .execute(&mut *tx)
            .await?;
        }
        for d in &drained.deploys {
            sqlx::query(
                "INSERT INTO deploys (service, at_unix_nanos, from_version, to_version, environment, detected_at) VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(d.service.as_ref())
            .bind(d.at_unix_nanos as i64)
            .bind(d.from_version.as_ref())
            .bind(d.to_version.as_ref())
            .bind(d.environment.as_deref())
            .bind(unix_seconds())
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Every edge with traffic in buckets starting at or after `since`, its
    /// buckets' stats merged; in edge order.
    pub async fn edges_since(&self, since_unix_secs: i64) -> Result<Vec<(Edge, EdgeStats)>> {
        let rows = sqlx::query(
            "SELECT source_kind, source_name, target_kind, target_name, connection_type, requests, errors, latency, server_latency
             FROM edge_minutes WHERE bucket_start >= $1",
        )
        .bind(since_unix_secs)
        .fetch_all(&self.pool)
        .await?;
        let mut merged: HashMap<Edge, EdgeStats> = HashMap::new();
        for row in rows {
            let source = node(row.try_get("source_kind")?, row.try_get("source_name")?)?;
            let target = node(row.try_get("target_kind")?, row.try_get("target_name")?)?;
            let connection_text: String = row.try_get("connection_type")?;
            let connection = ConnectionType::parse(&connection_text)
                .with_context(|| format!("unknown connection type `{connection_text}` in the database"))?;
            let server_latency: Option<Vec<u8>> = row.try_get("server_latency")?;
            let row_stats = EdgeStats {
                requests: count(&row, "requests")?,
                errors: count(&row, "errors")?,
                latency_us: decode(&row.try_get::<Vec<u8>, _>("latency")?)?,
                server_latency_us: match server_latency {
                    Some(bytes) => decode(&bytes)?,
                    None => collector::new_latency_histogram(),
                },
            };
            merged.entry(Edge { source, target, connection }).or_default().merge(&row_stats).context("cannot merge latency histograms")?;
        }
        let mut edges: Vec<_> = merged.into_iter().collect();
        edges.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(edges)
    }

    /// One service's operations with traffic in buckets starting at or after
    /// `since`, merged per operation; busiest first.
    pub async fn operations_since(&self, service: &str, since_unix_secs: i64) -> Result<Vec<OperationStats>> {
        let rows =
            sqlx::query("SELECT operation, requests, errors, latency FROM operation_minutes WHERE service = $1 AND bucket_start >= $2")
                .bind(service)
                .bind(since_unix_secs)
                .fetch_all(&self.pool)
                .await?;
        let mut merged: HashMap<String, RedStats> = HashMap::new();
        for row in rows {
            let row_stats = RedStats {
                requests: count(&row, "requests")?,
                errors: count(&row, "errors")?,
                latency_us: decode(&row.try_get::<Vec<u8>, _>("latency")?)?,
            };
            merged.entry(row.try_get("operation")?).or_default().merge(&row_stats).context("cannot merge latency histograms")?;
        }
        let mut operations: Vec<OperationStats> =
            merged.into_iter().map(|(operation, stats)| OperationStats { operation, stats }).collect();
        operations.sort_by(|a, b| b.stats.requests.cmp(&a.stats.requests).then_with(|| a.operation.cmp(&b.operation)));
        Ok(operations)
    }

    /// The deploys detected for one service, oldest first.
    pub async fn deploys(&self, service: &str) -> Result<Vec<Deploy>> {
        let rows = sqlx::query(
            "SELECT at_unix_nanos, from_version, to_version, environment FROM deploys WHERE service = $1 ORDER BY at_unix_nanos",
        )
        .bind(service)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(Deploy {
                    service: Arc::from(service),
                    at_unix_nanos: count(row, "at_unix_nanos")?,
                    from_version: Arc::from(row.try_get::<String, _>("from_version")?),
                    to_version: Arc::from(row.try_get::<String, _>("to_version")?),
                    environment: row.try_get::<Option<String>, _>("environment")?.map(Arc::from),
                })
            })
            .collect()
    }
}
