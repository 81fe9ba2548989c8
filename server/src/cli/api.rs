//! `meridian api diff OLD NEW`: the breaking changes between two versions
//! of an OpenAPI or Swagger document, as text, JSON, Markdown or JUnit.
//! Exit codes: 0 when no change reaches `--fail-on`, 1 when one does, 2
//! when an input cannot be read (with `file:line:column` where the
//! problem is in a document).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Subcommand, ValueEnum};
use contracts::diff::{Change, Level};
use contracts::report;

use crate::catalog::definitions::DefinitionFetch;
use crate::catalog::{AllowList, CatalogReader};
use crate::serve;

#[derive(Args, Debug)]
pub struct ApiArgs {
    #[command(subcommand)]
    pub command: ApiCommand,
}

#[derive(Subcommand, Debug)]
pub enum ApiCommand {
    /// Compare two versions of an OpenAPI (3.0, 3.1) or Swagger 2.0
    /// document: changes graded BREAKING, WARNING or non-breaking, grouped
    /// by what changed (one edit of a shared schema is one group naming the
    /// operations it reaches); exit code 1 when a change reaches --fail-on.
    Diff(DiffArgs),
}

#[derive(Args, Debug)]
pub struct DiffArgs {
    /// The old version: a file, an http(s) URL whose host is allowed
    /// (--allow-url-host), or an API entity ref (`api:default/orders`, its
    /// latest version seen by `meridian serve`). An entity ref alone
    /// compares its last two versions.
    pub old: String,
    /// The new version, given as OLD is.
    pub new: Option<String>,
    #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
    pub format: ReportFormat,
    /// The least level that fails the run (exit code 1): BREAKING, WARNING or INFO.
    #[arg(long, default_value = "BREAKING", value_parser = parse_level)]
    pub fail_on: Level,
    /// What the report shows: `breaking`, `warning` (and breaking) or `all`;
    /// the exit code follows --fail-on whatever is shown.
    #[arg(long, value_enum, default_value_t = ShownLevel::All)]
    pub level: ShownLevel,
    /// Host URLs may be read from: `host`, `host:port` or `*.domain`
    /// (repeatable; comma-separated in the env var). None by default.
    #[arg(long = "allow-url-host", env = "MERIDIAN_ALLOW_URL_HOSTS", value_delimiter = ',')]
    pub allow_url_hosts: Vec<String>,
    /// The database `meridian serve` keeps API versions in (for entity
    /// refs); read only, never created.
    #[arg(long, env = "MERIDIAN_DATABASE_URL", default_value = serve::DEFAULT_DATABASE_URL)]
    pub database_url: String,
    /// Ask a running Meridian (its web address, `http://host:3000`) for an
    /// API entity's last two versions and the changes between them, instead
    /// of reading the database: give one API entity ref.
    #[arg(long, value_name = "URL")]
    pub server: Option<String>,
}

/// The least level a report shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ShownLevel {
    Breaking,
    Warning,
    All,
}

