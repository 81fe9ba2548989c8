//! What the collector measured, in four families of bucket tables: edges,
//! services, operations and operations' callers, each per minute (`<family>_minutes`) and per hour
//! (`<family>_hours`), latency as [`collector::Latency`]'s compact encoding
//! (rows of earlier versions hold full HDR histograms; those are read too). Each flush appends minute rows; once an hour is complete (plus
//! a grace period for late spans) its minutes are merged into hour rows.
//! Reads merge the rows of a window (histograms merge exactly): hours up to
//! where the roll-up has got, minutes after it, so nothing counts twice.
//!
//! The families share one path ([`Family`]): reading rows (streamed
//! and merged as they arrive), merging by key, inserting in batches, rolling
//! up. A family says only which columns hold its key and its stats.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::hash::Hash;
use std::sync::Arc;

use collector::{
    CallerBucket, ConnectionType, Drained, Edge, EdgeBucket, EdgeStats, Latency, NodeId, NodeKind, OperationBucket, RedStats, ServiceBucket,
};
use futures::TryStreamExt;
use sqlx::Row;
use sqlx::any::AnyRow;

use super::insert::{AnyQuery, Insert};
use super::{Store, StoreError, count, text};

/// Bucket width of a family's table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Resolution {
    Minute,
    Hour,
}

impl Resolution {
    fn table<F: Family>(self) -> String {
        match self {
            Resolution::Minute => format!("{}_minutes", F::NAME),
            Resolution::Hour => format!("{}_hours", F::NAME),
        }
    }
}

const HOUR: i64 = 3600;

/// One family of bucket tables, and the bucket type a row of it is.
trait Family: Sized {
    /// The tables are `{NAME}_minutes` and `{NAME}_hours`.
    const NAME: &'static str;
    /// The columns after `bucket_start`, in the order [`Family::bind`] binds them.
    const COLUMNS: &'static [&'static str];
    /// What a row is about: rows of one key merge.
    type Key: Eq + Hash;

    fn start(&self) -> u64;
    fn set_start(&mut self, start: u64);
    fn key(&self) -> Self::Key;
    /// Adds `other`'s counts and latency (same key).
    fn merge(&mut self, other: &Self);
    /// Binds [`Family::COLUMNS`].
    fn bind<'q>(&self, query: AnyQuery<'q>) -> Result<AnyQuery<'q>, StoreError>;
    /// A row of `bucket_start` and [`Family::COLUMNS`].
    fn read(row: &AnyRow) -> Result<Self, StoreError>;
}

/// Which rows of a family a read takes, besides their time range. Values are
/// bound, never written into the SQL.
#[derive(Clone, Copy, Debug)]
enum Rows<'a> {
    All,
    /// Operations of one service.
    OfService(&'a str),
    /// Edges into or out of one node.
    Touching(&'a NodeId),
}

impl Rows<'_> {
    /// The condition, with placeholders from `$3` on (`$1` and `$2` are the time range).
    fn condition(self) -> &'static str {
        match self {
            Rows::All => "",
            Rows::OfService(_) => " AND service = $3",
            Rows::Touching(_) => " AND ((source_kind = $3 AND source_name = $4) OR (target_kind = $3 AND target_name = $4))",
        }
    }

    fn bind(self, query: AnyQuery<'_>) -> AnyQuery<'_> {
        match self {
            Rows::All => query,
            Rows::OfService(service) => query.bind(service.to_string()),
            Rows::Touching(node) => query.bind(node.kind.as_str()).bind(node.name.to_string()),
        }
    }
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

/// [`RedStats`], as services and operations store them after their key
/// columns: requests, errors, server_errors, status_errors, kept, latency.
fn red(row: &AnyRow) -> Result<RedStats, StoreError> {
    let (requests, errors) = (count(row, "requests")?, count(row, "errors")?);
    Ok(RedStats {
        requests,
        errors,
        // Rows written before SLOs' counts were kept: RED's errors are the
        // nearest count there is; before sampling was read: every span was one request.
        server_errors: count_or(row, "server_errors", errors)?,
        status_errors: count_or(row, "status_errors", errors)?,
        kept: count_or(row, "kept", requests)?,
        latency: latency(&row.try_get::<Vec<u8>, _>("latency")?)?,
    })
}

fn bind_red<'q>(query: AnyQuery<'q>, stats: &RedStats) -> AnyQuery<'q> {
    query
        .bind(stats.requests as i64)
        .bind(stats.errors as i64)
        .bind(stats.server_errors as i64)
        .bind(stats.status_errors as i64)
        .bind(stats.kept as i64)
        .bind(stats.latency.encode())
}

