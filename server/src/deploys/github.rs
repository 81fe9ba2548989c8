//! GitHub through octocrab: for each component annotated
//! `github.com/project-slug: OWNER/REPO`, its deployments (with their latest
//! status; a deployment counts once a status says `success`) and its
//! releases (published, not drafts), every `--github-poll-secs`.
//!
//! - Conditional requests: each list is asked with the ETag of its last
//!   answer; `304 Not Modified` costs no rate limit and no work.
//! - Rate limits: a 403 or 429 that says so (`Retry-After`, or
//!   `x-ratelimit-remaining: 0` with `x-ratelimit-reset`) stops the poll
//!   until then; GitHub out of reach stops the round too (one warning, not
//!   one per repository); other failures are logged and the next
//!   repository is tried.
//! - GitHub Enterprise: `--github-url https://HOST/api/v3`. The token comes
//!   from `GITHUB_TOKEN`.
//!
//! octocrab carries the requests (base URL, token, timeouts); the answers
//! are read into the few fields used here rather than octocrab's models,
//! which require every field GitHub sends.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use http::{HeaderMap, HeaderValue, StatusCode, header};
use http_body_util::BodyExt;
use serde::Deserialize;
use tokio_util::sync::CancellationToken;

use crate::catalog::CatalogService;
use crate::store::DeploySource;
use crate::store::{ReportedDeploy, Store};

/// Where GitHub's API is by default.
pub const DEFAULT_URL: &str = "https://api.github.com";
/// How often repositories are polled by default.
pub const DEFAULT_POLL: Duration = Duration::from_secs(300);
/// The annotation that names a component's repository.
pub const SLUG_ANNOTATION: &str = "github.com/project-slug";
/// Items of each list read per poll (the newest).
const PER_PAGE: u32 = 30;

#[derive(Clone, Debug)]
pub struct GithubConfig {
    /// `https://api.github.com`, or `https://HOST/api/v3` for GitHub Enterprise.
    pub url: String,
    pub token: Option<String>,
    pub poll: Duration,
}

/// Why a poll stopped early.
#[derive(Debug, thiserror::Error)]
pub enum GithubError {
    #[error("GitHub's rate limit is spent; waiting {0:?}")]
    RateLimited(Duration),
    #[error("GitHub answered {status} for {path}")]
    Status { status: StatusCode, path: String },
    #[error("cannot reach GitHub for {path}: {source}")]
    Request { path: String, source: octocrab::Error },
    #[error("GitHub's answer for {path} is not what was expected: {source}")]
    Body { path: String, source: serde_json::Error },
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
}

#[derive(Deserialize)]
struct DeploymentItem {
    id: u64,
    sha: String,
    #[serde(rename = "ref")]
    reference: String,
    environment: Option<String>,
}

#[derive(Deserialize)]
struct StatusItem {
    state: String,
    created_at: String,
    environment_url: Option<String>,
    log_url: Option<String>,
}

#[derive(Deserialize)]
struct ReleaseItem {
    tag_name: String,
    target_commitish: Option<String>,
    published_at: Option<String>,
    html_url: Option<String>,
    #[serde(default)]
    draft: bool,
}

#[derive(Deserialize)]
struct CommitItem {
    commit: CommitDetail,
}

#[derive(Deserialize)]
struct CommitDetail {
    committer: Signature,
}

#[derive(Deserialize)]
struct Signature {
    date: String,
}

/// An answer: its body, or that nothing changed since the last one.
enum Answer {
    Changed(Vec<u8>),
    NotModified,
}

/// Polls GitHub; remembers each list's ETag and each deployment's final state.
pub struct GithubPoller {
    client: octocrab::Octocrab,
    etags: HashMap<String, HeaderValue>,
    /// Deployments already recorded as successful (no need to ask again).
    done: std::collections::HashSet<(String, u64)>,
}

impl GithubPoller {
    pub fn new(config: &GithubConfig) -> Result<Self, String> {
        let mut builder = octocrab::Octocrab::builder()
            .base_uri(config.url.as_str())
            .map_err(|e| format!("--github-url `{}` is not a URL: {e}", config.url))?
            .set_connect_timeout(Some(Duration::from_secs(10)))
            .set_read_timeout(Some(Duration::from_secs(30)));
        if let Some(token) = &config.token {
            builder = builder.personal_token(token.clone());
        }
        let client = builder.build().map_err(|e| format!("cannot make the GitHub client: {e}"))?;
        Ok(Self { client, etags: HashMap::new(), done: Default::default() })
    }

