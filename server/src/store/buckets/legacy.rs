//! The per-key tables of earlier versions (`<family>_minutes` and
//! `<family>_hours`, one row per key and bucket, names as text) converted
//! into blocks once, at start: each table's rows are read in bucket order
//! and written as one block per bucket, then deleted, in one transaction
//! per table (a conversion cut short starts again from the table's rows).
//! Rows of every earlier shape are read: counts added by later migrations
//! are NULL in older rows, and latency may be a full HDR histogram.

use std::sync::Arc;

use collector::{
    CallerBucket, ConnectionType, Edge, EdgeBucket, EdgeStats, Latency, NodeId, NodeKind, OperationBucket, RedStats, ServiceBucket,
};
use futures::TryStreamExt;
use sqlx::Row;
use sqlx::any::AnyRow;

use super::family::{CallerCounts, Family};
use super::plan::Resolution;
use super::{Merged, insert_block};
use crate::store::{Store, StoreError, count, text};

/// A family's legacy row: the columns after `bucket_start`, and how to read them.
trait Legacy: Family {
    const COLUMNS: &'static str;
    fn read_legacy(row: &AnyRow) -> Result<(Self::Key, Self::Stats), StoreError>;
}

fn latency(bytes: &[u8]) -> Result<Latency, StoreError> {
    Latency::decode(bytes).map_err(|e| StoreError::Corrupt(e.to_string()))
}

fn node(kind: String, name: String) -> Result<NodeId, StoreError> {
    let kind = NodeKind::parse(&kind).ok_or_else(|| StoreError::Corrupt(format!("unknown node kind `{kind}`")))?;
    Ok(NodeId { kind, name: Arc::from(name) })
}

/// A count column added by a later migration: `otherwise` in rows written
/// before it (NULL there).
fn count_or(row: &AnyRow, column: &str, otherwise: u64) -> Result<u64, StoreError> {
    Ok(row.try_get::<Option<i64>, _>(column)?.map_or(otherwise, |n| n.max(0) as u64))
}

/// Services' and operations' stats. Rows written before SLOs' counts were
/// kept: RED's errors are the nearest count there is; before sampling was
/// read: every span was one request.
fn red(row: &AnyRow) -> Result<RedStats, StoreError> {
    let (requests, errors) = (count(row, "requests")?, count(row, "errors")?);
    Ok(RedStats {
        requests,
        errors,
        server_errors: count_or(row, "server_errors", errors)?,
        status_errors: count_or(row, "status_errors", errors)?,
        kept: count_or(row, "kept", requests)?,
        latency: latency(&row.try_get::<Vec<u8>, _>("latency")?)?,
    })
}

impl Legacy for EdgeBucket {
    const COLUMNS: &'static str = "source_kind, source_name, target_kind, target_name, connection_type, requests, errors, caller_failures, kept, latency, server_latency";
    fn read_legacy(row: &AnyRow) -> Result<(Edge, EdgeStats), StoreError> {
        let source = node(row.try_get("source_kind")?, row.try_get("source_name")?)?;
        let target = node(row.try_get("target_kind")?, row.try_get("target_name")?)?;
        let connection_text: String = row.try_get("connection_type")?;
        let connection = ConnectionType::parse(&connection_text)
            .ok_or_else(|| StoreError::Corrupt(format!("unknown connection type `{connection_text}`")))?;
        let (requests, errors) = (count(row, "requests")?, count(row, "errors")?);
        let stats = EdgeStats {
            requests,
            errors,
            // Rows written before: errors counted either side's view, every span was one call.
            caller_failures: count_or(row, "caller_failures", errors)?,
            kept: count_or(row, "kept", requests)?,
            latency: latency(&row.try_get::<Vec<u8>, _>("latency")?)?,
            // NULL in rows written before the callee's side was kept.
            server_latency: match row.try_get::<Option<Vec<u8>>, _>("server_latency")? {
                Some(bytes) => latency(&bytes)?,
                None => Latency::default(),
            },
        };
        Ok((Edge { source, target, connection }, stats))
    }
}

impl Legacy for ServiceBucket {
    const COLUMNS: &'static str = "service, requests, errors, server_errors, status_errors, kept, latency";
    fn read_legacy(row: &AnyRow) -> Result<(Arc<str>, RedStats), StoreError> {
        Ok((text(row, "service")?, red(row)?))
    }
}