impl Family for EdgeBucket {
    const NAME: &'static str = "edge";
    const COLUMNS: &'static [&'static str] = &[
        "source_kind",
        "source_name",
        "target_kind",
        "target_name",
        "connection_type",
        "requests",
        "errors",
        "caller_failures",
        "kept",
        "latency",
        "server_latency",
    ];
    type Key = Edge;

    fn start(&self) -> u64 {
        self.bucket_start_unix_secs
    }
    fn set_start(&mut self, start: u64) {
        self.bucket_start_unix_secs = start;
    }
    fn key(&self) -> Edge {
        self.edge.clone()
    }
    fn merge(&mut self, other: &Self) {
        self.stats.merge(&other.stats)
    }
    fn bind<'q>(&self, query: AnyQuery<'q>) -> Result<AnyQuery<'q>, StoreError> {
        let (source, target) = (&self.edge.source, &self.edge.target);
        Ok(query
            .bind(source.kind.as_str())
            .bind(source.name.to_string())
            .bind(target.kind.as_str())
            .bind(target.name.to_string())
            .bind(self.edge.connection.as_str())
            .bind(self.stats.requests as i64)
            .bind(self.stats.errors as i64)
            .bind(self.stats.caller_failures as i64)
            .bind(self.stats.kept as i64)
            .bind(self.stats.latency.encode())
            .bind(self.stats.server_latency.encode()))
    }
    fn read(row: &AnyRow) -> Result<Self, StoreError> {
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
        Ok(EdgeBucket { bucket_start_unix_secs: count(row, "bucket_start")?, edge: Edge { source, target, connection }, stats })
    }
}

impl Family for ServiceBucket {
    const NAME: &'static str = "service";
    const COLUMNS: &'static [&'static str] = &["service", "requests", "errors", "server_errors", "status_errors", "kept", "latency"];
    type Key = Arc<str>;

    fn start(&self) -> u64 {
        self.bucket_start_unix_secs
    }
    fn set_start(&mut self, start: u64) {
        self.bucket_start_unix_secs = start;
    }
    fn key(&self) -> Arc<str> {
        self.service.clone()
    }
    fn merge(&mut self, other: &Self) {
        self.stats.merge(&other.stats)
    }
    fn bind<'q>(&self, query: AnyQuery<'q>) -> Result<AnyQuery<'q>, StoreError> {
        Ok(bind_red(query.bind(self.service.to_string()), &self.stats))
    }
    fn read(row: &AnyRow) -> Result<Self, StoreError> {
        Ok(ServiceBucket { bucket_start_unix_secs: count(row, "bucket_start")?, service: text(row, "service")?, stats: red(row)? })
    }
}

impl Family for OperationBucket {
    const NAME: &'static str = "operation";
    const COLUMNS: &'static [&'static str] =
        &["service", "operation", "requests", "errors", "server_errors", "status_errors", "kept", "latency"];
    type Key = (Arc<str>, Arc<str>);

    fn start(&self) -> u64 {
        self.bucket_start_unix_secs
    }
    fn set_start(&mut self, start: u64) {
        self.bucket_start_unix_secs = start;
    }
    fn key(&self) -> Self::Key {
        (self.service.clone(), self.operation.clone())
    }
    fn merge(&mut self, other: &Self) {
        self.stats.merge(&other.stats)
    }
    fn bind<'q>(&self, query: AnyQuery<'q>) -> Result<AnyQuery<'q>, StoreError> {
        Ok(bind_red(query.bind(self.service.to_string()).bind(self.operation.to_string()), &self.stats))
    }
    fn read(row: &AnyRow) -> Result<Self, StoreError> {
        Ok(OperationBucket {
            bucket_start_unix_secs: count(row, "bucket_start")?,
            service: text(row, "service")?,
            operation: text(row, "operation")?,
            stats: red(row)?,
        })
    }
}

