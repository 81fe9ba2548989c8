//! The policy file (`--policy PATH`): YAML, read with positions so every
//! problem names `file:line:column`; a file with any error is refused
//! whole (Meridian does not start on half a policy).
//!
//! ```yaml
//! apiVersion: meridian.dev/v1
//! kind: Policy
//! spec:
//!   roles:                        # optional: who holds which role
//!     admin: [group:default/platform]
//!     reader: [group:default/contractors]
//!   rules:                        # optional: replaces the default rules
//!     - allow: [read]
//!       to: everyone
//!     - allow: [edit, delete, report-deploy]
//!       to: owners                # the members of the entity's owning group
//!     - allow: [register]
//!       to: role:owner
//!     - deny: [read]
//!       to: everyone
//!       namespaces: [secret]      # also kinds: [...] and owners: [...]
//! ```
//!
//! `to` is `everyone`, `signed-in`, `owners`, `role:reader|owner|admin`,
//! or an entity ref (`group:default/team-a`, `user:default/alice`). A
//! subject listed under several roles holds the highest; one listed under
//! none holds the default (owner with a `User` entity, reader without).

use std::collections::BTreeSet;

use catalog::entity_ref::DEFAULT_NAMESPACE;
use catalog::yaml::FieldReader;
use catalog::{Diagnostic, EntityRef};
use marked_yaml::Node;

use super::{Action, Effect, Grantee, Policy, Role, Rule};

const API_VERSION: &str = "meridian.dev/v1";

/// Reads a policy file's text; `file` names it in problems.
pub fn read(file: &str, text: &str) -> Result<Policy, Vec<Diagnostic>> {
    let mut documents = catalog::yaml::documents(file, text);
    let document = match documents.next() {
        Some(Ok(document)) => document,
        Some(Err(problem)) => return Err(vec![problem]),
        None => {
            let at = catalog::Location { file: file.into(), line: 1, column: 1 };
            return Err(vec![Diagnostic::error(
                at,
                "the policy file is empty: it needs `apiVersion: meridian.dev/v1`, `kind: Policy` and `spec`",
            )]);
        }
    };
    let mut reader = FieldReader::new(&document);
    let policy = policy(&mut reader);
    if let Some(Ok(extra)) = documents.next() {
        let at = extra.start();
        reader.error(at, "a policy file holds one document");
    }
    match policy {
        Some(policy) if !reader.problems.iter().any(Diagnostic::is_error) => Ok(policy),
        _ => Err(reader.problems),
    }
}

fn policy(reader: &mut FieldReader) -> Option<Policy> {
    let Some(root) = reader.document.root.as_mapping() else {
        let at = reader.document.start();
        reader.error(at, "a policy is a mapping with `apiVersion`, `kind` and `spec`");
        return None;
    };
    let version = reader.string(root, "apiVersion", true)?;
    if version.as_str() != API_VERSION {
        let at = reader.at_scalar(version);
        reader.error(at, format!("apiVersion `{}` is not read; a policy is `{API_VERSION}`", version.as_str()));
    }
    let kind = reader.string(root, "kind", true)?;
    if kind.as_str() != "Policy" {
        let at = reader.at_scalar(kind);
        reader.error(at, format!("kind `{}`: a policy file's kind is `Policy`", kind.as_str()));
    }
    let spec = reader.mapping(root, "spec", true)?;
    let mut policy = Policy::default();
    if let Some(roles) = reader.mapping(spec, "roles", false) {
        for (name, members) in roles.iter() {
            let Some(role) = Role::named(name.as_str()) else {
                let at = reader.at_scalar(name);
                reader.error(at, format!("unknown role `{}`; roles are reader, owner, admin", name.as_str()));
                continue;
            };
            for member in list(reader, members, "a role's members") {
                if let Some(grantee) = grantee(reader, member) {
                    policy.roles.push((role, grantee));
                }
            }
        }
    }
    match spec.get_node("rules") {
        None => {}
        Some(Node::Sequence(items)) => policy.rules = items.iter().filter_map(|item| rule(reader, item)).collect(),
        Some(other) => {
            let at = reader.at(other);
            reader.error(at, "`rules` must be a list of rules");
        }
    }
    Some(policy)
}

/// The items of a list (a single string counts as a list of one).
fn list<'n>(reader: &mut FieldReader, node: &'n Node, what: &str) -> Vec<&'n Node> {
    match node {
        Node::Sequence(items) => items.iter().collect(),
        Node::Scalar(_) => vec![node],
        Node::Mapping(_) => {
            let at = reader.at(node);
            reader.error(at, format!("{what} must be a list"));
            Vec::new()
        }
    }
}

fn grantee(reader: &mut FieldReader, node: &Node) -> Option<Grantee> {
    let Some(text) = node.as_scalar().map(|s| s.as_str().trim()) else {
        let at = reader.at(node);
        reader.error(at, "expected `everyone`, `signed-in`, `owners`, `role:NAME` or an entity ref");
        return None;
    };
    let grantee = match text {
        "everyone" => Some(Grantee::Everyone),
        "signed-in" => Some(Grantee::SignedIn),
        "owners" => Some(Grantee::Owners),
        _ => match text.strip_prefix("role:") {
            Some(role) => Role::named(role).map(Grantee::Role),
            None => match EntityRef::parse(text, None, DEFAULT_NAMESPACE) {
                Ok(entity) if entity.kind.eq_ignore_ascii_case("group") => Some(Grantee::Group(entity.key())),
                Ok(entity) if entity.kind.eq_ignore_ascii_case("user") => Some(Grantee::User(entity.key())),
                _ => None,
            },
        },
    };
    if grantee.is_none() {
        let at = reader.at(node);
        reader.error(at, format!("`{text}` is not `everyone`, `signed-in`, `owners`, `role:reader|owner|admin`, nor a group or user ref"));
    }
    grantee
}

