//! Deploys detected from `service.version` changes in traces, deploys
//! reported to Meridian, and every version each service has run (what a
//! restarted engine seeds its deploy detection from).

use std::collections::HashMap;
use std::sync::Arc;

use collector::{Deploy, Drained, VersionSeen};
use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;

use super::{IN_LIST_BATCH, Store, StoreError, count, in_list, text};
use crate::unix_seconds;

/// The advisory lock that makes replicas store deploys one at a time
/// (PostgreSQL): "deploys" in ASCII, read as a number.
const DEPLOYS_LOCK: i64 = 0x0064_6570_6c6f_7973;

/// Stores `deploy` unless a deploy of the same service to the same version
/// (and environment) is stored within the quiet period around it: another
/// replica saw the same deploy. The earlier sighting's time is kept. Two
/// writes and no read first: a SQLite transaction that reads before it
/// writes cannot wait for another writer, it fails at once.
async fn insert_deploy_once(tx: &mut sqlx::Transaction<'_, sqlx::Any>, deploy: &Deploy, detected_at: i64) -> Result<(), StoreError> {
    let at = deploy.at_unix_nanos as i64;
    let quiet = collector::engine::QUIET_PERIOD_NANOS as i64;
    let (service, from, to) = (deploy.service.to_string(), deploy.from_version.to_string(), deploy.to_version.to_string());
    let environment = deploy.environment.as_deref().map(str::to_string);
    // A later sighting of this deploy becomes this one.
    sqlx::query(
        "UPDATE deploys SET at_unix_nanos = $1, from_version = $2
         WHERE service = $3 AND to_version = $4 AND COALESCE(environment, '') = COALESCE($5, '')
           AND at_unix_nanos > $1 AND at_unix_nanos < $6",
    )
    .bind(at)
    .bind(from.clone())
    .bind(service.clone())
    .bind(to.clone())
    .bind(environment.clone())
    .bind(at.saturating_add(quiet))
    .execute(&mut **tx)
    .await?;
    sqlx::query(
        "INSERT INTO deploys (service, at_unix_nanos, from_version, to_version, environment, detected_at)
         SELECT $1, $2, $3, $4, $5, $6
         WHERE NOT EXISTS (SELECT 1 FROM deploys WHERE service = $1 AND to_version = $4
             AND COALESCE(environment, '') = COALESCE($5, '') AND at_unix_nanos > $7 AND at_unix_nanos < $8)",
    )
    .bind(service)
    .bind(at)
    .bind(from)
    .bind(to)
    .bind(environment)
    .bind(detected_at)
    .bind(at.saturating_sub(quiet))
    .bind(at.saturating_add(quiet))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

fn deploy(row: &AnyRow) -> Result<Deploy, StoreError> {
    Ok(Deploy {
        service: text(row, "service")?,
        at_unix_nanos: count(row, "at_unix_nanos")?,
        from_version: text(row, "from_version")?,
        to_version: text(row, "to_version")?,
        environment: row.try_get::<Option<String>, _>("environment")?.map(Arc::from),
    })
}

/// Where a deploy was learnt from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum DeploySource {
    /// A new `service.version` in the service's spans.
    Traces,
    /// `POST /api/v1/deploys`.
    Api,
    /// A GitHub deployment whose latest status is `success`.
    GithubDeployment,
    /// A published GitHub release.
    GithubRelease,
}

impl DeploySource {
    pub fn as_str(self) -> &'static str {
        match self {
            DeploySource::Traces => "traces",
            DeploySource::Api => "api",
            DeploySource::GithubDeployment => "github-deployment",
            DeploySource::GithubRelease => "github-release",
        }
    }

    fn parse(text: &str) -> Option<DeploySource> {
        [DeploySource::Traces, DeploySource::Api, DeploySource::GithubDeployment, DeploySource::GithubRelease]
            .into_iter()
            .find(|source| source.as_str() == text)
    }
}

/// A deploy as one source reported it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReportedDeploy {
    /// Who said so.
    pub source: DeploySource,
    pub service: String,
    pub version: String,
    pub environment: Option<String>,
    pub at_unix_secs: i64,
    pub commit: Option<String>,
    pub url: Option<String>,
}