impl From<ShownLevel> for Level {
    fn from(shown: ShownLevel) -> Self {
        match shown {
            ShownLevel::Breaking => Level::Breaking,
            ShownLevel::Warning => Level::Warning,
            ShownLevel::All => Level::Info,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    Text,
    Json,
    Markdown,
    Junit,
}

impl From<ReportFormat> for report::Format {
    fn from(format: ReportFormat) -> Self {
        match format {
            ReportFormat::Text => report::Format::Text,
            ReportFormat::Json => report::Format::Json,
            ReportFormat::Markdown => report::Format::Markdown,
            ReportFormat::Junit => report::Format::Junit,
        }
    }
}

fn parse_level(text: &str) -> Result<Level, String> {
    Level::parse(text).ok_or_else(|| format!("`{text}` is not a level: use BREAKING, WARNING or INFO"))
}

/// The exit code of an input that cannot be read.
const UNREADABLE: u8 = 2;

pub fn run(args: ApiArgs) -> ExitCode {
    match args.command {
        ApiCommand::Diff(args) => diff(&args),
    }
}

fn diff(args: &DiffArgs) -> ExitCode {
    let (changes, texts) = match compare(args) {
        Ok(compared) => compared,
        Err(message) => {
            eprintln!("meridian api diff: {message}");
            return ExitCode::from(UNREADABLE);
        }
    };
    // Pointers into the documents read here become `file:line:column`, in
    // the version the change names (the old one for what was removed). A
    // pointer into a file a `$ref` reads stays a pointer.
    // Each text is parsed again only if a change points into it (about
    // 120 ms a side at 5 MB, BENCHMARKS.md).
    let needed = |old: bool| changes.iter().any(|change| change.old == old);
    let sides: Vec<Option<(&str, catalog::yaml::Positions)>> = texts
        .iter()
        .zip([false, true])
        .map(|((name, text), old)| needed(old).then(|| (name.as_str(), catalog::yaml::Positions::of(text))))
        .collect();
    let locate = |pointer: &str, old: bool| {
        let (name, positions) = sides.get(usize::from(old))?.as_ref()?;
        if pointer.contains('#') {
            return None;
        }
        positions.find(pointer).map(|(line, column)| format!("{name}:{line}:{column}"))
    };
    print!("{}", report::render(&changes, args.format.into(), args.fail_on, args.level.into(), &locate));
    eprintln!("{}", report::summary(&changes));
    if changes.iter().any(|change| change.level >= args.fail_on) { ExitCode::FAILURE } else { ExitCode::SUCCESS }
}

/// One side of the comparison: its name (a path, URL or `ref@version`), text,
/// and the folders its `$ref`s may read.
struct Input {
    name: String,
    text: String,
    roots: Vec<PathBuf>,
    /// What its references resolve against, when not its name.
    base: Option<String>,
}

/// The documents compared here, as (name shown, text): the new version
/// first. None when a server compared them.
type Texts = Vec<(String, String)>;

/// The changes, and the texts they were found in.
fn compare(args: &DiffArgs) -> Result<(Vec<Change>, Texts), String> {
    let runtime = tokio::runtime::Runtime::new().map_err(|e| format!("cannot start the async runtime: {e}"))?;
    let allow = AllowList::parse(&args.allow_url_hosts).map_err(|e| format!("--allow-url-host: {e}"))?;
    let urls = CatalogReader::new(allow, None, runtime.handle().clone()).map_err(|e| format!("cannot build the HTTP client: {e}"))?;
    if let Some(server) = &args.server {
        return Ok((from_server(&runtime, server, &args.old, args.new.as_deref())?, Vec::new()));
    }
    let (old, new) = match (&args.old, &args.new) {
        (only, None) if entity_ref(only).is_some() => last_two(&runtime, &args.database_url, only)?,
        (_, None) => {
            return Err(
                "give the new version too (`meridian api diff OLD NEW`), or one API entity ref to compare its last two versions".into()
            );
        }
        (old, Some(new)) => (input(&runtime, &args.database_url, old, &urls)?, input(&runtime, &args.database_url, new, &urls)?),
    };
    let read = |input: &Input| {
        let mut fetch = DefinitionFetch::new(catalog::PathRoots::new(&input.roots), &urls);
        if let Some(base) = &input.base {
            fetch = fetch.with_base(&input.name, base);
        }
        contracts::Document::read(&input.name, &input.text, &fetch).map_err(|e| e.to_string())
    };
    let (old_document, new_document) = (read(&old)?, read(&new)?);
    // Places are named as the user wrote the file (`new.yaml:12:5`); a stored version by its ref.
    let shown = |written: Option<&str>, input: Input| match written.filter(|w| entity_ref(w).is_none()) {
        Some(file) => (file.to_string(), input.text),
        None => (input.name, input.text),
    };
    let texts = vec![shown(args.new.as_deref(), new), shown(Some(&args.old), old)];
    Ok((contracts::diff(&old_document, &new_document), texts))
}

/// The changes between an API's last two versions, as the server at
/// `server` computed them (`GET /api/v1/apis/{namespace}/{name}/changes`):
/// its definitions' `$ref`s resolve where the server reads them.
fn from_server(runtime: &tokio::runtime::Runtime, server: &str, old: &str, new: Option<&str>) -> Result<Vec<Change>, String> {
    let (Some(entity), None) = (entity_ref(old), new) else {
        return Err("with --server, give one API entity ref (`api:default/orders`): the server compares its last two versions".into());
    };
    let (namespace, name) = entity.strip_prefix("api:").and_then(|rest| rest.split_once('/')).unwrap_or_default();
    let mut url = url::Url::parse(server).map_err(|e| format!("--server `{server}`: {e}"))?;
    url.path_segments_mut()
        .map_err(|()| format!("--server `{server}`: not a web address"))?
        .pop_if_empty()
        .extend(["api", "v1", "apis", namespace, name, "changes"]);
    let answer = runtime.block_on(async {
        let response = reqwest::get(url.clone()).await.map_err(|e| format!("--server: {server} did not answer: {e}"))?;
        let status = response.status();
        let body = response.text().await.map_err(|e| format!("--server: reading {url}: {e}"))?;
        Ok::<_, String>((status, body))
    })?;
    match answer {
        (status, body) if status.is_success() => {
            let history: ServerChanges =
                serde_json::from_str(&body).map_err(|e| format!("--server: {url} did not answer with changes: {e}"))?;
            let Some(last) = history.changes.into_iter().next() else {
                return Err(format!("`{entity}` has one version on {server} so far; give two documents instead"));
            };
            match last.problem {
                Some(problem) => Err(format!("{entity}@{} against @{}: {problem}", last.from_version, last.to_version)),
                None => Ok(last.changes),
            }
        }
        (status, _) if status == reqwest::StatusCode::NOT_FOUND => Err(format!("no API `{entity}` on {server}")),
        (status, body) => {
            let message =
                serde_json::from_str::<serde_json::Value>(&body).ok().and_then(|v| v["error"]["message"].as_str().map(str::to_string));
            Err(format!("--server: {url} answered {status}: {}", message.unwrap_or(body)))
        }
    }
}

/// What `GET /api/v1/apis/{namespace}/{name}/changes` answers, as far as
/// the CLI reads it: successive versions' changes, newest first.
#[derive(serde::Deserialize)]
struct ServerChanges {
    changes: Vec<ServerVersionChange>,
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct ServerVersionChange {
    from_version: i64,
    to_version: i64,
    changes: Vec<Change>,
    problem: Option<String>,
}

/// `api:default/orders` (or `api:orders`) when `text` is an API entity ref
/// and not a file that happens to be named so.
fn entity_ref(text: &str) -> Option<String> {
    if Path::new(text).exists() || !text.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("api:")) {
        return None;
    }
    catalog::EntityRef::parse(text, None, "default").ok().map(|r| r.key())
}

fn input(runtime: &tokio::runtime::Runtime, database_url: &str, target: &str, urls: &CatalogReader) -> Result<Input, String> {
    if let Some(entity) = entity_ref(target) {
        let versions = stored_versions(runtime, database_url, &entity)?;
        let latest = versions.into_iter().last().ok_or_else(|| no_api(&entity, database_url))?;
        return Ok(stored_input(&entity, latest));
    }
    let folder =
        Path::new(target).parent().map(Path::to_path_buf).filter(|p| !p.as_os_str().is_empty()).unwrap_or_else(|| PathBuf::from("."));
    let roots = if target.contains("://") { Vec::new() } else { vec![folder] };
    let (name, text) = DefinitionFetch::new(catalog::PathRoots::new(&roots), urls).read_top(target)?;
    Ok(Input { name, text, roots, base: None })
}

fn last_two(runtime: &tokio::runtime::Runtime, database_url: &str, target: &str) -> Result<(Input, Input), String> {
    let entity = entity_ref(target).unwrap_or_default();
    let mut versions = stored_versions(runtime, database_url, &entity)?;
    if versions.is_empty() {
        return Err(no_api(&entity, database_url));
    }
    let (Some(new), Some(old)) = (versions.pop(), versions.pop()) else {
        return Err(format!("`{entity}` has one version stored so far; give two documents instead"));
    };
    Ok((stored_input(&entity, old), stored_input(&entity, new)))
}

fn stored_versions(runtime: &tokio::runtime::Runtime, database_url: &str, entity: &str) -> Result<Vec<crate::store::ApiVersion>, String> {
    runtime.block_on(async {
        let store = crate::store::Store::open_existing(database_url).await.map_err(|e| format!("--database-url: {e}"))?;
        let versions = store.api_versions(entity).await.map_err(|e| format!("reading the versions of `{entity}`: {e}"));
        store.close().await;
        versions
    })
}

/// What to say of an API with no version stored: the database keeps a
/// version of every API `meridian serve` read.
fn no_api(entity: &str, database_url: &str) -> String {
    let database = crate::store::redact(database_url);
    format!("no API `{entity}` in {database}: `meridian serve` stores a version of each API of its catalog there")
}

/// A stored version, named `api:default/orders@3`; its `$ref`s resolve
/// beside the descriptor it came from.
fn stored_input(entity: &str, version: crate::store::ApiVersion) -> Input {
    let descriptor = version.source.strip_prefix("file:").map(PathBuf::from);
    let roots = descriptor.as_deref().and_then(Path::parent).map(|p| vec![p.to_path_buf()]).unwrap_or_default();
    let base = descriptor.map(|p| p.display().to_string()).or_else(|| version.source.strip_prefix("url:").map(str::to_string));
    Input { name: format!("{entity}@{}", version.version), text: version.definition, roots, base }
}
