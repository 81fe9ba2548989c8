//! SLO series (an objective's good and total events per hour, minute by
//! minute, as [`slo::HourCounts`]) and the history of alert states.
//!
//! Each hour's totals of every series are kept besides as one block
//! (`blocks`, family `slo`, as observed traffic is kept): a budget chart
//! and a window's sum read 28 days of 1,000 series as 672 rows, not
//! 672,000. An hour's block is rewritten whenever its series' hours are.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use futures::TryStreamExt;
use prost::encoding::encode_varint;
use slo::{Alert, Counts, HourCounts};
use sqlx::Row;

use super::buckets::family::{self, BlockStats, Family, number};
use super::buckets::plan::Resolution;
use super::buckets::{Rows, insert_block};
use super::insert::Insert;
use super::{IN_LIST_BATCH, Store, StoreError, count, in_list};

/// One series' totals of one hour, as its hour's block holds them.
pub(crate) struct SloHourTotal {
    hour: u64,
    series: Arc<str>,
    counts: Counts,
}

impl Family for SloHourTotal {
    const NAME: &'static str = "slo";
    type Key = Arc<str>;
    type Stats = Counts;

    fn start(&self) -> u64 {
        self.hour
    }
    fn key(&self) -> Arc<str> {
        self.series.clone()
    }
    fn stats(&self) -> Counts {
        self.counts
    }
    fn assemble(hour: u64, series: Arc<str>, counts: Counts) -> Self {
        SloHourTotal { hour, series, counts }
    }
    fn key_parts(series: &Arc<str>) -> Vec<String> {
        vec![series.to_string()]
    }
    fn key_from_parts(parts: &[String]) -> Option<Arc<str>> {
        match parts {
            [series] => Some(Arc::from(series.as_str())),
            _ => None,
        }
    }
    fn matches(_: &Arc<str>, rows: Rows<'_>) -> bool {
        matches!(rows, Rows::All)
    }
}

impl BlockStats for Counts {
    fn add(&mut self, other: &Self) {
        *self = Counts::new(self.good + other.good, self.total + other.total);
    }
    fn write(&self, out: &mut Vec<u8>) {
        encode_varint(self.good, out);
        encode_varint(self.total, out);
    }
    fn read(input: &mut &[u8]) -> Result<Self, StoreError> {
        Ok(Counts::new(number(input)?, number(input)?))
    }
    fn skip(input: &mut &[u8]) -> Result<(), StoreError> {
        family::skip_numbers(input, 2)
    }
}

/// The mark in `rollups` set once the hour totals of `slo_hours` written
/// before blocks were kept have been written as blocks.
const SLO_BLOCKS_MARK: &str = "slo-hour-blocks";

/// One change of an objective's alert state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AlertChange {
    pub slo: String,
    pub objective: usize,
    pub state: Alert,
    /// Unix seconds.
    pub at: i64,
}

fn hour_counts(row: &sqlx::any::AnyRow) -> Result<(String, HourCounts), StoreError> {
    let hour = count(row, "hour")?;
    let minutes: Vec<u8> = row.try_get("minutes")?;
    let counts = HourCounts::decode(hour, &minutes).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    Ok((row.try_get("series")?, counts))
}

