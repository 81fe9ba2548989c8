//! Who may do what: the one check every write path (and every read a
//! policy restricts) asks. A [`Subject`] (someone signed in, an API token,
//! a guest, Meridian itself) asks for an [`Action`] on a [`Target`]; a
//! [`Policy`] answers with a [`Decision`] that names what is missing when
//! it refuses. No I/O: who someone is comes from [`identity`] (a catalog
//! snapshot), the policy from [`file`] (YAML with positions). Sign-in, the
//! check on every write path and the audit trail build on this (issue #33).

pub mod file;
pub mod identity;

use std::collections::BTreeSet;
use std::fmt;

/// What a subject asks to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Action {
    Read,
    /// Register a location or entities.
    Register,
    Edit,
    /// Unregister or delete an entity.
    Delete,
    ReportDeploy,
    /// Start and stop the demo fleet's scenarios.
    OperateDemo,
}

impl Action {
    pub const ALL: [Action; 6] = [Action::Read, Action::Register, Action::Edit, Action::Delete, Action::ReportDeploy, Action::OperateDemo];

    pub fn as_str(self) -> &'static str {
        match self {
            Action::Read => "read",
            Action::Register => "register",
            Action::Edit => "edit",
            Action::Delete => "delete",
            Action::ReportDeploy => "report-deploy",
            Action::OperateDemo => "operate-demo",
        }
    }
}

/// A subject's standing, each including the ones before it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    Reader,
    Owner,
    Admin,
}

impl Role {
    /// The role a policy file names `name`.
    pub fn named(name: &str) -> Option<Role> {
        match name {
            "reader" => Some(Role::Reader),
            "owner" => Some(Role::Owner),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }
}

/// Who asks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Who {
    /// Signed in; `user` is their `User` entity when the catalog has one.
    Person { email: String, user: Option<String> },
    /// An API token, named by the subject its file line gives, if any.
    Token { subject: Option<String> },
    /// Not signed in, or signed in with no `User` entity.
    Guest,
    /// Meridian itself: the file watcher, URL refreshes, other replicas.
    System,
}

/// Someone asking, with their role and the groups they belong to
/// (entity refs, lower case, parents included).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Subject {
    pub who: Who,
    pub role: Role,
    pub groups: BTreeSet<String>,
}

impl Subject {
    pub fn system() -> Self {
        Subject { who: Who::System, role: Role::Admin, groups: BTreeSet::new() }
    }

    pub fn guest() -> Self {
        Subject { who: Who::Guest, role: Role::Reader, groups: BTreeSet::new() }
    }
}

/// What an action is on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target<'a> {
    /// An entity; `owner` is its `spec.owner` as a ref, lower case.
    Entity { kind: &'a str, namespace: &'a str, owner: Option<&'a str> },
    /// The catalog as a whole (registering, the demo fleet).
    Catalog,
}

impl fmt::Display for Target<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::Entity { kind, namespace, .. } => write!(f, "{} entities in namespace {namespace}", kind.to_ascii_lowercase()),
            Target::Catalog => f.write_str("the catalog"),
        }
    }
}

/// To whom a rule applies.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Grantee {
    Everyone,
    /// Anyone but a guest.
    SignedIn,
    /// Subjects with at least this role.
    Role(Role),
    /// Members of this group (an entity ref, lower case), through subgroups too.
    Group(String),
    /// The person whose `User` entity this is (a ref, lower case).
    User(String),
    /// Members of the group that owns the target entity.
    Owners,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Effect {
    Allow,
    Deny,
}

/// One line of a policy: `effect` for `actions` by `grantee`, on entities
/// of `kinds` in `namespaces` owned by `owners` (each empty: any).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rule {
    pub effect: Effect,
    pub actions: BTreeSet<Action>,
    pub grantee: Grantee,
    /// Lower case.
    pub kinds: BTreeSet<String>,
    pub namespaces: BTreeSet<String>,
    /// Owner refs, lower case.
    pub owners: BTreeSet<String>,
}

