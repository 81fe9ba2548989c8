//! A diff's changes written for people and for CI, grouped by what changed
//! ([`groups`]: one edit of a shared schema is one group naming every
//! operation it reaches): plain text in aligned columns, JSON (every
//! operation of every group), a Markdown table (pull-request comments) and
//! JUnit XML (CI test reports, a failure per group at or above the fail
//! level).

use std::collections::HashMap;
use std::fmt::Write as _;

use serde::Serialize;

use crate::diff::{Change, Level, OperationRef};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
    Markdown,
    Junit,
}

/// Operations a text or Markdown report names for one group; JSON names all.
pub const OPERATIONS_NAMED: usize = 3;

/// One edit of the document and every operation it reaches: changes of the
/// same level, check and pointer. A property removed from a shared schema
/// is one group naming the operations that return it, not a line each.
#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
#[schema(as = ChangeGroup)]
pub struct Group {
    pub level: Level,
    pub id: String,
    /// What changed, in words: ``schema `Order` ``, `the base path`, `GET /orders`.
    pub subject: String,
    pub pointer: String,
    /// Whether `pointer` is into the old version (what was removed).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub old: bool,
    /// Where the pointer leads, as `file:line:column`, when the reader knows.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// The change as the first operation it reaches sees it.
    pub message: String,
    /// Every operation it reaches, in report order.
    pub operations: Vec<OperationRef>,
}

impl Group {
    /// How a report names it: the one operation it reaches (its pointer
    /// says which schema), else what it edits.
    pub fn named(&self) -> String {
        match self.operations.as_slice() {
            [one] => one.to_string(),
            _ => self.subject.clone(),
        }
    }
}

/// The groups of `changes` at `least` or above, most severe first, each
/// level in the order the changes came.
pub fn groups(changes: &[Change], least: Level) -> Vec<Group> {
    let mut groups: Vec<Group> = Vec::new();
    let mut index: HashMap<(Level, &str, &str, bool), usize> = HashMap::new();
    for change in changes.iter().filter(|c| c.level >= least) {
        let at = *index.entry((change.level, change.id.as_str(), change.pointer.as_str(), change.old)).or_insert_with(|| {
            groups.push(Group {
                level: change.level,
                id: change.id.clone(),
                subject: String::new(),
                pointer: change.pointer.clone(),
                old: change.old,
                location: None,
                message: change.message.clone(),
                operations: Vec::new(),
            });
            groups.len() - 1
        });
        if let Some(operation) = &change.operation
            && !groups[at].operations.contains(operation)
        {
            groups[at].operations.push(operation.clone());
        }
    }
    for group in &mut groups {
        group.subject = subject(&group.pointer, &group.operations);
    }
    // Stable: within a level, the order the diff gave.
    groups.sort_by_key(|group| std::cmp::Reverse(group.level));
    groups
}

/// What a pointer names: a component, the base path, global security; else
/// the one operation (or path) it sits in.
fn subject(pointer: &str, operations: &[OperationRef]) -> String {
    let (file, inner) = match pointer.split_once('#') {
        Some((file, inner)) => (Some(file), inner),
        None => (None, pointer),
    };
    let parts: Vec<String> = inner.split('/').skip(1).map(|p| p.replace("~1", "/").replace("~0", "~")).collect();
    let named = match parts.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        ["components", kind, name, ..] => Some(format!("{} `{name}`", component_kind(kind))),
        ["definitions", name, ..] => Some(format!("schema `{name}`")),
        ["parameters", name, ..] => Some(format!("parameter `{name}`")),
        ["responses", name, ..] => Some(format!("response `{name}`")),
        ["securityDefinitions", name, ..] => Some(format!("security scheme `{name}`")),
        ["servers", ..] | ["basePath"] => Some("the base path".to_string()),
        ["security", ..] => Some("global security".to_string()),
        ["paths", path, ..] if operations.len() > 1 => Some(format!("path `{path}`")),
        _ => None,
    };
    match (file, named) {
        (Some(file), Some(named)) => format!("{named} of `{file}`"),
        (Some(file), None) => format!("`{file}`"),
        (None, Some(named)) => named,
        (None, None) => operations.first().map_or_else(|| "the document".to_string(), ToString::to_string),
    }
}

fn component_kind(kind: &str) -> &str {
    match kind {
        "schemas" => "schema",
        "parameters" => "parameter",
        "responses" => "response",
        "requestBodies" => "request body",
        "headers" => "header",
        "securitySchemes" => "security scheme",
        "examples" => "example",
        "links" => "link",
        "callbacks" => "callback",
        "pathItems" => "path item",
        other => other,
    }
}

