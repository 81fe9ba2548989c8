//! What the collector measured: rows of edges, services and operations per
//! minute and per hour (latency as HDR histograms in their compact V2
//! encoding), and detected deploys. Each flush appends minute rows; once an
//! hour is complete (plus a grace period for late spans) its minutes are
//! merged into hour rows; minutes are kept 48 h and hours 90 d by default.
//! Reads merge the rows of a window (histograms merge exactly): hours up to
//! where the roll-up has got, minutes after it, so nothing counts twice.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::sync::Arc;

use anyhow::{Context, Result};
use collector::{
    ConnectionType, Deploy, Drained, Edge, EdgeBucket, EdgeStats, NodeId, NodeKind, OperationBucket, RedStats, ServiceBucket, VersionSeen,
};
use hdrhistogram::Histogram;
use hdrhistogram::serialization::{Deserializer, Serializer, V2Serializer};
use sqlx::Row;

use super::{Store, unix_seconds};

/// Bucket width of a family of tables.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Resolution {
    Minute,
    Hour,
}

impl Resolution {
    fn table(self, family: &str) -> String {
        match self {
            Resolution::Minute => format!("{family}_minutes"),
            Resolution::Hour => format!("{family}_hours"),
        }
    }
}

const HOUR: i64 = 3600;

/// What one roll-up pass did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RollupReport {
    /// Hours merged from minutes in this pass.
    pub hours: u64,
    /// Minute and hour rows deleted for being older than their retention.
    pub deleted_rows: u64,
}

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

fn red(row: &sqlx::any::AnyRow) -> Result<RedStats> {
    Ok(RedStats {
        requests: count(row, "requests")?,
        errors: count(row, "errors")?,
        latency_us: decode(&row.try_get::<Vec<u8>, _>("latency")?)?,
    })
}

/// The stats of equal keys merged into one by `merge` (counts add,
/// histograms merge exactly); the first of each key is kept as it is.
fn merged<K: Eq + std::hash::Hash, S>(
    rows: impl IntoIterator<Item = (K, S)>,
    merge: impl Fn(&mut S, &S) -> Result<(), hdrhistogram::AdditionError>,
) -> Result<HashMap<K, S>> {
    let mut merged: HashMap<K, S> = HashMap::new();
    for (key, stats) in rows {
        match merged.entry(key) {
            Entry::Occupied(mut entry) => merge(entry.get_mut(), &stats).context("cannot merge latency histograms")?,
            Entry::Vacant(entry) => {
                entry.insert(stats);
            }
        }
    }
    Ok(merged)
}

/// Minute buckets merged into hour buckets (keys and stats kept apart per hour).
fn to_hours(minutes: Drained) -> Result<Drained> {
    let hour = |start: u64| start - start % HOUR as u64;
    let edges = merged(minutes.edges.into_iter().map(|b| ((hour(b.bucket_start_unix_secs), b.edge), b.stats)), EdgeStats::merge)?;
    let services = merged(minutes.services.into_iter().map(|b| ((hour(b.bucket_start_unix_secs), b.service), b.stats)), RedStats::merge)?;
    let operations = merged(
        minutes.operations.into_iter().map(|b| ((hour(b.bucket_start_unix_secs), b.service, b.operation), b.stats)),
        RedStats::merge,
    )?;
    Ok(Drained {
        edges: edges
            .into_iter()
            .map(|((bucket_start_unix_secs, edge), stats)| EdgeBucket { bucket_start_unix_secs, edge, stats })
            .collect(),
        services: services
            .into_iter()
            .map(|((bucket_start_unix_secs, service), stats)| ServiceBucket { bucket_start_unix_secs, service, stats })
            .collect(),
        operations: operations
            .into_iter()
            .map(|((bucket_start_unix_secs, service, operation), stats)| OperationBucket {
                bucket_start_unix_secs,
                service,
                operation,
                stats,
            })
            .collect(),
        deploys: Vec::new(),
        versions: Vec::new(),
    })
}