impl Grantee {
    /// Whether `subject` is one of these, as far as it can tell without a
    /// target (`Owners` needs one).
    fn includes(&self, subject: &Subject, target_owner: Option<&str>) -> bool {
        match self {
            Grantee::Everyone => true,
            Grantee::SignedIn => subject.who != Who::Guest,
            Grantee::Role(role) => subject.role >= *role,
            Grantee::Group(group) => subject.groups.contains(group),
            Grantee::User(user) => matches!(&subject.who, Who::Person { user: Some(own), .. } if own == user),
            Grantee::Owners => target_owner.is_some_and(|owner| subject.groups.contains(owner)),
        }
    }
}

impl Rule {
    fn applies(&self, subject: &Subject, action: Action, target: Target) -> bool {
        let any_or = |set: &BTreeSet<String>, value: &str| set.is_empty() || set.contains(&value.to_lowercase());
        let (on_target, owner) = match target {
            Target::Entity { kind, namespace, owner } => (
                any_or(&self.kinds, kind)
                    && any_or(&self.namespaces, namespace)
                    && (self.owners.is_empty() || owner.is_some_and(|owner| self.owners.contains(owner))),
                owner,
            ),
            Target::Catalog => (self.kinds.is_empty() && self.namespaces.is_empty() && self.owners.is_empty(), None),
        };
        self.actions.contains(&action) && on_target && self.grantee.includes(subject, owner)
    }
}

/// What a policy answers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Decision {
    Allowed,
    /// Refused; says which permission was missing.
    Denied {
        missing: String,
    },
}

/// Who holds which role, and rules: any deny that applies refuses, else
/// any allow that applies allows, else the action is refused. Admins and
/// the system may do everything.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Policy {
    /// A subject listed under several roles holds the highest.
    pub roles: Vec<(Role, Grantee)>,
    pub rules: Vec<Rule>,
}

impl Default for Policy {
    /// Everyone reads; the members of an entity's owning group (through
    /// subgroups) edit, delete and report its deploys; owners register;
    /// admins do everything.
    fn default() -> Self {
        let rule = |actions: &[Action], grantee| Rule {
            effect: Effect::Allow,
            actions: actions.iter().copied().collect(),
            grantee,
            kinds: BTreeSet::new(),
            namespaces: BTreeSet::new(),
            owners: BTreeSet::new(),
        };
        Policy {
            roles: Vec::new(),
            rules: vec![
                rule(&[Action::Read], Grantee::Everyone),
                rule(&[Action::Edit, Action::Delete, Action::ReportDeploy], Grantee::Owners),
                rule(&[Action::Register], Grantee::Role(Role::Owner)),
            ],
        }
    }
}

impl Policy {
    /// `subject` with the role this policy gives it: the highest role it
    /// is listed under, else the role it came with.
    pub fn with_role(&self, mut subject: Subject) -> Subject {
        if subject.who != Who::System
            && let Some(role) = self.roles.iter().filter(|(_, grantee)| grantee.includes(&subject, None)).map(|(role, _)| *role).max()
        {
            subject.role = role;
        }
        subject
    }