impl Store {
    /// Stores a reported deploy; the same source reporting the same service,
    /// version and environment again replaces it.
    pub async fn report_deploy(&self, deploy: &ReportedDeploy) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO reported_deploys (source, service, version, environment, at_unix_secs, commit_sha, url)
             VALUES ($1, $2, $3, $4, $5, $6, $7)
             ON CONFLICT (source, service, version, environment) DO UPDATE SET
                 at_unix_secs = excluded.at_unix_secs, commit_sha = excluded.commit_sha, url = excluded.url",
        )
        .bind(deploy.source.as_str())
        .bind(deploy.service.clone())
        .bind(deploy.version.clone())
        .bind(deploy.environment.clone().unwrap_or_default())
        .bind(deploy.at_unix_secs)
        .bind(deploy.commit.clone())
        .bind(deploy.url.clone())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Records when a commit was made (a commit has one time: kept once).
    pub async fn record_commit_time(&self, sha: &str, at_unix_secs: i64) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO commit_times (sha, at_unix_secs) VALUES ($1, $2) ON CONFLICT (sha) DO NOTHING")
            .bind(sha.to_string())
            .bind(at_unix_secs)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// When each of `shas` was made, where known.
    pub async fn commit_times(&self, shas: &[String]) -> Result<std::collections::HashMap<String, i64>, StoreError> {
        let mut times = std::collections::HashMap::new();
        for chunk in shas.chunks(IN_LIST_BATCH) {
            let sql = format!("SELECT sha, at_unix_secs FROM commit_times WHERE sha IN ({})", in_list(chunk.len()));
            let mut query = sqlx::query(&sql);
            for sha in chunk {
                query = query.bind(sha.clone());
            }
            for row in query.fetch_all(&self.pool).await? {
                times.insert(row.try_get("sha")?, row.try_get("at_unix_secs")?);
            }
        }
        Ok(times)
    }

    /// Reported deploys from `since` (unix seconds) on, of one service or all, oldest first.
    pub async fn reported_deploys(&self, service: Option<&str>, since: i64) -> Result<Vec<ReportedDeploy>, StoreError> {
        let sql = "SELECT source, service, version, environment, at_unix_secs, commit_sha, url FROM reported_deploys
                   WHERE at_unix_secs >= $1 AND ($2 = '' OR service = $2) ORDER BY at_unix_secs";
        let rows = sqlx::query(sql).bind(since).bind(service.unwrap_or_default().to_string()).fetch_all(&self.pool).await?;
        rows.iter()
            .map(|row| {
                let environment: String = row.try_get("environment")?;
                let source: String = row.try_get("source")?;
                Ok(ReportedDeploy {
                    source: DeploySource::parse(&source)
                        .ok_or_else(|| StoreError::Corrupt(format!("reported deploy from an unknown source `{source}`")))?,
                    service: row.try_get("service")?,
                    version: row.try_get("version")?,
                    environment: (!environment.is_empty()).then_some(environment),
                    at_unix_secs: row.try_get("at_unix_secs")?,
                    commit: row.try_get("commit_sha")?,
                    url: row.try_get("url")?,
                })
            })
            .collect()
    }

    /// Every service's last deploy, detected or reported, in unix seconds:
    /// one query (the scorecards' pass reads it for every service at once).
    pub async fn last_deploys(&self) -> Result<HashMap<String, i64>, StoreError> {
        let sql = "SELECT service, MAX(at_unix_nanos) / 1000000000 AS at FROM deploys GROUP BY service
                   UNION ALL SELECT service, MAX(at_unix_secs) AS at FROM reported_deploys GROUP BY service";
        let mut last: HashMap<String, i64> = HashMap::new();
        for row in sqlx::query(sql).fetch_all(&self.pool).await? {
            let (service, at): (String, i64) = (row.try_get("service")?, row.try_get("at")?);
            let kept = last.entry(service).or_insert(at);
            *kept = (*kept).max(at);
        }
        Ok(last)
    }

    /// Deploys detected from `since` (unix nanoseconds) on, of one service or all, oldest first.
    pub async fn deploys_since(&self, service: Option<&str>, since_unix_nanos: i64) -> Result<Vec<Deploy>, StoreError> {
        let sql = "SELECT service, at_unix_nanos, from_version, to_version, environment FROM deploys
                   WHERE at_unix_nanos >= $1 AND ($2 = '' OR service = $2) ORDER BY at_unix_nanos";
        let rows = sqlx::query(sql).bind(since_unix_nanos).bind(service.unwrap_or_default().to_string()).fetch_all(&self.pool).await?;
        rows.iter().map(deploy).collect()
    }

    /// The deploys and versions of a drain, in the caller's transaction.
    pub(super) async fn insert_deploys(&self, tx: &mut sqlx::Transaction<'_, sqlx::Any>, drained: &Drained) -> Result<(), StoreError> {
        if !drained.deploys.is_empty() {
            // Replicas sharing traffic each see a deploy, often in the same
            // second: they take turns, and the second finds the first's row.
            if self.postgres_url.is_some() {
                sqlx::query("SELECT pg_advisory_xact_lock($1)").bind(DEPLOYS_LOCK).execute(&mut **tx).await?;
            }
            let detected_at = unix_seconds();
            for deploy in &drained.deploys {
                insert_deploy_once(tx, deploy, detected_at).await?;
            }
        }
        for v in &drained.versions {
            // One row at a time: a drain may see a version twice (a retried
            // flush), and one statement may not update a row twice. The newest
            // sighting wins; an environment once known stays.
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

    /// Every version of every service ever seen, with its latest sighting.
    pub async fn service_versions(&self) -> Result<Vec<VersionSeen>, StoreError> {
        let rows =
            sqlx::query("SELECT service, version, environment, last_seen_unix_nanos FROM service_versions ORDER BY service, version")
                .fetch_all(&self.pool)
                .await?;
        rows.iter()
            .map(|row| {
                Ok(VersionSeen {
                    service: text(row, "service")?,
                    version: text(row, "version")?,
                    environment: row.try_get::<Option<String>, _>("environment")?.map(Arc::from),
                    last_seen_unix_nanos: count(row, "last_seen_unix_nanos")?,
                })
            })
            .collect()
    }

    /// The latest `limit` deploys of any service, newest first.
    pub async fn recent_deploys(&self, limit: u32) -> Result<Vec<Deploy>, StoreError> {
        let sql = "SELECT service, at_unix_nanos, from_version, to_version, environment FROM deploys ORDER BY at_unix_nanos DESC LIMIT $1";
        sqlx::query(sql).bind(i64::from(limit)).fetch_all(&self.pool).await?.iter().map(deploy).collect()
    }
}