impl Family for CallerBucket {
    const NAME: &'static str = "caller";
    const COLUMNS: &'static [&'static str] = &["caller", "service", "operation", "calls", "errors", "caller_failures", "kept"];
    type Key = (Arc<str>, Arc<str>, Arc<str>);

    fn start(&self) -> u64 {
        self.bucket_start_unix_secs
    }
    fn set_start(&mut self, start: u64) {
        self.bucket_start_unix_secs = start;
    }
    fn key(&self) -> Self::Key {
        (self.caller.clone(), self.service.clone(), self.operation.clone())
    }
    fn merge(&mut self, other: &Self) {
        CallerBucket::merge(self, other)
    }
    fn bind<'q>(&self, query: AnyQuery<'q>) -> Result<AnyQuery<'q>, StoreError> {
        Ok(query
            .bind(self.caller.to_string())
            .bind(self.service.to_string())
            .bind(self.operation.to_string())
            .bind(self.calls as i64)
            .bind(self.errors as i64)
            .bind(self.caller_failures as i64)
            .bind(self.kept as i64))
    }
    fn read(row: &AnyRow) -> Result<Self, StoreError> {
        let (calls, errors) = (count(row, "calls")?, count(row, "errors")?);
        Ok(CallerBucket {
            bucket_start_unix_secs: count(row, "bucket_start")?,
            caller: text(row, "caller")?,
            service: text(row, "service")?,
            operation: text(row, "operation")?,
            calls,
            errors,
            caller_failures: count_or(row, "caller_failures", errors)?,
            kept: count_or(row, "kept", calls)?,
        })
    }
}

/// Buckets merged per key: the first of each key is kept and the others
/// added to it.
struct Merged<K, F>(HashMap<K, F>);

impl<K: Eq + Hash, F: Family> Merged<K, F> {
    fn new() -> Self {
        Self(HashMap::new())
    }

    fn add(&mut self, key: K, bucket: F) {
        match self.0.entry(key) {
            Entry::Occupied(mut kept) => kept.get_mut().merge(&bucket),
            Entry::Vacant(slot) => {
                slot.insert(bucket);
            }
        }
    }

    fn into_buckets(self) -> impl Iterator<Item = F> {
        self.0.into_values()
    }
}

/// Appends `buckets` to their family's table of `resolution`.
async fn insert<F: Family>(tx: &mut sqlx::Transaction<'_, sqlx::Any>, buckets: &[F], resolution: Resolution) -> Result<(), StoreError> {
    let table = resolution.table::<F>();
    let columns: Vec<&str> = std::iter::once("bucket_start").chain(F::COLUMNS.iter().copied()).collect();
    let insert = Insert { table: &table, columns: &columns, on_conflict: "" };
    insert.run(tx, buckets, |query, bucket| bucket.bind(query.bind(bucket.start() as i64))).await
}

/// One operation of a service over a window.
#[derive(Clone, Debug)]
pub struct OperationStats {
    pub operation: String,
    pub stats: RedStats,
}

/// What one roll-up pass did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RollupReport {
    /// Hours merged from minutes in this pass.
    pub hours: u64,
    /// Minute and hour rows deleted for being older than their retention.
    pub deleted_rows: u64,
}

