//! Scorecards: YAML documents kept beside the descriptors
//! (`apiVersion: meridian.dev/v1`, `kind: Scorecard`) that grade entities by
//! levels, each level a list of built-in [`Rule`]s. An entity reaches a level
//! when it passes every rule of that level and of every level below.
//!
//! ```yaml
//! apiVersion: meridian.dev/v1
//! kind: Scorecard
//! metadata: {name: production-readiness, title: Production readiness}
//! spec:
//!   appliesTo: {kind: Component, type: service}   # type optional (a list too)
//!   levels:
//!     - {name: bronze, rules: [has-owner, has-api-definition]}
//!     - {name: silver, rules: [has-slo, no-undeclared-dependencies]}
//!     - {name: gold, rules: [meets-slos, documented-operations, deployed-recently]}
//!   thresholds: {documentedOperations: 0.8, deployedWithinDays: 30}
//! ```
//!
//! Problems are reported at `file:line:column`; a scorecard with an error
//! is left out, the others load.

use std::collections::BTreeSet;

use marked_yaml::Node;
use marked_yaml::types::{MarkedMappingNode, MarkedScalarNode};
use serde::Serialize;

use crate::yaml::{self, Document, FieldReader};
use crate::{Diagnostic, Location};

/// The `apiVersion` of Meridian's own documents.
pub const API_VERSION: &str = "meridian.dev/v1";

/// A check an entity passes or fails, on catalog facts or live ones.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Rule {
    /// An owner that is an entity of the catalog.
    HasOwner,
    HasDescription,
    /// Provides an API whose definition can be read.
    HasApiDefinition,
    /// Has at least one SLO.
    HasSlo,
    /// Has SLOs, and none is alerting (`ticket` or `page`).
    MeetsSlos,
    /// Calls nothing it does not declare (drift over the last 24 hours).
    NoUndeclaredDependencies,
    /// At least `documentedOperations` of the HTTP operations it served
    /// (last 24 hours) are documented by the APIs it provides.
    DocumentedOperations,
    /// Every breaking change of the APIs it provides came with a new major
    /// `info.version`.
    NoBreakingChangeWithoutVersionBump,
    /// Deployed within `deployedWithinDays`.
    DeployedRecently,
}

impl Rule {
    pub const ALL: [Rule; 9] = [
        Rule::HasOwner,
        Rule::HasDescription,
        Rule::HasApiDefinition,
        Rule::HasSlo,
        Rule::MeetsSlos,
        Rule::NoUndeclaredDependencies,
        Rule::DocumentedOperations,
        Rule::NoBreakingChangeWithoutVersionBump,
        Rule::DeployedRecently,
    ];

    pub fn id(self) -> &'static str {
        match self {
            Rule::HasOwner => "has-owner",
            Rule::HasDescription => "has-description",
            Rule::HasApiDefinition => "has-api-definition",
            Rule::HasSlo => "has-slo",
            Rule::MeetsSlos => "meets-slos",
            Rule::NoUndeclaredDependencies => "no-undeclared-dependencies",
            Rule::DocumentedOperations => "documented-operations",
            Rule::NoBreakingChangeWithoutVersionBump => "no-breaking-change-without-version-bump",
            Rule::DeployedRecently => "deployed-recently",
        }
    }

    pub fn parse(id: &str) -> Option<Rule> {
        Rule::ALL.into_iter().find(|rule| rule.id() == id)
    }
}

/// Numbers some rules read.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Thresholds {
    /// The share of observed operations that must be documented (0 to 1).
    pub documented_operations: f64,
    pub deployed_within_days: u32,
}

pub const DEFAULT_THRESHOLDS: Thresholds = Thresholds { documented_operations: 0.8, deployed_within_days: 30 };

#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
#[schema(as = ScorecardLevel)]
pub struct Level {
    pub name: String,
    pub rules: Vec<Rule>,
}

/// One scorecard, valid.
#[derive(Clone, Debug, PartialEq)]
pub struct Scorecard {
    pub name: String,
    pub title: Option<String>,
    pub description: Option<String>,
    /// Lower case (`component`).
    pub kind: String,
    /// `spec.type`s it applies to (lower case); empty for all.
    pub types: Vec<String>,
    /// Lowest first.
    pub levels: Vec<Level>,
    pub thresholds: Thresholds,
    pub location: Location,
}

impl Scorecard {
    /// Whether it grades `entity`.
    pub fn applies_to(&self, entity: &crate::Entity) -> bool {
        entity.kind.eq_ignore_ascii_case(&self.kind)
            && (self.types.is_empty() || entity.spec_str("type").is_some_and(|t| self.types.iter().any(|ty| ty.eq_ignore_ascii_case(t))))
    }

    /// Every rule of every level, each once.
    pub fn rules(&self) -> BTreeSet<Rule> {
        self.levels.iter().flat_map(|level| level.rules.iter().copied()).collect()
    }