impl Store {
    /// Writes one drain of the engine in one transaction: all of it or none.
    pub async fn write_drained(&self, drained: &Drained) -> Result<()> {
        if drained.is_empty() {
            return Ok(());
        }
        let mut tx = self.pool.begin().await?;
        insert_buckets(&mut tx, drained, Resolution::Minute).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Every edge with traffic in buckets starting at or after `since`, its
    /// buckets' stats merged; in edge order.
    pub async fn edges_since(&self, since_unix_secs: i64) -> Result<Vec<(Edge, EdgeStats)>> {
        let mut rows = Vec::new();
        for (resolution, from, to) in self.plan(since_unix_secs).await? {
            rows.extend(self.edge_rows(resolution, from, to).await?.into_iter().map(|b| (b.edge, b.stats)));
        }
        let mut edges: Vec<_> = merged(rows, EdgeStats::merge)?.into_iter().collect();
        edges.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(edges)
    }

    /// One service's operations with traffic in buckets starting at or after
    /// `since`, merged per operation; busiest first.
    pub async fn operations_since(&self, service: &str, since_unix_secs: i64) -> Result<Vec<OperationStats>> {
        let mut rows = Vec::new();
        for (resolution, from, to) in self.plan(since_unix_secs).await? {
            rows.extend(self.operation_rows(resolution, from, to, Some(service)).await?.into_iter().map(|b| (b.operation, b.stats)));
        }
        let mut operations: Vec<OperationStats> = merged(rows, RedStats::merge)?
            .into_iter()
            .map(|(operation, stats)| OperationStats { operation: operation.to_string(), stats })
            .collect();
        operations.sort_by(|a, b| b.stats.requests.cmp(&a.stats.requests).then_with(|| a.operation.cmp(&b.operation)));
        Ok(operations)
    }

    /// Every service's served requests (its SERVER and CONSUMER spans) in
    /// buckets starting at or after `since`, merged per service; by name.
    pub async fn services_since(&self, since_unix_secs: i64) -> Result<Vec<(Arc<str>, RedStats)>> {
        let mut rows = Vec::new();
        for (resolution, from, to) in self.plan(since_unix_secs).await? {
            rows.extend(self.service_rows(resolution, from, to).await?.into_iter().map(|b| (b.service, b.stats)));
        }
        let mut services: Vec<_> = merged(rows, RedStats::merge)?.into_iter().collect();
        services.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(services)
    }

    /// Which tables cover a read from `since` to now, without overlap: hours
    /// (from the hour `since` falls in) up to where the roll-up has got,
    /// minutes after that.
    async fn plan(&self, since: i64) -> Result<Vec<(Resolution, i64, i64)>> {
        Ok(match self.rolled_up_until().await? {
            Some(done) if since < done => {
                vec![(Resolution::Hour, since - since.rem_euclid(HOUR), done), (Resolution::Minute, done, i64::MAX)]
            }
            _ => vec![(Resolution::Minute, since, i64::MAX)],
        })
    }

    async fn rolled_up_until(&self) -> Result<Option<i64>> {
        let row = sqlx::query("SELECT done_until FROM rollups WHERE name = 'telemetry'").fetch_optional(&self.pool).await?;
        Ok(row.map(|row| row.try_get::<i64, _>("done_until")).transpose()?)
    }

    /// `bucket_start` and `columns` of the rows of `table` whose bucket
    /// starts in `from..to`, of one service if given.
    async fn bucket_rows(&self, columns: &str, table: String, from: i64, to: i64, service: Option<&str>) -> Result<Vec<sqlx::any::AnyRow>> {
        let sql = format!(
            "SELECT bucket_start, {columns} FROM {table} WHERE bucket_start >= $1 AND bucket_start < $2{}",
            if service.is_some() { " AND service = $3" } else { "" }
        );
        let mut query = sqlx::query(&sql).bind(from).bind(to);
        if let Some(service) = service {
            query = query.bind(service);
        }
        Ok(query.fetch_all(&self.pool).await?)
    }

    async fn edge_rows(&self, resolution: Resolution, from: i64, to: i64) -> Result<Vec<EdgeBucket>> {
        let columns = "source_kind, source_name, target_kind, target_name, connection_type, requests, errors, latency, server_latency";
        let rows = self.bucket_rows(columns, resolution.table("edge"), from, to, None).await?;
        rows.iter()
            .map(|row| {
                let source = node(row.try_get("source_kind")?, row.try_get("source_name")?)?;
                let target = node(row.try_get("target_kind")?, row.try_get("target_name")?)?;
                let connection_text: String = row.try_get("connection_type")?;
                let connection = ConnectionType::parse(&connection_text)
                    .with_context(|| format!("unknown connection type `{connection_text}` in the database"))?;
                let caller = red(row)?;
                let stats = EdgeStats {
                    requests: caller.requests,
                    errors: caller.errors,
                    latency_us: caller.latency_us,
                    server_latency_us: match row.try_get::<Option<Vec<u8>>, _>("server_latency")? {
                        Some(bytes) => decode(&bytes)?,
                        None => collector::new_latency_histogram(),
                    },
                };
                Ok(EdgeBucket { bucket_start_unix_secs: count(row, "bucket_start")?, edge: Edge { source, target, connection }, stats })
            })
            .collect()
    }

    async fn service_rows(&self, resolution: Resolution, from: i64, to: i64) -> Result<Vec<ServiceBucket>> {
        let rows = self.bucket_rows("service, requests, errors, latency", resolution.table("service"), from, to, None).await?;
        rows.iter()
            .map(|row| {
                Ok(ServiceBucket {
                    bucket_start_unix_secs: count(row, "bucket_start")?,
                    service: Arc::from(row.try_get::<String, _>("service")?),
                    stats: red(row)?,
                })
            })
            .collect()
    }

    async fn operation_rows(&self, resolution: Resolution, from: i64, to: i64, service: Option<&str>) -> Result<Vec<OperationBucket>> {
        let columns = "service, operation, requests, errors, latency";
        let rows = self.bucket_rows(columns, resolution.table("operation"), from, to, service).await?;
        rows.iter()
            .map(|row| {
                Ok(OperationBucket {
                    bucket_start_unix_secs: count(row, "bucket_start")?,
                    service: Arc::from(row.try_get::<String, _>("service")?),
                    operation: Arc::from(row.try_get::<String, _>("operation")?),
                    stats: red(row)?,
                })
            })
            .collect()
    }

    /// Merges every complete hour (complete `grace_secs` ago, so late spans
    /// are in) not yet rolled up into hour rows, then deletes minute rows
    /// older than `keep_minutes_secs` (only those already rolled up) and hour
    /// rows older than `keep_hours_secs`. Safe to run from several replicas:
    /// the hours and the new watermark are written in one transaction that
    /// starts by moving the watermark, so a second runner finds it moved.
    pub async fn roll_up(&self, now: i64, grace_secs: i64, keep_minutes_secs: i64, keep_hours_secs: i64) -> Result<RollupReport> {
        let until = (now - grace_secs).div_euclid(HOUR) * HOUR;
        let done = match self.rolled_up_until().await? {
            Some(done) => done,
            None => self.oldest_minute().await?.map_or(until, |oldest| oldest.div_euclid(HOUR) * HOUR).min(until),
        };
        let mut report = RollupReport::default();
        let mut tx = self.pool.begin().await?;
        // Claim the range first: a concurrent runner's claim of the same range fails or waits.
        let claimed = sqlx::query(
            "INSERT INTO rollups (name, done_until) VALUES ('telemetry', $1)
             ON CONFLICT (name) DO UPDATE SET done_until = excluded.done_until WHERE rollups.done_until = $2",
        )
        .bind(until.max(done))
        .bind(done)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if claimed == 1 && done < until {
            let minutes = Drained {
                edges: self.edge_rows(Resolution::Minute, done, until).await?,
                services: self.service_rows(Resolution::Minute, done, until).await?,
                operations: self.operation_rows(Resolution::Minute, done, until, None).await?,
                deploys: Vec::new(),
                versions: Vec::new(),
            };
            insert_buckets(&mut tx, &to_hours(minutes)?, Resolution::Hour).await?;
            report.hours = ((until - done) / HOUR) as u64;
        }
        tx.commit().await?;
        let minutes_before = (now - keep_minutes_secs).min(until.max(done));
        for family in ["edge", "service", "operation"] {
            for (table, before) in
                [(Resolution::Minute.table(family), minutes_before), (Resolution::Hour.table(family), now - keep_hours_secs)]
            {
                report.deleted_rows += sqlx::query(&format!("DELETE FROM {table} WHERE bucket_start < $1"))
                    .bind(before)
                    .execute(&self.pool)
                    .await?
                    .rows_affected();
            }
        }
        Ok(report)
    }

    async fn oldest_minute(&self) -> Result<Option<i64>> {
        let mut oldest: Option<i64> = None;
        for family in ["edge", "service", "operation"] {
            let row = sqlx::query(&format!("SELECT MIN(bucket_start) AS oldest FROM {}", Resolution::Minute.table(family)))
                .fetch_one(&self.pool)
                .await?;
            if let Some(value) = row.try_get::<Option<i64>, _>("oldest")? {
                oldest = Some(oldest.map_or(value, |o| o.min(value)));
            }
        }
        Ok(oldest)
    }

    /// Every version of every service ever seen, with its latest sighting.
    pub async fn service_versions(&self) -> Result<Vec<VersionSeen>> {
        let rows =
            sqlx::query("SELECT service, version, environment, last_seen_unix_nanos FROM service_versions ORDER BY service, version")
                .fetch_all(&self.pool)
                .await?;
        rows.iter()
            .map(|row| {
                Ok(VersionSeen {
                    service: Arc::from(row.try_get::<String, _>("service")?),
                    version: Arc::from(row.try_get::<String, _>("version")?),
                    environment: row.try_get::<Option<String>, _>("environment")?.map(Arc::from),
                    last_seen_unix_nanos: count(row, "last_seen_unix_nanos")?,
                })
            })
            .collect()
    }

    /// Edge minute rows from `since` on (the live graph's start after a restart).
    pub async fn edge_minutes_since(&self, since_unix_secs: i64) -> Result<Vec<EdgeBucket>> {
        self.edge_rows(Resolution::Minute, since_unix_secs, i64::MAX).await
    }

    /// The deploys detected for one service, oldest first.
    pub async fn deploys(&self, service: &str) -> Result<Vec<Deploy>> {
        let sql =
            "SELECT service, at_unix_nanos, from_version, to_version, environment FROM deploys WHERE service = $1 ORDER BY at_unix_nanos";
        sqlx::query(sql).bind(service).fetch_all(&self.pool).await?.iter().map(deploy).collect()
    }

    /// The latest `limit` deploys of any service, newest first.
    pub async fn recent_deploys(&self, limit: u32) -> Result<Vec<Deploy>> {
        let sql = "SELECT service, at_unix_nanos, from_version, to_version, environment FROM deploys ORDER BY at_unix_nanos DESC LIMIT $1";
        sqlx::query(sql).bind(i64::from(limit)).fetch_all(&self.pool).await?.iter().map(deploy).collect()
    }
}

fn deploy(row: &sqlx::any::AnyRow) -> Result<Deploy> {
    Ok(Deploy {
        service: Arc::from(row.try_get::<String, _>("service")?),
        at_unix_nanos: count(row, "at_unix_nanos")?,
        from_version: Arc::from(row.try_get::<String, _>("from_version")?),
        to_version: Arc::from(row.try_get::<String, _>("to_version")?),
        environment: row.try_get::<Option<String>, _>("environment")?.map(Arc::from),
    })
}

/// Appends `drained`'s buckets to the tables of `resolution` (deploys have
/// one table).
async fn insert_buckets(tx: &mut sqlx::Transaction<'_, sqlx::Any>, drained: &Drained, resolution: Resolution) -> Result<()> {
    let (edges, services, operations) = (resolution.table("edge"), resolution.table("service"), resolution.table("operation"));
    for b in &drained.edges {
        sqlx::query(&format!(
            "INSERT INTO {edges} (bucket_start, source_kind, source_name, target_kind, target_name, connection_type, requests, errors, latency, server_latency)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
        ))
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
            .execute(&mut **tx)
            .await?;
    }
    for b in &drained.services {
        sqlx::query(&format!("INSERT INTO {services} (bucket_start, service, requests, errors, latency) VALUES ($1, $2, $3, $4, $5)"))
            .bind(b.bucket_start_unix_secs as i64)
            .bind(b.service.as_ref())
            .bind(b.stats.requests as i64)
            .bind(b.stats.errors as i64)
            .bind(encode(&b.stats.latency_us)?)
            .execute(&mut **tx)
            .await?;
    }
    for b in &drained.operations {
        sqlx::query(&format!(
            "INSERT INTO {operations} (bucket_start, service, operation, requests, errors, latency) VALUES ($1, $2, $3, $4, $5, $6)"
        ))
        .bind(b.bucket_start_unix_secs as i64)
        .bind(b.service.as_ref())
        .bind(b.operation.as_ref())
        .bind(b.stats.requests as i64)
        .bind(b.stats.errors as i64)
        .bind(encode(&b.stats.latency_us)?)
        .execute(&mut **tx)
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
            .execute(&mut **tx)
            .await?;
    }
    for v in &drained.versions {
        // Portable upsert: the newest sighting wins, an environment once known stays.
        sqlx::query(
            "INSERT INTO service_versions (service, version, environment, last_seen_unix_nanos) VALUES ($1, $2, $3, $4)
             ON CONFLICT (service, version) DO UPDATE SET
                 environment = COALESCE(excluded.environment, service_versions.environment),
                 last_seen_unix_nanos = CASE WHEN excluded.last_seen_unix_nanos > service_versions.last_seen_unix_nanos
                     THEN excluded.last_seen_unix_nanos ELSE service_versions.last_seen_unix_nanos END",
        )
        .bind(v.service.as_ref())
        .bind(v.version.as_ref())
        .bind(v.environment.as_deref())
        .bind(v.last_seen_unix_nanos as i64)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}
