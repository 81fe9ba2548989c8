//! Where descriptor text comes from: a local file or a URL.
//!
//! A path written inside a descriptor (a Location target, a `$text`
//! placeholder) is resolved against the descriptor that holds it: relative to
//! its folder for a file, by URL joining for a URL. So nothing read from a URL
//! can name a local file; it can only name other URLs, which the caller's
//! [`Reader`] checks against its allow-list.

use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};

/// The largest descriptor or `$text` file read (URLs have the same cap in
/// the server's reader).
pub const MAX_TEXT_BYTES: u64 = 16 * 1024 * 1024;

/// What a load may read: URLs (the server's reader enforces the host
/// allow-list; this crate does no network I/O itself) and files (under the
/// reader's [`PathRoots`]; anywhere when it names none, as for `meridian
/// validate` on a person's own files).
pub trait Reader {
    fn read(&self, url: &str) -> Result<String, UrlError>;

    /// Whether `url` may be read at all (its host allowed), without reading it.
    fn may_read(&self, url: &str) -> Result<(), UrlError>;

    /// The folders files may be read from; `None`: anywhere.
    fn file_roots(&self) -> Option<&PathRoots> {
        None
    }
}

/// Folders files may be read from (`--allow-path`, `--catalog`), canonical:
/// a path is inside when its canonical form (symbolic links resolved, `..`
/// gone) lies under one of them, so neither a link nor `../` leads out.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PathRoots(Vec<PathBuf>);

impl PathRoots {
    /// `folders`, canonicalised; one that does not exist allows nothing.
    pub fn new<P: AsRef<Path>>(folders: &[P]) -> Self {
        PathRoots(folders.iter().filter_map(|folder| std::fs::canonicalize(folder).ok()).collect())
    }

    pub fn folders(&self) -> &[PathBuf] {
        &self.0
    }

    /// `path`'s canonical form if it lies inside.
    pub fn check(&self, path: &Path) -> Result<PathBuf, SourceError> {
        let canonical = std::fs::canonicalize(path).map_err(|e| SourceError::File { kind: e.kind(), message: e.to_string() })?;
        if self.0.iter().any(|root| canonical.starts_with(root)) { Ok(canonical) } else { Err(SourceError::Outside(path.to_path_buf())) }
    }
}

/// Reads a file as text: inside `roots` when given, at most `max` bytes.
pub fn read_file(path: &Path, roots: Option<&PathRoots>, max: u64) -> Result<String, SourceError> {
    let file_error = |e: std::io::Error| SourceError::File { kind: e.kind(), message: e.to_string() };
    let path = match roots {
        Some(roots) => roots.check(path)?,
        None => path.to_path_buf(),
    };
    let file = std::fs::File::open(&path).map_err(file_error)?;
    let mut bytes = Vec::new();
    // Read one byte past the cap: whether there is more is all it needs to know.
    file.take(max + 1).read_to_end(&mut bytes).map_err(file_error)?;
    if bytes.len() as u64 > max {
        return Err(SourceError::TooLarge(max));
    }
    String::from_utf8(bytes).map_err(SourceError::NotUtf8)
}

/// Why a [`Reader`] returned no text for a URL.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum UrlError {
    /// The reader's allow-list does not name the URL's host.
    #[error("`{url}` was not fetched: host `{host}` is not on the URL allow-list (--allow-url-host)")]
    NotAllowed { url: String, host: String },
    /// Not an absolute http(s) URL.
    #[error(transparent)]
    Invalid(#[from] SourceError),
    /// The server answered with a status other than success (and its reason phrase, if any).
    #[error("HTTP {code} {reason}")]
    Status { code: u16, reason: String },
    #[error("larger than {} MiB", .0 / (1024 * 1024))]
    TooLarge(usize),
    #[error("timed out after {0}s")]
    TimedOut(u64),
    #[error("not UTF-8 text")]
    NotText,
    /// Connection, TLS, redirect or protocol failure, as the client words it.
    #[error("{0}")]
    Transport(String),
}

/// Why a target could not be resolved or read.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum SourceError {
    #[error("`{written}` is not a valid URL: {reason}")]
    InvalidUrl { written: String, reason: url::ParseError },
    #[error("`{0}` has no host")]
    NoHost(String),
    #[error("`{written}`: only http and https URLs can be read, not {scheme}")]
    Scheme { written: String, scheme: String },
    /// The file could not be read (its `io::ErrorKind` and the OS's words).
    #[error("cannot read file: {message}")]
    File { kind: std::io::ErrorKind, message: String },
    #[error("cannot read file: it is not UTF-8 text ({0})")]
    NotUtf8(std::string::FromUtf8Error),
    /// Outside the folders files may be read from.
    #[error("`{}` is outside the folders Meridian may read (--catalog and --allow-path)", .0.display())]
    Outside(PathBuf),
    #[error("cannot read file: larger than {} MiB", .0 / (1024 * 1024))]
    TooLarge(u64),
    #[error("cannot read URL: {0}")]
    Url(Box<UrlError>),
}

/// Refuses every URL: used when no host is allowed.
pub struct NoUrls;

impl Reader for NoUrls {
    fn read(&self, url: &str) -> Result<String, UrlError> {
        self.may_read(url).map(|()| String::new())
    }

