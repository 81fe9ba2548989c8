//! SLO series (an objective's good and total events per hour, minute by
//! minute, as [`slo::HourCounts`]) and the history of alert states.

use std::collections::HashMap;

use futures::TryStreamExt;
use slo::{Alert, Counts, HourCounts};
use sqlx::Row;

use super::insert::Insert;
use super::{IN_LIST_BATCH, Store, StoreError, count, in_list};

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
        tx.commit().await?;
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
        let mut rows = sqlx::query(
            "SELECT series, CAST(SUM(good) AS BIGINT) AS good, CAST(SUM(total) AS BIGINT) AS total \
             FROM slo_hours WHERE hour >= $1 AND hour < $2 GROUP BY series",
        )
        .bind(from)
        .bind(to)
        .fetch(&self.pool);
        let mut sums = HashMap::new();
        while let Some(row) = rows.try_next().await? {
            sums.insert(row.try_get("series")?, Counts::new(count(&row, "good")?, count(&row, "total")?));
        }
        Ok(sums)
    }

    /// Each series' hour totals from `from` on, by hour (for budget charts).
    pub async fn slo_hour_totals(&self, from: i64) -> Result<HashMap<String, Vec<(u64, Counts)>>, StoreError> {
        let mut rows =
            sqlx::query("SELECT series, hour, good, total FROM slo_hours WHERE hour >= $1 ORDER BY hour").bind(from).fetch(&self.pool);
        let mut totals: HashMap<String, Vec<(u64, Counts)>> = HashMap::new();
        while let Some(row) = rows.try_next().await? {
            let counts = Counts::new(count(&row, "good")?, count(&row, "total")?);
            totals.entry(row.try_get("series")?).or_default().push((count(&row, "hour")?, counts));
        }
        Ok(totals)
    }

    /// Forgets series hours older than `before` (unix seconds).
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
