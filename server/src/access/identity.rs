//! Who someone signed in is in the catalog, as Backstage's sign-in
//! resolvers decide: the `User` entity whose `spec.profile.email` is their
//! email (case-blind), and the groups it is a member of (`memberOf`) with
//! every parent of those (`childOf`), so a member of a team is a member of
//! its department too.

use std::collections::BTreeSet;

use catalog::index::{CatalogIndex, Condition, Filter};

use super::{Role, Subject, Who};

/// The subject for `email`: with a `User` entity, an owner with that
/// user's groups; without one, a reader with none.
pub fn person(index: &CatalogIndex, email: &str) -> Subject {
    let email = email.trim().to_lowercase();
    let filter = Filter::all_of([Condition::equals("kind", "user"), Condition::equals("spec.profile.email", &email)]);
    // Two users claiming one email: the first by ref, so the answer does not depend on load order.
    let user = index.filter(&filter).into_iter().map(|at| &index.entities()[at]).min_by_key(|user| user.key());
    let Some(user) = user else {
        return Subject { who: Who::Person { email, user: None }, role: Role::Reader, groups: BTreeSet::new() };
    };
    let mut groups = BTreeSet::new();
    let mut next: Vec<String> = user.entity.relation_targets("memberOf").map(str::to_string).collect();
    while let Some(group) = next.pop() {
        if groups.insert(group.clone())
            && let Some(entity) = index.get(&group)
        {
            next.extend(entity.entity.relation_targets("childOf").map(str::to_string));
        }
    }
    Subject { who: Who::Person { email, user: Some(user.key()) }, role: Role::Owner, groups }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ORG: &str = "\
apiVersion: backstage.io/v1alpha1
kind: Group
metadata: {name: shop}
spec: {type: department, children: [team-orders]}
---
apiVersion: backstage.io/v1alpha1
kind: Group
metadata: {name: team-orders}
spec: {type: team, children: [], parent: shop}
---
apiVersion: backstage.io/v1alpha1
kind: User
metadata: {name: alice}
spec: {profile: {email: Alice@Example.com}, memberOf: [team-orders]}
---
apiVersion: backstage.io/v1alpha1
kind: User
metadata: {name: bob}
spec: {profile: {email: bob@example.com}, memberOf: [ghost-team]}
";

    fn index(text: &str) -> CatalogIndex {
        let mut entities: Vec<std::sync::Arc<catalog::Entity>> =
            catalog::parse_str("org.yaml", text).entities.into_iter().map(|p| p.entity).collect();
        catalog::derive_relations(&mut entities);
        CatalogIndex::new(entities)
    }

    #[test]
    fn a_user_is_found_by_email_with_their_groups_and_the_parents_of_those() {
        let index = index(ORG);
        let alice = person(&index, " alice@EXAMPLE.com");
        assert_eq!(alice.who, Who::Person { email: "alice@example.com".into(), user: Some("user:default/alice".into()) });
        assert_eq!(alice.role, Role::Owner);
        assert_eq!(alice.groups, ["group:default/shop".to_string(), "group:default/team-orders".to_string()].into());
        let bob = person(&index, "bob@example.com");
        assert_eq!(bob.groups, ["group:default/ghost-team".to_string()].into(), "a group the catalog lacks is still named");
        let stranger = person(&index, "carol@example.com");
        assert_eq!((stranger.role, stranger.groups.len()), (Role::Reader, 0));
        assert_eq!(stranger.who, Who::Person { email: "carol@example.com".into(), user: None });
    }
}
