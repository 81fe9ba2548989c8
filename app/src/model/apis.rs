//! View models of API pages: a definition as operations (or as source),
//! its versions and the changes between them, and what traffic says of it.

use serde::{Deserialize, Serialize};

/// One row of the APIs list.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ApiRow {
    pub entity_ref: String,
    pub title: String,
    pub api_type: String,
    pub owner: Option<String>,
    pub lifecycle: Option<String>,
    pub providers: Vec<String>,
}

/// `/apis/{namespace}/{name}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ApiPageView {
    pub entity_ref: String,
    pub title: String,
    pub description: Option<String>,
    pub api_type: String,
    pub lifecycle: Option<String>,
    pub owner: Option<String>,
    pub providers: Vec<String>,
    pub declared_consumers: Vec<String>,
    pub definition: DefinitionModel,
    /// Oldest first.
    pub versions: Vec<ApiVersionRow>,
    /// Newest first.
    pub changes: Vec<VersionChangeView>,
    pub coverage: CoverageView,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum DefinitionModel {
    /// OpenAPI or Swagger, as operations.
    Operations { format: String, version: Option<String>, operations: Vec<OperationModel> },
    /// Another language, as source with the operations it names.
    Source { language: String, text: String, operations: Vec<NamedOperation> },
    /// Unreadable: why (`file:line:column`), and the text.
    Unreadable { problem: String, text: String },
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NamedOperation {
    pub kind: String,
    pub name: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OperationModel {
    pub method: String,
    pub path: String,
    pub summary: Option<String>,
    pub description: Option<String>,
    pub deprecated: bool,
    pub parameters: Vec<ParameterModel>,
    pub request: Option<PayloadModel>,
    pub responses: Vec<ResponseModel>,
    /// Who called it in the coverage window, most calls first.
    pub consumers: Vec<ConsumerRow>,
}

impl OperationModel {
    /// The anchor of the operation on its page.
    pub fn anchor(&self) -> String {
        let path: String = self.path.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '-' }).collect();
        format!("op-{}{}", self.method.to_ascii_lowercase(), path)
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ParameterModel {
    pub name: String,
    pub location: String,
    pub required: bool,
    pub description: Option<String>,
    pub schema: Option<SchemaNode>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PayloadModel {
    pub required: bool,
    pub content: Vec<ContentModel>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ResponseModel {
    pub status: String,
    pub description: Option<String>,
    pub content: Vec<ContentModel>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ContentModel {
    pub media_type: String,
    pub schema: Option<SchemaNode>,
    pub example: Option<String>,
}

/// A schema as a collapsible tree.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SchemaNode {
    pub name: Option<String>,
    pub title: Option<String>,
    pub types: String,
    pub required: bool,
    pub description: Option<String>,
    pub enum_values: Vec<String>,
    pub recursive: bool,
    pub children: Vec<SchemaNode>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ApiVersionRow {
    pub version: i64,
    pub hash: String,
    /// RFC 3339.
    pub first_seen: String,
    pub source: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct VersionChangeView {
    pub from_version: i64,
    pub to_version: i64,
    pub at: String,
    pub problem: Option<String>,
    pub changes: Vec<ChangeRow>,
}

/// How much a change matters to clients of the old version.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum ChangeLevel {
    Info,
    Warning,
    Breaking,
}

impl ChangeLevel {
    /// As reports spell it (the level is written, never told by colour alone).
    pub fn label(self) -> &'static str {
        match self {
            ChangeLevel::Breaking => "BREAKING",
            ChangeLevel::Warning => "WARNING",
            ChangeLevel::Info => "non-breaking",
        }
    }

    pub fn class(self) -> &'static str {
        match self {
            ChangeLevel::Breaking => "breaking",
            ChangeLevel::Warning => "warning",
            ChangeLevel::Info => "info",
        }
    }
}

/// One group of changes: one edit of the document and the operations it
/// reaches (a shared schema's property removed is one row).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChangeRow {
    pub level: ChangeLevel,
    pub id: String,
    /// What changed: the one operation it reaches, else what it edits
    /// (`schema `Order``, `the base path`).
    pub subject: String,
    /// Every operation it reaches (`GET /orders`).
    pub operations: Vec<String>,
    pub pointer: String,
    pub message: String,
    /// For a breaking change: who called any operation it reaches in the
    /// last 7 days, each once.
    pub consumers: Vec<ConsumerRow>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ConsumerRow {
    pub service: String,
    pub entity_ref: Option<String>,
    pub owner: Option<String>,
    pub calls: u64,
    pub errors: u64,
    /// Calls in which this consumer saw a failure (a 4xx, a timeout).
    pub caller_failures: u64,
    /// Spans the counts rest on (fewer than `calls`: an estimate).
    pub kept_spans: u64,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CoverageView {
    pub window: String,
    pub documented: Vec<UseRow>,
    pub undocumented: Vec<UseRow>,
    pub unused: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UseRow {
    pub method: String,
    pub path: String,
    pub requests: u64,
    pub errors: u64,
    /// Spans the counts rest on (fewer than `requests`: an estimate).
    pub kept_spans: u64,
    pub p95_ms: f64,
    pub last_seen: Option<String>,
}

/// `/apis/{namespace}/{name}` for an `api:namespace/name` ref.
pub fn api_href(entity_ref: &str) -> String {
    let rest = entity_ref.split_once(':').map_or(entity_ref, |(_, rest)| rest);
    let (namespace, name) = rest.split_once('/').unwrap_or(("default", rest));
    format!("/apis/{namespace}/{name}")
}