    pub fn decide(&self, subject: &Subject, action: Action, target: Target) -> Decision {
        if subject.role == Role::Admin {
            return Decision::Allowed;
        }
        let applying = |effect| self.rules.iter().filter(move |r| r.effect == effect).any(|r| r.applies(subject, action, target));
        if !applying(Effect::Deny) && applying(Effect::Allow) {
            return Decision::Allowed;
        }
        Decision::Denied { missing: format!("{} on {target}", action.as_str()) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person(role: Role, groups: &[&str]) -> Subject {
        Subject {
            who: Who::Person { email: "alice@example.com".into(), user: Some("user:default/alice".into()) },
            role,
            groups: groups.iter().map(|g| g.to_string()).collect(),
        }
    }

    const CHECKOUT: Target = Target::Entity { kind: "Component", namespace: "default", owner: Some("group:default/team-orders") };

    #[test]
    fn the_default_policy_lets_owners_change_their_entities_and_everyone_read() {
        let policy = Policy::default();
        let member = person(Role::Owner, &["group:default/team-orders", "group:default/shop"]);
        let other = person(Role::Owner, &["group:default/team-payments"]);
        for action in [Action::Edit, Action::Delete, Action::ReportDeploy, Action::Read] {
            assert_eq!(policy.decide(&member, action, CHECKOUT), Decision::Allowed, "{action:?}");
        }
        assert_eq!(policy.decide(&other, Action::Read, CHECKOUT), Decision::Allowed);
        assert_eq!(
            policy.decide(&other, Action::Edit, CHECKOUT),
            Decision::Denied { missing: "edit on component entities in namespace default".into() }
        );
        assert_eq!(policy.decide(&Subject::guest(), Action::Read, CHECKOUT), Decision::Allowed);
        assert!(matches!(policy.decide(&Subject::guest(), Action::Register, Target::Catalog), Decision::Denied { .. }));
        assert_eq!(policy.decide(&other, Action::Register, Target::Catalog), Decision::Allowed);
        assert!(matches!(policy.decide(&other, Action::OperateDemo, Target::Catalog), Decision::Denied { .. }));
        let admin = person(Role::Admin, &[]);
        assert_eq!(policy.decide(&admin, Action::OperateDemo, Target::Catalog), Decision::Allowed);
        assert_eq!(policy.decide(&Subject::system(), Action::Delete, CHECKOUT), Decision::Allowed);
        let unowned = Target::Entity { kind: "Component", namespace: "default", owner: None };
        assert!(matches!(policy.decide(&member, Action::Edit, unowned), Decision::Denied { .. }), "no owner: only admins");
    }

    #[test]
    fn a_deny_wins_and_rules_narrow_by_kind_namespace_and_group() {
        let mut policy = Policy::default();
        policy.rules.push(Rule {
            effect: Effect::Deny,
            actions: [Action::Read].into(),
            grantee: Grantee::Everyone,
            kinds: BTreeSet::new(),
            namespaces: ["secret".to_string()].into(),
            owners: BTreeSet::new(),
        });
        policy.rules.push(Rule {
            effect: Effect::Allow,
            actions: [Action::Edit].into(),
            grantee: Grantee::Group("group:default/platform".into()),
            kinds: ["api".to_string()].into(),
            namespaces: BTreeSet::new(),
            owners: BTreeSet::new(),
        });
        let platform = person(Role::Reader, &["group:default/platform"]);
        let secret = Target::Entity { kind: "Component", namespace: "Secret", owner: None };
        assert!(matches!(policy.decide(&platform, Action::Read, secret), Decision::Denied { .. }));
        let api = Target::Entity { kind: "API", namespace: "default", owner: Some("group:default/team-orders") };
        assert_eq!(policy.decide(&platform, Action::Edit, api), Decision::Allowed);
        assert!(matches!(policy.decide(&platform, Action::Edit, CHECKOUT), Decision::Denied { .. }), "APIs only");
        assert!(matches!(policy.decide(&Subject::guest(), Action::Edit, api), Decision::Denied { .. }));
    }

    #[test]
    fn listed_roles_replace_the_default_the_highest_wins() {
        let policy = Policy {
            roles: vec![
                (Role::Admin, Grantee::Group("group:default/platform".into())),
                (Role::Reader, Grantee::Group("group:default/contractors".into())),
                (Role::Reader, Grantee::User("user:default/alice".into())),
            ],
            ..Policy::default()
        };
        let both = policy.with_role(person(Role::Owner, &["group:default/platform", "group:default/contractors"]));
        assert_eq!(both.role, Role::Admin);
        let alice = policy.with_role(person(Role::Owner, &["group:default/team-orders"]));
        assert_eq!(alice.role, Role::Reader, "listed by name");
        assert!(matches!(policy.decide(&alice, Action::Register, Target::Catalog), Decision::Denied { .. }));
        let unlisted = Subject { who: Who::Person { email: "b@example.com".into(), user: None }, ..person(Role::Owner, &[]) };
        assert_eq!(policy.with_role(unlisted).role, Role::Owner, "unlisted: as it came");
        assert_eq!(policy.with_role(Subject::system()).role, Role::Admin);
    }
}