/// `3 operations: GET /a, GET /b, GET /c and 2 more`.
fn reach(operations: &[OperationRef]) -> String {
    let named: Vec<String> = operations.iter().take(OPERATIONS_NAMED).map(ToString::to_string).collect();
    let more = operations.len().saturating_sub(OPERATIONS_NAMED);
    let rest = if more > 0 { format!(" and {more} more") } else { String::new() };
    format!("{}: {}{rest}", count_of(operations.len(), "operation"), named.join(", "))
}

/// `1 change`, `2 changes`.
fn count_of(n: usize, noun: &str) -> String {
    if n == 1 { format!("1 {noun}") } else { format!("{n} {noun}s") }
}

/// Turns a change's pointer (into the old version when the flag says so)
/// into `file:line:column`, when it can.
pub type Locate<'a> = &'a dyn Fn(&str, bool) -> Option<String>;

/// The changes at `least` or above in `format`, grouped, each pointer
/// located by `locate`; `fail_on` marks JUnit failures.
pub fn render(changes: &[Change], format: Format, fail_on: Level, least: Level, locate: Locate<'_>) -> String {
    let mut groups = groups(changes, least);
    for group in &mut groups {
        group.location = locate(&group.pointer, group.old);
    }
    match format {
        Format::Text => text(&groups),
        Format::Json => json(changes, &groups),
        Format::Markdown => markdown(&groups),
        Format::Junit => junit(&groups, fail_on),
    }
}

/// Aligned columns: level, check, what changed, the change and its pointer;
/// a group reaching several operations names them on the next line.
fn text(groups: &[Group]) -> String {
    let width = |f: &dyn Fn(&Group) -> usize| groups.iter().map(f).max().unwrap_or(0);
    let (level, id) = (width(&|g| g.level.label().len()), width(&|g| g.id.len()));
    let subject = width(&|g| g.named().chars().count()).min(40);
    let mut out = String::new();
    for group in groups {
        let _ = writeln!(
            out,
            "{:<level$}  {:<id$}  {:<subject$}  {}  [{}]",
            group.level.label(),
            group.id,
            group.named(),
            group.message,
            group.location.as_deref().unwrap_or(&group.pointer)
        );
        if group.operations.len() > 1 {
            let _ = writeln!(out, "{:indent$}reaches {}", "", reach(&group.operations), indent = level + 2);
        }
    }
    out
}

/// How many of `changes` are at `level`.
fn count(changes: &[Change], level: Level) -> usize {
    changes.iter().filter(|c| c.level == level).count()
}

fn json(changes: &[Change], groups: &[Group]) -> String {
    let count = |level| count(changes, level);
    let report = serde_json::json!({
        "changes": changes.len(),
        "breaking": count(Level::Breaking),
        "warnings": count(Level::Warning),
        "nonBreaking": count(Level::Info),
        "groups": groups,
    });
    serde_json::to_string_pretty(&report).unwrap_or_default() + "\n"
}

/// One line on how many changes of each level there are.
pub fn summary(changes: &[Change]) -> String {
    let count = |level| count(changes, level);
    format!(
        "{}: {} breaking, {}, {} non-breaking",
        count_of(changes.len(), "change"),
        count(Level::Breaking),
        count_of(count(Level::Warning), "warning"),
        count(Level::Info)
    )
}

fn markdown(groups: &[Group]) -> String {
    let cell = |text: &str| text.replace('|', "\\|").replace('\n', " ");
    let mut out = String::from("| Level | Check | What changed | Change | Operations |\n|---|---|---|---|---|\n");
    for group in groups {
        let _ = writeln!(
            out,
            "| {} | `{}` | {} | {} | {} |",
            group.level.label(),
            group.id,
            cell(&group.subject),
            cell(&group.message),
            cell(&reach(&group.operations))
        );
    }
    if groups.is_empty() {
        out.push_str("| | | | no changes | |\n");
    }
    out
}

