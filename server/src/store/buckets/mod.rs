//! What the collector measured, in four families of buckets: edges,
//! services, operations and operations' callers, stored as **blocks**: one
//! row of `blocks` holds every key of one family for one bucket, keys as
//! ids of `series` (names stored once), stats as varints and sparse
//! latency histograms ([`family`]). Each flush appends one minute block per
//! family and minute it saw, tagged as its process's (open); the writer
//! merges its open blocks of a minute into one when they pile up and once
//! the minute is over, then clears the tag ([`Store::write_drained`]), so a
//! read of recent minutes decodes about one block a minute per replica.
//! Once ten minutes are complete (plus a grace period for late spans) their
//! minute blocks are compacted (one a minute) and merged into a ten-minute
//! block; complete hours into hour blocks, complete days into day blocks
//! ([`Store::roll_up`]).
//!
//! A read covers its window with the coarsest aligned blocks each stretch
//! of it has and finer ones at its edges ([`plan`]), so a 30-day window
//! reads some eighty blocks, not forty thousand minutes; it merges entries
//! by series id as blocks arrive, and names them once at the end.
//!
//! The per-key tables of earlier versions (`edge_minutes`, `edge_hours`, ...)
//! are converted into blocks at start ([`legacy`]).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use collector::{CallerBucket, Drained, Edge, EdgeBucket, EdgeStats, NodeId, OperationBucket, RedStats, ServiceBucket};
use futures::TryStreamExt;
use sqlx::Row;

use super::{Store, StoreError};

pub(super) mod family;
mod legacy;
pub(super) mod plan;
mod series;

use family::BlockStats;
pub(crate) use family::Family;
use plan::{Levels, Resolution, plan};
pub(crate) use series::SeriesCache;

/// Which keys of a family a read takes, besides their time range.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Rows<'a> {
    All,
    /// Of one service: its operations, the callers of its operations, the
    /// edges into it.
    OfService(&'a str),
    /// Edges into or out of one node.
    Touching(&'a NodeId),
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
    /// Hours merged into hour blocks in this pass.
    pub hours: u64,
    /// Blocks deleted for being older than their retention, or compacted.
    pub deleted_rows: u64,
}

/// Entries merged by series id.
pub(super) struct Merged<S>(HashMap<u32, S>);

impl<S: BlockStats> Merged<S> {
    pub(super) fn new() -> Self {
        Self(HashMap::new())
    }

    pub(super) fn add(&mut self, id: u32, stats: S) {
        match self.0.get_mut(&id) {
            Some(kept) => kept.add(&stats),
            None => {
                self.0.insert(id, stats);
            }
        }
    }

    pub(super) fn into_block(self) -> Vec<u8> {
        family::encode_block(self.0.into_iter().collect())
    }
}

/// Observed traffic's families (SLO totals are blocks too), as `$1`–`$4`
/// of a query bound by [`traffic_families`].
const TRAFFIC_FAMILIES: &str = "family IN ($1, $2, $3, $4)";

fn traffic_families(query: &str) -> super::insert::AnyQuery<'_> {
    sqlx::query(query).bind(EdgeBucket::NAME).bind(ServiceBucket::NAME).bind(OperationBucket::NAME).bind(CallerBucket::NAME)
}

/// A writer merges its open blocks of one minute once it has this many: in
/// a busy minute of a large organisation every flush's block holds most
/// keys, and each read of it decodes them all.
const OPEN_BLOCKS_MAX: i64 = 4;
/// A minute's open blocks are merged and closed this long after it starts:
/// its end, plus time for exporters' batches and pairing to arrive.
const CLOSE_MINUTE_AFTER_SECS: i64 = 120;