    /// One GET, conditional on the last ETag of `path`.
    async fn get(&mut self, path: &str) -> Result<Answer, GithubError> {
        let mut headers = HeaderMap::new();
        headers.insert(header::ACCEPT, HeaderValue::from_static("application/vnd.github+json"));
        if let Some(etag) = self.etags.get(path) {
            headers.insert(header::IF_NONE_MATCH, etag.clone());
        }
        let response = self
            .client
            ._get_with_headers(path, Some(headers))
            .await
            .map_err(|source| GithubError::Request { path: path.to_string(), source })?;
        let status = response.status();
        if status == StatusCode::NOT_MODIFIED {
            return Ok(Answer::NotModified);
        }
        if (status == StatusCode::TOO_MANY_REQUESTS || status == StatusCode::FORBIDDEN)
            && let Some(wait) = rate_limit_wait(response.headers())
        {
            return Err(GithubError::RateLimited(wait));
        }
        if !status.is_success() {
            return Err(GithubError::Status { status, path: path.to_string() });
        }
        if let Some(etag) = response.headers().get(header::ETAG) {
            self.etags.insert(path.to_string(), etag.clone());
        }
        let body = response.into_body().collect().await.map_err(|source| GithubError::Request { path: path.to_string(), source })?;
        Ok(Answer::Changed(body.to_bytes().to_vec()))
    }

    fn parse<T: for<'de> Deserialize<'de>>(path: &str, body: &[u8]) -> Result<T, GithubError> {
        serde_json::from_slice(body).map_err(|source| GithubError::Body { path: path.to_string(), source })
    }

    /// Records when `sha` was committed (DORA's lead time), once.
    async fn commit_time(&mut self, store: &Store, slug: &str, sha: &str) -> Result<(), GithubError> {
        if !sha.bytes().all(|b| b.is_ascii_hexdigit()) || !store.commit_times(&[sha.to_string()]).await?.is_empty() {
            return Ok(());
        }
        let path = format!("/repos/{slug}/commits/{sha}");
        if let Answer::Changed(body) = self.get(&path).await? {
            let commit: CommitItem = Self::parse(&path, &body)?;
            if let Some(at) = slo::window::parse_rfc3339(&commit.commit.committer.date) {
                store.record_commit_time(sha, at).await?;
            }
        }
        Ok(())
    }

    /// Reads one repository's deployments and releases into the store as
    /// deploys of `service`.
    pub async fn poll_repository(&mut self, store: &Store, service: &str, slug: &str) -> Result<(), GithubError> {
        let path = format!("/repos/{slug}/deployments?per_page={PER_PAGE}");
        if let Answer::Changed(body) = self.get(&path).await? {
            for deployment in Self::parse::<Vec<DeploymentItem>>(&path, &body)? {
                let key = (slug.to_string(), deployment.id);
                if self.done.contains(&key) {
                    continue;
                }
                let statuses = format!("/repos/{slug}/deployments/{}/statuses?per_page=1", deployment.id);
                let Answer::Changed(body) = self.get(&statuses).await? else { continue };
                let latest: Vec<StatusItem> = Self::parse(&statuses, &body)?;
                let Some(status) = latest.into_iter().next().filter(|s| s.state == "success") else { continue };
                let Some(at) = slo::window::parse_rfc3339(&status.created_at) else { continue };
                // Without its commit's time the deploy still counts; only its lead time is unknown.
                if let Err(error) = self.commit_time(store, slug, &deployment.sha).await {
                    match error {
                        GithubError::RateLimited(_) | GithubError::Store(_) => return Err(error),
                        other => tracing::warn!("GitHub: the time of commit {} of {slug}: {other}", deployment.sha),
                    }
                }
                store
                    .report_deploy(&ReportedDeploy {
                        source: DeploySource::GithubDeployment,
                        service: service.to_string(),
                        version: deployment.reference,
                        environment: deployment.environment.filter(|e| !e.is_empty()),
                        at_unix_secs: at,
                        commit: Some(deployment.sha),
                        url: status.environment_url.or(status.log_url),
                    })
                    .await?;
                self.done.insert(key);
            }
        }
        let path = format!("/repos/{slug}/releases?per_page={PER_PAGE}");
        if let Answer::Changed(body) = self.get(&path).await? {
            for release in Self::parse::<Vec<ReleaseItem>>(&path, &body)? {
                let Some(at) = release.published_at.as_deref().and_then(slo::window::parse_rfc3339).filter(|_| !release.draft) else {
                    continue;
                };
                // A branch name is not a commit; a full hash is.
                let commit = release.target_commitish.filter(|c| c.len() == 40 && c.bytes().all(|b| b.is_ascii_hexdigit()));
                store
                    .report_deploy(&ReportedDeploy {
                        source: DeploySource::GithubRelease,
                        service: service.to_string(),
                        version: release.tag_name,
                        environment: None,
                        at_unix_secs: at,
                        commit,
                        url: release.html_url,
                    })
                    .await?;
            }
        }
        Ok(())
    }

