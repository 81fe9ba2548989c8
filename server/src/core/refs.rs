//! Entity refs as a request may write them: whatever a descriptor may write
//! (`team-shop`, `default/team-shop`, `group:default/team-shop`), completed
//! with the kind the parameter implies and the default namespace, as
//! Backstage completes `spec.owner`. Every adapter parses refs here, so
//! `?owner=team-shop` means the same on every endpoint and page.

use catalog::EntityRef;
use catalog::entity_ref::DEFAULT_NAMESPACE;

use super::Error;

/// An owner's key (`group:default/team-shop`): kind Group unless written
/// (`user:jdoe`). `field` names the parameter in the error.
pub fn owner_key(field: &str, text: &str) -> Result<String, Error> {
    key(field, text, "group")
}

/// An entity's key, `default_kind` unless written.
pub fn entity_key(field: &str, text: &str, default_kind: &str) -> Result<String, Error> {
    key(field, text, default_kind)
}

/// What an `owner` or `entity` parameter may be, as the API document says
/// it: `[kind:][namespace/]name`, no part empty or holding `:`, `/` or a
/// space (a Backstage name never does). The class names the spaces that
/// Rust's and Python's `\s` disagree on, so a client generating from it
/// and [`key`] agree. Empty is allowed: a parameter left empty is not given.
pub const PATTERN: &str = r"^(?:(?:[^:/\s\x1C-\x1F\u0085\uFEFF]+:)?(?:[^:/\s\x1C-\x1F\u0085\uFEFF]+/)?[^:/\s\x1C-\x1F\u0085\uFEFF]+)?$";

/// Spaces as [`PATTERN`] counts them: Unicode's, the four separators
/// Python also counts (U+001C–U+001F), and the byte-order mark.
fn is_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c) || c == '\u{feff}'
}

fn key(field: &str, text: &str, default_kind: &str) -> Result<String, Error> {
    // A trailing newline is what `$` lets through: ignored, as a window's is.
    let text = text.strip_suffix('\n').unwrap_or(text);
    let parts_ok = || {
        let (kind, rest) = text.split_once(':').map_or((None, text), |(kind, rest)| (Some(kind), rest));
        let (namespace, name) = rest.split_once('/').map_or((None, rest), |(namespace, name)| (Some(namespace), name));
        [kind, namespace, Some(name)]
            .into_iter()
            .flatten()
            .all(|part| !part.is_empty() && !part.contains([':', '/']) && !part.contains(is_space))
    };
    if !parts_ok() {
        return Err(Error::Invalid(format!(
            "`{field}`: `{text}` is not an entity ref such as `team-shop`, `default/team-shop` or `group:default/team-shop`"
        )));
    }
    EntityRef::parse(text, Some(default_kind), DEFAULT_NAMESPACE)
        .map(|entity| entity.key())
        .map_err(|error| Error::Invalid(format!("`{field}`: {error}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_a_descriptor_writes_is_completed() {
        for written in ["team-shop", "default/team-shop", "group:default/team-shop", "Group:Default/Team-Shop", "team-shop\n"] {
            assert_eq!(owner_key("owner", written).ok().as_deref(), Some("group:default/team-shop"), "{written}");
        }
        assert_eq!(owner_key("owner", "user:jdoe").ok().as_deref(), Some("user:default/jdoe"));
        assert_eq!(entity_key("entity", "checkout", "component").ok().as_deref(), Some("component:default/checkout"));
        let Err(Error::Invalid(message)) = owner_key("owner", "group:/x") else { panic!("an empty namespace is refused") };
        assert!(message.starts_with("`owner`: "), "{message}");
    }

    #[test]
    fn the_pattern_accepts_exactly_what_the_parser_accepts() {
        let pattern = regex::Regex::new(PATTERN).expect("a valid pattern");
        let samples = [
            "team",
            "a:b",
            "a/b",
            "a:b/c",
            "",
            ":",
            "/",
            "a:",
            ":b",
            "a/",
            "/b",
            "a:b:c",
            "a/b/c",
            "a:/b",
            " team",
            "team ",
            "te am",
            "a\u{1c}b",
            "a\u{85}b",
            "a\u{a0}b",
            "a\u{feff}b",
            "a\u{3000}b",
            "ü:ñ/日本",
            "a\tb",
        ];
        for text in samples {
            let given = !text.is_empty();
            assert_eq!(pattern.is_match(text), !given || owner_key("owner", text).is_ok(), "`{}`", text.escape_debug());
        }
    }
}
