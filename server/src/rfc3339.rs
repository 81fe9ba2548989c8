//! Times in answers: unix seconds inside the core, RFC 3339 in every JSON
//! an adapter sends (`#[serde(serialize_with = ...)]`), one format everywhere.

use serde::Serializer;

/// Unix seconds as RFC 3339 (`2026-12-07T12:00:00Z`); before 1970 is 1970.
pub fn serialize<S: Serializer>(secs: &i64, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&slo::window::rfc3339((*secs).max(0) as u64))
}

/// [`serialize`] for a time that may be absent (`null`).
pub fn serialize_option<S: Serializer>(secs: &Option<u64>, serializer: S) -> Result<S::Ok, S::Error> {
    match secs {
        Some(secs) => serializer.serialize_str(&slo::window::rfc3339(*secs)),
        None => serializer.serialize_none(),
    }
}