    /// The index of the highest level reached: every rule of it and of
    /// every level below passes. `None` when not even the first is.
    pub fn level_reached(&self, passes: impl Fn(Rule) -> bool) -> Option<usize> {
        let reached = self.levels.iter().take_while(|level| level.rules.iter().all(|&rule| passes(rule))).count();
        reached.checked_sub(1)
    }
}

/// The scorecards of some files, and their problems.
#[derive(Debug, Default)]
pub struct Read {
    pub scorecards: Vec<Scorecard>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Reads the scorecards in `files` (path, text); names must be unique.
pub fn read_files(files: &[(String, String)]) -> Read {
    let mut read = Read::default();
    for (file, text) in files {
        for document in yaml::documents(file, text) {
            match document {
                Ok(document) => {
                    if let Some(card) = read_document(&document, &mut read.diagnostics) {
                        if let Some(first) = read.scorecards.iter().find(|c| c.name == card.name) {
                            let message = format!("scorecard `{}` is defined twice; the first, at {}, is kept", card.name, first.location);
                            read.diagnostics.push(Diagnostic::error(card.location.clone(), message));
                        } else {
                            read.scorecards.push(card);
                        }
                    }
                }
                // A file of descriptors or SLOs only is another reader's to report on.
                Err(problem) if text.contains(API_VERSION) && !text.contains("openslo/") => read.diagnostics.push(problem),
                Err(_) => {}
            }
        }
    }
    read
}

fn read_document(document: &Document, problems: &mut Vec<Diagnostic>) -> Option<Scorecard> {
    let root = document.root.as_mapping()?;
    let api_version = root.get_scalar("apiVersion")?;
    if !api_version.as_str().to_ascii_lowercase().starts_with("meridian.dev/") {
        return None;
    }
    let mut reader = Reader { fields: FieldReader::new(document) };
    let card = reader.scorecard(root, api_version);
    let rejected = reader.problems.iter().any(Diagnostic::is_error);
    problems.append(&mut reader.problems);
    card.filter(|_| !rejected)
}

/// One scorecard document being read (the field helpers are `yaml::FieldReader`'s).
struct Reader<'d> {
    fields: FieldReader<'d>,
}

impl<'d> std::ops::Deref for Reader<'d> {
    type Target = FieldReader<'d>;
    fn deref(&self) -> &FieldReader<'d> {
        &self.fields
    }
}

impl std::ops::DerefMut for Reader<'_> {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.fields
    }
}

