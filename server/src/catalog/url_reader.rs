//! Reading catalog URLs (URL locations, `$text` URLs) for hosts on the
//! allow-list (`--allow-url-host`), as Backstage's `backend.reading.allow`
//! does: a catalog file must not make the server fetch arbitrary addresses.
//!
//! An entry is `host` (any port), `host:port`, or `*.example.com` (any
//! subdomain). Redirects are followed only to allowed hosts; bodies are
//! capped and requests time out, so one slow or huge URL cannot stall or
//! swamp a reload.

use std::time::Duration;

use catalog::{PathRoots, Reader, UrlError};

/// Largest descriptor or placeholder file read from a URL.
pub const MAX_URL_BYTES: usize = catalog::MAX_TEXT_BYTES as usize;
const TIMEOUT: Duration = Duration::from_secs(15);

#[derive(Clone, Debug, PartialEq, Eq)]
struct HostPattern {
    /// Lower case; for `*.x.com`, the suffix `.x.com`.
    host: String,
    wildcard: bool,
    port: Option<u16>,
}

impl HostPattern {
    fn parse(entry: &str) -> Result<Self, AllowListError> {
        let entry = entry.trim().to_ascii_lowercase();
        if let Ok(url) = url::Url::parse(&entry)
            && let Some(host) = url.host_str()
        {
            return Err(AllowListError::Url { host: host.to_string(), entry });
        }
        let (host, port) = match entry.rsplit_once(':') {
            Some((host, port)) => {
                let port = port.parse::<u16>().map_err(|_| AllowListError::Port { entry: entry.clone(), port: port.to_string() })?;
                (host.to_string(), Some(port))
            }
            None => (entry.clone(), None),
        };
        let (host, wildcard) = match host.strip_prefix("*.") {
            Some(rest) => (format!(".{rest}"), true),
            None => (host, false),
        };
        if host.is_empty() || host.contains(['/', '*']) {
            return Err(AllowListError::NotAHost(entry));
        }
        Ok(Self { host, wildcard, port })
    }

    fn allows(&self, url: &url::Url) -> bool {
        let Some(host) = url.host_str().map(str::to_ascii_lowercase) else { return false };
        let host_matches = if self.wildcard { host.ends_with(&self.host) } else { host == self.host };
        host_matches && self.port.is_none_or(|port| url.port_or_known_default() == Some(port))
    }
}

/// An `--allow-url-host` entry that is not one.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum AllowListError {
    #[error("`{entry}` is a URL: give its host alone (`{host}`)")]
    Url { entry: String, host: String },
    #[error("`{entry}`: `{port}` is not a port")]
    Port { entry: String, port: String },
    #[error("`{0}` is not a host, host:port or *.domain")]
    NotAHost(String),
}

/// The allow-list; cheap to clone.
#[derive(Clone, Debug, Default)]
pub struct AllowList(Vec<HostPattern>);

impl AllowList {
    pub fn parse(entries: &[String]) -> Result<Self, AllowListError> {
        entries.iter().filter(|e| !e.trim().is_empty()).map(|e| HostPattern::parse(e)).collect::<Result<_, _>>().map(Self)
    }

    /// Why `url` may not be read, if it may not.
    pub fn check(&self, url: &str) -> Result<url::Url, UrlError> {
        let parsed = catalog::source::parse_url(url, None)?;
        if !self.0.iter().any(|pattern| pattern.allows(&parsed)) {
            let host = parsed.host_str().unwrap_or_default().to_string();
            return Err(UrlError::NotAllowed { url: url.to_string(), host });
        }
        Ok(parsed)
    }
}

/// Reads allowed URLs over HTTP(S). Blocking: call it from a blocking thread
/// of the Tokio runtime (the catalog loader runs in `spawn_blocking`).
pub struct CatalogReader {
    allow: AllowList,
    /// Folders files may be read from; `None`: anywhere (a person's own
    /// files, given on the command line).
    roots: Option<PathRoots>,
    client: reqwest::Client,
    runtime: tokio::runtime::Handle,
}

impl CatalogReader {
    pub fn new(allow: AllowList, roots: Option<PathRoots>, runtime: tokio::runtime::Handle) -> reqwest::Result<Self> {
        let redirect_allow = allow.clone();
        let redirects = reqwest::redirect::Policy::custom(move |attempt| {
            if attempt.previous().len() >= 5 {
                attempt.error("more than 5 redirects")
            } else if let Err(refusal) = redirect_allow.check(attempt.url().as_str()) {
                attempt.error(format!("redirected: {refusal}"))
            } else {
                attempt.follow()
            }
        });
        let client = reqwest::Client::builder().timeout(TIMEOUT).redirect(redirects).user_agent("meridian-catalog").build()?;
        Ok(Self { allow, roots, client, runtime })
    }

    async fn fetch(&self, url: url::Url) -> Result<String, UrlError> {
        let mut response = self.client.get(url).send().await.map_err(|e| describe(&e))?;
        let status = response.status();
        if !status.is_success() {
            return Err(UrlError::Status { code: status.as_u16(), reason: status.canonical_reason().unwrap_or_default().to_string() });
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| describe(&e))? {
            if body.len() + chunk.len() > MAX_URL_BYTES {
                return Err(UrlError::TooLarge(MAX_URL_BYTES));
            }
            body.extend_from_slice(&chunk);
        }
        String::from_utf8(body).map_err(|_| UrlError::NotText)
    }
}

impl Reader for CatalogReader {
    fn read(&self, url: &str) -> Result<String, UrlError> {
        let parsed = self.allow.check(url)?;
        self.runtime.block_on(self.fetch(parsed))
    }

    fn may_read(&self, url: &str) -> Result<(), UrlError> {
        self.allow.check(url).map(drop)
    }

    fn file_roots(&self) -> Option<&PathRoots> {
        self.roots.as_ref()
    }
}

/// reqwest's errors name the URL but hide the cause in `source()`.
fn describe(error: &reqwest::Error) -> UrlError {
    if error.is_timeout() {
        return UrlError::TimedOut(TIMEOUT.as_secs());
    }
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    UrlError::Transport(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allow_list_matches_host_port_and_subdomains() {
        let allow = AllowList::parse(&["git.example.com".into(), "*.corp.net".into(), "127.0.0.1:8080".into()]).unwrap();
        assert!(allow.check("https://git.example.com/a.yaml").is_ok());
        assert!(allow.check("http://GIT.example.com:9999/a.yaml").is_ok(), "any port, any case");
        assert!(allow.check("https://raw.corp.net/a.yaml").is_ok());
        assert!(allow.check("https://corp.net.evil.org/a.yaml").is_err());
        assert!(allow.check("http://127.0.0.1:8080/a").is_ok());
        assert!(allow.check("http://127.0.0.1:8081/a").unwrap_err().to_string().contains("host `127.0.0.1` is not on the URL allow-list"));
        assert!(allow.check("file:///etc/passwd").unwrap_err().to_string().contains("only http and https"));
        assert!(AllowList::parse(&["host:port".into()]).unwrap_err().to_string().contains("not a port"));
        assert_eq!(
            AllowList::parse(&["https://x.org/".into()]).unwrap_err().to_string(),
            "`https://x.org/` is a URL: give its host alone (`x.org`)"
        );
    }
}