impl Store {
    /// Writes one drain of the engine in one transaction: all of it or none.
    pub async fn write_drained(&self, drained: &Drained) -> Result<(), StoreError> {
        if drained.is_empty() {
            return Ok(());
        }
        let mut tx = self.pool.begin().await?;
        insert(&mut tx, &drained.edges, Resolution::Minute).await?;
        insert(&mut tx, &drained.services, Resolution::Minute).await?;
        insert(&mut tx, &drained.operations, Resolution::Minute).await?;
        insert(&mut tx, &drained.callers, Resolution::Minute).await?;
        self.insert_deploys(&mut tx, drained).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Every edge with traffic in buckets starting at or after `since`, its
    /// stats merged over them; in edge order.
    pub async fn edges_since(&self, since_unix_secs: i64) -> Result<Vec<(Edge, EdgeStats)>, StoreError> {
        self.edges(since_unix_secs, Rows::All).await
    }

    /// [`Self::edges_since`] for the edges into or out of one node only.
    pub async fn edges_touching(&self, node: &NodeId, since_unix_secs: i64) -> Result<Vec<(Edge, EdgeStats)>, StoreError> {
        self.edges(since_unix_secs, Rows::Touching(node)).await
    }

    async fn edges(&self, since: i64, rows: Rows<'_>) -> Result<Vec<(Edge, EdgeStats)>, StoreError> {
        let mut edges: Vec<(Edge, EdgeStats)> =
            self.merged_since::<EdgeBucket>(since, rows).await?.into_iter().map(|b| (b.edge, b.stats)).collect();
        edges.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(edges)
    }

    /// Who called one service's operations in buckets starting at or after
    /// `since`, merged per caller and operation; most calls first.
    pub async fn callers_since(&self, service: &str, since_unix_secs: i64) -> Result<Vec<CallerBucket>, StoreError> {
        let mut callers = self.merged_since::<CallerBucket>(since_unix_secs, Rows::OfService(service)).await?;
        callers.sort_by(|a, b| b.calls.cmp(&a.calls).then_with(|| (&a.operation, &a.caller).cmp(&(&b.operation, &b.caller))));
        Ok(callers)
    }

    /// When each of a service's operations was last served since `since`:
    /// the start of its newest bucket (an hour's start once rolled up).
    pub async fn operations_last_seen(&self, service: &str, since_unix_secs: i64) -> Result<HashMap<String, i64>, StoreError> {
        let mut last_seen: HashMap<String, i64> = HashMap::new();
        for resolution in [Resolution::Hour, Resolution::Minute] {
            let sql = format!(
                "SELECT operation, MAX(bucket_start) AS last_seen FROM {} WHERE service = $1 AND bucket_start >= $2 GROUP BY operation",
                resolution.table::<OperationBucket>()
            );
            for row in sqlx::query(&sql).bind(service.to_string()).bind(since_unix_secs).fetch_all(&self.pool).await? {
                let at: i64 = row.try_get("last_seen")?;
                let entry = last_seen.entry(row.try_get("operation")?).or_insert(at);
                *entry = (*entry).max(at);
            }
        }
        Ok(last_seen)
    }

    /// One service's operations with traffic in buckets starting at or after
    /// `since`, merged per operation; busiest first.
    pub async fn operations_since(&self, service: &str, since_unix_secs: i64) -> Result<Vec<OperationStats>, StoreError> {
        let buckets = self.merged_since::<OperationBucket>(since_unix_secs, Rows::OfService(service)).await?;
        let mut operations: Vec<OperationStats> =
            buckets.into_iter().map(|b| OperationStats { operation: b.operation.to_string(), stats: b.stats }).collect();
        operations.sort_by(|a, b| b.stats.requests.cmp(&a.stats.requests).then_with(|| a.operation.cmp(&b.operation)));
        Ok(operations)
    }

    /// Every service's served requests (its SERVER and CONSUMER spans) in
    /// buckets starting at or after `since`, merged per service; by name.
    pub async fn services_since(&self, since_unix_secs: i64) -> Result<Vec<(Arc<str>, RedStats)>, StoreError> {
        let buckets = self.merged_since::<ServiceBucket>(since_unix_secs, Rows::All).await?;
        let mut services: Vec<_> = buckets.into_iter().map(|b| (b.service, b.stats)).collect();
        services.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(services)
    }

    /// Edge minute rows from `since` on, unmerged (the live graph's start after a restart).
    pub async fn edge_minutes_since(&self, since_unix_secs: i64) -> Result<Vec<EdgeBucket>, StoreError> {
        let mut buckets = Vec::new();
        self.each_row::<EdgeBucket>(Resolution::Minute, since_unix_secs, i64::MAX, Rows::All, |bucket| {
            buckets.push(bucket);
            Ok(())
        })
        .await?;
        Ok(buckets)
    }

    /// The buckets of family `F` from `since` to now merged per key: hours up
    /// to where the roll-up has got, minutes after that.
    async fn merged_since<F: Family>(&self, since: i64, rows: Rows<'_>) -> Result<Vec<F>, StoreError> {
        let mut merged = Merged::new();
        for (resolution, from, to) in self.plan(since).await? {
            self.each_row::<F>(resolution, from, to, rows, |bucket| {
                merged.add(bucket.key(), bucket);
                Ok(())
            })
            .await?;
        }
        Ok(merged.into_buckets().collect())
    }

    /// One service's served requests per minute, for minutes starting in
    /// `from..to` (unix seconds), each flush's rows merged; by minute.
    pub async fn service_minutes(&self, service: &str, from: i64, to: i64) -> Result<Vec<(u64, RedStats)>, StoreError> {
        let mut minutes: std::collections::BTreeMap<u64, RedStats> = std::collections::BTreeMap::new();
        self.each_row::<ServiceBucket>(Resolution::Minute, from, to, Rows::OfService(service), |bucket| {
            minutes.entry(bucket.bucket_start_unix_secs).or_default().merge(&bucket.stats);
            Ok(())
        })
        .await?;
        Ok(minutes.into_iter().collect())
    }

    /// One service's operations per minute, for minutes starting in
    /// `from..to`, each flush's rows of a minute merged: the operations' charts.
    pub async fn operation_minutes(&self, service: &str, from: i64, to: i64) -> Result<Vec<OperationBucket>, StoreError> {
        self.minutes_of(Rows::OfService(service), from, to).await
    }

    /// The minute buckets of every edge touching `node`, starting in
    /// `from..to`, merged per minute: the charts of its calls.
    pub async fn edge_minutes_touching(&self, node: &NodeId, from: i64, to: i64) -> Result<Vec<EdgeBucket>, StoreError> {
        self.minutes_of(Rows::Touching(node), from, to).await
    }

    /// Minute buckets of `F` for `rows`, merged per minute and key, by minute.
    async fn minutes_of<F: Family>(&self, rows: Rows<'_>, from: i64, to: i64) -> Result<Vec<F>, StoreError> {
        let mut merged = Merged::new();
        self.each_row::<F>(Resolution::Minute, from, to, rows, |bucket| {
            merged.add((bucket.start(), bucket.key()), bucket);
            Ok(())
        })
        .await?;
        let mut buckets: Vec<F> = merged.into_buckets().collect();
        buckets.sort_by_key(|b| b.start());
        Ok(buckets)
    }

    /// Every service's and operation's minute buckets starting in
    /// `from..to` (unix seconds), each flush's rows of a minute merged: what
    /// SLOs count, minute by minute.
    pub async fn red_minutes(&self, from: i64, to: i64) -> Result<(Vec<ServiceBucket>, Vec<OperationBucket>), StoreError> {
        let mut services = Merged::new();
        self.each_row::<ServiceBucket>(Resolution::Minute, from, to, Rows::All, |bucket| {
            services.add((bucket.start(), bucket.key()), bucket);
            Ok(())
        })
        .await?;
        let mut operations = Merged::new();
        self.each_row::<OperationBucket>(Resolution::Minute, from, to, Rows::All, |bucket| {
            operations.add((bucket.start(), bucket.key()), bucket);
            Ok(())
        })
        .await?;
        Ok((services.into_buckets().collect(), operations.into_buckets().collect()))
    }

    /// Calls `take` with each bucket of `F`'s `resolution` table starting in
    /// `from..to`, as rows arrive (a window's rows are never all held).
    async fn each_row<F: Family>(
        &self,
        resolution: Resolution,
        from: i64,
        to: i64,
        rows: Rows<'_>,
        mut take: impl FnMut(F) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        let sql = format!(
            "SELECT bucket_start, {} FROM {} WHERE bucket_start >= $1 AND bucket_start < $2{}",
            F::COLUMNS.join(", "),
            resolution.table::<F>(),
            rows.condition()
        );
        let mut stream = rows.bind(sqlx::query(&sql).bind(from).bind(to)).fetch(&self.pool);
        while let Some(row) = stream.try_next().await? {
            take(F::read(&row)?)?;
        }
        Ok(())
    }

    /// Which tables cover a read from `since` to now, without overlap: hours
    /// (from the hour `since` falls in) up to where the roll-up has got,
    /// minutes after that.
    async fn plan(&self, since: i64) -> Result<Vec<(Resolution, i64, i64)>, StoreError> {
        Ok(match self.rolled_up_until().await? {
            Some(done) if since < done => {
                vec![(Resolution::Hour, since - since.rem_euclid(HOUR), done), (Resolution::Minute, done, i64::MAX)]
            }
            _ => vec![(Resolution::Minute, since, i64::MAX)],
        })
    }

    async fn rolled_up_until(&self) -> Result<Option<i64>, StoreError> {
        let row = sqlx::query("SELECT done_until FROM rollups WHERE name = 'telemetry'").fetch_optional(&self.pool).await?;
        Ok(row.map(|row| row.try_get::<i64, _>("done_until")).transpose()?)
    }

    /// Merges every complete hour (complete `grace_secs` ago, so late spans
    /// are in) not yet rolled up into hour rows, then deletes minute rows
    /// older than `keep_minutes_secs` (only those already rolled up) and hour
    /// rows older than `keep_hours_secs`. Safe to run from several replicas:
    /// the hours and the new watermark are written in one transaction that
    /// starts by moving the watermark, so a second runner finds it moved.
    pub async fn roll_up(
        &self,
        now: i64,
        grace_secs: i64,
        keep_minutes_secs: i64,
        keep_hours_secs: i64,
    ) -> Result<RollupReport, StoreError> {
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
            self.roll_up_family::<EdgeBucket>(&mut tx, done, until).await?;
            self.roll_up_family::<ServiceBucket>(&mut tx, done, until).await?;
            self.roll_up_family::<OperationBucket>(&mut tx, done, until).await?;
            self.roll_up_family::<CallerBucket>(&mut tx, done, until).await?;
            report.hours = ((until - done) / HOUR) as u64;
        }
        tx.commit().await?;
        let minutes_before = (now - keep_minutes_secs).min(until.max(done));
        report.deleted_rows += self.delete_before::<EdgeBucket>(minutes_before, now - keep_hours_secs).await?;
        report.deleted_rows += self.delete_before::<ServiceBucket>(minutes_before, now - keep_hours_secs).await?;
        report.deleted_rows += self.delete_before::<OperationBucket>(minutes_before, now - keep_hours_secs).await?;
        report.deleted_rows += self.delete_before::<CallerBucket>(minutes_before, now - keep_hours_secs).await?;
        // SLO series are kept as long as the hours they were counted from.
        report.deleted_rows += self.delete_slo_hours_before(now - keep_hours_secs).await?;
        Ok(report)
    }