fn rule(reader: &mut FieldReader, node: &Node) -> Option<Rule> {
    let Some(map) = node.as_mapping() else {
        let at = reader.at(node);
        reader
            .error(at, "a rule is a mapping: `allow` or `deny` (a list of actions), `to`, and optionally `kinds`, `namespaces`, `owners`");
        return None;
    };
    let (effect, actions_node) = match (map.get_node("allow"), map.get_node("deny")) {
        (Some(actions), None) => (Effect::Allow, actions),
        (None, Some(actions)) => (Effect::Deny, actions),
        (Some(_), Some(_)) => {
            let at = reader.at_mapping(map);
            reader.error(at, "a rule either allows or denies, not both");
            return None;
        }
        (None, None) => {
            let at = reader.at_mapping(map);
            reader.error(at, "a rule needs `allow` or `deny`: a list of actions");
            return None;
        }
    };
    let mut actions = BTreeSet::new();
    for item in list(reader, actions_node, "`allow` and `deny`") {
        let name = item.as_scalar().map(|s| s.as_str()).unwrap_or_default();
        match Action::ALL.iter().find(|action| action.as_str() == name) {
            Some(action) => {
                actions.insert(*action);
            }
            None => {
                let at = reader.at(item);
                let known: Vec<&str> = Action::ALL.iter().map(|a| a.as_str()).collect();
                reader.error(at, format!("unknown action `{name}`; actions are {}", known.join(", ")));
            }
        }
    }
    let grantee = match map.get_node("to") {
        Some(to) => grantee(reader, to)?,
        None => return reader.missing(map, "to"),
    };
    let kinds = reader.strings(map, "kinds").into_iter().collect();
    let namespaces = reader.strings(map, "namespaces").into_iter().collect();
    let mut owners = BTreeSet::new();
    for owner in reader.strings(map, "owners") {
        match EntityRef::parse(&owner, Some("group"), DEFAULT_NAMESPACE) {
            Ok(owner) => {
                owners.insert(owner.key());
            }
            Err(error) => {
                let at = reader.at_mapping(map);
                reader.error(at, format!("owner `{owner}`: {error}"));
            }
        }
    }
    for (key, _) in map.iter() {
        if !matches!(key.as_str(), "allow" | "deny" | "to" | "kinds" | "namespaces" | "owners") {
            let at = reader.at_scalar(key);
            reader.error(at, format!("unknown field `{}` in a rule", key.as_str()));
        }
    }
    Some(Rule { effect, actions, grantee, kinds, namespaces, owners })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::{Decision, Subject, Target, Who};

    #[test]
    fn a_policy_file_gives_roles_and_replaces_the_rules() {
        let text = "apiVersion: meridian.dev/v1\nkind: Policy\nspec:\n  roles:\n    admin: [group:platform]\n    reader: user:default/bob\n  rules:\n    - allow: [read, edit]\n      to: signed-in\n      kinds: [API]\n    - deny: read\n      to: everyone\n      namespaces: [Secret]\n      owners: [team-x]\n";
        let policy = read("policy.yaml", text).unwrap();
        assert_eq!(
            policy.roles,
            [(Role::Admin, Grantee::Group("group:default/platform".into())), (Role::Reader, Grantee::User("user:default/bob".into()))]
        );
        assert_eq!(policy.rules.len(), 2);
        assert_eq!(policy.rules[1].owners, ["group:default/team-x".to_string()].into());
        let person = Subject {
            who: Who::Person { email: "a@example.com".into(), user: Some("user:default/a".into()) },
            role: Role::Owner,
            groups: BTreeSet::new(),
        };
        let api = Target::Entity { kind: "API", namespace: "default", owner: None };
        assert_eq!(policy.decide(&person, Action::Edit, api), Decision::Allowed);
        assert!(matches!(policy.decide(&Subject::guest(), Action::Read, api), Decision::Denied { .. }), "signed-in only");
    }

    #[test]
    fn every_problem_is_located_and_the_file_is_refused() {
        let text = "apiVersion: meridian.dev/v1\nkind: Policy\nspec:\n  roles:\n    boss: [group:platform]\n  rules:\n    - allow: [read, fly]\n      to: role:king\n    - deny: [read]\n      to: everyone\n      colour: red\n";
        let problems = read("policy.yaml", text).unwrap_err();
        let shown: Vec<String> = problems.iter().map(|p| format!("{}: {}", p.location, p.message)).collect();
        assert_eq!(
            shown,
            [
                "policy.yaml:5:5: unknown role `boss`; roles are reader, owner, admin",
                "policy.yaml:7:21: unknown action `fly`; actions are read, register, edit, delete, report-deploy, operate-demo",
                "policy.yaml:8:11: `role:king` is not `everyone`, `signed-in`, `owners`, `role:reader|owner|admin`, nor a group or user ref",
                "policy.yaml:11:7: unknown field `colour` in a rule",
            ]
        );
        assert_eq!(read("p.yaml", "").unwrap_err()[0].location.to_string(), "p.yaml:1:1");
        let wrong = read("p.yaml", "apiVersion: v1\nkind: Polcy\nspec: {}\n").unwrap_err();
        assert_eq!(wrong.iter().map(|p| p.location.to_string()).collect::<Vec<_>>(), ["p.yaml:1:13", "p.yaml:2:7"]);
    }
}