    fn may_read(&self, url: &str) -> Result<(), UrlError> {
        let host = url::Url::parse(url).ok().and_then(|u| u.host_str().map(str::to_string)).unwrap_or_default();
        Err(UrlError::NotAllowed { url: url.to_string(), host })
    }
}

/// A text's length and content hash: how a file or URL looked when read.
/// Content, not mtime: an edit that keeps the size within one timestamp tick
/// must not be missed, and hashing every descriptor of a large catalog is
/// cheap next to reading it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stamp {
    len: u64,
    hash: u64,
}

impl Stamp {
    pub fn of(text: &str) -> Stamp {
        Stamp { len: text.len() as u64, hash: crate::stable_hash(text.as_bytes()) }
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
    pub fn parse(target: &str) -> Result<Source, SourceError> {
        if target.contains("://") { Ok(Source::Url(parse_url(target, None)?.into())) } else { Ok(Source::File(PathBuf::from(target))) }
    }

    /// `written` inside this source, resolved against it.
    pub fn resolve(&self, written: &str) -> Result<Source, SourceError> {
        match self {
            _ if written.contains("://") => Ok(Source::Url(parse_url(written, None)?.into())),
            Source::File(path) => Ok(Source::File(path.parent().unwrap_or(Path::new(".")).join(written))),
            Source::Url(base) => Ok(Source::Url(parse_url(written, Some(base))?.into())),
        }
    }

    /// The text; `urls` decides whether a URL may be read.
    pub fn read(&self, urls: &dyn Reader) -> Result<String, SourceError> {
        match self {
            Source::File(path) => read_file(path, urls.file_roots(), MAX_TEXT_BYTES),
            Source::Url(url) => urls.read(url).map_err(|e| SourceError::Url(Box::new(e))),
        }
    }

    /// How it looks now; `None` when it cannot be read.
    pub fn stamp(&self, urls: &dyn Reader) -> Option<Stamp> {
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

/// `written` as an absolute http(s) URL (joined to `base` when given).
pub fn parse_url(written: &str, base: Option<&str>) -> Result<url::Url, SourceError> {
    let parsed = match base {
        Some(base) => url::Url::parse(base).and_then(|base| base.join(written)),
        None => url::Url::parse(written),
    }
    .map_err(|reason| SourceError::InvalidUrl { written: written.to_string(), reason })?;
    match parsed.scheme() {
        "http" | "https" if parsed.host_str().is_some() => Ok(parsed),
        "http" | "https" => Err(SourceError::NoHost(written.to_string())),
        scheme => Err(SourceError::Scheme { written: written.to_string(), scheme: scheme.to_string() }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_read_only_inside_the_roots_links_and_dots_resolved() {
        let dir = tempfile::tempdir().unwrap();
        let (inside, outside) = (dir.path().join("catalog"), dir.path().join("secret"));
        std::fs::create_dir_all(&inside).unwrap();
        std::fs::create_dir_all(&outside).unwrap();
        std::fs::write(inside.join("a.yaml"), "kind: Component").unwrap();
        std::fs::write(outside.join("key"), "s3cret").unwrap();
        std::os::unix::fs::symlink(outside.join("key"), inside.join("link")).unwrap();
        let roots = PathRoots::new(&[&inside]);
        assert_eq!(read_file(&inside.join("a.yaml"), Some(&roots), MAX_TEXT_BYTES).unwrap(), "kind: Component");
        for escape in [inside.join("../secret/key"), inside.join("link"), outside.join("key")] {
            let refused = read_file(&escape, Some(&roots), MAX_TEXT_BYTES).unwrap_err();
            assert!(matches!(refused, SourceError::Outside(_)), "{}: {refused}", escape.display());
        }
        assert_eq!(read_file(&outside.join("key"), None, MAX_TEXT_BYTES).unwrap(), "s3cret", "no roots: anywhere");
        assert_eq!(read_file(&inside.join("a.yaml"), Some(&roots), 4).unwrap_err(), SourceError::TooLarge(4));
        assert!(PathRoots::new(&[dir.path().join("missing")]).check(&inside.join("a.yaml")).is_err(), "a missing root allows nothing");
    }

    #[test]
    fn paths_resolve_against_the_file_that_writes_them() {
        let file = Source::File(PathBuf::from("/cat/teams/all.yaml"));
        assert_eq!(file.resolve("./a.yaml").unwrap(), Source::File(PathBuf::from("/cat/teams/./a.yaml")));
        assert_eq!(file.resolve("https://h/x.yaml").unwrap(), Source::Url("https://h/x.yaml".into()));
        let url = Source::Url("https://h/repo/catalog-info.yaml".into());
        assert_eq!(url.resolve("./api/openapi.yaml").unwrap(), Source::Url("https://h/repo/api/openapi.yaml".into()));
        // From a URL, even an absolute path stays on that host: never a local file.
        assert_eq!(url.resolve("/etc/passwd").unwrap(), Source::Url("https://h/etc/passwd".into()));
        assert!(file.resolve("ftp://h/x").unwrap_err().to_string().contains("only http and https"));
        assert_eq!(Source::parse("http://h:8080/a").unwrap().location_ref(), "url:http://h:8080/a");
    }
}