impl Store {
    /// Writes these hours of these series, replacing what they held.
    pub async fn put_slo_hours(&self, hours: &[(String, HourCounts)]) -> Result<(), StoreError> {
        if hours.is_empty() {
            return Ok(());
        }
        let totals: Vec<(&str, u64, Counts)> = hours.iter().map(|(series, hour)| (series.as_str(), hour.hour, hour.total())).collect();
        let blocks = self.slo_blocks(&totals).await?;
        // The row upsert first: on SQLite it takes the write lock, so the
        // blocks' read, delete and insert after it cannot find the database
        // written under them (a read first would fail as locked).
        let mut tx = self.pool.begin().await?;
        let insert = Insert {
            table: "slo_hours",
            columns: &["series", "hour", "good", "total", "minutes"],
            on_conflict: "ON CONFLICT (series, hour) DO UPDATE SET good = excluded.good, total = excluded.total, minutes = excluded.minutes",
        };
        insert
            .run(&mut tx, hours, |query, (series, hour)| {
                let total = hour.total();
                Ok(query.bind(series.clone()).bind(hour.hour as i64).bind(total.good as i64).bind(total.total as i64).bind(hour.encode()))
            })
            .await?;
        self.replace_slo_blocks(&mut tx, blocks).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Each hour's new totals, by series id (series created where new).
    async fn slo_blocks(&self, totals: &[(&str, u64, Counts)]) -> Result<BTreeMap<u64, Vec<(u32, Counts)>>, StoreError> {
        let series: HashSet<Arc<str>> = totals.iter().map(|(series, _, _)| Arc::from(*series)).collect();
        let ids = self.ids_of::<SloHourTotal>(series).await?;
        let mut by_hour: BTreeMap<u64, Vec<(u32, Counts)>> = BTreeMap::new();
        for (series, hour, counts) in totals {
            let id = ids.get(*series).copied().ok_or_else(|| StoreError::Corrupt(format!("no series id for SLO series `{series}`")))?;
            by_hour.entry(*hour).or_default().push((id, *counts));
        }
        Ok(by_hour)
    }

    /// Rewrites each hour's block with these series' totals replaced.
    async fn replace_slo_blocks(
        &self,
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        by_hour: BTreeMap<u64, Vec<(u32, Counts)>>,
    ) -> Result<(), StoreError> {
        for (hour, totals) in by_hour {
            let mut block: HashMap<u32, Counts> = HashMap::new();
            let bodies = sqlx::query("SELECT body FROM blocks WHERE family = $1 AND resolution = $2 AND bucket_start = $3")
                .bind(SloHourTotal::NAME)
                .bind(Resolution::Hour.seconds())
                .bind(hour as i64)
                .fetch_all(&mut **tx)
                .await?;
            for row in bodies {
                family::decode_block(&row.try_get::<Vec<u8>, _>("body")?, None, |id, counts: Counts| {
                    block.insert(id, counts);
                })?;
            }
            block.extend(totals);
            sqlx::query("DELETE FROM blocks WHERE family = $1 AND resolution = $2 AND bucket_start = $3")
                .bind(SloHourTotal::NAME)
                .bind(Resolution::Hour.seconds())
                .bind(hour as i64)
                .execute(&mut **tx)
                .await?;
            insert_block(tx, SloHourTotal::NAME, Resolution::Hour, hour as i64, &family::encode_block(block.into_iter().collect()), None)
                .await?;
        }
        Ok(())
    }

    /// Every series' hours starting in `from..to` (unix seconds), minute by minute.
    pub async fn slo_hours(&self, from: i64, to: i64) -> Result<Vec<(String, HourCounts)>, StoreError> {
        let mut rows =
            sqlx::query("SELECT series, hour, minutes FROM slo_hours WHERE hour >= $1 AND hour < $2").bind(from).bind(to).fetch(&self.pool);
        let mut hours = Vec::new();
        while let Some(row) = rows.try_next().await? {
            hours.push(hour_counts(&row)?);
        }
        Ok(hours)
    }

    /// Every series' hours that start at one of `hours` (unix seconds), minute by minute.
    pub async fn slo_hours_at(&self, hours: &[u64]) -> Result<Vec<(String, HourCounts)>, StoreError> {
        let mut found = Vec::new();
        for chunk in hours.chunks(IN_LIST_BATCH) {
            let sql = format!("SELECT series, hour, minutes FROM slo_hours WHERE hour IN ({})", in_list(chunk.len()));
            let mut query = sqlx::query(&sql);
            for hour in chunk {
                query = query.bind(*hour as i64);
            }
            let mut rows = query.fetch(&self.pool);
            while let Some(row) = rows.try_next().await? {
                found.push(hour_counts(&row)?);
            }
        }
        Ok(found)
    }

    /// Every series' sum over the hours starting in `from..to`, without
    /// reading their minutes.
    pub async fn slo_sums(&self, from: i64, to: i64) -> Result<HashMap<String, Counts>, StoreError> {
        let mut sums: HashMap<u32, Counts> = HashMap::new();
        self.each_slo_hour(from, to, |_, id, counts| sums.entry(id).or_default().add(&counts)).await?;
        Ok(self.named::<SloHourTotal, _>(sums).await?.into_iter().map(|(series, counts)| (series.to_string(), counts)).collect())
    }

    /// Each series' hour totals from `from` on, by hour (for budget charts).
    pub async fn slo_hour_totals(&self, from: i64) -> Result<HashMap<String, Vec<(u64, Counts)>>, StoreError> {
        let mut totals: HashMap<u32, Vec<(u64, Counts)>> = HashMap::new();
        self.each_slo_hour(from, i64::MAX, |hour, id, counts| totals.entry(id).or_default().push((hour as u64, counts))).await?;
        Ok(self
            .named::<SloHourTotal, _>(totals)
            .await?
            .into_iter()
            .map(|(series, mut hours)| {
                hours.sort_unstable_by_key(|(hour, _)| *hour);
                (series.to_string(), hours)
            })
            .collect())
    }

    /// Every entry of the SLO hour blocks starting in `from..to`.
    async fn each_slo_hour(&self, from: i64, to: i64, take: impl FnMut(i64, u32, Counts)) -> Result<(), StoreError> {
        self.refresh_series::<SloHourTotal>(false).await?;
        self.each_block::<SloHourTotal>(Resolution::Hour, from, to, None, take).await
    }

    /// The hour totals `slo_hours` held before they were kept as blocks,
    /// written as blocks once (at start).
    pub(crate) async fn convert_legacy_slo_hours(&self) -> Result<(), StoreError> {
        if self.marks().await?.contains_key(SLO_BLOCKS_MARK) {
            return Ok(());
        }
        let rows = sqlx::query("SELECT series, hour, good, total FROM slo_hours").fetch_all(&self.pool).await?;
        let mut totals: Vec<(String, u64, Counts)> = Vec::with_capacity(rows.len());
        for row in &rows {
            totals.push((row.try_get("series")?, count(row, "hour")?, Counts::new(count(row, "good")?, count(row, "total")?)));
        }
        if !totals.is_empty() {
            tracing::info!("SLO series: {} hours of totals written as blocks", totals.len());
            let borrowed: Vec<(&str, u64, Counts)> =
                totals.iter().map(|(series, hour, counts)| (series.as_str(), *hour, *counts)).collect();
            let blocks = self.slo_blocks(&borrowed).await?;
            let mut tx = self.pool.begin().await?;
            self.replace_slo_blocks(&mut tx, blocks).await?;
            tx.commit().await?;
        }
        self.raise_mark(SLO_BLOCKS_MARK, 1).await
    }

    /// Forgets series hours older than `before` (unix seconds). Their
    /// totals' blocks go with every hour block in the roll-up's retention.
    pub async fn delete_slo_hours_before(&self, before: i64) -> Result<u64, StoreError> {
        Ok(sqlx::query("DELETE FROM slo_hours WHERE hour < $1").bind(before).execute(&self.pool).await?.rows_affected())
    }

    pub async fn record_alert(&self, change: &AlertChange) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO slo_alerts (slo, objective, state, at) VALUES ($1, $2, $3, $4)")
            .bind(change.slo.clone())
            .bind(change.objective as i64)
            .bind(change.state.as_str())
            .bind(change.at)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Alert changes from `since` (unix seconds) on, oldest first.
    pub async fn alert_history(&self, since: i64) -> Result<Vec<AlertChange>, StoreError> {
        let mut rows =
            sqlx::query("SELECT slo, objective, state, at FROM slo_alerts WHERE at >= $1 ORDER BY at").bind(since).fetch(&self.pool);
        let mut changes = Vec::new();
        while let Some(row) = rows.try_next().await? {
            let state: String = row.try_get("state")?;
            changes.push(AlertChange {
                slo: row.try_get("slo")?,
                objective: count(&row, "objective")? as usize,
                state: Alert::parse(&state).ok_or_else(|| StoreError::Corrupt(format!("unknown alert state `{state}`")))?,
                at: row.try_get("at")?,
            });
        }
        Ok(changes)
    }
}
