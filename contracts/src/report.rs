//! A diff's changes written for people and for CI: plain text (one line per
//! change), JSON, a Markdown table (pull-request comments) and JUnit XML
//! (CI test reports, a failure per change at or above the fail level).

use std::fmt::Write as _;

use crate::diff::{Change, Level};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
    Markdown,
    Junit,
}

/// The changes in `format`; `fail_on` marks JUnit failures.
pub fn render(changes: &[Change], format: Format, fail_on: Level) -> String {
    match format {
        Format::Text => text(changes),
        Format::Json => serde_json::to_string_pretty(changes).unwrap_or_default() + "\n",
        Format::Markdown => markdown(changes),
        Format::Junit => junit(changes, fail_on),
    }
}

fn operation(change: &Change) -> String {
    change.operation.as_ref().map_or_else(|| "-".to_string(), ToString::to_string)
}

/// `BREAKING  request-parameter-removed  GET /orders  /paths/~1orders/get/parameters/0  query parameter `limit` was removed`
fn text(changes: &[Change]) -> String {
    let mut out = String::new();
    for change in changes {
        let _ = writeln!(out, "{:<12}  {}  {}  {}  {}", change.level.label(), change.id, operation(change), change.pointer, change.message);
    }
    out
}

/// One line on how many changes of each level there are.
pub fn summary(changes: &[Change]) -> String {
    let count = |level| changes.iter().filter(|c| c.level == level).count();
    format!(
        "{} changes: {} breaking, {} warnings, {} non-breaking",
        changes.len(),
        count(Level::Breaking),
        count(Level::Warning),
        count(Level::Info)
    )
}

fn markdown(changes: &[Change]) -> String {
    let cell = |text: &str| text.replace('|', "\\|").replace('\n', " ");
    let mut out = String::from("| Level | Check | Operation | Location | Change |\n|---|---|---|---|---|\n");
    for change in changes {
        let _ = writeln!(
            out,
            "| {} | `{}` | {} | `{}` | {} |",
            change.level.label(),
            change.id,
            cell(&operation(change)),
            cell(&change.pointer),
            cell(&change.message)
        );
    }
    if changes.is_empty() {
        out.push_str("| | | | | no changes |\n");
    }
    out
}

fn junit(changes: &[Change], fail_on: Level) -> String {
    let failures = changes.iter().filter(|c| c.level >= fail_on).count();
    let tests = changes.len().max(1);
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(out, "<testsuites name=\"meridian api diff\" tests=\"{tests}\" failures=\"{failures}\">");
    let _ = writeln!(out, "  <testsuite name=\"api changes\" tests=\"{tests}\" failures=\"{failures}\">");
    for change in changes {
        let name = xml(&format!("{} {}", change.id, change.pointer));
        let _ = write!(out, "    <testcase classname=\"{}\" name=\"{name}\"", xml(&operation(change)));
        if change.level >= fail_on {
            let _ = writeln!(
                out,
                ">\n      <failure type=\"{}\" message=\"{}\"/>\n    </testcase>",
                change.level.label(),
                xml(&change.message)
            );
        } else {
            let _ = writeln!(out, "/>");
        }
    }
    if changes.is_empty() {
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
    use crate::diff::OperationRef;

    fn change(level: Level) -> Change {
        Change {
            level,
            id: "request-parameter-removed".into(),
            operation: Some(OperationRef { method: "GET".into(), path: "/orders".into() }),
            pointer: "/paths/~1orders/get/parameters/0".into(),
            message: "query parameter `a|<b>` was removed".into(),
        }
    }

    #[test]
    fn every_format_carries_level_id_operation_pointer_and_sentence() {
        let changes = [change(Level::Warning), change(Level::Info)];
        let text = render(&changes, Format::Text, Level::Breaking);
        assert_eq!(
            text.lines().next(),
            Some(
                "WARNING       request-parameter-removed  GET /orders  /paths/~1orders/get/parameters/0  query parameter `a|<b>` was removed"
            )
        );
        let json: serde_json::Value = serde_json::from_str(&render(&changes, Format::Json, Level::Breaking)).unwrap();
        assert_eq!(json[0]["level"], "warning");
        assert_eq!(json[0]["operation"]["path"], "/orders");
        assert!(render(&changes, Format::Markdown, Level::Breaking).contains("`a\\|<b>`"));
        let junit = render(&changes, Format::Junit, Level::Warning);
        assert!(junit.contains("failures=\"1\"") && junit.contains("a|&lt;b&gt;"), "{junit}");
        assert_eq!(summary(&changes), "2 changes: 0 breaking, 1 warnings, 1 non-breaking");
    }
}