    /// `F`'s minutes in `from..to` merged into hour buckets (keys kept apart
    /// per hour) as rows arrive, then written.
    async fn roll_up_family<F: Family>(&self, tx: &mut sqlx::Transaction<'_, sqlx::Any>, from: i64, to: i64) -> Result<(), StoreError> {
        let mut hours = Merged::new();
        self.each_row::<F>(Resolution::Minute, from, to, Rows::All, |mut bucket| {
            let start = bucket.start();
            bucket.set_start(start - start % HOUR as u64);
            hours.add((bucket.start(), bucket.key()), bucket);
            Ok(())
        })
        .await?;
        insert(tx, &hours.into_buckets().collect::<Vec<F>>(), Resolution::Hour).await
    }

    /// Deletes `F`'s minute rows before `minutes` and hour rows before `hours`.
    async fn delete_before<F: Family>(&self, minutes: i64, hours: i64) -> Result<u64, StoreError> {
        let mut deleted = 0;
        for (resolution, before) in [(Resolution::Minute, minutes), (Resolution::Hour, hours)] {
            let sql = format!("DELETE FROM {} WHERE bucket_start < $1", resolution.table::<F>());
            deleted += sqlx::query(&sql).bind(before).execute(&self.pool).await?.rows_affected();
        }
        Ok(deleted)
    }

    async fn oldest_minute(&self) -> Result<Option<i64>, StoreError> {
        let mut oldest: Option<i64> = None;
        for table in [
            Resolution::Minute.table::<EdgeBucket>(),
            Resolution::Minute.table::<ServiceBucket>(),
            Resolution::Minute.table::<OperationBucket>(),
            Resolution::Minute.table::<CallerBucket>(),
        ] {
            let row = sqlx::query(&format!("SELECT MIN(bucket_start) AS oldest FROM {table}")).fetch_one(&self.pool).await?;
            if let Some(value) = row.try_get::<Option<i64>, _>("oldest")? {
                oldest = Some(oldest.map_or(value, |o| o.min(value)));
            }
        }
        Ok(oldest)
    }
}
