//! Where descriptor text comes from: a local file or a URL.
//!
//! A path written inside a descriptor (a Location target, a `$text`
//! placeholder) is resolved against the descriptor that holds it: relative to
//! its folder for a file, by URL joining for a URL. So nothing read from a URL
//! can name a local file; it can only name other URLs, which the caller's
//! [`UrlReader`] checks against its allow-list.

use std::fmt;
use std::path::{Path, PathBuf};

/// Reads a URL; the server provides one that enforces the host allow-list.
/// This crate does no network I/O itself.
pub trait UrlReader {
    fn read(&self, url: &str) -> Result<String, String>;
}

/// Refuses every URL: used when no host is allowed.
pub struct NoUrls;

impl UrlReader for NoUrls {
    fn read(&self, url: &str) -> Result<String, String> {
        Err(format!("`{url}` was not fetched: its host is not on the URL allow-list (--allow-url-host)"))
    }
}

/// A text's length and content hash: how a file or URL looked when read.
/// Content, not mtime: an edit that keeps the size within one timestamp tick
/// must not be missed, and hashing every descriptor of a 50,000-entity
/// catalog takes only tens of milliseconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stamp {
    len: u64,
    hash: u64,
}

impl Stamp {
    pub fn of(text: &str) -> Stamp {
        use std::hash::{Hash, Hasher};
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        text.as_bytes().hash(&mut hasher);
        Stamp { len: text.len() as u64, hash: hasher.finish() }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Source {
    File(PathBuf),
    /// An absolute `http` or `https` URL, normalised.
    Url(String),
}

impl Source {
    /// A target as given from outside (a flag, the API): a URL when it has
    /// a scheme, else a path.
    pub fn parse(target: &str) -> Result<Source, String> {
        if target.contains("://") { parse_url(target, None) } else { Ok(Source::File(PathBuf::from(target))) }
    }

    /// `written` inside this source, resolved against it.
    pub fn resolve(&self, written: &str) -> Result<Source, String> {
        match self {
            _ if written.contains("://") => parse_url(written, None),
            Source::File(path) => Ok(Source::File(path.parent().unwrap_or(Path::new(".")).join(written))),
            Source::Url(base) => parse_url(written, Some(base)),
        }
    }

    /// The text; `urls` decides whether a URL may be read.
    pub fn read(&self, urls: &dyn UrlReader) -> Result<String, String> {
        match self {
            Source::File(path) => {
                let bytes = std::fs::read(path).map_err(|e| format!("cannot read file: {e}"))?;
                String::from_utf8(bytes).map_err(|e| format!("cannot read file: it is not UTF-8 text ({e})"))
            }
            Source::Url(url) => urls.read(url).map_err(|e| format!("cannot read URL: {e}")),
        }
    }

    /// How it looks now; `None` when it cannot be read.
    pub fn stamp(&self, urls: &dyn UrlReader) -> Option<Stamp> {
        self.read(urls).ok().map(|text| Stamp::of(&text))
    }

    /// One name per place: files by their canonical path (when it exists).
    pub fn canonical(&self) -> Source {
        match self {
            Source::File(path) => Source::File(std::fs::canonicalize(path).unwrap_or_else(|_| path.clone())),
            Source::Url(_) => self.clone(),
        }
    }

    /// Backstage's location reference: `file:/abs/path` or `url:https://…`.
    pub fn location_ref(&self) -> String {
        match self.canonical() {
            Source::File(path) => format!("file:{}", path.display()),
            Source::Url(url) => format!("url:{url}"),
        }
    }

    pub fn is_url(&self) -> bool {
        matches!(self, Source::Url(_))
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::File(path) => write!(f, "{}", path.display()),
            Source::Url(url) => f.write_str(url),
        }
    }
}

fn parse_url(written: &str, base: Option<&str>) -> Result<Source, String> {
    let parsed = match base {
        Some(base) => url::Url::parse(base).and_then(|base| base.join(written)),
        None => url::Url::parse(written),
    }
    .map_err(|e| format!("`{written}` is not a valid URL: {e}"))?;
    match parsed.scheme() {
        "http" | "https" if parsed.host_str().is_some() => Ok(Source::Url(parsed.to_string())),
        "http" | "https" => Err(format!("`{written}` has no host")),
        scheme => Err(format!("`{written}`: only http and https URLs can be read, not {scheme}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_resolve_against_the_file_that_writes_them() {
        let file = Source::File(PathBuf::from("/cat/teams/all.yaml"));
        assert_eq!(file.resolve("./a.yaml").unwrap(), Source::File(PathBuf::from("/cat/teams/./a.yaml")));
        assert_eq!(file.resolve("https://h/x.yaml").unwrap(), Source::Url("https://h/x.yaml".into()));
        let url = Source::Url("https://h/repo/catalog-info.yaml".into());
        assert_eq!(url.resolve("./api/openapi.yaml").unwrap(), Source::Url("https://h/repo/api/openapi.yaml".into()));
        // From a URL, even an absolute path stays on that host: never a local file.
        assert_eq!(url.resolve("/etc/passwd").unwrap(), Source::Url("https://h/etc/passwd".into()));
        assert!(file.resolve("ftp://h/x").unwrap_err().contains("only http and https"));
        assert_eq!(Source::parse("http://h:8080/a").unwrap().location_ref(), "url:http://h:8080/a");
    }
}
