//! Problems found in descriptor files, each pointing at the text that caused it.

use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

/// Where in a source file a problem is. Lines and columns are 1-based.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema, Deserialize)]
#[schema(as = SourceLocation)]
pub struct Location {
    /// Shared by every location in one file (a catalog holds one per entity).
    pub file: Arc<str>,
    pub line: usize,
    pub column: usize,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The entity (or document) is rejected.
    Error,
    /// The entity is kept; something about it deserves attention.
    Warning,
}

impl Severity {
    /// `error` or `warning`, as shown to people and in `status.items`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// One problem: where, what, and which entity when that is known.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Diagnostic {
    pub location: Location,
    pub severity: Severity,
    pub message: String,
    pub entity_ref: Option<String>,
    /// This warning says no built-in kind claims the entity (a custom kind):
    /// [`crate::Kinds::Strict`] makes it an error and rejects the entity.
    #[serde(skip)]
    pub unclaimed: bool,
}

impl Diagnostic {
    pub fn error(location: Location, message: impl Into<String>) -> Self {
        Self { location, severity: Severity::Error, message: message.into(), entity_ref: None, unclaimed: false }
    }

    pub fn warning(location: Location, message: impl Into<String>) -> Self {
        Self { location, severity: Severity::Warning, message: message.into(), entity_ref: None, unclaimed: false }
    }

    pub fn for_entity(mut self, entity_ref: Option<String>) -> Self {
        self.entity_ref = entity_ref;
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// `file:line:column: message`, the format editors and CI logs understand,
/// with the entity ref appended when known.
impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}: {}", self.location, self.severity.as_str(), self.message)?;
        if let Some(entity_ref) = &self.entity_ref {
            write!(f, " [{entity_ref}]")?;
        }
        Ok(())
    }
}