/// A test case per group, failed at `fail_on` or above.
fn junit(groups: &[Group], fail_on: Level) -> String {
    let failures = groups.iter().filter(|g| g.level >= fail_on).count();
    let tests = groups.len().max(1);
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(out, "<testsuites name=\"meridian api diff\" tests=\"{tests}\" failures=\"{failures}\">");
    let _ = writeln!(out, "  <testsuite name=\"api changes\" tests=\"{tests}\" failures=\"{failures}\">");
    for group in groups {
        let name = xml(&format!("{} {}", group.id, group.pointer));
        let _ = write!(out, "    <testcase classname=\"{}\" name=\"{name}\"", xml(&group.subject));
        if group.level >= fail_on {
            let message = format!("{} ({})", group.message, reach(&group.operations));
            let _ = writeln!(out, ">\n      <failure type=\"{}\" message=\"{}\"/>\n    </testcase>", group.level.label(), xml(&message));
        } else {
            let _ = writeln!(out, "/>");
        }
    }
    if groups.is_empty() {
        out.push_str("    <testcase classname=\"api\" name=\"no changes\"/>\n");
    }
    out.push_str("  </testsuite>\n</testsuites>\n");
    out
}

fn xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if (c as u32) < 0x20 && !matches!(c, '\n' | '\t' | '\r') => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(level: Level, path: &str, pointer: &str) -> Change {
        Change {
            level,
            id: "request-parameter-removed".into(),
            operation: Some(OperationRef { method: "GET".into(), path: path.into() }),
            pointer: pointer.into(),
            old: true,
            message: "query parameter `a|<b>` was removed".into(),
        }
    }

    #[test]
    fn every_format_carries_level_id_subject_sentence_and_pointer() {
        let changes = [
            change(Level::Warning, "/orders", "/paths/~1orders/get/parameters/0"),
            change(Level::Info, "/orders", "/paths/~1orders/get/parameters/1"),
        ];
        let text = render(&changes, Format::Text, Level::Breaking, Level::Info, &|_, _| None);
        assert_eq!(
            text.lines().next(),
            Some(
                "WARNING       request-parameter-removed  GET /orders  query parameter `a|<b>` was removed  [/paths/~1orders/get/parameters/0]"
            )
        );
        let json: serde_json::Value =
            serde_json::from_str(&render(&changes, Format::Json, Level::Breaking, Level::Info, &|_, _| None)).unwrap();
        assert_eq!((json["changes"].as_u64(), json["warnings"].as_u64()), (Some(2), Some(1)));
        assert_eq!(json["groups"][0]["level"], "warning");
        assert_eq!(json["groups"][0]["operations"][0]["path"], "/orders");
        assert!(render(&changes, Format::Markdown, Level::Breaking, Level::Info, &|_, _| None).contains("`a\\|<b>`"));
        let junit = render(&changes, Format::Junit, Level::Warning, Level::Info, &|_, _| None);
        assert!(junit.contains("failures=\"1\"") && junit.contains("a|&lt;b&gt;"), "{junit}");
        assert_eq!(summary(&changes), "2 changes: 0 breaking, 1 warning, 1 non-breaking");
        assert_eq!(summary(&changes[..1]), "1 change: 0 breaking, 1 warning, 0 non-breaking");
        assert_eq!(
            render(&changes, Format::Text, Level::Breaking, Level::Warning, &|_, _| None).lines().count(),
            1,
            "`--level warning` shows no info"
        );
    }

    #[test]
    fn one_edit_of_a_shared_schema_is_one_group_naming_its_operations() {
        let pointer = "/components/schemas/Order/properties/total";
        let changes: Vec<Change> = (0..2505).map(|i| change(Level::Breaking, &format!("/r{i}"), pointer)).collect();
        let groups = groups(&changes, Level::Info);
        assert_eq!(groups.len(), 1);
        assert_eq!((groups[0].subject.as_str(), groups[0].operations.len()), ("schema `Order`", 2505));
        let text = render(&changes, Format::Text, Level::Breaking, Level::Info, &|_, _| None);
        assert_eq!(text.lines().count(), 2, "{text}");
        assert!(text.lines().nth(1).unwrap().ends_with("reaches 2505 operations: GET /r0, GET /r1, GET /r2 and 2502 more"), "{text}");
        let json: serde_json::Value =
            serde_json::from_str(&render(&changes, Format::Json, Level::Breaking, Level::Info, &|_, _| None)).unwrap();
        assert_eq!(json["groups"][0]["operations"].as_array().map(Vec::len), Some(2505), "JSON names every operation");

        assert_eq!(subject("/servers/0/url", &[]), "the base path");
        assert_eq!(subject("/security", &groups[0].operations), "global security");
        assert_eq!(subject("common.yaml#/components/schemas/Money/type", &[]), "schema `Money` of `common.yaml`");
        assert_eq!(subject("/paths/~1orders/parameters/0", &groups[0].operations[..2]), "path `/orders`");
    }
}