    /// Polls every annotated component once. A spent rate limit, or GitHub
    /// out of reach, stops the round: the next one tries them all again,
    /// and the log says it once, not once for each repository.
    pub async fn poll(&mut self, store: &Store, catalog: &CatalogService) -> Result<(), GithubError> {
        let index = catalog.snapshot();
        let repositories: Vec<(String, String)> = index
            .entities()
            .iter()
            .filter(|e| e.entity.kind.eq_ignore_ascii_case("component"))
            .filter_map(|e| e.entity.annotation(SLUG_ANNOTATION).map(|slug| (e.entity.metadata.name.clone(), slug.to_string())))
            .filter(|(_, slug)| valid_slug(slug))
            .collect();
        drop(index);
        for (service, slug) in repositories {
            match self.poll_repository(store, &service, &slug).await {
                Err(error @ (GithubError::RateLimited(_) | GithubError::Request { .. })) => return Err(error),
                Err(error) => tracing::warn!("GitHub deploys of {service} ({slug}): {error}"),
                Ok(()) => {}
            }
        }
        Ok(())
    }
}

/// `OWNER/REPO` with the characters GitHub allows: nothing else reaches a URL.
fn valid_slug(slug: &str) -> bool {
    let mut parts = slug.split('/');
    // Dots are allowed (`.github`), but not a part of dots only (`..`).
    let ok = |part: Option<&str>| {
        part.is_some_and(|p| {
            p.bytes().any(|b| b != b'.') && p.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        })
    };
    ok(parts.next()) && ok(parts.next()) && parts.next().is_none()
}

/// How long a refusal asks to wait: `Retry-After` seconds, or until
/// `x-ratelimit-reset` when `x-ratelimit-remaining` is 0.
fn rate_limit_wait(headers: &HeaderMap) -> Option<Duration> {
    let number = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).and_then(|v| v.trim().parse::<u64>().ok());
    if let Some(seconds) = number("retry-after") {
        return Some(Duration::from_secs(seconds.max(1)));
    }
    if number("x-ratelimit-remaining") == Some(0) {
        let now = crate::unix_seconds().max(0) as u64;
        return Some(Duration::from_secs(number("x-ratelimit-reset").unwrap_or(now + 60).saturating_sub(now).max(1)));
    }
    None
}

/// Polls until `shutdown`, every `config.poll` (longer when GitHub asks),
/// while this replica leads: one replica polls for all.
pub async fn run(
    mut poller: GithubPoller,
    config: GithubConfig,
    store: Store,
    catalog: Arc<CatalogService>,
    leadership: crate::store::Leadership,
    shutdown: CancellationToken,
) {
    loop {
        let polled = if leadership.is_leading() { poller.poll(&store, &catalog).await } else { Ok(()) };
        let wait = match polled {
            Ok(()) => config.poll,
            Err(GithubError::RateLimited(wait)) => {
                tracing::warn!("GitHub's rate limit is spent; polling again in {wait:?}");
                wait.max(config.poll)
            }
            Err(error) => {
                tracing::warn!("GitHub poll stopped: {error}; trying again in {:?}", config.poll);
                config.poll
            }
        };
        tokio::select! {
            () = tokio::time::sleep(wait) => {}
            () = shutdown.cancelled() => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_and_rate_limits() {
        assert!(valid_slug("acme/checkout-service") && valid_slug("acme/.github"));
        for bad in ["acme", "acme/", "acme/a/b", "../etc", "acme/..", "acme/a b", "acme/a?x=1"] {
            assert!(!valid_slug(bad), "{bad}");
        }
        let mut headers = HeaderMap::new();
        headers.insert("retry-after", HeaderValue::from_static("30"));
        assert_eq!(rate_limit_wait(&headers), Some(Duration::from_secs(30)));
        let mut headers = HeaderMap::new();
        headers.insert("x-ratelimit-remaining", HeaderValue::from_static("0"));
        let reset = (crate::unix_seconds() + 120).to_string();
        headers.insert("x-ratelimit-reset", HeaderValue::from_str(&reset).unwrap());
        assert!(rate_limit_wait(&headers).is_some_and(|w| (110..=120).contains(&w.as_secs())));
        assert_eq!(rate_limit_wait(&HeaderMap::new()), None, "a plain 403 is no rate limit");
    }
}