impl Legacy for OperationBucket {
    const COLUMNS: &'static str = "service, operation, requests, errors, server_errors, status_errors, kept, latency";
    fn read_legacy(row: &AnyRow) -> Result<(Self::Key, RedStats), StoreError> {
        Ok(((text(row, "service")?, text(row, "operation")?), red(row)?))
    }
}

impl Legacy for CallerBucket {
    const COLUMNS: &'static str = "caller, service, operation, calls, errors, caller_failures, kept";
    fn read_legacy(row: &AnyRow) -> Result<(Self::Key, CallerCounts), StoreError> {
        let (calls, errors) = (count(row, "calls")?, count(row, "errors")?);
        let counts =
            CallerCounts { calls, errors, caller_failures: count_or(row, "caller_failures", errors)?, kept: count_or(row, "kept", calls)? };
        Ok(((text(row, "caller")?, text(row, "service")?, text(row, "operation")?), counts))
    }
}

impl Store {
    /// Converts every legacy table's rows into blocks (nothing to do once
    /// they are empty). The old roll-up's watermark becomes the hours'.
    pub(crate) async fn convert_legacy_buckets(&self) -> Result<(), StoreError> {
        let mut rows = 0;
        rows += self.convert::<EdgeBucket>().await?;
        rows += self.convert::<ServiceBucket>().await?;
        rows += self.convert::<OperationBucket>().await?;
        rows += self.convert::<CallerBucket>().await?;
        let old_mark = sqlx::query("SELECT done_until FROM rollups WHERE name = 'telemetry'").fetch_optional(&self.pool).await?;
        if let Some(row) = old_mark {
            let done: i64 = row.try_get("done_until")?;
            self.raise_mark(Resolution::Hour.done_name(), done).await?;
            sqlx::query("DELETE FROM rollups WHERE name = 'telemetry'").execute(&self.pool).await?;
        }
        if rows > 0 {
            tracing::info!("observed traffic: {rows} rows of the per-key tables converted into blocks");
        }
        Ok(())
    }

    /// One family's two legacy tables; returns the rows converted.
    async fn convert<F: Legacy>(&self) -> Result<u64, StoreError> {
        let mut converted = 0;
        for (table, resolution) in [(format!("{}_minutes", F::NAME), Resolution::Minute), (format!("{}_hours", F::NAME), Resolution::Hour)]
        {
            let any = sqlx::query(&format!("SELECT bucket_start FROM {table} LIMIT 1")).fetch_optional(&self.pool).await?;
            if any.is_none() {
                continue;
            }
            let started = std::time::Instant::now();
            tracing::info!("observed traffic: converting `{table}` into blocks");
            // Series first, committed on their own; then, in one transaction,
            // each bucket's rows read and written as a block.
            let mut keys = std::collections::HashSet::new();
            let every_row = format!("SELECT bucket_start, {} FROM {table}", F::COLUMNS);
            let mut stream = sqlx::query(&every_row).fetch(&self.pool);
            while let Some(row) = stream.try_next().await? {
                keys.insert(F::read_legacy(&row)?.0);
            }
            drop(stream);
            let ids = self.ids_of::<F>(keys).await?;
            let mut tx = self.pool.begin().await?;
            let starts: Vec<i64> = sqlx::query(&format!("SELECT DISTINCT bucket_start FROM {table} ORDER BY bucket_start"))
                .fetch_all(&mut *tx)
                .await?
                .iter()
                .map(|row| row.try_get::<i64, _>("bucket_start"))
                .collect::<Result<_, _>>()?;
            let sql = format!("SELECT bucket_start, {} FROM {table} WHERE bucket_start = $1", F::COLUMNS);
            for (i, start) in starts.iter().enumerate() {
                let mut merged = Merged::new();
                for row in sqlx::query(&sql).bind(start).fetch_all(&mut *tx).await? {
                    let (key, stats) = F::read_legacy(&row)?;
                    let id = ids.get(&key).copied().ok_or_else(|| StoreError::Corrupt(format!("no series id for a {} key", F::NAME)))?;
                    merged.add(id, stats);
                    converted += 1;
                }
                insert_block(&mut tx, F::NAME, resolution, *start, &merged.into_block(), None).await?;
                if i % 500 == 499 {
                    tracing::info!(
                        "observed traffic: `{table}`: {} of {} buckets converted ({:.0} s)",
                        i + 1,
                        starts.len(),
                        started.elapsed().as_secs_f64()
                    );
                }
            }
            sqlx::query(&format!("DELETE FROM {table}")).execute(&mut *tx).await?;
            tx.commit().await?;
        }
        Ok(converted)
    }
}
