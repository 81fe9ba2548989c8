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

fn key(field: &str, text: &str, default_kind: &str) -> Result<String, Error> {
    EntityRef::parse(text, Some(default_kind), DEFAULT_NAMESPACE)
        .map(|entity| entity.key())
        .map_err(|error| Error::Invalid(format!("`{field}`: {error}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_a_descriptor_writes_is_completed() {
        for written in ["team-shop", "default/team-shop", "group:default/team-shop", "Group:Default/Team-Shop", " team-shop "] {
            assert_eq!(owner_key("owner", written).ok().as_deref(), Some("group:default/team-shop"), "{written}");
        }
        assert_eq!(owner_key("owner", "user:jdoe").ok().as_deref(), Some("user:default/jdoe"));
        assert_eq!(entity_key("entity", "checkout", "component").ok().as_deref(), Some("component:default/checkout"));
        let Err(Error::Invalid(message)) = owner_key("owner", "group:/x") else { panic!("an empty namespace is refused") };
        assert!(message.starts_with("`owner`: "), "{message}");
    }
}