impl Store {
    /// Writes one drain of the engine in one transaction: all of it or none.
    /// Its blocks are open (tagged with this store's writer), and the
    /// writer's open blocks are compacted in the same transaction
    /// ([`Self::compact_open`]).
    pub async fn write_drained(&self, drained: &Drained) -> Result<(), StoreError> {
        if drained.is_empty() {
            return Ok(());
        }
        let edges = self.blocks_of(&drained.edges).await?;
        let services = self.blocks_of(&drained.services).await?;
        let operations = self.blocks_of(&drained.operations).await?;
        let callers = self.blocks_of(&drained.callers).await?;
        let mut tx = self.pool.begin().await?;
        let mut written = HashSet::new();
        for (family, start, body) in edges.iter().chain(&services).chain(&operations).chain(&callers) {
            insert_block(&mut tx, family, Resolution::Minute, *start, body, Some(self.writer)).await?;
            written.insert((*family, *start));
        }
        self.insert_deploys(&mut tx, drained).await?;
        self.compact_open(&mut tx, &written, crate::unix_seconds()).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Merges this writer's open blocks of a minute into one when there are
    /// [`OPEN_BLOCKS_MAX`] of them, and closes (merged, untagged) those of
    /// minutes over for [`CLOSE_MINUTE_AFTER_SECS`] that this flush did not
    /// write to (a client whose clock is minutes behind keeps writing to
    /// minutes that are over: they stay open while it does). Only this
    /// writer's rows are touched, so replicas never merge each other's.
    async fn compact_open(
        &self,
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        written: &HashSet<(&str, i64)>,
        now: i64,
    ) -> Result<(), StoreError> {
        let open =
            sqlx::query("SELECT family, bucket_start, COUNT(*) AS blocks FROM blocks WHERE writer = $1 GROUP BY family, bucket_start")
                .bind(self.writer)
                .fetch_all(&mut **tx)
                .await?;
        for row in open {
            let (family, start, blocks): (String, i64, i64) =
                (row.try_get("family")?, row.try_get("bucket_start")?, row.try_get("blocks")?);
            let over = start + CLOSE_MINUTE_AFTER_SECS <= now && !written.contains(&(family.as_str(), start));
            if over && blocks == 1 {
                sqlx::query("UPDATE blocks SET writer = NULL WHERE writer = $1 AND family = $2 AND bucket_start = $3")
                    .bind(self.writer)
                    .bind(&family)
                    .bind(start)
                    .execute(&mut **tx)
                    .await?;
            } else if over || blocks >= OPEN_BLOCKS_MAX {
                let writer = (!over).then_some(self.writer);
                match family.as_str() {
                    EdgeBucket::NAME => self.merge_open::<EdgeBucket>(tx, start, writer).await?,
                    ServiceBucket::NAME => self.merge_open::<ServiceBucket>(tx, start, writer).await?,
                    OperationBucket::NAME => self.merge_open::<OperationBucket>(tx, start, writer).await?,
                    CallerBucket::NAME => self.merge_open::<CallerBucket>(tx, start, writer).await?,
                    other => return Err(StoreError::Corrupt(format!("an open block of an unknown family {other:?}"))),
                }
            }
        }
        Ok(())
    }

    /// Replaces this writer's open blocks of `F` for the minute at `start`
    /// with one, tagged `writer` (`None`: closed).
    async fn merge_open<F: Family>(
        &self,
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        start: i64,
        writer: Option<i64>,
    ) -> Result<(), StoreError> {
        let bodies: Vec<Vec<u8>> = sqlx::query_scalar("SELECT body FROM blocks WHERE writer = $1 AND family = $2 AND bucket_start = $3")
            .bind(self.writer)
            .bind(F::NAME)
            .bind(start)
            .fetch_all(&mut **tx)
            .await?;
        let mut merged = Merged::<F::Stats>::new();
        for body in &bodies {
            family::decode_block(body, None, |id, stats| merged.add(id, stats))?;
        }
        sqlx::query("DELETE FROM blocks WHERE writer = $1 AND family = $2 AND bucket_start = $3")
            .bind(self.writer)
            .bind(F::NAME)
            .bind(start)
            .execute(&mut **tx)
            .await?;
        insert_block(tx, F::NAME, Resolution::Minute, start, &merged.into_block(), writer).await
    }

    /// Minute blocks of `buckets` (one per minute they start in), their keys' series created first.
    async fn blocks_of<F: Family>(&self, buckets: &[F]) -> Result<Vec<(&'static str, i64, Vec<u8>)>, StoreError> {
        if buckets.is_empty() {
            return Ok(Vec::new());
        }
        let ids = self.ids_of::<F>(buckets.iter().map(F::key).collect()).await?;
        let mut minutes: BTreeMap<i64, Merged<F::Stats>> = BTreeMap::new();
        for bucket in buckets {
            let start = Resolution::Minute.floor(bucket.start() as i64);
            let id = ids.get(&bucket.key()).copied().ok_or_else(|| StoreError::Corrupt(format!("no series id for a {} key", F::NAME)))?;
            minutes.entry(start).or_insert_with(Merged::new).add(id, bucket.stats());
        }
        Ok(minutes.into_iter().map(|(start, merged)| (F::NAME, start, merged.into_block())).collect())
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
    /// the start of its newest bucket (a ten minutes', hour's or day's start
    /// once rolled up).
    pub async fn operations_last_seen(&self, service: &str, since_unix_secs: i64) -> Result<HashMap<String, i64>, StoreError> {
        let mut last_seen: HashMap<u32, i64> = HashMap::new();
        self.each_entry::<OperationBucket>(since_unix_secs, Rows::OfService(service), |start, id, _| {
            let seen = last_seen.entry(id).or_insert(start);
            *seen = (*seen).max(start);
        })
        .await?;
        Ok(self.named::<OperationBucket, _>(last_seen).await?.into_iter().map(|((_, operation), at)| (operation.to_string(), at)).collect())
    }

    /// Every service's operations with traffic in buckets starting at or
    /// after `since`: (service, operation), in no order.
    pub async fn served_operations_since(&self, since_unix_secs: i64) -> Result<Vec<(Arc<str>, Arc<str>)>, StoreError> {
        let mut seen: HashMap<u32, ()> = HashMap::new();
        self.each_entry::<OperationBucket>(since_unix_secs, Rows::All, |_, id, _| {
            seen.insert(id, ());
        })
        .await?;
        Ok(self.named::<OperationBucket, _>(seen).await?.into_iter().map(|(key, ())| key).collect())
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

    /// Edge minute buckets starting in `from..to`, one per edge and minute
    /// (the live graph's start after a restart, a minute at a time).
    pub async fn edge_minutes(&self, from: i64, to: i64) -> Result<Vec<EdgeBucket>, StoreError> {
        self.minutes_of(Rows::All, from, to).await
    }

    /// One service's served requests per minute, for minutes starting in
    /// `from..to` (unix seconds), each flush's blocks merged; by minute.
    pub async fn service_minutes(&self, service: &str, from: i64, to: i64) -> Result<Vec<(u64, RedStats)>, StoreError> {
        let buckets: Vec<ServiceBucket> = self.minutes_of(Rows::OfService(service), from, to).await?;
        Ok(buckets.into_iter().map(|b| (b.bucket_start_unix_secs, b.stats)).collect())
    }

    /// One service's operations per minute, for minutes starting in
    /// `from..to`, each flush's blocks of a minute merged: the operations' charts.
    pub async fn operation_minutes(&self, service: &str, from: i64, to: i64) -> Result<Vec<OperationBucket>, StoreError> {
        self.minutes_of(Rows::OfService(service), from, to).await
    }

    /// The minute buckets of every edge touching `node`, starting in
    /// `from..to`, merged per minute: the charts of its calls.
    pub async fn edge_minutes_touching(&self, node: &NodeId, from: i64, to: i64) -> Result<Vec<EdgeBucket>, StoreError> {
        self.minutes_of(Rows::Touching(node), from, to).await
    }

    /// Every service's and operation's minute buckets starting in
    /// `from..to` (unix seconds), each flush's blocks of a minute merged:
    /// what SLOs count, minute by minute.
    pub async fn red_minutes(&self, from: i64, to: i64) -> Result<(Vec<ServiceBucket>, Vec<OperationBucket>), StoreError> {
        Ok((self.minutes_of(Rows::All, from, to).await?, self.minutes_of(Rows::All, from, to).await?))
    }

    /// The buckets of family `F` from `since` to now merged per key.
    async fn merged_since<F: Family>(&self, since: i64, rows: Rows<'_>) -> Result<Vec<F>, StoreError> {
        let mut merged = Merged::new();
        self.each_entry::<F>(since, rows, |_, id, stats| merged.add(id, stats)).await?;
        let named = self.named::<F, _>(merged.0).await?;
        Ok(named.into_iter().map(|(key, stats)| F::assemble(since.max(0) as u64, key, stats)).collect())
    }

    /// Minute buckets of `F` for `rows` starting in `from..to`, merged per
    /// minute and key; by minute.
    async fn minutes_of<F: Family>(&self, rows: Rows<'_>, from: i64, to: i64) -> Result<Vec<F>, StoreError> {
        let wanted = self.wanted::<F>(rows).await?;
        let mut minutes: BTreeMap<i64, Merged<F::Stats>> = BTreeMap::new();
        self.each_block::<F>(Resolution::Minute, from, to, wanted.as_ref(), |start, id, stats| {
            minutes.entry(start).or_insert_with(Merged::new).add(id, stats)
        })
        .await?;
        let ids: Vec<u32> = minutes.values().flat_map(|m| m.0.keys().copied()).collect::<HashSet<_>>().into_iter().collect();
        let keys = self.keys_of::<F>(&ids).await?;
        let mut buckets = Vec::new();
        for (start, merged) in minutes {
            buckets.extend(merged.0.into_iter().filter_map(|(id, stats)| Some(F::assemble(start as u64, keys.get(&id)?.clone(), stats))));
        }
        Ok(buckets)
    }

    /// Calls `take` with every entry of the blocks that cover `since` to
    /// now, with its block's start.
    async fn each_entry<F: Family>(&self, since: i64, rows: Rows<'_>, mut take: impl FnMut(i64, u32, F::Stats)) -> Result<(), StoreError> {
        let wanted = self.wanted::<F>(rows).await?;
        for (resolution, from, to) in plan(since, &self.levels().await?) {
            self.each_block::<F>(resolution, from, to, wanted.as_ref(), &mut take).await?;
        }
        Ok(())
    }

    /// The ids a read of `rows` takes (`None`: every one), from the series
    /// as they are now (another replica may have added some).
    async fn wanted<F: Family>(&self, rows: Rows<'_>) -> Result<Option<HashSet<u32>>, StoreError> {
        self.refresh_series::<F>(false).await?;
        Ok(self.ids_matching::<F>(rows))
    }

    /// Calls `take` with each entry (of `wanted` ids, if given) of `F`'s
    /// blocks of `resolution` starting in `from..to`, as rows arrive.
    pub(super) async fn each_block<F: Family>(
        &self,
        resolution: Resolution,
        from: i64,
        to: i64,
        wanted: Option<&HashSet<u32>>,
        mut take: impl FnMut(i64, u32, F::Stats),
    ) -> Result<(), StoreError> {
        let mut stream = blocks_in(F::NAME, resolution, from, to).fetch(&self.pool);
        while let Some(row) = stream.try_next().await? {
            let start: i64 = row.try_get("bucket_start")?;
            let body: Vec<u8> = row.try_get("body")?;
            family::decode_block(&body, wanted, |id, stats| take(start, id, stats))?;
            // A block is a millisecond of decoding: let exports and other
            // requests on this worker run between blocks.
            tokio::task::yield_now().await;
        }
        Ok(())
    }

    /// How far the roll-ups have got and how far back blocks are kept.
    async fn levels(&self) -> Result<Levels, StoreError> {
        let marks = self.marks().await?;
        let mark = |name: &str, otherwise: i64| marks.get(name).copied().unwrap_or(otherwise);
        Ok(Levels {
            tens_done: mark(Resolution::TenMinutes.done_name(), 0),
            hours_done: mark(Resolution::Hour.done_name(), 0),
            days_done: mark(Resolution::Day.done_name(), 0),
            minutes_kept_from: mark(Resolution::Minute.kept_name(), i64::MIN),
            tens_kept_from: mark(Resolution::TenMinutes.kept_name(), i64::MIN),
            hours_kept_from: mark(Resolution::Hour.kept_name(), i64::MIN),
        })
    }

    pub(super) async fn marks(&self) -> Result<HashMap<String, i64>, StoreError> {
        let rows = sqlx::query("SELECT name, done_until FROM rollups").fetch_all(&self.pool).await?;
        rows.iter().map(|row| Ok((row.try_get("name")?, row.try_get("done_until")?))).collect()
    }

    /// Rolls up what is complete (`grace_secs` ago, so late spans are in):
    /// ten minutes of minute blocks into one ten-minute block (each minute's
    /// flush blocks compacted into one), hours of ten-minute blocks, days of
    /// hour blocks. Then deletes blocks older than `keep_secs` says (minutes,
    /// ten minutes, hours and days): minutes only once rolled up. Safe to run from several replicas: each level's
    /// blocks and its new watermark are written in one transaction that
    /// starts by moving the watermark, so a second runner finds it moved.
    pub async fn roll_up(&self, now: i64, grace_secs: i64, keep_secs: [i64; 3]) -> Result<RollupReport, StoreError> {
        let [keep_minutes, keep_tens, keep_hours] = keep_secs;
        let mut report = RollupReport::default();
        let tens_until = Resolution::TenMinutes.floor(now - grace_secs);
        let tens_done = self.roll_up_level(Resolution::TenMinutes, tens_until, &mut report).await?;
        let hours_done = self.roll_up_level(Resolution::Hour, Resolution::Hour.floor(tens_done), &mut report).await?;
        self.roll_up_level(Resolution::Day, Resolution::Day.floor(hours_done), &mut report).await?;

        for (resolution, before) in [
            (Resolution::Minute, (now - keep_minutes).min(tens_done)),
            (Resolution::TenMinutes, now - keep_tens),
            (Resolution::Hour, now - keep_hours),
            (Resolution::Day, now - keep_hours),
        ] {
            let deleted = sqlx::query("DELETE FROM blocks WHERE resolution = $1 AND bucket_start < $2")
                .bind(resolution.seconds())
                .bind(before)
                .execute(&self.pool)
                .await?
                .rows_affected();
            report.deleted_rows += deleted;
            self.raise_mark(resolution.kept_name(), before).await?;
        }
        // SLO series are kept as long as the hours they were counted from.
        report.deleted_rows += self.delete_slo_hours_before(now - keep_hours).await?;
        Ok(report)
    }

    /// Sets a watermark to `to` unless it is already further.
    pub(super) async fn raise_mark(&self, name: &str, to: i64) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO rollups (name, done_until) VALUES ($1, $2)
             ON CONFLICT (name) DO UPDATE SET done_until = excluded.done_until WHERE rollups.done_until < excluded.done_until",
        )
        .bind(name)
        .bind(to)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Rolls `into`'s finer blocks up to `until` into `into` blocks, from
    /// where that roll-up got (else the oldest finer block); returns how far
    /// it is done now.
    async fn roll_up_level(&self, into: Resolution, until: i64, report: &mut RollupReport) -> Result<i64, StoreError> {
        let finer = into.finer().unwrap_or(Resolution::Minute);
        let done = match self.marks().await?.get(into.done_name()) {
            Some(&done) => done,
            None => self.oldest_block(finer).await?.map_or(until, |oldest| into.floor(oldest)).min(until),
        };
        let mut tx = self.pool.begin().await?;
        // Claim the range first: a concurrent runner's claim of the same range fails or waits.
        let claimed = sqlx::query(
            "INSERT INTO rollups (name, done_until) VALUES ($1, $2)
             ON CONFLICT (name) DO UPDATE SET done_until = excluded.done_until WHERE rollups.done_until = $3",
        )
        .bind(into.done_name())
        .bind(until.max(done))
        .bind(done)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if claimed != 1 {
            tx.commit().await?;
            return Ok(self.marks().await?.get(into.done_name()).copied().unwrap_or(done));
        }
        if self.postgres_url.is_some() {
            // Writers wait until the roll-up commits: a late block a replica
            // wrote between its read and its delete would be deleted unread.
            // (SQLite's one writer at a time already makes it so.)
            sqlx::query("LOCK TABLE blocks IN SHARE ROW EXCLUSIVE MODE").execute(&mut *tx).await?;
        }
        // Only the buckets that hold blocks: spans from a client whose clock
        // is years behind must not make a roll-up walk those years.
        let sql = format!(
            "SELECT DISTINCT bucket_start FROM blocks WHERE {TRAFFIC_FAMILIES} AND resolution = $5 AND bucket_start >= $6 AND bucket_start < $7"
        );
        let starts = traffic_families(&sql).bind(finer.seconds()).bind(done).bind(until).fetch_all(&mut *tx).await?;
        let mut spans = std::collections::BTreeSet::new();
        for row in starts {
            spans.insert(into.floor(row.try_get::<i64, _>("bucket_start")?));
        }
        for start in spans {
            let end = start + into.seconds();
            report.deleted_rows += self.roll_up_family::<EdgeBucket>(&mut tx, finer, into, start, end).await?;
            report.deleted_rows += self.roll_up_family::<ServiceBucket>(&mut tx, finer, into, start, end).await?;
            report.deleted_rows += self.roll_up_family::<OperationBucket>(&mut tx, finer, into, start, end).await?;
            report.deleted_rows += self.roll_up_family::<CallerBucket>(&mut tx, finer, into, start, end).await?;
        }
        if into == Resolution::Hour && until > done {
            report.hours += ((until - done) / into.seconds()) as u64;
        }
        tx.commit().await?;
        Ok(until.max(done))
    }

    /// `F`'s `finer` blocks in `start..end` merged into one `into` block;
    /// minute blocks are compacted to one a minute too. Returns the blocks
    /// the compaction replaced.
    async fn roll_up_family<F: Family>(
        &self,
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        finer: Resolution,
        into: Resolution,
        start: i64,
        end: i64,
    ) -> Result<u64, StoreError> {
        let mut whole = Merged::new();
        let mut minutes: BTreeMap<i64, Merged<F::Stats>> = BTreeMap::new();
        let mut blocks = 0u64;
        let mut rows = blocks_in(F::NAME, finer, start, end).fetch(&mut **tx);
        let mut bodies = Vec::new();
        while let Some(row) = rows.try_next().await? {
            bodies.push((row.try_get::<i64, _>("bucket_start")?, row.try_get::<Vec<u8>, _>("body")?));
        }
        drop(rows);
        for (at, body) in bodies {
            blocks += 1;
            family::decode_block(&body, None, |id, stats: F::Stats| {
                if finer == Resolution::Minute {
                    minutes.entry(at).or_insert_with(Merged::new).add(id, stats.clone());
                }
                whole.add(id, stats);
            })?;
        }
        if whole.0.is_empty() {
            return Ok(0);
        }
        let mut replaced = 0;
        if finer == Resolution::Minute && blocks > minutes.len() as u64 {
            sqlx::query("DELETE FROM blocks WHERE family = $1 AND resolution = $2 AND bucket_start >= $3 AND bucket_start < $4")
                .bind(F::NAME)
                .bind(finer.seconds())
                .bind(start)
                .bind(end)
                .execute(&mut **tx)
                .await?;
            for (at, merged) in minutes {
                insert_block(tx, F::NAME, Resolution::Minute, at, &merged.into_block(), None).await?;
            }
            replaced = blocks;
        }
        insert_block(tx, F::NAME, into, start, &whole.into_block(), None).await?;
        Ok(replaced)
    }

    async fn oldest_block(&self, resolution: Resolution) -> Result<Option<i64>, StoreError> {
        let sql = format!("SELECT MIN(bucket_start) AS oldest FROM blocks WHERE {TRAFFIC_FAMILIES} AND resolution = $5");
        let row = traffic_families(&sql).bind(resolution.seconds()).fetch_one(&self.pool).await?;
        Ok(row.try_get::<Option<i64>, _>("oldest")?)
    }
}

/// The start and body of `family`'s blocks of `resolution` starting in `from..to`.
fn blocks_in(family: &str, resolution: Resolution, from: i64, to: i64) -> super::insert::AnyQuery<'_> {
    sqlx::query("SELECT bucket_start, body FROM blocks WHERE family = $1 AND resolution = $2 AND bucket_start >= $3 AND bucket_start < $4")
        .bind(family)
        .bind(resolution.seconds())
        .bind(from)
        .bind(to)
}

/// Inserts a block; `writer` tags a flush's open minute block (`None`: closed).
pub(super) async fn insert_block(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    family: &str,
    resolution: Resolution,
    start: i64,
    body: &[u8],
    writer: Option<i64>,
) -> Result<(), StoreError> {
    sqlx::query("INSERT INTO blocks (family, resolution, bucket_start, body, writer) VALUES ($1, $2, $3, $4, $5)")
        .bind(family)
        .bind(resolution.seconds())
        .bind(start)
        .bind(body)
        .bind(writer)
        .execute(&mut **tx)
        .await?;
    Ok(())
}