impl Reader<'_> {
    /// A non-empty string under `key`, owned.
    fn text(&mut self, parent: &MarkedMappingNode, key: &str, required: bool) -> Option<String> {
        self.string(parent, key, required).map(|s| s.as_str().to_string())
    }

    fn scorecard(&mut self, root: &MarkedMappingNode, api_version: &MarkedScalarNode) -> Option<Scorecard> {
        if api_version.as_str() != API_VERSION {
            let location = self.at_scalar(api_version);
            self.error(location, format!("apiVersion `{}` is not read; Meridian reads `{API_VERSION}`", api_version.as_str()));
            return None;
        }
        let kind = self.text(root, "kind", true)?;
        if kind != "Scorecard" {
            let location = root.get_node("kind").map_or_else(|| self.document.start(), |node| self.at(node));
            self.error(location, format!("kind `{kind}` is not one of Meridian's; it reads kind `Scorecard`"));
            return None;
        }
        let location = self.document.start();
        let metadata = self.mapping(root, "metadata", true)?;
        let name = self.text(metadata, "name", true)?;
        let title = self.text(metadata, "title", false);
        let description = self.text(metadata, "description", false);
        let spec = self.mapping(root, "spec", true)?;
        let (kind, types) = match self.mapping(spec, "appliesTo", false) {
            Some(applies) => (
                self.text(applies, "kind", false).unwrap_or_else(|| "component".into()).to_ascii_lowercase(),
                self.strings(applies, "type"),
            ),
            None => ("component".to_string(), Vec::new()),
        };
        let levels = self.levels(spec)?;
        let thresholds = self.thresholds(spec);
        Some(Scorecard { name, title, description, kind, types, levels, thresholds, location })
    }

    fn levels(&mut self, spec: &MarkedMappingNode) -> Option<Vec<Level>> {
        let items = match spec.get_node("levels") {
            Some(Node::Sequence(items)) if !items.is_empty() => items,
            Some(other) => {
                let location = self.at(other);
                self.error(location, "`levels` must be a non-empty list, lowest level first");
                return None;
            }
            None => {
                let location = self.at_mapping(spec);
                self.error(location, "`levels` is required here");
                return None;
            }
        };
        let mut levels: Vec<Level> = Vec::new();
        for item in items.iter() {
            let Some(level) = item.as_mapping() else {
                let location = self.at(item);
                self.error(location, "a level must be a mapping with `name` and `rules`");
                continue;
            };
            let Some(name) = self.text(level, "name", true) else { continue };
            if levels.iter().any(|l| l.name == name) {
                let location = self.at_mapping(level);
                self.error(location, format!("level `{name}` is listed twice"));
                continue;
            }
            let mut rules = Vec::new();
            match level.get_node("rules") {
                Some(Node::Sequence(list)) => {
                    for rule in list.iter() {
                        let id = rule.as_scalar().map(|s| s.as_str().to_string()).unwrap_or_default();
                        match Rule::parse(&id) {
                            Some(rule) => rules.push(rule),
                            None => {
                                let location = self.at(rule);
                                let known: Vec<&str> = Rule::ALL.iter().map(|r| r.id()).collect();
                                self.error(location, format!("unknown rule `{id}`; rules are {}", known.join(", ")));
                            }
                        }
                    }
                }
                _ => {
                    let location = self.at_mapping(level);
                    self.error(location, format!("level `{name}` needs `rules`, a list of rule ids"));
                }
            }
            levels.push(Level { name, rules });
        }
        Some(levels)
    }

    fn thresholds(&mut self, spec: &MarkedMappingNode) -> Thresholds {
        let mut thresholds = DEFAULT_THRESHOLDS;
        let Some(given) = self.mapping(spec, "thresholds", false) else { return thresholds };
        let share = |v: &f64| (0.0..=1.0).contains(v);
        if let Some(value) = self.number(given, "documentedOperations", share, "a share from 0 to 1") {
            thresholds.documented_operations = value;
        }
        if let Some(value) = self.number(given, "deployedWithinDays", |d: &u32| *d > 0, "a whole number of days above 0") {
            thresholds.deployed_within_days = value;
        }
        thresholds
    }

    /// A number under `key`, if given; an error naming `what` it must be otherwise.
    fn number<T: std::str::FromStr>(&mut self, parent: &MarkedMappingNode, key: &str, valid: impl Fn(&T) -> bool, what: &str) -> Option<T> {
        let node = parent.get_node(key)?;
        let value = node.as_scalar().and_then(|s| s.as_str().parse::<T>().ok()).filter(valid);
        if value.is_none() {
            let location = self.at(node);
            self.error(location, format!("`{key}` must be {what}"));
        }
        value
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CARD: &str = "\
apiVersion: meridian.dev/v1
kind: Scorecard
metadata: {name: readiness, title: Production readiness}
spec:
  appliesTo: {kind: Component, type: [service, website]}
  levels:
    - {name: bronze, rules: [has-owner]}
    - {name: silver, rules: [has-slo, has-description]}
    - {name: gold, rules: [meets-slos]}
  thresholds: {documentedOperations: 0.9}
";

    #[test]
    fn scorecards_read_with_levels_rules_and_thresholds() {
        let read = read_files(&[("cards.yaml".into(), CARD.into())]);
        assert_eq!(read.diagnostics, []);
        let card = &read.scorecards[0];
        assert_eq!(
            (card.name.as_str(), card.kind.as_str(), card.types.clone()),
            ("readiness", "component", vec!["service".to_string(), "website".into()])
        );
        assert_eq!(card.levels.iter().map(|l| l.name.as_str()).collect::<Vec<_>>(), ["bronze", "silver", "gold"]);
        assert_eq!(card.thresholds, Thresholds { documented_operations: 0.9, deployed_within_days: 30 });
        assert_eq!(card.level_reached(|_| true), Some(2));
        assert_eq!(card.level_reached(|rule| rule != Rule::HasDescription), Some(0), "a level needs every rule of it");
        assert_eq!(card.level_reached(|rule| rule != Rule::HasOwner), None, "and of every level below");
    }

    #[test]
    fn problems_name_file_line_and_column() {
        let text = CARD.replace("[has-owner]", "[has-owner, has-ownr]").replace("0.9", "2");
        let read = read_files(&[("cards.yaml".into(), text)]);
        let messages: Vec<String> = read.diagnostics.iter().map(ToString::to_string).collect();
        assert!(messages[0].starts_with("cards.yaml:7:41: error: unknown rule `has-ownr`; rules are has-owner,"), "{messages:?}");
        assert!(messages[1].starts_with("cards.yaml:10:38: error: `documentedOperations` must be a share"), "{messages:?}");
        assert!(read.scorecards.is_empty(), "a scorecard with an error is left out");
        let twice = read_files(&[("a.yaml".into(), CARD.into()), ("b.yaml".into(), CARD.into())]);
        assert_eq!(twice.scorecards.len(), 1);
        assert!(twice.diagnostics[0].to_string().contains("defined twice; the first, at a.yaml:1:1, is kept"), "{:?}", twice.diagnostics);
        let other = read_files(&[("x.yaml".into(), "apiVersion: backstage.io/v1alpha1\nkind: Component\n".into())]);
        assert!(other.scorecards.is_empty() && other.diagnostics.is_empty(), "descriptors are not scorecards");
    }
}
